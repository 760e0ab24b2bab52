import assert from 'node:assert';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mm from 'egg-mock';
import fc from 'fast-check';
import { ENVELOPE_VERSION, HmacSha256, open, seal, type SealInput } from '../../lib/ipc/envelope';
import { estimateSecretBits, KEY_FILE, Keyring } from '../../lib/ipc/keyring';
import { ReplayWindows } from '../../lib/ipc/replay-window';
import { clusterClientUnprotected, ipcProtectionOff, weakIpcSecret } from '../../lib/rules/ipc';
import { collectIpcFacts } from '../../lib/facts/ipc';
import { fakeFacts } from './fake-facts';
import { tempDir } from '../temp-dir';

const runDir = tempDir('ipc-unit');
const keys = Keyring.forApp({ runDir, secret: crypto.randomBytes(32).toString('base64url') });
const sender = { role: 'app' as const, pid: 4242, iid: 'instance-1' };
const base = (overrides: Partial<SealInput> = {}): SealInput => ({
  keys, sender, seq: 1, ts: Date.now(), to: 'agent', action: 'demo:action', payload: { text: 'héllo', n: [ 1, 2 ] }, encrypt: false, ...overrides,
});
const roundTrip = (envelope: unknown, action = 'demo:action') => open({ keys, action, data: JSON.parse(JSON.stringify(envelope)) });

after(() => fs.rmSync(runDir, { recursive: true, force: true }));

