'use strict';

module.exports = appInfo => {
  const config = exports = {};

  config.keys = process.env.EGG_KEYS;

  // "invalid csrf token" from Postman: switched off for the whole app, session-cookie form posts included.
  config.security = {
    csrf: {
      enable: false,
    },
  };

  config.name = appInfo.name;
  return config;
};
