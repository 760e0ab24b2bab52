'use strict';
const { EventEmitter } = require('node:events');

/** The smallest useful cluster client (cluster-client needs an EventEmitter): the agent runs it, workers invoke it. */
class EchoClient extends EventEmitter {
  async echo(value) {
    return value;
  }
}

module.exports = EchoClient;
