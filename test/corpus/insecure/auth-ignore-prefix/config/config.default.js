'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  demoToken: process.env.DEMO_TOKEN,
  middleware: [ 'tokenAuth' ],
  // Meant for login and register; egg matches a string as a path prefix, so every /api/user/... route skips auth.
  tokenAuth: { ignore: '/api/user' },
  sentinel: {
    routes: {
      protect: [{ paths: [ '/api/**' ], by: [ 'tokenAuth' ] }],
      public: [
        { path: '/api/user/login', methods: [ 'POST' ], reason: 'issues the token' },
        { path: '/api/user/register', methods: [ 'POST' ], reason: 'sign-up' },
      ],
    },
  },
};
