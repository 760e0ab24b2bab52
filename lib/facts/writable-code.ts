/**
 * Code egg loads that another user can change (SEN110): a walk of a plugin's directory or of one of the app's code
 * paths, judging each entry's own mode and owner (lstat), and for a symlink that leads out of the walk, its target
 * and the directories above it (egg loads through it); and the modules the app's files required from elsewhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isInside, realPathOrUndefined, safeReaddir, statProblem } from './real-path';
import { type PathProblem, folderProblem } from './runtime';

/** Entries walked per plugin and per app code path: the walk runs at every boot. */
export const CODE_WALK_LIMIT = 5000;
/** Directories of assets rather than code, walked after the rest (app/public); not dist/ or build/, where compiled plugins keep theirs. */
const ASSET_DIRS = new Set([ 'public', 'assets', 'static', 'images', 'img', 'fonts', 'media', 'uploads' ]);
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
  // Asset dirs and what links lead to (a front end's build) are walked last: a build of thousands of files must not
  // use up the budget before the code beside it is judged (black-box round 44, r44h2 F3).
  const later: string[] = [];
  const followed = new Set<string>();
  const reported = new Set<string>();
  const found = (entry: WritableCodeFact['entries'][number]) => {
    if (fact.count++ < KEPT) fact.entries.push(entry);
  };
  // A package's own dependencies are packages of their own.
  const walkInto = (dir: string, queue = pending) => {
    if (shallow) return;
    for (const name of safeReaddir(dir)) if (name !== 'node_modules') (ASSET_DIRS.has(name) ? later : queue).push(path.join(dir, name));
  };
  const next = () => pending.pop() ?? later.pop();
  for (let file = next(); file !== undefined; file = next()) {
    if (--budget < 0) {
      fact.capped = true;
      break;
    }
    if (skip?.has(file)) continue;
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isSymbolicLink()) {
      // egg loads through a link (`app.js -> /tmp/shared/app.js`): where it leads out of the walk is judged there
      // (black-box round 43, r43h1 F1); a link inside it leads to what the walk judges anyway.
      const target = realPathOrUndefined(file) ?? path.resolve(path.dirname(file), fs.readlinkSync(file));
      if (isInside(target, root) || followed.has(target)) continue;
      followed.add(target);
      const problem = folderProblem(file, appOwnerUid, { stopAt: path.dirname(file) });
      // Two links into one directory another user can write: that directory once.
      if (problem && !reported.has(problem.at)) found(linkedEntry(problem, display(file), display(target), display));
      if (problem) reported.add(problem.at);
      if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) walkInto(target, later);
      continue;
    }
    const problem = statProblem(stat, appOwnerUid);
    if (problem) found({ path: display(file), ...problem });
    if (stat.isDirectory()) walkInto(file);
  }
  return fact.count ? fact : undefined;
}

/** A symlink's target another user can change, named by what to chmod or chown: the target or a directory above it. */
function linkedEntry(problem: PathProblem, link: string, target: string, display: (file: string) => string): WritableCodeFact['entries'][number] {
  const through = problem.where === 'folder' ? `reached through the symlink ${link}` :
    problem.where === 'missing' ? `where ${target}, the missing target of the symlink ${link}, would be created` :
      `above ${target}, which the symlink ${link} leads to`;
  // statProblem's wording: another user owns it (the fix is chown, not chmod).
  const owner = problem.why.startsWith('owned by');
  return { path: display(problem.at), why: `${problem.why}, ${through}`, ...(owner && { owner: true as const }) };
}

/** A module the app's files required (findWritableModules) that another user can change, swap or create. */
export interface WritableModuleFact {
  /** Display path. */
  path: string;
  /** The module that required it (display path), as require's cache records it. */
  requiredBy?: string;
  /** Who can change it: the file itself, or a directory above it (`at` a display path). */
  problem: PathProblem;
}

export interface ModuleSearchOptions {
  /** The app root's real path: its modules outside node_modules are where the search starts. */
  baseDir: string;
  /** Paths judged elsewhere (SEN110's walks, config/ for SEN205): modules inside are followed, not judged again. */
  judged: readonly string[];
  /** egg's, the framework's and the enabled plugins' directories: their modules are neither judged nor followed. */
  trusted: readonly string[];
  /** The app root's owner, trusted like this process's user (statProblem). */
  appOwnerUid?: number;
  display(file: string): string;
}

/**
 * The modules in require's cache that the app's own files required, directly or through other such modules, outside
 * any node_modules (a package's own files are the plugin and package checks'), that another user can change, swap or
 * create: a config file's `require('../../shared/cfg.js')`, the app's `shared/db.js`. egg-cluster forks workers
 * again, and each requires them anew. Judged with folderProblem: the file, then each directory above it (inside the
 * app up to the app root, which SEN110 judges as `.`), each directory stat'ed once however many modules it holds.
 * Only what the cache holds when the check runs: an ES module egg 4 import()s (an app of `"type": "module"`) leaves no
 * trace there, nor does a module required later (in a request).
 */
export function findWritableModules({ baseDir, judged, trusted, appOwnerUid, display }: ModuleSearchOptions,
  cache: NodeJS.Dict<NodeModule> = require.cache): WritableModuleFact[] {
  if (process.platform === 'win32') return [];
  // A prefix test, not isInside: the cache's keys are resolved paths, and there are thousands of them.
  const prefix = `${path.resolve(baseDir)}${path.sep}`;
  const inPackage = (file: string) => (file.startsWith(prefix) ? file.slice(prefix.length) : file).split(path.sep).includes('node_modules');
  const requiredBy = new Map<string, string | undefined>();
  // Another app's files booted earlier in this process (a test runner's) are reached from nothing of this app.
  const pending = Object.keys(cache).filter(file => file.startsWith(prefix) && !inPackage(file));
  for (const file of pending) requiredBy.set(file, undefined);
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    for (const { filename } of cache[file]?.children ?? []) {
      if (requiredBy.has(filename)) {
        // A module of the app's own is where the search starts: the first of the app's files seen requiring it is named.
        if (requiredBy.get(filename) === undefined && filename !== file) requiredBy.set(filename, file);
        continue;
      }
      if (inPackage(filename) || trusted.some(dir => isInside(filename, dir))) continue;
      requiredBy.set(filename, file);
      pending.push(filename);
    }
  }
  const walk = { stopAt: baseDir, seen: new Map<string, string | undefined>() };
  const elsewhere = [ ...judged, ...trusted ];
  return [ ...requiredBy ].flatMap(([ file, parent ]) => {
    if (elsewhere.some(dir => isInside(file, dir))) return [];
    const problem = folderProblem(file, appOwnerUid, walk);
    return problem ? [{ path: display(file), ...(parent && { requiredBy: display(parent) }), problem: { ...problem, at: display(problem.at) } }] : [];
  });
}
