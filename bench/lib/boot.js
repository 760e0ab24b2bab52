'use strict';
/**
 * Boot: the realistic app's cluster (master, agent, 2 workers, prod) from spawn to egg-ready, egg-sentinel enabled
 * (every rule, pinned manifest verified) versus disabled, in alternating pairs after one warm-up boot of each, so
 * machine noise hits both alike. Also the CPU time the cluster's processes used until ready (from /proc), which other
 * load on a shared machine disturbs far less than wall time.
 */
const fs = require('node:fs');
const path = require('node:path');
const { stopCluster } = require('../../scripts/harness');
const { ensureStarted, envInt, figure, median, progress } = require('./common');
const { groupCpuMs } = require('./proc');
const { APP_DIR, launchRealisticApp } = require('./realistic-app');

const TARGET_RATIO = 1.05;
/** Issue #4: the 500-route, 30-middleware table checked "without measurable boot slowdown": ≤ 1% of boot to ready. */
const ROUTE_CHECK_TARGET = 0.01;
const REPORT_FILE = path.join(APP_DIR, 'run/on/sentinel-report.json');

/** The report's `timings` (one worker's, the last to write it): what egg-sentinel's checks took in that worker. */
function workerTimings() {
  try {
    return JSON.parse(fs.readFileSync(REPORT_FILE, 'utf8')).timings;
  } catch {
    return undefined;
  }
}

async function bootOnce(sentinel) {
  fs.rmSync(REPORT_FILE, { force: true });
  const started = process.hrtime.bigint();
  const cluster = await launchRealisticApp(sentinel);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = groupCpuMs(cluster.pid);
  await stopCluster(cluster);
  ensureStarted(cluster, `the cluster with egg-sentinel ${sentinel}`);
  return { ms, cpuMs: cpu?.ms, processes: cpu?.processes, timings: sentinel === 'on' ? workerTimings() : undefined };
}

/** The agent's line at each enabled boot (lib/boot.ts): the facts it collected for the workers after its ready. */
function agentPreparations() {
  const log = path.join(APP_DIR, 'logs/on/egg-agent.log');
  const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
  return [ ...text.matchAll(/collected facts for the app workers in ([\d.]+) ms: (\d+) plugin\(s\), (\d+) verified/g) ]
    .map(match => ({ ms: Number(match[1]), plugins: Number(match[2]), verified: Number(match[3]) }));
}

/** What checking the route table costs a worker: the middleware and route facts, SEN401–SEN405, and the report (its route table). */
function routeCheckMs(timings) {
  return timings && [ 'facts.middleware', 'rules.middleware', 'report' ].reduce((sum, name) => sum + (timings[name] ?? 0), 0);
}

async function bootBenchmark() {
  const pairs = envInt('BENCH_BOOT_PAIRS', 5);
  progress(`boot: ${pairs} alternating pairs, egg-sentinel on / off (after one warm-up boot of each)`);
  await bootOnce('on');
  await bootOnce('off');
  const boots = { on: [], off: [] };
  for (let pair = 0; pair < pairs; pair++) {
    for (const sentinel of pair % 2 ? [ 'off', 'on' ] : [ 'on', 'off' ]) boots[sentinel].push(await bootOnce(sentinel));
    progress(`  pair ${pair + 1}/${pairs}: on ${boots.on.at(-1).ms.toFixed(0)} ms, off ${boots.off.at(-1).ms.toFixed(0)} ms ` +
      `(CPU ${boots.on.at(-1).cpuMs} / ${boots.off.at(-1).cpuMs} ms)`);
  }
  const ms = mode => median(boots[mode].map(boot => boot.ms));
  const cpu = mode => (boots[mode].every(boot => boot.cpuMs !== undefined) ? median(boots[mode].map(boot => boot.cpuMs)) : undefined);
  const ratio = ms('on') / ms('off');
  // Boots next to each other in time share the machine's load: the median of the pairs' ratios resists drift.
  const pairedRatio = median(boots.on.map((boot, index) => boot.ms / boots.off[index].ms));
  const cpuRatio = cpu('on') === undefined ? undefined : cpu('on') / cpu('off');
  const prepared = agentPreparations();
  const preparedMs = prepared.length ? median(prepared.map(entry => entry.ms)) : undefined;
  const timed = boots.on.filter(boot => boot.timings);
  const checksMs = timed.length ? median(timed.map(boot => boot.timings.total)) : undefined;
  const routesMs = timed.length ? median(timed.map(boot => routeCheckMs(boot.timings))) : undefined;
  const routeShare = routesMs === undefined ? undefined : routesMs / ms('on');
  const details = {
    pairs, boots,
    medianMs: { on: Math.round(ms('on')), off: Math.round(ms('off')) },
    medianCpuMs: { on: cpu('on'), off: cpu('off') },
    ratio, pairedRatio, cpuRatio,
    agentPreparation: prepared.length ? { boots: prepared.length, plugins: prepared[0].plugins, verified: prepared[0].verified, medianMs: preparedMs } : undefined,
    workerChecks: timed.length ? { boots: timed.length, medianTotalMs: checksMs, medianRouteCheckMs: routesMs, spreadOffMs: spread(boots.off.map(boot => boot.ms)) } : undefined,
  };
  const figures = [
    figure({ id: 'boot.ratio', label: 'Boot to ready, enabled ÷ disabled (medians of wall time)', value: ratio, target: TARGET_RATIO, better: 'lower',
      display: `${ratio.toFixed(3)} (${details.medianMs.on} / ${details.medianMs.off} ms)` }),
    figure({ id: 'boot.pairedRatio', label: 'Boot, median of the pairs\' ratios', value: pairedRatio, display: pairedRatio.toFixed(3) }),
    figure({ id: 'boot.cpuRatio', label: 'Boot CPU time of all cluster processes until ready, enabled ÷ disabled', value: cpuRatio,
      display: cpuRatio === undefined ? 'no /proc' : `${cpuRatio.toFixed(3)} (${cpu('on')} / ${cpu('off')} ms)` }),
    figure({ id: 'boot.routeChecks', label: 'Route table check in a worker (500 routes, 30 middleware: their facts, SEN401–SEN405, the report), ÷ boot to ready',
      value: routeShare, target: ROUTE_CHECK_TARGET, better: 'lower',
      display: routeShare === undefined ? 'no timings in the report' :
        `${(routeShare * 100).toFixed(2)} % (${routesMs.toFixed(1)} of ${details.medianMs.on} ms; disabled boots spread over ${details.workerChecks.spreadOffMs} ms)` }),
    figure({ id: 'boot.workerChecks', label: 'All of egg-sentinel\'s checks in a worker at boot (the report\'s timings.total, median)', value: checksMs,
      display: checksMs === undefined ? 'no timings in the report' : `${checksMs.toFixed(1)} ms` }),
    figure({ id: 'boot.agentFacts', label: 'Agent collecting the shared facts after its ready, while the workers start (its log line, median)', value: preparedMs,
      display: preparedMs === undefined ? 'no log line' : `${preparedMs.toFixed(1)} ms (${prepared[0].plugins} plugins, ${prepared[0].verified} verified against sentinel.lock.json)` }),
  ];
  return { details, figures };
}

/** Slowest minus fastest, in whole ms. */
function spread(values) {
  return Math.round(Math.max(...values) - Math.min(...values));
}

module.exports = { bootBenchmark };
