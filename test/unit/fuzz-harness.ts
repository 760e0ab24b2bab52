/**
 * Inputs and oracles shared by the property tests (fast-check, in CI) and `npm run fuzz` (scripts/fuzz.js, long
 * runs): genuine sealed envelopes and channel records, mutations of them, and what each target must never do.
 * Each check returns a problem description, or undefined when the target behaved.
 */
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { type Envelope, ENVELOPE_VERSION, open, seal, type Sender } from '../../lib/ipc/envelope';
import { Keyring } from '../../lib/ipc/keyring';
import { ReplayWindows } from '../../lib/ipc/replay-window';
import { type ChannelFailure, type ChannelRole, SecureSocket } from '../../lib/ipc/secure-socket';

/** Uniform integers in [0, max): fast-check's generator in the property tests, a seeded PRNG in the fuzz script. */
export interface Random {
  int(max: number): number;
}

/** mulberry32: small, fast and reproducible from a 32-bit seed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return {
    int(max) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * max);
    },
  };
}

const pick = <T>(rng: Random, items: readonly T[]): T => items[rng.int(items.length)];
const randomBytes = (rng: Random, length: number) => Buffer.from(Array.from({ length }, () => rng.int(256)));

/** A keyring with a configured secret: nothing is read from or written to disk. */
export function keyringFor(secret = crypto.randomBytes(32).toString('base64url')): Keyring {
  return Keyring.forApp({ runDir: '/nonexistent/egg-sentinel-fuzz', secret });
}

// ---------------------------------------------------------------------------------------------------------------
// Envelopes (lib/ipc/envelope.ts open)

export interface Genuine {
  action: string;
  envelope: Envelope;
}

/** Nested arrays `depth` deep: a deep but legitimate payload. */
function deepArray(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [ value ];
  return value;
}

/** Envelopes sealed by `keys` as a sender would: every receiver kind, plain and sealed, small to large payloads. */
export function genuineEnvelopes(keys: Keyring): Genuine[] {
  const sender: Sender = { role: 'app', pid: 4242, iid: 'fuzz-instance' };
  const payloads: unknown[] = [
    undefined, null, 0, '', 'text', [ 1, 'two' ], { nested: { deep: [ true ] } }, { text: 'héllo 🥚', n: -1.5e300 },
    deepArray(400), { blob: 'x'.repeat(16 * 1024) },
  ];
  const receivers = [ 'agent', 'app', 'both', '31337' ] as const;
  return payloads.map((payload, index) => {
    const action = index % 3 ? 'demo:action' : `sentinel-fuzz:${index}`;
    const envelope = seal({
      keys, sender: index % 4 === 3 ? { ...sender, role: 'agent' } : sender, seq: index * 7, ts: 1_764_000_000_000 + index,
      to: receivers[index % receivers.length], action, payload, encrypt: index % 2 === 1,
    });
    return { action, envelope };
  });
}

/** The fields of an envelope on the wire (v2: the sender travels packed in `s`), which mutations target. */
const FIELDS = [ '$sentinel', 'kid', 's', 'to', 'enc', 'p', 'mac' ] as const;
/** The MAC-covered meaning of an opened envelope (what `open` returns): an accepted input must carry exactly these. */
const SIGNED = [ 'kid', 'role', 'pid', 'iid', 'seq', 'ts', 'to', 'act', 'enc', 'p' ] as const;
const PROTO_KEYS = [ '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty' ];

/** Values that confuse type checks: numbers near limits, numeric strings, wrappers, prototype tricks. */
function interesting(rng: Random, genuine: Genuine[]): unknown {
  const other = pick(rng, genuine).envelope as unknown as Record<string, unknown>;
  const choices: Array<() => unknown> = [
    () => pick(rng, [ undefined, null, true, false, 0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e308, Infinity, NaN ]),
    () => pick(rng, [ '', '0', '1', '-0', '1e3', ' 1', '0x10', 'app', 'agent', 'both', '00', '4242', '\u0000', '\ud800', '🥚', '%00' ]),
    () => pick(rng, [ 'x'.repeat(65), 'A'.repeat(43), 'A'.repeat(42), `${'A'.repeat(42)}=`, 'ffffffffffffffff', 'x'.repeat(200_000) ]),
    () => pick(rng, [ [], [ 1 ], {}, { length: 43 }, [ 'app' ], Object.create(null) ]),
    () => JSON.parse(pick(rng, [ '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}' ])),
    // a String object fails every typeof check but stringifies as the text
    () => new String(String(other[pick(rng, FIELDS)])),
    () => Buffer.from('app'),
    () => other[pick(rng, FIELDS)],
    () => randomJson(rng, 3),
  ];
  return pick(rng, choices)();
}

