import type { SentinelConfig } from '../lib/config/types';

export default {
  /** egg-sentinel. Every option is validated at boot; an unknown key or bad value refuses boot. */
  sentinel: {
    /**
     * Lowest severity that refuses boot: 'critical' | 'high' | 'medium' | 'low' | 'never' | 'auto'.
     * 'auto' (default): 'high' outside local/unittest, 'critical' in them (the rest is logged as warnings).
     */
    failOn: 'auto',
    /** Per-rule override, e.g. { SEN201: 'off' } or { SEN201: 'high' }. Unknown rule ids refuse boot. */
    rules: {},
    /**
     * Accepted findings: [{ rule: 'SEN201', target?: 'config.keys', reason: '…', expires: 'YYYY-MM-DD' }].
     * A waiver applies until the end of its `expires` day (UTC); expired waivers stop waiving and are reported (SEN001).
     */
    waivers: [],
    /** Agent ↔ app messenger signing (see the README, "IPC"). */
    ipc: {
      /** 'enforce': a bad message is dropped before any listener sees it; 'report': delivered and logged; 'off'. */
      mode: 'enforce',
      /**
       * Shared secret; set it from the environment, e.g. `secret: process.env.MY_IPC_SECRET`.
       * Unset: EGG_SENTINEL_IPC_SECRET if set, else the agent generates one per cluster in <rundir>/sentinel-ipc.key (0600).
       */
      secret: undefined,
      /** During a rotation: [{ secret, until: 'YYYY-MM-DD' }] still verify (never sign) until that day ends (UTC). */
      previousSecrets: [],
      /** Seal payloads with AES-256-GCM too: true for every action, or a list of action names. */
      encrypt: false,
      /** Largest accepted message age and clock skew, in ms. */
      maxAgeMs: 30000,
      /** Log lines about bad messages per minute; the rest is counted in stats(). */
      logLinesPerMinute: 10,
    },
    report: {
      /** Log the findings table at boot. */
      log: true,
      /** Write the JSON report (mode 0600, secrets redacted). */
      file: true,
      /** Report file, relative to config.rundir (default `<baseDir>/run`). */
      path: 'sentinel-report.json',
    },
  } satisfies SentinelConfig,
};
