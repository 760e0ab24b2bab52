'use strict';
/**
 * Required (mocha --require) by the parallel lanes of scripts/test-unit.js, before egg-mock. egg-mock gives each mm.app()
 * agent a cluster-client port from detect-port: one the kernel handed out and took back, on which the agent listens
 * later, so the other lane's sockets may take it first ("create "Watcher" leader failed, the port:N is occupied by
 * other"). A lane takes those ports from a range of its own, below the kernel's ephemeral ports (Linux: 32768 and up).
 */
const Module = require('node:module');
const { randomInt } = require('node:crypto');
const detect = require('detect-port');

const LANE_PORTS = 5000;
const lane = Number(process.env.SENTINEL_TEST_LANE);
const first = 21000 + LANE_PORTS * lane;

/** detect-port tries a port and the 9 after it, then takes one from the kernel: the collision this file is for. */
const BLOCK = 10;
const BLOCKS = LANE_PORTS / BLOCK;
/** Each run starts at a block of its own choosing, so two suites on one machine (two checkouts) seldom meet. */
let nextBlock = randomInt(BLOCKS);

/** A free port of this lane's range: the next block's, or, when every port of a block is taken, the block after. */
async function lanePort() {
  for (let tried = 0; tried < BLOCKS; tried++) {
    // Taken before the wait: two apps booting at once look in blocks of their own.
    const start = first + BLOCK * nextBlock;
    nextBlock = (nextBlock + 1) % BLOCKS;
    const port = await detect.detectPort(start);
    if (port >= start && port < start + BLOCK) return port;
  }
  throw new Error(`[test-lane-ports] every port of lane ${lane}'s range ${first}-${first + LANE_PORTS - 1} is in use: stop what holds them (another test run?)`);
}

/** detect-port's detectPort(): as asked for a given port; otherwise a free port of this lane's range. */
function laneDetectPort(port, callback) {
  if (port !== undefined || callback !== undefined) return detect.detectPort(port, callback);
  return lanePort();
}

const laneDetect = { ...detect, default: laneDetectPort, detect: laneDetectPort, detectPort: laneDetectPort };
const load = Module._load;
Module._load = function(request, ...rest) {
  const loaded = load.call(this, request, ...rest);
  return request === 'detect-port' ? laneDetect : loaded;
};
