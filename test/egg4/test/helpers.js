'use strict';

const assert = require('node:assert');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { mm } = require('@eggjs/mock');

const EGG_DIR = path.dirname(require.resolve('egg/package.json'));

function fixture(name) {
  return path.join(__dirname, 'fixtures/apps', name);
}

/** Boots a real egg 4 app with mm.app() and asserts that boot is refused; returns the error message. */
async function expectRefused(baseDir, pattern) {
  const app = mm.app({ baseDir, cache: false });
  let message = '';
  try {
    await assert.rejects(app.ready(), error => {
      message = error.message;
      assert.match(message, pattern);
      return true;
    });
  } finally {
    await app.close();
  }
  return message;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

/**
 * A real cluster (mm.cluster) on a free port, ready. @eggjs/mock, like egg-mock, counts ports up from 17001, so two
 * suites running on one machine would otherwise send their requests to each other's apps.
 */
async function startMockCluster(options) {
  const app = mm.cluster({ cache: false, ...options, port: await freePort() });
  await app.ready();
  return app;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function fileMode(file) {
  return fs.statSync(file).mode & 0o777;
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

module.exports = { EGG_DIR, expectRefused, fileMode, fixture, freePort, readJson, sleep, startMockCluster };
