'use strict';
/**
 * IPC on real clusters of bench/ipc-app (master, agent, 1 app worker), four side by side: egg-sentinel disabled, and
 * enabled with IPC protection off, signed, signed + sealed. Rounds alternate their order and the medians are
 * compared, so machine noise hits all alike:
 * - messenger throughput app → agent (256-byte payloads) and the CPU the cluster spends per message (less disturbed
 *   by other load than throughput): a burst (1000 sends per turn of the event loop, which egg-sentinel sends as
 *   batches after the first) and, for the per-message cost, one send per turn; round trips app → agent → app (p50, p99);
 * - cluster-client invoke round trips through the agent's leader port, authenticated or not;
 * - memory, first: the disabled and signed clusters each carry BENCH_MEMORY_MESSAGES app → agent, at most 1000 in
 *   flight, then the agent's and the worker's RSS and JS heap after a full GC (the clusters run with --expose-gc),
 *   against the same right after boot: bounded replay windows and counters keep them flat.
 */
const path = require('node:path');
const { launchCluster, stopCluster } = require('../../scripts/harness');
const { BOOT_TIMEOUT_MS, ensureStarted, envInt, figure, getJson, median, percentile, progress } = require('./common');
const { groupCpuMs } = require('./proc');

const APP = path.join(__dirname, '../ipc-app');
const MODES = [ 'disabled', 'off', 'signed', 'sealed' ];
const PAYLOAD_BYTES = 256;
const FLOOD_CHUNK = 100_000;
const ACK_EVERY = 1000;
const TARGETS = { signed: 0.90, sealed: 0.85, clusterClient: 0.90, memory: 1.05 };

const mib = bytes => Number((bytes / 2 ** 20).toFixed(1));

async function memory(cluster) {
  const usage = await getJson(cluster.port, '/memory');
  if (!usage.gc) throw new Error('global.gc is missing in the IPC benchmark cluster: it must run with --expose-gc');
  return {
    agentRssMiB: mib(usage.agent.rss), workerRssMiB: mib(usage.worker.rss), agentHeapMiB: mib(usage.agent.heapUsed), workerHeapMiB: mib(usage.worker.heapUsed),
    agentExternalMiB: mib(usage.agent.external), workerExternalMiB: mib(usage.worker.external),
    agentHeapTotalMiB: mib(usage.agent.heapTotal), workerHeapTotalMiB: mib(usage.worker.heapTotal),
  };
}

/**
 * n messages app → agent: messages per second, and the CPU the cluster's processes spent per message (µs). With `ack`,
 * at most that many are in flight (see bench/ipc-app/app/router.js).
 */
async function flood(cluster, n, { ack = 0, spaced = false } = {}) {
  const cpuBefore = groupCpuMs(cluster.pid);
  const { ms } = await getJson(cluster.port, `/flood?n=${n}&size=${PAYLOAD_BYTES}&ack=${ack}${spaced ? '&spaced=1' : ''}`);
  const cpuAfter = groupCpuMs(cluster.pid);
  return { rate: n / (ms / 1000), cpuUs: cpuBefore && cpuAfter ? (1000 * (cpuAfter.ms - cpuBefore.ms)) / n : undefined };
}

async function ipcBenchmark() {
  const rounds = envInt('BENCH_IPC_ROUNDS', 5);
  const messages = envInt('BENCH_MESSAGES', 100_000);
  const spacedMessages = envInt('BENCH_SPACED_MESSAGES', 20_000);
  const rttSamples = envInt('BENCH_RTT_SAMPLES', 2000);
  const invokes = envInt('BENCH_INVOKES', 3000);
  const memoryMessages = envInt('BENCH_MEMORY_MESSAGES', 1_000_000);
  progress(`IPC: ${rounds} alternating rounds of ${messages} messages (${PAYLOAD_BYTES} B), ${rttSamples} round trips and ${invokes} ` +
    `cluster-client invokes per mode (${MODES.join(', ')}), after memory over ${memoryMessages} messages`);
  const clusters = {};
  try {
    for (const mode of MODES) {
      clusters[mode] = await launchCluster({
        launcher: path.join(APP, 'start.js'), cwd: APP, env: { BENCH_IPC_MODE: mode }, nodeOptions: [ '--expose-gc' ], bootTimeoutMs: BOOT_TIMEOUT_MS,
      });
      ensureStarted(clusters[mode], `the ${mode} IPC cluster`);
    }
    // Memory first, on clusters that have carried nothing yet: the throughput floods below pile up backlogs whose
    // high-water mark the allocator keeps in RSS after GC, which says nothing about what egg-sentinel retains.
    const memoryAtBoot = { disabled: await memory(clusters.disabled), signed: await memory(clusters.signed) };
    // Also after the first chunk: growth from there to the end is what an unbounded structure would show.
    const memoryEarly = {};
    for (const mode of [ 'disabled', 'signed' ]) {
      for (let sent = 0; sent < memoryMessages; sent += FLOOD_CHUNK) {
        await flood(clusters[mode], Math.min(FLOOD_CHUNK, memoryMessages - sent), { ack: ACK_EVERY });
        if (sent === 0) memoryEarly[mode] = await memory(clusters[mode]);
      }
      progress(`  memory: ${memoryMessages} messages through the ${mode} cluster (at most ${ACK_EVERY} in flight)`);
    }
    const memoryAfter = { disabled: await memory(clusters.disabled), signed: await memory(clusters.signed) };
    const throughput = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    const cpuPerMessage = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    const spacedThroughput = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    const spacedCpuPerMessage = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    const rtt = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    const invokeRates = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    const perRound = Math.ceil(rttSamples / rounds);
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 ? [ ...MODES ].reverse() : MODES) {
        const flooded = await flood(clusters[mode], messages);
        throughput[mode].push(flooded.rate);
        cpuPerMessage[mode].push(flooded.cpuUs);
        const spaced = await flood(clusters[mode], spacedMessages, { spaced: true });
        spacedThroughput[mode].push(spaced.rate);
        spacedCpuPerMessage[mode].push(spaced.cpuUs);
        rtt[mode].push(...(await getJson(clusters[mode].port, `/rtt?n=${perRound}&size=${PAYLOAD_BYTES}`)).samples);
        const invoked = await getJson(clusters[mode].port, `/invoke?n=${invokes}&size=${PAYLOAD_BYTES}`);
        invokeRates[mode].push(invoked.n / (invoked.ms / 1000));
      }
      progress(`  round ${round + 1}/${rounds}: ${MODES.map(mode => `${mode} ${Math.round(throughput[mode].at(-1))} msg/s`).join(', ')}`);
    }
    const modes = Object.fromEntries(MODES.map(mode => [ mode, {
      messagesPerSecond: Math.round(median(throughput[mode])),
      cpuUsPerMessage: cpuPerMessage[mode].includes(undefined) ? undefined : Number(median(cpuPerMessage[mode]).toFixed(1)),
      spacedMessagesPerSecond: Math.round(median(spacedThroughput[mode])),
      spacedCpuUsPerMessage: spacedCpuPerMessage[mode].includes(undefined) ? undefined : Number(median(spacedCpuPerMessage[mode]).toFixed(1)),
      rttP50Us: Math.round(percentile(rtt[mode], 0.5)),
      rttP99Us: Math.round(percentile(rtt[mode], 0.99)),
      invokesPerSecond: Math.round(median(invokeRates[mode])),
    } ]));
    const details = { rounds, messages, spacedMessages, payloadBytes: PAYLOAD_BYTES, rttSamples: perRound * rounds, invokes, memoryMessages, earlyMessages: Math.min(FLOOD_CHUNK, memoryMessages),
      ackEvery: ACK_EVERY, modes, memoryAtBoot, memoryEarly, memoryAfter };
    return { details, figures: ipcFigures(details) };
  } finally {
    for (const cluster of Object.values(clusters)) await stopCluster(cluster);
  }
}

