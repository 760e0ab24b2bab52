/** Threat 3: configuration injection leading to code execution. */
import path from 'node:path';
import { CODE_LOADING_KEYS } from '../code-loading-keys';
import { validateAppConfig } from '../config/app-schemas';
import type { SentinelConfig } from '../config/types';
import { describeUnsafeEnv, isSafeEnvName, quoteForMessage, unsafeEnvValues } from '../env-name';
import { toDisplayPath } from '../facts/collect';
import { WRITTEN_DIR_KEYS } from '../facts/files';
import { isInside } from '../facts/real-path';
import { CODE_FILE_FLAGS, CODE_FILE_VARIABLES, describePathProblem, DIAGNOSTIC_DUMPS, LOADER_VARIABLES, type LoadedLibrary, MODULE_FLAGS, MODULE_VARIABLES, type NodeFlagFact, type PreloadFileFact, SYSTEM_LIBRARY_DIRS, TRUST_FILE_VARIABLES } from '../facts/runtime';
import type { Facts } from '../facts/types';
import { tsconfigKeyWhere } from '../facts/tsconfig-paths';
import { walkPlainData } from '../walk';
import type { Rule, RuleHit } from './types';

export const unsafeServerEnv: Rule = {
  id: 'SEN301',
  area: 'injection',
  title: 'Unsafe server env or scope name',
  severity: 'critical',
  description: 'Egg loads and runs `config/plugin.<env>.js` and `config/config.<env>.js` built from the server env and scope ' +
    '(options, the `config/env` file, EGG_SERVER_ENV, EGG_SERVER_SCOPE; NODE_ENV only ever maps to unittest, prod or local) ' +
    'without validating them, so a value such as ' +
    '`/../../../tmp/x` executes a file outside the app. By the time a plugin runs the file has already run: this rule detects, ' +
    'the `egg-sentinel/preflight` module prevents. Critical in every env.',
  fix: 'Use only letters, digits, `_` and `-` in the env and scope, and start the app with `node --require egg-sentinel/preflight` ' +
    '(egg-scripts: `--require=egg-sentinel/preflight`) so such a value is refused before egg loads anything.',
  check(facts) {
    const { env } = facts;
    const hits = unsafeEnvValues(env.sources).map(unsafe => ({
      severity: 'critical' as const,
      target: unsafe.kind === 'env' ? 'serverEnv' : 'serverScope',
      source: unsafe.sources.join(', '),
      message: describeUnsafeEnv(unsafe),
    }));
    // The effective values may come from a custom framework's loader rather than a listed source.
    const effective = [ [ 'env', env.serverEnv ], [ 'scope', env.serverScope ] ] as const;
    for (const [ kind, value ] of effective) {
      const target = kind === 'env' ? 'serverEnv' : 'serverScope';
      if (value && !isSafeEnvName(value) && !hits.some(hit => hit.target === target)) {
        hits.push({ severity: 'critical', target, source: 'egg loader', message: `effective server ${kind} ${quoteForMessage(value)} contains characters outside [A-Za-z0-9_-]` });
      }
    }
    return hits;
  },
};

/** The config file that set a key, or (for an object egg's configMeta does not record) one of its leaves. */
function firstLeafSource(facts: Facts, value: unknown, keyPath: string): string | undefined {
  let source: string | undefined;
  walkPlainData(value, (_leaf, leafPath) => {
    source ??= facts.provenance(`${keyPath}${leafPath ? `.${leafPath}` : ''}`.replace(/\[\d+\]/g, ''));
  });
  return source;
}

/** Keys that reach Object.prototype through a naive merge, or that only an attack puts into config. */
const POLLUTING_KEYS = new Set([ '__proto__', 'constructor', 'prototype' ]);

export const prototypePollution: Rule = {
  id: 'SEN302',
  area: 'injection',
  title: 'Prototype pollution in config',
  severity: 'critical',
  description: 'The merged config holds a `__proto__`, `constructor` or `prototype` key (at any depth), ' +
    'a prototype ordinary values inherit from (`Object`, `Function`, `Array`, `String`, `Number`, `Boolean`, `Symbol`, `BigInt`, `RegExp`, `Date`, `Promise`, `Error`, `Map`, `Set`) carries properties code added at boot (enumerable or not, symbols too: keys a fresh realm\'s lacks; values are critical; getters and methods are medium, as libraries that extend built-ins add them (colors, core-js\'s proposals, sugar, should.js); a well-known symbol\'s slot, which a polyfill fills, is not counted), or EGG_APP_CONFIG holds JSON with such keys. egg merges config ' +
    'from executable files, plugins and EGG_APP_CONFIG; a polluted prototype hands every object in the process the ' +
    'attacker\'s properties (`isAdmin`, `shell`, template options), which is how config injection turns into code execution. ' +
    'Critical in every env.',
  fix: 'Remove the key from the config source named in the finding; parse JSON from outside (EGG_APP_CONFIG, remote config) ' +
    'with `env.json()` or secure-json-parse; find the code that adds to the prototype named (for example a vulnerable deep ' +
    'merge) and update or replace it. `node --disable-proto=delete` removes the `__proto__` accessor altogether.',
  check(facts) {
    const hits: RuleHit[] = [];
    walkPlainData(facts.config, (value, keyPath, names) => {
      const key = names[names.length - 1];
      if (key === undefined || !POLLUTING_KEYS.has(key) || !keyPath.endsWith(key)) return;
      // One finding per payload: `constructor.prototype` is reported at `constructor`.
      if (names.slice(0, -1).some(name => POLLUTING_KEYS.has(name))) return;
      hits.push({ severity: 'critical', target: `config.${keyPath}`, source: firstLeafSource(facts, value, keyPath),
        message: `config.${keyPath}: the merged config holds a "${key}" key, the shape of a prototype-pollution payload` });
    });
    for (const { name, keys, getters, methods } of facts.runtime.pollutedPrototypes) {
      const added = (kind: string, names: string[]) => `${name} has ${kind} code added at boot: ${names.map(key => quoteForMessage(key, 40)).join(', ')}; ` +
        `every ${name.slice(0, -'.prototype'.length).toLowerCase()} inherits them`;
      const source = 'code that ran before willReady (config files, plugins, boot hooks)';
      if (keys.length) hits.push({ severity: 'critical', target: name, source, message: added('properties', keys) });
      // A payload merged from data sets values; a getter answers every read as code decides; a library adds methods.
      // What a library adds (colors' getters, core-js's and sugar's methods) is code, which a payload merged from data cannot be.
      for (const [ kind, names ] of [ [ 'getters', getters ], [ 'methods', methods ] ] as const) {
        if (!names.length) continue;
        hits.push({ severity: 'medium', target: name, source, message: `${added(kind, names)}: a library that extends built-ins does this (colors, core-js's ` +
          `proposals, sugar, should.js); if it is one the app uses, waive ${name} for SEN302 with that reason; if not, find the code that adds them` });
      }
    }
    if (facts.runtime.envConfigPoisoned) {
      hits.push({ severity: 'critical', target: 'EGG_APP_CONFIG', source: 'process.env.EGG_APP_CONFIG',
        message: 'EGG_APP_CONFIG holds JSON with a __proto__ or constructor.prototype key (egg\'s merge drops __proto__, but the value is a pollution payload)' });
    }
    return hits;
  },
};

/**
 * Config that decides who gets in, who may read or call the app, what is served, what code loads or renders, and where
 * files, data and credentials go. A list on those principles rather than an allow-list of operational keys: a key left
 * out is still listed by SEN303 (medium), while an allow-list would rate every key of the app's own high and have the
 * late-config watch (lib/config-watch.ts) wrap and judge every key of the config.
 */
