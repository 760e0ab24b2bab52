/**
 * Lockfiles, for SEN103: which lockfile governs an installed package, and its entry there.
 * npm's package-lock.json / npm-shrinkwrap.json (lockfile versions 1 to 3) are matched by install path, the way npm
 * records them; pnpm-lock.yaml and yarn.lock (classic and berry) by package name and version, read line by line
 * (only the fields SEN103 needs, no YAML library).
 */
import fs from 'node:fs';
import path from 'node:path';
import { declaresDependency, isInside, readPackageJsonAt, realPathLoose } from '../facts/real-path';
import { inLinkedStore } from './linked-store';

/** In the order npm reads them: a shrinkwrap wins over a package-lock in the same directory. */
const LOCKFILE_NAMES = [ 'npm-shrinkwrap.json', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock' ] as const;
export type LockfileKind = typeof LOCKFILE_NAMES[number];

export interface LockEntry {
  version?: string;
  integrity?: string;
  resolved?: string;
  /** A workspace or `file:` link: the package is the project's own source, not something downloaded. */
  link?: boolean;
  /**
   * The lockfile's field that says the install ran a script of the package, as its package.json said when it was
   * installed: npm's `hasInstallScript`; pnpm's `requiresBuild`, which pnpm also sets for a package it built another way.
   */
  installScript?: 'hasInstallScript' | 'requiresBuild';
  /** The entry says a link to this path, yet a directory of its own stands where it is installed. */
  linkedTo?: string;
  /**
   * npm's linked store, whose directory is matched by the package's name and version: the lockfile entries (keys) of
   * that name and version when there are several, with where each was fetched from (every one is judged: npm may
   * fetch any of them).
   */
  listed?: Array<{ key: string; resolved?: string }>;
  /**
   * Those entries record different contents (`integrity`, or `resolved` where one has none): any of them may be what
   * the store directory holds, so none vouches for it.
   */
  ambiguous?: true;
}

/** The URLs or specs the lockfile records the entry as fetched from: each of `listed`, else its own `resolved`. */
export function resolvedSources(entry: LockEntry): string[] {
  return [ ...new Set((entry.listed ?? [ entry ]).flatMap(({ resolved }) => (resolved === undefined ? [] : [ resolved ]))) ];
}

export interface Lockfile {
  file: string;
  kind: LockfileKind;
  /** The entry for the package installed (real path) in `realDir`, or undefined when the lockfile does not list it. */
  find(name: string, realDir: string, installedVersion?: string): LockEntry | undefined;
}

/** A lockfile that cannot be read; the message names the file and the fix. */
export class LockfileError extends Error {
  override name = 'LockfileError';
}

/**
 * The directory of the project that installed a package: the part of its real path before the first `node_modules`
 * (pnpm's `.pnpm` store included), or undefined for a directory that is not inside any node_modules.
 */
export function installingProjectDir(realDir: string): string | undefined {
  const parts = realDir.split(path.sep);
  const index = parts.indexOf('node_modules');
  return index <= 0 ? undefined : parts.slice(0, index).join(path.sep) || path.sep;
}

/** The nearest lockfile at or above `dir` (npm workspaces keep one at the root). */
export function findLockfile(dir: string): { file: string; kind: LockfileKind } | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    for (const kind of LOCKFILE_NAMES) {
      const file = path.join(current, kind);
      if (fs.existsSync(file)) return { file, kind };
    }
    if (path.dirname(current) === current) return undefined;
  }
}

/**
 * Whether `dir` is a package of the app's workspace that the app declares: the lockfile at or above the app lies above
 * it and records it as a link (npm, yarn and pnpm workspaces), as SEN101 trusts a workspace plugin. A framework in
 * packages/framework is the app's as much as one installed into node_modules.
 */
export function isDeclaredWorkspacePackage(dir: string, baseDir: string): boolean {
  const real = realPathLoose(dir);
  const name = readPackageJsonAt(real)?.name;
  const found = findLockfile(realPathLoose(baseDir));
  if (typeof name !== 'string' || !found || !isInside(real, path.dirname(found.file)) || !declaresDependency(readPackageJsonAt(baseDir), name)) return false;
  try {
    return readLockfile(found.file, found.kind).find(name, real)?.link === true;
  } catch (error) {
    // A lockfile that cannot be read vouches for nothing (SEN103 names it).
    if (error instanceof LockfileError) return false;
    throw error;
  }
}

