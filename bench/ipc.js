'use strict';
// `npm run bench:ipc`: the IPC and codec sections of the benchmark suite (bench/run.js); prints, writes no results.
require('./run').cli([ '--only', 'ipc,codec' ]);
