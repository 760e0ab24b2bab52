import type { SentinelIpcConfig } from '../config/types';
import { findClusterClient, type LoadedClusterClient, loadedClusterClients } from '../ipc/cluster-client';
import { endOf, SECRET_ENV_VAR } from '../ipc/keyring';
import { guessableBits } from '../key-strength';
import type { IpcFacts } from './types';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ClusterClientCopiesInput {
  /** The copies the agent loaded, as it handed them over (lib/facts/handover.ts); unknown when this worker collected alone. */
  agent?: readonly LoadedClusterClient[];
  display(file: string): string;
}

/** How IPC is protected in this process, for SEN501–SEN503. Keeps no secret value. */
export function collectIpcFacts(ipc: SentinelIpcConfig, env: NodeJS.ProcessEnv, provenance: (key: string) => string | undefined, eggPaths: readonly string[],
  copies: ClusterClientCopiesInput, { appName, now = Date.now() }: { appName?: string; now?: number } = {}): IpcFacts {
  const mode = ipc.mode ?? 'enforce';
  const found = findClusterClient(eggPaths);
  const clusterClient = { state: ipc.clusterClient === 'off' ? 'off' as const : found.state, version: found.version, path: found.dir && copies.display(found.dir) };
  const ofProcess = (process: 'agent' | 'app') => (copy: LoadedClusterClient) => ({ path: copies.display(copy.dir), version: copy.version, process, protected: copy.protected });
  const clusterClientCopies = [ ...(copies.agent ?? []).map(ofProcess('agent')), ...loadedClusterClients().map(ofProcess('app')) ]
    .filter(copy => copy.path !== clusterClient.path);
  // As SEN201 judges cookie keys (guessableBits): the app's name is among the words a guesser tries. No value is kept.
  const secretStrength = (secret: string) => {
    const { bits, weakness } = guessableBits(secret, appName);
    return { secretBits: bits, ...weakness && { secretWeakness: weakness } };
  };
  const previousSecrets = (ipc.previousSecrets ?? []).map(previous => ({
    ...guessableBits(previous.secret, appName),
    until: previous.until,
    // As the keyring reads it: a date-time (a Date the config computed) ends at its instant.
    daysLeft: Math.ceil((endOf(previous.until) - now) / DAY_MS),
  }));
  if (ipc.secret) {
    return { mode, clusterClient, clusterClientCopies, previousSecrets, secretSource: 'config', ...secretStrength(ipc.secret), secretProvenance: provenance('sentinel.ipc.secret') };
  }
  const fromVariable = env[SECRET_ENV_VAR];
  if (fromVariable) return { mode, clusterClient, clusterClientCopies, previousSecrets, secretSource: 'environment', ...secretStrength(fromVariable) };
  return { mode, clusterClient, clusterClientCopies, previousSecrets, secretSource: 'generated', secretBits: 256 };
}
