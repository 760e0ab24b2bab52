'use strict';
/**
 * Audit CLI: wall time of `egg-sentinel audit --env prod` on the realistic app (a fresh process each: spawn to exit),
 * against egg loading the same app in one process (`egg.start`, agent and app, no port, egg-sentinel disabled; spawn
 * until ready). Alternating, medians. Issue #10 sets no target: the audit loads the app as egg does and runs every
 * rule, so egg's own load is the reference it is read against.
 */
const path = require('node:path');
const { ROOT, runNode } = require('../../scripts/harness');
const { envInt, figure, median, progress } = require('./common');
const { APP_DIR, JWT_SECRET } = require('./realistic-app');

async function timed(args, env) {
  const started = process.hrtime.bigint();
  const { code, stdout, output } = await runNode(args, { cwd: APP_DIR, env: { BENCH_JWT_SECRET: JWT_SECRET, ...env } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { code, stdout, output, ms };
}

async function auditOnce() {
  const run = await timed([ path.join(ROOT, 'bin/egg-sentinel.js'), 'audit', '--base-dir', APP_DIR, '--env', 'prod', '--fail-on', 'never', '--format', 'json' ], {});
  if (run.code !== 0) throw new Error(`egg-sentinel audit exited with ${run.code}:\n${run.output.slice(-2000)}`);
  const findings = JSON.parse(run.stdout).findings.length;
  return { ms: run.ms, findings };
}

async function loadOnce() {
  const run = await timed([ path.join(APP_DIR, 'load.js') ], { BENCH_SENTINEL: 'off' });
  const line = run.output.split('\n').find(text => text.startsWith('LOADED '));
  if (run.code !== 0 || !line) throw new Error(`egg could not load the realistic app (exit ${run.code}):\n${run.output.slice(-2000)}`);
  return { ms: run.ms, readyMs: Number(line.slice('LOADED '.length)) };
}

async function auditBenchmark() {
  const pairs = envInt('BENCH_AUDIT_PAIRS', 3);
  progress(`audit CLI: ${pairs} alternating pairs of \`egg-sentinel audit --env prod\` and egg loading the app (after one warm-up of each)`);
  await auditOnce();
  await loadOnce();
  const audits = [];
  const loads = [];
  for (let pair = 0; pair < pairs; pair++) {
    if (pair % 2) loads.push(await loadOnce());
    audits.push(await auditOnce());
    if (!(pair % 2)) loads.push(await loadOnce());
    progress(`  pair ${pair + 1}/${pairs}: audit ${audits.at(-1).ms.toFixed(0)} ms, egg load ${loads.at(-1).ms.toFixed(0)} ms`);
  }
  const auditMs = median(audits.map(run => run.ms));
  const loadMs = median(loads.map(run => run.ms));
  const details = { pairs, audits, loads, auditMs: Math.round(auditMs), eggLoadMs: Math.round(loadMs), findings: audits[0].findings };
  return {
    details,
    figures: [ figure({ id: 'audit.ratio', label: '`egg-sentinel audit --env prod` wall time ÷ egg loading the same app (single process, spawn to ready)',
      value: auditMs / loadMs, display: `${(auditMs / loadMs).toFixed(2)} (${details.auditMs} / ${details.eggLoadMs} ms)` }) ],
  };
}

module.exports = { auditBenchmark };
