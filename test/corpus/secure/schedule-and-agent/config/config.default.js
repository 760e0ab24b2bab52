'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  topics: { refreshUrl: 'https://api.example.com/topics/hot' },
};
