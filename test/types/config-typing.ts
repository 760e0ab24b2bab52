/**
 * Compile-time test (run by `npm run typecheck`): config.sentinel is typed through egg's EggAppConfig,
 * so a TypeScript app's config files get completion and errors. Each @ts-expect-error must stay an error.
 */
import type { EggAppConfig, PowerPartial } from 'egg';
import '../../index';

export const valid: PowerPartial<EggAppConfig> = {
  sentinel: {
    failOn: 'high',
    rules: { SEN201: 'off', SEN301: 'critical' },
    waivers: [{ rule: 'SEN201', target: 'config.keys', reason: 'rotating', expires: '2030-01-01' }],
    report: { log: true, file: false, path: 'sentinel.json' },
  },
};

export const typoInThreshold: PowerPartial<EggAppConfig> = {
  // @ts-expect-error 'hgh' is not a severity
  sentinel: { failOn: 'hgh' },
};

export const unknownOption: PowerPartial<EggAppConfig> = {
  // @ts-expect-error failon is not an option (the runtime schema refuses it too)
  sentinel: { failon: 'high' },
};

export const reportLogNotBoolean: PowerPartial<EggAppConfig> = {
  // @ts-expect-error report.log is a boolean
  sentinel: { report: { log: 'yes' } },
};

export const secureByDefaultPolicy: PowerPartial<EggAppConfig> = {
  sentinel: {
    middleware: { required: [ 'auth' ], order: [{ name: 'auth', before: [ '*app' ], after: [ 'securities' ] }] },
    routes: {
      protect: [{ paths: [ '**' ], by: [ 'auth' ] }],
      public: [{ path: '/health', methods: [ 'GET' ], reason: 'load balancer probe' }, { paths: [ '/docs/**' ], reason: 'public docs' }],
    },
  },
};

export const publicWithPathAndPaths: PowerPartial<EggAppConfig> = {
  // @ts-expect-error a public entry has `path` or `paths`, not both
  sentinel: { routes: { public: [{ path: '/a', paths: [ '/b' ], reason: 'both' }] } },
};

export const lowercaseMethod: PowerPartial<EggAppConfig> = {
  // @ts-expect-error methods are upper case, as egg's router holds them
  sentinel: { routes: { public: [{ path: '/a', methods: [ 'get' ], reason: 'lower' }] } },
};

export const orderTargetNotAList: PowerPartial<EggAppConfig> = {
  // @ts-expect-error before lists middleware names
  sentinel: { middleware: { order: [{ name: 'auth', before: 'dataApi' }] } },
};

export const pluginTrust: PowerPartial<EggAppConfig> = {
  sentinel: { plugins: { localRoots: [ 'lib/plugin' ], requireManifest: true, deep: false, allowScripts: [ 'egg-alinode' ], allow: [ 'egg-*' ], deny: [ 'egg-development' ], registries: [ 'https://npm.example.com/' ] } },
};

export const rotationUntilDate: PowerPartial<EggAppConfig> = {
  sentinel: { ipc: { previousSecrets: [{ secret: 'from-the-environment', until: new Date(Date.now() + 7 * 864e5) }, { secret: 'other', until: '2030-01-01' }] } },
};

export const rotationUntilNumber: PowerPartial<EggAppConfig> = {
  // @ts-expect-error until is a date string or a Date, not a timestamp
  sentinel: { ipc: { previousSecrets: [{ secret: 'from-the-environment', until: Date.now() }] } },
};

export const requireManifestNotBoolean: PowerPartial<EggAppConfig> = {
  // @ts-expect-error plugins.requireManifest is a boolean
  sentinel: { plugins: { requireManifest: 'yes' } },
};
