'use strict';
/**
 * `npm run bench:ipc`: what signing and sealing cost on egg's messenger, on real clusters (master, agent, 1 app
 * worker). Three clusters run side by side (IPC off, signed, signed + sealed); measurement rounds alternate between
 * them and the medians are compared, so machine noise hits all three alike. Also a micro-benchmark of seal + open
 * against one bare HMAC-SHA256 over the same bytes, the floor any signature pays.
 * Also cluster-client invoke round trips through the agent's leader port, authenticated or not.
 * Writes bench/ipc-results.json and prints the table.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { build, httpGet, launchCluster, ROOT, stopCluster } = require('../scripts/harness');

const APP = path.join(__dirname, 'ipc-app');
const MODES = [ 'off', 'signed', 'sealed' ];
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const MESSAGES = Number(process.env.BENCH_MESSAGES || 100_000);
const PAYLOAD_BYTES = 256;
const RTT_SAMPLES = 2000;
const INVOKES = Number(process.env.BENCH_INVOKES || 5000);
const TARGETS = { signed: 0.90, sealed: 0.85, microOverHmac: 2, clusterClient: 0.90 };

const median = values => [ ...values ].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) => [ ...values ].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

async function getJson(cluster, url) {
  const { status, body } = await httpGet(`http://127.0.0.1:${cluster.port}${url}`, 600_000);
  if (status !== 200) throw new Error(`GET ${url} -> ${status}: ${body}`);
  return JSON.parse(body);
}

/** seal + open of one 256-byte payload versus one bare HMAC over the same envelope bytes, alternating, µs per op. */
function microBenchmark() {
  const { seal, open } = require(path.join(ROOT, 'lib/ipc/envelope.js'));
  const { Keyring } = require(path.join(ROOT, 'lib/ipc/keyring.js'));
  const keys = Keyring.forApp({ runDir: __dirname, secret: crypto.randomBytes(32).toString('base64url') });
  const payload = { blob: 'x'.repeat(PAYLOAD_BYTES - 12) };
  const sender = { role: 'app', pid: process.pid, iid: 'bench' };
  const hmacKey = crypto.randomBytes(32);
  const iterations = 50_000;
  const runs = { sealOpen: [], hmac: [] };
  let seq = 0;
  const bytes = JSON.stringify(seal({ keys, sender, seq: 0, ts: Date.now(), to: 'agent', action: 'bench', payload, encrypt: false }));
  for (let round = 0; round < 7; round++) {
    let started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      const envelope = seal({ keys, sender, seq: seq++, ts: Date.now(), to: 'agent', action: 'bench', payload, encrypt: false });
      if (!open({ keys, action: 'bench', data: envelope }).ok) throw new Error('open refused a fresh envelope');
    }
    runs.sealOpen.push(Number(process.hrtime.bigint() - started) / 1e3 / iterations);
    started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) crypto.createHmac('sha256', hmacKey).update(bytes).digest();
    runs.hmac.push(Number(process.hrtime.bigint() - started) / 1e3 / iterations);
  }
  return { sealOpenUs: median(runs.sealOpen), hmacUs: median(runs.hmac), envelopeBytes: bytes.length };
}

