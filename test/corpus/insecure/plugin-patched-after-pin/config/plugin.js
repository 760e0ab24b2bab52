'use strict';

exports.accessLog = {
  enable: true,
  package: 'egg-access-log',
};
