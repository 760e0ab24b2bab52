import path from 'node:path';
import type { SentinelIpcConfig } from '../config/types';
import type { Role } from './envelope';
import { type ClusterClientStats, clusterClientStats, protectClusterClient } from './cluster-client';
import { Keyring, SECRET_ENV_VAR } from './keyring';
import { type GuardLogger, IpcGuard, type IpcStats, type MessengerLike, unsignedStats } from './messenger';

export interface IpcTarget {
  baseDir: string;
  loader: { eggPaths?: string[] };
  config: Record<string, unknown>;
  messenger: unknown;
  coreLogger: GuardLogger;
}

export const IPC_DEFAULTS = { mode: 'enforce', encrypt: false, maxAgeMs: 30_000, logLinesPerMinute: 10 } as const;

/** The secret to use: configured, else the environment's EGG_SENTINEL_IPC_SECRET, else none (generated). */
export function configuredSecret(ipc: SentinelIpcConfig, env: NodeJS.ProcessEnv): string | undefined {
  return ipc.secret || env[SECRET_ENV_VAR] || undefined;
}

/**
 * Installs signing and verification on this process's messenger, unless `ipc.mode` is off, and authentication on the
 * cluster-client channel, unless `ipc.clusterClient` is off: the two are independent. Must run in the boot hook's
 * constructor, before egg's agent captures the messenger's send methods (configDidLoad).
 */
export function startIpcGuard(target: IpcTarget, role: Role, ipc: SentinelIpcConfig): { stats(): IpcStats & { clusterClient: ClusterClientStats } } {
  const mode = ipc.mode ?? IPC_DEFAULTS.mode;
  const protectChannel = ipc.clusterClient !== 'off';
  if (mode === 'off' && !protectChannel) return { stats: () => ({ ...unsignedStats(), clusterClient: clusterClientStats() }) };
  const runDir = typeof target.config.rundir === 'string' ? target.config.rundir : path.join(target.baseDir, 'run');
  const options = { runDir, secret: configuredSecret(ipc, process.env), previousSecrets: ipc.previousSecrets };
  const keyring = role === 'agent' ? Keyring.forAgent(options) : Keyring.forApp(options);
  if (keyring.replacedMasterPid !== undefined) {
    target.coreLogger.warn(`[egg-sentinel] ${keyring.keyFile} held the IPC key of another cluster that is still running (master pid ` +
      `${keyring.replacedMasterPid}) and shares this run dir (a release's run/ symlinked to a shared one): this agent replaced it with ` +
      'its own key, so the workers egg-cluster re-forks for that other cluster read this key and drop their own agent\'s messages ' +
      `(unknown-key). Set the secret for each cluster (${SECRET_ENV_VAR} from \`npx egg-sentinel keygen\`, or config.sentinel.ipc.secret), ` +
      'or give each cluster its own config.rundir');
  }
  const guard = mode === 'off' ? undefined : new IpcGuard(role, keyring, {
    mode,
    encrypt: ipc.encrypt ?? IPC_DEFAULTS.encrypt,
    maxAgeMs: ipc.maxAgeMs ?? IPC_DEFAULTS.maxAgeMs,
    logLinesPerMinute: ipc.logLinesPerMinute ?? IPC_DEFAULTS.logLinesPerMinute,
  }, target.coreLogger);
  guard?.install(target.messenger as MessengerLike);
  if (protectChannel) {
    protectClusterClient(target.loader.eggPaths ?? [], {
      keys: keyring,
      encrypt: ipc.encrypt === true,
      logger: target.coreLogger,
      logLinesPerMinute: ipc.logLinesPerMinute ?? IPC_DEFAULTS.logLinesPerMinute,
    });
  }
  return { stats: () => ({ ...(guard ? guard.stats() : unsignedStats()), clusterClient: clusterClientStats() }) };
}
