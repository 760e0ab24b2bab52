'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  site: { title: 'shop', theme: { color: 'blue' } },
};
