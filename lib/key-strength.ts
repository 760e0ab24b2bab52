/**
 * How far a guesser gets with a hand-written secret: the words and well-known texts it is mostly made of, also read
 * as cracking rule sets read it (backwards, in ROT13, with leetspeak undone), and the text it encodes. SEN201 (cookie
 * keys) and SEN502 (the IPC secret) judge secrets by it.
 */
import { besideGuessableDigest, GUESSABLE_DIGEST } from './guessable-digest';
import { estimateSecretBits } from './ipc/keyring';
import passphraseWordData from './data/passphrase-words.json';
import { escapeRegExp } from './regexp';

/**
 * Words keys are made of when someone writes one by hand (`acme-backend-cookie-signing-key-prod`): with the app's name,
 * a guesser tries them first. Each has a letter outside a-f, so no hex key loses characters to them.
 */
const KEY_WORDS = [ 'admin', 'api', 'app', 'application', 'auth', 'backend', 'change', 'changeme', 'company', 'config', 'cookie', 'cookies',
  'corp', 'default', 'demo', 'dev', 'develop', 'development', 'egg', 'eggjs', 'example', 'for', 'frontend', 'inc', 'internal', 'jwt', 'key',
  'keys', 'koa', 'live', 'local', 'long', 'ltd', 'main', 'master', 'my', 'new', 'node', 'nodejs', 'our', 'pass', 'password', 'please',
  'private', 'prod', 'production', 'project', 'public', 'random', 'release', 'secret', 'secrets', 'server', 'service', 'session',
  'sessions', 'settings', 'sign', 'signature', 'signing', 'site', 'stage', 'staging', 'string', 'strong', 'super', 'team', 'test',
  'testing', 'the', 'this', 'token', 'top', 'user', 'users', 'value', 'very', 'web', 'website', 'with', 'your',
  // The same words in the languages keys are most often written in besides English (Spanish, Portuguese, French, German,
  // Italian, Dutch, Polish; Chinese pinyin), without accents: `contraseña-secreta-de-producción` folds to them.
  'clave', 'contrasena', 'secreta', 'secreto', 'produccion', 'senha', 'segredo', 'chave', 'producao', 'motdepasse', 'passe', 'cle',
  'passwort', 'geheim', 'schluessel', 'schlussel', 'produktion', 'chiave', 'segreta', 'segreto', 'produzione', 'wachtwoord', 'sleutel',
  'productie', 'haslo', 'klucz', 'tajny', 'produkcja', 'mima', 'miyao', 'shengchan' ];
/** A key whose words and app name (or well-known text) make up at least this share of it is judged by what remains. */
const MOSTLY_WORDS = 1 / 3;
/**
 * The share for a secret read in another way (backwards, ROT13, leetspeak undone): a random key read six more ways
 * finds words more often (`…clave…api…`, a third of a 16-byte base64 key read backwards with `4` as `a`; about 1 in
 * 100,000 such keys, and of 32-character base32 ones, reach a third), while a hand-made key is mostly words
 * (`c00k1e-k3y-pr0duct10n-s3cr3t` three quarters, `th1s-1s-th3-s3cr3t-0f-<app>-f0r-pr0duct10n-…` close to half).
 */
const MOSTLY_WORDS_READ = 2 / 5;

/**
 * The EFF's large word list (lib/data/passphrase-words.json): diceware and passphrase generators draw each word from
 * its 7,776, so a word carries log2(7776) = 12.9 bits (wordBits) whatever its length.
 */
let passphraseWords: { words: string[]; wordBits: number; longest: number; runs: RegExp } | undefined;

/**
 * The list without hyphens (`t-shirt`, concatenated, is `tshirt`), read when a key is first judged (split, not
 * decoded word by word: this runs cold, at boot); and the runs of letters a passphrase's words are sought in:
 * as generators write a word (`clarity`, `Clarity`, `CLARITY`; `ClarityPajamas` is two runs), or a hyphenated list word.
 */
