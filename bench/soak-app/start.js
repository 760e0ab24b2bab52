'use strict';
// node start.js <port>: one agent and two app workers in production mode, where egg-cluster re-forks a dead worker
require('egg').startCluster({ baseDir: __dirname, workers: 2, port: Number(process.argv[2]), env: 'prod' });
