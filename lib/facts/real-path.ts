import fs from 'node:fs';
import path from 'node:path';

/** The path with symlinks resolved, or undefined when it cannot be resolved (missing, no permission). */
export function realPathOrUndefined(file: string): string | undefined {
  try {
    return fs.realpathSync.native(file);
  } catch {
    return undefined;
  }
}

/**
 * Where `file` would be once created: the real path of its nearest existing ancestor, with the rest of the path
 * after it (`<app>/node_modules/.pnpm/x/node_modules`, which pnpm's bin shims name before they exist).
 */
export function projectedRealPath(file: string): string {
  const missing: string[] = [];
  for (let current = path.resolve(file); ; current = path.dirname(current)) {
    const real = realPathOrUndefined(current);
    if (real !== undefined) return path.join(real, ...missing);
    if (path.dirname(current) === current) return path.resolve(file);
    missing.unshift(path.basename(current));
  }
}

/** The path with symlinks resolved, or the absolute path when it cannot be resolved. */
export function realPathOrAbsolute(file: string): string {
  return realPathOrUndefined(file) ?? path.resolve(file);
}

/** A real path even when the tail does not exist yet (egg creates run/, logs/, the static dir on demand). */
export function realPathLoose(file: string): string {
  const absolute = path.resolve(file);
  const missing: string[] = [];
  for (let current = absolute; ; current = path.dirname(current)) {
    try {
      return path.join(fs.realpathSync.native(current), ...missing);
    } catch {
      if (path.dirname(current) === current) return absolute;
      missing.unshift(path.basename(current));
    }
  }
}

/** True when `file` is `dir` or below it. */
export function isInside(file: string, dir: string): boolean {
  // A prefix test on resolved paths: path.relative gives the same answer, at several times the cost, and the facts
  // ask this for every plugin, package and file they place.
  let inner = path.resolve(file);
  let outer = path.resolve(dir);
  if (process.platform === 'win32') {
    inner = inner.toLowerCase();
    outer = outer.toLowerCase();
  }
  return inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : `${outer}${path.sep}`);
}

/**
 * `realDir` as the app reaches it through its node_modules when that is a symlink to a directory outside the app
 * (Capistrano's `shared/node_modules`, which every release links to): `<realBaseDir>/node_modules/…`; else `realDir`.
 * The app's lockfile and sentinel.lock.json name the packages it installed by that path, wherever the deploy keeps them.
 */
export function throughAppModules(realBaseDir: string, realDir: string): string {
  if (isInside(realDir, realBaseDir)) return realDir;
  const modules = realPathOrUndefined(path.join(realBaseDir, 'node_modules'));
  return modules !== undefined && !isInside(modules, realBaseDir) && isInside(realDir, modules) ?
    path.join(realBaseDir, 'node_modules', path.relative(modules, realDir)) : realDir;
}

/** The git work tree `dir` is in: the nearest directory at or above it holding `.git` (a directory, or a worktree's file). */
export function gitWorkTreeRoot(dir: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (fs.existsSync(path.join(current, '.git'))) return current;
    if (path.dirname(current) === current) return undefined;
  }
}

/** The node_modules directories node searches from `dir` upwards (what `require` from the app can reach). */
export function nodeModulesDirs(dir: string): string[] {
  const dirs: string[] = [];
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (path.basename(current) !== 'node_modules') dirs.push(path.join(current, 'node_modules'));
    if (path.dirname(current) === current) return dirs;
  }
}

/**
 * Whether `dir` (symlinks resolved) is a package the app installed: inside a node_modules directory node searches
 * from the app (its own, or an ancestor's, as in a monorepo or a test runner's checkout), and named (its package.json
 * `name`) among the app's declared dependencies. A directory planted in a node_modules, one higher up the tree, or one
 * in the app's own run/, logs/ or upload directories is none.
 */
export function isDeclaredPackage(dir: string, baseDir: string): boolean {
  const real = realPathOrAbsolute(dir);
  const base = realPathOrAbsolute(baseDir);
  const name = readPackageJsonAt(real)?.name;
  // Real paths on both sides: a deploy's node_modules may be a symlink to a shared directory.
  if (!nodeModulesDirs(base).some(modules => isInside(real, realPathOrAbsolute(modules))) || typeof name !== 'string') return false;
  return declaresDependency(readPackageJsonAt(base), name);
}

