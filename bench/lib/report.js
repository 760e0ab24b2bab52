'use strict';
/** bench/results.md from the results object bench/run.js writes to bench/results.json. */
const { targetText, verdictText } = require('./common');

const row = cells => `| ${cells.join(' | ')} |`;
const table = (head, rows, align) => [ row(head), row(align ?? head.map(() => '---')), ...rows.map(row) ].join('\n');

// The order of issue #10.
const ORDER = [ 'boot', 'requests', 'messenger', 'clusterClient', 'codec', 'audit', 'memory' ];
const rank = entry => ORDER.indexOf(entry.id.split('.')[0]);

const orderedFigures = results => [ ...results.figures ].sort((a, b) => rank(a) - rank(b));

function summary(results) {
  const rows = orderedFigures(results).map(entry => [ entry.label, entry.display, targetText(entry), verdictText(entry) ]);
  for (const [ section, error ] of Object.entries(results.failures)) rows.push([ `${section}: the section failed`, `\`${error.split('\n')[0]}\``, '—', 'NOT MEASURED' ]);
  return table([ 'figure', 'measured', 'target', 'verdict' ], rows, [ '---', '---:', '---', '---' ]);
}

function missed(results) {
  const list = results.figures.filter(entry => entry.met === false).map(entry => `- ${entry.label}: ${entry.display}, target ${targetText(entry)}`);
  const failed = Object.keys(results.failures).map(section => `- ${section}: not measured (the section failed; see its error above)`);
  return [ ...list, ...failed ].join('\n') || 'None.';
}

function bootSection({ details }) {
  const rows = details.boots.on.map((on, index) => {
    const off = details.boots.off[index];
    return [ index + 1, `${on.ms.toFixed(0)} ms`, `${off.ms.toFixed(0)} ms`, (on.ms / off.ms).toFixed(3), `${on.cpuMs ?? '—'} / ${off.cpuMs ?? '—'} ms` ];
  });
  return `## Boot\n\nSpawn to egg-ready of the realistic app's cluster (master, agent, 2 workers, prod), ${details.pairs} pairs, ` +
    'the order alternating from pair to pair, after one warm-up boot of each. CPU: user + system time of all the cluster\'s processes until ready.\n\n' +
    table([ 'pair', 'enabled', 'disabled', 'ratio', 'CPU enabled / disabled' ], rows);
}

function requestSection({ details }) {
  const rows = [];
  for (const route of [ 'hello', 'guarded' ]) {
    for (const mode of [ 'on', 'off' ]) {
      const median = details.medians[mode][route];
      rows.push([ route === 'hello' ? '`/hello`' : '`/guarded` (3 route middleware)', mode === 'on' ? 'enabled' : 'disabled',
        details.runs[mode][route].map(run => run.rps.toFixed(0)).join(', '), median.rps, `${median.p50Ms} / ${median.p99Ms} ms`,
        median.cpuUsPerRequest === undefined ? '—' : `${median.cpuUsPerRequest.toFixed(0)} µs` ]);
    }
  }
  return `## Requests\n\nautocannon, ${details.connections} connections, ${details.rounds} rounds of ${details.seconds} s per route and mode ` +
    `(order alternating), both clusters up side by side, after a ${details.warmUpSeconds} s warm-up of each. CPU: user + system time of the ` +
    'cluster\'s processes (master, agent, workers) per request, median of the rounds.\n\n' +
    table([ 'route', 'egg-sentinel', 'req/s per round', 'median req/s', 'latency p50 / p99 (medians)', 'cluster CPU per request' ], rows);
}

