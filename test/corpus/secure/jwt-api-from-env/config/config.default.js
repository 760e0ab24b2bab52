'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  middleware: [ 'jwtAuth' ],
  jwtAuth: {
    secret: process.env.JWT_SECRET,
    // Exactly the login route, not a prefix.
    ignore: /^\/api\/login$/,
  },
  // A token in the Authorization header is not sent by browsers on their own: the API needs no CSRF token.
  security: { csrf: { ignore: '/api' } },
  sentinel: {
    routes: {
      protect: [{ paths: [ '/api/**' ], by: [ 'jwtAuth' ] }],
      public: [{ path: '/api/login', methods: [ 'POST' ], reason: 'exchanges credentials for a token' }],
    },
  },
};