async function main() {
  console.log(`egg-sentinel IPC benchmark: ${ROUNDS} alternating rounds of ${MESSAGES} messages (${PAYLOAD_BYTES} B payload) app → agent`);
  await build([ 'tsconfig.build.json' ]);
  const clusters = {};
  try {
    for (const mode of MODES) {
      clusters[mode] = await launchCluster({ launcher: path.join(APP, 'start.js'), cwd: APP, env: { BENCH_IPC_MODE: mode } });
      if (!clusters[mode].outcome.ready) throw new Error(`the ${mode} cluster did not start:\n${clusters[mode].output.stderr.slice(-2000)}`);
    }
    const throughput = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    const rtt = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    const invokes = Object.fromEntries(MODES.map(mode => [ mode, [] ]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of round % 2 ? [ ...MODES ].reverse() : MODES) {
        const { n, ms } = await getJson(clusters[mode], `/flood?n=${MESSAGES}&size=${PAYLOAD_BYTES}`);
        throughput[mode].push(n / (ms / 1000));
        rtt[mode].push(...(await getJson(clusters[mode], `/rtt?n=${RTT_SAMPLES / ROUNDS}&size=${PAYLOAD_BYTES}`)).samples);
        const invoked = await getJson(clusters[mode], `/invoke?n=${INVOKES}&size=${PAYLOAD_BYTES}`);
        invokes[mode].push(invoked.n / (invoked.ms / 1000));
      }
      process.stdout.write(`  round ${round + 1}/${ROUNDS}: ${MODES.map(mode => `${mode} ${Math.round(throughput[mode].at(-1))}/s`).join(', ')}\n`);
    }
    const micro = microBenchmark();
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      machine: `${require('node:os').cpus().length} × ${require('node:os').cpus()[0].model}`,
      messages: MESSAGES,
      payloadBytes: PAYLOAD_BYTES,
      rounds: ROUNDS,
      modes: Object.fromEntries(MODES.map(mode => [ mode, {
        messagesPerSecond: Math.round(median(throughput[mode])),
        rttP50Us: Math.round(percentile(rtt[mode], 0.5)),
        rttP99Us: Math.round(percentile(rtt[mode], 0.99)),
        clusterClientInvokesPerSecond: Math.round(median(invokes[mode])),
      } ])),
      micro,
    };
    results.ratios = {
      signed: median(throughput.signed) / median(throughput.off),
      sealed: median(throughput.sealed) / median(throughput.off),
      microOverHmac: micro.sealOpenUs / micro.hmacUs,
      clusterClient: median(invokes.signed) / median(invokes.off),
      clusterClientSealed: median(invokes.sealed) / median(invokes.off),
    };
    fs.writeFileSync(path.join(__dirname, 'ipc-results.json'), `${JSON.stringify(results, null, 2)}\n`);
    printTable(results);
  } finally {
    for (const cluster of Object.values(clusters)) await stopCluster(cluster);
  }
}

function printTable(results) {
  const verdict = (value, target, higherIsBetter = true) => `${(higherIsBetter ? value >= target : value <= target) ? 'met' : 'MISSED'} (target ${higherIsBetter ? '≥' : '≤'} ${target})`;
  console.log('\n| mode | messages/s | vs off | round trip p50 | p99 | cluster-client invokes/s | vs off |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const mode of MODES) {
    const { messagesPerSecond, rttP50Us, rttP99Us, clusterClientInvokesPerSecond } = results.modes[mode];
    const ratio = mode === 'off' ? '1.00' : results.ratios[mode].toFixed(2);
    const ccRatio = (clusterClientInvokesPerSecond / results.modes.off.clusterClientInvokesPerSecond).toFixed(2);
    console.log(`| ${mode} | ${messagesPerSecond} | ${ratio} | ${rttP50Us} µs | ${rttP99Us} µs | ${clusterClientInvokesPerSecond} | ${ccRatio} |`);
  }
  console.log(`\nsigned throughput ratio ${results.ratios.signed.toFixed(2)}: ${verdict(results.ratios.signed, TARGETS.signed)}`);
  console.log(`sealed throughput ratio ${results.ratios.sealed.toFixed(2)}: ${verdict(results.ratios.sealed, TARGETS.sealed)}`);
  console.log(`cluster-client invoke ratio, authenticated ${results.ratios.clusterClient.toFixed(2)}: ${verdict(results.ratios.clusterClient, TARGETS.clusterClient)}` +
    ` (sealed ${results.ratios.clusterClientSealed.toFixed(2)}, no target)`);
  console.log(`seal + open ${results.micro.sealOpenUs.toFixed(2)} µs vs one HMAC over the ${results.micro.envelopeBytes}-byte envelope ` +
    `${results.micro.hmacUs.toFixed(2)} µs: ${results.ratios.microOverHmac.toFixed(2)}x, ${verdict(results.ratios.microOverHmac, TARGETS.microOverHmac, false)}`);
}

main().then(() => process.exit(0), error => {
  console.error(`benchmark failed: ${error.message}`);
  process.exit(1);
});