function ipcSection({ details }) {
  const micros = value => value === undefined ? '—' : `${value} µs`;
  const rows = Object.entries(details.modes).map(([ mode, m ]) => [ mode, m.messagesPerSecond, micros(m.cpuUsPerMessage),
    m.spacedMessagesPerSecond, micros(m.spacedCpuUsPerMessage), `${m.rttP50Us} µs`, `${m.rttP99Us} µs`, m.invokesPerSecond ]);
  const memoryRows = [ 'disabled', 'signed' ].flatMap(mode => [ 'agent', 'worker' ].map(proc => {
    const at = point => details[point][mode];
    const cells = key => [ 'memoryAtBoot', 'memoryEarly', 'memoryAfter' ].map(point => at(point)[`${proc}${key}`]).join(' → ');
    return [ mode, proc, `${cells('RssMiB')} MiB`, `${cells('HeapMiB')} MiB`, `${cells('HeapTotalMiB')} MiB`, `${at('memoryAfter')[`${proc}ExternalMiB`]} MiB` ];
  }));
  return `## IPC\n\nbench/ipc-app clusters (master, agent, 1 worker) side by side: egg-sentinel disabled, enabled with \`ipc.mode: 'off'\`, ` +
    `signed (the default), signed + sealed (\`ipc.encrypt: true\`). ${details.rounds} rounds (order alternating) of ${details.messages} messages ` +
    `of ${details.payloadBytes} B app → agent in bursts of 1000 sends per turn of the event loop (egg-sentinel sends all but the first as ` +
    `signed batches), ${details.spacedMessages} messages sent one per turn (no batches: the cost of signing each message), ` +
    `${details.rttSamples} sequential round trips app → agent → app and ${details.invokes} sequential cluster-client invokes per round and mode.\n\n` +
    table([ 'mode', 'burst messages/s (median)', 'cluster CPU per message', 'one per turn: messages/s', 'cluster CPU per message',
      'round trip p50', 'p99', 'cluster-client invokes/s' ], rows) +
    `\n\nMemory, measured before the throughput rounds, after a full GC (\`--expose-gc\`): right after boot → after ${details.earlyMessages} ` +
    `→ after ${details.memoryMessages} messages app → agent, sent with at most ${details.ackEvery} in flight (the agent confirms every ` +
    `${details.ackEvery}).\n\n` +
    table([ 'mode', 'process', 'RSS', 'JS heap used', 'JS heap total', 'external (end)' ], memoryRows);
}

function codecSection({ details }) {
  const rows = [];
  for (const [ size, measured ] of Object.entries(details.sizes)) {
    for (const [ kind, m ] of Object.entries(measured)) {
      rows.push([ `${size} B`, kind, m.envelopeBytes, m.sealUs.toFixed(2), m.openUs.toFixed(2), m.hmacUs.toFixed(2),
        (m.sealUs / m.hmacUs).toFixed(2), (m.openUs / m.hmacUs).toFixed(2), ((m.sealUs + m.openUs) / m.hmacUs).toFixed(2),
        m.floorUs === undefined ? '—' : (m.floorUs / m.hmacUs).toFixed(2) ]);
    }
  }
  return `## Codec\n\nIn one process, µs per message, median of ${details.runs} alternating runs; the HMAC is one HMAC-SHA256 over the serialized ` +
    'envelope (the bytes the MAC protects). `seal` computes one HMAC and `open` verifies one, so each is read against one HMAC; ' +
    'their sum against one HMAC is the pair. The floor is the least any pair can cost while the payload is serialized once ' +
    'and every byte is MACed on both sides: one JSON.stringify of the payload, two HMACs of the envelope with egg-sentinel\'s ' +
    'one-shot HMAC (precomputed pads), one JSON.parse, measured in the same runs.\n\n' +
    table([ 'payload', 'kind', 'envelope bytes', 'seal µs', 'open µs', 'HMAC µs', 'seal ÷ HMAC', 'open ÷ HMAC', 'pair ÷ HMAC', 'floor ÷ HMAC' ], rows);
}

function auditSection({ details }) {
  return `## Audit CLI\n\n\`egg-sentinel audit --base-dir <app> --env prod --format json\` (spawn to exit; ${details.findings} findings) against ` +
    `\`egg.start()\` of the same app with egg-sentinel disabled (spawn until ready), ${details.pairs} alternating pairs: ` +
    `audit ${details.audits.map(run => run.ms.toFixed(0)).join(', ')} ms; egg ${details.loads.map(run => run.ms.toFixed(0)).join(', ')} ms.`;
}

function attribution(proc) {
  return [
    table([ 'ms', 'egg-sentinel called → from' ], proc.topCallees.map(entry => [ entry.ms, `\`${entry.name}\`` ]), [ '---:', '---' ]),
    '',
    table([ 'ms (inclusive)', 'egg-sentinel function' ], proc.topFunctions.map(entry => [ entry.ms, `\`${entry.name}\`` ]), [ '---:', '---' ]),
    '',
  ];
}

