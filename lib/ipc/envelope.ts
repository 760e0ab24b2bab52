/**
 * The signed envelope that carries a messenger message's payload inside `data` (only `action` and `data` reach
 * the receiver). Pure: keys come in through `EnvelopeKeys`, clocks and replay state live in the caller.
 *
 * MAC: HMAC-SHA256 with a per-direction key over a domain-separated, length-prefixed encoding of every field and
 * the action, compared in constant time; the algorithm is fixed by the version, never read from the message.
 * Version 2 wire format (`data`): `{ $sentinel: 2, kid, s, to, enc, p, mac }`, where `s` is
 * `role|pid|iid|seq|ts`: every field egg's master parses and re-serializes costs it time on every message, so the
 * sender fields travel as one string. The action is not repeated inside the envelope: the receiver MACs the action
 * the message arrived under, so a message moved to another action fails verification.
 * Sealing (optional): AES-256-GCM under a key unique to the sender instance and direction, with the sender's
 * sequence number as nonce, so a nonce can never repeat under one key; the MAC then covers the ciphertext.
 */
import crypto, { type KeyObject } from 'node:crypto';
import sjson from 'secure-json-parse';

/** Version 2: sender fields in `s`, no `act`, a compact MAC input. Version 1 envelopes are refused as malformed. */
export const ENVELOPE_VERSION = 2;
const DOMAIN = 'egg-sentinel/ipc/v2';
const MAC_LENGTH = 43; // base64url of 32 bytes
const TAG_LENGTH = 16;

export type Role = 'app' | 'agent';
/** Where a message is addressed: a process kind, both (egg's single-process messenger), or one pid (sendTo / sendRandom). */
export type Receiver = 'app' | 'agent' | 'both' | `${number}`;

export interface Sender {
  role: Role;
  pid: number;
  /** Random per process start (base64url, at most 64 characters); separates a restarted worker's sequence from its predecessor's. */
  iid: string;
}

/** What travels in `data`. */
export interface Envelope {
  $sentinel: typeof ENVELOPE_VERSION;
  kid: string;
  /** The sender: `role|pid|iid|seq|ts` (see EnvelopeFields). */
  s: string;
  to: Receiver;
  enc: 0 | 1;
  /** The payload serialized once (JSON), or base64url(ciphertext || tag) when enc is 1; absent for `undefined`. */
  p?: string;
  mac: string;
}

/** What an envelope means: its fields as `open` reads them, and the action it is bound to. */
export interface EnvelopeFields {
  $sentinel: typeof ENVELOPE_VERSION;
  kid: string;
  role: Role;
  pid: number;
  /** Sender instance id: base64url, random per process start. */
  iid: string;
  /** Per-sender sequence number. */
  seq: number;
  /** Sender's clock, epoch ms. */
  ts: number;
  to: Receiver;
  /** The action the MAC binds the envelope to (the message carries it). */
  act: string;
  enc: 0 | 1;
  p?: string;
}

export interface EnvelopeKeys {
  /** Key id that signs new messages. */
  currentKid: string;
  /** MAC key for a key id and direction; undefined for an unknown key id. */
  macKey(kid: string, direction: string): KeyObject | undefined;
  /** AEAD key for a key id, direction and sender instance. */
  encryptionKey(kid: string, direction: string, iid: string): KeyObject | undefined;
}

export type DropReason = 'unsigned' | 'bad-mac' | 'replayed' | 'stale' | 'unknown-key' | 'malformed' | 'wrong-receiver' | 'wrong-sender';

export type OpenResult =
  | { ok: true; payload: unknown; envelope: EnvelopeFields }
  /** `verified`: the MAC verified, and what failed came after it (a payload that does not decrypt or parse). */
  | { ok: false; reason: DropReason; envelope?: EnvelopeFields; verified?: true };

const RECEIVER_KINDS: ReadonlySet<string> = new Set([ 'app', 'agent', 'both' ]);
/** Direction labels, built once: this runs for every message. */
const DIRECTIONS: Readonly<Record<Role, Map<string, string>>> = {
  app: new Map([ ...RECEIVER_KINDS, 'pid' ].map(kind => [ kind, `app->${kind}` ])),
  agent: new Map([ ...RECEIVER_KINDS, 'pid' ].map(kind => [ kind, `agent->${kind}` ])),
};

/** The direction label keys are derived for: sender role → receiver kind (pids are one kind). */
export function direction(role: Role, to: Receiver): string {
  const byKind = DIRECTIONS[role];
  return byKind.get(to) ?? byKind.get('pid') as string;
}

export function isEnvelopeLike(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && Object.prototype.hasOwnProperty.call(data, '$sentinel');
}

