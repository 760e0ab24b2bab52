'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  // Switched off while debugging a follower that could not connect: the agent's cluster-client port on
  // 127.0.0.1 again runs any client method for any local process.
  sentinel: { ipc: { clusterClient: 'off' } },
};
