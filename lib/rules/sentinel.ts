/**
 * egg-sentinel's own configuration as the app wrote it: options it never reads because their key is misspelled, or
 * because they are on its plugin entry in config/plugin.*.
 */
import { editDistance } from '../plugins/names';
import { printableName } from '../printable';
import type { Facts } from '../facts/types';
import type { Rule } from './types';

const SENTINEL_KEY = 'sentinel';

/** What a policy written where egg-sentinel never reads it loses; both rules' descriptions say it. */
const NOT_APPLIED = 'the route and middleware policy, failOn, waivers and IPC options there are not applied, and nothing else says so';

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
    `(\`sentinal\`, \`Sentinel\`, \`sentinels\`) is a policy written for it that it never sees: ${NOT_APPLIED} (egg's \`EggAppConfig\` ` +
    'takes any key, so TypeScript does not either). Medium; low on a developer machine.',
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

/** egg-sentinel's plugin entries (named `sentinel`, or any name given its package) with keys egg's loader never reads. */
function sentinelEntriesWithOptions(facts: Facts) {
  return (facts.pluginTrust.unreadPluginKeys ?? []).filter(entry => entry.plugin === SENTINEL_KEY || entry.package === 'egg-sentinel');
}

export const sentinelOptionsOnPluginEntry: Rule = {
  id: 'SEN005',
  area: 'sentinel',
  title: 'egg-sentinel\'s options on its plugin entry',
  severity: 'medium',
  description: 'egg-sentinel reads its options from `config.sentinel` only. Options written on its plugin entry in `config/plugin.*` ' +
    '(`sentinel: { enable: true, package: \'egg-sentinel\', failOn: \'medium\', routes: {…} }`) are a policy written for it that ' +
    'it never sees: egg\'s loader reads only its own keys of an entry (enable, package, path, env, dependencies, optionalDependencies) ' +
    `and keeps the rest on \`app.plugins.<name>\`, where nothing reads them; ${NOT_APPLIED}. Medium; low on a developer machine.`,
  fix: 'Move the options to `config.sentinel` in config/config.default.js (or the env\'s config file, config/config.prod.js) and leave ' +
    'the plugin entry `{ enable: true, package: \'egg-sentinel\' }`.',
  check(facts, { developmentEnv }) {
    return sentinelEntriesWithOptions(facts).map(({ plugin: name, keys, file }) => {
      const plugin = printableName(name);
      // Keys EGG_PLUGINS may set too (anyone who sets the environment chooses them): one printed form, no forged log lines.
      const listed = keys.map(key => printableName(key)).join(', ');
      // The app's config files are in the language of its plugin file (config/plugin.ts: config/config.default.ts).
      const extension = /\.[cm]?[jt]s$/.exec(file)?.[0] ?? '.js';
      return {
        severity: developmentEnv ? 'low' : 'medium',
        target: `plugin:${plugin}`,
        source: file,
        message: `the plugin entry "${plugin}" in ${file} sets ${listed}, which egg-sentinel never reads (it reads only config.sentinel): ` +
          `what ${keys.length > 1 ? 'they say is' : 'it says is'} not applied` +
          (keys.includes('failOn') ? ', failOn included: this process refuses at config.sentinel.failOn (by default high; critical in local and unittest)' : ''),
        fix: `Move ${listed} from the "${plugin}" entry in ${file} to \`config.sentinel\` in config/config.default${extension} (or the env's ` +
          `config file, config/config.${facts.env.serverEnv}${extension}), and leave the entry \`{ enable: true, package: 'egg-sentinel' }\`.`,
      };
    });
  },
};

export const sentinelConfigRules: Rule[] = [ misspelledSentinelConfig, sentinelOptionsOnPluginEntry ];
