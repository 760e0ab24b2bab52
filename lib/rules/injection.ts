/** Threat 3: configuration injection leading to code execution. */
import { describeUnsafeEnv, isSafeEnvName, quoteForMessage, unsafeEnvValues } from '../env-name';
import type { Rule } from './types';

export const unsafeServerEnv: Rule = {
  id: 'SEN301',
  area: 'injection',
  title: 'Unsafe server env or scope name',
  severity: 'critical',
  description: 'Egg loads and runs `config/plugin.<env>.js` and `config/config.<env>.js` built from the server env and scope ' +
    '(options, the `config/env` file, EGG_SERVER_ENV, EGG_SERVER_SCOPE, NODE_ENV) without validating them, so a value such as ' +
    '`/../../../tmp/x` executes a file outside the app. By the time a plugin runs the file has already run: this rule detects, ' +
    'the `egg-sentinel/preflight` module prevents. Critical in every env.',
  fix: 'Use only letters, digits, `_` and `-` in the env and scope, and start the app with `node --require egg-sentinel/preflight` ' +
    '(egg-scripts: `--require=egg-sentinel/preflight`) so such a value is refused before egg loads anything.',
  check(facts) {
    const { env } = facts;
    const hits = unsafeEnvValues(env.sources).map(unsafe => ({
      severity: 'critical' as const,
      target: unsafe.kind === 'env' ? 'serverEnv' : 'serverScope',
      source: unsafe.sources.join(', '),
      message: describeUnsafeEnv(unsafe),
    }));
    // The effective values may come from a custom framework's loader rather than a listed source.
    const effective = [ [ 'env', env.serverEnv ], [ 'scope', env.serverScope ] ] as const;
    for (const [ kind, value ] of effective) {
      const target = kind === 'env' ? 'serverEnv' : 'serverScope';
      if (value && !isSafeEnvName(value) && !hits.some(hit => hit.target === target)) {
        hits.push({ severity: 'critical', target, source: 'egg loader', message: `effective server ${kind} ${quoteForMessage(value)} contains characters outside [A-Za-z0-9_-]` });
      }
    }
    return hits;
  },
};

export const injectionRules: Rule[] = [ unsafeServerEnv ];
