'use strict';

// egg's multi-process guide: the agent tells the workers when the cache must be refreshed.
module.exports = agent => {
  agent.messenger.on('egg-ready', () => {
    agent.messenger.sendToApp('refresh-topics', { reason: 'startup' });
  });
};
