import type { SentinelConfig } from '../lib/config/types';

export default {
  /** egg-sentinel. Every option is validated at boot; an unknown key or bad value refuses boot. */
  sentinel: {
    /**
     * Lowest severity that refuses boot: 'critical' | 'high' | 'medium' | 'low' | 'never' | 'auto'.
     * 'auto' (default): 'high' outside local/unittest, 'critical' in them (the rest is logged as warnings).
     */
    failOn: 'auto',
    // `rules`: per-rule override, e.g. { SEN201: 'off' } or { SEN201: 'high' }; unknown rule ids refuse boot. Unset by
    // default (not `{}`): egg's configMeta then records the file of each override, so one set from outside the app
    // (a plugin, EGG_APP_CONFIG) is seen and refused.
    /**
     * Accepted findings: [{ rule: 'SEN201', target?: 'config.keys', reason: '…', expires: 'YYYY-MM-DD' }].
     * A waiver applies until the end of its `expires` day (UTC); expired waivers stop waiving and are reported (SEN001).
     */
    waivers: [],
    /** Agent ↔ app messenger signing (see the README, "IPC"). */
    ipc: {
      /** 'enforce': a bad message is dropped before any listener sees it; 'report': delivered and logged; 'off'. */
      mode: 'enforce',
      /**
       * Shared secret; set it from the environment, e.g. `secret: process.env.MY_IPC_SECRET`.
       * Unset: EGG_SENTINEL_IPC_SECRET if set, else the agent generates one per cluster in <rundir>/sentinel-ipc.key (0600).
       */
      secret: undefined,
      /**
       * During a rotation: [{ secret, until: 'YYYY-MM-DD' }] still verify (never sign) until that day ends (UTC); `until`
       * may also be an ISO date-time or a Date (`new Date(Date.now() + 7 * 864e5)`), normalised to its ISO string.
       */
      previousSecrets: [],
      /** Seal payloads with AES-256-GCM too: true for every action, or a list of action names. */
      encrypt: false,
      /** Largest accepted message age and clock skew, in ms. */
      maxAgeMs: 30000,
      /** Log lines about bad messages per minute; the rest is counted in stats(). */
      logLinesPerMinute: 10,
      /**
       * 'on': app.cluster()/agent.cluster() followers must prove they hold the secret before the agent's leader port
       * accepts anything from them, and every frame is authenticated. 'off': egg's plain localhost TCP (SEN503).
       */
      clusterClient: 'on',
    },
    /** JSON schemas for the app's own config, by key path: { 'mysql.client': { type: 'object', required: ['host'] } } (SEN304). */
    schemas: {},
    paths: {
      /** Directories outside the app root that path-valued config may point into, e.g. ['/srv/shared/views'] (SEN305). */
      allow: [],
    },
    /** Plugin trust (SEN101–SEN106; see the README, "Plugin trust"). */
    plugins: {
      /** Directories, relative to the app root, that `path` plugins may live in besides node_modules (SEN101; one outside the app is reported, medium). */
      localRoots: [ 'lib/plugin', 'app/plugin' ],
      /**
       * Report plugins that sentinel.lock.json (written by `npx egg-sentinel pin`) does not list, and a missing
       * manifest (SEN104). Unset: on outside local/unittest when the app has a manifest, off otherwise.
       */
      requireManifest: undefined,
      /** Also verify each plugin's production dependency closure (manifest and install scripts). */
      deep: false,
      /** Packages allowed to run install scripts or build a binding.gyp, e.g. ['egg-alinode'] (SEN105). */
      allowScripts: [],
      /** When non-empty, only plugins whose name or package matches may be enabled, e.g. ['egg-*', '@eggjs/*', 'sentinel'] (SEN106). */
      allow: [],
      /** Plugins that must never be enabled, by name or package, e.g. ['egg-development'] (SEN106). */
      deny: [],
      /**
       * Registry URL prefixes, besides https://registry.npmjs.org/, https://registry.yarnpkg.com/ and those the app's
       * .npmrc / .yarnrc name, that lockfile URLs of plugins and their dependencies may point into (SEN103), e.g.
       * ['https://npm.example.com/repository/npm/'] for a private registry the lockfile records but .npmrc does not.
       */
      registries: [],
    },
    dumps: {
      /** Rewrite egg's run/*_config.json dumps with secrets masked and mode 0600 after egg writes them (SEN204). */
      rewrite: true,
    },
    /** The app is served over HTTPS (directly or behind a TLS-terminating proxy): egg-security's HSTS must be on (SEN603). */
    https: false,
    advisories: {
      /**
       * Local advisory override file, relative to the app root: OSV records merged by `npx egg-sentinel advisories update
       * --from <export>`; they replace shipped entries with the same id (SEN601). Missing file: the shipped database only.
       */
      file: 'sentinel-advisories.json',
    },
    /** What must run in the global middleware chain (SEN401) and in which order (SEN402). No policy by default. */
    middleware: {
      /** Middleware that must be in the chain and enabled, e.g. ['auth']. */
      required: [],
      /** e.g. [{ name: 'auth', before: ['*app'], after: ['bodyParser'] }]; '*core' / '*app' = every core / app middleware. */
      order: [],
    },
    /**
     * Which routes must be guarded by which middleware (SEN403, SEN404). No policy by default; secure by default is
     * protect: [{ paths: ['**'], by: ['auth'] }] with each public route listed:
     * public: [{ path: '/health', methods: ['GET'], reason: 'load balancer probe' }].
     */
    routes: {
      protect: [],
      public: [],
    },
    report: {
      /** Log the findings table at boot. */
      log: true,
      /** Write the JSON report (mode 0600, secrets redacted). */
      file: true,
      /** Report file, relative to config.rundir (default `<baseDir>/run`); a file there that is not a report is never overwritten. */
      path: 'sentinel-report.json',
    },
  } satisfies SentinelConfig,
};
