'use strict';

const assert = require('node:assert');
const fs = require('node:fs');
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

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function fileMode(file) {
  return fs.statSync(file).mode & 0o777;
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

module.exports = { EGG_DIR, expectRefused, fileMode, fixture, readJson, sleep };
