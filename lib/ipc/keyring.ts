/**
 * IPC keys. The secret is either configured (`config.sentinel.ipc.secret`, default the EGG_SENTINEL_IPC_SECRET
 * environment variable, plus `previousSecrets` accepted until a date) or generated: the agent creates 32 random
 * bytes at boot and writes them to `<rundir>/sentinel-ipc.key` (mode 0600) before any app worker starts; workers
 * read that file. An agent that egg-cluster restarts under the same master reuses the file's secret, so workers keep
 * talking; a new cluster gets a new secret. Keys used on the wire are HKDF subkeys per purpose and direction; the
 * secret itself never leaves this module except into that file.
 */
import crypto, { type KeyObject } from 'node:crypto';
import path from 'node:path';
import { dropStack } from '../quiet-error';
import { isAlive, readPrivateFile, writePrivateFile } from '../report/write';
import { bitsPerChar } from '../secrets';
import type { EnvelopeKeys } from './envelope';

export const KEY_FILE = 'sentinel-ipc.key';
export const SECRET_ENV_VAR = 'EGG_SENTINEL_IPC_SECRET';
const MAX_CACHED_INSTANCE_KEYS = 1024;
const REPLACED_KEY_GRACE_MS = 60_000;

export interface PreviousSecret {
  secret: string;
  /** ISO date or date-time after which messages under this secret are refused. */
  until: string;
}

export interface KeyringOptions {
  runDir: string;
  /** Configured secret; when absent the run-file secret is used. */
  secret?: string;
  previousSecrets?: PreviousSecret[];
}

interface KeyEntry {
  secret: Buffer;
  /** Epoch ms after which this key no longer verifies; Infinity for the current key. */
  validUntil: number;
}

/** Key id: a public fingerprint of the secret (an HMAC of a constant), never the secret itself. */
export function keyId(secret: Buffer): string {
  return crypto.createHmac('sha256', secret).update('egg-sentinel/ipc/kid').digest('hex').slice(0, 16);
}

const ALPHABETS: Array<[RegExp, number]> = [ [ /^[0-9]+$/, Math.log2(10) ], [ /^[0-9a-f]+$/i, 4 ], [ /^[A-Za-z0-9+/_-]+={0,2}$/, 6 ] ];
/** Digits with a decimal point or separators (`3.14159…`, `2024-01-01 12:00`): as strong as their digits alone. */
const NUMBER_WITH_SEPARATORS = /^\d[\d.,:\s-]*$/;

/** Bits per character of the narrowest alphabet `text` is written in: decimal digits 3.3, hex 4, base64 6, anything else 6.5. */
export function alphabetBits(text: string): number {
  return ALPHABETS.find(([ pattern ]) => pattern.test(text))?.[1] ?? 6.5;
}

/**
 * Strength of a secret string in bits: its length times the bits per character of the narrowest alphabet it is
 * written in (alphabetBits; a number's separators count for nothing), capped by ENTROPY_SLACK times its measured
 * character entropy, so words do not pass for a random key. A string that repeats a shorter one is as strong as that one, and runs and
 * repeats inside it are counted as patterns (patternedBits). `shortSample`: the entropy measured on a few characters
 * is biased low (22 characters show at most 22 distinct ones), so the cap adds the Miller–Madow correction, (distinct
 * characters − 1) / (2 × length × ln 2) bits; SEN201 asks it only for a short key that reads as random bytes.
 */
export function estimateSecretBits(secret: string, { shortSample = false } = {}): number {
  if (NUMBER_WITH_SEPARATORS.test(secret) && /\D/.test(secret)) return estimateSecretBits(secret.replace(/\D/g, ''), { shortSample });
  const period = /^(.+?)\1+$/s.exec(secret)?.[1] ?? secret;
  const measured = bitsPerChar(period) + (shortSample ? (new Set(period).size - 1) / (2 * period.length * Math.LN2) : 0);
  const perChar = Math.min(alphabetBits(period), measured * ENTROPY_SLACK);
  // Also as a guesser reads it: case and separators changed between repeats (`Correct_Horse|CORRECT.HORSE`) repeat.
  const folded = period.toLowerCase().replace(/[^a-z0-9]/g, '');
  return Math.floor(Math.min(period.length * perChar, patternedBits(period, perChar), patternedBits(folded, perChar)));
}