/** Whether the package.json `pkg` declares `name` among its dependencies (of any kind). */
export function declaresDependency(pkg: Record<string, unknown> | undefined, name: string): boolean {
  return DEPENDENCY_FIELDS.some(field => {
    const deps = pkg?.[field];
    return Boolean(deps) && typeof deps === 'object' && Object.prototype.hasOwnProperty.call(deps, name);
  });
}

const DEPENDENCY_FIELDS = [ 'dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies' ];

/** `dir`'s package.json as parsed, or undefined when there is none or it is not JSON. */
export function readPackageJsonAt(dir: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    return value && typeof value === 'object' ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a directory above the app that another user could have filled is not trusted (statProblem), or undefined
 * when it is none of those, or missing.
 */
export function ownershipProblem(dir: string, appOwnerUid?: number): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return undefined;
  }
  return statProblem(stat, appOwnerUid)?.why;
}

/**
 * Why another user could change a file or directory: owned by a user other than this process's and root, or
 * writable by every user (a sticky bit only keeps others from removing what is there), or by a group other than
 * this process's. `owner`: the first (chown fixes it; chmod the others).
 */
export function statProblem(stat: fs.Stats, appOwnerUid?: number): { why: string; owner?: true } | undefined {
  const gid = process.getgid?.();
  if (foreignOwner(stat, appOwnerUid) !== undefined) {
    const uid = process.getuid?.();
    const appOwner = appOwnerUid !== undefined && appOwnerUid !== uid && appOwnerUid !== 0 ? `, root or the app's owner (${appOwnerUid})` : ' or root';
    return { why: `owned by user ${stat.uid}, not by this process's user (${uid})${appOwner}`, owner: true };
  }
  const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
  if (stat.mode & 0o002) return { why: `writable by every user (mode ${mode})` };
  if (stat.mode & 0o020 && gid !== undefined && !isProcessGroup(stat.gid) && !isTrustedGroup(stat.gid, appOwnerUid)) {
    return { why: `writable by group ${stat.gid} (mode ${mode}), not one of this process's groups (${gid})` };
  }
  return undefined;
}

/**
 * Why another user could change `file` (statProblem), or a directory above it up to `top` (the first found, in
 * words: `it is …`, `its directory /x is …`), or undefined when none can; what does not exist is judged by its parent.
 */
export function changeableByOthers(file: string, top: string, appOwnerUid?: number): string | undefined {
  // Modes mean nothing on Windows, where node reports a writable file as 0666.
  if (process.platform === 'win32') return undefined;
  for (let dir = file; ; dir = path.dirname(dir)) {
    let why: string | undefined;
    try {
      why = statProblem(fs.statSync(dir), appOwnerUid)?.why;
    } catch (error) {
      // What does not exist yet can be made by whoever can write the directory above it: that one is judged next.
      why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unreadable';
    }
    if (why) return `${dir === file ? 'it' : `its directory ${dir}`} is ${why}`;
    if (dir === top || path.dirname(dir) === dir) return undefined;
  }
}

/** Whether `gid` is this process's group or one of its supplementary groups (a deploy group it belongs to). */
export function isProcessGroup(gid: number): boolean {
  // Asked for every entry of a code walk: the groups are read once (a process does not change them while it boots).
  processGroups ??= new Set([ process.getgid?.(), ...process.getgroups?.() ?? [] ]);
  return processGroups.has(gid);
}

let processGroups: ReadonlySet<number | undefined> | undefined;

/**
 * Whether every user of group `gid` is one trusted already: this process's user, root or the app root's owner. A
 * deploy user's private group (Debian's and Ubuntu's user-private groups, written with umask 002) gives its group write
 * bit to no one new (black-box round 40, h5 F6). Its users are those /etc/group lists for it and those /etc/passwd
 * gives it as their primary group; a group /etc/group does not hold (from LDAP, say) is not known, so not trusted.
 */
