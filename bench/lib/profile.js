'use strict';
/**
 * Where the time goes with egg-sentinel enabled: boots the realistic app once under `--cpu-prof` (master, agent and
 * both workers inherit the flag), audits it once the same way, and sends messages through a profiled IPC cluster;
 * then reads each process's V8 CPU profile and attributes every sample taken under a
 * frame of egg-sentinel's own code (the compiled plugin: app.js, agent.js, lib/**, outside node_modules) to
 * - the egg-sentinel function it ran in (inclusive time: the function or anything it called),
 * - what egg-sentinel called (the first frame outside its code below the innermost egg-sentinel frame: ajv's
 *   compiler, `require` of its modules, fs, crypto) and from where, or "own code" and the function it ran in.
 * Sampling, so each figure is ±1 sample interval (about 1 ms) times the samples.
 */
const fs = require('node:fs');
const path = require('node:path');
const { launchCluster, makeTempDir, removeTempDir, ROOT, runNode, stopCluster } = require('../../scripts/harness');
const { BOOT_TIMEOUT_MS, ensureStarted, envInt, getJson, progress } = require('./common');
const { APP_DIR, JWT_SECRET, launchRealisticApp } = require('./realistic-app');

const IPC_APP = path.join(__dirname, '../ipc-app');
const OWN_PREFIXES = [ `${ROOT}/lib/`, `${ROOT}/app.js`, `${ROOT}/agent.js`, `${ROOT}/index.js`, `${ROOT}/config/` ];
const TOP = 12;

function fileOf(url) {
  return url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
}

const isOwn = file => OWN_PREFIXES.some(prefix => file.startsWith(prefix)) && !file.includes('/node_modules/');

function frameLabel(frame, file) {
  const where = file.startsWith(`${ROOT}/`) ? path.relative(ROOT, file) : file.replace(/^.*\/node_modules\//, '');
  const name = frame.functionName || (frame.lineNumber === 0 ? '(module top level)' : '(anonymous)');
  return where ? `${name} ${where}:${frame.lineNumber + 1}` : name;
}

/** What egg-sentinel called, grouped so that one dependency or node API is one row. */
function calleeLabel(frame, file) {
  const name = frame.functionName || '(anonymous)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (pkg) return `${pkg[1]} (${name})`;
  if (file.startsWith('node:')) return `${file} ${name}`;
  return file ? `${name} ${path.basename(file)}` : name;
}

function processKind(nodes) {
  const urls = nodes.map(node => node.callFrame.url);
  if (urls.some(url => url.endsWith('/bin/egg-sentinel.js'))) return 'audit';
  if (urls.some(url => url.endsWith('/agent_worker.js'))) return 'agent';
  if (urls.some(url => url.endsWith('/app_worker.js'))) return 'worker';
  return 'master';
}

/** Attribution of one .cpuprofile (see the header); with a window, only the samples taken in it (µs, hrtime clock). */
function analyse(profile, window) {
  const byId = new Map(profile.nodes.map(node => [ node.id, { ...node, file: fileOf(node.callFrame.url) } ]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = { busyMs: 0, sentinelMs: 0 };
  const inclusive = new Map();
  const callees = new Map();
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    at += profile.timeDeltas[index] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    const leaf = byId.get(id);
    if (leaf.callFrame.functionName === '(idle)') return;
    totals.busyMs += ms;
    // Walk leaf → root: the innermost own frame, and the frame it called.
    const seen = new Set();
    let innermost;
    let calledByInnermost;
    let previous;
    for (let current = leaf; current; previous = current, current = byId.get(parent.get(current.id))) {
      if (!isOwn(current.file)) continue;
      if (!innermost) {
        innermost = current;
        calledByInnermost = previous;
      }
      seen.add(frameLabel(current.callFrame, current.file));
    }
    if (!innermost) return;
    totals.sentinelMs += ms;
    for (const label of seen) add(inclusive, label, ms);
    const caller = frameLabel(innermost.callFrame, innermost.file);
    add(callees, calledByInnermost ? `${calleeLabel(calledByInnermost.callFrame, calledByInnermost.file)} ← ${caller}` : `own code: ${caller}`, ms);
  });
  const top = map => [ ...map ].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([ name, ms ]) => ({ name, ms: Number(ms.toFixed(1)) }));
  return {
    kind: processKind(profile.nodes),
    busyMs: Number(totals.busyMs.toFixed(1)),
    sentinelMs: Number(totals.sentinelMs.toFixed(1)),
    topFunctions: top(inclusive),
    topCallees: top(callees),
  };
}

