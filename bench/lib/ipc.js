'use strict';
/**
 * IPC on real clusters of bench/ipc-app (master, agent, 1 app worker), four side by side: egg-sentinel disabled, and
 * enabled with IPC protection off, signed, signed + sealed. Rounds alternate their order and the medians are
 * compared, so machine noise hits all alike:
 * - messenger throughput app → agent (256-byte payloads) and the CPU the cluster spends per message (less disturbed
 *   by other load than throughput), and round trips app → agent → app (p50, p99);
 * - cluster-client invoke round trips through the agent's leader port, authenticated or not;
 * - memory: the disabled and signed clusters get messages until each has carried BENCH_MEMORY_MESSAGES app → agent,
 *   then the agent's and the worker's RSS after a full GC (the clusters run with --expose-gc), against their RSS
 *   right after boot: bounded replay windows and counters keep it flat.
 */
const path = require('node:path');
const { launchCluster, stopCluster } = require('../../scripts/harness');
const { BOOT_TIMEOUT_MS, ensureStarted, envInt, figure, getJson, median, percentile, progress } = require('./common');
const { groupCpuMs } = require('./proc');

const APP = path.join(__dirname, '../ipc-app');
const MODES = [ 'disabled', 'off', 'signed', 'sealed' ];
const PAYLOAD_BYTES = 256;
const FLOOD_CHUNK = 100_000;
const TARGETS = { signed: 0.90, sealed: 0.85, clusterClient: 0.90, memory: 1.05 };

const mib = bytes => Number((bytes / 2 ** 20).toFixed(1));

async function memory(cluster) {
  const usage = await getJson(cluster.port, '/memory');
  if (!usage.gc) throw new Error('global.gc is missing in the IPC benchmark cluster: it must run with --expose-gc');
  return {
    agentRssMiB: mib(usage.agent.rss), workerRssMiB: mib(usage.worker.rss), agentHeapMiB: mib(usage.agent.heapUsed), workerHeapMiB: mib(usage.worker.heapUsed),
    agentExternalMiB: mib(usage.agent.external), workerExternalMiB: mib(usage.worker.external),
  };
}

/** n messages app → agent: messages per second, and the CPU the cluster's processes spent per message (µs). */
async function flood(cluster, n) {
  const cpuBefore = groupCpuMs(cluster.pid);
  const { ms } = await getJson(cluster.port, `/flood?n=${n}&size=${PAYLOAD_BYTES}`);
  const cpuAfter = groupCpuMs(cluster.pid);
  return { rate: n / (ms / 1000), cpuUs: cpuBefore && cpuAfter ? (1000 * (cpuAfter.ms - cpuBefore.ms)) / n : undefined };
}

async function ipcBenchmark() {
  const rounds = envInt('BENCH_IPC_ROUNDS', 5);
  const messages = envInt('BENCH_MESSAGES', 50_000);
  const rttSamples = envInt('BENCH_RTT_SAMPLES', 2000);
  const invokes = envInt('BENCH_INVOKES', 3000);
  const memoryMessages = envInt('BENCH_MEMORY_MESSAGES', 1_000_000);
  progress(`IPC: ${rounds} alternating rounds of ${messages} messages (${PAYLOAD_BYTES} B), ${rttSamples} round trips and ${invokes} ` +
    `cluster-client invokes per mode (${MODES.join(', ')}); then memory after ${memoryMessages} messages`);
  const clusters = {};
  try {
    for (const mode of MODES) {
      clusters[mode] = await launchCluster({
        launcher: path.join(APP, 'start.js'), cwd: APP, env: { BENCH_IPC_MODE: mode }, nodeOptions: [ '--expose-gc' ], bootTimeoutMs: BOOT_TIMEOUT_MS,
      });
      ensureStarted(clusters[mode], `the ${mode} IPC cluster`);
    }
    const memoryAtBoot = { disabled: await memory(clusters.disabled), signed: await memory(clusters.signed) };
    const sent = Object.fromEntries(MODES.map(mode => [ mode, 0 ]));
    const throughput = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    const cpuPerMessage = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    const rtt = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    const invokeRates = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    const perRound = Math.ceil(rttSamples / rounds);
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 ? [ ...MODES ].reverse() : MODES) {
        const flooded = await flood(clusters[mode], messages);
        throughput[mode].push(flooded.rate);
        cpuPerMessage[mode].push(flooded.cpuUs);
        rtt[mode].push(...(await getJson(clusters[mode].port, `/rtt?n=${perRound}&size=${PAYLOAD_BYTES}`)).samples);
        sent[mode] += messages + perRound;
        const invoked = await getJson(clusters[mode].port, `/invoke?n=${invokes}&size=${PAYLOAD_BYTES}`);
        invokeRates[mode].push(invoked.n / (invoked.ms / 1000));
      }
      progress(`  round ${round + 1}/${rounds}: ${MODES.map(mode => `${mode} ${Math.round(throughput[mode].at(-1))} msg/s`).join(', ')}`);
    }
    for (const mode of [ 'disabled', 'signed' ]) {
      while (sent[mode] < memoryMessages) {
        const n = Math.min(FLOOD_CHUNK, memoryMessages - sent[mode]);
        await flood(clusters[mode], n);
        sent[mode] += n;
      }
      progress(`  memory: ${sent[mode]} messages through the ${mode} cluster`);
    }
    const memoryAfter = { disabled: await memory(clusters.disabled), signed: await memory(clusters.signed) };
    const modes = Object.fromEntries(MODES.map(mode => [ mode, {
      messagesPerSecond: Math.round(median(throughput[mode])),
      cpuUsPerMessage: cpuPerMessage[mode].includes(undefined) ? undefined : Number(median(cpuPerMessage[mode]).toFixed(1)),
      rttP50Us: Math.round(percentile(rtt[mode], 0.5)),
      rttP99Us: Math.round(percentile(rtt[mode], 0.99)),
      invokesPerSecond: Math.round(median(invokeRates[mode])),
    } ]));
    const details = { rounds, messages, payloadBytes: PAYLOAD_BYTES, rttSamples: perRound * rounds, invokes, memoryMessages: sent, modes, memoryAtBoot, memoryAfter };
    return { details, figures: ipcFigures(details) };
  } finally {
    for (const cluster of Object.values(clusters)) await stopCluster(cluster);
  }
}

