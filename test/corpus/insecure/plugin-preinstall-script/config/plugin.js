'use strict';

exports.geoip = {
  enable: true,
  package: 'egg-geoip',
};