const SECURITY_RELEVANT_KEYS = [
  'keys', 'security', 'sentinel', 'static', 'cluster', 'middleware', 'coreMiddleware', 'appMiddleware',
  'session', 'proxy', 'maxIpsCount', 'ipHeaders', 'hostHeaders', 'protocolHeaders', 'multipart', 'bodyParser', 'dump',
  'rundir', 'logger.dir', 'logger.appLogName', 'logger.coreLogName', 'logger.agentLogName', 'logger.errorLogName',
  // The paths egg and its plugins load code from; of egg-jsonp, who may read; of egg-onerror, where errors go.
  ...CODE_LOADING_KEYS, 'customLogger', 'httpclient', 'jsonp.csrf', 'jsonp.whiteList',
  'onerror.errorPageUrl', 'onerror.accepts', 'logrotator.filesRotateBySize', 'logrotator.filesRotateByHour', 'logrotator.rotateLogDirs',
  'siteFile', 'notfound',
  // What ctx.helper.shtml() keeps of user markup, and whether nunjucks templates escape their values (SEN611). Not
  // helper.shtml.onTagAttr: egg-security's shtml() writes its own there at its first call, after the boot check.
  ...[ 'whiteList', 'allowList', 'onTag', 'onIgnoreTag', 'onIgnoreTagAttr', 'escapeHtml', 'safeAttrValue' ].map(hook => `helper.shtml.${hook}`),
  'nunjucks.autoescape',
  // Who may read or call the app: egg-cors (an origin with credentials reads logged-in users' responses), egg-jwt,
  // egg-passport and its strategies (passportGithub, passportLocal…: `*` covers every key it begins), the cookies' options (sameSite, secure).
  'cors', 'jwt', 'passport*', 'cookies',
  // What renders as code: which engine renders which template, and handlebars' switch for escaping.
  'view.mapping', 'view.defaultViewEngine', 'handlebars.noEscape',
  // Where data and credentials go: a data store's client (its host, URL, user, password) pointed elsewhere hands that
  // host the app's data and the credentials it logs in with.
  'mysql', 'redis', 'sequelize', 'mongoose', 'mongo', 'elasticsearch', 'orm', 'typeorm', 'knex', 'oss',
];

/** Whether the normalized key path `keyPath` is `key` or under it; a `key` ending in `*` covers every key path it begins. */
function covers(key: string, keyPath: string): boolean {
  if (key.endsWith('*')) return keyPath.startsWith(key.slice(0, -1));
  return keyPath === key || keyPath.startsWith(`${key}.`) || keyPath.startsWith(`${key}[]`);
}

/**
 * Whether the config key `keyPath` is one of SECURITY_RELEVANT_KEYS or under one; an array element's index is any
 * element's (`sequelize.datasources[1].baseDir` is `sequelize.datasources[].baseDir`).
 */
export function isSecurityRelevant(keyPath: string): boolean {
  const normalized = keyPath.replace(/\[\d+\]/g, '[]');
  return SECURITY_RELEVANT_KEYS.some(key => covers(key, normalized));
}

/** Whether `keyPath` is security-relevant or holds a key that is (`logger` holds `logger.dir`). */
export function holdsSecurityRelevant(keyPath: string): boolean {
  const normalized = keyPath.replace(/\[\d+\]/g, '[]');
  return isSecurityRelevant(keyPath) || SECURITY_RELEVANT_KEYS.some(key => key.startsWith(`${normalized}.`));
}

export const configFromEnvironment: Rule = {
  id: 'SEN303',
  area: 'injection',
  title: 'Config overridden by EGG_APP_CONFIG',
  severity: 'high',
  description: 'egg merges the JSON in the EGG_APP_CONFIG environment variable over every config file, last. Whoever sets ' +
    'the environment of the process (a deploy pipeline, a container spec, a compromised supervisor) can then switch off ' +
    'CSRF, serve `/` statically, let another site read logged-in users\' responses, point the database at their host or change `customLoader`, ' +
    'with no trace in the repository. Outside local/unittest one medium finding (target `EGG_APP_CONFIG`) lists the key paths it overrides, and each ' +
    'security-relevant one is a high finding of its own (target `EGG_APP_CONFIG <key path>`), so that a waiver vouches for one key and a key added later refuses boot anew. ' +
    'Security-relevant: what decides who gets in and who may read or call the app (keys, security.*, sentinel.*, session, proxy settings, ' +
    'egg-cors\' cors.*, egg-jwt\'s jwt.*, egg-passport\'s passport and its strategies\' passport*, cookies.* (sameSite, secure), jsonp.csrf and jsonp.whiteList), ' +
    'what is served (static.*, cluster.*, middleware lists, multipart, bodyParser, siteFile.* and notfound.* (they redirect any path, before every app middleware), ' +
    'onerror.errorPageUrl and onerror.accepts), what code loads or renders (customLoader, baseDir (egg copies the app\'s directory there, and plugins such as ' +
    'egg-mongoose require the files they join to it), view.root (templates are code), view.mapping and view.defaultViewEngine (which engine renders a template), ' +
    'schedule.directory, i18n.dirs, i18n.dir, watcher.eventSources, security.defaultMiddleware (egg-security requires each name as a file), ' +
    'ejs\'s escapeFunction, escape, outputFunctionName, localsName, destructuredLocals, root and views (ejs writes them into template code, or reads templates there), ' +
    'helper.shtml\'s whiteList and hooks, nunjucks.autoescape and handlebars.noEscape (XSS filtering and escaping)), and where files, data and credentials go ' +
    '(dump, rundir, logger.dir and its log file names, customLogger.*, logrotator.filesRotateBySize, logrotator.filesRotateByHour and logrotator.rotateLogDirs ' +
    '(it renames and deletes the files they name), httpclient.*, and the data stores\' clients whole: mysql, redis, sequelize, mongoose, mongo, elasticsearch, ' +
    'egg-orm\'s orm, typeorm, knex and egg-oss\'s oss (their host, URL, user and password; Sequelize\'s and egg-orm\'s model dirs, and the driver Sequelize requires)). ' +
    'Other keys (logger.level, an app\'s own settings) keep the finding medium. Not reported in local/unittest.',
  fix: 'Move the settings into `config/config.<env>.js` (or `.ts`; secrets through `env.secret()`), and unset EGG_APP_CONFIG; if a key must ' +
    'stay (a database host the deploy sets per environment), waive SEN303 for that key\'s target (`EGG_APP_CONFIG mysql.client.host`) with the reason.',
  check(facts, { developmentEnv }) {
    if (!facts.env.eggAppConfigSet || developmentEnv) return [];
    const keyPaths = facts.runtime.envConfigKeyPaths;
    const relevant = keyPaths.filter(keyPath => isSecurityRelevant(keyPath));
    const listed = keyPaths.length ? `overrides ${keyPaths.length} key path(s): ${keyPaths.slice(0, 20).join(', ')}${keyPaths.length > 20 ? ', …' : ''}` :
      facts.runtime.envConfigPoisoned ? 'is set but overrides no key (egg drops the __proto__/constructor keys it holds: SEN302)' :
        'is set but overrides no key (egg ignores JSON it cannot parse)';
    const source = 'process.env.EGG_APP_CONFIG';
    return [
      { severity: 'medium', target: 'EGG_APP_CONFIG', source, message: `EGG_APP_CONFIG ${listed}${relevant.length ? `; security-relevant: ${relevant.join(', ')}` : ''}` },
      // One per key: a waiver for the database host a deploy sets does not let the same variable set cors.origin later.
      ...relevant.map(keyPath => ({ severity: 'high' as const, target: `EGG_APP_CONFIG ${keyPath}`, source,
        message: `EGG_APP_CONFIG sets config.${keyPath}, a security-relevant key, from outside every file a review sees; if the deploy means it, ` +
          `waive SEN303 for target "EGG_APP_CONFIG ${keyPath}" with the reason` })),
    ];
  },
};

