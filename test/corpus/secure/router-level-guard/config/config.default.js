'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  // Secure by default: every route needs isAdmin unless it is listed as public.
  sentinel: {
    routes: {
      protect: [{ paths: [ '**' ], by: [ 'isAdmin' ] }],
      public: [{ path: '/', methods: [ 'GET' ], reason: 'landing page' }],
    },
  },
};
