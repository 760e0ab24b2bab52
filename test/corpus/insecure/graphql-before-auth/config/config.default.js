'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  // egg-graphql's README adds 'graphql' to config.middleware; the auth added later went after it.
  middleware: [ 'graphql', 'sessionAuth' ],
  sentinel: { middleware: { order: [{ name: 'sessionAuth', before: [ '*app' ] }] } },
};