/** A random JSON value up to `depth` levels, keys sometimes prototype names. */
export function randomJson(rng: Random, depth: number): unknown {
  const kind = rng.int(depth > 0 ? 7 : 5);
  switch (kind) {
    case 0: return null;
    case 1: return rng.int(2) === 1;
    case 2: return pick(rng, [ rng.int(1000), -rng.int(1000), rng.int(2 ** 30) / 7, 2 ** 53 ]);
    case 3: return randomBytes(rng, rng.int(12)).toString('latin1');
    case 4: return pick(rng, [ ...FIELDS, ...PROTO_KEYS ]);
    case 5: return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth - 1));
    default: return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [ pick(rng, [ ...FIELDS, ...PROTO_KEYS, 'x' ]), randomJson(rng, depth - 1) ]));
  }
}

/** Edits to a string field: bit flips, inserts, deletes, truncation, case, padding. */
function mutateString(rng: Random, text: string): string {
  const at = rng.int(text.length + 1);
  switch (rng.int(7)) {
    case 0: return text.length ? text.slice(0, at) + String.fromCharCode(text.charCodeAt(Math.min(at, text.length - 1)) ^ (1 << rng.int(7))) + text.slice(at + 1) : 'A';
    case 1: return text.slice(0, at) + String.fromCharCode(rng.int(0x10000)) + text.slice(at);
    case 2: return text.slice(0, at) + text.slice(at + 1 + rng.int(4));
    case 3: return text.slice(0, at);
    case 4: return rng.int(2) ? text.toUpperCase() : text.toLowerCase();
    case 5: return `${text}${pick(rng, [ '=', '==', ' ', '\n', '.', 'A' ])}`;
    default: return text + text.slice(0, at);
  }
}

function mutateNumber(rng: Random, value: number): unknown {
  return pick(rng, [ value + 1, value - 1, -value, value * 2, value + 0.5, String(value), value + 2 ** 53, [ value ] ]);
}

/** Bytes of a JSON text: flips, random bytes, deletions, duplicated ranges, truncation, splices from another text. */
export function mutateBytes(rng: Random, bytes: Buffer, donor?: Buffer): Buffer {
  if (!bytes.length) return randomBytes(rng, 1 + rng.int(8));
  const at = rng.int(bytes.length);
  const span = 1 + rng.int(Math.min(64, bytes.length - at));
  switch (rng.int(8)) {
    case 0: {
      const copy = Buffer.from(bytes);
      copy[at] ^= 1 << rng.int(8);
      return copy;
    }
    case 1: {
      const copy = Buffer.from(bytes);
      copy[at] = rng.int(256);
      return copy;
    }
    case 2: return Buffer.concat([ bytes.subarray(0, at), randomBytes(rng, 1 + rng.int(16)), bytes.subarray(at) ]);
    case 3: return Buffer.concat([ bytes.subarray(0, at), bytes.subarray(at + span) ]);
    case 4: return Buffer.concat([ bytes.subarray(0, at + span), bytes.subarray(at, at + span), bytes.subarray(at + span) ]);
    case 5: return bytes.subarray(0, at);
    case 6: {
      // two ranges swapped: reordering
      const other = rng.int(bytes.length);
      const [ a, b ] = at < other ? [ at, other ] : [ other, at ];
      return Buffer.concat([ bytes.subarray(0, a), bytes.subarray(b, bytes.length), bytes.subarray(a, b) ]);
    }
    default: {
      if (!donor?.length) return bytes.subarray(at);
      const from = rng.int(donor.length);
      return Buffer.concat([ bytes.subarray(0, at), donor.subarray(from, from + 1 + rng.int(256)), bytes.subarray(at + span) ]);
    }
  }
}

export type EnvelopeInput =
  | { kind: 'data'; original: Genuine; action: string; data: unknown }
  | { kind: 'unparseable'; original: Genuine };

