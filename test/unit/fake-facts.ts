import type { EnvFacts, Facts } from '../../lib/facts/types';

/** Facts for pure rule tests; integration tests build real ones from booted apps. */
export function fakeFacts(overrides: { config?: Record<string, unknown>; env?: Partial<EnvFacts>; meta?: Record<string, string> } = {}): Facts {
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
    routes: [],
  };
}