/**
 * A sample of 43 random base64 characters (32 bytes, as keygen prints) measures 4.85 bits per character typically and
 * 4.29 at the least in 100,000 samples: 1.45 times that still reaches base64's 6 (1.3 refused about 2 % of keygen's
 * secrets). Words measure about 3.9 (a 42-character passphrase: 237 bits).
 */
const ENTROPY_SLACK = 1.45;

/** The shortest run or repeat counted as a pattern. */
const MIN_PATTERN = 5;
/**
 * Random text compresses by k bits under these patterns with a chance of roughly 2^-k: of 2,000,000 16-byte hex keys,
 * whose 128 bits sit on SEN201's floor, chance runs and repeats (`12345`, `67890`, a repeated `9f671`) saved 20 bits or
 * more in 3 and at most 24.6 bits. Patterns that save less than this are read as chance.
 */
const CHANCE_SAVING = 32;
/** Past this length a secret is judged on its first characters' patterns (the search is quadratic). */
const MAX_PATTERN_SEARCH = 512;

/**
 * The bits of a string whose runs (stepRun: `abcdef`, `98765`, `zzzzz`, `qwerty`) and repeats of earlier text
 * (`…staple correct horse…`) cost a few bits each, as a guesser would pay for them, instead of a random character's
 * each. Only when patterns cover a quarter of the string and save at least CHANCE_SAVING bits: a random key's chance
 * runs and repeats do not lower its estimate. Infinity otherwise.
 */
function patternedBits(text: string, perChar: number): number {
  const searched = text.slice(0, MAX_PATTERN_SEARCH);
  let bits = (text.length - searched.length) * perChar;
  let patterned = 0;
  const places = Array.from({ length: searched.length }, (_, at) => KEY_PLACE.get(searched[at]) ?? Number.NaN);
  for (let index = 0; index < searched.length;) {
    const repeat = longestEarlierRepeat(searched, index);
    const run = repeat >= MIN_PATTERN ? 0 : stepRun(searched, index);
    const moved = Math.max(repeat, run) >= MIN_PATTERN ? 0 : longestMovedRepeat(places, index);
    const length = Math.max(repeat, run, moved);
    if (length < MIN_PATTERN) {
      bits += perChar;
      index += 1;
      continue;
    }
    // Where the repeat starts and how long it is; a run's first character, its step and length; a moved repeat's
    // first character (which says how far it moved), where the keys it repeats start, and its length.
    if (repeat === length) bits += Math.log2(index) + Math.log2(length);
    else bits += perChar + Math.log2(length) + (run === length ? 2 : Math.log2(index));
    patterned += length;
    index += length;
  }
  return patterned * 4 >= text.length && text.length * perChar - bits >= CHANCE_SAVING ? bits : Infinity;
}

/** The length of the longest text starting at `index` that also starts at an earlier index. */
function longestEarlierRepeat(text: string, index: number): number {
  let longest = 0;
  for (let start = 0; start < index; start++) {
    let length = 0;
    while (index + length < text.length && text[start + length] === text[index + length]) length++;
    longest = Math.max(longest, length);
  }
  return longest;
}

/**
 * Keyboard rows, walked as a run like the alphabet (`qwerty`, `asdfgh`, `poiuy`), shift held or not (`!@#$%`, `QWERTY`:
 * a key's two characters share its place, row × 100 + column). Row by row the columns line up (`1qaz`, `2wsx`): a walk
 * down them repeats the first column's keys a place along (longestMovedRepeat).
 */
const KEYBOARD_ROWS = [ '1234567890-=', 'qwertyuiop[]', 'asdfghjkl;\'', 'zxcvbnm,./' ];
const SHIFTED_ROWS = [ '!@#$%^&*()_+', 'QWERTYUIOP{}', 'ASDFGHJKL:"', 'ZXCVBNM<>?' ];
const KEY_PLACE = new Map([ KEYBOARD_ROWS, SHIFTED_ROWS ].flatMap(rows => rows.flatMap((row, rowIndex) => [ ...row ].map((key, column): [ string, number ] => [ key, rowIndex * 100 + column ]))));

