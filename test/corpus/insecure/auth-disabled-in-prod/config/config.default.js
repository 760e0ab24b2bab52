'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  middleware: [ 'jwtAuth' ],
  jwtAuth: { secret: process.env.JWT_SECRET },
  sentinel: { middleware: { required: [ 'jwtAuth' ] } },
};
