'use strict';
const path = require('node:path');

module.exports = {
  keys: 'bench-only-cookie-key-Zq8Xw3Lk9Pm2Nv7Rt4Yb6Hc1Jd5Fg0Se',
  logger: { dir: path.join(__dirname, '../logs', process.env.BENCH_IPC_MODE) },
  rundir: path.join(__dirname, '../run', process.env.BENCH_IPC_MODE),
  sentinel: {
    // the bench compares IPC off and on; the boot checks are not what it measures
    failOn: 'never',
    report: { log: false },
    ipc: { mode: process.env.BENCH_IPC_MODE === 'off' ? 'off' : 'enforce', encrypt: process.env.BENCH_IPC_MODE === 'sealed' },
  },
};
