/**
 * Secret detection shared by SEN202 (hard-coded secrets), SEN204 and dump rewriting (config dumps), SEN304 messages
 * and report redaction. Two signals, as in gitleaks and detect-secrets: the key name (password, token, apiKey…) and
 * the value's shape (PEM private keys, vendor token formats, JWTs, URLs with a password). Look-alikes such as hashes,
 * integrity strings, UUIDs and public keys match neither, so ordinary keys holding them stay quiet.
 */
import { isPlainData, isPlainObject, MAX_WALK_DEPTH, walkPlainData } from './walk';

/** What replaces a secret in dumps and reports. */
export const MASK = '[REDACTED]';

/**
 * Last words of a key name that make it a secret: `dbPassword`, `client_secret`, `authToken`, `dsn` (see isPublicDsn),
 * `passwordSalt`, `pepper` (a pepper is secret by definition, a salt kept in config is used as one). `saltRounds` and
 * `saltLength` end in other words, and a number is a secret only under a password-like name.
 */
const SECRET_LAST_WORDS = new Set([ 'password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'secrets', 'token', 'tokens', 'credential', 'credentials', 'dsn',
  'salt', 'salts', 'pepper', 'peppers' ]);
/**
 * Words that make a following `key`/`keys` a secret: `apiKey`, `secretAccessKey`, `privateKey`/`privKey`, `masterKey`,
 * `aesKey`, `encKey`, `hmacKey`, `licenseKey` (New Relic's and other vendors' license keys authenticate the account),
 * `mchKey`/`merchantKey` (WeChat Pay's merchant key, which signs payment and refund calls). A version between them
 * counts for nothing: `apiV3Key` (WeChat Pay's APIv3 key) is an `apiKey`.
 * Not `appKey`: DingTalk's and others' app key is an identifier, paired with an app secret.
 */
const SECRET_KEY_QUALIFIERS = new Set([ 'api', 'access', 'private', 'priv', 'master', 'secret', 'signing', 'sign', 'encryption', 'encrypt', 'enc',
  'decryption', 'decrypt', 'cipher', 'crypto', 'aes', 'hmac', 'jwt', 'shared', 'symmetric', 'license', 'licence', 'mch', 'merchant' ]);
/**
 * Words before `key` that name a secret only when the value looks generated (looksGenerated): `authKey`, `sessionKey`,
 * `cookieKey` hold a signing key as often as the name of a cookie or a header (`sessionKey: 'EGG_SESS'`, `authKey:
 * 'x-auth'`); `partnerKey` (tenpay's and older WeChat Pay SDKs' merchant key) and `webhookKey` as often an identifier.
 */
const GENERATED_KEY_QUALIFIERS = new Set([ 'auth', 'session', 'cookie', 'partner', 'webhook' ]);
/**
 * Key names written as one lowercase word: `apikey`, `apiv3key`, `mchkey`, `userpassword`; `appsecret` and `corpsecret`
 * (WeChat's and WeCom's own parameter names), `accesstoken`, `adminpwd`, `clientcredentials` (black-box round 41, h3 F1).
 */
const JOINED_SECRET_NAME = /(?:api(?:v\d+)?key|accesskey|privatekey|privkey|masterkey|secretkey|aeskey|enckey|hmackey|signkey|licen[cs]ekey|mchkey|merchantkey|password|passwd|pwd|secret|token|credential)s?$/;
/** Key names whose numbers are secrets too (`password: 123456`); a number under `maxTokens` is a count. */
const PASSWORD_WORDS = new Set([ 'password', 'passwd', 'pwd', 'pass', 'passphrase' ]);

/** Split key names, remembered: a config and its dumps repeat the same few hundred names thousands of times. */
const keyWordsCache = new Map<string, readonly string[]>();
const KEY_WORDS_CACHE_LIMIT = 10_000;

/** The words of a key name: `secretAccessKey` → secret, access, key; `API_KEY` → api, key. */
function keyWords(name: string): readonly string[] {
  let words = keyWordsCache.get(name);
  if (!words) {
    words = name
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
    if (keyWordsCache.size >= KEY_WORDS_CACHE_LIMIT) keyWordsCache.clear();
    keyWordsCache.set(name, words);
  }
  return words;
}

/** True when a config key name says its value is a secret. `keys` (the cookie keys) is SEN201's and not included. */
export function isSecretKeyName(name: string): boolean {
  const words = keyWords(name);
  const last = words[words.length - 1];
  if (last === undefined) return false;
  if (SECRET_LAST_WORDS.has(last)) return true;
  if ((last === 'key' || last === 'keys') && SECRET_KEY_QUALIFIERS.has(keyQualifier(words))) return true;
  return words.length === 1 && JOINED_SECRET_NAME.test(last);
}

/** The word before a name's last one, past API versions: `api` of `apiV3Key`, `api_v2_key` and `apiv3Key`. */
function keyQualifier(words: readonly string[]): string {
  const before = words.slice(0, -1).filter(word => !/^v\d+$/.test(word));
  return (before[before.length - 1] ?? '').replace(/v\d+$/, '');
}

/**
 * A `dsn` that is only an address: a URL with no password nor token, such as Sentry's
 * `https://<public key>@o1.ingest.sentry.io/1`, which holds a public key only (Sentry: "DSNs are safe to keep public"),
 * or a database's `postgres://app@db:5432/shop?sslmode=verify-full`, whose user signs in with a client certificate or
 * an IAM token fetched at run time. A DSN with a password (Sentry's old `public:secret@` form, a database URL), a
 * secret-named query parameter or a secret's shape is still a secret; the URL's password is also caught by its shape.
 */
function isPublicDsn(name: string, value: string): boolean {
  const words = keyWords(name);
  if (words[words.length - 1] !== 'dsn' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) return false;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return false;
  }
  return url.password === '' && ![ ...url.searchParams.keys() ].some(isSecretKeyName) && !detectSecretValues(value).length;
}

/**
 * Vendor keys made to be sent to every browser, whatever the key is called: Mapbox public tokens (`pk.eyJ…`; its
 * secret ones are `sk.`), PostHog project keys (`phc_`; personal ones are `phx_`) and Stripe publishable keys
 * (`pk_live_`/`pk_test_`; secret ones are `sk_`/`rk_`).
 */