export function readLockfile(file: string, kind: LockfileKind): Lockfile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new LockfileError(`${file} cannot be read (${(error as Error).message})`);
  }
  if (kind === 'pnpm-lock.yaml') return byNameLockfile(file, kind, parsePnpmLock(text));
  if (kind === 'yarn.lock') return byNameLockfile(file, kind, parseYarnLock(text));
  return npmLockfile(file, kind, text);
}

/** `inBundle`: a copy shipped inside another package's tarball (bundleDependencies), not installed on its own. */
type NpmPackages = Record<string, LockEntry & { inBundle?: boolean; hasInstallScript?: unknown }>;

function npmLockfile(file: string, kind: LockfileKind, text: string): Lockfile {
  const regenerate = `regenerate it with \`npm install --package-lock-only\` and commit it`;
  let data: { lockfileVersion?: unknown; packages?: unknown; dependencies?: unknown };
  try {
    data = JSON.parse(text) as typeof data;
  } catch (error) {
    throw new LockfileError(`${file} is not valid JSON (${(error as Error).message}): ${regenerate}`);
  }
  const packages = isRecord(data.packages) ? data.packages as NpmPackages :
    isRecord(data.dependencies) ? flattenV1(data.dependencies, 'node_modules/') : undefined;
  if (!packages) throw new LockfileError(`${file} has neither "packages" nor "dependencies": it is not an npm lockfile; ${regenerate}`);
  const [ malformed, value ] = Object.entries(packages as Record<string, unknown>).find(([ , entry ]) => !isRecord(entry)) ?? [];
  if (malformed !== undefined) {
    throw new LockfileError(`${file} lists "packages"[${JSON.stringify(malformed)}] as ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}, ` +
      `not an entry object: ${regenerate}`);
  }
  const dir = path.dirname(file);
  const entryAt = (key: string): LockEntry => {
    const entry = packages[key];
    // A workspace link points at the entry of the linked directory.
    if (entry.link === true) return { ...(typeof entry.resolved === 'string' ? packages[entry.resolved] : undefined), link: true };
    return entry.hasInstallScript === true ? { ...entry, installScript: 'hasInstallScript' } : entry;
  };
  return {
    file,
    kind,
    find(name, realDir, installedVersion) {
      const direct = path.relative(dir, realDir).split(path.sep).join('/');
      if (!direct.startsWith('..') && packages[direct]) {
        // An entry outside node_modules is the root project or a workspace package: the project's own source.
        if (!direct.split('/').includes('node_modules')) return { ...entryAt(direct), link: true };
        // A link's real path is its target; one found at its own install path is a directory standing in for it.
        const own = packages[direct];
        if (own.link) return { linkedTo: typeof own.resolved === 'string' ? own.resolved : '?' };
        return entryAt(direct);
      }
      // Symlinked trees (a linked node_modules, workspaces): compare real paths of the entries installed under this name.
      const listedAs = (candidate: string) => candidate === `node_modules/${name}` || candidate.endsWith(`/node_modules/${name}`);
      const key = Object.keys(packages).find(candidate => listedAs(candidate) && realPathLoose(path.join(dir, candidate)) === realDir);
      if (key !== undefined) return entryAt(key);
      // npm's linked install (`install-strategy=linked`) keeps every package in node_modules/.store/<name>@<version>-<hash>
      // and links only the project's own dependencies where the lockfile lists them: the others (egg's plugins) have no
      // link at their lockfile path, so they are matched by the name they are installed under and their version.
      if (installedVersion === undefined || !inLinkedStore(direct, name, installedVersion)) return undefined;
      const stored = Object.keys(packages).filter(candidate => listedAs(candidate) && packages[candidate].version === installedVersion &&
        !packages[candidate].link && !packages[candidate].inBundle);
      if (stored.length <= 1) return stored.length ? entryAt(stored[0]) : undefined;
      const listed = stored.map(key => ({ key, resolved: packages[key].resolved }));
      // One integrity is one content, whichever registry URL served it (npm checks the tarball against it). Entries of
      // other contents (the registry, a git commit, a tarball) each have a store directory of their own, and nothing
      // tells which one this is.
      const integrities = new Set(stored.map(key => packages[key].integrity));
      const oneContent = integrities.has(undefined) ? new Set(stored.map(key => JSON.stringify([ packages[key].resolved, packages[key].integrity ]))).size === 1 :
        integrities.size === 1;
      return oneContent ? { ...entryAt(stored[0]), listed } : { listed, ambiguous: true };
    },
  };
}

