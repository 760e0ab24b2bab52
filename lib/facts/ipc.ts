import type { SentinelIpcConfig } from '../config/types';
import { findClusterClient } from '../ipc/cluster-client';
import { endOf, estimateSecretBits, SECRET_ENV_VAR } from '../ipc/keyring';
import type { IpcFacts } from './types';

/** How IPC is protected in this process, for SEN501/SEN502. Keeps no secret value. */
const DAY_MS = 24 * 60 * 60 * 1000;

export function collectIpcFacts(ipc: SentinelIpcConfig, env: NodeJS.ProcessEnv, provenance: (key: string) => string | undefined, eggPaths: readonly string[],
  now = Date.now()): IpcFacts {
  const mode = ipc.mode ?? 'enforce';
  const found = findClusterClient(eggPaths);
  const clusterClient = { state: ipc.clusterClient === 'off' ? 'off' as const : found.state, version: found.version };
  const environmentValues = new Set(Object.values(env));
  const previousSecrets = (ipc.previousSecrets ?? []).map(previous => ({
    bits: estimateSecretBits(previous.secret),
    inConfigFile: !environmentValues.has(previous.secret),
    until: previous.until,
    // As the keyring reads it: a date-time (a Date the config computed) ends at its instant.
    daysLeft: Math.ceil((endOf(previous.until) - now) / DAY_MS),
  }));
  if (ipc.secret) {
    const fromEnvironment = environmentValues.has(ipc.secret);
    return {
      mode,
      clusterClient,
      previousSecrets,
      secretSource: 'config',
      secretInConfigFile: !fromEnvironment,
      secretBits: estimateSecretBits(ipc.secret),
      secretProvenance: provenance('sentinel.ipc.secret'),
    };
  }
  const fromVariable = env[SECRET_ENV_VAR];
  if (fromVariable) return { mode, clusterClient, previousSecrets, secretSource: 'environment', secretInConfigFile: false, secretBits: estimateSecretBits(fromVariable) };
  return { mode, clusterClient, previousSecrets, secretSource: 'generated', secretInConfigFile: false, secretBits: 256 };
}