export function passphraseWordList(): { words: string[]; wordBits: number; longest: number; runs: RegExp } {
  if (!passphraseWords) {
    const listed = passphraseWordData.words.split(' ');
    const hyphenated = listed.filter(word => word.includes('-'));
    const words = listed.map(word => word.replace(/-/g, ''));
    passphraseWords = { words, wordBits: Math.log2(words.length), longest: words.reduce((most, word) => Math.max(most, word.length), 0), runs: new RegExp(`${hyphenated.map(word => `${word}(?![a-z])|`).join('')}[A-Z]?[a-z]+|[A-Z]+(?![a-z])`, 'g') };
  }
  return passphraseWords;
}

/**
 * Per app name: KEY_WORDS and the app's name (whole, without separators, and its parts) as one RegExp, longest first;
 * the app's name as a prefix or suffix, with KEY_WORDS beside it (`<name>_`, `my-<name>-prod-`, `-<name>`); and the words
 * a passphrase may be made of (the EFF list, KEY_WORDS and the name's), with the longest one's length.
 */
const keyWordsByApp = new Map<string, { pattern: RegExp; nameAffixes?: RegExp; passphrase: ReadonlySet<string>; longest: number }>();

/** What separates words in a hand-written key: one character, so a secret's own leading `-` or `_` stays with it. */
const WORD_SEPARATOR = '[-_.:/ ]';

function keyWords(appName: string): { pattern: RegExp; nameAffixes?: RegExp; passphrase: ReadonlySet<string>; longest: number } {
  let found = keyWordsByApp.get(appName);
  if (!found) {
    const name = appName.toLowerCase();
    const wholeNames = name ? [ ...new Set([ name, name.replace(/[^a-z0-9]/g, '') ]) ].map(escapeRegExp).join('|') : '';
    const names = name ? [ name, name.replace(/[^a-z0-9]/g, ''), ...name.split(/[^a-z0-9]+/).filter(part => part.length >= 3) ] : [];
    const words = [ ...new Set([ ...names, ...KEY_WORDS ]) ].sort((a, b) => b.length - a.length);
    const keyWordsSource = KEY_WORDS.map(escapeRegExp).join('|');
    const passphrase = new Set([ ...passphraseWordList().words, ...words.filter(word => /^[a-z]+$/.test(word)) ]);
    found = {
      pattern: new RegExp(words.map(escapeRegExp).join('|'), 'gi'),
      nameAffixes: wholeNames ? new RegExp(`^(?:(?:${keyWordsSource})${WORD_SEPARATOR})*(?:${wholeNames})(?:${WORD_SEPARATOR}(?:${keyWordsSource}))*${WORD_SEPARATOR}|` +
        `${WORD_SEPARATOR}(?:(?:${keyWordsSource})${WORD_SEPARATOR})*(?:${wholeNames})(?:${WORD_SEPARATOR}(?:${keyWordsSource}))*$`, 'gi') : undefined,
      passphrase,
      longest: words.reduce((most, word) => Math.max(most, word.length), passphraseWordList().longest),
    };
    keyWordsByApp.set(appName, found);
  }
  return found;
}

/**
 * A secret without the app's name as a prefix or suffix (`<name>_<secret>`, as egg's scaffold writes keys; KEY_WORDS
 * may stand beside the name): whoever knows the app knows them, so they add nothing, and take nothing from the rest,
 * which is judged as if alone. The secret itself when it has none, or when the rest is such words too (a key of
 * words, which weakestTextReading describes).
 */
export function withoutAppNameAffixes(secret: string, appName: string | undefined): string {
  if (!appName) return secret;
  // Most keys hold no form of the name: the affix RegExp (long alternations, any case) need not be compiled for them.
  const name = appName.toLowerCase();
  const lower = secret.toLowerCase();
  if (!lower.includes(name) && !lower.includes(name.replace(/[^a-z0-9]/g, ''))) return secret;
  const { nameAffixes, pattern } = keyWords(appName);
  const rest = nameAffixes ? secret.replace(nameAffixes, '') : secret;
  return /[a-z0-9]/i.test(rest.replace(pattern, '')) ? rest : secret;
}