/** lockfileVersion 1 nests `dependencies`; give them the path keys of versions 2 and 3. */
function flattenV1(dependencies: Record<string, unknown>, prefix: string): NpmPackages {
  const flat: NpmPackages = {};
  for (const [ name, entry ] of Object.entries(dependencies)) {
    if (!isRecord(entry)) continue;
    const key = `${prefix}${name}`;
    flat[key] = { version: stringOrUndefined(entry.version), integrity: stringOrUndefined(entry.integrity), resolved: stringOrUndefined(entry.resolved) };
    if (isRecord(entry.dependencies)) Object.assign(flat, flattenV1(entry.dependencies, `${key}/node_modules/`));
  }
  return flat;
}

interface NamedEntry extends LockEntry {
  name: string;
  /** A workspace link's target directory, relative to the lockfile's or absolute (pnpm's `link:`, yarn berry's `workspace:`). */
  linkTarget?: string;
}

function byNameLockfile(file: string, kind: LockfileKind, entries: NamedEntry[]): Lockfile {
  return {
    file,
    kind,
    find(name, realDir, installedVersion) {
      // The name it is installed under, not the one its package.json claims: a directory planted as
      // node_modules/egg-impostor with `"name": "egg-cors"` must not take egg-cors's entry. yarn lists an npm alias
      // under the alias; pnpm installs every package in its store under its own name.
      const listed = installedName(realDir) ?? name;
      const candidates = entries.filter(entry => entry.name === listed);
      // A workspace link vouches for the directory it points at, as npm's `"link": true` does.
      if (candidates.some(entry => entry.linkTarget !== undefined && realPathLoose(path.resolve(path.dirname(file), entry.linkTarget)) === realDir)) return { link: true };
      const installed = candidates.filter(entry => entry.linkTarget === undefined);
      return installed.find(entry => entry.version === installedVersion) ?? installed[0];
    },
  };
}

/** `egg-cors` for `…/node_modules/egg-cors`, `@eggjs/b` for `…/node_modules/@eggjs/b`; undefined outside node_modules. */
function installedName(realDir: string): string | undefined {
  return installedPackageAt(realDir)?.name;
}

/**
 * The package node_modules holds at or around `realDir`: `…/node_modules/acme-egg` for
 * `…/node_modules/acme-egg/lib/plugin/x` (a directory a framework package ships), with the name it is installed under.
 */
export function installedPackageAt(realDir: string): { name: string; dir: string } | undefined {
  const parts = realDir.split(path.sep);
  const index = parts.lastIndexOf('node_modules');
  if (index < 0 || index + 1 >= parts.length) return undefined;
  const length = parts[index + 1].startsWith('@') ? 2 : 1;
  if (index + length >= parts.length) return undefined;
  return { name: parts.slice(index + 1, index + 1 + length).join('/'), dir: parts.slice(0, index + 1 + length).join(path.sep) };
}

/** `name@1.2.3`, `/name@1.2.3(peer@1)` (v6), `/name/1.2.3_peer` (v5), `'@scope/name@1.2.3'` (v9). */
function parsePnpmKey(key: string): { name: string; version: string } | undefined {
  const bare = key.replace(/^['"]|['"]$/g, '').replace(/^\//, '').replace(/\(.*$/, '');
  // A spec with no name before it (`file:`, `link:`, a git or https URL): the entry's `name:` line gives it.
  if (/^[a-z][a-z0-9+.-]*:/i.test(bare)) return { name: '', version: bare };
  const at = bare.lastIndexOf('@');
  if (at > 0) return { name: bare.slice(0, at), version: bare.slice(at + 1) };
  const slash = bare.lastIndexOf('/');
  return slash > 0 ? { name: bare.slice(0, slash), version: bare.slice(slash + 1).replace(/_.*$/, '') } : undefined;
}

/** `bySpec`: keyed by a spec, the name and version of its own lines. */
type PnpmEntry = NamedEntry & { bySpec?: true };

function parsePnpmLock(text: string): NamedEntry[] {
  const entries: PnpmEntry[] = [];
  let inPackages = false;
  let current: PnpmEntry | undefined;
  const links = importerLinks();
  for (const line of text.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      inPackages = line.trim() === 'packages:';
      links.section(line.trim() === 'importers:');
      current = undefined;
    } else if (links.read(line, entries)) {
      continue;
    } else if (inPackages && /^ {2}\S.*:$/.test(line)) {
      const parsed = parsePnpmKey(line.trim().slice(0, -1));
      current = parsed && { ...parsed };
      if (current) entries.push(current);
    } else if (inPackages && current) {
      current.integrity ??= /integrity:\s*([^,}\s]+)/.exec(line)?.[1];
      current.resolved ??= /tarball:\s*([^,}\s]+)/.exec(line)?.[1];
      if (/^ {4}requiresBuild:\s*true\s*$/.test(line)) current.installScript = 'requiresBuild';
      // A package from elsewhere than the registry is keyed by its spec (v9: `name@file:../x.tgz`; v5/v6:
      // `file:../x.tgz(egg@3.0.0)`, `file:../x.tgz_egg@3.0.0`, no name at all): pnpm writes its name and version on
      // lines of their own, which are then the package's.
      const declared = /^ {4}(name|version):\s*['"]?([^'"\s]+)/.exec(line);
      if (declared?.[1] === 'name') Object.assign(current, { name: declared[2], bySpec: true as const });
      else if (declared && (current.bySpec || current.version?.includes(':'))) current.version = declared[2];
    }
  }
  for (const entry of entries) delete entry.bySpec;
  return entries.filter(entry => entry.name !== '');
}