const PUBLISHABLE_VALUE = /^(?:pk\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}|phc_[A-Za-z0-9]{20,}|pk_(?:live|test)_[A-Za-z0-9]{16,})$/;

/**
 * Words of a key name that say its value goes to browsers (`publicApiKey`, `browserKey`, `searchOnlyApiKey`: Algolia's,
 * Meilisearch's and Typesense's search-only keys are public by design, their admin keys look the same), for a
 * `…key`/`…token` name only (never `…password`/`…secret`), and unless another word says otherwise (`searchAdminKey`).
 */
const PUBLIC_NAME_WORDS = new Set([ 'public', 'publishable', 'browser', 'frontend', 'search' ]);
const PRIVATE_NAME_WORDS = new Set([ 'admin', 'write', 'private', 'priv', 'secret', 'master', 'server', 'backend' ]);
/**
 * Words that make a Google API key (`AIza…`) a browser key, in the key's name or its parent's: a Maps JavaScript key
 * (`googleMaps: { apiKey }`, `mapsBrowserKey`) is sent to every page and restricted by referrer. `client` counts in the
 * key's own name only (`clientApiKey`): `google: { client: { apiKey } }` is a server's API client. The same shape
 * under any other name is a server key, billed to its owner.
 */
const BROWSER_GOOGLE_KEY_WORDS = new Set([ 'public', 'publishable', 'browser', 'frontend', 'web', 'js', 'maps', 'map' ]);
const GOOGLE_API_KEY = /^AIza[0-9A-Za-z_-]{20,}$/;

/** A `…key`/`…token` name that says its value is public (PUBLIC_NAME_WORDS). */
function isPublicKeyName(name: string): boolean {
  const words = keyWords(name);
  return [ 'key', 'keys', 'token' ].includes(words[words.length - 1] ?? '') && words.some(word => PUBLIC_NAME_WORDS.has(word)) && !words.some(word => PRIVATE_NAME_WORDS.has(word));
}

/** A Google API key under a browser key's name (BROWSER_GOOGLE_KEY_WORDS). */
function isBrowserGoogleKey(names: readonly string[], value: string): boolean {
  if (!GOOGLE_API_KEY.test(value)) return false;
  const own = keyWords(names[names.length - 1] ?? '');
  const parent = names.length >= 2 ? keyWords(names[names.length - 2]) : [];
  if ([ ...own, ...parent ].some(word => PRIVATE_NAME_WORDS.has(word))) return false;
  return own.includes('client') || [ ...own, ...parent ].some(word => BROWSER_GOOGLE_KEY_WORDS.has(word));
}

/**
 * The `apiKey` of a Firebase web app's config (beside its `authDomain` on firebaseapp.com or its web `appId`), which
 * every page of the app sends to browsers: Firebase's docs say such keys are no secret and may be committed (access
 * is guarded by Security Rules). Masked all the same; only the finding (SEN202) leaves it alone.
 */
function isFirebaseWebApiKey(name: string, value: string, parent: unknown): boolean {
  if (name !== 'apiKey' || !GOOGLE_API_KEY.test(value) || !parent || typeof parent !== 'object') return false;
  const { authDomain, appId } = parent as { authDomain?: unknown; appId?: unknown };
  return (typeof authDomain === 'string' && /\.firebaseapp\.com$/.test(authDomain)) || (typeof appId === 'string' && /^\d+:\d+:web:[0-9a-f]+$/.test(appId));
}

function isPasswordKeyName(name: string): boolean {
  const words = keyWords(name);
  return PASSWORD_WORDS.has(words[words.length - 1] ?? '') || (words.length === 1 && /(?:pass(?:wd|word)|pwd)s?$/.test(words[0]));
}

/** HTTP Basic's scheme in any case, then a space, also URL-encoded. */
const BASIC_SCHEME = /[Bb][Aa][Ss][Ii][Cc](?: |%20)/;

/** `Basic dXNlcjpwYXNz`: the base64 after the scheme decodes to printable `user:password`. */
function isBasicCredential(match: string): boolean {
  const encoded = match.replace(BASIC_SCHEME, '').replace(/%3[Dd]/g, '=');
  return /^[ -~]+:[ -~]*$/.test(Buffer.from(encoded, 'base64').toString('latin1'));
}

/** HTTP Bearer's scheme in any case, then a space, also URL-encoded. */
const BEARER_SCHEME = /[Bb][Ee][Aa][Rr][Ee][Rr](?: |%20)/;
/** Random tokens mix letters and digits (RFC 6750's b64token); "Bearer authentication-required" is words. */
const MIN_BEARER_BITS_PER_CHAR = 3;

function isBearerToken(match: string): boolean {
  return mixedAndVaried(match.replace(BEARER_SCHEME, ''));
}

/** Letters and digits mixed, in varied characters: a generated token rather than words. */
function mixedAndVaried(text: string): boolean {
  return /\d/.test(text) && /[A-Za-z]/.test(text) && bitsPerChar(text) >= MIN_BEARER_BITS_PER_CHAR;
}

/** A generated value is this long at least (a 64-bit key in hex); names of cookies and headers are shorter or words. */
const MIN_GENERATED_LENGTH = 16;
const MIN_GENERATED_RUN = 8;

/**
 * Whether a value looks generated rather than named: long, no spaces, letters and digits mixed in varied characters,
 * with a run of MIN_GENERATED_RUN letters and digits that mixes both (`EGG_SESS_2024_prod` is words and a year).
 */
function looksGenerated(value: string): boolean {
  return value.length >= MIN_GENERATED_LENGTH && !/\s/.test(value) && mixedAndVaried(value) &&
    value.split(/[^A-Za-z0-9]+/).some(run => run.length >= MIN_GENERATED_RUN && /\d/.test(run) && /[A-Za-z]/.test(run));
}

/** `ak`, `accessKey`, `accessKeyId`, `access_key_id`: the id half of a cloud SDK's AK/SK pair. */
function isAccessKeyIdName(name: string): boolean {
  const words = keyWords(name);
  return words[words.length - 1] === 'ak' || /access_?key(?:_?id)?$/.test(words.join('_'));
}

