'use strict';
const path = require('node:path');

// egg's default plugins are on; five community plugins from this fixture's node_modules (bench/plugins-app/package.json)
exports.cors = { enable: true, package: 'egg-cors' };
exports.jwt = { enable: true, package: 'egg-jwt' };
exports.passport = { enable: true, package: 'egg-passport' };
exports.validate = { enable: true, package: 'egg-validate' };
exports.nunjucks = { enable: true, package: 'egg-view-nunjucks' };
// the compiled plugin from this repository (bench/plugins.js builds it)
exports.sentinel = { enable: true, path: path.join(__dirname, '../../..') };
