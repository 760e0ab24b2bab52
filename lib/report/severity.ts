/** Severities from most to least serious; the order is the public contract for thresholds. */
export const SEVERITIES = [ 'critical', 'high', 'medium', 'low' ] as const;
export type Severity = typeof SEVERITIES[number];
/** A threshold is a severity, or `never` (report only, never refuse boot). */
export type Threshold = Severity | 'never';

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1 };

/** True when `severity` is at or above `threshold`. */
export function meetsThreshold(severity: Severity, threshold: Threshold): boolean {
  return threshold !== 'never' && RANK[severity] >= RANK[threshold];
}

/** Sorts most serious first. */
export function compareSeverity(a: Severity, b: Severity): number {
  return RANK[b] - RANK[a];
}

/** Envs where a developer works; rules may rate problems lower there and the default threshold is `critical`. */
export const DEVELOPMENT_ENVS: readonly string[] = [ 'local', 'unittest' ];

/**
 * Whether the process is a developer's: a development env, unless NODE_ENV=production says it is a production
 * process started in one (SEN606), which gets production's checks, threshold and refusals.
 */
export function isDevelopmentEnv(serverEnv: string, nodeEnv: string | undefined): boolean {
  return DEVELOPMENT_ENVS.includes(serverEnv) && nodeEnv !== 'production';
}
