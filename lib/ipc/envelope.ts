/**
 * The signed envelope that carries a messenger message's payload inside `data` (only `action` and `data` reach
 * the receiver). Pure: keys come in through `EnvelopeKeys`, clocks and replay state live in the caller.
 *
 * MAC: HMAC-SHA256 with a per-direction key over a domain-separated, length-prefixed encoding of every field,
 * compared in constant time; the algorithm is fixed by the version, never read from the message.
 * Sealing (optional): AES-256-GCM under a key unique to the sender instance and direction, with the sender's
 * sequence number as nonce, so a nonce can never repeat under one key; the MAC then covers the ciphertext.
 */
import crypto from 'node:crypto';
import sjson from 'secure-json-parse';

export const ENVELOPE_VERSION = 1;
const DOMAIN = 'egg-sentinel/ipc/v1';
const MAC_LENGTH = 43; // base64url of 32 bytes
const TAG_LENGTH = 16;

export type Role = 'app' | 'agent';
/** Where a message is addressed: a process kind, both (egg's single-process messenger), or one pid (sendTo / sendRandom). */
export type Receiver = 'app' | 'agent' | 'both' | `${number}`;

export interface Sender {
  role: Role;
  pid: number;
  /** Random per process start; separates a restarted worker's sequence from its predecessor's. */
  iid: string;
}

export interface Envelope {
  $sentinel: typeof ENVELOPE_VERSION;
  kid: string;
  role: Role;
  pid: number;
  iid: string;
  seq: number;
  ts: number;
  to: Receiver;
  act: string;
  enc: 0 | 1;
  /** The payload serialized once (JSON), or base64url(ciphertext || tag) when enc is 1; absent for `undefined`. */
  p?: string;
  mac: string;
}

export interface EnvelopeKeys {
  /** Key id that signs new messages. */
  currentKid: string;
  /** MAC key for a key id and direction; undefined for an unknown key id. */
  macKey(kid: string, direction: string): crypto.KeyObject | undefined;
  /** AEAD key for a key id, direction and sender instance. */
  encryptionKey(kid: string, direction: string, iid: string): crypto.KeyObject | undefined;
}

export type DropReason = 'unsigned' | 'bad-mac' | 'replayed' | 'stale' | 'unknown-key' | 'malformed' | 'wrong-receiver' | 'wrong-sender';

export type OpenResult =
  | { ok: true; payload: unknown; envelope: Envelope }
  | { ok: false; reason: DropReason; envelope?: Envelope };

/** The direction label keys are derived for: sender role → receiver kind (pids are one kind). */
export function direction(role: Role, to: Receiver): string {
  return `${role}->${/^\d/.test(to) ? 'pid' : to}`;
}

export function isEnvelopeLike(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && Object.prototype.hasOwnProperty.call(data, '$sentinel');
}

const field = (value: string) => `${value.length}:${value}`;
const DOMAIN_FIELD = field(DOMAIN);

/** Length-prefixed fields, so no two field lists encode to the same string; `p` absent and empty differ. */
function canonical(envelope: Omit<Envelope, 'mac'>, withPayload = true): string {
  const payload = !withPayload || envelope.p === undefined ? '-' : `+${envelope.p}`;
  return `${DOMAIN_FIELD}${field(envelope.kid)}${field(envelope.role)}${field(String(envelope.pid))}${field(envelope.iid)}` +
    `${field(String(envelope.seq))}${field(String(envelope.ts))}${field(envelope.to)}${field(envelope.act)}${field(String(envelope.enc))}${field(payload)}`;
}

function computeMac(key: crypto.KeyObject, envelope: Omit<Envelope, 'mac'>): Buffer;
function computeMac(key: crypto.KeyObject, envelope: Omit<Envelope, 'mac'>, encoding: 'base64url'): string;
function computeMac(key: crypto.KeyObject, envelope: Omit<Envelope, 'mac'>, encoding?: 'base64url'): Buffer | string {
  const hmac = crypto.createHmac('sha256', key).update(canonical(envelope));
  return encoding ? hmac.digest(encoding) : hmac.digest();
}

