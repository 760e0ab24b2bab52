'use strict';

module.exports = () => ({
  keys: process.env.EGG_KEYS,
  // Models shared between the apps of a monorepo, loaded as code from a directory outside this app
  // (egg joins the directory to the app root: '..' climbs out of it).
  customLoader: {
    model: {
      directory: '../../_outside/common-model',
      inject: 'app',
    },
  },
  security: {
    ssrf: { ipBlackList: [ '127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16' ] },
  },
  sentinel: { failOn: 'medium' },
});
