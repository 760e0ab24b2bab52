/**
 * Facts for threat 6 (egg's built-ins): the installed packages, the advisory database they are checked against,
 * the running Node.js and NODE_ENV. egg-security's and egg-onerror's settings are read from the merged config.
 */
import path from 'node:path';
import { type AdvisoryDatabase, DEFAULT_OVERRIDE_FILE, loadAdvisoryDatabase } from '../advisories/database';
import { collectPackageFacts, type PackageFacts, type PackageWalkInput, type WalkedPackages } from './packages';

export interface NodeRuntimeFacts {
  /** The running Node.js, without the leading `v`. */
  version: string;
  /** Today (UTC, YYYY-MM-DD) when the facts were collected, for end-of-life dates. */
  today: string;
}

export interface BuiltinFacts {
  packages: PackageFacts;
  /** The shipped database merged with the app's override file (lib/advisories/database.ts). */
  advisories: AdvisoryDatabase;
  node: NodeRuntimeFacts;
  /** NODE_ENV of the process; undefined when unset. */
  nodeEnv?: string;
}

export interface BuiltinFactsInput extends PackageWalkInput {
  /** `config.sentinel.advisories.file`: the override file, relative to baseDir. */
  overrideFile?: string;
  /** The package walk the agent prepared for this boot (lib/facts/handover.ts). */
  walked?: WalkedPackages;
  /** This boot's agent validated the shipped advisory database (lib/facts/handover.ts). */
  shippedAdvisoriesChecked?: boolean;
}

/** Throws AdvisoryDatabaseError when the shipped database or the override file is invalid: boot is refused. */
export function collectBuiltinFacts(input: BuiltinFactsInput, env: NodeJS.ProcessEnv = process.env, now = new Date()): BuiltinFacts {
  return {
    advisories: loadAdvisoryDatabase(path.resolve(input.baseDir, input.overrideFile ?? DEFAULT_OVERRIDE_FILE), { shippedChecked: input.shippedAdvisoriesChecked }),
    packages: collectPackageFacts(input, undefined, input.walked),
    node: { version: process.version.replace(/^v/, ''), today: now.toISOString().slice(0, 10) },
    nodeEnv: env.NODE_ENV,
  };
}
