'use strict';
/**
 * Codec: egg-sentinel's envelope `seal` and `open` (lib/ipc/envelope) per message, in this process, against one bare
 * HMAC-SHA256 (createHmac, update, digest) over the same bytes, the serialized envelope. The target is issue #6's
 * wording: `seal` + `open` within 2x of one HMAC. Each alone is reported too (each signs or verifies once). Payloads
 * of 64 B, 1 KiB and 16 KiB, signed (the default) and sealed with AES-256-GCM (`ipc.encrypt`). Alternating runs,
 * medians. Also the floor of any `seal` + `open` under the issue's design, measured in the same runs: one
 * JSON.stringify of the payload, two HMACs over the envelope's bytes with the envelope's own one-shot HMAC (the fastest
 * this Node has), one JSON.parse; a pair can cost no less, so above 2x the floor says the target is out of reach.
 */
const crypto = require('node:crypto');
const os = require('node:os');
const path = require('node:path');
const { ROOT } = require('../../scripts/harness');
const { envInt, figure, median, progress } = require('./common');

const SIZES = [ 64, 1024, 16 * 1024 ];
const TARGET = 2;
// Enough work per timed run (tens of ms) for the clock to be negligible, little enough for the whole to take seconds.
const BYTES_PER_RUN = 2 * 2 ** 20;

function timeUs(iterations, fn) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  return Number(process.hrtime.bigint() - started) / 1e3 / iterations;
}

function measureSize(size, runs, { seal, open, keys, HmacSha256 }) {
  const payload = { blob: 'x'.repeat(Math.max(0, size - 12)) };
  const sender = { role: 'app', pid: process.pid, iid: 'bench' };
  const hmacKey = crypto.randomBytes(32);
  const ownHmac = new HmacSha256(crypto.createSecretKey(hmacKey));
  const json = JSON.stringify(payload);
  const iterations = Math.max(500, Math.floor(BYTES_PER_RUN / (size + 400)));
  const sealOnce = (seq, encrypt) => seal({ keys, sender, seq, ts: Date.now(), to: 'agent', action: 'bench', payload, encrypt });
  const result = {};
  for (const encrypt of [ false, true ]) {
    // What a receiver opens: the envelope as egg's messenger delivers it, JSON-parsed from the IPC channel.
    const envelopes = Array.from({ length: iterations }, (_, i) => JSON.parse(JSON.stringify(sealOnce(i, encrypt))));
    const bytes = JSON.stringify(envelopes[0]);
    const times = { seal: [], open: [], hmac: [], stringify: [], ownHmac: [], parse: [] };
    for (let run = 0; run < runs; run++) {
      times.seal.push(timeUs(iterations, i => sealOnce(i, encrypt)));
      times.open.push(timeUs(iterations, i => {
        if (!open({ keys, action: 'bench', data: envelopes[i] }).ok) throw new Error('open refused a fresh envelope');
      }));
      times.hmac.push(timeUs(iterations, () => crypto.createHmac('sha256', hmacKey).update(bytes).digest()));
      if (encrypt) continue;
      times.stringify.push(timeUs(iterations, () => JSON.stringify(payload)));
      times.ownHmac.push(timeUs(iterations, () => ownHmac.digest([ bytes ], 'base64url')));
      times.parse.push(timeUs(iterations, () => JSON.parse(json)));
    }
    result[encrypt ? 'sealed' : 'signed'] = {
      envelopeBytes: bytes.length, iterations,
      sealUs: median(times.seal), openUs: median(times.open), hmacUs: median(times.hmac),
      ...(encrypt ? {} : { floorUs: median(times.stringify) + 2 * median(times.ownHmac) + median(times.parse) }),
    };
  }
  return result;
}

function codecBenchmark() {
  const runs = envInt('BENCH_CODEC_RUNS', 7);
  progress(`codec: seal / open / one HMAC-SHA256 at ${SIZES.join(', ')} B payloads, ${runs} alternating runs each`);
  const { seal, open } = require(path.join(ROOT, 'lib/ipc/envelope.js'));
  const { HmacSha256 } = require(path.join(ROOT, 'lib/ipc/envelope.js'));
  const { Keyring } = require(path.join(ROOT, 'lib/ipc/keyring.js'));
  const keys = Keyring.forApp({ runDir: os.tmpdir(), secret: crypto.randomBytes(32).toString('base64url') });
  const details = { runs, sizes: {} };
  const figures = [];
  for (const size of SIZES) {
    const measured = measureSize(size, runs, { seal, open, keys, HmacSha256 });
    details.sizes[size] = measured;
    const { sealUs, openUs, hmacUs, floorUs, envelopeBytes } = measured.signed;
    const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
    const pair = (sealUs + openUs) / hmacUs;
    figures.push(figure({ id: `codec.pair.${size}`, label: `Codec seal + open ÷ one HMAC of the ${envelopeBytes}-byte envelope, ${label} payload`,
      value: pair, target: TARGET, better: 'lower', display: `${pair.toFixed(2)}x (${sealUs.toFixed(2)} + ${openUs.toFixed(2)} / ${hmacUs.toFixed(2)} µs)` }));
    figures.push(figure({ id: `codec.floor.${size}`, label: `Least any seal + open can cost (one JSON.stringify, two one-shot HMACs, one JSON.parse) ÷ one HMAC, ${label} payload`,
      value: floorUs / hmacUs, display: `${(floorUs / hmacUs).toFixed(2)}x (${floorUs.toFixed(2)} / ${hmacUs.toFixed(2)} µs)` }));
    for (const [ op, us ] of [ [ 'seal', sealUs ], [ 'open', openUs ] ]) {
      figures.push(figure({ id: `codec.${op}.${size}`, label: `Codec ${op} alone ÷ one HMAC, ${label} payload`,
        value: us / hmacUs, display: `${(us / hmacUs).toFixed(2)}x` }));
    }
    const sealed = measured.sealed;
    figures.push(figure({ id: `codec.sealed.${size}`, label: `Codec seal + open with AES-256-GCM ÷ one HMAC, ${label} payload`,
      value: (sealed.sealUs + sealed.openUs) / sealed.hmacUs,
      display: `${((sealed.sealUs + sealed.openUs) / sealed.hmacUs).toFixed(2)}x (${sealed.sealUs.toFixed(2)} + ${sealed.openUs.toFixed(2)} / ${sealed.hmacUs.toFixed(2)} µs)` }));
  }
  return { details, figures };
}

module.exports = { codecBenchmark };
