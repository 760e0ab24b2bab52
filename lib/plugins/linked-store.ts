/**
 * npm's linked install (`install-strategy=linked`) keeps each package in
 * `node_modules/.store/<name>@<version>-<hash>/node_modules/<name>` (a scoped name's scope a directory of the store),
 * with a hash of 22 base64url characters that differs between two installs of one lockfile (the `npm install` a
 * plugin was pinned after, the deploy's `npm ci`).
 */
import fs from 'node:fs';
import path from 'node:path';

/** `node_modules/.store/` and its scope directory, the store directory's `<name>@<version>`, and its hash. */
const STORE = String.raw`node_modules\/\.store\/(?:@[^/]+\/)?`;
const HASH = String.raw`-[\w-]{22}`;
const STORE_DIR = new RegExp(String.raw`(^|\/)(${STORE}[^/]+)${HASH}(?=\/)`, 'g');
const STORED_PATH = new RegExp(String.raw`^(.*${STORE})([^/]+)${HASH}(\/.*)$`);

/** `relative` (a path with `/`) with each store directory's hash left out: two installs of one lockfile give the same. */
export function withoutStoreHash(relative: string): string {
  return relative.replace(STORE_DIR, '$1$2');
}

/** Whether `relative` (to the project, with `/`) is npm's linked store copy of `name` at `version`. */
export function inLinkedStore(relative: string, name: string, version: string): boolean {
  return relative !== withoutStoreHash(relative) && withoutStoreHash(relative) === `node_modules/.store/${name}@${version}/node_modules/${name}`;
}

/**
 * Where a package pinned in npm's linked store is installed now: each store directory of its name and version (none
 * for a path outside the store). Two copies of one name and version come from different sources (the registry, a git
 * commit): the path without its hash cannot tell which one was pinned.
 */
export function storeCopies(baseDir: string, pinnedPath: string): string[] {
  const match = STORED_PATH.exec(pinnedPath);
  if (!match) return [];
  const [ , store, nameAtVersion, within ] = match;
  let entries: string[];
  try {
    entries = fs.readdirSync(path.resolve(baseDir, store));
  } catch {
    return [];
  }
  return entries.filter(entry => withoutStoreHash(`node_modules/.store/${entry}/`) === `node_modules/.store/${nameAtVersion}/`).sort()
    .map(entry => path.resolve(baseDir, store, entry + within)).filter(dir => fs.existsSync(dir));
}
