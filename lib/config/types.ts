import type { Severity, Threshold } from '../report/severity';

export interface WaiverConfig {
  /** Rule id, e.g. `SEN201`. */
  rule: string;
  /** Only waive findings with this exact target (config key path, plugin name, route). Omit to waive every finding of the rule. */
  target?: string;
  /** Why the finding is accepted; shown in every report. */
  reason: string;
  /** Last day (UTC, `YYYY-MM-DD`) the waiver applies; after it the finding is back and the expiry is reported. */
  expires: string;
}

export interface SentinelReportConfig {
  /** Log the findings table at boot. Default `true`. */
  log?: boolean;
  /** Write the JSON report with mode 0600. Default `true`. */
  file?: boolean;
  /** Report file path; relative to `config.rundir`. Default `sentinel-report.json`. */
  path?: string;
}

/** `config.sentinel`: see config/config.default.ts for every default. */
export interface SentinelConfig {
  /** Lowest severity that refuses boot. `auto` = `high`, or `critical` in local/unittest. */
  failOn?: Threshold | 'auto';
  /** Turn a rule off or replace its severity. */
  rules?: Record<string, Severity | 'off'>;
  waivers?: WaiverConfig[];
  report?: SentinelReportConfig;
}
