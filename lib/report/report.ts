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
  app: { name: string; baseDir: string; env: string; scope: string; eggVersion?: string };
  /** The effective global middleware chain (empty in the agent). */
  middleware: ChainEntryReport[];
  /** Every route with its effective chain (empty in the agent). */
  routes: RouteReport[];
}

export function buildReport(facts: Facts, verdict: Verdict, now: Date, redactor: Redactor): SentinelReport {
  return redactor.deep({
    tool: { name: 'egg-sentinel', version },
    generatedAt: now.toISOString(),
    process: facts.process,
    pid: process.pid,
    app: {
      name: facts.app.name,
      baseDir: facts.app.baseDir,
      env: facts.env.serverEnv,
      scope: facts.env.serverScope,
      eggVersion: facts.app.eggVersion,
    },
    ...verdict,
    middleware: chainReport(facts.middleware),
    routes: routeTable(facts),
  });
}
