import { escapeRegExp } from '../regexp';
import { MASK, maskedPemLines, maskSecretShapes, setMaskedKey } from '../secrets';

export const REDACTED = MASK;

const NOTHING_KEPT: ReadonlySet<string> = new Set();

/**
 * Secrets shorter than this are hidden only where a whole string equals them: a database password `admin` or `root`
 * hidden inside other text would garble `/admin/users` and `/api/root` in every route table and dump.
 */
const SUBSTRING_SECRET_LENGTH = 8;
/**
 * A short secret that is no word (letters and digits `Hk7Tq2z`, letters of both cases `qXzVbNm`, six digits or more)
 * is also hidden, in any case, where no letter or digit touches it (a webhook route `/hooks/x-Hk7Tq2z`).
 */
const NO_WORD = /^(?:(?=.*\d)(?=.*[A-Za-z]).*|(?=.*[a-z])(?=.*[A-Z]).*|\d{6,})$/s;

/**
 * A secret as code may write it into a path or a message besides as itself: URL-encoded (once or twice), hex, base64
 * and base64url, also base64 of a longer string holding it (`base64('user:' + secret)`); each also escaped for a
 * RegExp (a route's RegExp, as path-to-regexp escapes it) and as JSON text writes it (a dump's text).
 */
function writtenForms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const urlEncoded = encodeURIComponent(secret);
  return [ secret, urlEncoded, encodeURIComponent(urlEncoded), bytes.toString('hex'), ...embeddedBase64(bytes) ]
    .flatMap(form => [ form, form.replace(/[.*+?^${}()|[\]\\/=!:]/g, '\\$&') ])
    .flatMap(form => [ form, JSON.stringify(form).slice(1, -1) ]);
}

/**
 * Base64 (and base64url) of the secret as it reads standing alone, and the characters that stay the same wherever it
 * stands in a longer string: at each of the three byte offsets in a 3-byte group, the characters that encode only its
 * own bytes (those sharing bits with the bytes around it differ).
 */
function embeddedBase64(bytes: Buffer): string[] {
  const forms = [ bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url') ];
  for (const offset of [ 0, 1, 2 ]) {
    const padded = Buffer.concat([ Buffer.alloc(offset), bytes ]);
    const whole = padded.subarray(0, padded.length - (padded.length % 3));
    const stable = whole.toString('base64').slice(Math.ceil((offset * 4) / 3));
    forms.push(stable, stable.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/**
 * Replaces every known secret value in report text, and any string of a secret's shape (a token in a route path read
 * from the environment, which the config does not hold). A safety net: rules already avoid echoing secrets.
 */
export class Redactor {
  /** Hidden wherever they occur, in any case (each also as writtenForms gives it). */
  private readonly secrets: RegExp[];
  /** Hidden where a whole string (trimmed) equals one. */
  private readonly shortSecrets: ReadonlySet<string>;
  /** Any of `secrets`: one scan tells whether a string needs redacting at all (most do not). */
  private readonly anySecret?: RegExp;
  /** The short secrets that are no word, where they stand alone (NO_WORD). */
  private readonly shortTokens?: RegExp;
  /** Redacted strings by input, unchanged ones too: a route table repeats the same chains hundreds of times. */
  private readonly done = new Map<string, string>();

  constructor(secrets: Iterable<string>) {
    const all = [ ...new Set(secrets) ].filter(Boolean);
    const long = [ ...new Set(all.filter(secret => secret.length >= SUBSTRING_SECRET_LENGTH).flatMap(writtenForms)) ].map(escapeRegExp);
    this.secrets = long.map(source => new RegExp(source, 'gi'));
    this.shortSecrets = new Set(all.filter(secret => secret.length < SUBSTRING_SECRET_LENGTH));
    if (long.length) this.anySecret = new RegExp(long.join('|'), 'i');
    // A short one as JSON text writes it too (a dump's text).
    const tokens = [ ...this.shortSecrets ].filter(secret => NO_WORD.test(secret)).flatMap(secret => [ secret, JSON.stringify(secret).slice(1, -1) ]);
    if (tokens.length) this.shortTokens = new RegExp(`(?<![A-Za-z0-9])(?:${[ ...new Set(tokens) ].map(escapeRegExp).join('|')})(?![A-Za-z0-9])`, 'gi');
  }

  text(value: string): string {
    let out = this.done.get(value);
    if (out === undefined) {
      out = this.shortSecrets.has(value.trim()) ? REDACTED : maskSecretShapes(this.anySecret?.test(value) ? this.redact(value) : value);
      if (this.shortTokens) out = out.replace(this.shortTokens, REDACTED);
      this.done.set(value, out);
    }
    return out;
  }

  /**
   * Every character that belongs to an occurrence of any secret is hidden, overlapping occurrences merged into one
   * [REDACTED]: replacing secrets one after another, or the first match of an alternation, can leave the tail of a
   * secret that overlaps another in the clear.
   */
  private redact(value: string): string {
    const ranges: Array<[ number, number ]> = [];
    for (const secret of this.secrets) {
      // Each occurrence, overlapping ones too: the search goes on one character after where the last one began.
      secret.lastIndex = 0;
      for (let match = secret.exec(value); match; match = secret.exec(value)) {
        ranges.push([ match.index, match.index + match[0].length ]);
        secret.lastIndex = match.index + 1;
      }
    }
    ranges.sort((a, b) => a[0] - b[0]);
    let out = '';
    let copied = 0;
    for (let index = 0; index < ranges.length;) {
      const start = ranges[index][0];
      let end = ranges[index][1];
      for (index++; index < ranges.length && ranges[index][0] <= end; index++) end = Math.max(end, ranges[index][1]);
      out += `${value.slice(copied, start)}${REDACTED}`;
      copied = end;
    }
    return out + value.slice(copied);
  }

  /**
   * A deep copy of plain data with every string redacted, except the strings under a key in `keep`: values from a
   * fixed vocabulary (a severity, the env name), which a short secret that happens to equal one (a password `prod`)
   * must not turn into `[REDACTED]`, making the report invalid.
   */
  deep<T>(value: T, keep: ReadonlySet<string> = NOTHING_KEPT): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) return (maskedPemLines(value) ?? value.map(item => this.deep(item, keep))) as T;
    if (value && typeof value === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [ key, item ] of Object.entries(value)) setMaskedKey(copy, key, typeof item === 'string' && keep.has(key) ? item : this.deep(item, keep));
      return copy as T;
    }
    return value;
  }
}