/** How a secret's remainder is estimated: as the secret alone would be (SEN201 corrects a short random key's sample). */
export type EstimateBits = (secret: string) => number;

/** Found in a reading: what it is made of, the bits left, and the share of its letters and digits found. */
type Found = Omit<TextReading, 'read'>;

/**
 * What a reading leaves once the characters `taken` marks (words found in it) are guessed: undefined when they are
 * fewer than `mostly` letters and digits (a random key that happens to hold a word); else their share, and the bits of
 * the rest: the secret's own characters beside them (in the reading's order), without the separators next to them,
 * estimated as the secret alone would be, so `<app name>_<random>` keeps its random part's bits.
 */
function beside({ text, plain }: Reading, taken: readonly boolean[], mostly: number, estimate: EstimateBits): { share: number; restBits: number } | undefined {
  let found = 0;
  let all = 0;
  for (let at = 0; at < text.length; at++) {
    if (!/[a-z0-9]/i.test(text[at])) continue;
    all++;
    if (taken[at]) found++;
  }
  if (found < mostly) return undefined;
  const dropped = [ ...taken ];
  const separator = (at: number) => /[^\p{L}\p{N}]/u.test(plain[at]);
  for (let at = 1; at < plain.length; at++) dropped[at] ||= dropped[at - 1] && separator(at);
  for (let at = plain.length - 2; at >= 0; at--) dropped[at] ||= dropped[at + 1] && separator(at);
  const rest = plain.split('').filter((_, at) => !dropped[at]).join('');
  return { share: found / all, restBits: rest ? estimate(rest) : 0 };
}

/**
 * Each run of letters of a word as people write it: `cookie`, `Cookie`, `COOKIE`, or backwards (`eikooC`). Random
 * characters mix the cases letter by letter, so the words they hold by chance (`qmYLjWt` holds `my` and `jwt`) are not these.
 */
const WRITTEN_CASE = /^(?:[A-Z]?[a-z]+|[A-Z]+|[a-z]+[A-Z])$/;

function writtenAsAWord(match: string): boolean {
  return (match.match(/\p{L}+/gu) ?? []).every(run => WRITTEN_CASE.test(run) || !/[A-Za-z]/.test(run));
}

/**
 * The app's name (whole, and its parts) and KEY_WORDS, wherever they stand in a reading and written in a case people
 * write words in, cost a guesser nothing.
 */
function keyWordsIn(reading: Reading, mostly: number, appName: string | undefined, estimate: EstimateBits): Found | undefined {
  const taken = new Array<boolean>(reading.text.length).fill(false);
  for (const match of reading.text.matchAll(keyWords(appName ?? '').pattern)) {
    if (writtenAsAWord(match[0])) taken.fill(true, match.index, match.index + match[0].length);
  }
  const rest = beside(reading, taken, mostly, estimate);
  return rest && { madeOf: 'words', bits: rest.restBits, share: rest.share };
}

/** The fewest words of `words` that make up `run` (lower case), Infinity when they do not. */
function fewestWords(run: string, words: ReadonlySet<string>, longest: number): number {
  const fewest = [ 0 ];
  for (let end = 1; end <= run.length; end++) {
    fewest[end] = Infinity;
    for (let start = Math.max(0, end - longest); start < end; start++) {
      if (fewest[start] + 1 < fewest[end] && words.has(run.slice(start, end))) fewest[end] = fewest[start] + 1;
    }
  }
  return fewest[run.length];
}

/**
 * A passphrase: runs of letters each made of list words (`clarity-pajamas`, `ClarityPajamas`, `claritypajamas`), at
 * the list's bits a word, however many characters they take; the rest as the secret alone would be estimated.
 */
