import type { FileFacts } from '../../lib/facts/files';
import type { RuntimeFacts } from '../../lib/facts/runtime';
import type { EnvFacts, Facts, IpcFacts } from '../../lib/facts/types';

/** Facts for pure rule tests; integration tests build real ones from booted apps. */
export function fakeFacts(overrides: {
  config?: Record<string, unknown>; env?: Partial<EnvFacts>; meta?: Record<string, string>;
  files?: Partial<FileFacts>; runtime?: Partial<RuntimeFacts>; ipc?: Partial<IpcFacts>;
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
    plugins: [],
    middleware: [],
    availableMiddleware: [],
    routes: [],
    files: {
      modes: [], dumps: [], staticDirs: [], sensitiveRoots: [], configPaths: [], allowedRoots: [ '/srv/fake' ],
      gitignore: { state: 'skipped', reason: 'fake facts' },
      ...overrides.files,
    },
    runtime: {
      environmentValues: new Set(), nodeFlags: [], appModuleRoots: [ '/srv/fake', '/srv/fake/node_modules' ],
      pollutedPrototypes: [], envConfigKeyPaths: [], envConfigPoisoned: false,
      ...overrides.runtime,
    },
    ipc: { mode: 'enforce', clusterClient: { state: 'protected', version: '3.7.0' }, secretSource: 'generated', secretInConfigFile: false, secretBits: 256, ...overrides.ipc },
  };
}