const share = proc => (proc.busyMs ? (100 * proc.sentinelMs / proc.busyMs).toFixed(0) : '0');

function profileSection({ details }) {
  const parts = [ '## Where the time goes with egg-sentinel enabled (CPU profiles)\n',
    'One boot of the realistic app and one `egg-sentinel audit --env prod` of it under `--cpu-prof`, then messages through a ' +
    'bench/ipc-app cluster. "egg-sentinel" is every sample with a frame of the compiled plugin on the stack (its module loading ' +
    'included; in the audit, everything below the CLI); the tables say what egg-sentinel called there and from which of its ' +
    'functions, then its functions by inclusive time (`file:line` of the compiled `.js`; the function names lead to the `.ts`). ' +
    'Sampled, so about ±1 ms per row; profiling slows everything down about alike.\n' ];
  for (const proc of details.processes.filter(entry => entry.kind !== 'master')) {
    parts.push(`### ${proc.kind === 'audit' ? 'audit CLI' : `${proc.kind} boot`}: ${proc.sentinelMs} ms of ${proc.busyMs} ms busy CPU in egg-sentinel (${share(proc)}%)\n`);
    parts.push(...attribution(proc));
  }
  const { messages, modes } = details.messenger;
  const kinds = [ 'master', 'agent', 'worker' ];
  const perKind = (mode, kind) => modes[mode].filter(proc => proc.kind === kind).reduce((sum, proc) => sum + proc.cpuUsPerMessage, 0);
  parts.push(`### Messenger: ${messages} messages app → agent (256 B), CPU per message by process\n`);
  parts.push(table([ 'process', 'IPC off', 'signed', 'difference' ], kinds.map(kind => [ kind, `${perKind('off', kind).toFixed(1)} µs`,
    `${perKind('signed', kind).toFixed(1)} µs`, `${(perKind('signed', kind) - perKind('off', kind)).toFixed(1)} µs` ])), '');
  for (const proc of modes.signed.filter(entry => entry.kind !== 'master')) {
    parts.push(`#### signed, ${proc.kind}: ${proc.sentinelMs} ms of ${proc.busyMs} ms busy CPU in egg-sentinel (${share(proc)}%)\n`);
    parts.push(...attribution(proc));
  }
  return parts.join('\n');
}

const SECTIONS = { boot: bootSection, requests: requestSection, ipc: ipcSection, codec: codecSection, audit: auditSection, profile: profileSection };

function renderMarkdown(results) {
  const m = results.machine;
  const v = results.versions;
  const parts = [
    '# egg-sentinel benchmark results',
    '',
    `Measured with \`npm run bench\` (bench/run.js) on ${results.date}; the suite took ${Math.round(results.wallTimeS)} s.`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.platform}; load average at the start ${m.loadAverage.join(' / ')}` +
      ' (other work shares this machine: read the ratios, which alternating runs make fair, rather than absolute numbers)',
    `- Node ${v.node}, egg ${v.egg}, egg-sentinel ${v.eggSentinel}${v.commit ? ` (${v.commit})` : ''}, autocannon ${v.autocannon}`,
    `- Sizes: ${Object.entries(results.settings).map(([ name, value ]) => `${name}=${value}`).join(', ')}`,
    '',
    '## Summary',
    '',
    summary(results),
    '',
    'Missed targets:',
    '',
    missed(results),
    '',
    'The realistic app: egg\'s default plugins plus egg-cors, egg-jwt, egg-passport, egg-validate and egg-view-nunjucks (installed from ' +
      'bench/plugins-app\'s lockfile), 500 routes on 50 controllers, 30 app middleware (27 global, several with match/ignore; 3 in front of ' +
      '`/guarded`), about 340 config keys of its own, a middleware and route policy, and a `sentinel.lock.json` pinned for prod, so every ' +
      'rule runs and the agent verifies every plugin file. "Disabled" is the same app with `sentinel: { enable: false }`.',
    '',
  ];
  for (const [ name, render ] of Object.entries(SECTIONS)) {
    if (results.sections[name]) parts.push(render(results.sections[name]), '');
  }
  return `${parts.join('\n').trimEnd()}\n`;
}

module.exports = { orderedFigures, renderMarkdown };
