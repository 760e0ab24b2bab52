/** Threat 2: exposure of sensitive configuration. */
import crypto from 'node:crypto';
import path from 'node:path';
import { toDisplayPath } from '../facts/collect';
import { type CommittedSecret, type FileModeFact, APP_CONFIG_FILE, ASSET_READ_BYTES, ASSIGNS_ENVIRONMENT, CONFIG_TEXT_LIMIT, FILE_BYTES, STATIC_READ_BYTES, STATIC_READ_LIMIT, STATIC_SCAN_LIMIT, MIN_COPIED_SECRET, TREE_DEPTH, exposure } from '../facts/files';
import { isInside } from '../facts/real-path';
import { EGG_APP_CONFIG_MARKER } from '../facts/plugin-list';
import type { Facts } from '../facts/types';
import { alphabetBits, estimateSecretBits } from '../ipc/keyring';
import { besideGuessableDigest, GUESSABLE_DIGEST } from '../guessable-digest';
import { unescapeJs } from '../js-literal';
import { decodedForms, describeTextReading, encodedTexts, MAX_DECODINGS, weakestTextReading, withoutAppNameAffixes } from '../key-strength';
import { printableName } from '../printable';
import { escapeRegExp } from '../regexp';
import { bitsPerChar, configSecrets, decodeOrKeep, detectSecretValues, placeholderKind, type SecretLeaf } from '../secrets';
import { MAX_WALK_DEPTH } from '../walk';
import type { Rule, RuleHit } from './types';

