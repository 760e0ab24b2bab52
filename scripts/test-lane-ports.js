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

/** detect-port's detectPort(): as asked for a given port; otherwise the next free port of this lane's range. */
async function laneDetectPort(port, callback) {
  if (port !== undefined || callback !== undefined) return detect.detectPort(port, callback);
  const found = await detect.detectPort(next);
  next = found >= first && found + 1 < first + LANE_PORTS ? found + 1 : first;
  return found;
}

const laneDetect = { ...detect, default: laneDetectPort, detect: laneDetectPort, detectPort: laneDetectPort };
const load = Module._load;
Module._load = function(request, ...rest) {
  const loaded = load.call(this, request, ...rest);
  return request === 'detect-port' ? laneDetect : loaded;
};
