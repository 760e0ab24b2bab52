'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  middleware: [ 'cors' ],
  cors: { credentials: true },
};