/**
 * The length of the longest text starting at `index` whose keys (`places`, KEY_PLACE) are those of an earlier text
 * all moved by the same rows and columns (`2wsx3edc` after `1qaz2wsx`, `2w3e4r` after `1q2w3e`, `xsw23edc` after
 * `zaq12wsx`): the shape of a keyboard walk, typed again a key along.
 */
function longestMovedRepeat(places: readonly number[], index: number): number {
  let longest = 0;
  for (let start = 0; start < index; start++) {
    const shift = places[index] - places[start];
    if (!shift) continue;
    let length = 1;
    while (index + length < places.length && places[index + length] - places[start + length] === shift) length++;
    longest = Math.max(longest, length);
  }
  return longest;
}

/**
 * The length of the run starting at `index` whose characters step by the same amount, of at most 2 (`abcdef`,
 * `acegik`, `98765`, `zzzzz`), in character codes or along a keyboard row (`qwertyuiop`).
 */
function stepRun(text: string, index: number): number {
  const codes = (at: number) => text.charCodeAt(at);
  const keys = (at: number) => KEY_PLACE.get(text[at]) ?? Number.NaN;
  return Math.max(runOf(text.length, index, codes), runOf(text.length, index, keys));
}

function runOf(length: number, index: number, position: (at: number) => number): number {
  if (index + 1 >= length) return 1;
  const step = position(index + 1) - position(index);
  if (!(Math.abs(step) <= MAX_STEP)) return 1;
  let end = index + 1;
  while (end + 1 < length && position(end + 1) - position(end) === step) end++;
  return end - index + 1;
}

const MAX_STEP = 2;

interface KeyFile {
  version: 1;
  masterPid: number;
  secret: string;
}

/** Only a private file of this user (readPrivateFile): one planted in a shared run dir is never used. */
function readKeyFile(file: string): KeyFile | undefined {
  const text = readPrivateFile(file);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<KeyFile>;
    return parsed.version === 1 && typeof parsed.secret === 'string' && typeof parsed.masterPid === 'number' ? parsed as KeyFile : undefined;
  } catch {
    return undefined;
  }
}

function keyEntry(secret: string, validUntil: number): [string, KeyEntry] {
  const bytes = Buffer.from(secret, 'utf8');
  return [ keyId(bytes), { secret: bytes, validUntil } ];
}

/** When a previous secret stops verifying: a date (YYYY-MM-DD) lasts through its last millisecond (UTC); a date-time is exact. */
export function endOf(until: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(until) ? Date.parse(`${until}T23:59:59.999Z`) : Date.parse(until);
}

/** A key file problem is a refusal with a fix, not a crash: no stack. */
function keyFileError(problem: string): Error {
  const error = new Error(`[egg-sentinel] ${problem}: keep config.rundir a writable directory that nothing cleans while the app runs, ` +
    `or set ${SECRET_ENV_VAR} (\`npx egg-sentinel keygen\`) or config.sentinel.ipc.secret so that no key file is needed`);
  dropStack(error);
  return error;
}

/** How often an unknown key id may make a process read the key file again (an agent that wrote a new key). */
const RELOAD_INTERVAL_MS = 1000;

export class Keyring implements EnvelopeKeys {
  private readonly keys = new Map<string, KeyEntry>();
  private lastReload = 0;
  private readonly macKeys = new Map<string, Map<string, KeyObject>>();
  private readonly instanceKeys = new Map<string, KeyObject>();
  currentKid = '';
  /** Where the signing secret came from, for the boot rules (never the value). */
  readonly source: 'config' | 'generated';
  /**
   * The agent replaced the key file of another cluster that is still running (its master's pid): the two share the
   * run dir (a release's run/ symlinked to a shared one), and that cluster's workers re-forked from now on read this key.
   */
  replacedMasterPid?: number;

  private constructor(private readonly options: KeyringOptions, readonly keyFile: string) {
    this.source = options.secret ? 'config' : 'generated';
  }

