'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  // Every request needs a logged-in session except the load balancer's probe (an exact path, not a prefix).
  middleware: [ 'sessionUser' ],
  sessionUser: { ignore: /^\/health$/ },
  sentinel: {
    routes: {
      protect: [{ paths: [ '**' ], by: [ 'sessionUser' ] }],
      public: [{ path: '/health', methods: [ 'GET' ], reason: 'load balancer probe' }],
    },
  },
};
