/**
 * Middleware an app composes with koa-compose (`router.get('/admin', compose([ auth, audit ]), …)`): the function
 * koa-compose returns keeps its list in a closure. Every copy of koa-compose 3.x/4.x whose export is taken from the
 * boot hook's constructor on (a module that took it earlier keeps the original) is wrapped: it hands koa-compose a
 * frozen, flattened copy of the list, as koa-compose 4.2 makes itself, and notes that very copy for the function it
 * returns, so what is judged is what runs (an array the app changes later changes neither).
 */
import fs from 'node:fs';
import path from 'node:path';
import satisfies from 'semver/functions/satisfies';
import { type LoadedModulePatcher, patchModulesAsLoaded } from '../module-load-hook';

const COMPOSE_FILE = /^(.*[\\/]node_modules[\\/]koa-compose)[\\/]index\.js$/;
/** Versions whose composed function runs its list in order, the last one's next being its own next. */
const KNOWN_COMPOSE = '>=3.0.0 <5.0.0';

/** Module-private: no other code can make a function pass for a composition. */
const membersOf = new WeakMap<object, readonly unknown[]>();
const wrappers = new WeakSet<object>();

type Compose = (middleware: unknown, ...rest: unknown[]) => unknown;

const wrapCompose: LoadedModulePatcher = (file, module) => {
  const dir = COMPOSE_FILE.exec(file)?.[1];
  const compose = module.exports as Compose;
  // Another copy of egg-sentinel's wrapper is wrapped again: each copy notes in its own map.
  if (dir === undefined || typeof compose !== 'function' || wrappers.has(compose) || !knownVersion(dir)) return;
  const noted = Object.assign(function(this: unknown, middleware: unknown, ...rest: unknown[]) {
    if (!Array.isArray(middleware)) return compose.call(this, middleware, ...rest);
    const list = Object.freeze(middleware.flat(Infinity));
    const composed = compose.call(this, list, ...rest);
    if (typeof composed === 'function') membersOf.set(composed, list);
    return composed;
  }, compose);
  wrappers.add(noted);
  // Code that logs or compares the function's name still sees koa-compose's.
  module.exports = Object.defineProperty(noted, 'name', { value: compose.name });
};

function knownVersion(dir: string): boolean {
  try {
    const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof version === 'string' && satisfies(version, KNOWN_COMPOSE);
  } catch {
    return false;
  }
}

/** From now on in this process, functions koa-compose returns say what they run (expandComposed). */
export function noteCompositions(): void {
  patchModulesAsLoaded(wrapCompose);
}

/**
 * `functions` with each function koa-compose returned replaced by its members, at any depth, in the order they run;
 * one that `keep` says is known as itself (a middleware an `app.middleware.<name>()` call returned) stays whole. A list
 * is noted before the function composed of it exists, so none holds itself.
 */
export function expandComposed(functions: readonly unknown[], keep: (fn: object) => boolean): unknown[] {
  return functions.flatMap(fn => {
    const members = typeof fn === 'function' ? membersOf.get(fn) : undefined;
    return !members || keep(fn as object) ? [ fn ] : expandComposed(members, keep);
  });
}
