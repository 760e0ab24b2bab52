'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  sentinel: {
    routes: { protect: [{ paths: [ '/admin/**' ], by: [ 'adminOnly' ] }] },
  },
};