function passphraseWordsIn(reading: Reading, mostly: number, appName: string | undefined, estimate: EstimateBits): Found | undefined {
  const { passphrase, longest } = keyWords(appName ?? '');
  const taken = new Array<boolean>(reading.text.length).fill(false);
  let words = 0;
  for (const match of reading.text.matchAll(passphraseWordList().runs)) {
    const count = fewestWords(match[0].toLowerCase().replace(/-/g, ''), passphrase, longest);
    if (count === Infinity) continue;
    words += count;
    taken.fill(true, match.index, match.index + match[0].length);
  }
  const rest = words ? beside(reading, taken, mostly, estimate) : undefined;
  return rest && { madeOf: 'passphrase words', bits: Math.round(words * passphraseWordList().wordBits) + rest.restBits, share: rest.share, words };
}

/** `producción` → `produccion`, `schlüssel` → `schlussel`, `hasło` → `haslo`: as a guesser types the words. */
function withoutAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/ł/g, 'l').replace(/ß/g, 'ss');
}

/**
 * Texts everyone has seen, which a guesser tries as they are: lorem ipsum, pangrams, phrases from films, books and
 * comics (xkcd's `correct horse battery staple`), the first digits of mathematical constants (π, e, √2, φ), and keys
 * documentation prints as examples.
 * Compared folded (lowercase letters and digits only), so spacing, case and punctuation make no difference.
 */
const WELL_KNOWN_TEXTS = [
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua',
  'ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat',
  'the quick brown fox jumps over the lazy dog', 'pack my box with five dozen liquor jugs', 'sphinx of black quartz judge my vow',
  'jackdaws love my big sphinx of quartz', 'how vexingly quick daft zebras jump', 'the five boxing wizards jump quickly',
  'correct horse battery staple', 'hello world', 'to be or not to be that is the question', 'all work and no play makes jack a dull boy',
  'it was the best of times it was the worst of times', 'may the force be with you', 'i solemnly swear that i am up to no good',
  'the cake is a lie', 'winter is coming', 'open sesame', 'never gonna give you up never gonna let you down',
  'four score and seven years ago', 'in the beginning god created the heaven and the earth', 'call me ishmael',
  'a long time ago in a galaxy far far away', 'one ring to rule them all', 'there is no spoon', 'live long and prosper',
  '3141592653589793238462643383279502884197169399375105820974944592307816406286208998628034825342117067',
  '2718281828459045235360287471352662497757247093699959574966967627724076630353547594571382178525166427',
  '1414213562373095048801688724209698078569671875376948073176679737990732478462107038850387534327641572',
  '1618033988749894848204586834365638117720309179805762862135448622705260462818902449707207204189391137',
  // The same constants in hex, as crypto texts spell them: Blowfish's P-array (π), the AES example key (e), SHA-256's
  // first words (√2, and its IV), the golden ratio of hash tables (φ).
  '3243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89452821e638d01377be5466cf34e90c6cc0ac',
  '2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef324e7738926cfbe5f4bf8d8d8c31d763da06',
  '16a09e667f3bcc908b2fb1366ea957d3e3adec17512775099da2f590b0667322a95f90608757145875163fcdfb907b6721ee9',
  '19e3779b97f4a7c15f39cc0605cedc8341082276bf3a27251f86c6a11d0c18e952767f0b153d27b7f0347045b5bf1827f0188',
  '6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19',
  // Keys documentation prints, copied as they are: AWS's example secret and access keys (its SigV4 test suite writes
  // `+` for the first `/`: folded, the same), and RFC 7515's HS256 key (A.1), which JWT libraries test with.
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY', 'AKIAIOSFODNN7EXAMPLE', 'AKIAI44QH8DHBEXAMPLE',
  'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
].map(text => text.toLowerCase().replace(/[^a-z0-9]/g, '')).join('|');
/** The shortest part of a well-known text counted as taken from it: three short words, or ten digits. */
const MIN_WELL_KNOWN_RUN = 10;
const MAX_WELL_KNOWN_SEARCH = 512;
/** Every `length` characters of WELL_KNOWN_TEXTS. */
function wellKnownPieces(length: number): Set<string> {
  return new Set(WELL_KNOWN_TEXTS.split('|').flatMap(text => Array.from({ length: Math.max(0, text.length - length + 1) }, (_, at) => text.slice(at, at + length))));
}
/** Where a run can start: one lookup per character instead of a search of the texts. */
const WELL_KNOWN_STARTS = wellKnownPieces(MIN_WELL_KNOWN_RUN);
/**
 * A run of MIN_WELL_KNOWN_RUN characters holds one of these at a multiple of half that length: a text where none is
 * found there (a random key, read in each of its readings) holds no run, at a fifth of the lookups.
 */