/**
 * What the MAC covers, except the payload: every envelope field and the action, then `+` when a payload follows
 * or `-` when there is none. The strings of free content (kid, action) are length-prefixed; `s` has exactly five
 * `|`-separated fields and `to` and `enc` have alphabets without `|` (all checked on receipt), so no two field
 * lists encode to the same string. Also the AAD of a sealed payload.
 */
function macHeader(kid: string, s: string, to: string, enc: 0 | 1, action: string, hasPayload: boolean): string {
  return `${DOMAIN}|${kid.length}:${kid}|${s}|${to}|${enc}|${action.length}:${action}${hasPayload ? '+' : '-'}`;
}

type HashOnce = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer' | 'base64url' | 'latin1') => Buffer | string;
/** crypto.hash (Node ≥ 20.12): a digest without a Hash object, with the digest implementation fetched once. */
const hashOnce = (crypto as unknown as { hash?: HashOnce }).hash;
const BLOCK = 64;
/** Larger messages go through createHmac, whose per-call cost no longer matters, instead of growing the buffer. */
const MAX_BUFFERED = 64 * 1024;

/**
 * HMAC-SHA256 (RFC 2104) computed as two one-shot SHA-256 digests over precomputed pads: createHmac spends more
 * time creating its OpenSSL context than hashing a message of a few hundred bytes, twice per message. The same
 * function as createHmac (the unit tests compare them), which it falls back to without crypto.hash.
 */
export class HmacSha256 {
  /** ipad ‖ message, reused: digests are synchronous. */
  private inner = Buffer.alloc(1024);
  /** opad ‖ inner digest. */
  private readonly outer = Buffer.alloc(BLOCK + 32);

  constructor(private readonly key: KeyObject) {
    let raw = key.export();
    if (raw.length > BLOCK) raw = crypto.createHash('sha256').update(raw).digest();
    for (let i = 0; i < BLOCK; i++) {
      this.inner[i] = (raw[i] ?? 0) ^ 0x36;
      this.outer[i] = (raw[i] ?? 0) ^ 0x5c;
    }
  }

  /** The MAC of the concatenated parts (strings as UTF-8). */
  digest(parts: ReadonlyArray<string | Uint8Array>): Buffer;
  digest(parts: ReadonlyArray<string | Uint8Array>, encoding: 'base64url'): string;
  digest(parts: ReadonlyArray<string | Uint8Array>, encoding?: 'base64url'): Buffer | string {
    if (!this.hashInner(parts)) {
      const hmac = this.reference(parts);
      return encoding ? hmac.digest(encoding) : hmac.digest();
    }
    return (hashOnce as HashOnce)('sha256', this.outer, encoding ?? 'buffer');
  }

  /** Writes the 32-byte MAC of the parts into `target` at `offset`, allocating nothing. */
  digestInto(parts: ReadonlyArray<string | Uint8Array>, target: Buffer, offset: number): void {
    if (!this.hashInner(parts)) this.reference(parts).digest().copy(target, offset);
    else target.write((hashOnce as HashOnce)('sha256', this.outer, 'latin1') as string, offset, 'latin1');
  }

  private reference(parts: ReadonlyArray<string | Uint8Array>): crypto.Hmac {
    const hmac = crypto.createHmac('sha256', this.key);
    for (const part of parts) hmac.update(part);
    return hmac;
  }

  /** Hashes ipad ‖ parts into `outer`; false when createHmac has to do it (no crypto.hash, or a large message). */
  private hashInner(parts: ReadonlyArray<string | Uint8Array>): boolean {
    let capacity = BLOCK;
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    for (const part of parts) capacity += typeof part === 'string' ? 3 * part.length : part.length;
    if (!hashOnce || capacity > MAX_BUFFERED) return false;
    if (capacity > this.inner.length) {
      const grown = Buffer.alloc(Math.min(MAX_BUFFERED, 2 * capacity));
      this.inner.copy(grown, 0, 0, BLOCK);
      this.inner = grown;
    }
    let end = BLOCK;
    for (const part of parts) {
      if (typeof part === 'string') {
        end += this.inner.write(part, end);
      } else {
        this.inner.set(part, end);
        end += part.length;
      }
    }
    // The inner digest as a latin1 string, written back: no Buffer allocated per digest.
    this.outer.write(hashOnce('sha256', this.inner.subarray(0, end), 'latin1') as string, BLOCK, 'latin1');
    return true;
  }
}

const hmacs = new WeakMap<KeyObject, HmacSha256>();
/** The HMAC for a key, pads computed once per key. */
export function hmacFor(key: KeyObject): HmacSha256 {
  let hmac = hmacs.get(key);
  if (!hmac) hmacs.set(key, hmac = new HmacSha256(key));
  return hmac;
}