/** `<appname>_<13-digit ms timestamp>_<number>`, what egg-init and the boilerplates write into config.keys. */
const SCAFFOLD_KEY = /^[\w.@/-]*_\d{13}_\d{1,5}$/;
/** As 16 random bytes in hex. A shorter key passes only when it reads as random (readsAsRandom). */
const MIN_KEY_LENGTH = 32;
const MIN_DISTINCT_CHARS = 8;
const MIN_BITS_PER_CHAR = 2.5;
/** 16 random bytes: 32 characters in hex, 22 in base64url, 24 in base64. */
const MIN_KEY_BITS = 128;
/** base64 or base64url, `=` padding allowed. */
const BASE64_KEY = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Whether a key under MIN_KEY_LENGTH characters reads as random rather than as text: the base64 or base64url of random
 * bytes, or random characters of printable ASCII with symbols among them (a password manager's). Random characters
 * mix the cases letter by letter, so it holds lower-case letters and an upper-case letter that does not start a
 * lower-case word; words (`purple-elephant-dancing`, `PurpleElephantDancing`, `PURPLE_ELEPHANT`, `Summer2024!Beach`)
 * and `<appname>_<digits>` keys do not. About one 16-byte base64url key in 5,000 does not either by chance, and one
 * 24-character key of random printable characters in 600 (one in 2,400 of 28: one case only, or few class changes).
 */
function readsAsRandom(key: string): boolean {
  return /[a-z]/.test(key) && /[A-Z](?![a-z]{2})/.test(key) && (BASE64_KEY.test(key) || readsAsRandomCharacters(key));
}

/** Lower case, upper case, digit, symbol. */
const CHARACTER_CLASSES = [ /[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/ ];
/**
 * Of two neighbouring characters drawn at random from printable ASCII, about 7 in 10 are of different classes: fewer
 * than a third in 4 of 100,000 24-character keys (in 35 with only `!@#$%^&*` for symbols). In text, letters run in words.
 */
const MIN_CLASS_CHANGES = 1 / 3;

/** Printable ASCII with a symbol, whose classes (CHARACTER_CLASSES) change from one character to the next throughout. */
function readsAsRandomCharacters(key: string): boolean {
  if (!/^[!-~]+$/.test(key) || !CHARACTER_CLASSES[3].test(key)) return false;
  const classOf = (char: string) => CHARACTER_CLASSES.findIndex(pattern => pattern.test(char));
  let changes = 0;
  for (let at = 1; at < key.length; at++) if (classOf(key[at]) !== classOf(key[at - 1])) changes++;
  return changes >= (key.length - 1) * MIN_CLASS_CHANGES;
}

/**
 * A key's bits as SEN201 estimates a key alone (also what remains of one beside the words it holds): one under
 * MIN_KEY_LENGTH characters that reads as random gets the correction for its short sample.
 */
function keyBits(key: string): number {
  return estimateSecretBits(key, { shortSample: key.length < MIN_KEY_LENGTH && readsAsRandom(key) });
}

/**
 * A template's spans, as deploy tools write them: names, paths and references (`${ssm:/prod/keys}`,
 * `{{resolve:secretsmanager:app:SecretString:keys}}`, `${{ secrets.EGG_KEYS }}`). Random characters between `${` and
 * `}` hold symbols these do not (black-box round 40, h1 F1: a 48-character random key was called a placeholder).
 */
const TEMPLATE_SPANS = /\$\{\{[\w.:/@ -]*\}\}|\$\{[\w.:/@ -]*\}|\{\{[\w.:/@ -]*\}\}/g;

/** Whether template spans (`${…}`, `{{…}}`) make up half of `key` or more. */
function mostlyTemplate(key: string): boolean {
  const spans = [ ...key.matchAll(TEMPLATE_SPANS) ].reduce((length, [ span ]) => length + span.length, 0);
  return spans * 2 >= key.length;
}

/** `xxxxxxxx-xxxx-Vxxx-xxxx-xxxxxxxxxxxx`; group 1 is the version V. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What a UUID of each version is made of (RFC 9562): only version 4 is random (122 bits). */
const UUID_VERSIONS: Readonly<Record<string, string>> = {
  1: 'time-based: a timestamp, a clock sequence and the host\'s MAC address',
  2: 'time-based (DCE security): a timestamp, a local id and the host\'s MAC address',
  3: 'name-based: the MD5 of a name, the same for whoever hashes that name',
  5: 'name-based: the SHA-1 of a name, the same for whoever hashes that name',
  6: 'time-based: a timestamp, a clock sequence and a node id',
  7: 'a millisecond timestamp and 74 random bits',
  8: 'laid out by its vendor, not necessarily random',
};
/** Why one cookie key is weak, or undefined when it is fine. Never echoes the key, nor the word it digests. */
export function describeWeakKey(key: string, appName?: string): string | undefined {
  return weakness(key, appName, 0);
}

/**
 * describeWeakKey for a key, or for the text a key decodes to (`decodings` deep): that text is judged as a key, its
 * length aside (a text of 31 characters in base64 carries the bits of 31 characters, more than a key of 31 does).
 */
function weakness(key: string, appName: string | undefined, decodings: number): string | undefined {
  if (key.length === 0) return 'is empty';
  if (SCAFFOLD_KEY.test(key)) return 'has the scaffold form <appname>_<timestamp>_<number>, guessable from the app name and creation date';
  const secret = withoutAppNameAffixes(key, appName);
  if (secret !== key) {
    const alone = weakness(secret, appName, decodings);
    return alone && `is the app's name and a secret that ${alone}`;
  }
  // A short key is judged by the bits it can carry, not by its length: 16 random bytes are 22 base64url characters.
  const short = key.length < MIN_KEY_LENGTH && decodings === 0;
  const most = Math.floor(key.length * alphabetBits(key));
  if (short && most < MIN_KEY_BITS) {
    return `is ${key.length} characters long: even random, ${key.length} such characters carry at most ${most} bits (at least ${MIN_KEY_BITS} needed: ` +
      '16 random bytes are 22 characters in base64url, 24 in base64, 32 in hex)';
  }
  if (new Set(key).size < MIN_DISTINCT_CHARS || bitsPerChar(key) < MIN_BITS_PER_CHAR) return 'has low entropy (few distinct characters or a repeating pattern)';
  // A random key's short `${…}` or `<…>` is chance (a password manager's symbols); a key mostly made of a template
  // (`{{resolve:secretsmanager:…}}`, `${ssm:/…}`) is one left unfilled, however random its text reads.
  if (placeholderKind(key) && (!readsAsRandom(key) || mostlyTemplate(key))) return 'is placeholder text (such as "change-me"), not a generated key';
  if (short && !readsAsRandom(key)) {
    return `is ${key.length} characters long and reads as text, not as random bytes: under ${MIN_KEY_LENGTH} characters only the base64 or base64url of ` +
      `${MIN_KEY_BITS / 8} or more random bytes passes, or random characters with symbols among them (as a password manager makes them), ` +
      'whose letters mix upper and lower case throughout (16 random bytes read so by chance about once in a thousand: generate another, or a 32-byte one)';
  }
  const uuidVersion = UUID.exec(key)?.[1];
  if (uuidVersion !== undefined && uuidVersion !== '4') {
    return `is a version-${uuidVersion} UUID (${UUID_VERSIONS[uuidVersion] ?? 'no random version'}), with far fewer random bits than the ${MIN_KEY_BITS} a key needs; only a version-4 UUID is random`;
  }
  const bits = estimateSecretBits(key, { shortSample: short });
  if (bits < MIN_KEY_BITS) return `is guessable: its runs, repeats and words leave about ${bits} bits of entropy (at least ${MIN_KEY_BITS} needed)`;
  const reading = weakestTextReading(key, appName, keyBits);
  if (reading && reading.bits < MIN_KEY_BITS) {
    const bitsLeft = reading.madeOf === 'passphrase words' ? `which carry about ${reading.bits} bits in all` : `beside which about ${reading.bits} bits remain`;
    return `is guessable: ${describeTextReading(reading)}, ${bitsLeft} (at least ${MIN_KEY_BITS} needed)`;
  }
  // Whoever hashes the word has the digest; what stands beside it (`prod-<digest>`) is what is left to guess.
  const rest = besideGuessableDigest(key, appName);
  if (rest === '') return `is ${GUESSABLE_DIGEST}: it looks random, yet hashing a few words finds it`;
  const restWeakness = rest === undefined ? undefined : weakness(rest, appName, decodings);
  if (restWeakness) return `holds ${GUESSABLE_DIGEST}, and beside it text that ${restWeakness}`;
  // An encoding adds no secret: `base64('my-super-secret-cookie-key')` is as weak as the words.
  if (decodings < MAX_DECODINGS) {
    for (const { encoding, text } of encodedTexts(key)) {
      const inner = weakness(text, appName, decodings + 1);
      if (inner) return `is ${encoding} of text that ${inner}`;
    }
  }
  return undefined;
}

function appNameOf(facts: Facts): string | undefined {
  return typeof facts.config.name === 'string' ? facts.config.name : undefined;
}

/** Why a literal won over keys read from the environment: egg keeps the last value any config file gives. */
const KEYS_NOT_READ = 'what it reads is not set, or a config file egg applies later sets the literal again';

/** An environment value this long found inside the keys is taken as read from there (shorter ones match by chance). */
const MIN_ENVIRONMENT_PART = 8;

const GENERATE_KEY = '`node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64url\'))"`';

export const weakCookieKeys: Rule = {
  id: 'SEN201',
  area: 'exposure',
  title: 'Weak cookie signing keys',
  severity: 'critical',
  description: 'config.keys signs cookies, the session and CSRF tokens. An empty, low-entropy or scaffolded key, one too short ' +
    'to carry 128 bits even if random (16 random bytes are 32 hex, 24 base64 or 22 base64url characters), one under 32 ' +
    'characters that does not read as the base64 or base64url of random bytes, nor as random characters with symbols among ' +
    'them, as a password manager makes them (lower-case words, `CamelCaseWords`, `<appname>_<digits>`: random characters mix ' +
    'the cases letter by letter) ' +
    '(egg-init writes `<appname>_<13-digit timestamp>_<number>`), or one a guesser reaches fast (alphabet walks and keyboard ' +
    'walks along its rows or down its columns (`1qaz2wsx…`), shift held or not, repeats, placeholder text and instructions such as `replace-with-…`; mostly the app\'s name and words keys are made ' +
    'of, such as cookie, key, prod, also in other languages (`contraseña-secreta`); mostly well-known text such as lorem ' +
    'ipsum, a pangram, the digits of π or a key documentation prints as an example (AWS\'s `…EXAMPLEKEY`); either also read backwards, in ROT13 or with leetspeak undone (`c00k1e-k3y`), as ' +
    'cracking rule sets try them; a passphrase of words from the EFF list diceware draws from, which carry 12.9 bits a word ' +
    'whatever their length (ten words pass, six carry 78 bits); a number, which carries 3.3 bits a digit; a UUID other than version 4, which is ' +
    'a timestamp, a MAC address or a name\'s hash; base64, base64url, base32 or hex of text that is itself weak; under ' +
    '128 bits by the estimate SEN502 uses; an MD5, SHA-1, SHA-2 or SHA-3 digest of a ' +
    'placeholder, a common password (the top of the leaked lists: `password123`, `iloveyou`) or the app\'s name, also with a prefix, ' +
    'a suffix (`-cookie-secret`), a year or a version; such a digest within a key counts for nothing and the rest is judged alone) ' +
    'lets an attacker forge signed cookies. ' +
    'The app\'s name as a prefix or suffix (`<appname>_<secret>`) counts for nothing, and takes nothing: the rest is judged alone. ' +
    'Critical outside local/unittest; low on a developer machine. A 16-byte key sits on the 128-bit floor: in hex about one ' +
    'in a million reads as a number or measures low entropy by chance, in base64url (where the entropy measured on 22 characters ' +
    'is corrected for their few) about one in a thousand measures low or reads as text, and is refused; generate another, or a 32-byte one. ' +
    'So do 20 random printable characters (about 4 in 100 measure low); from 24, about one in 600 reads as text.',
  fix: `Generate a key with ${GENERATE_KEY} ` +
    'and read it from the environment in config.prod: `keys: process.env.EGG_KEYS`.',
  check(facts, { developmentEnv }) {
    const keys = facts.config.keys;
    const severity = developmentEnv ? 'low' : 'critical';
    const base = { severity, target: 'config.keys', source: facts.provenance('keys') } as const;
    if (typeof keys !== 'string') {
      return [{ ...base, message: `config.keys must be a comma-separated string, got ${keys === null ? 'null' : typeof keys}` }];
    }
    const problems = keys.split(',').map((key, index, all) => {
      const weakness = describeWeakKey(key.trim(), appNameOf(facts));
      return weakness && (all.length > 1 ? `key #${index + 1} ${weakness}` : `the key ${weakness}`);
    }).filter(Boolean);
    if (!problems.length) return [];
    // Read from the environment: what to fix is the variable's value, not the config.
    if (environmentValues(facts).has(keys)) {
      // One value egg split at its commas (a password manager's key with a `,` in it): say so, or "key #1" means nothing.
      const split = keys.includes(',') ? `; egg splits config.keys at commas, and this variable's value became ${keys.split(',').length} keys` : '';
      return [{
        ...base,
        message: `config.keys: ${problems.join('; ')}; the keys come from an environment variable the config reads, and it is that value that is weak${split}`,
        fix: `Set that variable to a generated key${split ? ' without commas (base64url or hex)' : ''}: ${GENERATE_KEY}.`,
      }];
    }
    // A weak development key production falls back on: what to fix is the unset variable, not the key.
    const readIn = keysReadIn(facts);
    if (!readIn) return [{ ...base, message: `config.keys: ${problems.join('; ')}` }];
    const setVariable = `Set the environment variable that ${readIn} reads to a generated key (${GENERATE_KEY}) where the app runs (and where ` +
      '`egg-sentinel audit` runs, or audit with the variable\'s production value unset and expect this); reading it with `env.secret(\'EGG_KEYS\')` ' +
      '(`import { env } from \'egg-sentinel\'`) makes the app refuse to start when it is unset.';
    if (!keys.trim()) {
      return [{ ...base, message: `config.keys: ${problems.join('; ')}; ${readIn} computes the keys (from an environment variable, as a rule), ` +
        'and what it reads is not set in this process, so egg\'s own empty default is what took effect', fix: setVariable }];
    }
    const literalIn = keysLiteralIn(facts);
    const setIn = base.source;
    // A later config file (config.prod after config.default) that writes the keys itself, as a literal, computed
    // (`appInfo.name + '_…'`, black-box round 42, h4 F4) or read from a data file: it, not the variable, is the fix.
    const setLater = keysSetLater(facts, readIn, literalIn);
    if (setLater) {
      return [{ ...base, message: `config.keys: ${problems.join('; ')}; ${setLater.message}`,
        fix: `Remove \`keys\` from ${setLater.setIn}, or read the key from the environment there too (\`keys: process.env.EGG_KEYS\`, set to a generated key: ${GENERATE_KEY}).` }];
    }
    // egg-init's layout (`keys: process.env.EGG_KEYS` in config.prod over config.default's key) with the variable unset:
    // config.prod gives undefined, which egg's merge skips, so the earlier file's keys took effect. The variable is the fix.
    const unset = setIn !== undefined && appliedBefore(facts, setIn, readIn) ? variableReadFor(facts.files.configTexts[readIn], 'keys') : undefined;
    if (unset) {
      return [{ ...base, message: `config.keys: ${problems.join('; ')}; process.env.${unset}, which ${readIn} reads the keys from, is not set in this process, ` +
        `so egg keeps the keys ${setIn} sets`,
      fix: `Set ${unset} to a generated key (${GENERATE_KEY}) in the environment that starts egg (\`${unset}=… egg-scripts start\`, the service's or ` +
        `container's environment, and where \`egg-sentinel audit\` runs, in CI); reading it with \`env.secret('${unset}')\` (\`import { env } from 'egg-sentinel'\`) ` +
        'makes the app refuse to start when it is unset.' }];
    }
    // Keys that hold a variable's value and more: the file adds to it (`EGG_KEYS + ',x'`).
    if (!literalIn && [ ...environmentValues(facts) ].some(value => value.length >= MIN_ENVIRONMENT_PART && keys.includes(value))) {
      return [{ ...base, message: `config.keys: ${problems.join('; ')}; ${readIn} computes the keys, and what it computes is weak (more than, or other than, one environment variable's value)`,
        fix: `Read the whole key from one environment variable in ${readIn} (\`keys: process.env.EGG_KEYS\`), set to a generated key: ${GENERATE_KEY}.` }];
    }
    // The file that reads the variable may also compute the fallback itself (`process.env.EGG_KEYS || appInfo.name + '_…'`).
    const tookEffect = literalIn ? `it is the literal written in ${literalIn}, which the app falls back on: ${readIn} computes the keys (from an environment variable, as a rule), yet the literal is what took effect` :
      setIn === readIn && /\benv\.[\w$]+\s*(?:\|\||\?\?)/.test(facts.files.configTexts[readIn] ?? '') ?
        `${readIn} computes the keys from an environment variable, and what it falls back on took effect` :
        `${readIn} computes the keys (from an environment variable, as a rule), yet what an earlier config file set is what took effect`;
    return [{ ...base, message: `config.keys: ${problems.join('; ')}; ${tookEffect}: ${KEYS_NOT_READ}`, fix: setVariable }];
  },
};

/** A secret written in a config file, with the file that set it. */
interface HardCodedSecret {
  keyPath: string;
  source: string;
  kinds: string[];
  placeholder?: SecretLeaf['placeholder'];
  /** The app's config file that sets the key to undefined, over the default `source` holds (Facts#keptDefaultIn). */
  keptOver?: string;
  /** The environment variable `keptOver` (or, for an empty value, `source`) reads the key from (`secret: process.env.JWT_SECRET`), when its text says. */
  variable?: string;
  /** `source` is a file of the app's tree outside its config code that config (or dotenv, into `fromTree.variable`) read the value from. */
  fromTree?: CommittedSecret;
  /** The app's config code wrote the value into process.env itself, where config read it back (environmentValues). */
  planted?: true;
}

/**
 * Secret-looking config values that a config file set and that do not equal any environment variable's value (nor a
 * value read through egg-sentinel's env helpers). Values from EGG_APP_CONFIG, or set at runtime by a boot hook (no
 * file recorded), are not hard-coded, nor are values that none of the app's files writes (see writtenIn).
 * egg-sentinel's own options are left to their rules (SEN502 for ipc.secret).
 */
export function hardCodedSecrets(facts: Facts): HardCodedSecret[] {
  // Two rules ask; the config walk is the costly part of both.
  let found = hardCodedSecretsOf.get(facts);
  if (!found) hardCodedSecretsOf.set(facts, found = findHardCodedSecrets(facts));
  return found;
}

const hardCodedSecretsOf = new WeakMap<Facts, HardCodedSecret[]>();

/** An assignment into process.env under names the code computes (`process.env[k] = v` in a loop, Object.assign): its values may come from a data file config requires. */
const ASSIGNS_COMPUTED_NAMES = /\bprocess\.env\[\s*(?!['"`])[^\]\n]+\]\s*(?:\|\||\?\?|&&)?=(?![=>])|\b(?:Object\.assign|Object\.defineProperties)\(\s*process\.env\b/;
const CODE_FILE = /\.[cm]?[jt]s$/;

/**
 * The values config takes as the environment's (process.env's, env.secret()'s), but those the app's own config code
 * wrote into process.env (`process.env.JWT_SECRET ||= '…'`, a defaults module's `process.env[k] = v`): a literal of
 * the app's files the deploy did not set (black-box round 43, h2 F1). A value counts as written there when a config
 * file or module config required assigns process.env and holds it as a string literal (or, assigning computed names,
 * a JSON file config required does). Comparing with the start environment would not do: dotenv, egg-mock's
 * mm(process.env) and a test harness set variables after start too.
 */
function environmentValues(facts: Facts): ReadonlySet<string> {
  let values = environmentValuesOf.get(facts);
  if (!values) environmentValuesOf.set(facts, values = withoutPlanted(facts));
  return values;
}

const environmentValuesOf = new WeakMap<Facts, ReadonlySet<string>>();

function withoutPlanted(facts: Facts): ReadonlySet<string> {
  // A file .gitignore covers is the deploy's (a git-ignored config/secrets.json merged into process.env), as when
  // config reads it directly (black-box round 44, r44h2 F1).
  // Data files only: an ignored code file may be tsc's output of a committed .ts (`config/**/*.js` in egg's boilerplate).
  const ignored = new Set([ ...facts.files.ignoredSecretFiles, ...facts.files.ignoredConfigTexts ?? [] ].filter(file => !CODE_FILE.test(file)));
  const texts = Object.entries(facts.files.configTexts).filter(([ file ]) => !ignored.has(file));
  const assigning = texts.filter(([ file, text ]) => CODE_FILE.test(file) && ASSIGNS_ENVIRONMENT.test(text));
  if (!assigning.length) return facts.runtime.environmentValues;
  const dataFiles = assigning.some(([ , text ]) => ASSIGNS_COMPUTED_NAMES.test(text)) ? texts.filter(([ file ]) => file.endsWith('.json')) : [];
  const holders = [ ...assigning, ...dataFiles ].map(([ , text ]) => text);
  const quoted = (value: string) => [ value, JSON.stringify(value).slice(1, -1) ].flatMap(form => [ `'${form}'`, `"${form}"`, `\`${form}\`` ]);
  return new Set([ ...facts.runtime.environmentValues ].filter(value => !holders.some(text => quoted(value).some(literal => text.includes(literal)))));
}

/** Whether config code wrote `value` into process.env itself (environmentValues). */
function plantedInEnvironment(facts: Facts, value: string): boolean {
  return facts.runtime.environmentValues.has(value) && !environmentValues(facts).has(value);
}

function findHardCodedSecrets(facts: Facts): HardCodedSecret[] {
  const fromEnvironment = environmentValues(facts);
  const byKeyPath = new Map<string, HardCodedSecret>();
  for (const leaf of configSecrets(facts).plain) {
    if (leaf.keyPath.startsWith('sentinel.')) continue;
    const recorded = facts.provenance((leaf.recordedAt ?? leaf.keyPath).replace(/\[\d+\]/g, ''));
    if (recorded === undefined || recorded === EGG_APP_CONFIG_MARKER) continue;
    // An empty default of a plugin's (egg-sequelize's `password: ''`) says nothing of what the app configures: its
    // `datasources` or `connectionUri` may carry the real one.
    if (leaf.placeholder === 'empty' && !APP_CONFIG_FILE.test(recorded)) continue;
    // A file of the app's tree that ships with it holds the value: an env file dotenv loaded it from, a data file.
    const committed = facts.files.committedSecrets[leaf.keyPath];
    // A password from the environment percent-encoded into a URL, as it must be when it holds `@`, `/` or `+`. An
    // equal variable does not excuse the literal the file assigns to the key itself (`password: 'admin'` beside
    // DB_USER=admin): only a value the file does not write there.
    const equalsEnvironment = !committed?.variable &&
      (fromEnvironment.has(leaf.value) || fromEnvironment.has(leaf.secret) || fromEnvironment.has(decodeOrKeep(leaf.secret)));
    if (equalsEnvironment && !assignsLiteral(facts.files.configTexts[recorded], leaf.keyPath, leaf.value)) continue;
    const inConfig = writtenIn(leaf, recorded, facts.files.configTexts, fromEnvironment);
    // A data file the deploy writes and .gitignore covers (config/secrets.json) is the server's, as a mounted one is;
    // egg's own config files are code, judged wherever they come from.
    const deployed = inConfig !== undefined && !APP_CONFIG_FILE.test(inConfig) && facts.files.ignoredSecretFiles.includes(inConfig);
    const written = deployed ? committed?.file : inConfig ?? committed?.file;
    // A data file among the config texts (a secrets.json config requires) keeps the literal's message; an env file says its variable.
    const fromTree = committed && written === committed.file && (committed.variable || inConfig === undefined || deployed) ? committed : undefined;
    // None of the app's files holds it (computed by the config, or a plugin's default the app's file did not replace),
    // or egg recorded a file of a plugin's or egg's (not collected): one whose default the app's set to undefined keeps
    // that record, as egg's merge skips undefined.
    const recordedOutside = !Object.prototype.hasOwnProperty.call(facts.files.configTexts, recorded);
    const kept = (written === undefined || recordedOutside) && !equalsEnvironment ? facts.keptDefaultIn(leaf.keyPath, leaf.value) : undefined;
    const keptOver = kept?.over ?? (written === undefined && kept ? recorded : undefined);
    const source = written ?? kept?.file;
    if (source === undefined) continue;
    // The variable the file reads the key from: for a kept default, the file that set it to undefined; for an empty
    // value, the file that wrote it (`password: process.env.MYSQL_PASSWORD`, set empty; black-box round 42, h2 F4).
    const readingFile = keptOver ?? (leaf.placeholder === 'empty' ? source : undefined);
    const variable = readingFile === undefined ? undefined : variableReadFor(facts.files.configTexts[readingFile], leaf.keyPath);
    const planted = [ leaf.value, leaf.secret ].some(value => plantedInEnvironment(facts, value));
    const entry = byKeyPath.get(leaf.keyPath) ?? { keyPath: leaf.keyPath, source, kinds: [], placeholder: leaf.placeholder, ...(keptOver && { keptOver }), ...(variable && { variable }),
      ...(fromTree && { fromTree }), ...(planted && { planted: true as const }) };
    // A value with two tokens of one kind is one finding naming the kind once.
    if (!entry.kinds.includes(leaf.kind)) entry.kinds.push(leaf.kind);
    byKeyPath.set(leaf.keyPath, entry);
  }
  return [ ...byKeyPath.values() ];
}

/** A key path's last key, without list indexes: `password` of `mysql.clients[0].password`. */
function lastKey(keyPath: string): string | undefined {
  return /(\w+)(?:\[\d+\])*$/.exec(keyPath)?.[1];
}

/** Whether `text` assigns `value` as a string literal to the key path's last key (`password: 'admin'`, `password = "admin"`). */
function assignsLiteral(text: string | undefined, keyPath: string, value: string): boolean {
  const key = lastKey(keyPath);
  if (text === undefined || !key) return false;
  const literal = escapeRegExp(JSON.stringify(value).slice(1, -1));
  return new RegExp(`\\b${escapeRegExp(key)}['"]?\\s*[:=]\\s*(['"\`])${literal}\\1`).test(text);
}

/**
 * The one environment variable `text` reads the key path's last key from as `process.env.X` (or `process.env['X']`);
 * undefined when it reads none there, or several under that key name.
 */
function variableReadFor(text: string | undefined, keyPath: string): string | undefined {
  const key = lastKey(keyPath);
  if (text === undefined || !key) return undefined;
  const reads = new Set([ ...text.matchAll(new RegExp(`\\b${escapeRegExp(key)}['"]?\\s*[:=]\\s*process\\.env(?:\\.([A-Za-z_$][\\w$]*)|\\[\\s*(['"])([^'"]+)\\2\\s*\\])`, 'g')) ]
    .map(match => match[1] ?? match[3]));
  return reads.size === 1 ? [ ...reads ][0] : undefined;
}

/**
 * The file that writes a secret's value: the one egg recorded for the key when it holds the value, else another of
 * the app's files that does (`process.env.X || 'literal'` in config.default, then `process.env.X` in config.prod:
 * egg keeps the default's value and records config.prod; a secrets.json that config requires). Undefined when none
 * holds it: the config computed it (read a mounted secret file, decoded an environment variable). A recorded file
 * whose text was not collected (a plugin's defaults) counts as writing it.
 */
function writtenIn(leaf: Pick<SecretLeaf, 'value' | 'secret'>, recorded: string, texts: Record<string, string>, fromEnvironment: ReadonlySet<string> = new Set()): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(texts, recorded)) return recorded;
  const inner = innerSecrets(leaf.value).filter(secret => !fromEnvironment.has(secret));
  // A part of the value (its first or last characters, split in two) counts in the file egg recorded for the key
  // only: in any other file it may belong to another secret of the same form.
  const holds = (file: string) => holdsLiteral(texts[file], leaf.secret, file === recorded) || holdsLiteral(texts[file], leaf.value, file === recorded) ||
    inner.some(secret => holdsLiteral(texts[file], secret, false));
  return holds(recorded) ? recorded : Object.keys(texts).find(holds);
}

/** An HTTP Authorization value's scheme, and its credentials. */
const AUTH_SCHEME = /^(Basic|Bearer|Token|Digest)\s+(\S+)$/i;

/**
 * The secrets a value holds inside it, which a file may write apart from the rest (black-box round 42, h4 F1): a URL's
 * password (`mysql://${db.user}:${db.pass}@${db.host}/x` under `dsn`), the credentials after an auth scheme (`'Basic '
 * + Buffer.from('admin:…').toString('base64')`) and a Basic credential's password; MIN_COPIED_SECRET characters at least.
 */
function innerSecrets(value: string): string[] {
  const inner = detectSecretValues(value).flatMap(({ secret }) => {
    const credentials = AUTH_SCHEME.exec(secret);
    if (!credentials) return [ decodeOrKeep(secret) ];
    const password = /^basic$/i.test(credentials[1]) ? /^[^:]*:(.+)$/.exec(Buffer.from(credentials[2], 'base64').toString('utf8'))?.[1] : undefined;
    return password === undefined ? [ credentials[2] ] : [ credentials[2], password ];
  });
  return [ ...new Set(inner) ].filter(secret => secret !== value && secret.length >= MIN_COPIED_SECRET);
}

/**
 * The app's file that writes `secret`, the value config has at `keyPath`, as SEN202 judges a secret (for other rules'
 * secrets: SEN502's IPC secret): undefined when it equals an environment variable's value, or no file of the app holds
 * it (read from a mounted secret file outside the app), or a boot hook set it.
 */
export function secretWrittenIn(facts: Facts, keyPath: string, secret: string): string | undefined {
  const recorded = facts.provenance(keyPath.replace(/\[\d+\]/g, ''));
  if (recorded === undefined || recorded === EGG_APP_CONFIG_MARKER) return undefined;
  if (environmentValues(facts).has(secret) && !assignsLiteral(facts.files.configTexts[recorded], keyPath, secret)) return undefined;
  return writtenIn({ value: secret, secret }, recorded, facts.files.configTexts);
}

/**
 * `keys` set to an expression rather than a string literal (`keys: process.env.X`, `config.keys = env.secret('X')`,
 * `keys: EGG_KEYS || '…'`, `keys: fromEnv('EGG_KEYS', '…')`): keys meant to come from somewhere else at run time.
 */
const KEYS_COMPUTED = /\bkeys['"]?\s*[:=]\s*(?=[^'"`\s])(?!string\b)([^\n;]*)/g;
/** What such an expression reads the environment by: `process.env`, `env.secret(`, `fromEnv(`, `EGG_KEYS`. */
const READS_ENVIRONMENT = /env|Env|ENV|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/;

/** Whether a config file computes the keys from the environment; not `appInfo.name + '_…'`, egg-init's own form. */
function keysReadFromEnvironment(text: string): boolean {
  return [ ...text.matchAll(KEYS_COMPUTED) ].some(match => READS_ENVIRONMENT.test(match[1]));
}

/**
 * Cookie keys production falls back on (SEN202): a config file computes them (from the environment, mostly), yet their
 * value is a literal of a config file (`process.env.EGG_KEYS || 'literal'` in config.default, or `keys:
 * process.env.EGG_KEYS` in config.prod with a literal in config.default, which egg keeps when the variable is unset).
 * Keys written only as a literal are not (SEN201 judges their strength). Weak keys are SEN201's.
 */
function cookieKeysFallback(facts: Facts): { literalIn: string; readIn: string } | undefined {
  const keys = facts.config.keys;
  return typeof keys === 'string' && strongKeys(facts, keys) ? keysFallbackSources(facts) : undefined;
}

/** Whether every one of the cookie keys is strong: weak ones are SEN201's. */
function strongKeys(facts: Facts, keys: string): boolean {
  return !keys.split(',').some(key => describeWeakKey(key.trim(), appNameOf(facts)));
}

/**
 * The cookie keys in effect when a config file's literal may be what they are: not an environment variable's value,
 * nor written by code after the check (then they are the writer's).
 */
function keysNotFromEnvironment(facts: Facts): string | undefined {
  const keys = facts.config.keys;
  return typeof keys === 'string' && !environmentValues(facts).has(keys) && facts.writtenAfterCheck !== 'keys' ? keys : undefined;
}

/**
 * The app's config file for this env (config.prod.js, not config.default's, which keys for a developer's machine
 * often stand in) whose literal the cookie keys in effect are, when they are strong (weak ones are SEN201's).
 */
function cookieKeysWrittenForEnv(facts: Facts): string | undefined {
  const keys = keysNotFromEnvironment(facts);
  if (keys === undefined || !strongKeys(facts, keys)) return undefined;
  const file = facts.provenance('keys');
  const text = file === undefined ? undefined : facts.files.configTexts[file];
  const envFile = file !== undefined && /^config\/config\.(?!default\.)[^/]+\.[cm]?[jt]s$/.test(file.split(path.sep).join('/'));
  return envFile && text !== undefined && holdsLiteral(text, keys, false) ? file : undefined;
}

/** The files of a cookie-keys fallback, whatever the keys' strength: the one that computes them, the one whose literal they are. */
function keysFallbackSources(facts: Facts): { literalIn: string; readIn: string } | undefined {
  const readIn = keysReadIn(facts);
  const literalIn = readIn && keysLiteralIn(facts);
  return readIn && literalIn ? { literalIn, readIn } : undefined;
}

/**
 * The config file that computes the keys from the environment, when the keys in effect are not from there: one egg
 * loads in this env (config.prod.ts, which a local or unittest boot does not load, says nothing about its keys).
 */
function keysReadIn(facts: Facts): string | undefined {
  if (keysNotFromEnvironment(facts) === undefined) return undefined;
  const texts = facts.files.configTexts;
  const loaded = loadedConfigNames(facts.env.serverEnv, facts.env.serverScope);
  const reads = (file: string) => Object.prototype.hasOwnProperty.call(texts, file) && loaded.has(file.replace(/\.[cm]?[jt]s$/, '')) && keysReadFromEnvironment(texts[file]);
  // The file whose keys took effect, when it reads the environment too (config.prod's `[ process.env.EGG_KEYS, '…' ].join(',')`
  // or `process.env.EGG_KEYS || '…'` over config.default's `process.env.EGG_KEYS`): it computed them, unless they are an
  // earlier file's literal (black-box round 43, h2 F2).
  const setIn = facts.provenance('keys');
  if (setIn !== undefined && reads(setIn)) {
    const literalIn = keysLiteralIn(facts);
    if (literalIn === undefined || literalIn === setIn) return setIn;
  }
  return Object.keys(texts).find(reads);
}

/**
 * The config file egg applies after `readIn` (which computes the keys from the environment) that sets the keys
 * itself, not from the environment: its value, not the variable's, took effect, whatever the variable holds.
 */
function keysSetLater(facts: Facts, readIn: string, literalIn: string | undefined): { setIn: string; message: string } | undefined {
  const setIn = facts.provenance('keys');
  const setText = setIn === undefined ? undefined : facts.files.configTexts[setIn];
  if (setIn === undefined || setIn === readIn || setText === undefined || keysReadFromEnvironment(setText) || !appliedBefore(facts, readIn, setIn)) return undefined;
  // A data file it requires (`keys: require('./secrets.json').keys`; black-box round 43, h2 F2).
  const how = literalIn === setIn ? 'to this literal' : literalIn ? `to what it reads from ${literalIn}, whatever the variable holds` : 'itself, to a value it computes';
  return { setIn, message: `${setIn}, which egg applies after ${readIn} (that one computes the keys from the environment), sets them ${how}` };
}

/** Whether egg applies the app's config file `earlier` before its config file `later` in this env and scope. */
function appliedBefore(facts: Facts, earlier: string, later: string): boolean {
  const order = [ ...loadedConfigNames(facts.env.serverEnv, facts.env.serverScope) ];
  const rank = (file: string) => order.indexOf(file.replace(/\.[cm]?[jt]s$/, ''));
  return rank(earlier) >= 0 && rank(earlier) < rank(later);
}

/** The app's config files egg loads in an env and scope, without extension (egg-core's getTypeFiles). */
function loadedConfigNames(serverEnv: string, serverScope: string): Set<string> {
  const names = [ 'default', ...(serverScope ? [ serverScope ] : []) ];
  if (serverEnv !== 'default') names.push(serverEnv, ...(serverScope ? [ `${serverScope}_${serverEnv}` ] : []));
  return new Set(names.map(name => `config/config.${name}`));
}

/**
 * The file whose literal the keys in effect are; not a data file the deploy writes and .gitignore covers
 * (config/secrets.json), which is the server's (black-box round 40, h1 F5).
 */
function keysLiteralIn(facts: Facts): string | undefined {
  const texts = facts.files.configTexts;
  return Object.keys(texts).find(file => holdsLiteral(texts[file], facts.config.keys as string, false) &&
    (APP_CONFIG_FILE.test(file) || !facts.files.ignoredSecretFiles.includes(file)));
}

/** Lines of a multi-line value (a PEM body) long enough to identify it wherever the file breaks or joins the lines. */
const IDENTIFYING_LINE = 16;
/** A secret this long is identified by its first or last FRAGMENT characters too, so a literal split in two is found. */
const FRAGMENTED_SECRET = 16;
const FRAGMENT = 10;

function holdsLiteral(text: string, value: string, partsCount: boolean): boolean {
  if (text.includes(value)) return true;
  if (value.length >= COMPOSED_SECRET && (composedFromLiterals(text, value) || encodesLiteral(text, value) || digestsOfLiterals(text).some(digest => digest.includes(value)))) return true;
  // Written with escapes: "-----BEGIN…\n…", quotes or backslashes inside.
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value && text.includes(escaped)) return true;
  if (value.includes('\n')) return value.split('\n').some(line => line.trim().length >= IDENTIFYING_LINE && text.includes(line.trim()));
  if (value.length < FRAGMENTED_SECRET) return false;
  // Encoded (Buffer.from('…', 'base64')), or split ('Tq8vN2kL5m' + 'W9xRp4Zs3c') in the file.
  const bytes = Buffer.from(value);
  return [ bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'), bytes.toString('hex') ].some(encoded => text.includes(encoded)) ||
    (partsCount && (text.includes(value.slice(0, FRAGMENT)) || text.includes(value.slice(-FRAGMENT))));
}

/** The longest run of joined literals kept (a PEM key is shorter). */
const MAX_JOINED = 16_384;
/** A value this long is looked for as made of the file's string literals (composedFromLiterals). */
const COMPOSED_SECRET = 6;
/**
 * A string literal of JavaScript or TypeScript; a template literal whose `${…}` hold only string literals
 * (`Tq8${'#'}rL2w`) as one.
 */
const JS_STRING = /'((?:\\.|[^'\\\n])*)'|"((?:\\.|[^"\\\n])*)"|`((?:\\.|[^`\\$]|\$(?!\{)|\$\{\s*(?:'[^'\\\n]*'|"[^"\\\n]*")\s*\})*)`/g;
/** What lies between two literals that make one string: `+`, a list's comma (`[…].join('')`), `.concat(`. */
const JOINED = /^\s*(?:\+|,|\.\s*concat\s*\(|\)\s*\.\s*concat\s*\()\s*$/;
/** A template literal's `${'…'}`, as its text. */
const TEMPLATE_LITERAL_PART = /\$\{\s*(?:'([^'\\\n]*)'|"([^"\\\n]*)")\s*\}/g;

/**
 * Whether the file writes `value` as string literals joined (JOINED: `'Hq3$' + 'nW8pZ!r'`, a list's items, `concat()`,
 * in any number of pieces), as one literal reversed, or as one base64 or hex literal that decodes to it: equal, not
 * similar, so short secrets are matched without matching unrelated text.
 */
function composedFromLiterals(text: string, value: string): boolean {
  let joined = '';
  for (const { literal, joinsPrevious, decoded } of literalsOf(text)) {
    // A long list joins into a long run: its tail is enough to end with any secret.
    joined = joinsPrevious ? (joined.length > MAX_JOINED ? joined.slice(-MAX_JOINED) : joined) + literal : literal;
    if (joined === value || (joined.length > literal.length && joined.endsWith(value)) || decoded.includes(value)) return true;
  }
  return false;
}

interface Literal {
  literal: string;
  /** Joined to the literal before it (JOINED). */
  joinsPrevious: boolean;
  /** Reversed, and decoded from base64 or hex when written in that alphabet (COMPOSED_SECRET characters or more). */
  decoded: string[];
}

/** What is read from the config texts of a boot (their literals, their digests): each file is parsed once for all of its secrets. */
const LITERAL_CACHE_FILES = 64;

function perText<T>(cache: Map<string, T>, text: string, read: (text: string) => T): T {
  let found = cache.get(text);
  if (found === undefined) {
    if (cache.size >= LITERAL_CACHE_FILES) cache.clear();
    cache.set(text, found = read(text));
  }
  return found;
}

const literalCache = new Map<string, Literal[]>();

function literalsOf(text: string): Literal[] {
  return perText(literalCache, text, () => {
    const literals: Literal[] = [];
    let end = -1;
    for (const match of text.matchAll(JS_STRING)) {
      const literal = unescapeJs(match[1] ?? match[2] ?? match[3].replace(TEMPLATE_LITERAL_PART, (_part, single?: string, double?: string) => single ?? double ?? ''));
      const start = match.index ?? 0;
      literals.push({ literal, joinsPrevious: end >= 0 && JOINED.test(text.slice(end, start)), decoded: literal.length >= COMPOSED_SECRET ? decodings(literal) : [] });
      end = start + match[0].length;
    }
    return literals;
  });
}

/** Printable text a value encodes: `Buffer.from('literal').toString('base64')` makes a value of a literal's encoding. */
const PRINTABLE = /^[ -~]+$/;

/** Whether `value` is the base64 or hex of one of the file's string literals, whole. */
function encodesLiteral(text: string, value: string): boolean {
  const plain = decodedForms(value).map(form => form.text).filter(form => form.length >= COMPOSED_SECRET && PRINTABLE.test(form));
  return plain.length > 0 && literalsOf(text).some(({ literal }) => plain.includes(literal));
}

const QUOTED = String.raw`'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"`;
/**
 * `createHash('sha256').update('literal').digest('hex')` and `createHmac('sha256', 'key').update(…)…`, the encoding
 * given to digest() or to toString() after it: a value that is the digest, or a slice of it (`.slice(0, 20)`), is
 * made of the file's literals as surely as one joined with `+`.
 */
const DIGEST_OF_LITERAL = new RegExp(String.raw`\bcreate(?:Hash|Hmac)\(\s*(['"])([\w-]+)\1\s*(?:,\s*(${QUOTED})\s*)?\)\s*\.update\(\s*(${QUOTED})\s*(?:,\s*['"]utf-?8['"]\s*)?\)` +
  String.raw`\s*\.digest\(\s*(?:['"](hex|base64|base64url)['"])?\s*\)(?:\s*\.toString\(\s*['"](hex|base64|base64url)['"]\s*\))?`, 'g');
const digestCache = new Map<string, string[]>();

/** The digests DIGEST_OF_LITERAL computes in a file. */
function digestsOfLiterals(text: string): string[] {
  if (!text.includes('create')) return [];
  return perText(digestCache, text, () => [ ...text.matchAll(DIGEST_OF_LITERAL) ].flatMap(([ , , algorithm, key, data, encoding, toString ]) => {
    const unquoted = (literal: string) => unescapeJs(literal.slice(1, -1));
    try {
      const hash = key === undefined ? crypto.createHash(algorithm) : crypto.createHmac(algorithm, unquoted(key));
      const format = encoding ?? toString;
      return format ? [ hash.update(unquoted(data)).digest(format as 'hex' | 'base64' | 'base64url') ] : [];
    } catch {
      // Not an algorithm this node knows: the app would fail too.
      return [];
    }
  }));
}

/** A literal reversed, and decoded from base64 or hex when it is written in that alphabet. */
function decodings(literal: string): string[] {
  return [ [ ...literal ].reverse().join(''), ...decodedForms(literal).map(({ text }) => text) ];
}

/** Config nested too deep is reported at this many places at most: one such tree is reason enough to look. */
const MAX_TOO_DEEP_HITS = 3;

/**
 * How config reads the secret at `keyPath` from the environment: `apiToken: env.secret('SMS_API_TOKEN')` for
 * `sms.apiToken` (env.json() for a list item), or process.env.
 */
function environmentRead(keyPath: string, named?: string): { read: string; plain: string } {
  const segments = keyPath.replace(/\[\d+\]/g, '').split('.').filter(Boolean);
  const variable = named ?? segments.slice(-3).map(segment => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_')).join('_').toUpperCase();
  const key = segments[segments.length - 1] ?? keyPath;
  const property = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `'${key}'`;
  // An item of a list (`apiKeys[0]`): the list is read whole, as JSON.
  const inList = /\[\d+\]$/.test(keyPath);
  const call = inList ? `env.json('${variable}', { type: 'array', items: { type: 'string' } })` : `env.secret('${variable}')`;
  return {
    read: `\`${property}: ${call}\` (\`import { env } from 'egg-sentinel'\`${inList ? ', the variable holding a JSON array' : ''})`,
    plain: inList ? `JSON.parse(process.env.${variable})` : `process.env.${variable}`,
  };
}

/**
 * How to read a secret from the environment instead: `literal` written in a config file, a `stand-in` (empty or a
 * placeholder) where the real one is missing, or a literal in a private file on the server (serverFile).
 */
function readFromEnvironmentFix(keyPath: string, written: 'literal' | 'stand-in' | 'server-file', variable?: string): string {
  const { read, plain } = environmentRead(keyPath, variable);
  // An empty or stand-in value is no secret to rotate: what is missing is the real one.
  if (written === 'stand-in' && variable) return `Set ${variable} to the real secret where egg starts (and where \`egg-sentinel audit\` runs, in CI), and read it with ${read}, which stops boot while it is unset or empty.`;
  if (written === 'stand-in') return `Configure the real secret from the environment in the config file: ${read}, which stops boot while it is unset, instead of this stand-in or an empty fallback.`;
  if (written === 'server-file') {
    return `Reading it from the environment or a secret manager is still better: ${read} or \`${plain}\` keeps the secret out of the code egg runs; ` +
      'until then keep that file this user\'s, mode 0600, and out of every repository and build.';
  }
  return `Read the secret from the environment in the config file: ${read} or \`${plain}\`; remove the literal and rotate it if it was committed.`;
}

/**
 * Where a config file that writes a secret is the server's own secret store rather than the app's source: a config
 * file of the app that is a symlink to a file outside the app root (a Capistrano-style `shared/config/config.prod.js`),
 * owned by this process's user and neither readable nor writable by anyone else. Says so, or undefined.
 */
function serverFile(facts: Facts, source: string): string | undefined {
  const file = facts.files.modes.find(entry => entry.kind === 'config' && entry.linksOut && entry.linksTo === source);
  if (!file?.processOwner || file.mode & GROUP_OR_OTHER_ACCESS) return undefined;
  return `${file.path} is a symlink to ${source}, outside the app, this process's user's and private to it (mode ${octal(file.mode)}): ` +
    'the secret sits in a file on the server, not in the app\'s repository or builds';
}

/** How to take a secret out of a file of the app's tree (`variable`: the one an env file assigns it to), or say the deploy writes it. */
function committedFileFix(keyPath: string, file: string, variable: string | undefined): string {
  const instead = variable ? `Set ${variable} in the environment that starts egg (or a secret manager)` : `Read the secret from the environment: ${environmentRead(keyPath).read}`;
  return `${instead} instead of ${file}, remove it from that file and rotate it if it was committed. If the deploy writes ${file} on the server and no repository ` +
    'holds it, list it in the app\'s .gitignore (asked in a git checkout) or keep it outside the app root, as a mounted secret file.';
}

/** Whether the file is the repository's: git tracks it, git does not (but would commit it), or git could not be asked. */
function shippedBecause(fromTree: CommittedSecret): string {
  if (fromTree.tracked) return 'that git tracks: the secret is in the repository and travels with every copy of the code';
  if (fromTree.tracked === false) return 'that git does not track yet but .gitignore does not cover: the next `git add .` puts the secret in the repository';
  return 'that ships with the app unless the deploy writes it there (git could not be asked, a deploy without .git say, so nothing tells the two apart)';
}

function describeHardCodedSecret({ kinds, placeholder, source, keptOver, variable, fromTree, planted }: HardCodedSecret): string {
  if (fromTree?.variable) {
    return `holds the value of ${fromTree.variable}, which ${source} assigns (whatever loads that file, dotenv, a shell, a container or a process manager, hands it to egg), a file in the app's tree ` +
      shippedBecause(fromTree);
  }
  if (fromTree) return `holds a value read from ${source}, a file in the app's tree ${shippedBecause(fromTree)}`;
  if (keptOver) {
    return `holds the literal default written in ${source}: ${keptOver} sets the key, but to undefined (${variable ? `process.env.${variable}, which is not set` : 'an environment variable that is not set'}), ` +
      'and egg keeps the value below it';
  }
  switch (placeholder) {
    case 'empty': return variable ? `is empty: ${source} reads it from process.env.${variable}, which is empty in this process` : 'is empty: no secret is configured for it';
    case 'template': return 'holds an unexpanded template such as ${…}: the real secret was never substituted';
    case 'placeholder': return 'holds a placeholder such as "changeme": the real secret is missing, or this guessable word is the secret';
    default: return `holds ${kinds.includes('a secret-named key') ? 'a literal value under a secret key name' : kinds.join(' and ')}, written in a config file instead of read from the environment` +
      (planted ? ': the app\'s config code writes it into process.env itself (`process.env.X ||= \'…\'`, `process.env[name] = value`) and reads it back from ' +
        `there, so what took effect is the literal of ${source}, not a value the deploy set` : '');
  }
}

export const hardCodedSecret: Rule = {
  id: 'SEN202',
  area: 'exposure',
  title: 'Hard-coded secret in config',
  severity: 'high',
  description: 'A config value is a secret, by its key name (password, passwd, pwd, secret, token, apiKey, accessKey, ' +
    'privateKey/privKey, encKey, credential, clientSecret, masterKey, licenseKey, mchKey/merchantKey, salt, pepper, dsn…, past an API version (`apiV3Key`), ' +
    'an `auth` of `user:password`; `sk` beside an `ak`/`accessKeyId` ' +
    '(the AK/SK pairs of Alibaba, Huawei, Baidu and Qiniu) or holding a generated-looking value, as `authKey`/`sessionKey`/`cookieKey`, `partnerKey` and `webhookKey` ' +
    '(not a cookie\'s name nor an id); an `Authorization` header of any scheme; a Buffer of UTF-8 text, `Buffer.from(\'…\')` or a PEM read without an encoding, as that text) ' +
    'or by its shape (PEM private key, AWS or Alibaba Cloud access key id, GitHub, ' +
    'GitLab, Slack, Stripe, Google, npm, Mapbox secret or PostHog personal token, JWT, URL with a password, HTTP Basic credential or Bearer token, ' +
    'a WeCom robot\'s, Feishu/Lark bot\'s or Telegram bot\'s webhook token; also a key of that shape, a token used as a key). ' +
    'Public values are not reported (and not looked for by SEN203): a `dsn` that is a URL without a password or token (Sentry\'s; a database\'s with IAM or certificate auth); ' +
    'a Firebase web app\'s apiKey; keys vendors publish to browsers: Mapbox `pk.` tokens, PostHog `phc_` and Stripe `pk_` keys, a Google `AIza…` key under a browser, public, ' +
    'web, js or map(s) name (`googleMaps: { apiKey }`), and a key named public, browser, frontend or search (`searchOnlyApiKey`) unless also admin, write, secret, server…. ' +
    'A config file sets it: it sits in the ' +
    'repository, in every build and in every copy of the code. Low when the config file is a symlink to a file outside the app ' +
    'root that this process\'s user owns and no group or other user can read or write (a Capistrano-style `shared/config/config.prod.js`, ' +
    'a server\'s secret store like a `.env` or Docker secret file): not in the repository or builds, though the environment or a ' +
    'secret manager is still better; the same file inside the app, or readable by others, stays high. A value equal to an environment variable\'s value, read ' +
    'through `env.secret()`/`env.json()`, or set by EGG_APP_CONFIG counts as from the environment (unless the file assigns that very ' +
    'value to the key as a literal: `password: \'admin\'` beside `DB_USER=admin`, or an env file in the app\'s tree that ships with it assigns it ' +
    'to that very variable: `DB_PASSWORD=…` in a `.env` or `env/production.env` that dotenv loads, or the app\'s config code wrote that literal into ' +
    'process.env itself: `process.env.JWT_SECRET ||= \'…\'`, a defaults module\'s `process.env[name] = value`); a value a boot hook sets ' +
    'at runtime (no config file recorded) is not reported, nor one that no file under `config/`, at the top of the app ' +
    'root or among the app\'s modules that config files required (in a monorepo, also the repository\'s modules outside the app root that git tracks) holds (as written, escaped, split in two, ' +
    'base64/hex-encoded or -decoded, or a createHash/createHmac digest of a literal) and no other file in the app\'s tree that ships with it holds whole ' +
    `(${MIN_COPIED_SECRET} characters at least; searched down ${TREE_DEPTH} levels, not node_modules/, run/, logs/, version-control or static dirs, symlinks nor files mounted from another file system, ` +
    `in text files that are not code or media, ${STATIC_READ_LIMIT.toLocaleString('en-US')} of them, ${CONFIG_TEXT_LIMIT / 1024 / 1024} MiB each, ` +
    `${STATIC_READ_BYTES / 1024 / 1024} MiB in all; files left unread past those budgets are reported, low): read from a mounted secret file such as /run/secrets/db_password, or decoded from an ` +
    'environment variable. In a git checkout a file git ignores (.gitignore, `.git/info/exclude`; a tracked one is not) is the deploy\'s, not the ' +
    'repository\'s: no finding, nor for a data file under `config/` git ignores (`config/secrets.json`; egg\'s `config/config.*` are code); ' +
    'a file git tracks is high; one it does not track (untracked, outside a git checkout, or where git cannot be asked: a deploy without .git) may be ' +
    'the deploy\'s and is medium. The finding names the file that holds it, e.g. config.default\'s fallback in ' +
    '`process.env.X || \'literal\'`, a secrets.json or lib/credentials.js a config file requires, a `deploy/secrets.json` config reads, or the env file ' +
    'and its variable. Placeholders are ' +
    'reported with their own text: `${…}` templates and `changeme`-like words and instructions (`replace-with-…`, `…-goes-here`) at the same severity, empty values as medium. ' +
    'Outside local/unittest, egg\'s cookie `keys` are reported when a config file reads them from the environment and ' +
    'their value is still a literal of a config file: the fallback of `process.env.EGG_KEYS || \'…\'`, or config.default\'s keys ' +
    'kept because the variable config.prod reads is unset (weak keys are SEN201\'s), and strong keys in effect that are a literal of the env\'s ' +
    'own config file (`config.prod.js`: the production keys in the repository; config.default\'s literal, often a developer machine\'s, is left to SEN201). ' +
    'A plugin\'s (or egg\'s) literal default that the app\'s config sets to undefined is reported in the plugin\'s file: `jwt: { secret: ' +
    'process.env.JWT_SECRET, enable: true }` with the variable unset leaves egg-jwt\'s `\'123456\'` in effect; the finding names the app\'s file that ' +
    'set it and the variable it reads (`process.env.JWT_SECRET`), and the fix says to set that variable. ' +
    'A PEM private key file in the app\'s tree that config names by path (`cluster.https.key`, egg\'s documented HTTPS setup, which egg-cluster reads) ' +
    'is reported the same way: high when git tracks it, medium when it may be the deploy\'s, nothing when .gitignore covers it. ' +
    'Hashes, integrity strings, UUIDs and public keys under ordinary keys are not secrets. Config nested deeper than ' +
    `the ${MAX_WALK_DEPTH} levels egg-sentinel searches is reported (medium) where the search stops. ` +
    'High outside local/unittest; low on a developer machine.',
  fix: 'Read the secret from the environment in the config file: `password: env.secret(\'DB_PASSWORD\')` ' +
    '(`import { env } from \'egg-sentinel\'`) or `process.env.DB_PASSWORD`; remove the literal and rotate it if it was committed.',
  check(facts, { developmentEnv }) {
    const hits: RuleHit[] = hardCodedSecrets(facts).map(secret => {
      // A stand-in is missing the real secret wherever the file lies.
      const onServer = secret.placeholder === undefined ? serverFile(facts, secret.source) : undefined;
      return {
        // A file of the tree git does not track may be the deploy's: reported, not refused, outside a repository's own files.
        severity: developmentEnv || onServer ? 'low' : secret.placeholder === 'empty' || (secret.fromTree && !secret.fromTree.tracked) ? 'medium' : 'high',
        target: `config.${secret.keyPath}`,
        source: secret.source,
        message: `config.${secret.keyPath} ${describeHardCodedSecret(secret)}${onServer ? `; ${onServer}` : ''}`,
        fix: secret.fromTree ? committedFileFix(secret.keyPath, secret.source, secret.fromTree.variable) : secret.keptOver ?
          `Set ${secret.variable ?? `the environment variable ${secret.keptOver} reads for it`} where egg starts (and where \`egg-sentinel audit\` runs, in CI), ` +
          `and read it with ${environmentRead(secret.keyPath, secret.variable).read}, which stops boot while it is unset.` :
          readFromEnvironmentFix(secret.keyPath, onServer ? 'server-file' : secret.placeholder !== undefined ? 'stand-in' : 'literal', secret.variable),
      };
    });
    // A private key config names by path (egg's documented HTTPS setup) is in the repository when git tracks the file.
    for (const { keyPath, file, tracked } of facts.files.keyFiles) {
      hits.push({
        severity: developmentEnv ? 'low' : tracked ? 'high' : 'medium',
        target: `config.${keyPath}`,
        source: file,
        message: `config.${keyPath} names ${file}, a private key file in the app's tree ${tracked ? 'that git tracks: the key is in the repository, and in every copy of it' :
          `that ${tracked === false ? 'git does not track yet, but .gitignore does not cover' : 'ships with the app (no git checkout tells whether the deploy wrote it)'}`}`,
        fix: `Keep the key out of the repository: have the deploy write it (a mounted secret outside the app, or a path .gitignore covers), ` +
          `point ${keyPath} at it, and ${tracked ? `remove ${file} from git and rotate the key and its certificate` : `list ${file} in .gitignore`}.`,
      });
    }
    const fallback = developmentEnv ? undefined : cookieKeysFallback(facts);
    if (fallback) {
      const signs = 'so the app signs cookies, the session and CSRF tokens with a key from the repository';
      const setLater = keysSetLater(facts, fallback.readIn, fallback.literalIn);
      // Written into process.env by the config code itself (`process.env.EGG_KEYS ||= '…'`; black-box round 43, h2 F1).
      const why = plantedInEnvironment(facts, facts.config.keys as string) ? 'the app\'s config code writes it into process.env itself and reads it back from there' : KEYS_NOT_READ;
      hits.push({
        severity: 'high',
        target: 'config.keys',
        source: fallback.literalIn,
        message: setLater ? `config.keys is the literal written in ${fallback.literalIn}: ${setLater.message}, ${signs}` :
          `config.keys is the literal written in ${fallback.literalIn}, which the app falls back on: ${fallback.readIn} computes the ` +
          `keys (from an environment variable, as a rule), yet the literal is what took effect (${why}), ${signs}`,
        fix: setLater ? `Remove \`keys\` from ${setLater.setIn}, or read the key from the environment there too (\`keys: env.secret('EGG_KEYS')\`, which fails boot ` +
          'when it is unset); rotate the keys if this one was committed.' :
          'Set the variable in the environment that starts egg, and drop the literal fallback (`keys: env.secret(\'EGG_KEYS\')` ' +
          'fails boot when it is unset); rotate the keys if this one was committed.',
      });
    }
    const envKeys = developmentEnv || fallback ? undefined : cookieKeysWrittenForEnv(facts);
    if (envKeys) {
      // A config file linked from a private file on the server (a Capistrano shared config.prod.js) is no repository's.
      const onServer = serverFile(facts, envKeys);
      hits.push({
        severity: onServer ? 'low' : 'high',
        target: 'config.keys',
        source: envKeys,
        message: `config.keys is a literal written in ${envKeys}, the config file of env ${facts.env.serverEnv}, which is code: it goes into the repository, ` +
          `every build and image of the app as a rule, and whoever reads one can sign cookies, the session and CSRF tokens as the app${onServer ? `; ${onServer}` : ''}`,
        fix: 'Read the keys from the environment in that file (`keys: env.secret(\'EGG_KEYS\')`, which fails boot when it is unset) and rotate them: this one is in the repository.',
      });
    }
    const gap = facts.files.treeSearchGap;
    if (gap) {
      const unread = [
        ...(gap.oversized ? [ `${gap.oversized} over ${CONFIG_TEXT_LIMIT / 1024 / 1024} MiB (${printableName(gap.firstOversized ?? '')}${gap.oversized > 1 ? ' and others' : ''})` ] : []),
        ...(gap.pastBudget ? [ `${gap.pastBudget} left once ${STATIC_READ_LIMIT.toLocaleString('en-US')} files or ${STATIC_READ_BYTES / 1024 / 1024} MiB were read` ] : []),
        ...(gap.entriesRanOut ? [ `those after the first ${STATIC_SCAN_LIMIT.toLocaleString('en-US')} entries of the tree` ] : []),
      ];
      hits.push({
        severity: 'low',
        target: 'files:tree-search',
        message: `the search of the app's tree for files that hold the config's secrets (a data file config reads, an env file or manifest ` +
          `assigning a variable config reads) did not read every file: ${unread.join('; ')}; a secret committed in one of them is not reported`,
        fix: 'Keep dumps, archives and large data files out of the app\'s tree (they need not ship with it), or check those files for the ' +
          'config\'s secrets yourself and waive this finding by its target.',
      });
    }
    // Not searched is said, not passed over: a secret could sit below.
    for (const keyPath of configSecrets(facts).tooDeep.slice(0, MAX_TOO_DEEP_HITS)) {
      hits.push({
        severity: developmentEnv ? 'low' : 'medium',
        target: `config.${keyPath}`,
        source: facts.provenance(keyPath.replace(/\[\d+\]/g, '')),
        message: `config.${keyPath} is nested ${MAX_WALK_DEPTH} levels deep and goes deeper: egg-sentinel does not search config below that ` +
          'depth for hard-coded secrets, and masks it whole in egg\'s dumps',
        fix: `Flatten this config: egg-sentinel reads config values down to ${MAX_WALK_DEPTH} levels.`,
      });
    }
    return hits;
  },
};

export const staticExposesFiles: Rule = {
  id: 'SEN203',
  area: 'exposure',
  title: 'Static serving exposes sensitive files',
  severity: 'critical',
  description: 'egg-static serves every file under `config.static.dir` / `dirs` (with `dynamic: true`, files added later too, ' +
    'and it follows symlinks). A static dir that is, or contains, the app root, `app/` (the server code), `node_modules/` or a plugin\'s source, ' +
    'or that is, contains or sits inside `config/`, `run/` (config dumps), `logs/` (`logger.dir`) or egg-multipart\'s `multipart.tmpdir` (every ' +
    'user\'s uploads, an `.html` one served as a page of the app\'s origin), or that contains a log file egg writes ' +
    'elsewhere (an absolute `logger.appLogName`, `coreLogName`, `agentLogName`, `errorLogName` or `customLogger.<name>.file`: every request\'s ' +
    'URL with its query, errors) or the file its stdout or stderr goes to (egg-scripts\' `--stdout`/`--stderr`, a shell\'s `> app.log`; on Linux), ' +
    'or egg-sentinel\'s own report ' +
    '(`config.sentinel.report.path` pointed there: every route, its guards and the findings), lets anyone download config files, ' +
    'dumps and logs; `.env` files, a repository\'s `.git/` (or `.svn/`, `.hg/`) inside it and symlinks pointing out of it leak the same way ' +
    '(a symlink into the app, such as a front end\'s build, is followed and what it leads to judged as the dir\'s own files, unless it is ' +
    'the app root, `app/` or one of the directories above). ' +
    'So do the files egg-static serves (it skips a dotfile, not a dot dir: `.aws/credentials` is served) that hold or copy secrets, ' +
    'judged by what they hold: env files that ' +
    'set a secret-named variable (`prod.env`, `app.env.production`; not a template such as `example.env`, nor a front end\'s ' +
    '`runtime.env.js`), copies of the app\'s config files (`config.prod.js` where `config/` has a `config.prod.*` and the copy holds ' +
    'one of the config\'s secrets), backups (`*.bak`, `*.orig`, `*.old`, `*~`), and a hard link to a file under `config/` by any name; ' +
    'and, read whatever their name or extension (every file but browser scripts, styles, source maps, images, fonts, media, 3D models, binary ' +
    'documents and downloads: installers, app packages, disk images, game data, e-books; browser scripts, styles, SVG and source maps are ' +
    `searched only for private keys, vendors' tokens and the config's secrets, which a bundler inlines: ${ASSET_READ_BYTES / 1024 / 1024} MiB of them in all, ` +
    'what is left unsearched reported (low); ' +
    `\`my.cnf\`, \`notes.md\`, \`deploy.bash\`, \`nohup.out\`, \`.json\`, \`.txt\`, \`id_rsa\`…, whole up to ${FILE_BYTES / 1024 / 1024} MiB ` +
    `each and ${STATIC_READ_BYTES / 1024 / 1024} MiB of a static dir in all, settings, keys and env files first, dumps, logs and archives next, the rest after them and pages last; ` +
    'a binary one, with a NUL in its first MiB, is read no further unless it is a dump (`.sql`, `.db`, `.sqlite`, `.dump`, `.log`, `.bak`), and in it, ' +
    'as in pages, Markdown, CSV and other files that are not settings, scripts, dumps or logs, only private keys, vendors\' tokens and the config\'s secrets are looked for), ' +
    'private keys (PEM, OpenSSH, a service account\'s JSON with its `private_key`, DER in a `.key` or `.der` file, a JSON Web Key with its private `d` or a ' +
    'symmetric one\'s `k`, PuTTY\'s `.ppk`; a certificate, public key or JWKS of public keys is public), vendors\' secret tokens by their prefixes in any file ' +
    'read, scripts included (GitHub, GitLab, Slack, npm, SendGrid, OpenAI, Anthropic, Hugging Face, Shopify, DigitalOcean, PyPI, Mapbox `sk.`, PostHog ' +
    '`phx_`, a live Stripe secret key, Slack and Discord webhook URLs, an AWS access key id beside its secret as in `accessKeys.csv`; not a Google API ' +
    'key, a JWT or an AWS key id alone, which pages hold for good), ' +
    'key stores by name (`.p12`, `.pfx`, `.jks`, `.keystore`: a PKCS#12 holding only certificates cannot be told from one holding a key without its password), files holding one of the config\'s ' +
    'secrets (named by its config key; not the public values SEN202 leaves alone, such as a Mapbox `pk.` token), settings of upper-case secret names (`POSTGRES_PASSWORD: …`, `"DB_PASSWORD": "…"`; not a page\'s route such as ' +
    '`FORGOT_PASSWORD: "/account/forgot-password"`), and in ini, YAML, properties, TOML and ' +
    'conf files (`.conf`, `.cnf`, `.cfg`) and files without an extension, secret settings in any case whose value is one word (`aws_secret_access_key = …` in ' +
    '`.aws/credentials`, `password: …` in `database.yml`; not a front end\'s texts such as `password: Password` or "Forgot your password?", ' +
    'nor a template or a YAML alias). Each such file is a finding of its own, its path the target (`app/public/demo.env`; control characters, line separators ' +
    'and bidi controls in a name escaped as `\\x0a` or `\\u202e`, a backslash as `\\\\`, in messages too, and so named by a waiver): a waiver ' +
    'names one file, and a file added later is reported anew; what the dir is or holds besides (the app root, `config/`, `.env`, `.git/`, ' +
    'symlinks out of it) is one finding whose target is `config.static.dir`. A file read only in part (larger than ' +
    `${FILE_BYTES / 1024 / 1024} MiB, or read when the ${STATIC_READ_BYTES / 1024 / 1024} MiB ran out) is reported on its own ` +
    '(medium, its path the target). Archives are read through, within the same ' +
    'limits (1 MiB read and unpacked of each, counted as files read): a tar, a gzipped tar (`.tgz`, `.tar.gz`), a ZIP file (`.zip`, ' +
    '`.jar`, `.war`) and a gzipped file (`prod.env.gz`; not a precompressed script or style such as `app.js.gz`, nor a brotli or zstd page such as `index.html.br`) that hold an env file ' +
    '(`.env`, `.env.production`; not `.env.example`), the app\'s config files (`config/config.prod.js`), or a file that holds a private ' +
    'key, the config\'s secrets or secret settings as above are reported as such; entries under `node_modules/` are not judged. An ' +
    'archive it cannot look through whole (7-Zip, RAR, bzip2, xz, zstd, brotli; a tar or ZIP file that lists or holds more than it reads, ' +
    'its entries read in the same order, and pages left unread not said: a docs site as a download holds hundreds) is ' +
    'reported on its own (medium, its path the target: a public download is waived for itself). Critical in every env. A static dir of ' +
    `more than 100,000 entries, or 2,000 files or ${STATIC_READ_BYTES / 1024 / 1024} MiB to read, is looked at up to there, and reported (medium) as not fully checked.`,
  fix: 'Point `config.static.dir` at a directory that holds only public assets (egg\'s default is `app/public`), and remove ' +
    'env files, config copies, backups, deploy bundles and other archives that hold them, keys and symlinks that lead out of it from it ' +
    '(and rotate any secret they held).',
  check(facts) {
    const { baseDir } = facts.app;
    return facts.files.staticDirs.flatMap(dir => {
      const shown = toDisplayPath(baseDir, dir.realPath);
      const exposed = facts.files.sensitiveRoots.flatMap(root => {
        const how = exposure(dir.realPath, root);
        return how ? [{ root, how }] : [];
      });
      // A plugin's source inside another exposed root (node_modules/, the app root) goes without saying: named only
      // when nothing around it is listed, so the app root does not come with a line per plugin.
      const said = exposed.filter(({ root }) => !root.plugin || !exposed.some(other => !other.root.plugin && isInside(root.realPath, other.root.realPath)));
      const problems = said.map(({ root, how }) => `${how} ${root.label}${how === 'is' ? '' : ` (${toDisplayPath(baseDir, root.realPath)})`}`);
      const implied = exposed.length - said.length;
      if (implied) problems.push(`so also the source of ${implied} plugin(s) inside it`);
      if (dir.envFiles.length) problems.push(`holds ${dir.envFiles.map(file => printableName(file)).join(', ')}`);
      if (dir.repositoryDirs.length) problems.push(`holds ${dir.repositoryDirs.join(', ')} (a repository: its history, and its config with any credentials in remote URLs)`);
      if (dir.escapingLinks.length) problems.push(`holds symlinks out of it: ${dir.escapingLinks.map(link => `${printableName(link.link)} -> ${printableName(link.target)}`).join(', ')}`);
      const target = `config.${dir.keyPath}`;
      // A served file's path, its names escaped (an upload's name could forge a log line): the target a waiver names.
      const servedPath = (file: string) => path.posix.join(shown, printableName(file));
      const source = facts.provenance(dir.keyPath.replace(/\[\d+\]$/, ''));
      // Past the scan's limit a secret file or a symlink out of the dir may still be there: said, not taken as none.
      const unscanned: RuleHit[] = dir.truncated ? [{
        severity: 'medium', target, source,
        message: `config.${dir.keyPath} serves ${shown}, which holds more than ${STATIC_SCAN_LIMIT} entries, or ${STATIC_READ_LIMIT} files or ` +
          `${STATIC_READ_BYTES / 1024 / 1024} MiB of settings, keys or text: egg-sentinel looked no further for files that leak secrets and symlinks out of it`,
        fix: 'Serve generated or bulk assets from a CDN or a directory of their own, or check that directory yourself and waive this finding with the reason.',
      }] : [];
      // One finding per archive, its path the target: a public download is waived by itself, never the static dir's findings.
      for (const { file, why } of dir.uncheckedArchives) {
        const archive = servedPath(file);
        unscanned.push({
          severity: 'medium', target: archive, source,
          message: `config.${dir.keyPath} serves ${archive}, an archive egg-sentinel could not look through (${why}): deploy bundles and backups carry env files, keys and the app's config`,
          fix: 'Keep deploy bundles, backups and dumps out of static dirs; a public download you have checked holds no env file, key or config of the app can be waived for its path.',
        });
      }
      // A file not read to its end is said too, its path the target as for an archive.
      for (const { file, why } of dir.partlyReadFiles) {
        const partly = servedPath(file);
        unscanned.push({
          severity: 'medium', target: partly, source,
          message: `config.${dir.keyPath} serves ${partly}, which egg-sentinel did not read to its end (${why}): a database dump, a log or a bundle of keys may hold a secret further in`,
          fix: 'Keep dumps, logs and key material out of static dirs; a public download you have checked holds no key or secret of the app can be waived for its path.',
        });
      }
      const { count: unsearched, first } = dir.unsearchedAssets;
      if (first !== undefined) {
        unscanned.push({
          severity: 'low', target, source,
          message: `config.${dir.keyPath} serves ${unsearched} front-end asset(s) egg-sentinel did not search whole for keys and the config's secrets ` +
            `(it searches ${ASSET_READ_BYTES / 1024 / 1024} MiB of a static dir's scripts, styles and source maps, ${FILE_BYTES / 1024 / 1024} MiB of each), ` +
            `the first ${servedPath(first)}`,
          fix: 'Build the front end without server secrets (no DefinePlugin or `define` of them, no server module imported by browser code), ' +
            'keep source maps off the server in production, or serve the build from a CDN; then waive this finding for the dir.',
        });
      }
      // One finding per file that leaks secrets, its path the target: a waiver for one file (a sample the docs serve)
      // is not a waiver for every such file added later.
      const files: RuleHit[] = dir.secretFiles.map(({ file, what }) => {
        const served = servedPath(file);
        return { severity: 'critical', target: served, source, message: `config.${dir.keyPath} serves ${served} (${what})` };
      });
      if (!problems.length) return [ ...files, ...unscanned ];
      // A deploy's shared directory linked in (Capistrano's `uploads -> /srv/shared/uploads`) has a layout that works.
      const linked = dir.escapingLinks.length ? {
        fix: 'Remove the symlinks; to serve a directory kept elsewhere (a deploy\'s shared uploads), list it as a static dir of its own ' +
          '(`static: { dir: [ path.join(appInfo.baseDir, \'app/public\'), { prefix: \'/uploads/\', dir: \'/srv/shared/uploads\' } ] }`) and name it in ' +
          '`sentinel.paths.allow` (SEN305): it is then judged as a static dir itself. Remove any other file listed here.',
      } : {};
      return [{ severity: 'critical' as const, target, source, message: `config.${dir.keyPath} serves ${shown}, which ${problems.join('; ')}`, ...linked }, ...files, ...unscanned];
    });
  },
};

const GROUP_OR_OTHER_READ = 0o044;
const GROUP_OR_OTHER_WRITE = 0o022;
const OTHER_WRITE = 0o002;
const OTHER_READ = 0o004;
const GROUP_OR_OTHER_ACCESS = GROUP_OR_OTHER_READ | GROUP_OR_OTHER_WRITE;

/** `group and others` for the bits of `mask` present in `mode`. */
function who(mode: number, mask: number): string {
  const groups = [ mode & mask & 0o070 ? 'group' : '', mode & mask & 0o007 ? 'others' : '' ].filter(Boolean);
  return groups.join(' and ');
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

export const leakyConfigDumps: Rule = {
  id: 'SEN204',
  area: 'exposure',
  title: 'Config dumps leak secrets',
  severity: 'high',
  description: 'egg writes the merged config to `run/application_config.json` and `run/agent_config.json` (plus ' +
    '`*_config_meta.json`) with the umask\'s mode, world-readable under umask 022, masking only the key names in ' +
    '`config.dump.ignore` (no token, apiKey, privateKey, credentials, URLs with a password, nor objects under a secret name). ' +
    'egg-sentinel adds those names to `dump.ignore` and rewrites the dumps with every secret masked and mode 0600 at ' +
    'willReady and again right after egg\'s after-ready write. This rule reports a dump that is still readable by ' +
    'group/others, still holds a secret-looking value or cannot be parsed to check, and why egg-sentinel could not fix it. High.',
  fix: 'Leave `config.sentinel.dumps.rewrite` on (the default), make `config.rundir` writable by the app\'s user, or add the ' +
    'key names to `config.dump.ignore`; `chmod 600 run/*_config*.json` for dumps left by older runs.',
  check(facts) {
    const rewriteOff = (facts.config.sentinel as { dumps?: { rewrite?: boolean } } | undefined)?.dumps?.rewrite === false;
    return facts.files.dumps.flatMap(dump => {
      const problems: string[] = [];
      if (dump.mode & GROUP_OR_OTHER_READ) problems.push(`is readable by ${who(dump.mode, GROUP_OR_OTHER_READ)} (mode ${octal(dump.mode)})`);
      if (dump.unmaskedKeyPaths.length) {
        const shown = dump.unmaskedKeyPaths.slice(0, 5).join(', ') + (dump.unmaskedKeyPaths.length > 5 ? `, and ${dump.unmaskedKeyPaths.length - 5} more` : '');
        problems.push(`holds secret-looking values that config.dump.ignore did not mask at ${shown}`);
      }
      if (dump.readError) problems.push(`could not be checked for secrets (${dump.readError})`);
      if (!problems.length) return [];
      const why = dump.rewrite?.error ? `egg-sentinel could not rewrite it: ${dump.rewrite.error}` :
        rewriteOff ? 'egg-sentinel does not rewrite dumps (config.sentinel.dumps.rewrite is false)' : 'egg-sentinel did not rewrite it in this process';
      return [{ severity: 'high' as const, target: dump.path, source: `egg (${dump.process} dump)`, message: `${dump.path} ${problems.join(' and ')}; ${why}` }];
    });
  },
};

export const sensitiveFilePermissions: Rule = {
  id: 'SEN205',
  area: 'exposure',
  title: 'Sensitive file permissions',
  severity: 'medium',
  description: 'Files that hold or shape config must not be writable by group or others (egg runs `config/*` as code; ' +
    'a writable `config/` lets anyone add a `config.prod.js`), nor readable by others where they hold secrets: ' +
    '`.env*` files (a template such as `.env.example` only when it gives a secret\'s name a value that is no placeholder), the private key file `cluster.https.key` names, config files with a hard-coded secret (SEN202), config dumps, and a report left by an earlier boot ' +
    '(the report egg-sentinel writes is always 0600). `config/` and the files in it owned by a user other than the app\'s (the process\'s, or the app root\'s owner) and ' +
    'root are reported too, and so is the app\'s `.npmrc`, whose `node-options` and `script-shell` npm applies to `npm start` before node runs. ' +
    'For a config file that is a symlink, the file it leads to is judged. Not checked on Windows. High for `config/`, a file in it or `.npmrc` ' +
    'that another user can write or owns (egg runs config files, and npm reads `.npmrc`, before any check, so what they add runs ' +
    'and can undo the change first); medium for the rest; low on a developer machine (local, ' +
    'unittest), where a test config with fake credentials is usually 0644.',
  fix: 'Remove the write bits for group and others (`chmod go-w`), and the read bit for others on files with secrets ' +
    '(`chmod o-r .env*`), e.g. with a deploy step or a stricter umask (027).',
  check(facts, { developmentEnv }) {
    const filesWithSecrets = new Set(hardCodedSecrets(facts).filter(secret => !secret.placeholder).map(secret => secret.source));
    const checked: Array<Pick<FileModeFact, 'path' | 'mode'> & Partial<Pick<FileModeFact, 'kind' | 'linksTo' | 'linksOut' | 'foreignOwner' | 'processGroup'>> & { holdsSecrets: boolean }> = [
      ...facts.files.modes.map(file => ({ ...file, holdsSecrets: file.kind === 'env-file' || file.kind === 'key-file' || filesWithSecrets.has(file.path) || filesWithSecrets.has(file.linksTo ?? '') })),
      ...facts.files.dumps.map(dump => ({ path: dump.path, mode: dump.mode, holdsSecrets: false })),
    ];
    return checked.flatMap(file => {
      const problems: string[] = [];
      const changes: string[] = [];
      // Group write by this process's own group (a umask 002 install) is this user's, as SEN110 judges it.
      const writeBits = file.processGroup ? OTHER_WRITE : GROUP_OR_OTHER_WRITE;
      if (file.mode & writeBits) {
        problems.push(`writable by ${who(file.mode, writeBits)}`);
        changes.push('go-w');
      }
      if (file.holdsSecrets && file.mode & OTHER_READ) {
        problems.push('readable by others while it holds secrets');
        changes.push('o-r');
      }
      const owner = file.foreignOwner;
      if (!problems.length && owner === undefined) return [];
      const shownFile = file.linksTo ?? file.path;
      const steps = [
        ...(owner !== undefined ? [ `give it to the app's user (\`chown\`) and let no other user write ${!file.linksOut && file.path.startsWith('config') ? 'it or config/' : 'it'}` ] : []),
        ...(changes.length ? [ `\`chmod ${changes.join(',')} ${shownFile}\`` ] : []),
      ];
      const state = [ ...(owner !== undefined ? [ `owned by user ${owner} (neither this process's user nor root), who can change what egg runs` ] : []),
        ...(problems.length ? [ `${problems.join(' and ')} (mode ${octal(file.mode)})` ] : []) ].join('; ');
      // Config code (config/, its files, the app's .npmrc) runs before any check: another user's change to it is theirs to run.
      const runsFirst = (file.kind === 'config' || file.kind === 'config-dir') && (owner !== undefined || changes.includes('go-w'));
      return [{
        severity: developmentEnv ? 'low' as const : runsFirst ? 'high' as const : 'medium' as const, target: file.path,
        message: file.linksTo ? `${file.path} is a symlink to ${file.linksTo}${file.linksOut ? ', outside the app' : ''}; that file is ${state}` : `${file.path} is ${state}`,
        fix: `${file.linksOut ? 'Keep the file itself in the app; or ' : ''}${steps.join(', and ')} where the app is deployed, e.g. with a deploy step or a stricter umask (027).`
          .replace(/^\w/, letter => letter.toUpperCase()),
      }];
    });
  },
};

export const gitignoreGaps: Rule = {
  id: 'SEN206',
  area: 'exposure',
  title: '.gitignore misses files that hold secrets',
  severity: 'low',
  description: 'In a git checkout, `run/` (config dumps), `logs/`, `.env*` files and, once it holds a secret written in it ' +
    '(SEN202; egg\'s TypeScript boilerplate commits it for local settings), `config/config.local.*` must be ignored, ' +
    'or one `git add .` commits them. Checked with `git check-ignore` (every .gitignore, `.git/info/exclude` and the ' +
    'global excludes count; a tracked file counts as not ignored). Skipped outside a git checkout or without git. Low.',
  fix: 'Add the missing patterns to the .gitignore of the app: `run/`, `logs/`, `.env*`, `config/config.local.*`; ' +
    '`git rm --cached` any of those files already committed.',
  check(facts) {
    const { gitignore } = facts.files;
    if (gitignore.state !== 'checked') return [];
    // egg's TypeScript boilerplate commits config.local.ts for local settings: it matters once it holds a secret.
    const localSecrets = hardCodedSecrets(facts).some(secret => /^config\/config\.local\./.test(secret.source));
    const uncovered = gitignore.uncovered.filter(label => label !== LOCAL_CONFIG || localSecrets);
    if (!uncovered.length) return [];
    return [{
      severity: 'low',
      target: '.gitignore',
      source: `git repository ${gitignore.repoRoot}`,
      message: `.gitignore does not cover ${uncovered.join(', ')}${uncovered.includes(LOCAL_CONFIG) ? ' (config.local holds a secret written in it)' : ''}`,
    }];
  },
};

const LOCAL_CONFIG = 'config/config.local.*';

/** What egg writes in each directory of WRITTEN_DIR_KEYS, for the message. */
const WRITTEN_THERE: Readonly<Record<string, string>> = {
  'rundir': 'egg\'s config dumps (secrets included), egg-sentinel\'s report and IPC key file',
  'logger.dir': 'the log files',
  'multipart.tmpdir': 'uploaded files',
};

export const foreignWrittenDir: Rule = {
  id: 'SEN207',
  area: 'exposure',
  title: 'A directory egg writes to is another user\'s',
  severity: 'high',
  description: 'egg writes its config dumps, egg-sentinel\'s report and IPC key file into the run dir (`config.rundir`), logs into ' +
    '`logger.dir` (a log file named by an absolute `logger.appLogName`, `coreLogName`, `agentLogName`, `errorLogName` or ' +
    '`customLogger.<name>.file` into that file\'s directory) and uploads into `multipart.tmpdir`. When another user owns one of them or can write it (mode o+w, or g+w for a ' +
    'group this process is not in; or a directory above it, up to the root, unless that one is sticky as /tmp is: with `EGG_HOME` under a world-writable directory, egg\'s `logs/<app>` two levels down is theirs), that user can plant a symlink by the name ' +
    'of a file egg writes next (egg writes its dumps with writeFileSync, which follows it) and make the app overwrite any file it can ' +
    'write, read what it writes there, or swap the directory. Not checked on Windows. High; low on a developer machine.',
  fix: 'Make the directory the app user\'s alone (`chown` to it, `chmod 700`). A container volume mounted writable by every user ' +
    '(a Kubernetes emptyDir is 0777, `docker run --tmpfs` 1777) can be made so where it is mounted: `--tmpfs <dir>:uid=<app uid>,mode=0700`, or ' +
    'a pod `securityContext.fsGroup` with an init container that runs `chmod 700`; or point the setting at a directory the app creates ' +
    'itself inside a sticky one such as /tmp (`rundir: path.join(os.tmpdir(), \'<app>-run\')`). In a container that only ever runs ' +
    'the app\'s own user, waive this finding with that reason.',
  check(facts, { developmentEnv }) {
    return facts.files.foreignWrittenDirs.map(dir => {
      const written = WRITTEN_THERE[dir.keyPath];
      // The other keys name a log file (`logger.appLogName`, `customLogger.<name>.file`): its directory is the one judged.
      const subject = written ? `config.${dir.keyPath}` : `the directory of config.${dir.keyPath}`;
      return {
        severity: developmentEnv ? 'low' as const : 'high' as const,
        target: `config.${dir.keyPath}`,
        source: facts.provenance(dir.keyPath),
        message: `${subject} (${dir.path}) is ${dir.why}: that user can plant symlinks where this app writes ${written ?? 'that log file'}, ` +
          'and make it overwrite any file it can write, or read them',
      };
    });
  },
};

export const exposureRules: Rule[] = [ weakCookieKeys, hardCodedSecret, staticExposesFiles, leakyConfigDumps, sensitiveFilePermissions, gitignoreGaps, foreignWrittenDir ];