/** One input for open(): a genuine envelope changed by 1-3 mutations, or random data. */
export function envelopeCase(rng: Random, genuine: Genuine[], foreign: Genuine[]): EnvelopeInput {
  const original = pick(rng, genuine);
  const strategy = rng.int(10);
  if (strategy === 0) return { kind: 'data', original, action: original.action, data: randomJson(rng, 4) };
  if (strategy === 1) {
    // envelope-shaped, every field random
    const data: Record<string, unknown> = { $sentinel: ENVELOPE_VERSION };
    for (const name of FIELDS.slice(1)) if (rng.int(6)) data[name] = interesting(rng, genuine);
    return { kind: 'data', original, action: original.action, data };
  }
  if (strategy === 2) {
    // what the messenger delivers: a JSON text, here with its bytes damaged
    const text = mutateBytes(rng, Buffer.from(JSON.stringify(original.envelope)), Buffer.from(JSON.stringify(pick(rng, genuine).envelope)));
    try {
      return { kind: 'data', original, action: original.action, data: JSON.parse(text.toString('utf8')) };
    } catch {
      return { kind: 'unparseable', original };
    }
  }
  if (strategy === 3) return { kind: 'data', original, action: original.action, data: { ...pick(rng, foreign).envelope } };
  const data: Record<string, unknown> = { ...original.envelope };
  let action = original.action;
  for (let step = 1 + rng.int(3); step > 0; step--) {
    const name = pick(rng, FIELDS);
    const value = data[name];
    switch (rng.int(7)) {
      case 0: delete data[name]; break;
      case 1: data[name] = interesting(rng, genuine); break;
      case 2: data[name] = typeof value === 'string' ? mutateString(rng, value) : interesting(rng, genuine); break;
      case 3: data[name] = typeof value === 'number' ? mutateNumber(rng, value) : interesting(rng, genuine); break;
      // splice: the same field of another genuine envelope
      case 4: data[name] = (pick(rng, genuine).envelope as unknown as Record<string, unknown>)[name]; break;
      case 5: Object.defineProperty(data, pick(rng, PROTO_KEYS), { value: randomJson(rng, 2), enumerable: true, configurable: true, writable: true }); break;
      default: action = rng.int(2) ? mutateString(rng, action) : pick(rng, genuine).action;
    }
  }
  return { kind: 'data', original, action, data };
}

const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).join();
const PROTOTYPE_KEYS = prototypeKeys();

/** The MAC-covered meaning of an envelope and the action it travels under, with types (a "7" is not a 7). */
function meaning(envelope: Record<string, unknown>, action: string): string {
  return JSON.stringify([ ...SIGNED.map(name => `${typeof envelope[name]}:${String(envelope[name])}`), action ]);
}

/**
 * open() must return (never throw), and accept only an envelope whose every MAC-covered field, and the action it
 * arrived under, are those of an envelope sealed with the key: usually the one the input was made from, but a splice
 * (JSON keeps the last of duplicate keys) can rebuild another one whole, which is a replay for the caller's window to
 * catch, not a forgery. Nothing may reach Object.prototype.
 */
export function checkOpen(keys: Keyring, input: EnvelopeInput & { kind: 'data' }, genuine: readonly Genuine[] = [ input.original ]): { outcome: string; problem?: string } {
  let result: ReturnType<typeof open>;
  try {
    result = open({ keys, action: input.action, data: input.data });
  } catch (error) {
    return { outcome: 'threw', problem: `open threw ${(error as Error)?.stack ?? String(error)}` };
  }
  if (prototypeKeys() !== PROTOTYPE_KEYS || ({} as Record<string, unknown>).polluted !== undefined) {
    return { outcome: result.ok ? 'ok' : result.reason, problem: 'Object.prototype was changed' };
  }
  if (!result.ok) return { outcome: result.reason };
  const accepted = meaning(result.envelope as unknown as Record<string, unknown>, input.action);
  if (meaning(input.original.envelope as unknown as Record<string, unknown>, input.original.action) === accepted) return { outcome: 'ok' };
  if (genuine.some(entry => meaning(entry.envelope as unknown as Record<string, unknown>, entry.action) === accepted)) return { outcome: 'ok (another sealed envelope rebuilt whole: a replay)' };
  const original = input.original.envelope as unknown as Record<string, unknown>;
  const changed = SIGNED.filter(name => (result.envelope as unknown as Record<string, unknown>)[name] !== original[name]);
  return { outcome: 'ok', problem: `accepted an envelope no seal() produced; it differs from the one it was made from in ${[ ...changed, ...(input.action !== input.original.action ? [ 'action' ] : []) ].join(', ')}` };
}