export const configSchemaViolation: Rule = {
  id: 'SEN304',
  area: 'injection',
  title: 'Config fails its schema',
  severity: 'high',
  description: 'egg-sentinel ships JSON schemas for the security-relevant keys (`keys`; `security.*` switches and header ' +
    'values; `static.*`; `multipart.*` modes, limits and extension lists; `cluster.listen`; `bodyParser` limits) and checks ' +
    'the app\'s own schemas from `config.sentinel.schemas` (key path → JSON schema; their keys must be set). A value of the ' +
    'wrong type or outside the allowed values (`csrf.enable: "false"`, `xframe.value: "ALLOWALL"`) silently weakens or ' +
    'breaks a protection, and is what an injected config looks like. Each finding names the key path, the value (masked ' +
    'when secret) and the schema rule it broke. High.',
  fix: 'Give the key a value of the type and form the schema asks for, in the config file named in the finding.',
  check(facts) {
    const schemas = (facts.config.sentinel as SentinelConfig | undefined)?.schemas;
    return validateAppConfig(facts.config, schemas).map(violation => ({
      severity: 'high',
      target: violation.target,
      source: facts.provenance(violation.keyPath),
      message: violation.message,
    }));
  },
};

export const pathEscapesRoot: Rule = {
  id: 'SEN305',
  area: 'injection',
  title: 'Path-valued config points outside the app, or code at a served or written dir',
  severity: 'medium',
  description: 'Config that names directories decides what egg serves, renders, loads as code and writes: `static.dir`/`dirs`, ' +
    '`view.root` (a comma-separated string, or the array egg-view makes of it once a view engine is registered; with an engine mapped, templates are code), `customLoader.*.directory`, `schedule.directory` (egg-schedule requires every task file in it), ' +
    '`i18n.dirs`/`i18n.dir` (koa-locales requires `.js` locale files), `watcher.eventSources.*` (egg-watcher requires the ' +
    'module), `sequelize.baseDir` and `sequelize.datasources[].baseDir` (egg-sequelize requires every model file in ' +
    '`app/<baseDir>`), `multipart.tmpdir`, `logger.dir`, `rundir`. Set by the ' +
    'app or by EGG_APP_CONFIG to a directory outside the app root (after resolving symlinks) and outside ' +
    '`config.sentinel.paths.allow`, it can expose or load files the app does not own. Values left at egg\'s or a plugin\'s ' +
    'default are not reported (nor the plugins\' own locale dirs egg-i18n adds), nor are the directories egg only writes to ' +
    '(`logger.dir`, `rundir`, `multipart.tmpdir`) when the app\'s own config files set them: `/var/log/my-app` is where logs ' +
    'belong. Medium; high for a path code or templates are loaded from that EGG_APP_CONFIG set (code from the environment). ' +
    'Inside the app too, a directory code is required from that lies in one a request leaves files in (a static dir egg-static serves, where ' +
    'uploads often land; run/, logs/, `rundir`, `logger.dir`, `multipart.tmpdir`) is high whoever set it: an uploaded `.js` file runs in every ' +
    'process at the next start (`customLoader: { upl: { directory: \'app/public/uploads\' } }`); a template dir there is medium. ' +
    'A template dir other users can change is SEN110\'s.',
  fix: 'Point the key inside the app root, or list the directory in `config.sentinel.paths.allow` (e.g. `[\'/srv/shared/views\']`); ' +
    'load code and templates from a directory of the app\'s own source (`app/lib/loaders`), never from a static, upload, run or log dir.',
  check(facts) {
    const { allowedRoots } = facts.files;
    const written = writtenOrServedDirs(facts);
    return facts.files.configPaths.flatMap((entry): RuleHit[] => {
      const target = `config.${entry.keyPath}`;
      const source = entry.setBy === 'environment' ? 'EGG_APP_CONFIG' : entry.source;
      const shown = `${target} ${quoteForMessage(entry.value)} resolves to ${toDisplayPath(facts.app.baseDir, entry.realPath)}`;
      // Inside the app, but where a request leaves files: whoever set it, code or templates then come from an upload.
      const into = entry.loadsCode || entry.templates ? written.find(dir => isInside(entry.realPath, dir.realPath)) : undefined;
      if (into) {
        return [{ severity: entry.loadsCode ? 'high' : 'medium', target, source,
          message: `${shown}, inside ${into.what}: ${entry.loadsCode ? 'every process requires each file in it at start, so a `.js` file a request leaves there (an upload) runs at the next start' :
            'egg-view renders its templates, which are code (ejs compiles them to JavaScript), so a template a request leaves there runs once the app renders its name'}` }];
      }
      if (entry.setBy === 'framework' || (entry.setBy === 'app' && WRITTEN_DIR_KEYS.has(entry.keyPath))) return [];
      if (allowedRoots.some(root => isInside(entry.realPath, root))) return [];
      return [{
        severity: (entry.loadsCode || entry.templates) && entry.setBy === 'environment' ? 'high' : 'medium',
        target,
        source,
        message: `${shown}, outside the app root and config.sentinel.paths.allow${entry.loadsCode ? ': every process requires code from it' : ''}` +
          `${entry.templates ? ': egg-view renders its templates, which are code (ejs compiles them to JavaScript)' : ''}`,
      }];
    });
  },
};

/**
 * Where a request leaves files: the directories egg-static serves (uploads often land there) and those egg writes at
 * run time (run/ and logs/ in the app, `rundir`, `logger.dir`, `multipart.tmpdir`), each with what to call it.
 */
function writtenOrServedDirs(facts: Facts): Array<{ realPath: string; what: string }> {
  const { baseDir } = facts.app;
  return [
    ...facts.files.staticDirs.map(dir => ({ realPath: dir.realPath, what: `config.${dir.keyPath} (${toDisplayPath(baseDir, dir.realPath)}), which egg-static serves under ${dir.prefix}` })),
    ...facts.files.configPaths.filter(entry => WRITTEN_DIR_KEYS.has(entry.keyPath))
      .map(entry => ({ realPath: entry.realPath, what: `config.${entry.keyPath} (${toDisplayPath(baseDir, entry.realPath)}), where egg writes at run time` })),
    ...[ 'run', 'logs' ].map(dir => ({ realPath: path.join(baseDir, dir), what: `${dir}/, where egg writes at run time` })),
  ];
}

const DEBUGGER_FLAG = /^--(?:inspect(?:-brk(?:-node)?|-wait)?|debug(?:-brk)?)$/;
/** Where the debugger listens once SIGUSR1 (node's default signal handler) opens it: `--inspect-port=[host:]port`. */
const DEBUGGER_PORT_FLAG = /^--(?:inspect-port|debug-port)$/;

/** The host of a `[host:]port` value, unless it is the loopback interface (node's default when no host is given). */
function publicDebuggerHost(value: string | undefined): string | undefined {
  const host = value?.match(/^(?:\[([^\]]*)\]|(.*)):\d+$/)?.slice(1).find(part => part !== undefined);
  if (host === undefined || host === '') return undefined;
  return /^(?:localhost|127(?:\.\d{1,3}){3}|::1|0*:(?:0*:)*0*1)$/i.test(host) ? undefined : host;
}

