'use strict';

/** Counts flood messages, confirms every `ack` of them if asked and answers when a run is complete; echoes pings; reports its memory. */
const EchoClient = require('./lib/echo-client');

module.exports = agent => {
  agent.echoClient = agent.cluster(EchoClient).create();
  agent.beforeStart(() => agent.echoClient.ready());
  let expected = 0;
  let received = 0;
  let ack = 0;
  agent.messenger.on('bench:start', data => {
    expected = data.n;
    ack = data.ack;
    received = 0;
    agent.messenger.sendToApp('bench:ready', {});
  });
  agent.messenger.on('bench:flood', () => {
    received++;
    if (ack && received % ack === 0) agent.messenger.sendToApp('bench:ack', { received });
    if (received === expected) agent.messenger.sendToApp('bench:done', { received });
  });
  agent.messenger.on('bench:ping', data => agent.messenger.sendToApp('bench:pong', data));
  // The agent's memory after a full garbage collection (the cluster runs with --expose-gc).
  agent.messenger.on('bench:memory', () => {
    global.gc?.();
    agent.messenger.sendToApp('bench:memory-usage', process.memoryUsage());
  });
};
