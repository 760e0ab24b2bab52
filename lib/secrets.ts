/** Config key names whose values are secrets (matched case-insensitively against the last key segment). */
export const SECRET_KEY_NAME = /(pass(wd|word)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|master[-_]?key|dsn|^keys$)/i;

const MIN_SECRET_LENGTH = 4;
const MAX_DEPTH = 16;

/**
 * Every string the config holds under a secret-looking key, and each cookie key. Used only to redact output,
 * so it errs on the side of collecting too much.
 */
export function collectSecretValues(config: Readonly<Record<string, unknown>>): Set<string> {
  const found = new Set<string>();
  const seen = new WeakSet<object>();
  const visit = (value: unknown, secretContext: boolean, depth: number): void => {
    if (typeof value === 'string') {
      if (!secretContext) return;
      for (const part of [ value, ...value.split(',') ]) {
        const trimmed = part.trim();
        if (trimmed.length >= MIN_SECRET_LENGTH) found.add(trimmed);
      }
      return;
    }
    if (!value || typeof value !== 'object' || depth > MAX_DEPTH || seen.has(value)) return;
    seen.add(value);
    for (const [ key, child ] of Object.entries(value)) {
      visit(child, secretContext || SECRET_KEY_NAME.test(key), depth + 1);
    }
  };
  visit(config, false, 0);
  return found;
}
