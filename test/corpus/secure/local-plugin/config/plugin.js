'use strict';

const path = require('path');

// egg's plugin guide: a plugin developed inside the app, in lib/plugin, enabled by path.
exports.ua = {
  enable: true,
  path: path.join(__dirname, '../lib/plugin/egg-ua'),
};
