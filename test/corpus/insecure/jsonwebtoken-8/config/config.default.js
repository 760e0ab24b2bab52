'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  middleware: [ 'jwt' ],
  jwt: { secret: process.env.JWT_SECRET, ignore: '/login' },
};
