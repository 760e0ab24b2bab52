'use strict';
/**
 * Required (mocha --require) by the parallel lanes of scripts/test-unit.js, before egg-mock. egg-mock gives each mm.app()
 * agent a cluster-client port from detect-port: one the kernel handed out and took back, on which the agent listens
 * later, so the other lane's sockets may take it first ("create "Watcher" leader failed, the port:N is occupied by
 * other"). A lane takes those ports from a range of its own, below the kernel's ephemeral ports (Linux: 32768 and up).
 */
const Module = require('node:module');
const detect = require('detect-port');

const LANE_PORTS = 5000;
const first = 21000 + LANE_PORTS * Number(process.env.SENTINEL_TEST_LANE);
let next = first;

/** detect-port tries a port and the 10 after it. */
const TRIED = 11;

/**
 * detect-port's detectPort(): as asked for a given port; otherwise a free port of this lane's range. Each call takes
 * ports of its own, also while an earlier one is still looking (two apps booting at once).
 */
function laneDetectPort(port, callback) {
  if (port !== undefined || callback !== undefined) return detect.detectPort(port, callback);
  const start = next;
  next = start + 2 * TRIED <= first + LANE_PORTS ? start + TRIED : first;
  return detect.detectPort(start);
}

const laneDetect = { ...detect, default: laneDetectPort, detect: laneDetectPort, detectPort: laneDetectPort };
const load = Module._load;
Module._load = function(request, ...rest) {
  const loaded = load.call(this, request, ...rest);
  return request === 'detect-port' ? laneDetect : loaded;
};
