'use strict';
const path = require('node:path');

// the compiled plugin from this repository (bench/soak.js builds it)
exports.sentinel = { enable: true, path: path.join(__dirname, '../../..') };
