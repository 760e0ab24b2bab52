/**
 * Reads egg 3 internals into a Facts snapshot. This file (with lib/ipc) is the only place that knows
 * egg's private fields; rules see only the plain snapshot.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EnvFacts, EnvSource, Facts, MiddlewareFact, PluginFact, ProcessType, RouteFact } from './types';

type AnyRecord = Record<string, unknown>;
type NamedFunction = ((...args: unknown[]) => unknown) & { _name?: string };

/** The parts of an egg Application/Agent that facts are read from. */
export interface EggLike {
  /** egg calls the app worker `application`. */
  type: 'application' | 'agent';
  baseDir: string;
  name: string;
  config: AnyRecord;
  options: { env?: string; serverScope?: string };
  plugins: Record<string, AnyRecord>;
  middleware?: NamedFunction[];
  middlewares?: Record<string, unknown>;
  router?: { stack: Array<{ methods: string[]; path: string; name?: string | null; stack: NamedFunction[] }> };
  loader: {
    serverEnv: string;
    serverScope: string;
    configMeta: AnyRecord;
    allPlugins?: Record<string, AnyRecord>;
    eggPaths?: string[];
    FileLoader: { FULLPATH: symbol };
  };
}

export function processType(egg: Pick<EggLike, 'type'>): ProcessType {
  return egg.type === 'agent' ? 'agent' : 'app';
}

export function collectFacts(egg: EggLike): Facts {
  const isApp = processType(egg) === 'app';
  const baseDir = egg.baseDir;
  const config = egg.config;
  const relative = (file: string) => toDisplayPath(baseDir, file);
  return {
    process: processType(egg),
    app: {
      name: egg.name,
      baseDir,
      runDir: typeof config.rundir === 'string' ? config.rundir : path.join(baseDir, 'run'),
      eggVersion: eggVersion(egg.loader.eggPaths ?? []),
    },
    env: collectEnv(egg, process.env),
    config,
    provenance: keyPath => {
      const file = lookupProvenance(egg.loader.configMeta, keyPath);
      return file === undefined ? undefined : relative(file);
    },
    plugins: collectPlugins(egg, relative),
    middleware: isApp ? collectMiddleware(egg, relative) : [],
    routes: isApp ? collectRoutes(egg) : [],
  };
}

export function collectEnv(egg: Pick<EggLike, 'baseDir' | 'options' | 'loader'>, env: NodeJS.ProcessEnv): EnvFacts {
  return {
    serverEnv: egg.loader.serverEnv,
    serverScope: egg.loader.serverScope,
    sources: collectEnvSources(egg.baseDir, egg.options, env),
    nodeOptions: env.NODE_OPTIONS ?? '',
    execArgv: [ ...process.execArgv ],
    eggAppConfigSet: Boolean(env.EGG_APP_CONFIG),
    eggPluginsSet: Boolean(env.EGG_PLUGINS),
  };
}

/** Every source egg reads the server env and scope from (egg-core EggLoader#getServerEnv/getServerScope). */
export function collectEnvSources(baseDir: string, options: EggLike['options'], env: NodeJS.ProcessEnv): EnvSource[] {
  const sources: EnvSource[] = [];
  const add = (kind: EnvSource['kind'], source: string, value: string | undefined) => {
    // egg trims the env before building file names from it.
    if (value !== undefined && value.trim() !== '') sources.push({ kind, source, value: value.trim() });
  };
  add('env', 'options.env', options.env);
  add('env', 'config/env file', readEnvFile(baseDir));
  add('env', 'EGG_SERVER_ENV', env.EGG_SERVER_ENV);
  add('env', 'NODE_ENV', env.NODE_ENV);
  add('scope', 'options.serverScope', options.serverScope);
  add('scope', 'EGG_SERVER_SCOPE', env.EGG_SERVER_SCOPE);
  return sources;
}

function readEnvFile(baseDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(baseDir, 'config/env'), 'utf8');
  } catch {
    return undefined;
  }
}

/** A path relative to baseDir when inside it, absolute otherwise; markers such as `<process.env.EGG_APP_CONFIG>` unchanged. */
export function toDisplayPath(baseDir: string, file: string): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(baseDir, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

/** Walks egg's configMeta (a mirror of the config whose leaves are the file that set them). */
export function lookupProvenance(meta: AnyRecord, keyPath: string): string | undefined {
  let node: unknown = meta;
  for (const segment of keyPath.split('.')) {
    if (typeof node === 'string') return node;
    if (!node || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as AnyRecord)[segment];
  }
  return typeof node === 'string' ? node : undefined;
}

function eggVersion(eggPaths: string[]): string | undefined {
  for (const dir of eggPaths) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'egg') return pkg.version;
    } catch {
      // not a readable package: a custom framework dir without package.json
    }
  }
  return undefined;
}

function collectPlugins(egg: EggLike, relative: (file: string) => string): PluginFact[] {
  const all = egg.loader.allPlugins ?? egg.plugins;
  return Object.entries(all).map(([ name, plugin ]) => ({
    name,
    // allPlugins keeps the configured `enable`; implicitly enabled dependencies appear only in `plugins`.
    enable: Boolean(egg.plugins[name]),
    package: optionalString(plugin.package),
    version: optionalString(plugin.version),
    path: optionalString(plugin.path),
    from: plugin.from === undefined ? '<EGG_PLUGINS or options.plugins>' : relative(String(plugin.from)),
    implicitEnable: plugin.implicitEnable === true || undefined,
  }));
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const WRAPPER_SUFFIX = /(middlewareWrapper|DebugWrapper)+$/;

function collectMiddleware(egg: EggLike, relative: (file: string) => string): MiddlewareFact[] {
  const config = egg.config;
  const core = asStringArray(config.coreMiddleware);
  const appList = asStringArray(config.appMiddleware);
  const FULLPATH = egg.loader.FileLoader.FULLPATH;
  const describe = (name: string, position: number | null): MiddlewareFact => {
    const options = (config[name] && typeof config[name] === 'object' ? config[name] : {}) as AnyRecord;
    const factory = egg.middlewares?.[name] as Record<symbol, unknown> | undefined;
    const file = factory && typeof factory[FULLPATH] === 'string' ? relative(factory[FULLPATH] as string) : undefined;
    const group = core.includes(name) ? 'core' : appList.includes(name) ? 'app' : 'other';
    return { name, position, group, file, enable: options.enable !== false, match: options.match, ignore: options.ignore };
  };
  const chain = (egg.middleware ?? []).map((fn, position): MiddlewareFact => {
    const name = (fn._name ?? fn.name).replace(WRAPPER_SUFFIX, '');
    // egg 3 names the router middleware `dispatch` (no _name); egg 4 `routerMiddleware`.
    if (name === 'dispatch' || name === 'routerMiddleware') return { name: 'router', position, group: 'router', enable: true };
    return describe(name, position);
  });
  // egg leaves `enable: false` middleware out of the chain; list them so rules can say why they are missing.
  const absent = [ ...core, ...appList ].filter(name => !chain.some(entry => entry.name === name));
  return [ ...chain, ...absent.map(name => describe(name, null)) ];
}

function asStringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function collectRoutes(egg: EggLike): RouteFact[] {
  return (egg.router?.stack ?? []).map(layer => ({
    methods: layer.methods.filter(method => method !== 'HEAD' || !layer.methods.includes('GET')),
    path: layer.path,
    name: layer.name ?? undefined,
    middleware: layer.stack.slice(0, -1).map(fn => (fn._name ?? fn.name) || '<anonymous>'),
  }));
}