function shownFlag(flag: NodeFlagFact): string {
  return flag.value === undefined ? flag.name : `${flag.name} ${quoteForMessage(flag.value, 80)}`;
}

/** `NODE_OPTIONS has --openssl-config "/tmp/x.cnf"`, `the environment sets OPENSSL_CONF="/tmp/x.cnf"`. */
function flagSetting(flag: NodeFlagFact): string {
  if (flag.source === 'environment') return `the environment sets ${flag.name}=${quoteForMessage(flag.value ?? '', 80)}`;
  return `${flag.source} has ${shownFlag(flag)}`;
}

/**
 * A preloaded module's finding is its own, with the module as written in its target (`NODE_OPTIONS --require
 * /usr/lib/node_modules/apm`): a waiver vouches for that module, and one added later is reported. `fix` ends with
 * "waive SEN306", to which the target is added.
 */
function preload(flag: NodeFlagFact, fix: string): Pick<RuleHit, 'target' | 'source' | 'fix'> {
  const target = `${flag.source} ${flag.name} ${flag.value ?? ''}`;
  return { target, source: flag.source, fix: `${fix} for target \`${target}\` (one waiver per module).` };
}

/** What the dynamic loader does with an entry of each LOADER_VARIABLES variable, before node's own code. */
const LOADER_DOES: ReadonlyMap<string, string> = new Map([
  [ 'LD_PRELOAD', 'loads it into every process (egg-scripts, the master, the agent, each worker and every program they run) before node starts' ],
  [ 'LD_AUDIT', 'loads it as an audit library, which sees and can redirect every symbol lookup, into every process (egg-scripts, the master, the agent, each worker and every program they run) before node starts' ],
  [ 'LD_LIBRARY_PATH', 'looks there before the system\'s dirs for every library every process loads (libc, libssl, a native addon\'s), before node starts' ],
]);

/**
 * Where the dynamic loader read a library or directory from: the environment the app starts with (LD_PRELOAD,
 * LD_AUDIT, LD_LIBRARY_PATH), or /etc/ld.so.preload, which it reads for every process on the machine.
 */
interface LoaderSetting {
  /** The LOADER_VARIABLES variable it acts as (an entry of /etc/ld.so.preload is preloaded as LD_PRELOAD's are). */
  name: string;
  value: string;
  loaded: LoadedLibrary;
  target: string;
  source: string;
  /** `the environment sets LD_PRELOAD="…"` */
  listed: string;
  /** What names it, for the fixes: `LD_PRELOAD`, `/etc/ld.so.preload`. */
  holder: string;
  /** Where it is set, for the fixes. */
  setIn: string;
}

function environmentLoaderSetting(flag: NodeFlagFact & { loaded: LoadedLibrary }): LoaderSetting {
  const value = flag.value ?? '';
  return { name: flag.name, value, loaded: flag.loaded, target: `environment ${flag.name} ${value || '(empty entry)'}`, source: 'environment', holder: flag.name,
    listed: flag.name === 'LD_LIBRARY_PATH' ? `the environment's LD_LIBRARY_PATH lists ${value ? quoteForMessage(value, 80) : 'an empty entry'}` : flagSetting(flag),
    setIn: 'the environment the app starts with (the service unit, the image, the start script)' };
}

function preloadFileSetting(file: string, library: PreloadFileFact['libraries'][number]): LoaderSetting {
  return { name: 'LD_PRELOAD', value: library.value, loaded: library.loaded, target: `${file} ${library.value}`, source: file, holder: file, setIn: file,
    listed: `${file} (read for every process on the machine) names ${quoteForMessage(library.value, 80)}` };
}

/**
 * SEN306's findings for a library or directory the dynamic loader reads (LoaderSetting; NodeFlagFact.loaded):
 * nothing for the app's own (`inApp`) or the system's directory, low for a system library preloaded (jemalloc) and for
 * a library or directory that does not exist where only root could create it, medium for root's elsewhere (a vendor's SDK under /opt) and for a value with a `$` token, which cannot be judged,
 * high for one another user can change, one in a directory the app writes or serves or a node_modules others can fill
 * (`placed`), any other outside the app, and a relative one (each process's working directory; medium on a developer
 * machine).
 */
function loaderHits(setting: LoaderSetting, inApp: boolean, placed: string | undefined, developmentEnv: boolean): RuleHit[] {
  const { loaded, name, target, source, holder, setIn } = setting;
  const does = `${setting.listed}: the dynamic loader ${LOADER_DOES.get(name)}, where no check or preflight can stop it`;
  const removal = `${source === 'environment' ? `${holder} (or the entry)` : 'the entry'} from ${setIn}`;
  if ('unjudged' in loaded && loaded.unjudged === 'relative') {
    const resolves = setting.value ? 'it resolves that relative path against' : 'an empty entry stands for';
    return [{ target, source, severity: developmentEnv ? 'medium' : 'high',
      message: `${does}, and ${resolves} the working directory of each process it starts, not the app's: every program the app runs in another ` +
        'directory (`execFile(\'convert\', …, { cwd: uploadDir })`, a job in a temp dir) loads what whoever can write there put there',
      fix: `Write ${holder}'s entries as absolute paths ${name === 'LD_LIBRARY_PATH' ? 'and drop empty ones (`/opt/x:` or `:$LD_LIBRARY_PATH` with the variable unset adds one) ' : ''}` +
        `in ${setIn}; when every process of the app runs in a directory you vouch for, waive SEN306 for target \`${target}\`.` }];
  }
  if ('unjudged' in loaded) {
    return [{ target, source, severity: 'medium',
      message: `${does}, and it holds a dynamic string token ($ORIGIN, $LIB or $PLATFORM), which ld.so expands per program (the program's own directory, ` +
        'the system\'s library dir name, the CPU): which library that is cannot be judged here, so check where it points for every program the app runs',
      fix: `Write the absolute path the token stands for in ${holder}, so it can be judged, or, when you vouch for where it points in every program the app runs, waive SEN306 for target \`${target}\`.` }];
  }
  if (inApp) return [];
  const owner = 'owner' in loaded ? loaded.owner : undefined;
  if (owner === 'system' && name === 'LD_LIBRARY_PATH') return [];
  const fix = `Remove ${removal}, or use a library the system ` +
    `installs in its library dirs (${SYSTEM_LIBRARY_DIRS_SHOWN}), owned by root and writable by root only; when you vouch for it elsewhere, make it and the ` +
    `directories above it root's alone (chown root, chmod go-w) and waive SEN306 for target \`${target}\` (one waiver per library).`;
  // Missing where only root could create it (a guide's /opt/oracle/instantclient_21_1, a CUDA image's /usr/local/nvidia/lib64): nothing is loaded from it now.
  if ('missing' in loaded && owner !== 'user' && !placed) {
    const absent = loaded.path.includes('/') ? `${loaded.path} does not exist, and only root could create it there` :
      `no LD_LIBRARY_PATH dir nor any of the system's library dirs holds ${loaded.path}`;
    return [{ target, source, severity: 'low', message: `${does}: ${absent}, so nothing is loaded from it now; noted in case a library is put there`,
      fix: `Remove ${removal} when nothing is meant to be loaded from there (a setup step for another machine, a base image's default); when you vouch for what root installs there, waive SEN306 for target \`${target}\`.` }];
  }
  if (owner === 'system') {
    return [{ target, source, severity: 'low', message: `${does}: ${loaded.path} is the system's (root's alone, in its library dirs), noted as native code every process runs before any check`,
      fix: `Nothing to change when you preload the system's library on purpose (jemalloc, tcmalloc); otherwise remove ${removal}.` }];
  }
  if (owner === 'root' && !placed) {
    return [{ target, source, severity: 'medium', fix,
      message: `${does}: ${loaded.path} is root's alone but outside the system's library dirs (${SYSTEM_LIBRARY_DIRS_SHOWN}): check it is the vendor library you meant` }];
  }
  const why = 'problem' in loaded ? `${describePathProblem(loaded.path, loaded.problem)}, so another user can put their own code there` :
    placed ?? `${loaded.path} is outside the app and not root's alone (owned by root and writable by root only, with every directory above it) ` +
      `as the system's libraries in ${SYSTEM_LIBRARY_DIRS_SHOWN} are: native code nobody reviewed with the app`;
  return [{ target, source, severity: 'high', fix, message: `${does}, and ${why}` }];
}

