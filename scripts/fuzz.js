'use strict';
/**
 * `npm run fuzz`: a time-bounded fuzzing run of what another process on the machine can feed egg-sentinel's IPC.
 *   open       envelope open(): genuine sealed envelopes with fields replaced, deleted, type-confused, spliced from
 *              other envelopes or keys, prototype keys added, their JSON bytes damaged; random data. Inputs open()
 *              accepts in a new shape join the corpus (outcome-guided), so mutations stack on them.
 *   channel    the cluster-client channel (handshake and record reader) with an attacker relaying and damaging every
 *              byte both ways, splicing and replaying bytes captured from earlier sessions.
 *   handshake  damaged or random AUTH / HELLO / OK bytes to a fresh leader or follower.
 *   flood      records announcing up to 4 GiB, followed by megabytes of garbage: what the reader holds stays bounded.
 *   replay     the replay window against a model that remembers every number.
 * The oracles are those of the property tests (test/unit/fuzz-harness.ts): nothing thrown, nothing accepted that
 * the key did not seal, nothing delivered that the peer did not send, buffers bounded. Process memory is sampled
 * after a GC between slices; the heap must not grow by more than MEMORY_GROWTH_MB over the run.
 * The TypeScript sources are loaded with ts-node in memory (nothing is compiled in place).
 * FUZZ_SECONDS (default 120), FUZZ_SEED (default random). Writes bench/fuzz-results.json; exits 1 on a crash.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');

const ROOT = path.resolve(__dirname, '..');
require('ts-node').register({ transpileOnly: true, preferTsExts: true, project: path.join(ROOT, 'tsconfig.json') });
const h = require(path.join(ROOT, 'test/unit/fuzz-harness.ts'));

const SECONDS = Number(process.env.FUZZ_SECONDS || 120);
const SEED = Number(process.env.FUZZ_SEED || Math.floor(Math.random() * 2 ** 32)) >>> 0;
const SLICE_MS = 500;
const MEMORY_GROWTH_MB = 16;
const MAX_RECORDED_CRASHES = 20;
const CORPUS_LIMIT = 256;
const RESULTS = path.join(ROOT, 'bench/fuzz-results.json');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const mb = bytes => Math.round(bytes / 1024 / 1024 * 10) / 10;

const master = h.seededRandom(SEED);
const keys = h.keyringFor();
const corpus = h.genuineEnvelopes(keys);
const foreign = h.genuineEnvelopes(h.keyringFor());
const shapes = new Set(corpus.map(entry => shapeOf(entry.envelope)));
/** Bytes captured from earlier sessions, for cross-session splices and replays. */
const captured = [];

/** The keys and value types of an envelope: a new shape that open() accepts joins the corpus. */
function shapeOf(data) {
  return Object.keys(data).sort().map(key => `${key}:${Array.isArray(data[key]) ? 'array' : typeof data[key]}${Object.is(data[key], -0) ? '-0' : ''}`).join();
}

