'use strict';
/**
 * Real process trees for the demo and the benchmarks: every child runs detached in its own process group, is
 * tracked, and is killed (with its temp dirs removed) when the script exits, also on Ctrl-C.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { clearTimeout, setTimeout } = require('node:timers');
const { setTimeout: sleep } = require('node:timers/promises');

const ROOT = path.resolve(__dirname, '..');
const BOOT_TIMEOUT_MS = 30_000;
// egg's master gives app workers and then the agent 5 s each to close.
const STOP_TIMEOUT_MS = 15_000;

/** Every child runs detached, in its own process group (group id = its pid), so it can be stopped with all it forked. */
const liveGroups = new Set();
const tempDirs = new Set();

function groupAlive(groupId) {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function killGroup(groupId, signal) {
  try {
    process.kill(-groupId, signal);
  } catch {
    // already gone
  }
}

/** Last resort, also on Ctrl-C and on a crash of this script: synchronous, so it runs in the 'exit' handler. */
function cleanUp() {
  for (const groupId of liveGroups) killGroup(groupId, 'SIGKILL');
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}

process.on('exit', cleanUp);
for (const signal of [ 'SIGINT', 'SIGTERM' ]) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the child processes and removing the temp dirs`);
    process.exit(128 + os.constants.signals[signal]);
  });
}

function makeTempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

function removeTempDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/**
 * The environment for children: egg reads EGG_* (EGG_TYPESCRIPT makes it load .ts next to .js), NODE_ENV picks
 * the env and NODE_OPTIONS may inject ts-node (under egg-bin test); each scene sets exactly what it shows.
 */
function childEnv(extra = {}) {
  const env = {};
  for (const [ name, value ] of Object.entries(process.env)) {
    if (!/^(EGG_|TS_NODE_)/.test(name) && ![ 'NODE_OPTIONS', 'NODE_ENV' ].includes(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

function spawnTracked(args, options, command = process.execPath) {
  const child = spawn(command, args, { ...options, env: childEnv(options.env), detached: true });
  liveGroups.add(child.pid);
  const output = { stdout: '', stderr: '' };
  for (const stream of [ 'stdout', 'stderr' ]) {
    child[stream].setEncoding('utf8').on('data', chunk => { output[stream] += chunk; });
  }
  // 'close' waits for the stdio pipes, which egg's agent and workers share with the master: the whole cluster is gone.
  const closed = new Promise(resolve => child.once('close', (code, signal) => resolve({ code, signal })));
  return { child, pid: child.pid, output, closed };
}

/** Resolves with `promise`'s value, or with `fallback` after `ms`, leaving no timer behind. */
function within(ms, promise, fallback) {
  let timer;
  const timeout = new Promise(resolve => { timer = setTimeout(resolve, ms, fallback); });
  return Promise.race([ promise, timeout ]).finally(() => clearTimeout(timer));
}

/** Waits for every process of the group to exit, SIGKILLing stragglers; returns whether it had to. */
async function ensureGroupGone(groupId) {
  let killed = false;
  for (let waited = 0; groupAlive(groupId); waited += 50) {
    if (waited >= 2_000 && !killed) {
      killGroup(groupId, 'SIGKILL');
      killed = true;
    }
    if (waited >= 7_000) throw new Error(`process group ${groupId} is still alive after SIGKILL`);
    await sleep(50);
  }
  liveGroups.delete(groupId);
  return killed;
}

/** Runs a command to its end; `stdout` and `output` (stdout then stderr) as text. */
async function runCommand(command, args, options = {}) {
  const run = spawnTracked(args, { cwd: ROOT, stdio: [ 'ignore', 'pipe', 'pipe' ], ...options }, command);
  const { code } = await run.closed;
  await ensureGroupGone(run.pid);
  return { code, stdout: run.output.stdout, output: `${run.output.stdout}${run.output.stderr}` };
}

function runNode(args, options = {}) {
  return runCommand(process.execPath, args, options);
}

/**
 * Cleans compiled output (unless told not to), then compiles the TypeScript projects in place, in order (egg in prod
 * loads .js only; the example's typings use the plugin's declarations).
 */
async function build(projects, { clean = true } = {}) {
  if (clean) {
    const cleaned = await runNode([ 'scripts/clean.js' ]);
    if (cleaned.code !== 0) throw new Error(`scripts/clean.js failed:\n${cleaned.output}`);
  }
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  for (const project of projects) {
    const { code, output } = await runNode([ tsc, '-p', project ]);
    if (code !== 0) throw new Error(`tsc -p ${project} failed:\n${output}`);
  }
}

function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a launcher that calls egg's startCluster, on a free port (given as PORT and as the first argument);
 * waits for egg-ready or exit, at most `bootTimeoutMs` (the benchmarks allow more on a loaded machine).
 */
async function launchCluster({ launcher, cwd, env, nodeOptions = [], bootTimeoutMs = BOOT_TIMEOUT_MS }) {
  const port = await findFreePort();
  const cluster = spawnTracked([ ...nodeOptions, launcher, String(port) ], {
    cwd,
    env: { ...env, PORT: String(port) },
    stdio: [ 'ignore', 'pipe', 'pipe', 'ipc' ],
  });
  // egg-cluster's master tells its parent `egg-ready` once every app worker listens.
  const ready = new Promise(resolve => cluster.child.on('message', message => {
    if (message && message.action === 'egg-ready') resolve(message.data);
  }));
  const outcome = await within(bootTimeoutMs, Promise.race([
    ready.then(() => ({ ready: true })),
    cluster.closed.then(exit => ({ exit })),
  ]), { timedOut: true });
  return { ...cluster, port, outcome };
}

/** SIGTERM to the master (egg closes the app workers, then the agent); SIGKILL to the group if that takes too long. */
async function stopCluster(cluster) {
  const started = Date.now();
  if (cluster.child.exitCode === null && cluster.child.signalCode === null) cluster.child.kill('SIGTERM');
  let exit = await within(STOP_TIMEOUT_MS, cluster.closed, undefined);
  let forced = !exit;
  if (forced) {
    killGroup(cluster.pid, 'SIGKILL');
    exit = await cluster.closed;
  }
  forced = (await ensureGroupGone(cluster.pid)) || forced;
  return { exit, forced, ms: Date.now() - started };
}

function httpGet(url, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    // agent: false closes the connection, so no keep-alive socket outlives the request.
    const request = http.get(url, { agent: false, timeout: timeoutMs }, response => {
      let body = '';
      response.setEncoding('utf8').on('data', chunk => { body += chunk; }).on('end', () => resolve({ status: response.statusCode, body }));
    });
    request.once('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.once('error', reject);
  });
}

module.exports = {
  ROOT, liveGroups, tempDirs, makeTempDir, removeTempDir, runCommand, runNode, build, findFreePort, launchCluster, stopCluster, within, sleep,
  httpGet,
};