  /** The agent's keyring: configured, or the run-file secret (created, or reused from the same master). */
  static forAgent(options: KeyringOptions): Keyring {
    const ring = new Keyring(options, path.join(options.runDir, KEY_FILE));
    if (!options.secret) {
      const existing = readKeyFile(ring.keyFile);
      if (existing && existing.masterPid !== process.ppid && isAlive(existing.masterPid)) ring.replacedMasterPid = existing.masterPid;
      if (!existing || existing.masterPid !== process.ppid) {
        const file: KeyFile = { version: 1, masterPid: process.ppid, secret: crypto.randomBytes(32).toString('base64url') };
        try {
          writePrivateFile(ring.keyFile, JSON.stringify(file));
        } catch (error) {
          throw keyFileError(`cannot write the IPC key file ${ring.keyFile} (${(error as Error).message})`);
        }
      }
    }
    ring.load();
    return ring;
  }

  /** An app worker's keyring: configured, or the run-file secret the agent wrote. */
  static forApp(options: KeyringOptions): Keyring {
    const ring = new Keyring(options, path.join(options.runDir, KEY_FILE));
    ring.load();
    return ring;
  }

  /**
   * load() again after a key change, at most once a second unless forced: a flood of messages or logins naming unknown
   * key ids (anyone on the machine can send them) must not read the key file each time. False when skipped or failed.
   */
  reload(force = false): boolean {
    const now = Date.now();
    if (!force && now - this.lastReload < RELOAD_INTERVAL_MS) return false;
    this.lastReload = now;
    try {
      this.load();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * (Re)reads the secrets; true when the signing key id changed. Called once more on an unknown key id, which is
   * what a worker sees after the agent of a new master generated a new secret.
   */
  load(): boolean {
    const before = this.currentKid;
    const configured = this.options.secret;
    const current = configured ?? readKeyFile(this.keyFile)?.secret;
    if (current === undefined) {
      throw keyFileError(`no IPC secret: ${this.keyFile} is missing, unreadable, or not a private file of this user (a regular file it owns, mode 0600, as the agent writes it when it starts), and no secret is configured`);
    }
    const entries = [
      keyEntry(current, Infinity),
      ...(this.options.previousSecrets ?? []).map(previous => keyEntry(previous.secret, endOf(previous.until))),
    ];
    for (const [ kid, entry ] of entries) if (!this.keys.has(kid)) this.keys.set(kid, entry);
    this.currentKid = entries[0][0];
    const replaced = before !== '' && this.currentKid !== before;
    // The replaced key still verifies what is already in flight, for a short while.
    if (replaced) (this.keys.get(before) as KeyEntry).validUntil = Math.min((this.keys.get(before) as KeyEntry).validUntil, Date.now() + REPLACED_KEY_GRACE_MS);
    return replaced;
  }

  hasKey(kid: string): boolean {
    const entry = this.keys.get(kid);
    return entry !== undefined && (entry.validUntil === Infinity || entry.validUntil >= Date.now());
  }

  macKey(kid: string, direction: string): KeyObject | undefined {
    if (!this.hasKey(kid)) return undefined;
    // Nested maps: no cache-key string is built per message.
    let byDirection = this.macKeys.get(kid);
    if (!byDirection) this.macKeys.set(kid, byDirection = new Map());
    let key = byDirection.get(direction);
    if (!key) byDirection.set(direction, key = this.derive(kid, 'egg-sentinel', `mac|${direction}`));
    return key;
  }

  encryptionKey(kid: string, direction: string, iid: string): KeyObject | undefined {
    if (!this.hasKey(kid)) return undefined;
    const cacheKey = `${kid}|${direction}|${iid}`;
    let key = this.instanceKeys.get(cacheKey);
    if (!key) {
      // One key per sender instance and direction: the sender's sequence number is then a nonce that never repeats.
      key = this.derive(kid, iid, `enc|${direction}`);
      if (this.instanceKeys.size >= MAX_CACHED_INSTANCE_KEYS) this.instanceKeys.delete(this.instanceKeys.keys().next().value as string);
      this.instanceKeys.set(cacheKey, key);
    }
    return key;
  }

  private derive(kid: string, salt: string, purpose: string): KeyObject {
    const secret = (this.keys.get(kid) as KeyEntry).secret;
    const bytes = crypto.hkdfSync('sha256', secret, salt, `egg-sentinel/ipc/v1|${purpose}`, 32);
    return crypto.createSecretKey(Buffer.from(bytes));
  }
}
