'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  // Team policy: egg's plugins and the official @eggjs scope only.
  sentinel: { plugins: { allow: [ 'egg-*', '@eggjs/*', 'sentinel' ] } },
};
