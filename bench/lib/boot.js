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

async function bootOnce(sentinel) {
  const started = process.hrtime.bigint();
  const cluster = await launchRealisticApp(sentinel);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = groupCpuMs(cluster.pid);
  await stopCluster(cluster);
  ensureStarted(cluster, `the cluster with egg-sentinel ${sentinel}`);
  return { ms, cpuMs: cpu?.ms, processes: cpu?.processes };
}

/** The agent's own timing of the plugin manifest verification, from the line it logs at each enabled boot (lib/boot). */
function agentVerifications() {
  const log = path.join(APP_DIR, 'logs/on/egg-agent.log');
  const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
  return [ ...text.matchAll(/verified (\d+) plugin\(s\) against sentinel\.lock\.json in ([\d.]+) ms/g) ].map(match => ({ plugins: Number(match[1]), ms: Number(match[2]) }));
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
  const verified = agentVerifications();
  const verificationMs = verified.length ? median(verified.map(entry => entry.ms)) : undefined;
  const details = {
    pairs, boots,
    medianMs: { on: Math.round(ms('on')), off: Math.round(ms('off')) },
    medianCpuMs: { on: cpu('on'), off: cpu('off') },
    ratio, pairedRatio, cpuRatio,
    agentVerification: verified.length ? { boots: verified.length, plugins: verified[0].plugins, medianMs: verificationMs } : undefined,
  };
  const figures = [
    figure({ id: 'boot.ratio', label: 'Boot to ready, enabled ÷ disabled (medians of wall time)', value: ratio, target: TARGET_RATIO, better: 'lower',
      display: `${ratio.toFixed(3)} (${details.medianMs.on} / ${details.medianMs.off} ms)` }),
    figure({ id: 'boot.pairedRatio', label: 'Boot, median of the pairs\' ratios', value: pairedRatio, display: pairedRatio.toFixed(3) }),
    figure({ id: 'boot.cpuRatio', label: 'Boot CPU time of all cluster processes until ready, enabled ÷ disabled', value: cpuRatio,
      display: cpuRatio === undefined ? 'no /proc' : `${cpuRatio.toFixed(3)} (${cpu('on')} / ${cpu('off')} ms)` }),
    figure({ id: 'boot.verification', label: 'Agent\'s plugin manifest verification at boot (its own log line, median)', value: verificationMs,
      display: verificationMs === undefined ? 'no log line' : `${verificationMs.toFixed(1)} ms for ${verified[0].plugins} plugins` }),
  ];
  return { details, figures };
}

module.exports = { bootBenchmark };
