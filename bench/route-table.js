'use strict';
// `npm run bench:route-table`: the boot section of the benchmark suite (bench/run.js) on the realistic app (500 routes,
// 30 middleware, a route policy) and the CPU profile of egg-sentinel at boot; prints, writes no results.
require('./run').cli([ '--only', 'boot,profile' ]);
