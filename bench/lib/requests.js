'use strict';
/**
 * Requests: the realistic app (2 workers, prod) with egg-sentinel enabled and disabled, both clusters up side by side;
 * autocannon against a hello route (the global chain: egg's core middleware and 27 app middleware) and a route behind
 * three more route middleware. Rounds alternate the order of the clusters; the medians of requests per second are
 * compared. egg-sentinel installs nothing on the request path, so the target is no measurable difference.
 */
const autocannon = require('autocannon');
const { stopCluster } = require('../../scripts/harness');
const { envInt, figure, median, progress } = require('./common');
const { launchRealisticApp } = require('./realistic-app');

const TARGET_RATIO = 0.98;
const ROUTES = { hello: '/hello', guarded: '/guarded' };

async function load(port, route, seconds, connections) {
  const result = await autocannon({ url: `http://127.0.0.1:${port}${route}`, connections, duration: seconds });
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(`autocannon ${route}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses`);
  }
  return { rps: result.requests.total / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
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
      if (!clusters[sentinel].outcome.ready) throw new Error(`the cluster with egg-sentinel ${sentinel} did not start:\n${clusters[sentinel].output.stderr.slice(-2000)}`);
    }
    // Warm-up: JIT, connection pools and egg's lazy loading, not measured.
    for (const sentinel of [ 'on', 'off' ]) for (const route of Object.values(ROUTES)) await load(clusters[sentinel].port, route, 1, connections);
    const runs = { on: { hello: [], guarded: [] }, off: { hello: [], guarded: [] } };
    for (let round = 0; round < rounds; round++) {
      for (const sentinel of round % 2 ? [ 'off', 'on' ] : [ 'on', 'off' ]) {
        for (const [ name, route ] of Object.entries(ROUTES)) runs[sentinel][name].push(await load(clusters[sentinel].port, route, seconds, connections));
      }
      progress(`  round ${round + 1}/${rounds}: ${Object.keys(ROUTES).map(name => `${name} on ${runs.on[name].at(-1).rps.toFixed(0)}/s, off ${runs.off[name].at(-1).rps.toFixed(0)}/s`).join('; ')}`);
    }
    const summary = sentinel => Object.fromEntries(Object.keys(ROUTES).map(name => [ name, {
      rps: Math.round(median(runs[sentinel][name].map(run => run.rps))),
      p50Ms: median(runs[sentinel][name].map(run => run.p50Ms)),
      p99Ms: median(runs[sentinel][name].map(run => run.p99Ms)),
    } ]));
    const details = { rounds, seconds, connections, runs, medians: { on: summary('on'), off: summary('off') } };
    const figures = Object.keys(ROUTES).map(name => {
      const ratio = details.medians.on[name].rps / details.medians.off[name].rps;
      const label = name === 'hello' ? 'Requests/s, hello route, enabled ÷ disabled' : 'Requests/s, route behind three route middleware, enabled ÷ disabled';
      return figure({ id: `requests.${name}`, label, value: ratio, target: TARGET_RATIO,
        display: `${ratio.toFixed(3)} (${details.medians.on[name].rps} / ${details.medians.off[name].rps} req/s)` });
    });
    return { details, figures };
  } finally {
    for (const cluster of Object.values(clusters)) await stopCluster(cluster);
  }
}

module.exports = { requestBenchmark };