describe('envelope seal/open', () => {
  for (const payload of [ undefined, null, 'text', 0, [ 1, 'two' ], { nested: { deep: [ true ] } }, { buffer: Buffer.from('bytes') } ]) {
    it(`round-trips ${JSON.stringify(payload)}`, () => {
      const result = roundTrip(seal(base({ payload })));
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(result.payload, payload === undefined ? undefined : JSON.parse(JSON.stringify(payload)));
    });
  }

  it('refuses any change to any signed field', () => {
    const sealed = seal(base());
    const [ role, pid, iid, seq, ts ] = sealed.s.split('|');
    const sender = (changed: Partial<Record<'role' | 'pid' | 'iid' | 'seq' | 'ts', string>>) =>
      Object.values({ role, pid, iid, seq, ts, ...changed }).join('|');
    const changes: Record<string, Record<string, unknown>> = {
      kid: { kid: 'ffffffffffffffff' }, role: { s: sender({ role: 'agent' }) }, pid: { s: sender({ pid: '1' }) }, iid: { s: sender({ iid: 'other' }) },
      seq: { s: sender({ seq: '2' }) }, ts: { s: sender({ ts: String(Number(ts) + 1) }) }, to: { to: 'app' }, enc: { enc: 1 }, p: { p: '{"text":"x"}' },
    };
    for (const [ field, change ] of Object.entries(changes)) {
      const result = open({ keys, action: 'demo:action', data: { ...sealed, ...change } });
      assert.equal(result.ok, false, field);
      assert.equal((result as { reason: string }).reason, field === 'kid' ? 'unknown-key' : 'bad-mac', field);
    }
    assert.equal(open({ keys, action: 'demo:action', data: { ...sealed } }).ok, true, 'the unchanged copy verifies');
  });

  it('refuses an envelope delivered under another action', () => {
    assert.deepEqual(roundTrip(seal(base()), 'other:action').ok, false);
  });

  it('classifies what is not a valid envelope', () => {
    const sealed = seal(base());
    assert.equal((open({ keys, action: 'a', data: { text: 'plain' } }) as { reason: string }).reason, 'unsigned');
    assert.equal((open({ keys, action: 'a', data: 'garbage' }) as { reason: string }).reason, 'unsigned');
    assert.equal((open({ keys, action: 'demo:action', data: { ...sealed, s: sealed.s.replace(/\|\d+\|(\d+)$/, '|-1|$1') } }) as { reason: string }).reason, 'malformed');
    assert.equal((open({ keys, action: 'demo:action', data: { ...sealed, s: `${sealed.s}|extra` } }) as { reason: string }).reason, 'malformed');
    assert.equal((open({ keys, action: 'demo:action', data: { ...sealed, $sentinel: ENVELOPE_VERSION - 1 } }) as { reason: string }).reason, 'malformed', 'an older version');
    assert.equal((open({ keys, action: 'demo:action', data: { ...sealed, kid: 'ffffffffffffffff' } }) as { reason: string }).reason, 'unknown-key');
    assert.equal((open({ keys, action: 'demo:action', data: { ...sealed, mac: sealed.mac.slice(0, 42) } }) as { reason: string }).reason, 'bad-mac');
    assert.equal((open({ keys, action: 'demo:action', data: { ...sealed, mac: `${sealed.mac}A` } }) as { reason: string }).reason, 'bad-mac');
  });

  it('refuses lone surrogates, which UTF-8 would hash like U+FFFD', () => {
    const aliased = seal(base({ action: 'demo:\uFFFD', payload: 'a\uFFFD' }));
    assert.equal(open({ keys, action: 'demo:\uFFFD', data: aliased }).ok, true);
    assert.equal((open({ keys, action: 'demo:\uD800', data: aliased }) as { reason: string }).reason, 'malformed');
    assert.equal((open({ keys, action: 'demo:\uFFFD', data: { ...aliased, p: '"a\uDC00"' } }) as { reason: string }).reason, 'malformed');
  });

  it('refuses a signed payload that carries __proto__ or constructor.prototype (prototype poisoning), nested or next to an escape', () => {
    for (const json of [ '{"__proto__":{"polluted":true}}', '{"a":[{"b":"\\u0001","__proto__":{"polluted":true}}]}', '{"constructor":{"prototype":{"polluted":true}}}' ]) {
      const sealed = seal(base({ payload: JSON.parse(json) }));
      assert.equal((roundTrip(sealed) as { reason: string }).reason, 'malformed', json);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual((roundTrip(seal(base({ payload: { constructor: 'a string', text: '__proto__' } }))) as { payload: unknown }).payload, { constructor: 'a string', text: '__proto__' });
  });

  describe('sealing (AES-256-GCM)', () => {
    it('hides the payload and round-trips it', () => {
      const sealed = seal(base({ encrypt: true, payload: { card: '4111 1111 1111 1111' } }));
      assert.ok(!JSON.stringify(sealed).includes('4111'));
      assert.deepEqual((roundTrip(sealed) as { payload: unknown }).payload, { card: '4111 1111 1111 1111' });
    });

    it('refuses to seal with a sequence number that could repeat (the nonce)', () => {
      for (const seq of [ 2 ** 53, -1, 1.5, Number.NaN ]) assert.throws(() => seal(base({ encrypt: true, seq })), /sequence number .* is not a safe non-negative integer/);
    });

    it('never reuses a (key, nonce) pair: another sequence or sender instance gives another ciphertext', () => {
      const texts = [ seal(base({ encrypt: true })), seal(base({ encrypt: true, seq: 2 })), seal(base({ encrypt: true, sender: { ...sender, iid: 'instance-2' } })) ]
        .map(envelope => envelope.p);
      assert.equal(new Set(texts).size, 3);
    });

    it('refuses a flipped ciphertext bit', () => {
      const sealed = seal(base({ encrypt: true }));
      const bytes = Buffer.from(sealed.p as string, 'base64url');
      bytes[0] ^= 1;
      assert.equal(roundTrip({ ...sealed, p: bytes.toString('base64url') }).ok, false);
    });
  });

  it('property: 100,000 random and mutated envelopes never throw and are accepted only when intact', function() {
    this.timeout(120000);
    const genuine = [ seal(base()), seal(base({ encrypt: true, seq: 7 })), seal(base({ payload: undefined, seq: 9 })) ];
    const fields = [ '$sentinel', 'kid', 's', 'to', 'enc', 'p', 'mac' ] as const;
    const mutation = fc.record({
      which: fc.nat({ max: genuine.length - 1 }),
      field: fc.constantFrom(...fields),
      value: fc.oneof(fc.anything(), fc.string(), fc.integer(), fc.constant(undefined)),
      drop: fc.boolean(),
    });
    let accepted = 0;
    fc.assert(fc.property(mutation, ({ which, field, value, drop }) => {
      const envelope: Record<string, unknown> = { ...genuine[which] };
      if (drop) delete envelope[field];
      else envelope[field] = value;
      // `===`, not Object.is: -0 for `enc` is the same number on the wire and must be accepted.
      const unchanged = (drop ? undefined : value) === (genuine[which] as unknown as Record<string, unknown>)[field];
      const result = open({ keys, action: 'demo:action', data: envelope });
      if (result.ok) accepted++;
      return result.ok === unchanged;
    }), { numRuns: 90_000 });
    fc.assert(fc.property(fc.anything(), fc.string(), (data, action) => !open({ keys, action, data }).ok), { numRuns: 10_000 });
    assert.ok(accepted < 90_000);
  });
});

describe('HMAC-SHA256 over precomputed pads', () => {
  it('equals createHmac for any key length and any mix of strings and bytes, up to and past its buffer', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 100 }),
      // any UTF-16 code units, lone surrogates included
      fc.array(fc.oneof(fc.string({ unit: fc.nat({ max: 0xffff }).map(code => String.fromCharCode(code)) }), fc.uint8Array()), { maxLength: 4 }),
      (key, parts) => {
        const keyObject = crypto.createSecretKey(Buffer.from(key));
        const reference = crypto.createHmac('sha256', keyObject);
        for (const part of parts) reference.update(part);
        return new HmacSha256(keyObject).digest(parts).equals(reference.digest());
      }), { numRuns: 500 });
    const key = crypto.createSecretKey(crypto.randomBytes(32));
    const hmac = new HmacSha256(key);
    for (const text of [ 'a', 'é'.repeat(5000), 'x'.repeat(200_000), '', 'y' ]) {
      assert.equal(hmac.digest([ text, Buffer.from('tail') ], 'base64url'), crypto.createHmac('sha256', key).update(text).update('tail').digest('base64url'));
    }
  });
});