/** Above this length the payload is hashed as a part of its own rather than first joined to the header. */
const JOIN_LIMIT = 2048;
const macParts = (header: string, payload: string | undefined): string[] =>
  payload === undefined ? [ header ] : payload.length > JOIN_LIMIT ? [ header, payload ] : [ header + payload ];

/** AES-GCM nonce: the sequence number, big-endian, in the low 8 of 12 bytes. Copied by OpenSSL, so one buffer serves. */
const iv = Buffer.alloc(12);
function nonce(seq: number): Buffer {
  iv.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), 4);
  iv.writeUInt32BE(seq >>> 0, 8);
  return iv;
}

export interface SealInput {
  keys: EnvelopeKeys;
  sender: Sender;
  seq: number;
  ts: number;
  to: Receiver;
  action: string;
  payload: unknown;
  encrypt: boolean;
}

/**
 * What `seal` returns: a class, so a process can tell an envelope it sealed itself from one it received. Its own
 * properties are the wire fields; the getters read the rest of its meaning (EnvelopeFields) and are not serialized.
 */
export class SealedEnvelope implements Envelope, EnvelopeFields {
  readonly $sentinel: typeof ENVELOPE_VERSION;
  readonly kid: string;
  readonly s: string;
  readonly to: Receiver;
  readonly enc: 0 | 1;
  readonly p: string | undefined;
  readonly mac: string;
  readonly #act: string;

  constructor(kid: string, s: string, to: Receiver, enc: 0 | 1, p: string | undefined, mac: string, act: string) {
    // Assigned in wire order: the version first, as it reads in a captured message.
    this.$sentinel = ENVELOPE_VERSION;
    this.kid = kid;
    this.s = s;
    this.to = to;
    this.enc = enc;
    this.p = p;
    this.mac = mac;
    this.#act = act;
  }

  get act(): string { return this.#act; }
  get role(): Role { return this.s.split('|')[0] as Role; }
  get pid(): number { return Number(this.s.split('|')[1]); }
  get iid(): string { return this.s.split('|')[2]; }
  get seq(): number { return Number(this.s.split('|')[3]); }
  get ts(): number { return Number(this.s.split('|')[4]); }
}

/** Builds the envelope for one message. Throws only on programming errors (no key for the current kid, a sequence number past 2^53). */
export function seal(input: SealInput): SealedEnvelope {
  return sealSerialized(input, input.payload === undefined ? undefined : JSON.stringify(input.payload) as string | undefined);
}

/**
 * seal for a payload the caller serialized (JSON.stringify's result: undefined for `undefined`); `input.payload` is
 * not read. The messenger serializes at send time and may seal later, in a batch.
 */
export function sealSerialized(input: Omit<SealInput, 'payload'>, json: string | undefined): SealedEnvelope {
  const { keys, sender, seq, ts, to, action } = input;
  // The sequence number is the GCM nonce: past 2^53 a number would repeat.
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error(`egg-sentinel: sequence number ${seq} is not a safe non-negative integer`);
  const kid = keys.currentKid;
  const dir = direction(sender.role, to);
  const enc = input.encrypt ? 1 : 0;
  let p = json;
  const s = `${sender.role}|${sender.pid}|${sender.iid}|${seq}|${ts}`;
  const header = macHeader(kid, s, to, enc, action, p !== undefined);
  if (enc && p !== undefined) {
    const key = keys.encryptionKey(kid, dir, sender.iid);
    if (!key) throw new Error(`egg-sentinel: no encryption key for key id ${kid}`);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce(seq));
    cipher.setAAD(Buffer.from(header));
    const ciphertext = cipher.update(p, 'utf8');
    cipher.final(); // GCM: no trailing block
    p = Buffer.concat([ ciphertext, cipher.getAuthTag() ]).toString('base64url');
  }
  const macKey = keys.macKey(kid, dir);
  if (!macKey) throw new Error(`egg-sentinel: no MAC key for key id ${kid}`);
  return new SealedEnvelope(kid, s, to, enc, p, hmacFor(macKey).digest(macParts(header, p), 'base64url'), action);
}

const PID = /^[1-9]\d{0,9}$/;
/** `s`: role|pid|iid|seq|ts; seq and ts are checked to be safe integers after matching. */
const SENDER = /^(app|agent)\|([1-9]\d{0,9})\|([\w-]{1,64})\|(0|[1-9]\d{0,15})\|(-?(?:0|[1-9]\d{0,15}))$/;

/**
 * The envelope's fields with their types checked, or undefined. `data` is what egg's messenger delivers: a plain object
 * JSON-parsed from the IPC channel (own properties only), so its fields are read directly, each once.
 */
