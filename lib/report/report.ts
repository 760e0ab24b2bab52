import { version } from '../../package.json';
import type { Facts, ProcessType } from '../facts/types';
import type { Verdict } from './evaluate';
import type { Redactor } from './redact';
import { chainReport, type ChainEntryReport, type RouteReport, routeTable } from './route-table';

/** The JSON report (`run/sentinel-report.json`); its shape is public, change it only with a major version. */
export interface SentinelReport extends Verdict {
  tool: { name: 'egg-sentinel'; version: string };
  generatedAt: string;
  process: ProcessType;
  pid: number;
  /** Its parent's pid (egg-cluster's master for an agent or app worker): reports of one boot share it. */
  ppid: number;
  app: { name: string; baseDir: string; env: string; scope: string; eggVersion?: string };
  /** The effective global middleware chain (empty in the agent). */
  middleware: ChainEntryReport[];
  /** Every route with its effective chain (empty in the agent). */
  routes: RouteReport[];
  /** The advisory database SEN601/SEN607 checked against, and the packages it was checked on. */
  advisoryDatabase?: AdvisoryDatabaseReport;
  /**
   * At boot: where this process's checks spent their time, in ms: `configFiles` (reading the config files again when
   * egg constructs egg-sentinel's hook, before the rest, for what changed config before it), `pluginLists` (deriving
   * egg's plugin lists again from the files), `handover` (reading, or waiting for, the facts the
   * agent collected for this boot; absent when the worker collected them itself), `facts.<collector>`
   * (`facts.middleware` is the middleware chain and the route table), `rules.<area>`, `evaluate` (waivers, the
   * threshold, the order of findings), `report` (building and redacting it), `dumps`, `total`.
   */
  timings?: Record<string, number>;
}

export interface AdvisoryDatabaseReport {
  /** Date of the database shipped with egg-sentinel. */
  date: string;
  /** Advisories checked: the shipped ones merged with the override file's. */
  advisories: number;
  /** The app's override file (`egg-sentinel advisories update`), when it exists. */
  override?: { file: string; date: string; advisories: number };
  /** Day the Node.js release lines (SEN607) were last checked. */
  nodeReleasesChecked: string;
  /** Installed packages found by walking the dependencies, and how many of them were loaded. */
  packages: { found: number; loaded: number; walkMs: number };
}

function advisoryDatabaseReport(facts: Facts): AdvisoryDatabaseReport {
  const { advisories, packages } = facts.builtins;
  return {
    date: advisories.builtin.date,
    advisories: advisories.vulnerabilities.length,
    ...(advisories.override && { override: { file: advisories.override.file, date: advisories.override.date, advisories: advisories.override.count } }),
    nodeReleasesChecked: advisories.node.checked,
    packages: { found: packages.installed.length, loaded: packages.installed.filter(entry => entry.loaded).length, walkMs: packages.walkMs },
  };
}

/** Report fields whose values come from a fixed vocabulary or egg-sentinel itself, never from the app's config. */
const VOCABULARY_FIELDS: ReadonlySet<string> = new Set([ 'ruleId', 'severity', 'title', 'threshold', 'env', 'scope', 'process', 'group', 'state', 'rule', 'expires', 'generatedAt', 'version' ]);

export function buildReport(facts: Facts, verdict: Verdict, now: Date, redactor: Redactor): SentinelReport {
  const head = redactor.deep({
    tool: { name: 'egg-sentinel' as const, version },
    generatedAt: now.toISOString(),
    process: facts.process,
    pid: process.pid,
    ppid: process.ppid,
    app: {
      name: facts.app.name,
      baseDir: facts.app.baseDir,
      env: facts.env.serverEnv,
      scope: facts.env.serverScope,
      eggVersion: facts.app.eggVersion,
    },
    ...verdict,
    middleware: chainReport(facts.middleware),
  }, VOCABULARY_FIELDS);
  return {
    ...head,
    // The route table redacts its strings as it builds them: a deep copy of hundreds of routes costs more.
    routes: routeTable(facts, text => redactor.text(text)),
    advisoryDatabase: redactor.deep(advisoryDatabaseReport(facts)),
  };
}