const targets = {
  open: {
    weight: 4,
    run(rng, stats) {
      const input = h.envelopeCase(rng, corpus, foreign);
      if (input.kind === 'unparseable') return count(stats, 'unparseable JSON (dropped by the transport)');
      const { outcome, problem } = h.checkOpen(keys, input, corpus);
      count(stats, outcome);
      if (problem) return { problem, input: h.describeInput({ action: input.action, data: input.data }) };
      if (outcome === 'ok' && corpus.length < CORPUS_LIMIT && !shapes.has(shapeOf(input.data))) {
        shapes.add(shapeOf(input.data));
        corpus.push({ action: input.action, envelope: input.data });
      }
      return undefined;
    },
  },
  channel: {
    weight: 3,
    run(rng, stats) {
      const untouched = rng.int(8) === 0;
      const oneIn = 1 + rng.int(3);
      // Damage starts at a random relayed chunk: the first ones are the handshake, the later ones records.
      const firstDamaged = rng.int(5);
      let relayed = 0;
      const session = h.relayedSession(rng, keys, rng.int(2) === 1, bytes => {
        if (captured.length < 64) captured.push(bytes);
        else captured[rng.int(captured.length)] = bytes;
        return untouched || relayed++ < firstDamaged || rng.int(oneIn) ? bytes : h.mutateBytes(rng, bytes, captured[rng.int(captured.length)]);
      });
      try {
        const problem = h.checkSession(session, untouched);
        const failure = session.leader.failures[0] ?? session.follower.failures[0];
        count(stats, untouched ? 'untouched, delivered' : failure ? `refused (${failure})` : 'tampering not reached (or a no-op)');
        return problem ? { problem } : undefined;
      } finally {
        h.close(session.leader, session.follower);
      }
    },
  },
  handshake: {
    weight: 1,
    run(rng, stats) {
      const side = rng.int(2) ? 'leader' : 'follower';
      count(stats, `to the ${side}`);
      const problem = h.checkHandshake(rng, keys, side, captured.length ? captured[rng.int(captured.length)] : undefined);
      return problem ? { problem } : undefined;
    },
  },
  flood: {
    weight: 1,
    run(rng, stats) {
      const largest = h.MAX_BUFFERED - 4 - 32;
      const length = [ largest, largest + 1, 0xffffffff, rng.int(largest), rng.int(2 ** 32) ][rng.int(5)];
      const total = rng.int(9 * 1024 * 1024);
      const leader = h.flood(keys, length, total);
      count(stats, leader.failures[0] ? `refused (${leader.failures[0]})` : 'waiting for the rest of the record');
      stats.maxBuffered = Math.max(stats.maxBuffered ?? 0, leader.maxBuffered);
      if (leader.problem) return { problem: leader.problem, input: `length ${length}, ${total} bytes` };
      if (leader.delivered.length) return { problem: 'garbage was delivered', input: `length ${length}, ${total} bytes` };
      // 64 KiB chunks: once header + record + MAC have arrived the record must have been judged.
      const arrived = 4 + Math.ceil(total / 65536) * 65536;
      if (!leader.failures.length && (length > largest || arrived >= 4 + length + 32)) return { problem: 'a complete or oversized bad record was not refused', input: `length ${length}, ${total} bytes` };
      return undefined;
    },
  },
  replay: {
    weight: 2,
    run(rng, stats) {
      const replayCase = h.replayCase(rng);
      count(stats, `size ${replayCase.size}`);
      const problem = h.checkReplay(replayCase);
      return problem ? { problem, input: h.describeInput(replayCase) } : undefined;
    },
  },
};

function count(stats, outcome) {
  stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
  return undefined;
}

function memorySample() {
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsedMB: mb(heapUsed), rssMB: mb(rss) };
}

/** Lets the event loop run what the targets deferred (stream close and error events) before the next slice. */
const yieldToEventLoop = () => new Promise(resolve => setImmediate(resolve));