/** A printable, bounded form of a failing input for the results file. */
export function describeInput(value: unknown, limit = 600): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `${item}n` : item)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > limit ? `${text.slice(0, limit)}… (${text.length} chars)` : text;
}

// ---------------------------------------------------------------------------------------------------------------
// Replay windows (lib/ipc/replay-window.ts), against a model that keeps every accepted number in a Set

export interface ReplayCase {
  size: number;
  maxSenders: number;
  ops: Array<[ sender: string, seq: number ]>;
}

export function replayCase(rng: Random): ReplayCase {
  const size = pick(rng, [ 1, 7, 8, 12, 64, 100, 1024 ]);
  const maxSenders = 1 + rng.int(5);
  const senders = Array.from({ length: 1 + rng.int(8) }, (_, i) => `s${i}`);
  let base = pick(rng, [ 0, 2 ** 31, 2 ** 53 - 5000 ]);
  const ops = Array.from({ length: 1 + rng.int(300) }, (): [ string, number ] => {
    const jump = pick(rng, [ 0, 1, 1, 2, 3, size - 1, size, size + 1, 1000 ]);
    if (rng.int(4) === 0) base = Math.min(base + jump, 2 ** 53 - 1);
    const seq = Math.max(0, Math.min(2 ** 53 - 1, base - rng.int(size + 3) + rng.int(3)));
    return [ pick(rng, senders), seq ];
  });
  return { size, maxSenders, ops };
}

/**
 * Each number is accepted once per sender while it is inside the window (the highest seen and the `size` below it),
 * never below it; senders beyond `maxSenders` are forgotten least recently active first, and memory stays bounded.
 */