/** SEN306's findings for /etc/ld.so.preload: the file when another user can change or create it, and each library it names (loaderHits). */
function preloadFileHits(preloadFile: PreloadFileFact | undefined, judge: (setting: LoaderSetting, placedAt: Placed) => RuleHit[]): RuleHit[] {
  if (!preloadFile) return [];
  const { file, problem } = preloadFile;
  const hits: RuleHit[] = problem ? [{ target: file, source: file, severity: 'high',
    message: `the dynamic loader reads ${file} for every process on the machine (egg-scripts, the master, the agent, each worker and every program they run) and ` +
      `loads the libraries it names before node starts, where no check or preflight can stop it, and ${describePathProblem(file, problem)}: another user can make every process run their code`,
    fix: `Make ${file} and the directories above it root's alone (chown root, chmod go-w), and check what it names.` }] : [];
  return hits.concat(preloadFile.libraries.flatMap(library => judge(preloadFileSetting(file, library), library)));
}

const SYSTEM_LIBRARY_DIRS_SHOWN = `${SYSTEM_LIBRARY_DIRS.join(', ')}, their multiarch dirs (/usr/lib/x86_64-linux-gnu) and the dirs /etc/ld.so.conf lists`;
/** What the SEN306 check places: a module, file or directory by its real path. */
type Placed = Pick<NodeFlagFact, 'modulePath'>;

