/**
 * Middleware an app composes with koa-compose (`router.get('/admin', compose([ auth, audit ]), …)`): the function
 * koa-compose returns keeps its list in a closure, so every copy of koa-compose 3.x/4.x loaded from the boot hook's
 * constructor on (require's cache included) is wrapped to note, on the function it returns, the very array it was given.
 * A route's functions are then read as the members that run, in order (koa-compose reads the array when a request runs).
 */
import fs from 'node:fs';
import path from 'node:path';
import satisfies from 'semver/functions/satisfies';
import { type LoadedModulePatcher, patchModulesAsLoaded } from '../module-load-hook';

/** Registered symbols: a second copy of egg-sentinel in the process reads and wraps the same way. */
const MEMBERS = Symbol.for('egg-sentinel.koa-compose.members');
const WRAPPED = Symbol.for('egg-sentinel.koa-compose.wrapped');
const COMPOSE_FILE = /^(.*[\\/]node_modules[\\/]koa-compose)[\\/]index\.js$/;
/** Versions whose composed function runs `middleware[i]` in order, the last one's next being its own next. */
const KNOWN_COMPOSE = '>=3.0.0 <5.0.0';

type Compose = ((middleware: unknown, ...rest: unknown[]) => unknown) & { [WRAPPED]?: true };

const wrapCompose: LoadedModulePatcher = (file, module) => {
  const dir = COMPOSE_FILE.exec(file)?.[1];
  const compose = module.exports as Compose;
  if (dir === undefined || typeof compose !== 'function' || compose[WRAPPED] || !knownVersion(dir)) return;
  const noted = Object.assign(function(this: unknown, middleware: unknown, ...rest: unknown[]) {
    const composed = compose.call(this, middleware, ...rest);
    if (Array.isArray(middleware) && typeof composed === 'function') Object.defineProperty(composed, MEMBERS, { value: middleware });
    return composed;
  }, compose, { [WRAPPED]: true as const });
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

/** `functions` with each function koa-compose returned replaced by its members, at any depth, in the order they run. */
export function expandComposed(functions: readonly unknown[], seen = new Set<unknown>()): unknown[] {
  return functions.flatMap(fn => {
    const members = typeof fn === 'function' ? (fn as { [MEMBERS]?: unknown[] })[MEMBERS] : undefined;
    if (!members || seen.has(fn)) return [ fn ];
    seen.add(fn);
    const expanded = expandComposed(members, seen);
    seen.delete(fn);
    return expanded;
  });
}
