'use strict';

// Nothing wrong in the code: the image's Dockerfile kept `ENV NODE_OPTIONS=--inspect=0.0.0.0:9229` from a
// debugging session, and egg-cluster passes it to the agent and every worker.
module.exports = {
  keys: process.env.EGG_KEYS,
};