export function checkReplay({ size, maxSenders, ops }: ReplayCase): string | undefined {
  const windows = new ReplayWindows(size, maxSenders);
  const model = new Map<string, { top: number; seen: Set<number> }>();
  // Evicted senders' tops (4 per tracked sender, the oldest forgotten): a window made again starts there, all seen.
  const evicted = new Map<string, number>();
  for (const [ index, [ sender, seq ] ] of ops.entries()) {
    let state = model.get(sender);
    if (!state) {
      const top = evicted.get(sender);
      state = top === undefined ? { top: -1, seen: new Set() } : { top, seen: new Set(Array.from({ length: size }, (_, at) => top - at).filter(old => old >= 0)) };
      evicted.delete(sender);
      if (model.size >= maxSenders) {
        const [ oldest, window ] = model.entries().next().value as [ string, { top: number } ];
        model.delete(oldest);
        evicted.set(oldest, window.top);
        if (evicted.size > maxSenders * 4) evicted.delete(evicted.keys().next().value as string);
      }
    }
    model.delete(sender);
    model.set(sender, state);
    const expected = seq > state.top || (state.top - seq < size && !state.seen.has(seq));
    if (expected) {
      state.seen.add(seq);
      state.top = Math.max(state.top, seq);
      for (const old of state.seen) if (state.top - old >= size) state.seen.delete(old);
    }
    const got = windows.accept(sender, seq);
    if (got !== expected) return `op ${index}: accept(${sender}, ${seq}) gave ${got}, expected ${expected} (size ${size}, top ${state.top})`;
    if (windows.trackedSenders > maxSenders) return `op ${index}: tracks ${windows.trackedSenders} senders, more than ${maxSenders}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The cluster-client channel (lib/ipc/secure-socket.ts): handshake and record reader, in memory

/** lib/ipc/secure-socket.ts: length(4) ‖ body (≤ 4 MiB + GCM tag) ‖ MAC(32) is the most a reader may hold. */
export const MAX_BUFFERED = 4 + 4 * 1024 * 1024 + 16 + 32;
const PORT = 7201;

/** The parts of net.Socket that SecureSocket uses, in memory; what it writes is kept for the other side. */
class MemorySocket extends EventEmitter {
  private readonly written: Buffer[] = [];
  private paused = false;
  readonly remotePort = 40000;
  readonly remoteAddress = '127.0.0.1';
  readonly localPort = PORT;
  readonly writableLength = 0;

  write(chunk: Buffer): boolean {
    this.written.push(Buffer.from(chunk));
    return true;
  }

  /** Everything written since the last call. */
  take(): Buffer {
    const all = Buffer.concat(this.written);
    this.written.length = 0;
    return all;
  }

  end(callback?: () => void): this {
    callback?.();
    return this;
  }

  destroy(): this { return this; }
  pause(): this { this.paused = true; return this; }
  resume(): this { this.paused = false; return this; }
  isPaused(): boolean { return this.paused; }
  setNoDelay(): this { return this; }
  setKeepAlive(): this { return this; }
  setTimeout(): this { return this; }
}

export interface Endpoint {
  role: ChannelRole;
  socket: SecureSocket;
  inner: MemorySocket;
  failures: ChannelFailure[];
  /** Bytes that reached this end's application, in order. */
  delivered: Buffer[];
  /** Everything fed to this end. */
  fed: Buffer[];
  /** The largest framing buffer seen after a chunk was processed. */
  maxBuffered: number;
  problem?: string;
}

export function endpoint(role: ChannelRole, keys: Keyring, encrypt: boolean): Endpoint {
  const inner = new MemorySocket();
  const failures: ChannelFailure[] = [];
  const socket = new SecureSocket(inner as unknown as net.Socket, { role, port: PORT, keys, encrypt, onFailure: reason => failures.push(reason) });
  // A refused follower reports an 'error', as cluster-client's socket handler sees it.
  socket.on('error', () => undefined);
  return { role, socket, inner, failures, delivered: [], fed: [], maxBuffered: 0 };
}

/** Feeds `bytes` in chunks of the given sizes, reading what the end delivers after each chunk as a consumer would. */
export function feed(end: Endpoint, bytes: Buffer, chunkSize: () => number = () => bytes.length): void {
  for (let offset = 0; offset < bytes.length && !end.problem;) {
    const chunk = bytes.subarray(offset, offset + Math.max(1, chunkSize()));
    offset += chunk.length;
    end.fed.push(chunk);
    try {
      end.inner.emit('data', chunk);
    } catch (error) {
      end.problem = `the ${end.role}'s reader threw ${(error as Error)?.stack ?? String(error)}`;
    }
    // At most one incomplete record, plus the rest of the chunk that completed (or failed) the last one.
    const buffered = (end.socket as unknown as { received: Buffer }).received.length;
    end.maxBuffered = Math.max(end.maxBuffered, buffered);
    if (buffered > MAX_BUFFERED + chunk.length) end.problem = `the ${end.role} holds ${buffered} bytes, more than ${MAX_BUFFERED} + a ${chunk.length}-byte chunk`;
    for (let read = end.socket.read() as Buffer | null; read !== null; read = end.socket.read() as Buffer | null) end.delivered.push(read);
  }
}

/** Ends both sides (clears their handshake timers). */
export function close(...ends: Endpoint[]): void {
  for (const end of ends) end.socket.destroy();
}

/**
 * A session whose bytes pass through an attacker in both directions: `tamper` may change each relayed chunk. The
 * follower queues a message before the handshake (as cluster-client does), then both sides write.
 */
export function relayedSession(rng: Random, keys: Keyring, encrypt: boolean, tamper: (bytes: Buffer) => Buffer): { leader: Endpoint; follower: Endpoint; sent: Record<ChannelRole, Buffer[]> } {
  const leader = endpoint('leader', keys, encrypt);
  const follower = endpoint('follower', keys, encrypt);
  const sent: Record<ChannelRole, Buffer[]> = { leader: [], follower: [] };
  const write = (end: Endpoint, message: Buffer) => {
    sent[end.role].push(message);
    end.socket.write(message);
  };
  const relay = () => {
    for (let round = 0; round < 6; round++) {
      const toFollower = leader.inner.take();
      const toLeader = follower.inner.take();
      if (!toFollower.length && !toLeader.length) return;
      // Byte-sized chunks only for short streams: the reader copies its buffer per chunk, as it should for TCP reads.
      const chunks = (length: number) => () => 1 + rng.int(length < 2048 && rng.int(2) ? 8 : 16 * 1024);
      if (toFollower.length) feed(follower, tamper(toFollower), chunks(toFollower.length));
      if (toLeader.length) feed(leader, tamper(toLeader), chunks(toLeader.length));
    }
  };
  write(follower, randomBytes(rng, 1 + rng.int(64)));
  relay();
  for (let i = rng.int(4); i > 0; i--) write(pick(rng, [ leader, follower ]), randomBytes(rng, rng.int(2) ? 1 + rng.int(300) : 1 + rng.int(70_000)));
  relay();
  return { leader, follower, sent };
}