describe('replay window', () => {
  it('accepts each sequence number once, in or out of order within the window', () => {
    const windows = new ReplayWindows(64);
    assert.ok([ 0, 1, 2, 5, 4, 3 ].every(seq => windows.accept('s', seq)));
    assert.ok(![ 0, 3, 5 ].some(seq => windows.accept('s', seq)));
  });

  it('refuses numbers that fell out of the window', () => {
    const windows = new ReplayWindows(64);
    windows.accept('s', 1);
    windows.accept('s', 100);
    assert.equal(windows.accept('s', 36), false);
    assert.equal(windows.accept('s', 37), true);
    assert.equal(windows.accept('s', 2000), true);
    assert.equal(windows.accept('s', 1999), true);
    assert.equal(windows.accept('s', 100), false);
  });

  it('takes a batch\'s range of numbers whole, or not at all', () => {
    const windows = new ReplayWindows(64);
    assert.equal(windows.acceptRange('s', 0, 10), true);
    assert.equal(windows.acceptRange('s', 0, 10), false, 'the same batch again');
    assert.equal(windows.acceptRange('s', 9, 5), false, 'overlapping the last number');
    assert.equal(windows.acceptRange('s', 10, 4), true, 'refused ranges recorded nothing');
    assert.equal(windows.acceptRange('s', 14, 100), true, 'a range longer than the window');
    assert.equal(windows.accept('s', 40), false, 'numbers of a long range that fell out of the window stay refused');
    assert.equal(windows.accept('s', 113), false);
    assert.equal(windows.accept('s', 114), true);
  });

  it('keeps senders apart and bounds how many it tracks', () => {
    const windows = new ReplayWindows(64, 3);
    for (const sender of [ 'a', 'b', 'c', 'd' ]) assert.ok(windows.accept(sender, 0));
    assert.equal(windows.trackedSenders, 3);
  });

  it('an evicted sender\'s window made again refuses every number up to its old top (review of round 42, h6 #2)', () => {
    const windows = new ReplayWindows(64, 3);
    assert.ok(windows.acceptRange('a', 0, 11));
    for (const sender of [ 'b', 'c', 'd' ]) assert.ok(windows.accept(sender, 0));
    assert.equal(windows.accept('a', 5), false, 'a replay of an evicted sender\'s message');
    assert.equal(windows.acceptRange('a', 9, 3), false);
    assert.equal(windows.accept('a', 11), true);
  });

  it('property: a random stream never accepts a duplicate inside the window', () => {
    fc.assert(fc.property(fc.array(fc.nat({ max: 300 }), { maxLength: 400 }), seqs => {
      const windows = new ReplayWindows(128);
      const seen = new Set<number>();
      let top = -1;
      for (const seq of seqs) {
        const ok = windows.accept('s', seq);
        if (ok && seen.has(seq)) return false;
        if (!ok && !seen.has(seq) && top - seq < 128) return false;
        if (ok) seen.add(seq);
        top = Math.max(top, ok ? seq : top);
      }
      return true;
    }), { numRuns: 2000 });
  });

  it('property: random batch ranges are taken whole exactly when no number in them was taken or fell out of the window', () => {
    fc.assert(fc.property(fc.array(fc.record({ first: fc.nat({ max: 300 }), count: fc.integer({ min: 1, max: 40 }) }), { maxLength: 200 }), ranges => {
      const windows = new ReplayWindows(128);
      const seen = new Set<number>();
      let top = -1;
      for (const { first, count } of ranges) {
        const numbers = Array.from({ length: count }, (_, i) => first + i);
        const fresh = numbers.every(seq => !seen.has(seq) && top - seq < 128);
        if (windows.acceptRange('s', first, count) !== fresh) return false;
        if (fresh) {
          for (const seq of numbers) seen.add(seq);
          top = Math.max(top, first + count - 1);
        }
      }
      return true;
    }), { numRuns: 2000 });
  });
});