/**
 * Key names that are secret for some values only: `sk`, the secret half of the AK/SK pairs of Alibaba, Huawei, Baidu
 * and Qiniu's SDKs, beside its access key id or holding a generated value (`sk` alone is also Slovak's language code);
 * `authKey`/`sessionKey` holding a generated value (GENERATED_KEY_QUALIFIERS); an `Authorization` header's value of
 * any scheme (`token 9f8Zq2…`, `Token …`, `Digest …`).
 */
function isSecretForValue(name: string, value: string, parent: unknown): boolean {
  if (isPrivateJwkMember(name, parent)) return true;
  const words = keyWords(name);
  const last = words[words.length - 1];
  if (last === 'sk') return looksGenerated(value) || (isPlainObject(parent) && Object.keys(parent).some(isAccessKeyIdName));
  if (last === 'key' && GENERATED_KEY_QUALIFIERS.has(keyQualifier(words))) return looksGenerated(value);
  // Basic and Bearer credentials are found by their shapes, which name them.
  const credential = /^[A-Za-z][\w.-]*\s+(\S{8,})$/.exec(value.trim())?.[1];
  return last === 'authorization' && credential !== undefined && !placeholderKind(credential) && !detectSecretValues(value).length;
}

/** The private members of a JSON Web Key (RFC 7518): an RSA key's exponent and primes, an EC or OKP key's `d`. */
const PRIVATE_JWK_MEMBERS: ReadonlySet<string> = new Set([ 'd', 'p', 'q', 'dp', 'dq', 'qi' ]);
const JWK_KEY_TYPES: ReadonlySet<string> = new Set([ 'RSA', 'EC', 'OKP' ]);

/**
 * A private member of a JSON Web Key object (`{ kty: 'RSA', n, e, d, … }`, node-oidc-provider's `jwks.keys`): `d`
 * and the primes of an RSA, EC or OKP key, `k` of a symmetric (`oct`) one.
 */
function isPrivateJwkMember(name: string, parent: unknown): boolean {
  if (!isPlainObject(parent) || typeof parent.kty !== 'string') return false;
  if (parent.kty === 'oct') return name === 'k';
  return JWK_KEY_TYPES.has(parent.kty) && PRIVATE_JWK_MEMBERS.has(name);
}

const PEM_PRIVATE_KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;

