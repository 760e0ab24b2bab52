'use strict';
/**
 * Requests: the realistic app (2 workers, prod) with egg-sentinel enabled and disabled, both clusters up side by side;
 * autocannon against a hello route (the global chain: egg's core middleware and 27 app middleware) and a route behind
 * three more route middleware. Rounds alternate the order of the clusters; the medians of requests per second are
 * compared, and so is the CPU the cluster spent per request. egg-sentinel installs nothing on the request path, so the
 * target is no measurable difference.
 */
const autocannon = require('autocannon');
const { stopCluster } = require('../../scripts/harness');
const { ensureStarted, envInt, figure, median, progress } = require('./common');
const { groupCpuMs } = require('./proc');
const { launchRealisticApp } = require('./realistic-app');

const TARGET_RATIO = 0.98;
const WARM_UP_SECONDS = 5;
const ROUTES = { hello: '/hello', guarded: '/guarded' };

/** One autocannon run; also the CPU the cluster's processes spent per request, which other load disturbs far less. */
async function load(cluster, route, seconds, connections) {
  const cpuBefore = groupCpuMs(cluster.pid);
  const result = await autocannon({ url: `http://127.0.0.1:${cluster.port}${route}`, connections, duration: seconds });
  const cpuAfter = groupCpuMs(cluster.pid);
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(`autocannon ${route}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses`);
  }
  const cpuUsPerRequest = cpuBefore && cpuAfter ? (1000 * (cpuAfter.ms - cpuBefore.ms)) / result.requests.total : undefined;
  return { rps: result.requests.total / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99, cpuUsPerRequest };
}

async function requestBenchmark() {
  const rounds = envInt('BENCH_REQUEST_ROUNDS', 5);
  const seconds = envInt('BENCH_REQUEST_SECONDS', 3);
  const connections = envInt('BENCH_CONNECTIONS', 10);
  progress(`requests: ${rounds} alternating rounds of ${seconds} s per route and mode, ${connections} connections`);
  const clusters = {};
  try {
    for (const sentinel of [ 'on', 'off' ]) {
      clusters[sentinel] = await launchRealisticApp(sentinel);
      ensureStarted(clusters[sentinel], `the cluster with egg-sentinel ${sentinel}`);
    }
    // Warm-up: JIT, connection pools and egg's lazy loading, not measured (2 s were not enough: the first rounds ran slower).
    for (const sentinel of [ 'on', 'off' ]) for (const route of Object.values(ROUTES)) await load(clusters[sentinel], route, WARM_UP_SECONDS, connections);
    const runs = { on: { hello: [], guarded: [] }, off: { hello: [], guarded: [] } };
    for (let round = 0; round < rounds; round++) {
      for (const sentinel of round % 2 ? [ 'off', 'on' ] : [ 'on', 'off' ]) {
        for (const [ name, route ] of Object.entries(ROUTES)) runs[sentinel][name].push(await load(clusters[sentinel], route, seconds, connections));
      }
      progress(`  round ${round + 1}/${rounds}: ${Object.keys(ROUTES).map(name => `${name} on ${runs.on[name].at(-1).rps.toFixed(0)}/s, off ${runs.off[name].at(-1).rps.toFixed(0)}/s`).join('; ')}`);
    }
    const summary = sentinel => Object.fromEntries(Object.keys(ROUTES).map(name => [ name, {
      rps: Math.round(median(runs[sentinel][name].map(run => run.rps))),
      p50Ms: median(runs[sentinel][name].map(run => run.p50Ms)),
      p99Ms: median(runs[sentinel][name].map(run => run.p99Ms)),
      cpuUsPerRequest: runs[sentinel][name].every(run => run.cpuUsPerRequest !== undefined) ? median(runs[sentinel][name].map(run => run.cpuUsPerRequest)) : undefined,
    } ]));
    const details = { rounds, seconds, connections, warmUpSeconds: WARM_UP_SECONDS, runs, medians: { on: summary('on'), off: summary('off') } };
    const figures = Object.keys(ROUTES).flatMap(name => {
      const { on, off } = { on: details.medians.on[name], off: details.medians.off[name] };
      const ratio = on.rps / off.rps;
      // Runs next to each other in time share the machine's load: the median of the rounds' ratios resists drift.
      const paired = median(runs.on[name].map((run, index) => run.rps / runs.off[name][index].rps));
      const what = name === 'hello' ? 'hello route' : 'route behind three route middleware';
      const cpuRatio = on.cpuUsPerRequest === undefined ? undefined : on.cpuUsPerRequest / off.cpuUsPerRequest;
      return [
        figure({ id: `requests.${name}`, label: `Requests/s, ${what}, enabled ÷ disabled`, value: ratio, target: TARGET_RATIO,
          display: `${ratio.toFixed(3)} (${on.rps} / ${off.rps} req/s; median of the rounds' ratios ${paired.toFixed(3)})` }),
        figure({ id: `requests.${name}.cpu`, label: `Cluster CPU per request, ${what}, enabled ÷ disabled`, value: cpuRatio, better: 'lower',
          display: cpuRatio === undefined ? 'no /proc' : `${cpuRatio.toFixed(3)} (${on.cpuUsPerRequest.toFixed(0)} / ${off.cpuUsPerRequest.toFixed(0)} µs)` }),
      ];
    });
    return { details, figures };
  } finally {
    for (const cluster of Object.values(clusters)) await stopCluster(cluster);
  }
}

module.exports = { requestBenchmark };
