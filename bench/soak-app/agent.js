'use strict';
const { Participant } = require('./lib/participant');

module.exports = agent => new Participant(agent, 'agent').start();
