/**
 * Config changed by code after egg loaded it. egg-sentinel judges config from the files egg loaded (their provenance
 * says who set each key), but a boot hook can still assign to `app.config` (a plugin's `configDidLoad` setting
 * `config.sentinel.failOn = 'never'`), and egg-security reads `app.config.security` at every request, so a change
 * after the check (`serverDidReady`) takes effect unseen. These snapshots tell such changes by key path.
 */
import path from 'node:path';
import { callerFiles } from './caller-site';
import type { EarlierConfigChange } from './facts/config-files';
import { isPlainData, walkPlainData } from './walk';

/** The leaves of config data by key path (`sentinel.rules.SEN103`), each as text; empty objects and arrays count. */
export type ConfigLeaves = ReadonlyMap<string, string>;

export function configLeaves(root: unknown, prefix: string): ConfigLeaves {
  const leaves = new Map<string, string>();
  walkPlainData(root, (value, keyPath) => {
    const at = keyPath ? (keyPath.startsWith('[') ? `${prefix}${keyPath}` : `${prefix}.${keyPath}`) : prefix;
    if (!isPlainData(value)) leaves.set(at, leafText(value));
    else if (!Object.keys(value).length) leaves.set(at, Array.isArray(value) ? '[]' : '{}');
  });
  return leaves;
}

function leafText(value: unknown): string {
  if (typeof value === 'function' || value instanceof RegExp) return String(value);
  if (value instanceof Set || value instanceof Map) return `${value.constructor.name}(${JSON.stringify([ ...value ])})`;
  // egg's siteFile holds the favicon: JSON would spell every byte as a number.
  if (Buffer.isBuffer(value)) return `Buffer(${value.toString('base64')})`;
  return value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
}

/** The key paths whose value differs between two snapshots (set, changed or removed), sorted. */
export function changedKeyPaths(before: ConfigLeaves, after: ConfigLeaves): string[] {
  const changed = new Set<string>();
  for (const [ keyPath, text ] of after) if (before.get(keyPath) !== text) changed.add(keyPath);
  for (const keyPath of before.keys()) if (!after.has(keyPath)) changed.add(keyPath);
  return [ ...changed ].sort();
}

/** A write to config after it was loaded: the key path written and the file that wrote it. */
export interface ConfigWrite {
  keyPath: string;
  /** The first file of the stack outside node_modules, else the first: the app's file that made the write, or the package's. */
  file?: string;
  /** Every file of the stack, innermost first: a library a plugin called (koa-session normalizing its options) is not the writer. */
  stack: string[];
}

/** What recordConfigWrites fills, and how to stop it. */
export interface ConfigWriteRecorder {
  writes: ConfigWrite[];
  /** Stops recording and puts the plain values back: a proxy a middleware kept then costs one check per read. */
  stop(): void;
}

/**
 * Records every write to the config keys `roots` from now on (assigning one whole, or any key below it, an array's
 * push included) with the file that made it, so that a change the app's own code makes (its `configWillLoad`, egg's
 * hook for changing config) can be told from one a plugin makes. Keys the config does not have are not watched.
 */
export function recordConfigWrites(config: Record<string, unknown>, roots: readonly string[]): ConfigWriteRecorder {
  const writes: ConfigWrite[] = [];
  const skip = [ __dirname ];
  let recording = true;
  const note = (keyPath: string) => {
    if (!recording) return;
    const stack = callerFiles(skip);
    writes.push({ keyPath, file: stack.find(file => !file.includes(`${path.sep}node_modules${path.sep}`)) ?? stack[0], stack });
  };
  const proxies = new WeakMap<object, object>();
  const targets = new WeakMap<object, object>();
  // A proxy assigned back into the config (`config.security.csrf = config.security.csrf`) is stored as its target.
  const unwrap = (value: unknown) => (value && typeof value === 'object' && targets.get(value)) || value;
  const wrap = (value: unknown, keyPath: string): unknown => {
    if (!recording || !isPlainData(value)) return value;
    let proxy = proxies.get(value);
    if (!proxy) {
      const at = (key: string | symbol) => (typeof key === 'symbol' ? keyPath : Array.isArray(value) ? `${keyPath}[${key}]` : `${keyPath}.${key}`);
      proxy = new Proxy(value, {
        get: (target, key) => {
          const next = Reflect.get(target, key);
          if (typeof key === 'symbol') return next;
          // A proxy must give a frozen property's own value (Object.freeze'd config would throw otherwise).
          const own = Reflect.getOwnPropertyDescriptor(target, key);
          return own && !own.configurable && !own.writable ? next : wrap(next, at(key));
        },
        set: (target, key, next) => (note(at(key)), Reflect.set(target, key, unwrap(next))),
        deleteProperty: (target, key) => (note(at(key)), Reflect.deleteProperty(target, key)),
        defineProperty: (target, key, descriptor) => (note(at(key)), Reflect.defineProperty(target, key, descriptor)),
      });
      proxies.set(value, proxy);
      targets.set(proxy, value);
    }
    return proxy;
  };
  const current = new Map<string, unknown>();
  for (const root of roots.filter(key => Object.hasOwn(config, key))) {
    current.set(root, config[root]);
    Object.defineProperty(config, root, {
      configurable: true,
      enumerable: true,
      get: () => wrap(current.get(root), root),
      set: next => {
        note(root);
        current.set(root, unwrap(next));
      },
    });
  }
  return {
    writes,
    stop: () => {
      recording = false;
      for (const [ root, value ] of current) Object.defineProperty(config, root, { configurable: true, enumerable: true, writable: true, value });
    },
  };
}

