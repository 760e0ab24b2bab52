'use strict';
const { Participant } = require('./lib/participant');

module.exports = app => new Participant(app, 'app').start();
