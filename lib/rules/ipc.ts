/** Threat 5: agent ↔ app IPC. */
import type { SentinelIpcConfig } from '../config/types';
import { secretWrittenIn } from './exposure';
import type { Rule, RuleHit } from './types';

export const ipcProtectionOff: Rule = {
  id: 'SEN501',
  area: 'ipc',
  title: 'IPC protection off or in report mode',
  severity: 'high',
  description: 'With `sentinel.ipc.mode` set to `off`, messages between the agent and the app workers are not signed; ' +
    'in `report` mode forged, altered and replayed messages are logged but still delivered (egg-schedule, for one, ' +
    'runs the task a message names). High outside local/unittest; low on a developer machine.',
  fix: 'Remove `sentinel.ipc.mode` (default `enforce`) once `report` mode has shown no legitimate message being flagged. During such a ' +
    'rollout in staging or production, where report mode refuses boot, waive this finding for the time it takes: ' +
    '`waivers: [{ rule: \'SEN501\', target: \'sentinel.ipc.mode\', reason: \'IPC rollout\', expires: \'<date>\' }]`.',
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
/** How long a previous IPC secret may still verify messages: past it, the old secret is a second current one. */
const MAX_PREVIOUS_SECRET_DAYS = 90;

const SECRET_FIX = 'Run `npx egg-sentinel keygen` and put the printed EGG_SENTINEL_IPC_SECRET=… into the environment of the app, or the secret into a file ' +
  'outside the app that config reads (`secret: fs.readFileSync(\'/run/secrets/ipc_secret\', \'utf8\').trim()`), ' +
  'or remove the configured secret and let egg-sentinel generate one per cluster.';

export const weakIpcSecret: Rule = {
  id: 'SEN502',
  area: 'ipc',
  title: 'Weak IPC secret, or one written in the app\'s files',
  severity: 'high',
  description: 'A configured IPC secret (`sentinel.ipc.secret` or EGG_SENTINEL_IPC_SECRET), and each of ' +
    '`sentinel.ipc.previousSecrets` (they verify messages until their date, which must be at most 90 days away), must carry at least 32 bytes of ' +
    'entropy and come from the environment or from a file outside the app (a mounted secret file such as /run/secrets/ipc_secret, which a config file reads): ' +
    'one written in the app\'s files sits in the repository and in every copy of it. Where it comes from is judged as SEN202 judges other secrets: ' +
    'a value equal to an environment variable\'s, or that no file under `config/`, at the top of the app root or among the modules config files ' +
    'required holds, is not written there. The entropy is estimated as for ' +
    'SEN201\'s cookie keys: a secret mostly made of the app\'s name and words keys are made of (secret, key, prod…) or of well-known ' +
    'text (the digits of π in hex), also read backwards, in ROT13 or with leetspeak undone, counts only what remains beside them, and one ' +
    'that is the hex, base64 or base32 of text counts that text\'s; a passphrase of words from the EFF diceware list counts 12.9 bits a word. ' +
    'Without a configured secret egg-sentinel generates 32 random bytes per cluster, which this rule accepts. ' +
    'A previous secret past its date verifies nothing (the keyring refuses it): low, whatever it is, so that the entry is removed. ' +
    'Not checked when both the messenger signing and the cluster-client authentication are off. ' +
    'High outside local/unittest; low on a developer machine.',
  fix: SECRET_FIX,
  check(facts, { developmentEnv }) {
    const { ipc } = facts;
    if (ipc.mode === 'off' && ipc.clusterClient.state === 'off') return [];
    const severity = developmentEnv ? 'low' : 'high';
    const problemsOf = (bits: number, weakness: string | undefined, writtenIn: string | undefined) => [
      ...(bits < MIN_SECRET_BITS ? [ `carries about ${bits} bits of entropy (at least ${MIN_SECRET_BITS} needed)${weakness ? `: ${weakness}` : ''}` ] : []),
      ...(writtenIn ? [ `is written in ${writtenIn}, not taken from the environment or a secret file outside the app` ] : []),
    ];
    // The values are read from the config, as SEN202 reads other secrets; the facts keep none.
    const configured = (facts.config.sentinel as { ipc?: SentinelIpcConfig } | undefined)?.ipc;
    const writtenIn = (keyPath: string, secret: string | undefined) => secret === undefined ? undefined : secretWrittenIn(facts, keyPath, secret);
    const hits: RuleHit[] = [];
    const currentIn = ipc.secretSource === 'config' ? writtenIn('sentinel.ipc.secret', configured?.secret) : undefined;
    const current = ipc.secretSource === 'generated' ? [] : problemsOf(ipc.secretBits, ipc.secretWeakness, currentIn);
    if (current.length) {
      hits.push({ severity, target: ipc.secretSource === 'config' ? 'sentinel.ipc.secret' : 'EGG_SENTINEL_IPC_SECRET',
        source: currentIn ?? ipc.secretProvenance ?? 'environment', message: `the IPC secret ${current.join(' and ')}` });
    }
    ipc.previousSecrets.forEach((previous, index) => {
      const keyPath = `sentinel.ipc.previousSecrets[${index}]`;
      // Past its date the keyring refuses it: it verifies nothing, and only keeps an old secret in the config.
      if (previous.daysLeft <= 0) {
        hits.push({ severity: 'low', target: keyPath, source: facts.provenance('sentinel.ipc.previousSecrets'),
          message: `the previous IPC secret #${index + 1} expired on ${previous.until} and verifies no message now`,
          fix: `Remove ${keyPath}: the rotation it served is done.` });
        return;
      }
      const problems = problemsOf(previous.bits, previous.weakness, writtenIn(`${keyPath}.secret`, configured?.previousSecrets?.[index]?.secret));
      // A rotation keeps the old secret for the days its messages take to drain, not for years.
      const late = previous.daysLeft > MAX_PREVIOUS_SECRET_DAYS;
      if (late) problems.push(`stays valid for ${previous.daysLeft} more days (until ${previous.until}; at most ${MAX_PREVIOUS_SECRET_DAYS} make a rotation)`);
      if (problems.length) {
        // Only the date is wrong: what to change is the date, not the secret.
        const dateFix = `Set \`until\` of ${keyPath} to a date at most ${MAX_PREVIOUS_SECRET_DAYS} days away (the old secret need only outlast the ` +
          'messages signed with it: a week is plenty), or remove the entry once the rotation is done.';
        hits.push({ severity, target: keyPath, source: facts.provenance('sentinel.ipc.previousSecrets'),
          message: `the previous IPC secret #${index + 1}, which still verifies messages until its date, ${problems.join(' and ')}`,
          ...late && { fix: problems.length > 1 ? `${dateFix} ${SECRET_FIX}` : dateFix } });
      }
    });
    return hits;
  },
};

export const clusterClientUnprotected: Rule = {
  id: 'SEN503',
  area: 'ipc',
  title: 'cluster-client channel not authenticated',
  severity: 'critical',
  description: "The agent's cluster-client leader listens on 127.0.0.1:<clusterPort> and, as egg ships it, runs any method of " +
    'the shared client for any local process that connects. egg-sentinel authenticates that channel by wrapping ' +
    'cluster-client internals it was built for (3.7.x), in egg\'s copy and in every other copy the agent and the app workers load ' +
    '(a plugin\'s nested node_modules/cluster-client running its own leader on its own port). On another version of egg\'s copy it cannot: ' +
    'critical, boot refused, unless `sentinel.ipc.clusterClient: "off"` says so explicitly, which is then high outside local/unittest ' +
    '(low inside). Another loaded copy that is not protected (a version other than 3.7.x) is high outside local/unittest (low inside); ' +
    'the agent\'s copies are known when it handed its facts to the workers.',
  fix: 'Use cluster-client 3.7.x (the version egg 3 and 4 ship), or upgrade egg-sentinel; for a plugin\'s own copy, dedupe it (align the ' +
    'plugin\'s cluster-client range with egg\'s, `npm dedupe`) or share its client through `app.cluster()` / `agent.cluster()`; ' +
    'set `sentinel.ipc.clusterClient: "off"` only where no untrusted local process can reach 127.0.0.1.',
  check(facts, { developmentEnv }) {
    const { state, version } = facts.ipc.clusterClient;
    if (state === 'unsupported') {
      return [{ severity: 'critical', target: 'cluster-client', source: `cluster-client ${version}`,
        message: `cluster-client ${version} is not a version egg-sentinel can protect (supported: 3.7.x); its leader port accepts unauthenticated connections` }];
    }
    // Independent of ipc.mode, which is about the messenger (SEN501).
    if (state === 'off') {
      return [{ severity: developmentEnv ? 'low' : 'high', target: 'sentinel.ipc.clusterClient', source: facts.provenance('sentinel.ipc.clusterClient'),
        message: "the cluster-client leader port accepts any local process (ipc.clusterClient is 'off')" }];
    }
    return facts.ipc.clusterClientCopies.filter(copy => !copy.protected).map(copy => ({
      severity: developmentEnv ? 'low' : 'high',
      target: copy.path,
      source: `cluster-client ${copy.version}`,
      message: `cluster-client ${copy.version} at ${copy.path}, loaded by the ${copy.process === 'agent' ? 'agent' : 'app worker'} besides egg's own copy, is not ` +
        'protected (egg-sentinel protects 3.7.x): a leader it runs accepts any local process without authentication. Dedupe it so that its plugin ' +
        'uses egg\'s cluster-client, or share the client through app.cluster() / agent.cluster()',
    }));
  },
};

export const ipcRules: Rule[] = [ ipcProtectionOff, weakIpcSecret, clusterClientUnprotected ];
