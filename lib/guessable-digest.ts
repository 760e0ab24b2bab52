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
/**
 * The passwords at the top of every leaked-password list (RockYou, SecLists' top 100) and the phrases docs put in
 * `secret:` (`keyboard cat`), the first words a guesser hashes. Hashed with COMMON_ALGORITHMS only, when a key of a
 * digest's form is judged: nothing is hashed at load.
 */
const COMMON_PASSWORDS = [ 'password123', 'password12', 'Password1', 'Password123', 'passw0rd', 'pass', 'pass123', 'qwerty123', 'qwerty1',
  'qwertyuiop', 'iloveyou', 'iloveyou1', 'welcome', 'welcome1', 'welcome123', 'abc123', 'abc12345', '123abc', 'a123456', '123456a', 'Aa123456',
  '1234', '12345', '1234567', '123456789', '1234567890', '987654321', '654321', '111111', '11111111', '000000', '123123', '123321', '112233',
  '121212', '666666', '777777', '7777777', '555555', '159753', 'aaaaaa', '1q2w3e', '1q2w3e4r', '1q2w3e4r5t', '1qaz2wsx', 'zaq12wsx', 'qazwsx',
  'qwe123', '123qwe', '1234qwer', 'asdf1234', 'asdfgh', 'zxcvbn', 'zxcvbnm', 'monkey', 'dragon', 'master', 'shadow', 'sunshine', 'princess',
  'football', 'baseball', 'soccer', 'hockey', 'superman', 'batman', 'starwars', 'trustno1', 'freedom', 'whatever', 'computer', 'michael',
  'jessica', 'jennifer', 'charlie', 'jordan', 'hunter', 'hunter2', 'tigger', 'summer', 'love', 'access', 'login', 'root', 'toor', 'guest',
  'administrator', 'admin1', 'root123', 'test123', 'changeit', 'mysecret', 'mysecretkey', 'secretkey', 'secret123', 'supersecret',
  'topsecret', 'keyboard cat', 'mypassword', 'woaini1314', '5201314', 'seed', 'salt' ];
/** What a team writes beside the app's name for a key: `shop-prod`, `shop_secret`, `prod-shop`, `shopkeys`. */
const NAME_AFFIXES = [ 'prod', 'production', 'secret', 'keys', 'key', 'cookie', 'session' ];
/** Longer suffixes, only after the name: `shop-cookie-secret`, `shop-v1`, `shop1`. */
const NAME_SUFFIXES = [ 'cookie-secret', 'session-secret', 'secret-key', 'cookie-key', 'signing-key', 'keys-secret', 'salt', 'seed', 'token',
  'jwt', 'v1', 'v2', '1', '123', 'dev', 'test', 'staging' ];
const AFFIX_SEPARATORS = [ '-', '_', '.', ':', '' ];
/** The name and a version (`appInfo.name + appInfo.pkg.version`): the versions npm init and egg-init write, and 1.0. */
const NAME_VERSIONS = [ '1.0.0', '0.0.1', '0.1.0', '1.0' ].flatMap(version => [ '', '-', '@', '_', ':', ' ', '-v', 'v' ].map(separator => `${separator}${version}`));
/** Each digest with the length of its hex: a key is only compared with digests at least as long. */
const DIGEST_HEX_LENGTHS = new Map([[ 'md5', 32 ], [ 'sha1', 40 ], [ 'sha256', 64 ], [ 'sha384', 96 ], [ 'sha512', 128 ], [ 'sha3-256', 64 ], [ 'sha3-512', 128 ]]);
/** What `md5sum`/`sha1sum`/`sha256sum`/`sha512sum` and most snippets use: the common passwords and affixed names are hashed with these. */
const COMMON_ALGORITHMS = new Set([ 'md5', 'sha1', 'sha256', 'sha512' ]);
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
 * (MD5, SHA-1 and SHA-256 of their own hex); and, with COMMON_ALGORITHMS, of the common passwords (also with `\n`)
 * and of the name with its usual affixes, years and versions. Made once per app name and digest, when a key of a
 * digest's form is no longer than the digest. A key is compared as the bytes it encodes, so one hex string per digest
 * serves hex, base64 and base64url keys.
 */
