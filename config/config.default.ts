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
