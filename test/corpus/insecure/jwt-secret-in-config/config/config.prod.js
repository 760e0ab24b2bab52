'use strict';

// egg-jwt's README puts the secret in config; copied into config.prod.js it signs every production token.
exports.keys = process.env.EGG_KEYS;

exports.jwt = {
  secret: '123456',
};