const WELL_KNOWN_HALF = MIN_WELL_KNOWN_RUN / 2;
const WELL_KNOWN_HALVES = wellKnownPieces(WELL_KNOWN_HALF);

/**
 * The bits left of a reading of a secret without its separators (`alphanumeric`, lower case) once the runs of
 * MIN_WELL_KNOWN_RUN or more characters it shares with WELL_KNOWN_TEXTS are taken out; undefined when they make up
 * fewer than `mostly` characters.
 */
function wellKnownTextIn(alphanumeric: string, mostly: number): Found | undefined {
  // Past MAX_WELL_KNOWN_SEARCH characters the rest counts as it is (the search is quadratic).
  const searched = alphanumeric.slice(0, MAX_WELL_KNOWN_SEARCH);
  let holdsHalf = false;
  for (let at = 0; at + WELL_KNOWN_HALF <= searched.length && !holdsHalf; at += WELL_KNOWN_HALF) holdsHalf = WELL_KNOWN_HALVES.has(searched.slice(at, at + WELL_KNOWN_HALF));
  if (!holdsHalf) return undefined;
  const runs: Array<[ number, number ]> = [];
  let taken = 0;
  for (let index = 0; index < searched.length;) {
    if (!WELL_KNOWN_STARTS.has(searched.slice(index, index + MIN_WELL_KNOWN_RUN))) {
      index += 1;
      continue;
    }
    let end = index + MIN_WELL_KNOWN_RUN;
    while (end < searched.length && WELL_KNOWN_TEXTS.includes(searched.slice(index, end + 1))) end++;
    runs.push([ index, end ]);
    taken += end - index;
    index = end;
  }
  if (taken < mostly) return undefined;
  let rest = '';
  let from = 0;
  for (const [ start, end ] of runs) {
    rest += alphanumeric.slice(from, start);
    from = end;
  }
  rest += alphanumeric.slice(from);
  return { madeOf: 'well-known text', bits: rest ? estimateSecretBits(rest) : 0, share: taken / alphanumeric.length };
}

/**
 * Leetspeak as cracking rule sets undo it (hashcat's leetspeak rules): `c00k1e-k3y` is `cookie-key`. `1` stands for
 * `i` as often as for `l`: readings tries both.
 */
const LEET: Readonly<Record<string, string>> = { 0: 'o', 3: 'e', 4: 'a', 5: 's', 7: 't', 8: 'b', 9: 'g', '@': 'a', $: 's', '!': 'i' };
const LEET_CHARS = /[01345789@$!]/;
const LEET_CHARS_ALL = new RegExp(LEET_CHARS.source, 'g');

/** Letters moved 13 places along the alphabet, in their case, the rest as it is: ROT13 is its own inverse. */
function rot13(text: string): string {
  return text.replace(/[a-z]/gi, letter => {
    const a = letter <= 'Z' ? 65 : 97;
    return String.fromCharCode((letter.charCodeAt(0) - a + 13) % 26 + a);
  });
}

/**
 * A secret as a guesser reads it (`text`, accents dropped: `Producción` is `Produccion`; words are found in it
 * whatever their case), and its own characters in the same order (`plain`), which what remains beside the words
 * is taken from.
 */
interface Reading { text: string; plain: string; read?: string }

