/**
 * SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`). Pure: locations are resolved by the
 * caller. What GitHub needs: every rule in `tool.driver.rules` with help and `security-severity`, results with a
 * relative `artifactLocation.uri` and `region.startLine`, and `partialFingerprints` that stay the same across runs.
 */
import crypto from 'node:crypto';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { RuleInfo } from '../rules';
import type { Finding } from './finding';
import type { SentinelReport } from './report';
import type { Severity } from './severity';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Where a result points. */
export interface SarifLocation {
  /** Relative to the repository root (where the workflow runs), `/`-separated; or an absolute `file:` URI. */
  uri: string;
  line: number;
  /** Present when the location is approximate: why, shown after the message. */
  note?: string;
}

export interface SarifInput {
  report: SentinelReport;
  /** Every rule egg-sentinel has, so code scanning can show help for any of them. */
  rules: readonly RuleInfo[];
  /** One per finding of the report, in the same order. */
  locations: readonly SarifLocation[];
  /** What kept the analysis from being complete (a boot hook that failed in the audit), as tool notifications. */
  warnings?: readonly string[];
}

/** GitHub's bands: critical > 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.0' };
const LEVEL: Record<Severity, Result.level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };
/** Names the fingerprint's inputs and their version, so a future change of inputs does not collide. */
const FINGERPRINT_KEY = 'eggSentinelFinding/v1';

export function formatSarif({ report, rules, locations, warnings = [] }: SarifInput): Log {
  const ruleIndex = new Map(rules.map((rule, index) => [ rule.id, index ]));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'egg-sentinel', version: report.tool.version, semanticVersion: report.tool.version, rules: rules.map(describeRule) } },
      // One analysis category per app and env, so auditing `prod` and `local` in one workflow keeps both.
      automationDetails: { id: `egg-sentinel/${report.app.name}/${report.app.env}/` },
      results: report.findings.map((finding, index) => toResult(finding, locations[index], ruleIndex.get(finding.ruleId))),
      ...(warnings.length ? {
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: warnings.map(text => ({ level: 'warning' as const, message: { text } })) }],
      } : {}),
    }],
  };
}

function describeRule(rule: RuleInfo): ReportingDescriptor {
  return {
    id: rule.id,
    name: rule.title.replace(/[^A-Za-z0-9]+(.)?/g, (_match, next: string | undefined) => (next ?? '').toUpperCase()).replace(/^./, first => first.toUpperCase()),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: { text: `${rule.description}\n\nFix: ${rule.fix}`, markdown: `${rule.description}\n\n**Fix:** ${rule.fix}` },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { tags: [ 'security', `egg-sentinel/${rule.area}` ], precision: 'high', 'security-severity': SECURITY_SEVERITY[rule.severity] },
  };
}

function toResult(finding: Finding, location: SarifLocation, ruleIndex: number | undefined): Result {
  return {
    ruleId: finding.ruleId,
    ...(ruleIndex === undefined ? {} : { ruleIndex }),
    level: LEVEL[finding.severity],
    message: { text: [ finding.message, `Fix: ${finding.fix}`, ...(location.note ? [ `Location: ${location.note}` ] : []) ].map(asSentence).join(' ') },
    locations: [{
      physicalLocation: {
        artifactLocation: location.uri.startsWith('file:') ? { uri: location.uri } : { uri: location.uri, uriBaseId: '%SRCROOT%' },
        region: { startLine: location.line },
      },
      logicalLocations: [{ fullyQualifiedName: finding.target }],
    }],
    // Rule and target identify a finding (waivers match on the same pair); line numbers and messages may change.
    partialFingerprints: { [FINGERPRINT_KEY]: crypto.createHash('sha256').update(`${finding.ruleId}\0${finding.target}`).digest('hex').slice(0, 32) },
    ...(finding.waivedBy ? {
      suppressions: [{ kind: 'external', status: 'accepted', justification: `${finding.waivedBy.reason} (waived until ${finding.waivedBy.expires})` }],
    } : {}),
    properties: { severity: finding.severity, target: finding.target, blocking: finding.blocking, ...(finding.source ? { source: finding.source } : {}),
      ...(finding.ruleSeverity ? { ruleSeverity: finding.ruleSeverity } : {}) },
  };
}

function asSentence(text: string): string {
  return text.replace(/\.?$/, '.');
}