/** Whether a write at `written` changed `keyPath`: the key itself, one around it, or one inside it (an empty object's leaf filled). */
export function writeCovers(written: string, keyPath: string): boolean {
  const [ outer, inner ] = written.length <= keyPath.length ? [ written, keyPath ] : [ keyPath, written ];
  return inner === outer || (inner.startsWith(outer) && (inner[outer.length] === '.' || inner[outer.length] === '['));
}

/**
 * The file of the app's code (outside node_modules: its app.js, a plugin in lib/plugin) that last assigned `keyPath` itself when
 * code changed the key after egg loaded the config files (`changed`: the changed leaves; an array is one leaf, as in
 * egg's configMeta): the value in effect is that code's, not the value of the config file egg's provenance names. A
 * package's write is not named: egg-view, egg-schedule and egg-security rewrite the keys they own from what a config
 * file set (a root split into a list, an ipBlackList turned into a checkAddress), and SEN108 names a plugin's other writes.
 */
export function lastWriterOf(keyPath: string, changed: readonly string[], writes: readonly ConfigWrite[]): string | undefined {
  if (!changed.some(leaf => leaf === keyPath || leaf.startsWith(`${keyPath}[`))) return undefined;
  // The innermost frame made the assignment: egg-view's, when a local plugin's app.view.use() makes it list view.root.
  const own = writes.filter(write => write.stack[0] && !write.stack[0].includes(`${path.sep}node_modules${path.sep}`) && writeCovers(write.keyPath, keyPath));
  return own.at(-1)?.stack[0];
}

/**
 * The changed key paths no write of the app's own code explains: a write from a file inside the app root (its
 * app.js, a plugin in lib/plugin), outside node_modules, covering the key path. Unrecorded changes count too.
 */
export function changesNotByTheApp(changed: readonly string[], writes: readonly ConfigWrite[], baseDir: string): string[] {
  const root = baseDir + path.sep;
  const appWrites = writes.filter(write => write.file?.startsWith(root) && !write.file.includes(`${path.sep}node_modules${path.sep}`));
  return changed.filter(keyPath => !appWrites.some(write => keyPath === write.keyPath || keyPath.startsWith(`${write.keyPath}.`) || keyPath.startsWith(`${write.keyPath}[`)));
}

/** What to say of config.sentinel keys a boot hook changed (lib/boot-app.ts refuses the boot; the audit fails). */
export function sentinelChangedProblems(changed: readonly string[]): string[] {
  return changed.map(keyPath => `config.${keyPath}: changed after egg loaded the config files, by code outside the app's own files (a plugin's boot hook)`);
}

/** A key path under config.sentinel. */
export function isSentinelKey(keyPath: string): boolean {
  return keyPath === 'sentinel' || keyPath.startsWith('sentinel.');
}

/** Who may have changed a key before egg-sentinel's hook was constructed, when no config function did: `hooks` names the plugins' hooks. */
export function earlierHooks(hooks: string): string {
  return `one of the boot hooks egg constructs before it: ${hooks}; or a plugin's code egg runs earlier, such as an extend file`;
}

/** Who may have changed a key before egg-sentinel's hook was constructed, when egg-sentinel has no one to name. */
export const EARLIER_UNKNOWN = 'a plugin\'s config function through the app\'s config egg hands it, the boot hook of a plugin egg loads before ' +
  'egg-sentinel, or a plugin\'s code egg runs earlier, such as an extend file';

/** What to say of config.sentinel keys code changed before egg-sentinel's hook was constructed, naming who may have. */
export function earlierChangeProblems(changes: readonly EarlierConfigChange[], display: (file: string) => string): string[] {
  return changes.map(({ keyPath, by }) => {
    const files = by?.files.map(display).join(', ');
    return `config.${keyPath}: ` + (by?.how === 'appConfig' ? `changed by ${files}, through the app's config egg hands a plugin's config function (egg then credits the app's file)` :
      `not what the config files say: changed before egg-sentinel's hook was constructed, by code egg-sentinel cannot name (${files ? earlierHooks(files) : EARLIER_UNKNOWN})`);
  });
}

export const SENTINEL_CHANGED_FIX = 'Set egg-sentinel\'s options in the app\'s config files (config/config.<env>.js or .ts), or in the app\'s own ' +
  'configWillLoad, and find the plugin that assigns to app.config.sentinel: a plugin that switches the checks off is not to be trusted.';
