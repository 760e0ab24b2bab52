'use strict';

const path = require('path');

module.exports = appInfo => {
  const config = exports = {};

  config.keys = process.env.EGG_KEYS;

  // "serve the built front end from /": egg-static now serves every file of the app, config/ and run/ included.
  config.static = {
    prefix: '/',
    dir: path.join(appInfo.baseDir, '/'),
    buffer: false,
    preload: false,
  };

  return config;
};