function parseEnvelope(data: Record<string, unknown>, action: string): { fields: EnvelopeFields; s: string; mac: string } | undefined {
  const { $sentinel, kid, s, to, enc, p, mac } = data;
  if (!($sentinel === ENVELOPE_VERSION &&
    typeof kid === 'string' && kid.length > 0 && kid.length <= 64 &&
    typeof s === 'string' &&
    typeof to === 'string' && (RECEIVER_KINDS.has(to) || PID.test(to)) &&
    (enc === 0 || enc === 1) &&
    (p === undefined || typeof p === 'string') &&
    typeof mac === 'string')) return undefined;
  const sender = SENDER.exec(s);
  if (!sender) return undefined;
  const seq = Number(sender[4]);
  const ts = Number(sender[5]);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(ts)) return undefined;
  return { fields: { $sentinel, kid, role: sender[1] as Role, pid: Number(sender[2]), iid: sender[3], seq, ts, to: to as Receiver, act: action, enc, p }, s, mac };
}

/**
 * The MAC hashes strings as UTF-8, where a lone surrogate and U+FFFD encode alike: refusing lone surrogates keeps
 * the MAC input one-to-one. JSON.stringify never emits them; isWellFormed answers a one-byte string at once.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormed: (text: string) => boolean = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function' ?
  text => (text as unknown as { isWellFormed(): boolean }).isWellFormed() : text => !LONE_SURROGATE.test(text);

/**
 * JSON.parse, refusing `__proto__` keys and `constructor.prototype` (prototype poisoning) as secure-json-parse does.
 * Its two regular-expression scans run only when the text could hold such a key: without a `\u` escape, a key named
 * `__proto__` or `constructor` appears literally, quotes included.
 */
/**
 * Whether a receiver's parse (parsePayload) accepts this payload JSON, which the sender serialized itself: only a
 * prototype-poisoning key makes it refuse, and only text that could hold one is parsed again to tell.
 */
export function receiverParses(json: string): boolean {
  if (!mayHoldPoisonedKey(json)) return true;
  try {
    parsePayload(json);
    return true;
  } catch {
    return false;
  }
}

/** Without a `\u` escape, a key named `__proto__` or `constructor` appears literally, quotes included. */
function mayHoldPoisonedKey(json: string): boolean {
  return json.includes('\\u') || json.includes('"__proto__"') || json.includes('"constructor"');
}

function parsePayload(json: string): unknown {
  if (!mayHoldPoisonedKey(json)) return JSON.parse(json);
  return sjson.parse(json, undefined, { protoAction: 'error', constructorAction: 'error' });
}

/**
 * Compares two strings of equal, public length (a MAC's) in time independent of where they differ, as
 * crypto.timingSafeEqual does for buffers, without decoding either: the MAC must match character for character.
 */
function equalInConstantTime(given: string, expected: string): boolean {
  let difference = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) difference |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
}

export interface OpenInput {
  keys: EnvelopeKeys;
  /** The action the message arrived under. */
  action: string;
  data: unknown;
}

/**
 * Checks structure, key id and MAC, then decrypts and parses the payload. Never throws. Receiver, freshness and
 * replay are checked by the caller, which owns the clock and the replay windows.
 */
export function open({ keys, action, data }: OpenInput): OpenResult {
  if (!isEnvelopeLike(data)) return { ok: false, reason: 'unsigned' };
  const parsed = parseEnvelope(data, action);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const { fields: envelope, s, mac } = parsed;
  const { kid, role, iid, seq, to, enc, p } = envelope;
  const dir = direction(role, to);
  const macKey = keys.macKey(kid, dir);
  if (!macKey) return { ok: false, reason: 'unknown-key', envelope };
  if (mac.length !== MAC_LENGTH) return { ok: false, reason: 'bad-mac', envelope };
  if (!isWellFormed(action) || (p !== undefined && !isWellFormed(p))) return { ok: false, reason: 'malformed', envelope };
  const header = macHeader(kid, s, to, enc, action, p !== undefined);
  if (!equalInConstantTime(mac, hmacFor(macKey).digest(macParts(header, p), 'base64url'))) return { ok: false, reason: 'bad-mac', envelope };
  try {
    let json = p;
    if (enc === 1 && json !== undefined) {
      const key = keys.encryptionKey(kid, dir, iid);
      if (!key) return { ok: false, reason: 'unknown-key', envelope };
      const sealed = Buffer.from(json, 'base64url');
      if (sealed.length < TAG_LENGTH) return { ok: false, reason: 'malformed', envelope, verified: true };
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonce(seq));
      decipher.setAAD(Buffer.from(header));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
      const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
      decipher.final(); // throws unless the tag verifies
      json = plain.toString('utf8');
    }
    return { ok: true, payload: json === undefined ? undefined : parsePayload(json), envelope };
  } catch {
    return { ok: false, reason: 'malformed', envelope, verified: true };
  }
}
