/** Threat 5: agent ↔ app IPC. */
import type { Rule } from './types';

export const ipcProtectionOff: Rule = {
  id: 'SEN501',
  area: 'ipc',
  title: 'IPC protection off or in report mode',
  severity: 'high',
  description: 'With `sentinel.ipc.mode` set to `off`, messages between the agent and the app workers are not signed; ' +
    'in `report` mode forged, altered and replayed messages are logged but still delivered (egg-schedule, for one, ' +
    'runs the task a message names). High outside local/unittest; low on a developer machine.',
  fix: 'Remove `sentinel.ipc.mode` (default `enforce`) once `report` mode has shown no legitimate message being flagged.',
  check(facts, { developmentEnv }) {
    const { mode } = facts.ipc;
    if (mode === 'enforce') return [];
    return [{
      severity: developmentEnv ? 'low' : 'high',
      target: 'sentinel.ipc.mode',
      source: facts.provenance('sentinel.ipc.mode'),
      message: mode === 'off' ? 'agent ↔ app messages are not signed or verified (ipc.mode is "off")' :
        'bad agent ↔ app messages are delivered, only logged (ipc.mode is "report")',
    }];
  },
};

const MIN_SECRET_BITS = 256;

export const weakIpcSecret: Rule = {
  id: 'SEN502',
  area: 'ipc',
  title: 'Weak IPC secret, or one written in a config file',
  severity: 'high',
  description: 'A configured IPC secret (`sentinel.ipc.secret` or EGG_SENTINEL_IPC_SECRET) must carry at least 32 bytes of ' +
    'entropy and come from the environment: one in a config file sits in the repository and in every copy of it. ' +
    'Without a configured secret egg-sentinel generates 32 random bytes per cluster, which this rule accepts. ' +
    'High outside local/unittest; low on a developer machine.',
  fix: 'Run `npx egg-sentinel keygen` and put the printed EGG_SENTINEL_IPC_SECRET=… into the environment of the app ' +
    '(or remove the configured secret and let egg-sentinel generate one per cluster).',
  check(facts, { developmentEnv }) {
    const { ipc } = facts;
    if (ipc.mode === 'off' || ipc.secretSource === 'generated') return [];
    const severity = developmentEnv ? 'low' : 'high';
    const target = ipc.secretSource === 'config' ? 'sentinel.ipc.secret' : 'EGG_SENTINEL_IPC_SECRET';
    const problems = [
      ...(ipc.secretBits < MIN_SECRET_BITS ? [ `carries about ${ipc.secretBits} bits of entropy (at least ${MIN_SECRET_BITS} needed)` ] : []),
      ...(ipc.secretInConfigFile ? [ 'is written in a config file, not taken from the environment' ] : []),
    ];
    return problems.length ? [{ severity, target, source: ipc.secretProvenance ?? 'environment', message: `the IPC secret ${problems.join(' and ')}` }] : [];
  },
};

export const clusterClientUnprotected: Rule = {
  id: 'SEN503',
  area: 'ipc',
  title: 'cluster-client channel not authenticated',
  severity: 'critical',
  description: "The agent's cluster-client leader listens on 127.0.0.1:<clusterPort> and, as egg ships it, runs any method of " +
    'the shared client for any local process that connects. egg-sentinel authenticates that channel by wrapping ' +
    'cluster-client internals it was built for (3.7.x). On another version it cannot: critical, boot refused, unless ' +
    '`sentinel.ipc.clusterClient: "off"` says so explicitly, which is then high outside local/unittest (low inside).',
  fix: 'Use cluster-client 3.7.x (the version egg 3 and 4 ship), or upgrade egg-sentinel; set `sentinel.ipc.clusterClient: "off"` ' +
    'only where no untrusted local process can reach 127.0.0.1.',
  check(facts, { developmentEnv }) {
    const { state, version } = facts.ipc.clusterClient;
    if (state === 'unsupported') {
      return [{ severity: 'critical', target: 'cluster-client', source: `cluster-client ${version}`,
        message: `cluster-client ${version} is not a version egg-sentinel can protect (supported: 3.7.x); its leader port accepts unauthenticated connections` }];
    }
    // With ipc.mode 'off', SEN501 already reports that nothing is protected.
    if (state === 'off' && facts.ipc.mode !== 'off') {
      return [{ severity: developmentEnv ? 'low' : 'high', target: 'sentinel.ipc.clusterClient', source: facts.provenance('sentinel.ipc.clusterClient'),
        message: "the cluster-client leader port accepts any local process (ipc.clusterClient is 'off')" }];
    }
    return [];
  },
};

export const ipcRules: Rule[] = [ ipcProtectionOff, weakIpcSecret, clusterClientUnprotected ];
