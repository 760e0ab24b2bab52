/**
 * What a guard's opening clause reads of the settings it runs with (middleware.ts: unconfiguredPass): its factory's
 * options, the app's config, the environment. `if (!options.secret) return next();`, `({ token }) => … if (!token)
 * return next();`, `const expected = app.config.adminToken;` in the factory, `if (!ctx.app.config.adminToken)`,
 * `if (process.env.AUTH_DISABLED === 'true')`: each read is written as a path under one of those three, so the clause
 * can be asked with the values it had at boot (black-box round 43, r43h3 F2).
 */
import { literalsBlanked } from './filter-state';
import { changed, escaped, isName, NAME } from './guard-clauses';

/** A setting a clause reads: under its factory's options, the app's config, or the environment. */
export type SettingRoot = 'options' | 'config' | 'env';

export interface SettingReads {
  /** The condition with each read written as `<parameter>.<root>.<path>`. */
  condition: string;
  /** The paths read, each a root and the properties under it. */
  paths: string[][];
}

/** A member chain: `options.auth.token`, `ctx . app . config`. */
const CHAIN = new RegExp(String.raw`(?<![\w$.])${NAME}(?:\s*\.\s*${NAME})*`, 'g');
/** Words a condition on settings may hold besides its reads. */
const KEYWORDS = new Set([ 'undefined', 'null', 'true', 'false', 'typeof' ]);

/**
 * The names that stand for settings where the clause is: the factory's parameters (`options`, or each name
 * destructured from it, and `app`), the guard's ctx (`ctx.app.config`), `process.env`, and the factory's and the
 * guard's declarations before the clause that alias one of them (`const expected = options.token;`), never reassigned.
 */
function settingNames(factorySource: string, guardSource: string, before: string, context: string): Map<string, string[]> {
  const names = new Map<string, string[]>([[ 'process.env', [ 'env' ]], [ `${context}.app.config`, [ 'config' ]]]);
  const head = /^(?:async\s*)?(?:function\b[^(]*)?\(([^)]*)\)|^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(factorySource);
  const parameters = splitTopLevel(head?.[1] ?? head?.[2] ?? '');
  const [ options, app ] = parameters;
  if (options !== undefined) bind(names, options, [ 'options' ]);
  if (app !== undefined && isName(app)) names.set(`${app}.config`, [ 'config' ]);
  // The factory's code before the guard it returns, then the guard's own before the clause.
  const at = factorySource.indexOf(guardSource);
  const scopes = [ at > 0 ? factorySource.slice(head?.[0].length ?? 0, at) : '', before ];
  for (const scope of scopes) {
    const code = literalsBlanked(scope);
    for (const match of code.matchAll(new RegExp(String.raw`\b(?:const|let|var)\s+(${NAME}|\{[^{}=]*\})\s*=\s*(${NAME}(?:\s*\.\s*${NAME})*)\s*(?=[;\n]|$)`, 'gm'))) {
      const path = resolvedPath(match[2], names);
      if (path) bind(names, match[1], path);
    }
    for (const name of [ ...names.keys() ]) if (!name.includes('.') && changed(code, escaped(name))) names.delete(name);
  }
  return names;
}

/** `a, { b, c: d }, e = 1` → its parameters, each as written. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let at = 0; at <= list.length; at++) {
    const char = list[at];
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    else if ((char === ',' && depth === 0) || at === list.length) {
      parts.push(list.slice(from, at).trim());
      from = at + 1;
    }
  }
  return parts.filter(Boolean);
}

/**
 * Binds a declared name, or each name destructured (`{ token, secret: key }`), to the path under `path`. A name with a
 * default of its own (`{ token = process.env.ADMIN_TOKEN }`) holds what the path does not say: left unbound, so a
 * clause on it is not read (review of round 43); egg always passes options, so `options = {}` is the options.
 */
function bind(names: Map<string, string[]>, declared: string, path: string[]): void {
  const plain = /^([A-Za-z_$][\w$]*)(?:\s*=\s*\{\s*\})?$/.exec(declared);
  if (plain) return void names.set(plain[1], path);
  if (!/^\{[^{}]*\}$/.test(declared)) return;
  for (const item of declared.slice(1, -1).split(',')) {
    if (item.includes('=')) continue;
    const [ property, local = property ] = item.split(':').map(part => part.trim());
    if (isName(property) && isName(local)) names.set(local, [ ...path, property ]);
  }
}

/** The path a chain reads: its longest start that names a setting, then the rest of its properties. */
function resolvedPath(chain: string, names: ReadonlyMap<string, string[]>): string[] | undefined {
  const parts = chain.split('.').map(part => part.trim());
  for (let length = parts.length; length > 0; length--) {
    const found = names.get(parts.slice(0, length).join('.'));
    if (found) return [ ...found, ...parts.slice(length) ];
  }
  return undefined;
}

/**
 * The condition of a guard's opening clause with each of its reads written as a path under `parameter`; undefined
 * unless it reads settings and nothing else besides literals, operators and `typeof`.
 */
export function settingReads(condition: string, parameter: string, scope: { factorySource: string; guardSource: string; before: string; context: string }): SettingReads | undefined {
  const names = settingNames(scope.factorySource, scope.guardSource, scope.before, scope.context);
  const code = literalsBlanked(condition);
  const paths: string[][] = [];
  let unknown = false;
  let written = '';
  let from = 0;
  for (const match of code.matchAll(CHAIN)) {
    const at = match.index as number;
    const chain = condition.slice(at, at + match[0].length);
    const path = KEYWORDS.has(chain) ? undefined : resolvedPath(chain, names);
    if (!path && !KEYWORDS.has(chain)) unknown = true;
    if (path) paths.push(path);
    written += condition.slice(from, at) + (path ? `${parameter}${path.map(part => `[${JSON.stringify(part)}]`).join('')}` : chain);
    from = at + match[0].length;
  }
  written += condition.slice(from);
  // A call, a template or an assignment is more than reading settings.
  if (unknown || !paths.length || /[\w$\])]\s*\(|`|[^=!<>]=[^=]|\+\+|--/.test(literalsBlanked(written).replace(/\[\s*"[^"]*"\s*\]/g, ''))) return undefined;
  return { condition: written, paths };
}

/**
 * The values `paths` read, as JSON: a minimal copy of `settings` holding each of them (a function as true, which is
 * what a condition on it can tell), or undefined when one cannot be written as JSON.
 */
export function settingsJson(paths: readonly string[][], settings: Record<SettingRoot, unknown>): string | undefined {
  const copy: Record<string, unknown> = {};
  for (const path of paths) {
    let from: unknown = settings;
    let into = copy;
    for (const [ index, part ] of path.entries()) {
      from = from !== null && typeof from === 'object' && Object.prototype.hasOwnProperty.call(from, part) ? (from as Record<string, unknown>)[part] : undefined;
      // A Map, a Set, a Buffer or a class's instance is more than JSON says (`users.size`): the clause is not read
      // (black-box round 44, r44h1 F2).
      if (from !== null && typeof from === 'object' && from !== process.env && !isPlainData(from)) return undefined;
      if (index === path.length - 1 || from === null || typeof from !== 'object') {
        into[part] = typeof from === 'function' ? true : from;
        break;
      }
      into = (into[part] ??= {}) as Record<string, unknown>;
    }
  }
  try {
    return JSON.stringify(copy);
  } catch {
    return undefined;
  }
}

/** A plain object or array: what JSON copies whole. */
function isPlainData(value: object): boolean {
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
