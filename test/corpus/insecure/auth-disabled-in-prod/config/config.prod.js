'use strict';

// TODO: turn auth back on after the load test
exports.jwtAuth = {
  enable: false,
};
