'use strict';
const path = require('node:path');

const SEN1XX = [ 'SEN101', 'SEN102', 'SEN103', 'SEN104', 'SEN105', 'SEN106', 'SEN107', 'SEN108' ];

module.exports = {
  keys: 'bench-plugins-4Zq9Xv2Lm7Rt1Wn8Bc5Yk3Hp6Jd0Fs',
  // In prod egg logs to the home dir; the benchmark reads the agent's log here.
  logger: { dir: path.join(__dirname, '../logs') },
  jwt: { secret: process.env.BENCH_JWT_SECRET },
  view: { defaultViewEngine: 'nunjucks' },
  sentinel: {
    // The benchmark measures the cost of the checks, not their verdict.
    failOn: 'never',
    // BENCH_PLUGIN_RULES=off turns every plugin trust rule off: egg-sentinel then skips their work (hashing, lockfile).
    rules: process.env.BENCH_PLUGIN_RULES === 'off' ? Object.fromEntries(SEN1XX.map(id => [ id, 'off' ])) : {},
    report: { log: false },
  },
};