/** Value shapes that are secrets wherever they appear. Each needs enough fixed structure to rule out hashes and ids. */
const SECRET_VALUE_PATTERNS: ReadonlyArray<{ kind: string; pattern: RegExp; accept?: (match: string) => boolean }> = [
  // The whole block: its header, body (also with JSON's `\n` escapes, as in a dump's text) and END line, so masking
  // hides the key, not only the line that names it.
  { kind: 'a PEM private key', pattern: new RegExp(`${PEM_PRIVATE_KEY_BEGIN.source}(?:[A-Za-z0-9+/=:,\\- \\t\\r\\n]|\\\\[rn])*`) },
  { kind: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/ },
  // Alibaba Cloud's AccessKey id (`LTAI` and 12 to 20 more, digits among them), the id half of its AK/SK pair.
  { kind: 'an Alibaba Cloud AccessKey id', pattern: /\bLTAI[A-Za-z0-9]{12,20}\b/, accept: match => /\d/.test(match.slice(4)) },
  { kind: 'a GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/ },
  { kind: 'a GitLab token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}/ },
  { kind: 'a Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: 'a Slack webhook URL', pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/ },
  { kind: 'a Discord webhook URL', pattern: /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks\/\d+\/[A-Za-z0-9_-]{20,}/i },
  // An ADO.NET/ODBC connection string's password (`Server=db;User Id=sa;Password=…;`, `PWD={…}`), keywords in any case,
  // the value quoted, braced or bare: the value only (the `secret` group). No lookbehind: one with `\s*` scans back
  // over every space at every position, which a deeply indented dump has thousands of.
  { kind: 'a connection string with a password', pattern: /(?:^|[;"'])[ \t]*(?:password|pwd)[ \t]*=[ \t]*(?<secret>"[^"]{3,}"|'[^']{3,}'|\{[^}]{3,}\}|[^;'"{\s][^;'"]{2,})/i, accept: match => !placeholderKind(match.replace(/^["'{]|["'}]$/g, '')) },
  { kind: 'a Stripe secret key', pattern: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/ },
  { kind: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
  { kind: 'an npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/ },
  // API keys of e-mail, AI and hosting providers, by the prefixes and lengths the providers document (and gitleaks checks).
  { kind: 'a SendGrid API key', pattern: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/ },
  // Mailgun's private key: `key-` and 32 lowercase letters and digits (its docs' example is not hex), digits among them.
  { kind: 'a Mailgun API key', pattern: /\bkey-[0-9a-z]{32}\b/, accept: match => /\d/.test(match.slice(4)) },
  { kind: 'an OpenAI API key', pattern: /\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})/ },
  { kind: 'an Anthropic API key', pattern: /\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,}/ },
  { kind: 'a Hugging Face token', pattern: /\bhf_[A-Za-z]{34}\b/ },
  { kind: 'a Shopify access token', pattern: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/ },
  { kind: 'a DigitalOcean token', pattern: /\bdo[opr]_v1_[a-f0-9]{64}\b/ },
  { kind: 'a PyPI token', pattern: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/ },
  // The secret counterparts of the publishable keys (PUBLISHABLE_VALUE): a Mapbox secret token, a PostHog personal key.
  { kind: 'a Mapbox secret token', pattern: /\bsk\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
  { kind: 'a PostHog personal API key', pattern: /\bphx_[A-Za-z0-9]{30,}/ },
  { kind: 'a JWT', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/ },
  // An Authorization header's value: base64 of `user:password` (not the words of "Basic authentication required"); the
  // scheme in any case, also URL-encoded (`Basic%20…%3D`).
  { kind: 'an HTTP Basic credential', pattern: new RegExp(`\\b${BASIC_SCHEME.source}[A-Za-z0-9+/]{8,}(?:=|%3[Dd]){0,2}`), accept: isBasicCredential },
  // An Authorization header's bearer token (RFC 6750), as a service calling another keeps it in its config.
  { kind: 'an HTTP Bearer token', pattern: new RegExp(`\\b${BEARER_SCHEME.source}[A-Za-z0-9._~+/-]{20,}=*`), accept: isBearerToken },
  // A URL that carries its credential in the query (a DingTalk or WeCom robot's `?access_token=…`, a SAS `sig=…`):
  // the value only, so masking keeps the URL readable.
  { kind: 'a URL with a token in its query', pattern: /(?<=:\/\/[^\s'"]*[?&](?:access_?token|token|api_?key|secret|client_secret|sig|signature|password|passwd)=)[A-Za-z0-9._~%+/-]{16,}/i },
  // Chat bots whose URL is the credential (black-box round 43, h2 F4): a WeCom robot's `?key=`, a Feishu or Lark bot
  // hook's token, and a Telegram bot's token (in its API URL, `bot<id>:<secret>`, or alone). The token only, as above.
  { kind: 'a WeCom robot webhook key', pattern: /(?<=:\/\/qyapi\.weixin\.qq\.com\/cgi-bin\/webhook\/send\?(?:[^\s'"#]*&)?key=)[A-Za-z0-9-]{16,}/i },
  { kind: 'a Feishu or Lark bot webhook', pattern: /(?<=:\/\/open\.(?:feishu\.cn|larksuite\.com)\/open-apis\/bot\/v2\/hook\/)[A-Za-z0-9-]{16,}/i },
  { kind: 'a Telegram bot token', pattern: /(?<!\d)\d{8,10}:AA[A-Za-z0-9_-]{33}(?![\w-])/ },
];

/**
 * The kinds of SECRET_VALUE_PATTERNS that are secrets in any file a site serves (SEN203): vendors' secret tokens and
 * webhook URLs, by prefixes no public key or sample text has. Not the shapes a page may hold for good (a Google API
 * key for Maps, a JWT in an example, an AWS access key id alone, `Basic`/`Bearer` in API docs).
 */
const SERVED_SECRET_KINDS: ReadonlySet<string> = new Set([ 'a GitHub token', 'a GitLab token', 'a Slack token', 'a Slack webhook URL',
  'a Discord webhook URL', 'an npm token', 'a SendGrid API key', 'an OpenAI API key', 'an Anthropic API key', 'a Hugging Face token',
  'a Shopify access token', 'a DigitalOcean token', 'a PyPI token', 'a Mapbox secret token', 'a PostHog personal API key', 'a WeCom robot webhook key',
  'a Feishu or Lark bot webhook', 'a Telegram bot token' ]);
const SERVED_SECRET_SHAPES = [
  ...SECRET_VALUE_PATTERNS.filter(({ kind }) => SERVED_SECRET_KINDS.has(kind) && kind !== 'a Slack token').map(({ kind, pattern }) => ({ kind, pattern })),
  // A real Slack token's workspace and user or bot ids are long numbers: `xoxb-123456789012-…`, not `xoxb-your-bot-token`.
  { kind: 'a Slack token', pattern: /\bxox[abposr]-\d{8,}-[A-Za-z0-9-]{10,}/ },
  // A live key only: a test key (sk_test_) in a demo page spends no money.
  { kind: 'a Stripe secret key', pattern: /\b[rs]k_live_[A-Za-z0-9]{16,}/ },
  // The id and secret of an AWS access key side by side, as the console's accessKeys.csv and ~/.aws/credentials hold them.
  { kind: 'an AWS access key and its secret', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b[\s\S]{1,80}?(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/ },
  // Alibaba Cloud's and Tencent Cloud's AccessKey pairs, as a browser's direct upload to OSS or COS is given them: the
  // id, then a secret of 30 (Alibaba) or 32 (Tencent) letters and digits (black-box round 41, h3 F2).
  { kind: 'an Alibaba Cloud AccessKey id and its secret', pattern: /\bLTAI[A-Za-z0-9]{12,20}\b[\s\S]{1,120}?(?<![A-Za-z0-9])(?<secret>[A-Za-z0-9]{30})(?![A-Za-z0-9])/ },
  { kind: 'a Tencent Cloud SecretId and its SecretKey', pattern: /\bAKID[A-Za-z0-9]{32}\b[\s\S]{1,120}?(?<![A-Za-z0-9])(?<secret>[A-Za-z0-9]{32})(?![A-Za-z0-9])/ },
  // A database's or message broker's URL with its password, and an ADO.NET connection string's (black-box round 41, h3 F3).
  { kind: 'a database URL with a password', pattern: /\b(?:mongodb(?:\+srv)?|rediss?|postgres(?:ql)?|mysql|mariadb|amqps?|mssql|sqlserver):\/\/[^\s/?#:'"@]*:(?<secret>[^\s/'"@]{6,})@[A-Za-z0-9.-]+/i },
  { kind: 'a connection string with a password', pattern: /\b(?:Server|Data Source|Host|Address)[ \t]*=[^;"'\n]{1,100};(?:[ \t]*[A-Za-z][\w ]{0,30}=[^;"'\n]{0,100};){0,8}?[ \t]*(?:Password|Pwd)[ \t]*=[ \t]*(?<secret>[^;"'\s]{6,})/i },
];

/**
 * Docs' stand-ins for a token: a run of one character (`XXXXXXXX`, `00000000`), a counting run (`1234`, `abcd`) or a
 * word no generated token spells (AWS's `AKIAIOSFODNN7EXAMPLE`, `xoxb-your-bot-token`, `glpat-your-gitlab-token-here`).
 */
const STAND_IN_TOKEN = /(.)\1{5}|1234|abcd|example|your|token|here|xxxx|placeholder|dummy|sample|fake|redacted/i;

/**
 * What secret a file a site serves holds by its shape (SERVED_SECRET_SHAPES, a private JSON Web Key, PuTTY's key
 * file), or undefined. Found by position first (indexOf), so that a large file costs a pass, not a backtracking search.
 */
export function servedSecretKind(text: string): string | undefined {
  for (const { kind, pattern } of SERVED_SECRET_SHAPES) {
    const match = pattern.exec(text);
    // Where the shape names its secret, that alone is judged: the host beside a URL's password may be example.com.
    const secret = match?.groups?.secret ?? match?.[0];
    if (secret !== undefined && !STAND_IN_TOKEN.test(secret) && !placeholderKind(secret) && (!match?.groups?.secret || isMixed(secret))) return kind;
  }
  const putty = text.indexOf('PuTTY-User-Key-File-');
  if (putty >= 0 && /\nPrivate-Lines:[ \t]*\d+/.test(text.slice(putty, putty + PUTTY_KEY_SPAN))) return 'a private key (PuTTY)';
  return privateJwkKind(text);
}

/** Letters and digits both: a generated secret, not a word or a number. */
function isMixed(secret: string): boolean {
  return /\d/.test(secret) && /[A-Za-z]/.test(secret);
}

const PUTTY_KEY_SPAN = 16 * 1024;
/** The most of a JSON Web Key object read around its `"kty"`, and the most `"kty"`s looked at in one file. */
const JWK_SPAN = 8 * 1024;
const MAX_JWKS = 1000;

/**
 * A private JSON Web Key in a text (`"kty": "RSA"` with its `"d"`, an `"oct"` key with its `"k"`): the object around
 * each `kty`, up to its braces. Members may be quoted either way or bare, as a bundler writes an object literal
 * (`{kty:"RSA",…,d:"…"}`). A JWKS of public keys has neither member.
 */
function privateJwkKind(text: string): string | undefined {
  let at = text.indexOf('kty');
  for (let seen = 0; at >= 0 && seen < MAX_JWKS; seen++, at = text.indexOf('kty', at + 3)) {
    const before = text.slice(Math.max(0, at - JWK_SPAN), at);
    const after = text.slice(at, at + JWK_SPAN);
    const open = before.lastIndexOf('{');
    const close = after.indexOf('}');
    if (open < 0 || close < 0 || before.slice(open).includes('}')) continue;
    const type = JWK_TYPE.exec(before.slice(-1) + after)?.[3];
    if (type === undefined) continue;
    const object = before.slice(open) + after.slice(0, close + 1);
    if ((type === 'oct' ? JWK_SYMMETRIC_KEY : JWK_PRIVATE_EXPONENT).test(object)) return type === 'oct' ? 'a symmetric key (JWK)' : 'a private key (JWK)';
  }
  return undefined;
}

/** `kty` as a member name (quoted, or bare after `{`, `,` or white space) with a key type: the character before it, then it. */
const JWK_TYPE = /^(?:(["'])kty\1|[{,\s]kty)\s*:\s*(["'`])(RSA|EC|OKP|oct)\2/;
const jwkMember = (name: string) => new RegExp(`(?:(["'])${name}\\1|[{,\\s]${name})\\s*:\\s*(["'\`])[A-Za-z0-9_-]{16,}\\2`);
const JWK_PRIVATE_EXPONENT = jwkMember('d');
const JWK_SYMMETRIC_KEY = jwkMember('k');

/**
 * `scheme://user:password@host`; the password is group 1. It runs to the last `@` before the host, as URL parsers and
 * drivers read it: `svc:P@ss@db` has the password `P@ss`, `admin@server:pw@server.example` (Azure Database's user
 * names) the password `pw`, and `:Rp@ss#Wd@redis` `Rp@ss#Wd`; the host that follows holds no `@`.
 */
const URL_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#:'"]*:([^\s/'"]+)@(?![^\s/?#'"]*@)/gi;

export type PlaceholderKind = 'empty' | 'template' | 'placeholder';

const TEMPLATE = /\$\{[^}]*\}|\{\{[^}]*\}\}|^\$[A-Z_][A-Z0-9_]*$|^%[A-Z_][A-Z0-9_]*%$/;
const PLACEHOLDER = /^(?:change[-_ ]?(?:me|it|this)|todo|tbd|fixme|placeholder|replace[-_ ]?me|your[-_ ].*|<[^>]*>|x{3,}|\*{3,}|\.{3,}|secret|password|passwd|example|dummy|test|null|undefined|none|\[redacted\])$/i;
/**
 * An instruction left where the secret belongs (a template's text copied into a secret store): a verb and what to
 * put (`replace-with-output-of-keygen`, `put your key here`, `fill-in-the-real-key`). Only such words: a URL's or a
 * connection string's password that reads as a placeholder is not masked.
 */
const INSTRUCTION = /^(?:please[-_ .]+)?(?:replace|insert|change|put|fill|paste|enter|set|generate|provide)(?:[-_ .]+(?:me|it|this|in))?[-_ .]+(?:with|to|your|here|own|real|actual|the|output|generated)(?=[-_ .:]|$)/i;
/**
 * A stand-in marker as the first or last word (`todo-set-a-key`, `cookie-key-TBD`, `xxx-secret-xxx`) or a `…here`
 * ending (`secret-key-goes-here`): a word in the middle of a value may be part of a real password, these are not.
 */
const MARKER_WORD = /^(?:todo|tbd|fixme|placeholder|changeme|x{3,})(?:[-_ .:]|$)|(?:^|[-_ .])(?:todo|tbd|fixme|placeholder|changeme|x{3,}|(?:goes|key|secret|token|password|value|it)[-_ .]here)$/i;

/**
 * Whether a value is a stand-in rather than a secret: empty, an unexpanded `${VAR}` template, a `changeme`-like
 * word (egg's own dump masks such as `<String len: 8>` included), an instruction (`replace-with-…`) or a marker
 * (`…-todo`, `…-goes-here`).
 */
export function placeholderKind(value: string): PlaceholderKind | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return 'empty';
  if (TEMPLATE.test(trimmed)) return 'template';
  if (PLACEHOLDER.test(trimmed) || INSTRUCTION.test(trimmed) || MARKER_WORD.test(trimmed)) return 'placeholder';
  return undefined;
}

export interface SecretValueMatch {
  /** What the value looks like, for messages: `a GitHub token`, `a URL with a password`. */
  kind: string;
  /** The secret text inside the value (the whole token, or the URL's password). Never put it in a message. */
  secret: string;
}

/** Any of the shapes: one scan tells whether a string holds one at all (most config strings do not). */
// Ignoring case, a superset of what the shapes match (some of them ignore case themselves): one scan rules out most strings.
const ANY_SECRET_SHAPE = new RegExp(SECRET_VALUE_PATTERNS.map(({ pattern }) => `(?:${pattern.source})`).join('|'), 'i');
const EVERY_SECRET_SHAPE = SECRET_VALUE_PATTERNS.map(({ kind, pattern, accept }) => ({ kind, pattern: new RegExp(pattern.source, `${pattern.flags}g`), accept }));

/**
 * The secrets a string holds by its shape alone, whatever its key is called: every occurrence, since a string with
 * two tokens (a route dump, a sentence naming two keys) must have both masked.
 */
export function detectSecretValues(value: string): SecretValueMatch[] {
  const found: SecretValueMatch[] = [];
  if (ANY_SECRET_SHAPE.test(value)) {
    for (const { kind, pattern, accept } of EVERY_SECRET_SHAPE) {
      for (const match of value.matchAll(pattern)) {
        const secret = match.groups?.secret ?? match[0];
        if (!accept || accept(secret)) found.push({ kind, secret });
      }
    }
  }
  // Only a string with a scheme separator can hold a URL password; most strings are not scanned again.
  if (!value.includes('://')) return found;
  for (const match of value.matchAll(URL_PASSWORD)) {
    const password = decodeOrKeep(match[1]);
    if (!placeholderKind(password)) found.push({ kind: 'a URL with a password', secret: match[1] });
  }
  return found;
}

/** `text` percent-decoded (a URL's password as a URL writes it), or as it is when it is no valid encoding. */
export function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export interface SecretLeaf {
  /** Dotted key path, `[i]` for array items: `mysql.clients[0].password`. */
  keyPath: string;
  /** The whole value as a string. Never put it in a message. */
  value: string;
  /** The secret part (the value, or a token or URL password inside it). Never put it in a message. */
  secret: string;
  /** `a password-like key` for key-name hits, else the value kind (`a GitHub token`). */
  kind: string;
  /** Set when the value is a stand-in (empty, `${VAR}`, `changeme`) rather than a real secret. */
  placeholder?: PlaceholderKind;
  /** The secret is the key's name (a token used as a key), not its value. */
  inKeyName?: boolean;
  /**
   * A value meant to be public (a publishable key, a browser key, a DSN without a password): no finding (SEN202) and no
   * secret for SEN203 to look for in static files, yet masked in dumps and reports all the same.
   */
  public?: boolean;
  /** For a key holding an object: a leaf below it, whose file egg recorded (egg records the files of leaves only). */
  recordedAt?: string;
}

export interface FindSecretsOptions {
  /**
   * Count everything under a secret-named object as secret (`credentials: { user, pass }`) and treat `keys` (egg's
   * cookie keys) as secret, and keep public values (a `dsn` without a password, a publishable or browser key) too,
   * marked `public`. For masking and redaction, which should err on the side of hiding too much.
   */
  inherit?: boolean;
}

/** Every secret-looking leaf of a plain-data tree (config, or a parsed dump); class instances are skipped. */
export function findSecrets(root: unknown, options: FindSecretsOptions = {}): SecretLeaf[] {
  const inherit = options.inherit === true;
  const readings = walkSecrets(root, !inherit, inherit);
  return inherit ? readings.inherited : readings.plain;
}

/** What findSecrets finds without and with `inherit`. */
export interface SecretReadings {
  plain: SecretLeaf[];
  inherited: SecretLeaf[];
  /** Key paths of config nested deeper than the walk goes (MAX_WALK_DEPTH): not searched, so reported (SEN202). */
  tooDeep: string[];
}

const inheritedSecretName = (name: string) => isSecretKeyName(name) || name === 'keys';

/** Last words of a key name that say its value is a date: `until`, `expires`, `expiresAt`, `notAfter`, `rotatedOn`. */
const DATE_LAST_WORDS = new Set([ 'until', 'expires', 'expiry', 'expiration', 'at', 'on', 'date', 'before', 'after', 'from' ]);
/** A calendar date, with an optional time (ISO 8601, what `until` and a Date's toISOString write). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * A date under a secret-named object (`previousSecrets: [{ secret, until: '2027-12-31' }]`): when a secret stops
 * being valid is no secret, and a report that hides it cannot say which date is wrong.
 */
function isDateLeaf(keyName: string, text: string): boolean {
  return DATE_LAST_WORDS.has(keyWords(keyName).at(-1) ?? '') && ISO_DATE.test(text.trim());
}

/** Whether a key above the leaf (all names but the last) is secret-named. */
function underSecretName(names: readonly string[]): boolean {
  for (let index = 0; index < names.length - 1; index++) if (inheritedSecretName(names[index])) return true;
  return false;
}

function walkSecrets(root: unknown, plainWanted: boolean, inheritedWanted: boolean): SecretReadings {
  const plain: SecretLeaf[] = [];
  const inherited: SecretLeaf[] = [];
  const tooDeep: string[] = [];
  walkPlainData(root, (value, keyPath, names, parent) => {
    const keyName = names[names.length - 1] ?? '';
    // A token used as a key (`apiClients: { 'sk_live_…': 'client-a' }`) is written to the dumps and their meta as any
    // value is. Array items carry their array's name: it is looked at once, at the array.
    if (keyName && !keyPath.endsWith(']') && ANY_SECRET_SHAPE.test(keyName)) {
      const recordedAt = isPlainData(value) ? firstLeafPath(value, keyPath) : undefined;
      const inKey = detectSecretValues(keyName).map(match => ({ keyPath, value: keyName, secret: match.secret, kind: `${match.kind} (as a key name)`, inKeyName: true, recordedAt }));
      if (plainWanted) plain.push(...inKey);
      if (inheritedWanted) inherited.push(...inKey);
    }
    const text = leafText(value);
    if (text === undefined) return;
    const isText = typeof value !== 'number';
    // A secret-named key counts for a string, and for a number only under a password-like name; a package's or an npm
    // script's name in egg's copy of package.json (`@acme/auth: 'workspace:*'`, `gen:secret`) names no secret.
    const nameCounts = !namesPackageEntry(names) && (isText || isPasswordKeyName(keyName)) && !isCredentialsMode(keyName, text);
    // `aes: { key }`, `aes_256_gcm: { key }` name their value as `aesKey` does.
    const namedByParent = /^keys?$/i.test(keyName) && names.length >= 2 && keyWords(names[names.length - 2]).some(word => SECRET_KEY_QUALIFIERS.has(word.replace(/\d+$/, '')));
    const named = namedByParent || isUserPasswordAuth(keyName, text) || (isText && isSecretForValue(keyName, text, parent));
    // Masking keeps hiding public values; only the findings (SEN202, SEN203) leave them alone. A public value is one
    // whole (no secret's shape in it); a public name leaves a secret's shape under it a secret.
    const trimmed = text.trim();
    const publicValue = isPublicDsn(keyName, text) || isFirebaseWebApiKey(keyName, text, parent) || PUBLISHABLE_VALUE.test(trimmed) || isBrowserGoogleKey(names, trimmed);
    const publicName = isPublicKeyName(keyName);
    const plainByName = plainWanted && nameCounts && (isSecretKeyName(keyName) || named) && !publicValue && !publicName;
    const inheritedByName = inheritedWanted && ((underSecretName(names) && !isDateLeaf(keyName, text)) || (nameCounts && (inheritedSecretName(keyName) || named)));
    let shapes: SecretLeaf[] | undefined;
    if (isText && ((plainWanted && !plainByName) || (inheritedWanted && !inheritedByName) || (inheritedByName && publicName))) {
      shapes = detectSecretValues(text).map(match => ({ keyPath, value: text, ...match }));
    }
    if (plainByName) plain.push(secretNamedLeaf(keyPath, text));
    else if (plainWanted && shapes && !publicValue) plain.push(...shapes);
    const isPublic = publicValue || (publicName && !shapes?.length);
    if (inheritedByName) inherited.push({ ...secretNamedLeaf(keyPath, text), ...isPublic ? { public: true } : {} });
    else if (inheritedWanted && shapes) inherited.push(...shapes.map(leaf => (publicValue ? { ...leaf, public: true } : leaf)));
  }, { tooDeep: keyPath => tooDeep.push(keyPath) });
  return { plain, inherited, tooDeep };
}

/**
 * A leaf's value as text, for a string, a number or a Buffer of UTF-8 text: jsonwebtoken, tls and payment SDKs take a
 * key as `Buffer.from('…')` or `fs.readFileSync(pem)` as readily as a string, and it is the same secret. Random bytes
 * (`crypto.randomBytes(32)`) are no text, nor written in any file. Undefined for anything else.
 */
function leafText(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (!Buffer.isBuffer(value)) return undefined;
  const text = value.toString('utf8');
  return Buffer.from(text).equals(value) ? text : undefined;
}

/** fetch()'s and the Fetch API's credentials modes, which config passes on to a client (`fetch: { credentials: 'include' }`). */
const CREDENTIALS_MODES: ReadonlySet<string> = new Set([ 'include', 'same-origin', 'omit' ]);

/** A `credentials` key holding a fetch credentials mode: a setting, no secret. */
function isCredentialsMode(keyName: string, value: string): boolean {
  // `fetchcredentials` too, now that a one-word name ending in credentials is a secret's (JOINED_SECRET_NAME).
  return CREDENTIALS_MODES.has(value) && /credentials$/.test(keyWords(keyName).at(-1) ?? '');
}

/** package.json's maps whose keys are package or script names (egg copies package.json into `config.pkg`). */
const PACKAGE_NAME_MAPS: ReadonlySet<string> = new Set([ 'dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies',
  'bundledDependencies', 'resolutions', 'overrides', 'scripts', 'bin', 'engines', 'exports', 'imports', 'workspaces' ]);

/** Whether the leaf at `names` sits in one of `config.pkg`'s maps of package or script names. */
function namesPackageEntry(names: readonly string[]): boolean {
  return names[0] === 'pkg' && names.length >= 3 && PACKAGE_NAME_MAPS.has(names[1]);
}

/**
 * `auth: 'user:password'`, as urllib (egg's httpclient) and Node's http.request take HTTP Basic credentials. Other
 * `auth` strings (`auth: 'jwt'`, a strategy's name, a URL) are no secret.
 */
function isUserPasswordAuth(keyName: string, value: string): boolean {
  return keyWords(keyName).at(-1) === 'auth' && /^[^\s:/]+:(?!\/\/)\S+$/.test(value);
}

/** The key path of the first leaf below a plain object or array (`a.b[0].c`); undefined when it holds none. */
function firstLeafPath(value: unknown, keyPath: string): string | undefined {
  let node = value;
  let at = keyPath;
  for (let depth = 0; isPlainData(node) && depth < MAX_WALK_DEPTH; depth++) {
    const [ first ] = Object.keys(node);
    if (first === undefined) return undefined;
    at = Array.isArray(node) ? `${at}[${first}]` : `${at}.${first}`;
    node = (node as Record<string, unknown>)[first];
  }
  return isPlainData(node) ? undefined : at;
}

function secretNamedLeaf(keyPath: string, text: string): SecretLeaf {
  return { keyPath, value: text, secret: text, kind: 'a secret-named key', placeholder: placeholderKind(text) };
}

const configReadings = new WeakMap<object, SecretReadings>();

/**
 * The config's secrets for one facts snapshot (`owner`): a rule (SEN202) and the report's redaction both ask, so
 * both readings come from one walk (the walk, which builds every key path, is the costly part) per snapshot.
 */
export function configSecrets(owner: { config: unknown }): SecretReadings {
  let readings = configReadings.get(owner);
  if (!readings) configReadings.set(owner, readings = walkSecrets(owner.config, true, true));
  return readings;
}

/**
 * A deep copy of plain data with every secret replaced by MASK: whole values under secret-named keys (objects
 * included), and the token or URL password inside any other string. Used to rewrite egg's config dumps.
 */
export function maskSecrets<T>(root: T): T {
  // A token used as a key masks the key (setMaskedKey), not the value under it.
  const masked = new Map(findSecrets(root, { inherit: true }).filter(leaf => !leaf.inKeyName).map(leaf => [ leaf.keyPath, leaf ]));
  const rebuild = (value: unknown, keyPath: string, depth: number): unknown => {
    const leaf = masked.get(keyPath);
    if (leaf && (typeof value === 'string' || typeof value === 'number')) {
      return leaf.secret === leaf.value ? MASK : maskSecretShapes(String(value));
    }
    // findSecrets did not look below MAX_WALK_DEPTH: what is nested deeper is hidden, not vouched for.
    if (isPlainData(value) && depth >= MAX_WALK_DEPTH) return MASK;
    if (Array.isArray(value)) {
      return maskedPemLines(value) ?? value.map((item, index) => rebuild(item, `${keyPath}[${index}]`, depth + 1));
    }
    if (isPlainData(value)) {
      const copy: Record<string, unknown> = {};
      for (const [ key, child ] of Object.entries(value)) setMaskedKey(copy, key, rebuild(child, keyPath ? `${keyPath}.${key}` : key, depth + 1));
      return copy;
    }
    return value;
  };
  return rebuild(root, '', 0) as T;
}

/**
 * Sets `value` on the copy of an object under `key`, with a secret's shape in the key (a token used as a key) masked
 * and numbered when masking makes it equal an earlier key, so no entry is lost. Other keys stay as they are (a
 * report's own keys must not change); `__proto__` from parsed JSON stays an own key.
 */
export function setMaskedKey(copy: Record<string, unknown>, key: string, value: unknown): void {
  // Most keys hold no shape: one scan, and a plain assignment (defineProperty costs more, in every dump's copy).
  const masked = ANY_SECRET_SHAPE.test(key) || key.includes('://') ? maskSecretShapes(key) : key;
  if (masked === key) {
    if (key === '__proto__') Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    else copy[key] = value;
    return;
  }
  let unique = masked;
  for (let count = 2; Object.prototype.hasOwnProperty.call(copy, unique); count++) unique = `${masked} #${count}`;
  copy[unique] = value;
}

/**
 * An array of a PEM private key's lines (`key.split('\n')`) with every string masked: its body lines alone have no
 * shape, so all are hidden. Undefined for any other array.
 */
export function maskedPemLines(items: readonly unknown[]): unknown[] | undefined {
  if (!items.some(item => typeof item === 'string' && PEM_PRIVATE_KEY_BEGIN.test(item))) return undefined;
  return items.map(item => (typeof item === 'string' ? MASK : item));
}

/** `text` with every string of a secret's shape (detectSecretValues) replaced by MASK. */
export function maskSecretShapes(text: string): string {
  let out = text;
  for (const { secret } of detectSecretValues(text)) out = out.split(secret).join(MASK);
  return out;
}

const MIN_REDACTED_LENGTH = 4;
const SCHEMAS_KEY_PATH = 'sentinel.schemas.';

/**
 * Variables that describe the process and its machine, not secrets handed to it: a config value equal to one of
 * theirs (`password: 'production'` beside NODE_ENV=production) was not read from them, and the shell's `PWD`, whose
 * name reads as a password's, is a directory.
 */
export const DESCRIPTIVE_VARIABLES = /^(?:NODE_ENV|EGG_SERVER_ENV|EGG_SERVER_SCOPE|PATH|HOME|PWD|OLDPWD|USER|LOGNAME|SHELL|SHLVL|LANG|LANGUAGE|LC_\w+|TERM|TZ|HOSTNAME|_)$/;

/**
 * Values of environment variables named as secrets (`DEPLOY_HOOK_SECRET`, `DB_PASSWORD`): code may put one where the
 * config does not hold it (a webhook route's path), so reports, logs and dumps redact them too.
 */
export function environmentSecretValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env).flatMap(([ name, value ]) => (value && value.length >= MIN_ENVIRONMENT_SECRET && !DESCRIPTIVE_VARIABLES.test(name) &&
    isSecretEnvironmentName(name) ? [ value ] : []));
}

/** Shorter values of secret-named variables (`true`, `off`) are settings, not secrets, and would blank words out. */
const MIN_ENVIRONMENT_SECRET = 6;
/** Words that make a variable secret-named wherever they stand in its name (`HOOK_SECRET_KEY_B64`, `STRIPE_WHSEC`). */
const ENVIRONMENT_SECRET_WORDS = new Set([ ...SECRET_LAST_WORDS, 'apikey', 'whsec', 'sig', 'signature' ]);

function isSecretEnvironmentName(name: string): boolean {
  return isSecretKeyName(name) || keyWords(name).some(word => ENVIRONMENT_SECRET_WORDS.has(word));
}

/**
 * Every secret the config holds (values under secret-looking keys, each cookie key, tokens and URL passwords
 * anywhere), and the given values of secret-named environment variables, for redacting report text. Placeholders are
 * left out: redacting `password` would garble messages.
 */
export function collectSecretValues(config: Readonly<Record<string, unknown>>, leaves = findSecrets(config, { inherit: true }),
  environment: readonly string[] = []): Set<string> {
  const found = new Set<string>();
  // What every log line and report names anyway: a value under a secret-named object that equals the app's name or
  // is part of its directory (`accessToken: { issuer: '<app name>' }`) would otherwise blank them out everywhere.
  const shown = [ config.name, config.baseDir ].filter((value): value is string => typeof value === 'string');
  const add = (value: string) => {
    const trimmed = value.trim();
    if (trimmed.length >= MIN_REDACTED_LENGTH && !placeholderKind(trimmed) && !shown.some(text => text.includes(trimmed))) found.add(trimmed);
  };
  for (const leaf of leaves) {
    // JSON schemas for the app's config (`'mysql.client.password': { type: 'string' }`) hold no secret values.
    if (leaf.placeholder || leaf.keyPath.startsWith(SCHEMAS_KEY_PATH)) continue;
    // Cookie keys and other lists are comma-separated; each part is a secret of its own.
    for (const part of [ leaf.secret, ...leaf.secret.split(',') ]) add(part);
  }
  environment.forEach(add);
  return found;
}

/** Shannon entropy of the character distribution, in bits per character. */
export function bitsPerChar(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
