/**
 * Code egg loads that another user can change (SEN110): a walk of a plugin's directory or of one of the app's code
 * paths, judging each entry's own mode and owner (lstat: a symlink is neither followed nor judged).
 */
import fs from 'node:fs';
import path from 'node:path';
import { safeReaddir, statProblem } from './real-path';

/** Entries walked per plugin and per app code path: the walk runs at every boot. */
export const CODE_WALK_LIMIT = 5000;
/** Entries kept per walk for the finding; `count` says how many there were. */
const KEPT = 5;

export interface WritableCodeFact {
  /** The first few entries another user can change: display path, why, and whether another user owns it. */
  entries: Array<{ path: string; why: string; owner?: true }>;
  /** How many entries were found in all. */
  count: number;
  /** The walk stopped at CODE_WALK_LIMIT entries: there may be more. */
  capped?: true;
}

export interface CodeWalkOptions {
  /** Only `root` itself, not what is below it (the app root, its node_modules). */
  shallow?: boolean;
  /** Directories not looked into (plugins the app holds, judged as plugins). */
  skip?: ReadonlySet<string>;
  /** The app root's owner, trusted like this process's user (statProblem). */
  appOwnerUid?: number;
  display(file: string): string;
}

/** What below `root` (itself included) another user can change, or undefined when nothing is (or `root` is missing). */
export function findWritableCode(root: string, { shallow, skip, display, appOwnerUid }: CodeWalkOptions): WritableCodeFact | undefined {
  // Modes mean nothing on Windows.
  if (process.platform === 'win32') return undefined;
  const fact: WritableCodeFact = { entries: [], count: 0 };
  let budget = CODE_WALK_LIMIT;
  const pending = [ root ];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (--budget < 0) {
      fact.capped = true;
      break;
    }
    if (skip?.has(file)) continue;
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!stat || stat.isSymbolicLink()) continue;
    const problem = statProblem(stat, appOwnerUid);
    if (problem && fact.count++ < KEPT) fact.entries.push({ path: display(file), ...problem });
    if (!stat.isDirectory() || shallow) continue;
    // A package's own dependencies are packages of their own.
    for (const name of safeReaddir(file)) if (name !== 'node_modules') pending.push(path.join(file, name));
  }
  return fact.count ? fact : undefined;
}

