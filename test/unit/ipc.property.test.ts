/**
 * Properties of the IPC code under hostile input: open() on damaged and random envelopes, the replay window against
 * a model, and the cluster-client channel (handshake and record reader) with an attacker relaying every byte.
 * test/unit/ipc.test.ts covers single-field changes of envelopes; `npm run fuzz` runs the same oracles for minutes.
 */
import assert from 'node:assert';
import fc from 'fast-check';
import { isApiMethod } from '../../lib/ipc/cluster-client';
import { open, seal } from '../../lib/ipc/envelope';
import {
  checkHandshake, checkOpen, checkReplay, checkSession, close, endpoint, envelopeCase, feed, flood, genuineEnvelopes, keyringFor,
  MAX_BUFFERED, mutateBytes, relayedSession, replayCase, seededRandom,
} from './fuzz-harness';

/** A seed for the harness's PRNG: a failure prints the seed that replays it (fc.gen() is too slow per byte). */
const random = fc.nat().map(seed => Object.assign(seededRandom(seed), { toString: () => `seededRandom(${seed})` }));

describe('property: envelope open() on damaged input', () => {
  const keys = keyringFor();
  const genuine = genuineEnvelopes(keys);
  const foreign = genuineEnvelopes(keyringFor());

  it('returns a verdict for 20,000 mutated, spliced, byte-damaged and random envelopes, accepting only genuine meaning', function() {
    this.timeout(120_000);
    const outcomes = new Map<string, number>();
    fc.assert(fc.property(random, rng => {
      const input = envelopeCase(rng, genuine, foreign);
      if (input.kind === 'unparseable') return true;
      const { outcome, problem } = checkOpen(keys, input, genuine);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      assert.equal(problem, undefined);
    }), { numRuns: 20_000 });
    // The mutations reach every stage of open(), not only the first type check.
    for (const reason of [ 'unsigned', 'malformed', 'unknown-key', 'bad-mac', 'ok' ]) assert.ok((outcomes.get(reason) ?? 0) > 0, `${reason}: ${JSON.stringify([ ...outcomes ])}`);
  });

  it('refuses sealed payloads carrying __proto__ or constructor.prototype at any depth, and nothing is polluted', () => {
    const nested = [ '{"__proto__":{"polluted":true}}', '{"a":[{"constructor":{"prototype":{"polluted":true}}}]}', '[[[{"x":{"__proto__":{"polluted":1}}}]]]' ];
    for (const [ index, json ] of nested.entries()) {
      const envelope = seal({ keys, sender: { role: 'agent', pid: 7, iid: 'proto' }, seq: index, ts: 0, to: 'app', action: 'a', payload: JSON.parse(json), encrypt: index === 1 });
      const result = open({ keys, action: 'a', data: JSON.parse(JSON.stringify(envelope)) });
      assert.equal(result.ok ? 'ok' : result.reason, 'malformed', json);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('property: replay window', () => {
  it('agrees with a set-based model for any window size, sender count and sequence jumps, and bounds its senders', () => {
    fc.assert(fc.property(random, rng => assert.equal(checkReplay(replayCase(rng)), undefined)), { numRuns: 1500 });
  });
});

describe('property: cluster-client channel with an attacker relaying every byte', () => {
  const keys = keyringFor();

  it('an untouched session delivers everything both ways, in chunks of any size, plain and encrypted', () => {
    fc.assert(fc.property(random, fc.boolean(), (rng, encrypt) => {
      const session = relayedSession(rng, keys, encrypt, bytes => bytes);
      try {
        assert.equal(checkSession(session, true), undefined);
      } finally {
        close(session.leader, session.follower);
      }
    }), { numRuns: 150 });
  });

  it('tampered bytes (flips, inserts, deletions, duplicated and swapped ranges, truncation) are never delivered', () => {
    let refused = 0;
    fc.assert(fc.property(random, fc.boolean(), fc.integer({ min: 1, max: 4 }), (rng, encrypt, oneIn) => {
      const captured: Buffer[] = [];
      const session = relayedSession(rng, keys, encrypt, bytes => {
        captured.push(bytes);
        return rng.int(oneIn) ? bytes : mutateBytes(rng, bytes, captured[rng.int(captured.length)]);
      });
      try {
        assert.equal(checkSession(session, false), undefined);
        if (session.leader.failures.length || session.follower.failures.length) refused++;
      } finally {
        close(session.leader, session.follower);
      }
    }), { numRuns: 400 });
    assert.ok(refused > 100, `${refused} of 400 sessions saw their tampering refused`);
  });

  it('a damaged or replaced AUTH, HELLO or OK never opens a channel', () => {
    fc.assert(fc.property(random, fc.constantFrom('leader' as const, 'follower' as const), (rng, target) => {
      assert.equal(checkHandshake(rng, keys, target), undefined);
    }), { numRuns: 1500 });
  });

  it('random bytes never open a channel, on either side', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.constantFrom('leader' as const, 'follower' as const), (bytes, role) => {
      const end = endpoint(role, keys, false);
      try {
        feed(end, Buffer.from(bytes));
        assert.equal(end.problem, undefined);
        assert.equal(end.socket.established, false);
        assert.deepEqual(end.delivered, []);
      } finally {
        close(end);
      }
    }), { numRuns: 1000 });
  });

  it('a record announcing more than the largest record closes the channel at once, holding 4 bytes', () => {
    const leader = flood(keys, 0xffffffff, 1024 * 1024);
    assert.deepEqual(leader.failures, [ 'malformed' ]);
    assert.equal(leader.problem, undefined);
    assert.ok(leader.maxBuffered <= 4, `${leader.maxBuffered}`);
  });

  it('a record of the largest size with a bad MAC is held once, then refused; what follows is not buffered', () => {
    const leader = flood(keys, MAX_BUFFERED - 4 - 32, 8 * 1024 * 1024);
    assert.deepEqual(leader.failures, [ 'bad-mac' ]);
    assert.equal(leader.problem, undefined);
    assert.ok(leader.maxBuffered < MAX_BUFFERED + 64 * 1024, `${leader.maxBuffered}`);
    assert.deepEqual(leader.delivered, []);
  });
});

describe('property: cluster-client invoke filter', () => {
  it('allows only names the client API delegates to invoke/invokeOneway/publish, never _private ones', () => {
    const descriptors = new Map([ [ 'getData', { type: 'delegate', to: 'invoke' } ], [ '_secret', { type: 'delegate', to: 'invoke' } ], [ 'subscribe', { type: 'subscribe' } ] ]);
    fc.assert(fc.property(fc.oneof(fc.string(), fc.constantFrom('getData', '_secret', 'subscribe', '__proto__', 'constructor', 'toString'), fc.anything()), method => {
      assert.equal(isApiMethod(descriptors, method), method === 'getData');
    }), { numRuns: 2000 });
  });
});
