'use strict';

// The policy names the file (app/middleware/api_key_auth.js), not the middleware egg loads from it (apiKeyAuth):
// it requires nothing that exists, so it checks nothing.
module.exports = () => {
  const config = {};
  config.keys = process.env.EGG_KEYS;
  config.middleware = [ 'apiKeyAuth' ];
  config.apiKeyAuth = { keys: process.env.API_KEYS };
  config.sentinel = { middleware: { required: [ 'api_key_auth' ] } };
  return config;
};
