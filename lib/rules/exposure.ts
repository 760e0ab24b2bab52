/** Threat 2: exposure of sensitive configuration. */
import type { Rule, RuleHit } from './types';

/** `<appname>_<13-digit ms timestamp>_<number>`, what egg-init and the boilerplates write into config.keys. */
const SCAFFOLD_KEY = /^[\w.@/-]*_\d{13}_\d{1,5}$/;
const MIN_KEY_LENGTH = 32;
const MIN_DISTINCT_CHARS = 10;
const MIN_BITS_PER_CHAR = 3;

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

/** Why one cookie key is weak, or undefined when it is fine. Never echoes the key. */
export function describeWeakKey(key: string): string | undefined {
  if (key.length === 0) return 'is empty';
  if (SCAFFOLD_KEY.test(key)) return 'has the scaffold form <appname>_<timestamp>_<number>, guessable from the app name and creation date';
  if (key.length < MIN_KEY_LENGTH) return `is ${key.length} characters long (at least ${MIN_KEY_LENGTH} needed)`;
  if (new Set(key).size < MIN_DISTINCT_CHARS || bitsPerChar(key) < MIN_BITS_PER_CHAR) return 'has low entropy (few distinct characters or a repeating pattern)';
  return undefined;
}

export const weakCookieKeys: Rule = {
  id: 'SEN201',
  area: 'exposure',
  title: 'Weak cookie signing keys',
  severity: 'critical',
  description: 'config.keys signs cookies, the session and CSRF tokens. An empty, short, low-entropy or scaffolded key ' +
    '(egg-init writes `<appname>_<13-digit timestamp>_<number>`) lets an attacker forge signed cookies. ' +
    'Critical outside local/unittest; low on a developer machine.',
  fix: 'Generate a key with `node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64url\'))"` ' +
    'and read it from the environment in config.prod: `keys: process.env.EGG_KEYS`.',
  check(facts, { developmentEnv }) {
    const keys = facts.config.keys;
    const severity = developmentEnv ? 'low' : 'critical';
    const base = { severity, target: 'config.keys', source: facts.provenance('keys') } as const;
    if (typeof keys !== 'string') {
      return [{ ...base, message: `config.keys must be a comma-separated string, got ${keys === null ? 'null' : typeof keys}` }];
    }
    const problems = keys.split(',').map((key, index, all) => {
      const weakness = describeWeakKey(key.trim());
      return weakness && (all.length > 1 ? `key #${index + 1} ${weakness}` : `the key ${weakness}`);
    }).filter(Boolean);
    if (!problems.length) return [];
    const hit: RuleHit = { ...base, message: `config.keys: ${problems.join('; ')}` };
    return [ hit ];
  },
};

export const exposureRules: Rule[] = [ weakCookieKeys ];
