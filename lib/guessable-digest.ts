/**
 * Keys that are the digest of a guessable word: they look random, yet hashing a few words finds them (SEN201's cookie
 * keys, SEN502's IPC secret).
 */
import crypto from 'node:crypto';

/**
 * Words a key is sometimes a digest of (`createHash('md5').update(appInfo.name).digest('hex')`): a digest looks random,
 * yet whoever tries these words gets the key.
 */
const GUESSABLE_WORDS = [ '', 'secret', 'password', 'changeme', 'change-me', 'key', 'keys', 'cookie', 'session', 'admin',
  'test', 'example', 'default', 'egg', 'eggjs', '123456', '12345678', 'qwerty', 'letmein', 'cookie-secret', 'session-secret',
  'P@ssw0rd', 'Passw0rd', 'password1', 'admin123' ];
/** What a team appends to the app's name for a key: `shop-prod`, `shop_secret`, `shopkeys`. */
const NAME_SUFFIXES = [ 'prod', 'production', 'secret', 'keys', 'key', 'cookie', 'session' ];
/** Each digest with the length of its hex: a key is only compared with digests at least as long. */
const DIGEST_HEX_LENGTHS = new Map([[ 'md5', 32 ], [ 'sha1', 40 ], [ 'sha256', 64 ], [ 'sha384', 96 ], [ 'sha512', 128 ], [ 'sha3-256', 64 ], [ 'sha3-512', 128 ]]);
/** Hashed twice (`md5(md5(word))`). */
const TWICE_HASHED = [ 'md5', 'sha1', 'sha256' ];
/** The years a team may append to the app's name (`shop2024`, `shop-2025`): from 2010 to next year. */
const NAME_YEARS = Array.from({ length: new Date().getFullYear() + 2 - 2010 }, (_, index) => String(2010 + index));
/**
 * Hex of 32 characters or more (a digest, or its first characters), or base64/base64url of a digest's 16, 20, 32, 48 or
 * 64 bytes: what a digest can look like, so other keys cost no hashing.
 */
const DIGEST_FORM = /^(?:[0-9a-f]{32,128}|[A-Za-z0-9+/_-]{22}(?:==)?|[A-Za-z0-9+/_-]{27}=?|[A-Za-z0-9+/_-]{43}=?|[A-Za-z0-9+/_-]{64}|[A-Za-z0-9+/_-]{86}(?:==)?)$/i;

/**
 * The hex digests of the guessable words and of the app's name (as written, lower-, upper-, capitalized and camel case,
 * without separators), each also with the newline `echo word | md5sum` hashes (`\n` and `\r\n`) and hashed twice
 * (MD5, SHA-1 and SHA-256 of their own hex); and of the name with its usual suffixes and years. Made once per app name
 * and digest, when a key of a digest's form is no longer than the digest. A key is compared as the bytes it encodes,
 * so one hex string per digest serves hex, base64 and base64url keys.
 */
/** By digest and app name. */
const guessableDigests = new Map<string, string[]>();

function guessableWords(appName: string): { words: string[], suffixed: string[] } {
  const name = appName.toLowerCase();
  const camel = name.replace(/[-_. ]+([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  const names = appName ? [ ...new Set([ appName, name, name.toUpperCase(), capitalize(name), camel, capitalize(camel), name.replace(/[-_. ]+/g, '') ]) ] : [];
  return {
    words: [ ...GUESSABLE_WORDS, ...names ].flatMap(base => [ base, `${base}\n`, `${base}\r\n` ]),
    suffixed: appName ? [
      ...NAME_SUFFIXES.flatMap(suffix => [ '-', '_', '.', ':', '' ].map(separator => `${name}${separator}${suffix}`)),
      ...NAME_YEARS.flatMap(year => [ '-', '' ].map(separator => `${name}${separator}${year}`)),
    ] : [],
  };
}

function digestsOf(appName: string, algorithm: string): string[] {
  const cacheKey = `${algorithm} ${appName}`;
  let digests = guessableDigests.get(cacheKey);
  if (digests) return digests;
  const { words, suffixed } = guessableWords(appName);
  const once = words.map(word => hexDigest(algorithm, word));
  digests = [ ...once, ...suffixed.map(word => hexDigest(algorithm, word)), ...TWICE_HASHED.includes(algorithm) ? once.map(digest => hexDigest(algorithm, digest)) : [] ];
  guessableDigests.set(cacheKey, digests);
  return digests;
}

/** node's one-shot crypto.hash (20.12 and later) costs a third of createHash for a short input; createHash before it. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;

function hexDigest(algorithm: string, data: string): string {
  return oneShotHash ? oneShotHash(algorithm, data) : crypto.createHash(algorithm).update(data).digest('hex');
}

/** The bytes a key of a digest's form encodes, as hex: hex keys as they are (lower-cased), base64 ones decoded. */
function keyBytesAsHex(key: string): string {
  return /^[0-9a-f]+$/i.test(key) ? key.toLowerCase() : Buffer.from(key.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('hex');
}

/** Whether `key` is (the start of) the MD5/SHA digest of a guessable word or of the app's name, as hex, base64 or base64url. */
export function isGuessableDigest(key: string, appName: string | undefined): boolean {
  if (!DIGEST_FORM.test(key)) return false;
  const bytes = keyBytesAsHex(key);
  // The first characters of a hex digest count too (`sha256(name)` cut to 32).
  if (bytes.length < 32) return false;
  return [ ...DIGEST_HEX_LENGTHS ].some(([ algorithm, length ]) => length >= bytes.length && digestsOf(appName ?? '', algorithm).some(digest => digest.startsWith(bytes)));
}
