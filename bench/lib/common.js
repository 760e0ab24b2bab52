'use strict';
/** Small shared pieces of the benchmark suite: statistics, targets and verdicts, sizes from the environment, progress. */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { httpGet, ROOT } = require('../../scripts/harness');

const median = values => [ ...values ].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) => [ ...values ].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

/** A positive integer from the environment (what sizes a run), or the default; a bad value is an error, not ignored. */
function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name}=${raw}: expected a positive integer`);
  return value;
}

const suiteStarted = Date.now();
/** Progress on stdout, with the time since the suite started, so a slow step shows where it is. */
function progress(message) {
  const seconds = ((Date.now() - suiteStarted) / 1000).toFixed(0).padStart(4);
  console.log(`[${seconds} s] ${message}`);
}

/**
 * One measured figure with its target: `better` says which side of `target` meets it ('higher' or 'lower');
 * figures without a target in issue #10 carry `target: undefined` and are reported as informational.
 */
function figure({ id, label, value, display, target, better = 'higher', note }) {
  const met = target === undefined || value === undefined ? undefined : better === 'higher' ? value >= target : value <= target;
  return { id, label, value, display: display ?? (value === undefined ? 'not measured' : value.toFixed(2)), target, better, met, note };
}

function targetText(entry) {
  if (entry.target === undefined) return 'none (informational)';
  return `${entry.better === 'higher' ? '≥' : '≤'} ${entry.target}`;
}

function verdictText(entry) {
  if (entry.value === undefined) return 'NOT MEASURED';
  if (entry.met === undefined) return '—';
  return entry.met ? 'met' : '**MISSED**';
}

// A loaded shared machine can take far longer than the harness's 30 s to boot a cluster; a timeout is still a failure.
const BOOT_TIMEOUT_MS = 120_000;

/** Throws when a launched cluster did not reach egg-ready, saying why (timeout, or exit code and the end of stderr). */
function ensureStarted(cluster, what) {
  const { outcome } = cluster;
  if (outcome.ready) return;
  const why = outcome.timedOut ? `no egg-ready within ${BOOT_TIMEOUT_MS / 1000} s` : `the master exited (code ${outcome.exit.code}, signal ${outcome.exit.signal})`;
  throw new Error(`${what} did not start: ${why}\n${cluster.output.stderr.slice(-2000)}`);
}

async function getJson(port, url, timeoutMs = 600_000) {
  const { status, body } = await httpGet(`http://127.0.0.1:${port}${url}`, timeoutMs);
  if (status !== 200) throw new Error(`GET ${url} -> ${status}: ${body.slice(0, 500)}`);
  return JSON.parse(body);
}

/** CPU model, cores, RAM and load: the machine the figures were measured on. */
function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    ramGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    loadAverage: os.loadavg().map(value => Number(value.toFixed(2))),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

function versions() {
  const version = file => JSON.parse(fs.readFileSync(file, 'utf8')).version;
  return {
    node: process.version,
    egg: version(require.resolve('egg/package.json', { paths: [ ROOT ] })),
    eggSentinel: version(path.join(ROOT, 'package.json')),
    autocannon: version(require.resolve('autocannon/package.json', { paths: [ ROOT ] })),
  };
}

module.exports = { BOOT_TIMEOUT_MS, ensureStarted, median, percentile, envInt, progress, figure, targetText, verdictText, getJson, machine, versions };