function ipcFigures({ modes, memoryAtBoot, memoryAfter, memoryMessages }) {
  const ratio = (mode, key) => modes[mode][key] / modes.off[key];
  const messenger = mode => figure({ id: `messenger.${mode}`, label: `Messenger throughput app → agent, ${mode} ÷ off`, value: ratio(mode, 'messagesPerSecond'),
    target: TARGETS[mode], display: `${ratio(mode, 'messagesPerSecond').toFixed(2)} (${modes[mode].messagesPerSecond} / ${modes.off.messagesPerSecond} msg/s)` });
  const rttLabel = mode => `${modes[mode].rttP50Us} / ${modes[mode].rttP99Us} µs`;
  const rttRow = mode => figure({ id: `messenger.rtt.${mode}`, label: `Round trip app → agent → app p50 / p99, ${mode} (off: ${rttLabel('off')})`,
    value: modes[mode].rttP50Us / modes.off.rttP50Us, display: `${rttLabel(mode)} (p50 ${(modes[mode].rttP50Us / modes.off.rttP50Us).toFixed(2)}x off)` });
  const memoryRow = process => {
    const key = `${process}RssMiB`;
    const value = memoryAfter.signed[key] / memoryAfter.disabled[key];
    return figure({ id: `memory.${process}`, label: `${process === 'agent' ? 'Agent' : 'Worker'} RSS after ${memoryMessages.signed} messages, enabled (signed) ÷ disabled`,
      value, target: TARGETS.memory, better: 'lower',
      display: `${value.toFixed(3)} (${memoryAfter.signed[key]} / ${memoryAfter.disabled[key]} MiB; after boot ${memoryAtBoot.signed[key]} / ${memoryAtBoot.disabled[key]} MiB)` });
  };
  // The JS heap after a full GC: what replay windows and counters retain, without the allocator's high-water mark in RSS.
  const heapRow = process => {
    const key = `${process}HeapMiB`;
    const value = memoryAfter.signed[key] / memoryAtBoot.signed[key];
    return figure({ id: `memory.${process}.heap`, label: `${process === 'agent' ? 'Agent' : 'Worker'} heap used after the messages ÷ after boot, signed`,
      value, better: 'lower', display: `${value.toFixed(3)} (${memoryAfter.signed[key]} / ${memoryAtBoot.signed[key]} MiB; disabled ${memoryAfter.disabled[key]} / ${memoryAtBoot.disabled[key]} MiB)` });
  };
  const invokeRatio = ratio('signed', 'invokesPerSecond');
  // CPU per message, off ÷ mode: the throughput ratio a machine with nothing else to do would show.
  const cpuRow = mode => {
    const value = modes.off.cpuUsPerMessage === undefined ? undefined : modes.off.cpuUsPerMessage / modes[mode].cpuUsPerMessage;
    return figure({ id: `messenger.cpu.${mode}`, label: `Messenger cluster CPU per message, off ÷ ${mode}`, value,
      display: value === undefined ? 'no /proc' : `${value.toFixed(2)} (${modes.off.cpuUsPerMessage} / ${modes[mode].cpuUsPerMessage} µs)` });
  };
  return [
    messenger('signed'),
    messenger('sealed'),
    cpuRow('signed'),
    cpuRow('sealed'),
    rttRow('signed'),
    rttRow('sealed'),
    figure({ id: 'messenger.disabled', label: 'Messenger throughput, egg-sentinel disabled ÷ enabled with IPC off', value: ratio('disabled', 'messagesPerSecond'),
      display: `${ratio('disabled', 'messagesPerSecond').toFixed(2)} (${modes.disabled.messagesPerSecond} / ${modes.off.messagesPerSecond} msg/s)` }),
    figure({ id: 'clusterClient', label: 'cluster-client invokes/s, authenticated ÷ off', value: invokeRatio, target: TARGETS.clusterClient,
      display: `${invokeRatio.toFixed(2)} (${modes.signed.invokesPerSecond} / ${modes.off.invokesPerSecond} invokes/s)` }),
    figure({ id: 'clusterClient.sealed', label: 'cluster-client invokes/s, authenticated + sealed ÷ off', value: ratio('sealed', 'invokesPerSecond'),
      display: `${ratio('sealed', 'invokesPerSecond').toFixed(2)} (${modes.sealed.invokesPerSecond} invokes/s)` }),
    memoryRow('agent'),
    memoryRow('worker'),
    heapRow('agent'),
    heapRow('worker'),
  ];
}

module.exports = { ipcBenchmark };
