import { describeUnsafeEnv, unsafeEnvValues } from './env-name';
import { collectEnvSources } from './facts/collect';

interface LaunchOptions {
  baseDir?: string;
  env?: string;
  serverScope?: string;
}

/**
 * egg-cluster's master and workers receive their options as a JSON argument (egg-scripts passes it the same way);
 * any other entry point is taken to run from its working directory.
 */
export function launchOptions(argv: string[], cwd: string): Required<Pick<LaunchOptions, 'baseDir'>> & LaunchOptions {
  for (const arg of argv.slice(2)) {
    if (!arg.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(arg) as LaunchOptions;
      return {
        baseDir: typeof parsed.baseDir === 'string' ? parsed.baseDir : cwd,
        env: typeof parsed.env === 'string' ? parsed.env : undefined,
        serverScope: typeof parsed.serverScope === 'string' ? parsed.serverScope : undefined,
      };
    } catch {
      // not egg's options argument
    }
  }
  return { baseDir: cwd };
}

/** The refusal message for an unsafe env or scope, or undefined when the process may start. */
export function preflightProblem(argv: string[], cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const options = launchOptions(argv, cwd);
  const unsafe = unsafeEnvValues(collectEnvSources(options.baseDir, options, env));
  if (!unsafe.length) return undefined;
  return [
    '[egg-sentinel preflight] refused to start (SEN301 unsafe server env or scope):',
    ...unsafe.map(value => `  - ${describeUnsafeEnv(value)}`),
    'Egg would load and run config/plugin.<env>.js and config/config.<env>.js built from this value, which can point outside the app.',
    'Fix: set the env/scope to letters, digits, "_" and "-" only (for example EGG_SERVER_ENV=prod).',
  ].join('\n');
}
