import type { Severity, Threshold } from '../report/severity';

export interface WaiverConfig {
  /** Rule id, e.g. `SEN201`. */
  rule: string;
  /** Only waive findings with this exact target (config key path, plugin name, route). Omit to waive every finding of the rule. */
  target?: string;
  /** Why the finding is accepted; shown in every report. */
  reason: string;
  /**
   * Last day (UTC, `YYYY-MM-DD`) the waiver applies, or the instant it stops (an ISO date-time); after it the finding
   * is back and the expiry is reported. Validation turns a `Date` a config file gives into its ISO string.
   */
  expires: string;
}

export interface SentinelReportConfig {
  /** Log the findings table at boot. Default `true`. */
  log?: boolean;
  /** Write the JSON report with mode 0600. Default `true`. */
  file?: boolean;
  /** Report file path; relative to `config.rundir`. Default `sentinel-report.json`. */
  path?: string;
}

export interface SentinelIpcConfig {
  /** `enforce` (default): bad messages are dropped; `report`: delivered and logged; `off`: no signing. */
  mode?: 'enforce' | 'report' | 'off';
  /** Shared secret, from the environment. Default: EGG_SENTINEL_IPC_SECRET, else a random per-cluster secret in run/. */
  secret?: string;
  /**
   * Secrets still accepted during a rotation, each until a date (YYYY-MM-DD, inclusive) or date-time. Validation turns
   * a `Date` a config file gives (see SentinelConfigInput) into its ISO string, so a validated config holds strings only.
   */
  previousSecrets?: Array<{ secret: string; until: string }>;
  /** Seal payloads with AES-256-GCM: every action (true) or the listed ones. */
  encrypt?: boolean | string[];
  /** Largest accepted message age and clock skew, in ms. Default 30000. */
  maxAgeMs?: number;
  /** Log lines about bad messages per minute; the rest is only counted. Default 10. */
  logLinesPerMinute?: number;
  /** `on` (default): the cluster-client leader port accepts only authenticated followers; `off`: egg's plain TCP. */
  clusterClient?: 'on' | 'off';
}

/**
 * An order constraint on the global middleware chain: `name` runs before / after each listed middleware.
 * `*core` stands for every core middleware (egg's and plugins'), `*app` for every middleware in `config.middleware`.
 */
export interface MiddlewareOrderConfig {
  name: string;
  before?: string[];
  after?: string[];
}

export interface SentinelMiddlewareConfig {
  /** Middleware that must be in the global chain and enabled (SEN401). */
  required?: string[];
  /** Order constraints on the global chain (SEN402). */
  order?: MiddlewareOrderConfig[];
}

/** The methods egg's router registers with its verbs (`router.get` also answers HEAD). */
export type RouteMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/**
 * Routes that must be guarded: `paths` are route path patterns (`'/api/**'`, `'/users/:id'`, `'**'` = every route,
 * `'*'` = the catch-all route registered as `*`),
 * matched against the path each route was registered with; `by` lists the middleware that must all run before the
 * controller, globally or on the route (SEN403, SEN404).
 */
export interface ProtectedRoutesConfig {
  paths: string[];
  by: string[];
}

/** An explicit exception to `protect`, with a reason: one `path` or a list of `paths`, optionally only some methods. */
export type PublicRouteConfig = {
  /** Only these methods are public (GET covers HEAD); omit, or list `ALL` (as a `router.all()` route shows), for every method. */
  methods?: Array<RouteMethod | 'ALL'>;
  reason: string;
} & ({ path: string; paths?: never } | { paths: string[]; path?: never });

export interface SentinelRoutesConfig {
  protect?: ProtectedRoutesConfig[];
  public?: PublicRouteConfig[];
}

/** `config.sentinel`: see config/config.default.ts for every default. */
export interface SentinelConfig {
  /** Lowest severity that refuses boot. `auto` = `high`, or `critical` in local/unittest. */
  failOn?: Threshold | 'auto';
  /** Turn a rule off or replace its severity. */
  rules?: Record<string, Severity | 'off'>;
  waivers?: WaiverConfig[];
  report?: SentinelReportConfig;
  ipc?: SentinelIpcConfig;
  /** What must run in the global middleware chain, and in which order. */
  middleware?: SentinelMiddlewareConfig;
  /** Which routes must be guarded by which middleware, and the explicit public exceptions. */
  routes?: SentinelRoutesConfig;
  /** JSON schemas for the app's own config, by key path (`'mysql.client': { type: 'object', … }`), checked by SEN304. */
  schemas?: Record<string, object | boolean>;
  paths?: SentinelPathsConfig;
  dumps?: SentinelDumpsConfig;
  /** The app is served over HTTPS (directly or behind a TLS proxy), so HSTS must be on (SEN603). Default `false`. */
  https?: boolean;
  /** The known-vulnerability database (SEN601). */
  advisories?: SentinelAdvisoriesConfig;
  /** Plugin trust: where plugins may live, the manifest, install scripts, allow/deny lists (SEN101–SEN106). */
  plugins?: SentinelPluginsConfig;
}

/** `config.sentinel` as a config file writes it: a rotation's `until` and a waiver's `expires` may also be a `Date`. */
export type SentinelConfigInput = Omit<SentinelConfig, 'ipc' | 'waivers'> & {
  waivers?: Array<Omit<WaiverConfig, 'expires'> & { expires: string | Date }>;
  ipc?: Omit<SentinelIpcConfig, 'previousSecrets'> & { previousSecrets?: Array<{ secret: string; until: string | Date }> };
};

export interface SentinelPathsConfig {
  /** Directories outside the app root that path-valued config (static.dir, view.root…) may point into (SEN305). */
  allow?: string[];
}

export interface SentinelAdvisoriesConfig {
  /** Local override file that `egg-sentinel advisories update` writes, relative to the app root. Default `sentinel-advisories.json`. */
  file?: string;
}

export interface SentinelDumpsConfig {
  /** Rewrite egg's `run/*_config.json` dumps with secrets masked and mode 0600 once egg has written them. Default `true`. */
  rewrite?: boolean;
}

export interface SentinelPluginsConfig {
  /** Directories, relative to the app root, that `path` plugins may live in besides node_modules (SEN101). Default `['lib/plugin', 'app/plugin']`. */
  localRoots?: string[];
  /**
   * Report enabled plugins that `sentinel.lock.json` does not list, and a missing manifest (SEN104).
   * Unset: on outside local/unittest when the app has a manifest, off otherwise.
   */
  requireManifest?: boolean;
  /** Also verify each plugin's production dependency closure against the manifest and for install scripts (SEN104, SEN105). Default `false`. */
  deep?: boolean;
  /** Packages (names, glob-style: `*` within a name) allowed to run install scripts or build a binding.gyp (SEN105). */
  allowScripts?: string[];
  /** When set, only plugins whose name or package matches one of these glob-style patterns may be enabled (SEN106). */
  allow?: string[];
  /** Plugins whose name or package matches one of these glob-style patterns must not be enabled (SEN106). */
  deny?: string[];
  /**
   * Registry URL prefixes (https) that lockfile tarball URLs of plugins and the packages they pull in may point into,
   * besides npm's, yarn's and the app's .npmrc / .yarnrc registries (SEN103), e.g. `['https://npm.example.com/repository/npm/']`.
   */
  registries?: string[];
}