const ORDER = { agent: 0, worker: 1, audit: 2, master: 3 };

function readProfiles(dir, window) {
  return fs.readdirSync(dir).filter(file => file.endsWith('.cpuprofile'))
    .map(file => analyse(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')), window))
    .sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
}

/**
 * Where a message's CPU goes: a bench/ipc-app cluster (IPC off, then signed) under `--cpu-prof`, a warm-up flood, then
 * `messages` app → agent; only the samples taken during that flood count (V8's profile clock is the hrtime clock).
 */
async function profileMessages(messages) {
  const result = {};
  for (const mode of [ 'off', 'signed' ]) {
    const dir = makeTempDir('sentinel-bench-profile-ipc-');
    try {
      const cluster = await launchCluster({
        launcher: path.join(IPC_APP, 'start.js'), cwd: IPC_APP, env: { BENCH_IPC_MODE: mode },
        nodeOptions: [ '--cpu-prof', '--cpu-prof-dir', dir ], bootTimeoutMs: BOOT_TIMEOUT_MS,
      });
      let window;
      try {
        ensureStarted(cluster, `the profiled ${mode} IPC cluster`);
        await getJson(cluster.port, `/flood?n=${Math.ceil(messages / 10)}&size=256`);
        const fromUs = Number(process.hrtime.bigint() / 1000n);
        await getJson(cluster.port, `/flood?n=${messages}&size=256`);
        window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
      } finally {
        await stopCluster(cluster);
      }
      result[mode] = readProfiles(dir, window).map(proc => ({ ...proc, cpuUsPerMessage: Number((1000 * proc.busyMs / messages).toFixed(1)) }));
    } finally {
      removeTempDir(dir);
    }
  }
  return { messages, modes: result };
}

/**
 * One boot of the realistic app with egg-sentinel enabled and one `egg-sentinel audit --env prod` of it, profiled;
 * per process, the attribution above.
 */
async function profileBoot() {
  const dir = makeTempDir('sentinel-bench-profile-');
  const profiling = [ '--cpu-prof', '--cpu-prof-dir', dir ];
  try {
    const cluster = await launchRealisticApp('on', profiling);
    // Profiles are written when each process exits; egg's graceful stop lets them exit normally.
    const stopped = await stopCluster(cluster);
    ensureStarted(cluster, 'the profiled cluster');
    const audit = await runNode([ ...profiling, path.join(ROOT, 'bin/egg-sentinel.js'), 'audit', '--base-dir', APP_DIR, '--env', 'prod', '--fail-on', 'never' ],
      { cwd: APP_DIR, env: { BENCH_JWT_SECRET: JWT_SECRET } });
    if (audit.code !== 0) throw new Error(`the profiled audit exited with ${audit.code}:\n${audit.output.slice(-2000)}`);
    return { forcedStop: stopped.forced, processes: readProfiles(dir) };
  } finally {
    removeTempDir(dir);
  }
}

/** The profile section: boot and audit of the realistic app, then messages through the messenger. */
async function profileBenchmark() {
  progress('profile: one boot and one audit of the realistic app under --cpu-prof');
  const boot = await profileBoot();
  const messages = envInt('BENCH_PROFILE_MESSAGES', 20_000);
  progress(`profile: ${messages} messages app → agent under --cpu-prof, IPC off and signed`);
  return { details: { ...boot, messenger: await profileMessages(messages) }, figures: [] };
}

module.exports = { profileBenchmark };
