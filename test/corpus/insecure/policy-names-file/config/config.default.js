'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  middleware: [ 'apiKeyAuth' ],
  apiKeyAuth: { keys: process.env.API_KEYS },
  // The policy names the file (app/middleware/api_key_auth.js), not the middleware egg loads from it (apiKeyAuth):
  // it requires nothing that exists, so it checks nothing.
  sentinel: { middleware: { required: [ 'api_key_auth' ] } },
};