function ipcFigures({ modes, memoryAtBoot, memoryEarly, memoryAfter, memoryMessages, earlyMessages }) {
  const ratio = (mode, key) => modes[mode][key] / modes.off[key];
  const messenger = mode => figure({ id: `messenger.${mode}`, label: `Messenger throughput app → agent, a burst of 1000 sends per turn, ${mode} ÷ off`, value: ratio(mode, 'messagesPerSecond'),
    target: TARGETS[mode], display: `${ratio(mode, 'messagesPerSecond').toFixed(2)} (${modes[mode].messagesPerSecond} / ${modes.off.messagesPerSecond} msg/s)` });
  // No batches: what signing costs each message.
  const spacedRow = mode => figure({ id: `messenger.spaced.${mode}`, label: `Messenger throughput app → agent, one send per turn, ${mode} ÷ off`,
    value: ratio(mode, 'spacedMessagesPerSecond'),
    display: `${ratio(mode, 'spacedMessagesPerSecond').toFixed(2)} (${modes[mode].spacedMessagesPerSecond} / ${modes.off.spacedMessagesPerSecond} msg/s; ` +
      `cluster CPU per message ${modes[mode].spacedCpuUsPerMessage ?? '?'} / ${modes.off.spacedCpuUsPerMessage ?? '?'} µs)` });
  const rttLabel = mode => `${modes[mode].rttP50Us} / ${modes[mode].rttP99Us} µs`;
  const rttRow = mode => figure({ id: `messenger.rtt.${mode}`, label: `Round trip app → agent → app p50 / p99, ${mode} (off: ${rttLabel('off')})`,
    value: modes[mode].rttP50Us / modes.off.rttP50Us, display: `${rttLabel(mode)} (p50 ${(modes[mode].rttP50Us / modes.off.rttP50Us).toFixed(2)}x off)` });
  const memoryRow = process => {
    const key = `${process}RssMiB`;
    const value = memoryAfter.signed[key] / memoryAfter.disabled[key];
    return figure({ id: `memory.${process}`, label: `${process === 'agent' ? 'Agent' : 'Worker'} RSS after ${memoryMessages} messages, enabled (signed) ÷ disabled`,
      value, target: TARGETS.memory, better: 'lower',
      display: `${value.toFixed(3)} (${memoryAfter.signed[key]} / ${memoryAfter.disabled[key]} MiB; after boot ${memoryAtBoot.signed[key]} / ${memoryAtBoot.disabled[key]} MiB)` });
  };
  // From the first chunk to the end, after a full GC: an unbounded replay window or counter would grow here; V8 sizing
  // its young generation to the allocation rate and the allocator's high-water mark do not.
  const growthRow = process => {
    const rss = `${process}RssMiB`;
    const heap = `${process}HeapMiB`;
    const value = memoryAfter.signed[rss] - memoryEarly.signed[rss];
    return figure({ id: `memory.${process}.growth`, label: `${process === 'agent' ? 'Agent' : 'Worker'} RSS growth from ${earlyMessages} to ${memoryMessages} messages, signed`,
      value, better: 'lower', display: `${value >= 0 ? '+' : ''}${value.toFixed(1)} MiB (JS heap ${memoryEarly.signed[heap]} → ${memoryAfter.signed[heap]} MiB; ` +
        `disabled RSS ${memoryEarly.disabled[rss]} → ${memoryAfter.disabled[rss]} MiB)` });
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
    spacedRow('signed'),
    spacedRow('sealed'),
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
    growthRow('agent'),
    growthRow('worker'),
  ];
}

module.exports = { ipcBenchmark };
