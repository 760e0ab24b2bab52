'use strict';

exports.keys = process.env.EGG_KEYS;

// A switch read from the environment is a string: "false" is truthy, and egg-security's checks see neither
// a boolean nor what the operator meant.
exports.security = {
  csrf: {
    enable: process.env.CSRF_ENABLE,
  },
};