/**
 * A secret as written and as cracking rules transform it (backwards, ROT13, leetspeak undone), each with how it was
 * read (undefined: as written). Each keeps the secret's length, so a character of `text` stands where it did in `plain`.
 */
function readings(secret: string): Reading[] {
  const plain = withoutAccents(secret);
  const found: Reading[] = [];
  const backwards = [ ...plain ].reverse().join('');
  for (const [ text, order ] of [[ plain, '' ], [ backwards, 'read backwards' ]]) {
    if (order && text.toLowerCase() === plain.toLowerCase()) continue;
    const read = (how: string) => [ order, how ].filter(Boolean).join(' ') || undefined;
    found.push({ text, plain: text, read: read('') });
    if (/[a-z]/i.test(text)) found.push({ text: rot13(text), plain: text, read: read('in ROT13') });
    if (!LEET_CHARS.test(text)) continue;
    for (const one of text.includes('1') ? [ 'i', 'l' ] : [ 'i' ]) {
      found.push({ text: text.replace(LEET_CHARS_ALL, char => (char === '1' ? one : LEET[char])), plain: text, read: read('with its leetspeak undone') });
    }
  }
  return found;
}

/** What a secret is mostly made of, and the bits left beside it. */
export interface TextReading {
  madeOf: 'words' | 'well-known text' | 'passphrase words';
  /** The bits left beside the words or text; for a passphrase, its words' and the rest's. */
  bits: number;
  /** The share of the reading's letters and digits the words or text make up. */
  share: number;
  /** How many list words a passphrase is made of. */
  words?: number;
  /** How the secret reads as that (`read backwards`, `in ROT13`, `with its leetspeak undone`); undefined as written. */
  read?: string;
}

/**
 * The reading of a secret (as written or as readings transforms it) that leaves the fewest bits beside the
 * well-known texts or the app's name and KEY_WORDS it is mostly made of, or as a passphrase of list words;
 * undefined when none is mostly made of them. `estimate`: how the rest is estimated, as the secret alone would be.
 */
export function weakestTextReading(secret: string, appName: string | undefined, estimate: EstimateBits = estimateSecretBits): TextReading | undefined {
  let weakest: TextReading | undefined;
  for (const reading of readings(secret)) {
    const mostly = secret.length * (reading.read ? MOSTLY_WORDS_READ : MOSTLY_WORDS);
    for (const found of [ wellKnownTextIn(reading.text.toLowerCase().replace(/[^a-z0-9]/g, ''), mostly), keyWordsIn(reading, mostly, appName, estimate),
      passphraseWordsIn(reading, mostly, appName, estimate) ]) {
      if (found && (!weakest || found.bits < weakest.bits)) weakest = { ...found, read: reading.read };
    }
  }
  return weakest;
}

/**
 * `read backwards, it is mostly the app's name and words keys are made of (…)`, `33 % of it is …` when that is less
 * than half of it, `it is 4 words of a passphrase word list (…)`: never the secret, nor its words.
 */
export function describeTextReading({ madeOf, share, words, read }: TextReading): string {
  const how = read ? `${read}, ` : '';
  if (madeOf === 'passphrase words') {
    return `${how}it is ${share < 1 ? 'mostly ' : ''}${words} words of a passphrase word list (the EFF's, which diceware draws from: ` +
      `${passphraseWordList().wordBits.toFixed(1)} bits a word, whatever its length)`;
  }
  const what = madeOf === 'words' ? 'the app\'s name and words keys are made of (cookie, key, prod…)' :
    'well-known text (filler text, a pangram, a famous phrase, the digits of a mathematical constant or a key documentation prints as an example)';
  return `${how}${share >= 1 / 2 ? 'it is mostly' : `${Math.round(share * 100)} % of it is`} ${what}`;
}

/**
 * Text a key may encode (words, digits, common punctuation, letters of any script): what 16 random bytes decode to
 * about once in 300 million keys, so a random hex key is not judged as text by chance.
 */
