'use strict';
const path = require('node:path');

// the compiled plugin from this repository (bench/run.js builds it); BENCH_IPC_MODE=disabled is the app without it
exports.sentinel = { enable: process.env.BENCH_IPC_MODE !== 'disabled', path: path.join(__dirname, '../../..') };
