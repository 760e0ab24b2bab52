export const REDACTED = '[REDACTED]';

/** Replaces every known secret value in report text. A safety net: rules already avoid echoing secrets. */
export class Redactor {
  /** One alternation of every secret, longest first (a secret that contains another is replaced whole); one scan per string. */
  private readonly pattern?: RegExp;

  constructor(secrets: Iterable<string>) {
    const sorted = [ ...new Set(secrets) ].filter(Boolean).sort((a, b) => b.length - a.length);
    if (sorted.length) this.pattern = new RegExp(sorted.map(secret => secret.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('|'), 'g');
  }

  /** Redacted strings by input: a route table repeats the same chains hundreds of times. */
  private readonly done = new Map<string, string>();

  text(value: string): string {
    if (!this.pattern) return value;
    let out = this.done.get(value);
    if (out === undefined) this.done.set(value, out = value.replace(this.pattern, REDACTED));
    return out;
  }

  /** A deep copy of plain data with every string redacted. */
  deep<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) return value.map(item => this.deep(item)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([ k, v ]) => [ k, this.deep(v) ])) as T;
    }
    return value;
  }
}