const DECODED_TEXT = /^[\p{L}\p{N} _.,:;!?'@+/=-]+$/u;
/** base64 of the hex of a digest (`base64(md5hex(word))`) is two decodings deep. */
export const MAX_DECODINGS = 2;

/** A string decoded as UTF-8 from hex, and from base64 or base64url, when it is written in that alphabet. */
export function decodedForms(literal: string): Array<{ encoding: 'hex' | 'base64'; text: string }> {
  const out: Array<{ encoding: 'hex' | 'base64'; text: string }> = [];
  if (/^[0-9a-f]+$/i.test(literal) && literal.length % 2 === 0) out.push({ encoding: 'hex', text: Buffer.from(literal, 'hex').toString('utf8') });
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(literal)) out.push({ encoding: 'base64', text: Buffer.from(literal, 'base64').toString('utf8') });
  return out;
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** RFC 4648 base32 in upper or lower case (not mixed: that is base64's alphabet), padded or not. */
const BASE32 = /^(?:[A-Z2-7]+|[a-z2-7]+)=*$/;
/** The lengths modulo 8 a base32 text without its padding can have: 5 bytes fill 8 characters. */
const BASE32_TAIL_LENGTHS = new Set([ 0, 2, 4, 5, 7 ]);

/** The text a base32 string encodes, as UTF-8; undefined when it is no valid base32. */
function base32Text(encoded: string): string | undefined {
  const body = encoded.replace(/=+$/, '');
  if (!BASE32.test(encoded) || !BASE32_TAIL_LENGTHS.has(body.length % 8) || (body !== encoded && encoded.length % 8 !== 0)) return undefined;
  const bytes: number[] = [];
  let value = 0;
  let bits = 0;
  for (const char of body.toUpperCase()) {
    value = (value << 5 | BASE32_ALPHABET.indexOf(char)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push(value >> bits & 0xff);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The text a secret encodes in hex, base64, base64url or base32 (TOTP secrets' encoding), when that is text (DECODED_TEXT). */
export function encodedTexts(secret: string): Array<{ encoding: 'hex' | 'base64' | 'base32'; text: string }> {
  const base32 = base32Text(secret);
  return [ ...decodedForms(secret), ...base32 === undefined ? [] : [{ encoding: 'base32' as const, text: base32 }] ]
    .filter(({ text }) => text !== secret && DECODED_TEXT.test(text));
}

/**
 * A secret's strength in bits as SEN502 judges it: estimateSecretBits, or less when a reading of it is mostly words or
 * well-known text (weakestTextReading), or when it encodes text that is weaker; `weakness` says which, never quoting it.
 */
export function guessableBits(secret: string, appName: string | undefined, decodings = 0): { bits: number; weakness?: string } {
  // `sha256(appInfo.name)` looks random, yet hashing the app's name finds it; what stands beside such a digest
  // (`prod-<digest>`) is what is left to guess.
  const rest = besideGuessableDigest(secret, appName);
  if (rest !== undefined) {
    if (rest === '') return { bits: 0, weakness: `it is ${GUESSABLE_DIGEST}` };
    const beside = guessableBits(rest, appName, decodings);
    return { bits: beside.bits, weakness: `it holds ${GUESSABLE_DIGEST}, beside which about ${beside.bits} bits remain` };
  }
  let weakest: { bits: number; weakness?: string } = { bits: estimateSecretBits(secret) };
  const reading = weakestTextReading(secret, appName);
  if (reading && reading.bits < weakest.bits) weakest = { bits: reading.bits, weakness: describeTextReading(reading) };
  if (decodings >= MAX_DECODINGS) return weakest;
  for (const { encoding, text } of encodedTexts(secret)) {
    const inner = guessableBits(text, appName, decodings + 1);
    if (inner.bits < weakest.bits) weakest = { bits: inner.bits, weakness: `it is ${encoding} of text that is guessable${inner.weakness ? `: ${inner.weakness}` : ''}` };
  }
  return weakest;
}