export function isTrustedGroup(gid: number, appOwnerUid?: number): boolean {
  if (process.platform === 'win32') return false;
  const key = `${gid}:${appOwnerUid}`;
  let trusted = trustedGroups.get(key);
  if (trusted === undefined) trustedGroups.set(key, trusted = groupUsers(gid)?.every(uid => uid === 0 || uid === process.getuid?.() || uid === appOwnerUid) ?? false);
  return trusted;
}

const trustedGroups = new Map<string, boolean>();

/** The uids of group `gid`'s users (its /etc/group members and the users whose primary group it is); undefined when unknown. */
function groupUsers(gid: number): number[] | undefined {
  let groups: string;
  let passwd: string;
  try {
    groups = fs.readFileSync('/etc/group', 'utf8');
    passwd = fs.readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  const entry = groups.split('\n').map(line => line.split(':')).find(fields => fields.length >= 4 && Number(fields[2]) === gid);
  if (!entry) return undefined;
  const users = passwd.split('\n').map(line => line.split(':')).filter(fields => fields.length >= 4 && /^\d+$/.test(fields[2]));
  const uidOf = new Map(users.map(fields => [ fields[0], Number(fields[2]) ]));
  const members = entry[3].split(',').map(name => name.trim()).filter(Boolean);
  if (members.some(name => !uidOf.has(name))) return undefined;
  return [ ...members.map(name => uidOf.get(name) as number), ...users.filter(fields => Number(fields[3]) === gid).map(fields => Number(fields[2])) ];
}

/**
 * The owner of a file, when it is neither this process's user nor root (who may change what this user runs), nor
 * `appOwnerUid`, the owner of the app root: whoever deployed the app (a deploy user the app does not run as) controls
 * its code anyway.
 */
export function foreignOwner(stat: fs.Stats, appOwnerUid?: number): number | undefined {
  const uid = process.getuid?.();
  return uid !== undefined && stat.uid !== uid && stat.uid !== 0 && stat.uid !== appOwnerUid ? stat.uid : undefined;
}

/** The owner of the app root (its real path), when it can be read. */
export function appOwner(baseDir: string): number | undefined {
  try {
    return fs.statSync(baseDir).uid;
  } catch {
    return undefined;
  }
}

/** The node_modules directories among `roots` that lie outside the app and fail ownershipProblem, with why. */
export function untrustedModuleRoots(roots: readonly string[], baseDir: string): Array<{ dir: string; why: string }> {
  const base = realPathOrAbsolute(baseDir);
  const owner = appOwner(base);
  return roots.flatMap(dir => {
    const why = isInside(dir, base) ? undefined : ownershipProblem(dir, owner);
    return why ? [{ dir, why }] : [];
  });
}

/**
 * The app's directories it writes at run time or serves, as far as they are known before egg loads its config: run/
 * and logs/ (egg's defaults in the app), and app/public (egg-static's default dir, where uploads often land). Other
 * static or upload dirs the config files name are the boot check's (SEN101, SEN306): config files are code.
 */
export const WRITTEN_DIRS: readonly string[] = [ 'run', 'logs', 'app/public' ];

/** Whether the real path `file` is in one of the app's WRITTEN_DIRS. */
export function inWrittenDir(file: string, baseDir: string): boolean {
  return WRITTEN_DIRS.some(dir => isInside(file, path.join(realPathOrAbsolute(baseDir), dir)));
}

/** The names in `dir`; none when it cannot be read (missing, not a directory, no permission). */
export function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

const realBaseDirs = new Map<string, string>();

/**
 * The app root as given and, when that is a symlink or lies under one (a deploy's `current -> releases/<time>`), its
 * real path, which egg records the files it loads by.
 */
export function baseDirForms(baseDir: string): string[] {
  let real = realBaseDirs.get(baseDir);
  if (real === undefined) realBaseDirs.set(baseDir, real = realPathOrAbsolute(baseDir));
  return real === baseDir ? [ baseDir ] : [ baseDir, real ];
}

/** A file of the app itself: inside its root (as given, or its real path) and not under a node_modules. */
export function isAppFile(baseDir: string, file: string): boolean {
  return baseDirForms(baseDir).some(base => !path.relative(base, file).split(path.sep).some(part => part === '..' || part === 'node_modules'));
}