async function main() {
  const stats = Object.fromEntries(Object.keys(targets).map(name => [ name, { cases: 0, crashes: 0, ms: 0, outcomes: {} } ]));
  const crashes = [];
  // One untimed case per target first, so lazy initialisation (ajv, crypto, corpus) is not counted as growth.
  for (const [ name, target ] of Object.entries(targets)) target.run(h.seededRandom(SEED ^ name.length), { outcomes: {} });
  await yieldToEventLoop();
  const start = memorySample();
  let peakHeap = start.heapUsedMB;
  let peakRss = start.rssMB;
  const began = Date.now();
  const deadline = began + SECONDS * 1000;
  const schedule = Object.entries(targets).flatMap(([ name, target ]) => Array(target.weight).fill(name));
  console.log(`fuzzing ${Object.keys(targets).join(', ')} for ${SECONDS} s (FUZZ_SEED=${SEED})`);
  for (let slice = 0; Date.now() < deadline; slice++) {
    const name = schedule[slice % schedule.length];
    const target = targets[name];
    const sliceEnd = Math.min(deadline, Date.now() + SLICE_MS);
    const sliceStart = Date.now();
    while (Date.now() < sliceEnd) {
      const caseSeed = master.int(2 ** 32);
      stats[name].cases++;
      let found;
      try {
        found = target.run(h.seededRandom(caseSeed), stats[name]);
      } catch (error) {
        found = { problem: `the target threw ${error && error.stack || error}` };
      }
      if (found) {
        stats[name].crashes++;
        if (crashes.length < MAX_RECORDED_CRASHES) crashes.push({ target: name, caseSeed, ...found });
      }
    }
    stats[name].ms += Date.now() - sliceStart;
    await yieldToEventLoop();
    const { heapUsed, rss } = process.memoryUsage();
    peakHeap = Math.max(peakHeap, mb(heapUsed));
    peakRss = Math.max(peakRss, mb(rss));
    if (slice % 20 === 19) {
      const sample = memorySample();
      process.stdout.write(`  ${Math.round((Date.now() - began) / 1000)} s: ${Object.entries(stats).map(([ n, s ]) => `${n} ${s.cases}`).join(', ')}; heap ${sample.heapUsedMB} MB, rss ${sample.rssMB} MB\n`);
    }
  }
  await yieldToEventLoop();
  const end = memorySample();
  const growth = Math.round((end.heapUsedMB - start.heapUsedMB) * 10) / 10;
  const memoryOk = growth <= MEMORY_GROWTH_MB;
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
    seed: SEED,
    budgetSeconds: SECONDS,
    durationSeconds: Math.round((Date.now() - began) / 100) / 10,
    totalCases: Object.values(stats).reduce((sum, s) => sum + s.cases, 0),
    totalCrashes: Object.values(stats).reduce((sum, s) => sum + s.crashes, 0),
    targets: Object.fromEntries(Object.entries(stats).map(([ name, s ]) => [ name, {
      cases: s.cases, crashes: s.crashes, casesPerSecond: s.ms ? Math.round(s.cases / s.ms * 1000) : 0,
      ...(s.maxBuffered !== undefined ? { maxBufferedBytes: s.maxBuffered } : {}), outcomes: s.outcomes,
    } ])),
    corpus: { envelopes: corpus.length, capturedChunks: captured.length },
    memory: {
      startHeapMB: start.heapUsedMB, endHeapMB: end.heapUsedMB, peakHeapMB: peakHeap, heapGrowthMB: growth,
      startRssMB: start.rssMB, endRssMB: end.rssMB, peakRssMB: peakRss, growthLimitMB: MEMORY_GROWTH_MB, ok: memoryOk,
    },
    crashes,
  };
  fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${'target'.padEnd(10)} ${'cases'.padStart(9)} ${'per s'.padStart(7)} ${'crashes'.padStart(7)}  outcomes`);
  for (const [ name, s ] of Object.entries(results.targets)) {
    const outcomes = Object.entries(s.outcomes).sort((a, b) => b[1] - a[1]).map(([ o, n ]) => `${o} ${n}`).join(', ');
    console.log(`${name.padEnd(10)} ${String(s.cases).padStart(9)} ${String(s.casesPerSecond).padStart(7)} ${String(s.crashes).padStart(7)}  ${outcomes}`);
  }
  console.log(`\n${results.totalCases} cases in ${results.durationSeconds} s, ${results.totalCrashes} crash(es); heap ${start.heapUsedMB} → ${end.heapUsedMB} MB after GC ` +
    `(peak ${peakHeap} MB, limit +${MEMORY_GROWTH_MB} MB), rss peak ${peakRss} MB; written to ${path.relative(process.cwd(), RESULTS)}`);
  for (const crash of crashes) console.log(`\nCRASH ${crash.target} (case seed ${crash.caseSeed}): ${crash.problem}${crash.input ? `\n  input: ${crash.input}` : ''}`);
  if (crashes.length || !memoryOk) process.exitCode = 1;
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
