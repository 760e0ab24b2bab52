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

export interface SentinelIpcConfig {
  /** `enforce` (default): bad messages are dropped; `report`: delivered and logged; `off`: no signing. */
  mode?: 'enforce' | 'report' | 'off';
  /** Shared secret, from the environment. Default: EGG_SENTINEL_IPC_SECRET, else a random per-cluster secret in run/. */
  secret?: string;
  /** Secrets still accepted during a rotation, each until a date (YYYY-MM-DD, inclusive) or date-time. */
  previousSecrets?: Array<{ secret: string; until: string }>;
  /** Seal payloads with AES-256-GCM: every action (true) or the listed ones. */
  encrypt?: boolean | string[];
  /** Largest accepted message age and clock skew, in ms. Default 30000. */
  maxAgeMs?: number;
  /** Log lines about bad messages per minute; the rest is only counted. Default 10. */
  logLinesPerMinute?: number;
}

/** `config.sentinel`: see config/config.default.ts for every default. */
export interface SentinelConfig {
  /** Lowest severity that refuses boot. `auto` = `high`, or `critical` in local/unittest. */
  failOn?: Threshold | 'auto';
  /** Turn a rule off or replace its severity. */
  rules?: Record<string, Severity | 'off'>;
  waivers?: WaiverConfig[];
  report?: SentinelReportConfig;
  ipc?: SentinelIpcConfig;
}
