import type { BuiltinFacts } from '../../lib/facts/builtins';
import type { FileFacts } from '../../lib/facts/files';
import type { PluginTrustFacts } from '../../lib/facts/plugins';
import type { RuntimeFacts } from '../../lib/facts/runtime';
import type { EnvFacts, Facts, IpcFacts, PluginFact } from '../../lib/facts/types';

/** Facts for pure rule tests; integration tests build real ones from booted apps. */
export function fakeFacts(overrides: {
  config?: Record<string, unknown>; env?: Partial<EnvFacts>; meta?: Record<string, string>;
  files?: Partial<FileFacts>; runtime?: Partial<RuntimeFacts>; ipc?: Partial<IpcFacts>; pluginTrust?: Partial<PluginTrustFacts>;
  plugins?: PluginFact[]; builtins?: Partial<BuiltinFacts>;
} = {}): Facts {
  return {
    process: 'app',
    app: { name: 'fake', baseDir: '/srv/fake', runDir: '/srv/fake/run' },
    env: {
      serverEnv: 'prod',
      serverScope: '',
      sources: [],
      nodeOptions: '',
      execArgv: [],
      eggAppConfigSet: false,
      eggPluginsSet: false,
      ...overrides.env,
    },
    config: overrides.config ?? {},
    provenance: key => overrides.meta?.[key],
    keptDefaultIn: () => undefined,
    plugins: overrides.plugins ?? [],
    pluginTrust: {
      trustedRoots: { nodeModules: [ '/srv/fake/node_modules' ], local: [ '/srv/fake/lib/plugin', '/srv/fake/app/plugin' ] },
      plugins: [], frameworks: [], manifest: { state: 'absent' }, envPlugins: { set: false }, startPlugins: { set: false }, pluginSetKeys: [], configuredRegistries: [], shadowedCommands: [],
      ...overrides.pluginTrust,
    },
    middleware: [],
    availableMiddleware: [],
    routes: [],
    securityScopes: [],
    siteFileHandlers: [],
    replacedMiddleware: [],
    configReadByFilters: [],
    securityOverrides: [],
    builtOptions: {},
    files: {
      modes: [], dumps: [], staticDirs: [], sensitiveRoots: [], configPaths: [], allowedRoots: [ '/srv/fake' ],
      gitignore: { state: 'skipped', reason: 'fake facts' }, configTexts: {}, committedSecrets: {}, ignoredSecretFiles: [], keyFiles: [], writableCode: [], writableModules: [], foreignWrittenDirs: [],
      ...overrides.files,
    },
    runtime: {
      environmentValues: new Set(), secretEnvironmentValues: [], nodeFlags: [], appModuleRoots: [ '/srv/fake', '/srv/fake/node_modules' ], untrustedModuleRoots: [], tsconfigPaths: [], tsconfigFiles: [],
      pollutedPrototypes: [], envConfigKeyPaths: [], envConfigPoisoned: false, homeModuleFolders: [], untrustedScriptShells: [],
      ...overrides.runtime,
    },
    builtins: {
      packages: { installed: [], loadedBy: 'boot', walkMs: 0 },
      koaJwt2Verifiers: [],
      advisories: {
        builtin: { file: '/fake/advisories.json', date: '2026-11-28', count: 0 }, vulnerabilities: [],
        node: { checked: '2026-11-28', sources: [], lines: [] },
      },
      node: { version: '24.17.0', today: '2026-11-28' },
      ...overrides.builtins,
    },
    ipc: { mode: 'enforce', clusterClient: { state: 'protected', version: '3.7.0' }, clusterClientCopies: [], secretSource: 'generated', secretBits: 256, previousSecrets: [], ...overrides.ipc },
  };
}
