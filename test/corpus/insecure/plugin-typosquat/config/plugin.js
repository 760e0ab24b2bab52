'use strict';

// `npm i egg-mongose`: one letter short of egg-mongoose, and npm installed whatever was published under that name.
exports.mongoose = {
  enable: true,
  package: 'egg-mongose',
};