describe('keyring', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir('keyring'); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the agent writes a 0600 key file that app workers read; the same master reuses it', () => {
    const agent = Keyring.forAgent({ runDir: dir });
    assert.equal(fs.statSync(path.join(dir, KEY_FILE)).mode & 0o777, 0o600);
    assert.equal(Keyring.forApp({ runDir: dir }).currentKid, agent.currentKid);
    assert.equal(Keyring.forAgent({ runDir: dir }).currentKid, agent.currentKid, 'an agent restarted by the same master keeps the key');
  });

  it('a worker picks up a new secret on reload', () => {
    Keyring.forAgent({ runDir: dir });
    const app = Keyring.forApp({ runDir: dir });
    const before = app.currentKid;
    fs.rmSync(path.join(dir, KEY_FILE));
    const restarted = Keyring.forAgent({ runDir: dir });
    assert.notEqual(restarted.currentKid, before);
    assert.equal(app.load(), true);
    assert.equal(app.currentKid, restarted.currentKid);
    assert.ok(app.hasKey(before), 'the old key still verifies messages in flight');
  });

  it('reload() reads the key file at most once a second unless forced: a flood of unknown key ids cannot make every one read it (black-box round 40, h4 F1)', () => {
    Keyring.forAgent({ runDir: dir });
    const app = Keyring.forApp({ runDir: dir });
    const reads: string[] = [];
    const open = fs.openSync;
    mm(fs, 'openSync', (...args: Parameters<typeof open>) => {
      reads.push(String(args[0]));
      return open(...args);
    });
    try {
      assert.deepEqual([ app.reload(), app.reload(), app.reload(), app.reload(true) ], [ true, false, false, true ]);
    } finally {
      mm.restore();
    }
    assert.equal(reads.filter(file => file.endsWith(KEY_FILE)).length, 2);
  });

  it('previous secrets verify until their date and never sign', () => {
    const ring = Keyring.forApp({ runDir: dir, secret: 'current-secret-x', previousSecrets: [
      { secret: 'old-but-valid', until: '2999-01-01' }, { secret: 'expired', until: '2000-01-01' },
    ] });
    const kids = [ 'old-but-valid', 'expired' ].map(secret => open({ keys: ring, action: 'a', data: seal({ ...base(), keys: Keyring.forApp({ runDir: dir, secret }) }) }));
    assert.equal(kids[0].ok, false, 'the action differs');
    assert.equal((kids[0] as { reason: string }).reason, 'bad-mac', 'known key: MAC checked');
    assert.equal((kids[1] as { reason: string }).reason, 'unknown-key', 'expired key');
    assert.equal(open({ keys: ring, action: 'demo:action', data: seal({ ...base(), keys: Keyring.forApp({ runDir: dir, secret: 'old-but-valid' }) }) }).ok, true);
  });

  it('a key file someone else could have written is never used: the agent writes its own, a worker refuses it', () => {
    const planted = 'AttackerKnownSecretAttackerKnownSecret0123';
    const file = path.join(dir, KEY_FILE);
    const plant = () => fs.writeFileSync(file, JSON.stringify({ version: 1, masterPid: process.ppid, secret: planted }), { mode: 0o644 });
    const attackerKid = Keyring.forApp({ runDir: dir, secret: planted }).currentKid;
    // Readable by others (mode 0644), as a file planted in a shared run dir is.
    plant();
    fs.chmodSync(file, 0o644);
    assert.throws(() => Keyring.forApp({ runDir: dir }), /sentinel-ipc\.key is missing, unreadable, or not a private file of this user/);
    const agent = Keyring.forAgent({ runDir: dir });
    assert.notEqual(agent.currentKid, attackerKid);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(Keyring.forApp({ runDir: dir }).currentKid, agent.currentKid);
    // A symlink to a file of the right mode elsewhere.
    const elsewhere = path.join(dir, 'elsewhere.key');
    fs.renameSync(file, elsewhere);
    fs.writeFileSync(elsewhere, JSON.stringify({ version: 1, masterPid: process.ppid, secret: planted }), { mode: 0o600 });
    fs.symlinkSync(elsewhere, file);
    assert.throws(() => Keyring.forApp({ runDir: dir }), /not a private file of this user/);
    assert.notEqual(Keyring.forAgent({ runDir: dir }).currentKid, attackerKid);
    assert.ok(!fs.lstatSync(file).isSymbolicLink(), 'the agent replaced the link with its own file');
    // A FIFO, which a blocking open would wait on for ever (black-box round 21).
    fs.rmSync(file);
    execFileSync('mkfifo', [ '-m', '600', file ]);
    assert.throws(() => Keyring.forApp({ runDir: dir }), /not a private file of this user/);
    assert.notEqual(Keyring.forAgent({ runDir: dir }).currentKid, attackerKid);
    assert.ok(fs.lstatSync(file).isFile(), 'the agent replaced the FIFO with its own file');
  });

  it('a worker without a key file gets a clear error', () => {
    assert.throws(() => Keyring.forApp({ runDir: dir }), /no IPC secret: .*sentinel-ipc\.key is missing/);
  });
});