export const dangerousNodeFlags: Rule = {
  id: 'SEN306',
  area: 'injection',
  title: 'Dangerous NODE_OPTIONS, exec arguments or Node.js environment',
  severity: 'critical',
  description: 'egg-cluster forks the agent and every worker with the master\'s exec arguments, NODE_OPTIONS and environment, ' +
    'so a flag there reaches every process. `--inspect` (and `--inspect-brk`, `--inspect-wait`) opens a debugger port: whoever reaches ' +
    'it runs code in the process; `--inspect-port` (`--debug-port`) with a host other than the loopback interface makes the debugger ' +
    'node opens on SIGUSR1 listen there (high). `--require`, `--import`, `--loader` and `--experimental-loader` run a module before the ' +
    'app: one outside the app root and the node_modules the app or its framework resolves from (or a `data:` URL), or in a ' +
    'directory the app writes at run time or serves (run/, logs/, `rundir`, `logger.dir`, `multipart.tmpdir`, static dirs), is code nobody reviewed with ' +
    'the app; so is such an entry of egg-cluster\'s own `require` start option (`startCluster({ require })`, or the options JSON given to start-cluster), which ' +
    'the agent and every worker require before egg (resolved as egg-cluster resolves it). Each such module is its own finding, whose target names it as ' +
    'written (`NODE_OPTIONS --require /usr/lib/node_modules/apm`, `start options require <module>`), so a waiver vouches for one module (keep a ' +
    'preload you vouch for before the preflight, which refuses those after it). So is a file node loads at start from outside them: `--openssl-config` or `OPENSSL_CONF` (an OpenSSL config ' +
    'loads engines, native libraries, into every process, before any JavaScript runs, so no preflight can stop it), ' +
    '`--snapshot-blob`, `--env-file` (and `--env-file-if-exists`), `--experimental-policy` (a policy can redirect any require), and the module egg-core requires ' +
    'as its path-to-regexp when `EGG_OPTIONS_PATH_TO_REGEXP_MODULE` names one. `NODE_PATH` makes ' +
    'require() look in its directories for what the app does not install: an optional require (egg-sentinel\'s own probe ' +
    'for koa-router included, before this check runs) loads code from there. node searches `$HOME/.node_modules` and ' +
    '`$HOME/.node_libraries` the same way (its global folders; egg-scripts sets the master\'s HOME from `MOCK_HOME_DIR`): one ' +
    'another user owns or can write, or, missing, can create (the home directory, or one above it, writable by others) is reported (high). ' +
    'The dynamic loader (ld.so) loads `LD_PRELOAD`\'s and `LD_AUDIT`\'s libraries into every process it starts (egg-scripts, the master, the agent, each worker and ' +
    'every program they run) and looks in `LD_LIBRARY_PATH`\'s directories first for every library, before node starts, so no preflight can stop them: each ' +
    'library or directory (a bare name is looked for in `LD_LIBRARY_PATH`\'s absolute directories first, then, as ld.so does, in the dirs of root\'s ld.so.cache, ' +
    'those `/etc/ld.so.conf` and the files it includes list, and the loader\'s defaults) is its own finding, target ' +
    '`environment LD_PRELOAD <library as written>`. A relative path, or an empty entry of `LD_LIBRARY_PATH` (`/opt/x:`, target `environment LD_LIBRARY_PATH (empty entry)`), ' +
    'is resolved against the working directory of each process, every program the app runs in an upload or temp dir included, not the app\'s: high (medium in ' +
    'local/unittest). A value with a dynamic string token (`$ORIGIN`, `$LIB`, `$PLATFORM`), which ld.so expands per program, cannot be judged (medium). ' +
    'The others are judged on disk: high when another user can change it (it, a directory above it that is not sticky, or, missing, where it would be ' +
    'created; for an `LD_LIBRARY_PATH` directory, also a library in it), when it lies in a directory the app writes or serves, or outside the app and the system\'s library dirs ' +
    '(/lib, /usr/lib, /lib64, /usr/lib64, /usr/local/lib, their multiarch dirs such as /usr/lib/x86_64-linux-gnu, and the dirs `/etc/ld.so.conf` lists); ' +
    'medium when only root can change it but it lies outside those dirs (a vendor\'s SDK under /opt); low for the system\'s own library preloaded on purpose ' +
    '(jemalloc) and for one that does not exist where only root could create it (a guide\'s `/opt/oracle/instantclient_21_1` on another machine, a CUDA ' +
    'image\'s `/usr/local/nvidia/lib64`: nothing is loaded from it now); a system dir in `LD_LIBRARY_PATH` is fine. glibc\'s `/etc/ld.so.preload` makes the loader preload the libraries it names into every process on ' +
    'the machine, whatever the environment: high when another user can change the file or, missing, create it (target `/etc/ld.so.preload`), and each ' +
    'library it names is judged as an `LD_PRELOAD` entry (target `/etc/ld.so.preload <library as written>`). ' +
    'In a TypeScript app (`EGG_TYPESCRIPT=true`, or `"egg": { "typescript": true }` in package.json) with a tsconfig.json in its root, egg-core ' +
    'registers tsconfig-paths in every process, which looks up the requests its `compilerOptions.paths` map (under a `baseUrl`, every bare request; ' +
    '`extends` followed as tsconfig-paths follows it) at their targets before node_modules: a target outside the app and the node_modules it resolves ' +
    'from, or in a directory the app writes at run time or serves, runs code from there (`"*": ["/srv/shared/*"]`: every bare require; high, one ' +
    'finding per target, named by file and key, `tsconfig.json compilerOptions.paths["*"][0]`). The tsconfig and each file of its `extends` chain ' +
    '(one tsconfig-paths looks for and does not find too) that another user can change (it, a directory above it that is not sticky, or, missing, where ' +
    'it would be created) is reported too (high, target the file): they could add such a path after the check, and every process egg forks later would follow it. ' +
    '`NODE_EXTRA_CA_CERTS` (and `SSL_CERT_FILE`, ' +
    '`SSL_CERT_DIR`) adds CAs every HTTPS request the app sends trusts (medium). The system\'s own files of each kind, ' +
    'root-owned in /etc/ssl, /etc/pki, /usr/local/share/ca-certificates, /usr/lib/node_modules and the like, are ' +
    'accepted. `--tls-keylog` writes every TLS session key to a file, ' +
    '`--experimental-network-imports` lets `import()` run code from https URLs, `--insecure-http-parser` accepts malformed ' +
    'requests (request smuggling behind a proxy), `--security-revert` reverts a fix of Node.js, and `NODE_TLS_REJECT_UNAUTHORIZED=0` makes ' +
    'every HTTPS request the app sends accept any certificate. `--tls-min-v1.0`/`--tls-min-v1.1` and a `--tls-cipher-list` ' +
    'allowing NULL, export, RC4, DES or anonymous ciphers weaken TLS (medium). `--report-on-signal`, `--report-uncaught-exception`, ' +
    '`--report-on-fatalerror` (a report holds every environment variable), `--heapsnapshot-signal` and `--heapsnapshot-near-heap-limit` (a ' +
    'snapshot holds all memory) write the app\'s secrets to files (medium; low on a developer machine): node 20 writes reports to `--report-directory` ' +
    '(`--report-dir`, with `--report-filename` joined to it) and heap snapshots to `--diagnostic-dir`, else to the working directory (CPU and heap ' +
    'profiles, `--cpu-prof` and `--heap-prof`, hold call stacks and sizes, no values, and are not reported). Written into a directory egg-static serves ' +
    '(a static dir or one below it: run/ or logs/ when the app root is served) a dump is anyone\'s to download, by a name of date, time and pid: ' +
    'critical in every env, as SEN203 is for a served run/ or logs/, naming the static dir, its prefix and the URL. `--allow-*` flags widen the permission model and are noted. ' +
    'Critical for a debugger outside local/unittest and for dumps into a served dir, high for a debugger on a developer machine and for the others, medium for CA files, TLS downgrades and ' +
    'other diagnostic dumps, low for `--allow-*`.',
  fix: 'Remove the flag from NODE_OPTIONS and the start command (egg-scripts `--node-options`), or the variable from the ' +
    'environment; install preloaded modules as dependencies of the app and require them from its node_modules, and keep ' +
    'files node loads at start inside the app.',
  liveOnly: 'reads the NODE_OPTIONS, exec arguments and environment of the running process',
  check(facts, { developmentEnv }) {
    const roots = facts.runtime.appModuleRoots;
    // Inside the app, but where it writes at run time (run/, logs/, the upload dir) or serves files from (a static dir,
    // where uploads often land): what a request leaves there.
    const written = writtenOrServedDirs(facts);
    const inWritten = (flag: Placed) => flag.modulePath !== undefined && written.some(dir => isInside(flag.modulePath as string, dir.realPath));
    // A node_modules above the app that another user may have filled (`/tmp/node_modules`) is no root of the app's.
    const untrusted = (flag: Placed) => flag.modulePath !== undefined &&
      facts.runtime.untrustedModuleRoots.find(root => isInside(flag.modulePath as string, root.dir) && !isInside(flag.modulePath as string, facts.app.baseDir));
    const inApp = (flag: Placed) => flag.modulePath !== undefined && roots.some(root => isInside(flag.modulePath as string, root)) && !inWritten(flag) && !untrusted(flag);
    const placed = (flag: Placed) => {
      const foreign = untrusted(flag);
      if (foreign) return `${flag.modulePath}, in ${foreign.dir}, a node_modules outside the app ${foreign.why}`;
      return inWritten(flag) ? `${flag.modulePath}, in a directory the app writes at run time or serves` : `${flag.modulePath}, outside the app and the node_modules it resolves from`;
    };
    const judgeLoaded = (setting: LoaderSetting, at: Placed) => loaderHits(setting, inApp(at), inWritten(at) || untrusted(at) ? placed(at) : undefined, developmentEnv);
    return facts.runtime.nodeFlags.flatMap((flag): RuleHit[] => {
      const base = { target: `${flag.source} ${flag.name}`, source: flag.source };
      if (DEBUGGER_FLAG.test(flag.name)) {
        return [{ ...base, severity: developmentEnv ? 'high' : 'critical',
          message: `${flag.source} has ${shownFlag(flag)}: an open debugger lets whoever reaches its port run code in every worker` }];
      }
      const debuggerHost = DEBUGGER_PORT_FLAG.test(flag.name) ? publicDebuggerHost(flag.value) : undefined;
      if (debuggerHost) {
        return [{ ...base, severity: 'high',
          message: `${flag.source} has ${shownFlag(flag)}: one SIGUSR1 to a process (node opens its debugger on that signal) makes it listen on ` +
            `${debuggerHost}, not the loopback interface, and whoever reaches that port runs code in it` }];
      }
      // egg-cluster's own `require` option: its workers require each entry before egg. A file a preload flag names too is that flag's finding.
      if (flag.source === 'start options') {
        const preloaded = facts.runtime.nodeFlags.some(other => MODULE_FLAGS.has(other.name) && other.modulePath !== undefined && other.modulePath === flag.modulePath);
        if (inApp(flag) || preloaded) return [];
        const where = flag.modulePath ? placed(flag) : 'a module that does not resolve as egg-cluster requires it';
        return [{ ...preload(flag, 'Remove the entry from egg-cluster\'s `require` start option, or install the module as a dependency of the app and name it from its node_modules; ' +
          'or, when you vouch for it, waive SEN306'), severity: 'high',
        message: `egg-cluster's \`require\` start option names ${quoteForMessage(flag.value ?? '', 80)}: the agent and every app worker require ${where}, before egg loads the app` }];
      }
      const requiredByEgg = flag.source === 'environment' ? MODULE_VARIABLES.get(flag.name) : undefined;
      if (requiredByEgg && flag.value && !inApp(flag)) {
        const where = flag.modulePath ? placed(flag) : 'a module that does not resolve from the working directory';
        return [{ ...base, severity: 'high', message: `${flagSetting(flag)}: ${requiredByEgg}, so every process runs ${where} before the app` }];
      }
      if (MODULE_FLAGS.has(flag.name) && flag.value !== undefined && !inApp(flag)) {
        const where = flag.modulePath ? placed(flag) : 'a module that does not resolve from the working directory (or a data: URL)';
        return [{ ...preload(flag, `Remove the flag from ${flag.source === 'NODE_OPTIONS' ? 'NODE_OPTIONS' : 'the start command (egg-scripts `--node-options`)'}, or install the module as a ` +
          'dependency of the app and preload it from its node_modules; or, when you vouch for it, keep it before the preflight (`--require egg-sentinel/preflight`, ' +
          'which refuses preloads after it) and waive SEN306'), severity: 'high', message: `${flag.source} has ${shownFlag(flag)}: every process runs ${where} before the app` }];
      }
      const loaded = CODE_FILE_FLAGS.get(flag.name) ?? (flag.source === 'environment' ? CODE_FILE_VARIABLES.get(flag.name) : undefined);
      // The system's own OpenSSL config (OPENSSL_CONF=/etc/ssl/openssl.cnf, as some images set it) is root's to vouch for.
      if (loaded && flag.value && !inApp(flag) && !flag.systemOwned) {
        const where = flag.modulePath ? placed(flag) : 'a file that does not exist from the working directory';
        return [{ ...base, severity: 'high', message: `${flagSetting(flag)}: every process loads ${loaded} from ${where}` }];
      }
      if (flag.source === 'environment' && flag.name === 'NODE_PATH' && !inApp(flag) && !flag.systemOwned) {
        const where = flag.modulePath ? (inWritten(flag) || untrusted(flag) ? placed(flag) : flag.modulePath) : `${quoteForMessage(flag.value ?? '', 80)} (which does not exist yet)`;
        return [{ ...base, severity: 'high', message: `the environment's NODE_PATH lists ${where}: a require() of a module the app does not install (an optional dependency) runs code from there in every process` }];
      }
      if (flag.source === 'environment' && LOADER_VARIABLES.has(flag.name) && flag.loaded) return judgeLoaded(environmentLoaderSetting({ ...flag, loaded: flag.loaded }), flag);
      if (flag.source === 'environment' && TRUST_FILE_VARIABLES.has(flag.name) && !inApp(flag) && !flag.systemOwned) {
        const where = flag.modulePath ? `${flag.modulePath}, outside the app and the system's certificate dirs` : 'a file that does not exist';
        return [{ ...base, severity: 'medium', message: `${flagSetting(flag)}: every HTTPS request the app sends trusts the CAs of ${where}; whoever holds one can read and change that traffic` }];
      }
      if (flag.name === '--tls-keylog') {
        return [{ ...base, severity: 'high', message: `${flagSetting(flag)}: every process writes the keys of its TLS sessions there, and whoever reads the file decrypts the traffic` }];
      }
      if (flag.name === '--experimental-network-imports') {
        return [{ ...base, severity: 'high', message: `${flagSetting(flag)}: import() may load and run code from https URLs` }];
      }
      if (flag.name === '--insecure-http-parser') {
        return [{ ...base, severity: 'high', message: `${flagSetting(flag)}: every process's HTTP parser accepts malformed requests (both Content-Length and ` +
          'Transfer-Encoding, invalid header characters), so a proxy in front and the app can disagree on where a request ends (request smuggling)' }];
      }
      if (flag.name === '--security-revert') {
        return [{ ...base, severity: 'high', message: `${flagSetting(flag)}: every process runs with the fix of that vulnerability in Node.js reverted` }];
      }
      if (flag.name === '--tls-min-v1.0' || flag.name === '--tls-min-v1.1') {
        return [{ ...base, severity: 'medium', message: `${flagSetting(flag)}: the TLS servers and clients of every process accept TLS ${flag.name.slice(-3)}, which has known weaknesses` }];
      }
      const weak = flag.name === '--tls-cipher-list' ? weakCiphers(flag.value ?? '') : [];
      if (weak.length) {
        return [{ ...base, severity: 'medium', message: `${flagSetting(flag)}: every process allows the ciphers ${weak.join(', ')}, which give no or broken encryption or authentication` }];
      }
      if (flag.source === 'environment' && flag.name === 'NODE_TLS_REJECT_UNAUTHORIZED' && flag.value === '0') {
        return [{ ...base, severity: 'high', message: `${flagSetting(flag)}: every HTTPS request the app sends (urllib, ctx.curl, fetch) accepts any certificate, so anyone on the path can read and change it` }];
      }
      const dump = DIAGNOSTIC_DUMPS.get(flag.name);
      if (dump) {
        const file = flag.dumpFile;
        const writes = `${flag.source} has ${shownFlag(flag)}: every process writes ${dump.what} to ${file ?? 'its stdout or stderr (--report-filename)'}`;
        // Served, the dump is everyone's: critical in every env, as SEN203 is for a served run/ or logs/.
        const served = file === undefined ? undefined : facts.files.staticDirs.find(dir => isInside(file, dir.realPath));
        if (served && file) {
          const url = `${served.prefix.replace(/\/?$/, '/')}${path.relative(served.realPath, file).split(path.sep).join('/')}`;
          return [{ ...base, severity: 'critical', message: `${writes}, which config.${served.keyPath} serves under ${served.prefix}: anyone who reaches the app downloads it ` +
            `as ${url} (node names it by date, time and pid), and with it every secret of the process`,
          fix: `Point ${dump.report ? '--report-directory' : '--diagnostic-dir'} at a directory only the app's user can read, outside every static dir, or remove ${flag.name}; ` +
            'delete the dumps already written there and rotate the secrets they held.' }];
        }
        return [{ ...base, severity: developmentEnv ? 'low' : 'medium', message: `${writes}, where whoever can read the file reads the app's secrets` }];
      }
      if (flag.name.startsWith('--allow-')) {
        return [{ ...base, severity: 'low', message: `${flag.source} has ${shownFlag(flag)}, which widens Node's permission model` }];
      }
      return [];
    }).concat(facts.runtime.tsconfigPaths.filter(entry => !inApp(entry)).map(entry => ({
      target: `${entry.file} ${entry.key}`,
      source: entry.file,
      severity: 'high' as const,
      message: `${tsconfigKeyWhere(entry)} maps ${entry.pattern === '*' ? 'every bare require()' : `require(${quoteForMessage(entry.pattern, 80)})`} to ` +
        `${quoteForMessage(entry.target, 120)}, and egg-core registers tsconfig-paths for it (${entry.registeredBy}, a tsconfig.json in the app root): ` +
        `every process looks there before node_modules, and runs code from ${placed(entry)}`,
      fix: `Point ${entry.key} in ${entry.setIn ?? entry.file} into the app (\`"@/*": ["app/*"]\`) or its node_modules, installing shared code as a dependency; ` +
        'a mapping only the type checker needs belongs in a tsconfig egg-core does not read (`tsc -p tsconfig.types.json`), not in the app root\'s tsconfig.json. ' +
        `When you vouch for the directory, waive SEN306 for target \`${entry.file} ${entry.key}\`.`,
    }))).concat(facts.runtime.tsconfigFiles.flatMap(entry => (entry.problem ? [{
      target: entry.file,
      source: entry.extendedFrom ?? entry.file,
      severity: 'high' as const,
      message: `${describePathProblem(entry.file, entry.problem)}, and tsconfig-paths reads the paths every require() follows from it ` +
        `(${entry.extendedFrom ? `in the \`extends\` chain of ${entry.extendedFrom}` : 'the app\'s tsconfig'}; egg-core registers tsconfig-paths for it: ${entry.registeredBy}, a tsconfig.json in the app root): ` +
        'that user can map every bare require() to their own code (`"paths": { "*": ["/tmp/x/*"] }`) after this check, and each process egg starts later (a worker egg-cluster forks again) runs it',
      fix: `Make ${entry.file}, and the directories above it, owned by the app's user or root and writable by them only (\`chmod go-w\`), ` +
        'or copy a shared base config into the app and extend that copy.',
    }] : []))).concat(facts.runtime.homeModuleFolders.map(problem => ({
      target: 'environment HOME',
      source: problem.fromMockHome ? 'MOCK_HOME_DIR' : 'environment',
      severity: 'high' as const,
      message: `the environment's HOME=${quoteForMessage(problem.home, 80)}${problem.fromMockHome ? ' (egg-scripts sets it from MOCK_HOME_DIR)' : ''} makes node look in ` +
        `${problem.folder} for modules no node_modules holds (one of its global folders, searched like a NODE_PATH directory), and ${describePathProblem(problem.folder, problem)}: ` +
        'another user can put a module there, and a require() of one the app does not install (an optional dependency) runs it in every process',
      fix: 'Point HOME (for egg-scripts: MOCK_HOME_DIR, from which it sets the master\'s HOME) at a directory only the app\'s user can write, ' +
        'or create the folder owned by the app\'s user with mode 0755 in a directory others cannot rename it in.',
    }))).concat(preloadFileHits(facts.runtime.preloadFile, judgeLoaded));
  },
};

