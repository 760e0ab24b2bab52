'use strict';
/**
 * `npm run bench:plugins`: what the plugin trust rules (SEN101–SEN108) add to the boot of a real cluster (master,
 * agent, 1 app worker) in prod, with egg's default plugins plus five community plugins (bench/plugins-app, installed
 * from its own package.json: `npm ci --ignore-scripts` in bench/plugins-app) and a pinned sentinel.lock.json, so the
 * agent hashes every plugin file. Boots alternate between rules on and every SEN1xx rule off (egg-sentinel then skips
 * their work), so machine noise hits both alike; the medians are compared. Writes bench/plugins-results.json.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { build, launchCluster, ROOT, stopCluster } = require('../scripts/harness');

const APP = path.join(__dirname, 'plugins-app');
const MODES = [ 'off', 'on' ];
const ROUNDS = Number(process.env.BENCH_ROUNDS || 11);
const TARGET_OVERHEAD = 0.05;
const COMMUNITY_PLUGINS = [ 'egg-cors', 'egg-jwt', 'egg-passport', 'egg-validate', 'egg-view-nunjucks' ];

const median = values => [ ...values ].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function checkInstalled() {
  const missing = COMMUNITY_PLUGINS.filter(name => !fs.existsSync(path.join(APP, 'node_modules', name, 'package.json')));
  if (missing.length) throw new Error(`${missing.join(', ')} not installed: run \`npm ci --ignore-scripts\` in bench/plugins-app first`);
}

/** Milliseconds from spawning the master until egg-cluster reports every worker ready. */
async function bootOnce(mode) {
  const started = process.hrtime.bigint();
  const cluster = await launchCluster({
    launcher: path.join(APP, 'start.js'), cwd: APP,
    env: { EGG_SERVER_ENV: 'prod', BENCH_PLUGIN_RULES: mode, BENCH_JWT_SECRET: 'bench-only-not-a-secret-Lq7Wx2Zr9Tn4' },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  try {
    if (!cluster.outcome.ready) throw new Error(`the ${mode} cluster did not start:\n${cluster.output.stderr.slice(-2000)}`);
    return ms;
  } finally {
    await stopCluster(cluster);
  }
}

/**
 * What an app worker spends on the plugin facts (lockfiles, package.json files, real paths, configMeta, EGG_PLUGINS),
 * in this process, with the agent's verification handed over as at boot, and without it (a worker that hashes by
 * itself). Uses the compiled lib, the app loaded offline in prod, and the configMeta egg dumped at the last boot.
 */
async function workerCost() {
  const { loadAppOffline } = require(path.join(ROOT, 'lib/facts/offline.js'));
  const { collectPluginTrustFacts } = require(path.join(ROOT, 'lib/facts/plugins.js'));
  const facts = await loadAppOffline({ baseDir: APP, env: 'prod', warn: () => {} });
  const configMeta = JSON.parse(fs.readFileSync(path.join(APP, 'run/application_config_meta.json'), 'utf8'));
  const handedOver = JSON.parse(fs.readFileSync(path.join(APP, 'run/sentinel-plugin-verification.json'), 'utf8')).results;
  const input = {
    baseDir: APP, eggPaths: [ path.dirname(require.resolve('egg/package.json', { paths: [ APP ] })) ], plugins: facts.plugins,
    moduleRoots: facts.runtime.appModuleRoots, options: {}, ruleOverrides: {}, configMeta, env: {}, display: file => file,
  };
  const time = manifestResults => median(Array.from({ length: 15 }, () => {
    const started = process.hrtime.bigint();
    collectPluginTrustFacts({ ...input, manifestResults });
    return Number(process.hrtime.bigint() - started) / 1e6;
  }));
  return { withHandoverMs: Number(time(handedOver).toFixed(1)), hashingItselfMs: Number(time(undefined).toFixed(1)) };
}

/** The agent's own measure of the manifest verification, from the line it logs (lib/boot.ts). */
function lastVerification() {
  const log = path.join(APP, 'logs/egg-agent.log');
  const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(line => line.includes('[egg-sentinel] verified')) : [];
  const match = /verified (\d+) plugin\(s\) against sentinel\.lock\.json in ([\d.]+) ms/.exec(lines.at(-1) ?? '');
  return match ? { plugins: Number(match[1]), ms: Number(match[2]) } : undefined;
}

async function main() {
  checkInstalled();
  console.log(`egg-sentinel plugin trust benchmark: ${ROUNDS} alternating boots per mode, prod, egg's default plugins + ${COMMUNITY_PLUGINS.join(', ')}`);
  await build([ 'tsconfig.build.json' ]);
  fs.rmSync(path.join(APP, 'logs'), { recursive: true, force: true });
  const pin = execFileSync(process.execPath, [ path.join(ROOT, 'bin/egg-sentinel.js'), 'pin', '--base-dir', APP ], { encoding: 'utf8' });
  console.log(`  ${pin.split('\n')[0]}`);
  await bootOnce('on'); // warm the file system cache and node's compile cache for both modes
  const boots = { off: [], on: [] };
  const verifications = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 ? [ ...MODES ].reverse() : MODES) {
      boots[mode].push(await bootOnce(mode));
      if (mode === 'on') verifications.push(lastVerification());
    }
    process.stdout.write(`  round ${round + 1}/${ROUNDS}: off ${boots.off.at(-1).toFixed(0)} ms, on ${boots.on.at(-1).toFixed(0)} ms\n`);
  }
  const verified = verifications.filter(Boolean);
  // Boots next to each other in time share the machine's load: the median of their ratios resists drifting load.
  const pairedRatios = boots.on.map((on, index) => on / boots.off[index] - 1);
  await bootOnce('on'); // leaves the agent's verification in run/ for workerCost
  const worker = await workerCost();
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    machine: `${os.cpus().length} × ${os.cpus()[0].model}`,
    rounds: ROUNDS,
    plugins: verified[0]?.plugins,
    bootMs: { off: Math.round(median(boots.off)), on: Math.round(median(boots.on)) },
    agentVerificationMs: verified.length ? Number(median(verified.map(entry => entry.ms)).toFixed(1)) : undefined,
    overhead: median(boots.on) / median(boots.off) - 1,
    pairedOverhead: median(pairedRatios),
    workerPluginFactsMs: worker,
  };
  // Timed inside the processes, free of the boot-to-boot noise: the agent's hashing plus one worker's plugin facts,
  // against the fastest boot without the plugin rules (the least disturbed by other load on the machine).
  const cpuMs = (results.agentVerificationMs ?? 0) + worker.withHandoverMs;
  results.inProcessMs = Number(cpuMs.toFixed(1));
  results.inProcessShare = cpuMs / Math.min(...boots.off);
  results.fastestBootOffMs = Math.round(Math.min(...boots.off));
  fs.writeFileSync(path.join(__dirname, 'plugins-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\n| plugin rules | boot to egg-ready (median) |');
  console.log('| --- | ---: |');
  console.log(`| off | ${results.bootMs.off} ms |`);
  console.log(`| on (pinned, ${results.plugins} plugins hashed by the agent in ${results.agentVerificationMs} ms) | ${results.bootMs.on} ms |`);
  const verdict = value => `${(value * 100).toFixed(1)}%: ${value < TARGET_OVERHEAD ? 'met' : 'MISSED'} (target < ${TARGET_OVERHEAD * 100}%)`;
  console.log(`\nboot overhead of the plugin rules, medians of wall-clock boots: ${verdict(results.overhead)}`);
  console.log(`  median of the ${ROUNDS} side-by-side pairs: ${verdict(results.pairedOverhead)}`);
  console.log(`  measured inside the processes: agent hashing ${results.agentVerificationMs} ms + one worker's plugin facts ` +
    `${worker.withHandoverMs} ms (${worker.hashingItselfMs} ms when it must hash itself) = ${results.inProcessMs} ms, ` +
    `${verdict(results.inProcessShare)} of the fastest boot without them (${results.fastestBootOffMs} ms)`);
}

main().then(() => process.exit(0), error => {
  console.error(`benchmark failed: ${error.message}`);
  process.exit(1);
});