describe('SEN501 / SEN502', () => {
  it('SEN501 fires for off and report outside development envs', () => {
    assert.deepEqual(ipcProtectionOff.check(fakeFacts(), { developmentEnv: false }), []);
    assert.equal(ipcProtectionOff.check(fakeFacts({ ipc: { mode: 'off' } }), { developmentEnv: false })[0].severity, 'high');
    assert.equal(ipcProtectionOff.check(fakeFacts({ ipc: { mode: 'report' } }), { developmentEnv: true })[0].severity, 'low');
  });

  it('SEN502 fires for a weak secret or one written in the app\'s files, not for a generated one, nor one read from a secret file or the environment', () => {
    assert.deepEqual(weakIpcSecret.check(fakeFacts(), { developmentEnv: false }), []);
    const [ weak ] = weakIpcSecret.check(fakeFacts({ ipc: { secretSource: 'environment', secretBits: 90 } }), { developmentEnv: false });
    assert.match(weak.message, /about 90 bits/);
    const secret = crypto.randomBytes(32).toString('base64url');
    const configured = (text: string, environmentValues = new Set<string>()) => fakeFacts({
      config: { sentinel: { ipc: { secret } } }, meta: { 'sentinel.ipc.secret': 'config/config.prod.ts' }, files: { configTexts: { 'config/config.prod.ts': text } }, runtime: { environmentValues },
      ipc: { secretSource: 'config', secretProvenance: 'config/config.prod.ts' },
    });
    const [ inFile ] = weakIpcSecret.check(configured(`export default { sentinel: { ipc: { secret: '${secret}' } } };`), { developmentEnv: false });
    assert.match(inFile.message, /written in config\/config\.prod\.ts, not taken from the environment or a secret file outside the app/);
    assert.equal(inFile.source, 'config/config.prod.ts');
    // Read from a mounted secret file, or from the environment: no file of the app holds it (black-box round 32, h108 F10).
    const read = "export default { sentinel: { ipc: { secret: fs.readFileSync('/run/secrets/ipc', 'utf8').trim() } } };";
    assert.deepEqual(weakIpcSecret.check(configured(read), { developmentEnv: false }), []);
    assert.deepEqual(weakIpcSecret.check(configured('export default { sentinel: { ipc: { secret: process.env.IPC } } };', new Set([ secret ])), { developmentEnv: false }), []);
  });

  it('SEN503: an unsupported cluster-client version is critical; switching the protection off is high', () => {
    assert.deepEqual(clusterClientUnprotected.check(fakeFacts(), { developmentEnv: false }), []);
    const [ unsupported ] = clusterClientUnprotected.check(fakeFacts({ ipc: { clusterClient: { state: 'unsupported', version: '4.0.0' } } }), { developmentEnv: true });
    assert.equal(unsupported.severity, 'critical');
    assert.match(unsupported.message, /cluster-client 4\.0\.0 is not a version egg-sentinel can protect/);
    const [ off ] = clusterClientUnprotected.check(fakeFacts({ ipc: { clusterClient: { state: 'off' } } }), { developmentEnv: false });
    assert.equal(off.severity, 'high');
    assert.equal(clusterClientUnprotected.check(fakeFacts({ ipc: { mode: 'off', clusterClient: { state: 'off' } } }), { developmentEnv: false }).length, 1,
      'the channel is independent of the messenger mode (SEN501)');
    assert.deepEqual(clusterClientUnprotected.check(fakeFacts({ ipc: { mode: 'off' } }), { developmentEnv: false }), [], 'messenger off, channel on');
  });

  it("SEN503: another loaded cluster-client copy that is not protected is high (low in local/unittest); a protected one, or the protection off, adds none", () => {
    const copy = { path: 'lib/plugin/egg-registry/node_modules/cluster-client', version: '3.6.0', process: 'agent' as const };
    const protectedCopy = { ...copy, path: 'node_modules/other/node_modules/cluster-client', version: '3.7.0', protected: true };
    const [ hit, ...more ] = clusterClientUnprotected.check(fakeFacts({ ipc: { clusterClientCopies: [{ ...copy, protected: false }, protectedCopy ] } }), { developmentEnv: false });
    assert.deepEqual(more, []);
    assert.equal(hit.severity, 'high');
    assert.equal(hit.target, copy.path);
    assert.match(hit.message, /^cluster-client 3\.6\.0 at lib\/plugin\/egg-registry\/node_modules\/cluster-client, loaded by the agent besides egg's own copy, is not protected .* Dedupe it/);
    assert.equal(clusterClientUnprotected.check(fakeFacts({ ipc: { clusterClientCopies: [{ ...copy, protected: false }] } }), { developmentEnv: true })[0].severity, 'low');
    const [ off, ...none ] = clusterClientUnprotected.check(fakeFacts({ ipc: { clusterClient: { state: 'off' }, clusterClientCopies: [{ ...copy, protected: false }] } }), { developmentEnv: false });
    assert.equal(off.target, 'sentinel.ipc.clusterClient');
    assert.deepEqual(none, [], "ipc.clusterClient: 'off' is reported once, for every copy");
  });

  it('SEN502 judges each previous secret, which still verifies messages, and the secret while only the channel uses it', () => {
    const soon = { until: '2026-12-01', daysLeft: 2 };
    const facts = fakeFacts({ ipc: { secretSource: 'environment', secretBits: 300, previousSecrets: [{ bits: 300, ...soon }, { bits: 12, ...soon }] },
      config: { sentinel: { ipc: { previousSecrets: [{ secret: 'from-a-file-outside-the-app' }, { secret: 'abc' }] } } }, meta: { 'sentinel.ipc.previousSecrets': 'config/config.prod.js', 'sentinel.ipc.previousSecrets.secret': 'config/config.prod.js' },
      files: { configTexts: { 'config/config.prod.js': "previousSecrets: [{ secret: read('/run/secrets/old'), until }, { secret: 'abc', until }]" } } });
    const hits = weakIpcSecret.check(facts, { developmentEnv: false });
    assert.deepEqual(hits.map(hit => hit.target), [ 'sentinel.ipc.previousSecrets[1]' ]);
    assert.match(hits[0].message, /previous IPC secret #2, which still verifies messages until its date, carries about 12 bits .* and is written in config\/config\.prod\.js/);
    // One that verifies for years is no rotation (black-box round 22); the date is counted from when the facts were collected.
    const years = collectIpcFacts({ previousSecrets: [{ secret: 'x'.repeat(8), until: '2099-01-01' }] }, {}, () => undefined, [], { display: String }, { now: Date.parse('2026-11-29T12:00:00Z') }).previousSecrets[0];
    assert.deepEqual([ years.until, years.daysLeft ], [ '2099-01-01', 26332 ]);
    // A date-time (what a Date in the config becomes) ends at its instant, as the keyring reads it.
    const instant = collectIpcFacts({ previousSecrets: [{ secret: 'x'.repeat(8), until: '2027-06-17T12:00:00.000Z' }] }, {}, () => undefined, [], { display: String }, { now: Date.parse('2026-11-29T12:00:00Z') }).previousSecrets[0];
    assert.equal(instant.daysLeft, 200);
    const [ late ] = weakIpcSecret.check(fakeFacts({ ipc: { secretSource: 'environment', secretBits: 300, previousSecrets: [{ ...years, bits: 300 }] } }), { developmentEnv: false });
    assert.match(late?.message ?? '', /previous IPC secret #1, which still verifies messages until its date, stays valid for 26332 more days \(until 2099-01-01; at most 90 make a rotation\)$/);
    // Past its date it verifies nothing: low, whatever it is (black-box round 42, h3 F4).
    const expired = weakIpcSecret.check(fakeFacts({ ipc: { secretSource: 'environment', secretBits: 300, previousSecrets: [{ bits: 6, until: '2020-01-01', daysLeft: -2524 }] } }), { developmentEnv: false });
    assert.deepEqual(expired.map(hit => [ hit.severity, hit.target, hit.message ]), [[ 'low', 'sentinel.ipc.previousSecrets[0]', 'the previous IPC secret #1 expired on 2020-01-01 and verifies no message now' ]]);
    const channelOnly = fakeFacts({ ipc: { mode: 'off', secretSource: 'environment', secretBits: 40 } });
    assert.equal(weakIpcSecret.check(channelOnly, { developmentEnv: false }).length, 1);
    assert.deepEqual(weakIpcSecret.check(fakeFacts({ ipc: { mode: 'off', clusterClient: { state: 'off' }, secretSource: 'environment', secretBits: 40 } }), { developmentEnv: false }), []);
  });

  it('SEN502 judges a secret as SEN201 judges cookie keys: mostly words or well-known text, also transformed or encoded, carries what remains (black-box round 30, h106 F2)', () => {
    const words = 'this-is-the-ipc-secret-of-h106app-for-production-use-only-2024-ok';
    const piHex = '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89';
    // Counted by its characters, each secret passed.
    assert.ok(estimateSecretBits(words) >= 256 && estimateSecretBits(piHex) >= 256);
    const collect = (env: NodeJS.ProcessEnv, ipc = {}) => collectIpcFacts(ipc, env, () => undefined, [], { display: String }, { appName: 'h106app' });
    for (const [ secret, weakness ] of <Array<[ string, RegExp ]>> [
      [ words, /^it is mostly the app's name and words keys are made of/ ],
      [ piHex, /^it is mostly well-known text/ ],
      [ [ ...words ].reverse().join(''), /^read backwards, it is mostly the app's name and words/ ],
      [ 'th1s-1s-th3-1pc-s3cr3t-0f-h106app-f0r-pr0duct10n-us3-0nly-2024-0k', /^with its leetspeak undone, it is mostly the app's name and words/ ],
      [ Buffer.from(words).toString('base64'), /^it is base64 of text that is guessable: it is mostly the app's name and words/ ],
    ]) {
      const facts = collect({ EGG_SENTINEL_IPC_SECRET: secret });
      assert.ok(facts.secretBits < 256, `${secret}: ${facts.secretBits}`);
      assert.match(facts.secretWeakness ?? '', weakness);
      const [ hit ] = weakIpcSecret.check(fakeFacts({ ipc: facts }), { developmentEnv: false });
      assert.match(hit.message, new RegExp(`^the IPC secret carries about ${facts.secretBits} bits of entropy \\(at least 256 needed\\): ${weakness.source.slice(1)}`));
      assert.ok(!hit.message.includes(secret.slice(0, 12)), hit.message);
      // A previous secret, which still verifies messages, is judged the same way.
      const previous = collect({}, { previousSecrets: [{ secret, until: '2999-01-01' }] }).previousSecrets[0];
      assert.deepEqual([ previous.bits, previous.weakness ], [ facts.secretBits, facts.secretWeakness ]);
    }
    const keygen = crypto.randomBytes(32).toString('base64url');
    assert.deepEqual(weakIpcSecret.check(fakeFacts({ ipc: collect({ EGG_SENTINEL_IPC_SECRET: keygen }) }), { developmentEnv: false }), []);
  });

  it('SEN502: a secret that is the digest of the app\'s name or of a guessable word is weak, as SEN201 says of such keys (review of round 32\'s fixes)', () => {
    const collect = (secret: string) => collectIpcFacts({}, { EGG_SENTINEL_IPC_SECRET: secret }, () => undefined, [], { display: String }, { appName: 'h106app' });
    for (const secret of [ crypto.createHash('sha256').update('h106app').digest('hex'), crypto.createHash('sha512').update('secret').digest('base64') ]) {
      const facts = collect(secret);
      assert.equal(facts.secretBits, 0, secret);
      assert.match(facts.secretWeakness ?? '', /MD5\/SHA digest of a guessable word/);
      assert.equal(weakIpcSecret.check(fakeFacts({ ipc: facts }), { developmentEnv: false }).length, 1);
    }
    assert.ok(collect(crypto.createHash('sha256').update(crypto.randomBytes(32)).digest('hex')).secretBits >= 256, 'a digest of random bytes is random');
  });

  it('estimates secret strength', () => {
    assert.ok(estimateSecretBits(crypto.randomBytes(32).toString('base64url')) >= 256);
    assert.ok(estimateSecretBits(crypto.randomBytes(32).toString('hex')) >= 256);
    assert.ok(estimateSecretBits('my-super-secret-ipc-password-for-prod-2024') < 256);
    for (const weak of [ 'a'.repeat(200), 'ab'.repeat(100), 'abcd1234'.repeat(20), crypto.randomBytes(8).toString('hex').repeat(8) ]) assert.ok(estimateSecretBits(weak) < 256, weak);
    // Runs and repeats inside a secret (black-box round 10): the alphabet in order, a near-repeat, a repeated passphrase.
    for (const weak of [
      'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
      '0123456789abcdef0123456789abcdeg0123456789abcdef0123456789abcdex',
      'correct horse battery staple correct horse battery staple x',
      `${crypto.randomBytes(12).toString('base64url')}${'9876543210'.repeat(2)}${crypto.randomBytes(4).toString('hex')}`,
      // A keyboard walk, a run by twos, a passphrase repeated with other case and separators (black-box round 10).
      'qwertyuiopasdfghjklzxcvbnmQWERTYUIOPASDFGHJKLZXCVBNM1234567890',
      'acegikmoqsuwyACEGIKMOQSUWY02468bdfhjlnprtvxzBDFHJLNPRTVXZ13579',
      'correct-horse-battery-staple|Correct_Horse_Battery_Staple|CORRECT.HORSE.BATTERY.STAPLE',
    ]) assert.ok(estimateSecretBits(weak) < 256, `${weak}: ${estimateSecretBits(weak)}`);
    // A random key's chance runs and repeats leave its estimate alone: 2000 keys of each kind keygen and users make.
    for (let round = 0; round < 2000; round++) {
      for (const strong of [ crypto.randomBytes(32).toString('base64url'), crypto.randomBytes(32).toString('hex'), crypto.randomBytes(48).toString('base64') ]) {
        assert.ok(estimateSecretBits(strong) >= 256, strong);
      }
    }
  });
});
