'use strict';
// `npm run bench:plugins`: the boot section of the benchmark suite (bench/run.js) on the realistic app, whose pinned
// plugins the agent verifies, and the CPU profile of egg-sentinel at boot; prints, writes no results.
require('./run').cli([ '--only', 'boot,profile' ]);