function nonce(seq: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(BigInt(seq), 4);
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

/** Builds the envelope for one message. Throws only on programming errors (no key for the current kid). */
export function seal(input: SealInput): Envelope {
  const { keys, sender, to } = input;
  const kid = keys.currentKid;
  const dir = direction(sender.role, to);
  const json = input.payload === undefined ? undefined : JSON.stringify(input.payload);
  const envelope: Envelope = {
    $sentinel: ENVELOPE_VERSION, kid, role: sender.role, pid: sender.pid, iid: sender.iid, seq: input.seq, ts: input.ts, to,
    act: input.action, enc: input.encrypt ? 1 : 0, p: json, mac: '',
  };
  if (input.encrypt && json !== undefined) {
    const key = keys.encryptionKey(kid, dir, sender.iid);
    if (!key) throw new Error(`egg-sentinel: no encryption key for key id ${kid}`);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce(input.seq));
    cipher.setAAD(Buffer.from(canonical(envelope, false)));
    envelope.p = Buffer.concat([ cipher.update(json, 'utf8'), cipher.final(), cipher.getAuthTag() ]).toString('base64url');
  }
  const macKey = keys.macKey(kid, dir);
  if (!macKey) throw new Error(`egg-sentinel: no MAC key for key id ${kid}`);
  envelope.mac = computeMac(macKey, envelope, 'base64url');
  return envelope;
}

const ROLES = new Set([ 'app', 'agent' ]);
const RECEIVER_KINDS = new Set([ 'app', 'agent', 'both' ]);

const PID = /^[1-9]\d{0,9}$/;

/**
 * The envelope's fields with their types checked, or undefined. `data` is what egg's messenger delivers: a plain object
 * JSON-parsed from the IPC channel (own properties only), so its fields are read directly.
 */
function parseEnvelope(data: Record<string, unknown>): Envelope | undefined {
  const { $sentinel, kid, role, pid, iid, seq, ts, to, act, enc, p, mac } = data;
  const valid = $sentinel === ENVELOPE_VERSION &&
    typeof kid === 'string' && kid.length > 0 && kid.length <= 64 &&
    typeof role === 'string' && ROLES.has(role) &&
    Number.isSafeInteger(pid) && (pid as number) > 0 &&
    typeof iid === 'string' && iid.length > 0 && iid.length <= 64 &&
    Number.isSafeInteger(seq) && (seq as number) >= 0 &&
    Number.isSafeInteger(ts) &&
    typeof to === 'string' && (RECEIVER_KINDS.has(to) || PID.test(to)) &&
    typeof act === 'string' &&
    (enc === 0 || enc === 1) &&
    (p === undefined || typeof p === 'string') &&
    typeof mac === 'string';
  return valid ? { $sentinel, kid, role, pid, iid, seq, ts, to, act, enc, p, mac } as Envelope : undefined;
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
  const envelope = parseEnvelope(data);
  if (!envelope) return { ok: false, reason: 'malformed' };
  const dir = direction(envelope.role, envelope.to);
  const macKey = keys.macKey(envelope.kid, dir);
  if (!macKey) return { ok: false, reason: 'unknown-key', envelope };
  const given = Buffer.from(envelope.mac, 'base64url');
  if (envelope.mac.length !== MAC_LENGTH || given.length !== 32) return { ok: false, reason: 'bad-mac', envelope };
  if (!crypto.timingSafeEqual(given, computeMac(macKey, envelope))) return { ok: false, reason: 'bad-mac', envelope };
  // The action is MAC-covered inside the envelope; the one it travelled under must be the same.
  if (envelope.act !== action) return { ok: false, reason: 'bad-mac', envelope };
  try {
    let json = envelope.p;
    if (envelope.enc === 1 && json !== undefined) {
      const key = keys.encryptionKey(envelope.kid, dir, envelope.iid);
      if (!key) return { ok: false, reason: 'unknown-key', envelope };
      const sealed = Buffer.from(json, 'base64url');
      if (sealed.length < TAG_LENGTH) return { ok: false, reason: 'malformed', envelope };
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonce(envelope.seq));
      decipher.setAAD(Buffer.from(canonical(envelope, false)));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
      json = Buffer.concat([ decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH)), decipher.final() ]).toString('utf8');
    }
    const payload = json === undefined ? undefined : sjson.parse(json, undefined, { protoAction: 'error', constructorAction: 'error' });
    return { ok: true, payload, envelope };
  } catch {
    return { ok: false, reason: 'malformed', envelope };
  }
}