/**
 * `NODE_OPTIONS='--require egg-sentinel/preflight' npm start` with `node-options=--max-old-space-size=4096` in the
 * app's .npmrc: npm runs the start script with NODE_OPTIONS set to its node-options, and the preflight never loads.
 */
export const droppedPreflight: Rule = {
  id: 'SEN307',
  area: 'injection',
  title: 'The preflight is dropped on the way: npm\'s node-options replaces NODE_OPTIONS',
  severity: 'high',
  description: 'npm (`npm start`, `npm run`, `npx`, `npm exec`) runs every script and command with NODE_OPTIONS set to its own ' +
    '`node-options` config (from the app\'s `.npmrc`, `~/.npmrc`, the global npmrc or `npm_config_node_options`) in place of ' +
    'the NODE_OPTIONS it was given: a `--require egg-sentinel/preflight` there then never loads, in the launcher, the master, the ' +
    'agent or a worker, and whatever it refuses runs (a preload npm\'s setting names included) without a word. At boot, on Linux, a ' +
    'process running without the preflight although an ancestor process (npm, the shell or unit that ran it, egg-scripts) was ' +
    'started with NODE_OPTIONS loading it is reported, naming npm\'s node-options when npm started it (high; low in local/unittest); ' +
    'the ancestors\' environments are read from /proc, and only their NODE_OPTIONS. The app\'s `.npmrc` setting `node-options` ' +
    'without the preflight is reported at boot and by `egg-sentinel audit` (medium; low in local/unittest). Not seen: the preflight ' +
    'dropped where no ancestor\'s NODE_OPTIONS loaded it (it was given on a command line), on systems without /proc, in a worker ' +
    'forked after the launcher exited, and by code that already runs in the process and hides it.',
  fix: 'Load the preflight through npm\'s node-options too: `node-options=--require egg-sentinel/preflight` (before anything else it ' +
    'preloads) in the .npmrc that sets it, or remove `node-options` from npm\'s config; or start without npm ' +
    '(`NODE_OPTIONS=\'--require egg-sentinel/preflight\' ./node_modules/.bin/egg-scripts start …`).',
  check(facts, { developmentEnv }) {
    const hits: RuleHit[] = [];
    const { droppedPreflight: dropped, npmrcNodeOptions: npmrc } = facts.runtime;
    if (dropped) {
      const { pid, name } = dropped.ancestor;
      const how = dropped.npmNodeOptions === undefined ?
        'a process between them started it with other NODE_OPTIONS (a launcher that sets its own, or code that removed the preflight from it)' :
        `npm started it with NODE_OPTIONS set to its node-options config ${quoteForMessage(dropped.npmNodeOptions, 120)}` +
          `${npmrc?.value === dropped.npmNodeOptions ? ', which the app\'s .npmrc sets' : ' (from ~/.npmrc, the global npmrc or npm_config_node_options)'}, in place of the NODE_OPTIONS it was given`;
      hits.push({
        target: 'NODE_OPTIONS',
        source: dropped.npmNodeOptions === undefined ? 'environment' : 'npm_config_node_options',
        severity: developmentEnv ? 'low' : 'high',
        message: `egg-sentinel's preflight is not loaded in this process, though its ancestor ${name} (pid ${pid}) was started with NODE_OPTIONS loading it: ${how}. ` +
          'Nothing the preflight refuses before egg loads (an unsafe env, plugins or preloads from outside the app, a changed pinned plugin) was checked in this start',
      });
    }
    if (npmrc && !npmrc.loadsPreflight) {
      hits.push({
        target: '.npmrc node-options',
        source: '.npmrc',
        severity: developmentEnv ? 'low' : 'medium',
        message: `the app's .npmrc sets node-options=${quoteForMessage(npmrc.value, 120)}: npm (npm start, npm run, npx in the app) runs every script and command with ` +
          'NODE_OPTIONS set to it, in place of the NODE_OPTIONS it is given, so a --require egg-sentinel/preflight there never loads',
      });
    }
    return hits;
  },
};

