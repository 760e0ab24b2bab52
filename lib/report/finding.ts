import type { Severity } from './severity';

export interface Finding {
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  target: string;
  source?: string;
  fix: string;
  /** At or above the threshold and not waived. */
  blocking: boolean;
  /** Present when an active waiver covers the finding. */
  waivedBy?: { reason: string; expires: string };
  /** The severity the rule gave, when config.sentinel.rules re-rated it to `severity`. */
  ruleSeverity?: Severity;
}
