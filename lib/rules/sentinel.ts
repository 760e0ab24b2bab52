/**
 * egg-sentinel's own configuration as the app wrote it: options it never reads because their key is misspelled.
 */
import { editDistance } from '../plugins/names';
import type { Rule } from './types';

const SENTINEL_KEY = 'sentinel';

/**
 * Top-level config keys a hand slipped writing `sentinel` (`sentinal`, `Sentinel`, `sentinels`), holding an object as
 * egg-sentinel's options are; not the key itself, a list (a Redis Sentinel's `sentinels`), nor a name with digits
 * (`sentinel2`, a second one's on purpose).
 */
function misspelledSentinelKeys(config: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(config).filter(key => key !== SENTINEL_KEY && !/\d/.test(key) && editDistance(key.toLowerCase(), SENTINEL_KEY) <= 2 &&
    Boolean(config[key]) && typeof config[key] === 'object' && !Array.isArray(config[key]));
}

/** The key path of the first leaf under `value` (egg records the file that set each leaf, not each object). */
function firstLeaf(value: unknown, keyPath: string): string {
  for (let at = keyPath, node = value; ;) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return at;
    const [ first ] = Object.keys(node);
    if (first === undefined) return at;
    at = `${at}.${first}`;
    node = (node as Record<string, unknown>)[first];
  }
}

export const misspelledSentinelConfig: Rule = {
  id: 'SEN004',
  area: 'sentinel',
  title: 'egg-sentinel\'s options under a misspelled key',
  severity: 'medium',
  description: 'egg-sentinel reads its options from `config.sentinel` only. An object under a top-level key a small edit away ' +
    '(`sentinal`, `Sentinel`, `sentinels`) is a policy written for it that it never sees: the route and middleware policy, ' +
    'failOn, waivers and IPC options there are not applied, and nothing else says so (egg\'s `EggAppConfig` takes any key, so ' +
    'TypeScript does not either). Medium; low on a developer machine.',
  fix: 'Rename the key to `sentinel` (and merge it with any `sentinel` options already there).',
  check(facts, { developmentEnv }) {
    return misspelledSentinelKeys(facts.config).map(key => ({
      severity: developmentEnv ? 'low' : 'medium',
      target: `config.${key}`,
      source: facts.provenance(firstLeaf(facts.config[key], key)),
      message: `config.${key} looks like egg-sentinel's options under a misspelled key: egg-sentinel reads only config.sentinel, so what config.${key} says is not applied`,
    }));
  },
};

export const sentinelConfigRules: Rule[] = [ misspelledSentinelConfig ];
