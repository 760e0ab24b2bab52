/**
 * The snapshot every rule reads. Only `lib/facts/` builds it; rules never touch egg objects.
 * Values are read-only views: rules must not mutate them.
 */
export type ProcessType = 'app' | 'agent';

export interface PluginFact {
  name: string;
  enable: boolean;
  /** npm package name when the plugin came from a package. */
  package?: string;
  version?: string;
  /** Directory egg loads the plugin from. */
  path?: string;
  /** File that enabled it (`config/plugin.ts`, egg's own list, `<EGG_PLUGINS>`…). */
  from?: string;
  implicitEnable?: boolean;
}

export interface MiddlewareFact {
  /** Name as in `coreMiddleware`/`appMiddleware` (wrapper suffixes stripped). */
  name: string;
  /** Position in the composed koa chain (0 = first to run); null when configured but not in the chain (disabled). */
  position: number | null;
  group: 'core' | 'app' | 'router' | 'other';
  /** Source file of the middleware factory, when egg recorded it. */
  file?: string;
  enable: boolean;
  match?: unknown;
  ignore?: unknown;
}

export interface RouteFact {
  methods: string[];
  path: string;
  name?: string;
  /** Names of route-level middleware, in order, without the controller. */
  middleware: string[];
}

export interface EnvSource {
  /** Where the value came from, e.g. `EGG_SERVER_ENV` or `config/env file`. */
  source: string;
  /** `env` or `scope`. */
  kind: 'env' | 'scope';
  value: string;
}

export interface EnvFacts {
  serverEnv: string;
  serverScope: string;
  /** Every place egg reads the env and scope from that holds a value. */
  sources: EnvSource[];
  nodeOptions: string;
  execArgv: string[];
  /** Whether `EGG_APP_CONFIG` / `EGG_PLUGINS` are set (values are not kept). */
  eggAppConfigSet: boolean;
  eggPluginsSet: boolean;
}

export interface AppInfoFacts {
  name: string;
  baseDir: string;
  /** Directory egg writes its run files to (`config.rundir`). */
  runDir: string;
  eggVersion?: string;
}

export interface Facts {
  process: ProcessType;
  app: AppInfoFacts;
  env: EnvFacts;
  /** The merged config (a live reference; treat as read-only). */
  config: Readonly<Record<string, unknown>>;
  /** Returns the file that last set `keyPath` (dotted), relative to baseDir where possible. */
  provenance(keyPath: string): string | undefined;
  plugins: PluginFact[];
  /** Empty in the agent, which has no middleware or router. */
  middleware: MiddlewareFact[];
  routes: RouteFact[];
}