/** By digest and app name. */
const guessableDigests = new Map<string, string[]>();

function guessableWords(appName: string): { words: string[], common: string[] } {
  const name = appName.toLowerCase();
  const camel = name.replace(/[-_. ]+([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  const names = appName ? [ ...new Set([ appName, name, name.toUpperCase(), capitalize(name), camel, capitalize(camel), name.replace(/[-_. ]+/g, '') ]) ] : [];
  const affixed = appName ? [
    ...NAME_AFFIXES.flatMap(affix => AFFIX_SEPARATORS.flatMap(separator => [ `${name}${separator}${affix}`, `${affix}${separator}${name}` ])),
    ...NAME_SUFFIXES.flatMap(suffix => AFFIX_SEPARATORS.map(separator => `${name}${separator}${suffix}`)),
    ...NAME_YEARS.flatMap(year => [ '-', '' ].map(separator => `${name}${separator}${year}`)),
    ...NAME_VERSIONS.map(version => `${name}${version}`),
  ] : [];
  return {
    words: [ ...GUESSABLE_WORDS, ...names ].flatMap(base => [ base, `${base}\n`, `${base}\r\n` ]),
    common: [ ...COMMON_PASSWORDS.flatMap(word => [ word, `${word}\n` ]), ...affixed ],
  };
}

function digestsOf(appName: string, algorithm: string): string[] {
  const cacheKey = `${algorithm} ${appName}`;
  let digests = guessableDigests.get(cacheKey);
  if (digests) return digests;
  const { words, common } = guessableWords(appName);
  const once = words.map(word => hexDigest(algorithm, word));
  digests = [ ...once, ...COMMON_ALGORITHMS.has(algorithm) ? common.map(word => hexDigest(algorithm, word)) : [],
    ...TWICE_HASHED.includes(algorithm) ? once.map(digest => hexDigest(algorithm, digest)) : [] ];
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

/** What SEN201 and SEN502 say of such a key, never naming the word. */
export const GUESSABLE_DIGEST = 'the MD5/SHA digest of a guessable word (a placeholder, a common password or the app\'s name)';

/** What joins a digest to the rest of a key (`prod-<digest>`, `<digest>.v2`); base64url's `-` and `_` join hex digests only. */
const PART_SEPARATOR = /[.:@ ]/g;
const HEX_RUN = /[0-9a-f]{32,}/gi;

/**
 * A key without the guessable digest it is or holds: '' when it is one (isGuessableDigest); the rest, without the
 * separators next to the digest, when a hex run in it is one or begins or ends with a whole one (`prod-<md5(name)>`,
 * `<md5(name)><md5(name + '1')>`), or when a part of it beside a `.`, `:`, `@` or space is one; undefined when it
 * holds none. Whoever hashes the word has that part: the rest is what is left to guess.
 */
export function besideGuessableDigest(key: string, appName: string | undefined): string | undefined {
  if (isGuessableDigest(key, appName)) return '';
  const without = (start: number, end: number) => key.slice(0, start).replace(/[-_.:@ ]+$/, '') + key.slice(end).replace(/^[-_.:@ ]+/, '');
  for (const { 0: run, index } of key.matchAll(HEX_RUN)) {
    if (run.length < key.length && isGuessableDigest(run, appName)) return without(index, index + run.length);
    for (const [ algorithm, length ] of DIGEST_HEX_LENGTHS) {
      if (length >= run.length) continue;
      for (const start of [ index, index + run.length - length ]) {
        if (digestsOf(appName ?? '', algorithm).includes(key.slice(start, start + length).toLowerCase())) return without(start, start + length);
      }
    }
  }
  for (const { index } of key.matchAll(PART_SEPARATOR)) {
    for (const [ start, end ] of [[ 0, index ], [ index + 1, key.length ]]) {
      if (isGuessableDigest(key.slice(start, end), appName)) return without(start, end);
    }
  }
  return undefined;
}