const unquoted = (text: string) => text.replace(/^['"]|['"]$/g, '');

/**
 * The workspace links of pnpm-lock.yaml's `importers`: each project's dependency on another project of the workspace,
 * `name: link:../x` (lockfile v5) or `name:` then `version: link:../x` (v6, v9), relative to the project's directory.
 */
function importerLinks() {
  let inImporters = false;
  let importer: string | undefined;
  let inDependencies = false;
  let dependency: string | undefined;
  const add = (entries: NamedEntry[], target: string) => {
    if (importer !== undefined && dependency !== undefined) entries.push({ name: dependency, link: true, linkTarget: path.isAbsolute(target) ? target : path.join(importer, target) });
  };
  return {
    section(importers: boolean) {
      inImporters = importers;
      importer = undefined;
    },
    /** Whether the line belongs to `importers` (read here). */
    read(line: string, entries: NamedEntry[]): boolean {
      if (!inImporters) return false;
      const project = /^ {2}(\S.*):$/.exec(line);
      if (project) {
        importer = unquoted(project[1]);
        inDependencies = false;
      } else if (/^ {4}\S/.test(line)) {
        inDependencies = /^ {4}(?:dependencies|devDependencies|optionalDependencies):$/.test(line);
        dependency = undefined;
      } else if (inDependencies && /^ {6}\S/.test(line)) {
        const [ , name, value ] = /^ {6}(\S.*?):\s*(.*)$/.exec(line) ?? [];
        dependency = name === undefined ? undefined : unquoted(name);
        const target = /^['"]?link:([^'"\s]+)/.exec(value ?? '')?.[1];
        if (target !== undefined) add(entries, target);
      } else if (inDependencies && dependency !== undefined) {
        const target = /^ {8}version:\s*['"]?link:([^'"\s]+)/.exec(line)?.[1];
        if (target !== undefined) add(entries, target);
      }
      return true;
    },
  };
}

/** yarn classic (`version "1.2.3"`, `resolved "url"`, `integrity sha512-…`) and berry (`version: 1.2.3`, `checksum: …`). */
function parseYarnLock(text: string): NamedEntry[] {
  const entries: NamedEntry[] = [];
  let block: NamedEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^[^\s#].*:$/.test(line)) {
      // `name@range` specifiers; a header without one (berry's `__metadata:`) starts a block of no package.
      const names = line.slice(0, -1).split(/,\s*/).map(unquoted).map(spec => spec.slice(0, Math.max(0, spec.indexOf('@', 1))));
      block = [ ...new Set(names.filter(Boolean)) ].map(name => ({ name }));
      entries.push(...block);
      continue;
    }
    // berry resolves a workspace to `name@workspace:packages/x`, relative to the lockfile's directory; the header's
    // specifiers, sorted, may name `workspace:*` or `workspace:^` first.
    const workspace = /^\s+resolution:\s+"?(.+?)@workspace:([^"]+)"?$/.exec(line);
    if (workspace) {
      for (const entry of block) if (entry.name === workspace[1]) Object.assign(entry, { link: true, linkTarget: workspace[2] });
      continue;
    }
    const field = /^\s+(version|resolved|integrity|checksum):?\s+"?([^"]+)"?$/.exec(line);
    if (!field) continue;
    const [ , key, value ] = field;
    for (const entry of block) {
      if (key === 'version') entry.version = value;
      else if (key === 'resolved') entry.resolved = value;
      else entry.integrity ??= value;
    }
  }
  // yarn 1 writes no `integrity` for a local tarball (`file:../x.tgz`): its SHA-1 is the fragment of `resolved`.
  for (const entry of entries) {
    const sha1 = /#([0-9a-f]{40})$/.exec(entry.resolved ?? '')?.[1];
    if (!entry.integrity && sha1) entry.integrity = `sha1-${Buffer.from(sha1, 'hex').toString('base64')}`;
  }
  return entries;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
