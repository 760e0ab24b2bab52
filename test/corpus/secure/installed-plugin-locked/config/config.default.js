'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
};
