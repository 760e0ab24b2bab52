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
 * A short secret that mixes letters and digits (`Hk7Tq2z`) is no word of a path or a message: it is also hidden where
 * it stands alone between other characters than letters, digits, `_` and `-` (a webhook route `/hooks/Hk7Tq2z`).
 */
const LETTERS_AND_DIGITS = /^(?=.*\d)(?=.*[A-Za-z])/;

/**
 * Replaces every known secret value in report text, and any string of a secret's shape (a token in a route path read
 * from the environment, which the config does not hold). A safety net: rules already avoid echoing secrets.
 */
export class Redactor {
  /** Hidden wherever they occur. */
  private readonly secrets: string[];
  /** Hidden where a whole string (trimmed) equals one. */
  private readonly shortSecrets: ReadonlySet<string>;
  /** Any of `secrets`: one scan tells whether a string needs redacting at all (most do not). */
  private readonly anySecret?: RegExp;
  /** The short secrets of letters and digits where they stand alone (LETTERS_AND_DIGITS). */
  private readonly shortTokens?: RegExp;
  /** Redacted strings by input, unchanged ones too: a route table repeats the same chains hundreds of times. */
  private readonly done = new Map<string, string>();

  constructor(secrets: Iterable<string>) {
    const all = [ ...new Set(secrets) ].filter(Boolean);
    this.secrets = all.filter(secret => secret.length >= SUBSTRING_SECRET_LENGTH);
    this.shortSecrets = new Set(all.filter(secret => secret.length < SUBSTRING_SECRET_LENGTH));
    if (this.secrets.length) this.anySecret = new RegExp(this.secrets.map(escapeRegExp).join('|'));
    const tokens = [ ...this.shortSecrets ].filter(secret => LETTERS_AND_DIGITS.test(secret));
    if (tokens.length) this.shortTokens = new RegExp(`(?<![\\w-])(?:${tokens.map(escapeRegExp).join('|')})(?![\\w-])`, 'g');
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
      for (let at = value.indexOf(secret); at !== -1; at = value.indexOf(secret, at + 1)) ranges.push([ at, at + secret.length ]);
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