/**
 * Whatever an attacker does to the bytes, each end delivers only a prefix of what the other end wrote (nothing
 * injected, replayed, reordered or altered), its reader never throws and never holds more than one record, a
 * failure is reported once, and an untouched session delivers everything.
 */
export function checkSession({ leader, follower, sent }: ReturnType<typeof relayedSession>, untouched: boolean): string | undefined {
  for (const [ end, peer ] of [ [ leader, follower ], [ follower, leader ] ] as const) {
    if (end.problem) return end.problem;
    const delivered = Buffer.concat(end.delivered);
    const written = Buffer.concat(sent[peer.role]);
    if (!written.subarray(0, delivered.length).equals(delivered)) return `the ${end.role} delivered ${delivered.length} bytes that the ${peer.role} did not write in that order`;
    if (end.failures.length > 1) return `the ${end.role} reported ${end.failures.length} failures: ${end.failures.join(', ')}`;
    if (end.failures.length && end.socket.established) return `the ${end.role} failed (${end.failures[0]}) but stayed established`;
    if (untouched && (!delivered.equals(written) || end.failures.length)) return `an untouched session lost data at the ${end.role} (${end.failures.join(', ') || 'no failure'})`;
  }
  return undefined;
}

/** An open leader fed a record header that announces `length` bytes, then `total` bytes of garbage in 64 KiB chunks. */
export function flood(keys: Keyring, length: number, total: number): Endpoint {
  const leader = endpoint('leader', keys, false);
  const follower = endpoint('follower', keys, false);
  feed(follower, leader.inner.take());
  feed(leader, follower.inner.take());
  feed(follower, leader.inner.take());
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length >>> 0);
  feed(leader, header);
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  for (let sentBytes = 0; sentBytes < total && !leader.problem; sentBytes += chunk.length) feed(leader, chunk);
  close(leader, follower);
  return leader;
}

/**
 * The handshake with an attacker on the wire: the follower's AUTH (to a leader) or the leader's HELLO and OK (to a
 * follower) damaged or replaced by random bytes. An end may open only when the handshake bytes it consumed are the
 * genuine ones; nothing may be delivered either way.
 */
export function checkHandshake(rng: Random, keys: Keyring, target: ChannelRole, donor?: Buffer): string | undefined {
  const leader = endpoint('leader', keys, false);
  const follower = endpoint('follower', keys, false);
  const damage = (bytes: Buffer) => {
    if (rng.int(6) === 0) return randomBytes(rng, rng.int(bytes.length * 2 + 1));
    let damaged = bytes;
    for (let steps = 1 + rng.int(3); steps > 0; steps--) damaged = mutateBytes(rng, damaged, donor);
    return damaged;
  };
  const chunks = () => 1 + rng.int(rng.int(2) ? 8 : 400);
  try {
    const hello = leader.inner.take();
    const helloSent = target === 'follower' && rng.int(2) ? damage(hello) : hello;
    feed(follower, helloSent, chunks);
    const auth = follower.inner.take();
    const authSent = target === 'leader' ? damage(auth) : auth;
    feed(leader, authSent, chunks);
    const ok = leader.inner.take();
    const okSent = target === 'follower' && helloSent === hello ? damage(ok) : ok;
    if (okSent.length) feed(follower, okSent, chunks);
    for (const end of [ leader, follower ]) {
      if (end.problem) return end.problem;
      if (end.delivered.length) return `the ${end.role} delivered data during a handshake`;
      if (end.failures.length > 1) return `the ${end.role} reported ${end.failures.length} failures`;
    }
    if (leader.socket.established && !authSent.subarray(0, auth.length).equals(auth)) return 'the leader opened on a damaged AUTH';
    const genuine = Buffer.concat([ hello, ok ]);
    if (follower.socket.established && !Buffer.concat([ helloSent, okSent ]).subarray(0, genuine.length).equals(genuine)) return 'the follower opened on a damaged HELLO or OK';
    return undefined;
  } finally {
    close(leader, follower);
  }
}