export const untrustedScriptShell: Rule = {
  id: 'SEN308',
  area: 'injection',
  title: 'npm runs the app\'s scripts through a shell others control',
  severity: 'high',
  description: 'npm runs every script (`npm start`, `npm run`) and `npx`/`npm exec` command through its `script-shell` config (from the ' +
    'app\'s `.npmrc`, `~/.npmrc`, the global npmrc or `npm_config_script_shell`), with the app\'s environment and before node starts: no ' +
    'check of egg-sentinel\'s, the preflight included, runs before it. Reported: a `script-shell` in the app\'s `.npmrc`, in `~/.npmrc` or in ' +
    '`npm_config_script_shell` that names a file in a node_modules (a dependency\'s), a file outside the app that another user can change ' +
    '(or in a directory they can, such as /tmp), or no file at all; a system shell (`/bin/bash`, owned by root) or one of the app\'s own ' +
    'files is not. At boot and, for the app\'s `.npmrc`, by `egg-sentinel audit`. Not checked on Windows. High outside local/unittest; ' +
    'low on a developer machine.',
  fix: 'Remove `script-shell` from npm\'s config, or point it at a system shell (`script-shell=/bin/bash`) that only root can change.',
  check(facts, { developmentEnv }) {
    return facts.runtime.untrustedScriptShells.map(shell => ({
      severity: developmentEnv ? 'low' as const : 'high' as const,
      target: `${shell.source} script-shell`,
      source: shell.source,
      message: `npm runs every script of the app (npm start, npm run) and npx command through script-shell=${quoteForMessage(shell.value, 120)} ` +
        `(set in ${shell.source}), which ${shell.why}: it runs with the app's environment before node, where no check sees it`,
    }));
  },
};

/** OpenSSL cipher list entries that allow no or broken encryption or authentication (not when excluded with `!` or `-`). */
const WEAK_CIPHER = /^(?:[ae]?NULL|EXPORT\w*|EXP|RC4|DES|3DES|MD5|ADH|AECDH|LOW)\b/i;

function weakCiphers(list: string): string[] {
  return list.split(/[:,\s]+/).map(entry => entry.replace(/^\+/, '')).filter(entry => entry && !/^[!-]/.test(entry) && WEAK_CIPHER.test(entry));
}

export const injectionRules: Rule[] = [
  unsafeServerEnv, prototypePollution, configFromEnvironment, configSchemaViolation, pathEscapesRoot, dangerousNodeFlags, droppedPreflight, untrustedScriptShell,
];
