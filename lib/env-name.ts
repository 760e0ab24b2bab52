import type { EnvSource } from './facts/types';

/**
 * Egg builds file names from the server env and scope (`config/config.<env>.js`, `plugin.<scope>_<env>.js`)
 * and runs them, so anything but these characters can point outside the app.
 */
export const SAFE_ENV_NAME = /^[A-Za-z0-9_-]+$/;

export function isSafeEnvName(value: string): boolean {
  return SAFE_ENV_NAME.test(value);
}

/** A printable rendering of an untrusted value for messages; long values keep their start and their end. */
export function quoteForMessage(value: string, max = 120): string {
  const half = Math.floor(max / 2);
  const shown = value.length > max ? `${value.slice(0, half)}…${value.slice(-half)}` : value;
  return JSON.stringify(shown);
}

export interface UnsafeEnvValue {
  kind: EnvSource['kind'];
  value: string;
  /** Every source that holds this value; egg-cluster copies EGG_SERVER_ENV into options.env, for one. */
  sources: string[];
}

/** The unsafe env/scope values among `sources`, one entry per distinct value. */
export function unsafeEnvValues(sources: readonly EnvSource[]): UnsafeEnvValue[] {
  const unsafe = new Map<string, UnsafeEnvValue>();
  for (const { kind, value, source } of sources) {
    if (isSafeEnvName(value)) continue;
    const key = `${kind}\0${value}`;
    const entry = unsafe.get(key) ?? { kind, value, sources: [] };
    entry.sources.push(source);
    unsafe.set(key, entry);
  }
  return [ ...unsafe.values() ];
}

export function describeUnsafeEnv({ kind, value, sources }: UnsafeEnvValue): string {
  return `server ${kind} ${quoteForMessage(value)} from ${sources.join(' and ')} contains characters outside [A-Za-z0-9_-]`;
}
