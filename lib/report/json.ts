import type { Finding } from './finding';
import type { SentinelReport } from './report';

/** A line in the app's files, relative to the app's baseDir. */
export interface FindingLocation {
  file: string;
  line: number;
  /** False when the key was not found verbatim in the file and the line is 1 or that of the nearest parent key. */
  exact: boolean;
  /** Each line that sets the key, when the file sets it more than once (in branches): which one took effect is not known. */
  lines?: number[];
}

export interface SkippedRule {
  ruleId: string;
  /** Why the rule needs a running app (the rule's `liveOnly`). */
  reason: string;
}

/**
 * `egg-sentinel audit --format json`: the report the plugin writes at boot, plus where each finding points and
 * which rules the audit could not run. Both shapes are described by `lib/report/report.schema.json`.
 */
export interface AuditReport extends Omit<SentinelReport, 'findings'> {
  findings: Array<Finding & { location?: FindingLocation }>;
  /** `warnings`: what kept the audit from seeing all the app would do at boot (a boot hook that failed on its stand-in app). */
  audit: { mode: 'offline'; skippedRules: SkippedRule[]; warnings: string[] };
}

export function buildAuditReport(report: SentinelReport, locations: ReadonlyArray<FindingLocation | undefined>, skippedRules: SkippedRule[], warnings: string[] = []): AuditReport {
  return {
    ...report,
    findings: report.findings.map((finding, index) => {
      const location = locations[index];
      return location ? { ...finding, location } : finding;
    }),
    audit: { mode: 'offline', skippedRules, warnings },
  };
}
