'use strict';
// node start.js <port>: one agent and one app worker, as egg-scripts would start them (without daemonizing)
require('egg').startCluster({ baseDir: __dirname, workers: 1, port: Number(process.argv[2]) });
