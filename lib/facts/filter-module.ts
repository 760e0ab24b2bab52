/**
 * The paths a `match`/`ignore` function may take from the module that defines it. The probes try the strings a
 * function's own source names (lib/facts/filter-tokens.ts); one that uses a value or helper of its module
 * (`ctx => PUBLIC_PATHS.has(ctx.path) || ctx.path.startsWith(DOCS_PREFIX)`, `ctx => isPublic(ctx.path)`) hides
 * them there: the paths written in that module, and in the app's modules it requires with a relative path, are tried
 * too; so are those of the app/extend/helper files that define a method of egg's helper it calls
 * (`ctx => ctx.helper.isPublicPath(ctx.path)`). Only for a function that takes something from outside itself
 * (outsideRoots) or calls the helper, and each file read once.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { outsideNames, outsideRoots } from './filter-state';
import { sourceTokens } from './filter-tokens';
import { realPathOrAbsolute } from './real-path';

/** A module larger than this is not read: a bundle, generated code. */
const MAX_MODULE_BYTES = 256 * 1024;
/** Modules a defining module requires that are read too. */
const MAX_REQUIRED_MODULES = 8;
/** Paths taken from the modules of one filter: each may become a probe of every route it fits. */
const MAX_MODULE_PATHS = 64;

/** What the module defining a filter function holds, and what egg-sentinel could not read of it. */
export interface ModulePaths {
  /** The request paths its module (and those it requires) writes (`'/docs/'`, what its RegExps match), as tokens. */
  paths: string[];
  /** The function's outside names its module does not show (neither declares nor requires from the app's files). */
  unseen: string[];
}

interface ModuleText {
  mtimeMs: number;
  size: number;
  text: string | undefined;
}

const texts = new Map<string, ModuleText>();

/** A module's text, read once while it is unchanged; undefined when it cannot be read or is too large. */
function moduleText(file: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  const cached = texts.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.text;
  let text: string | undefined;
  try {
    text = stat.isFile() && stat.size <= MAX_MODULE_BYTES ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    text = undefined;
  }
  texts.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, text });
  return text;
}

/** Whether `file` is one of the app's own files: under its directory, not in a node_modules. */
function isOwnFile(file: string, root: string): boolean {
  return file.startsWith(root) && !file.includes(`${path.sep}node_modules${path.sep}`);
}

/** What code loads (`require('./paths')`, `import('./paths')`, `from '@corp/auth'`): the specifier is the second group. */
const LOADED = /(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+)(['"])([^'"\n]+)\1/g;

/** Whether a specifier names a package (`micromatch`, `@corp/auth`), whose code and values are its own, not a file. */
function isPackage(specifier: string): boolean {
  return !/^\.{0,2}\//.test(specifier);
}

/** The app's own modules `file` loads with a relative path, that exist. */
function requiredModules(file: string, text: string, root: string): string[] {
  const resolve = createRequire(file).resolve;
  const found = new Set<string>();
  for (const [ , , specifier ] of text.matchAll(LOADED)) {
    if (isPackage(specifier)) continue;
    try {
      const resolved = realPathOrAbsolute(resolve(specifier));
      if (isOwnFile(resolved, root) && resolved !== file) found.add(resolved);
    } catch {
      // Not found from here (a path built at run time, an ES module's extension): nothing to read.
    }
    if (found.size >= MAX_REQUIRED_MODULES) break;
  }
  return [ ...found ];
}

/**
 * Whether the module text declares `name` (`const NAME =`, `function name(`, `class`, a destructured or imported
 * name), and whether it takes it from a package (`const { isPublic } = require('@corp/auth')`).
 */
function declaration(text: string, name: string): 'own' | 'package' | undefined {
  // TypeScript compiled to CommonJS (ts-node) reads an import through `<module>_1` (`paths_1.PUBLIC` for
  // `import { PUBLIC } from './paths'`), named after the module's last segment.
  const compiled = /^([\w$]+?)_\d+$/.exec(name)?.[1];
  const imported = compiled === undefined ? undefined : [ ...text.matchAll(LOADED) ].find(([ , , specifier ]) =>
    specifier.split('/').at(-1)?.replace(/\.[^.]*$/, '').replace(/[^\w$]/g, '_') === compiled);
  if (imported) return isPackage(imported[2]) ? 'package' : 'own';
  const escaped = name.replace(/\$/g, '\\$');
  const statement = new RegExp(String.raw`(?:\b(?:const|let|var)\s+(?:[{[][^=;]*?)?|\bfunction\s*\*?\s*|\bclass\s+|\bimport\s+(?:[\w$]+\s*,\s*)?(?:\{[^}]*?|\*\s+as\s+)?)(?<![\w$])${escaped}(?![\w$])[^;\n]*`);
  const found = statement.exec(text);
  if (!found) return undefined;
  return [ ...found[0].matchAll(LOADED) ].some(([ , , specifier ]) => isPackage(specifier)) ? 'package' : 'own';
}

/**
 * What the module defining a filter function shows of what the function takes from outside itself (outsideRoots):
 * the paths it and the app's modules it requires write, and the names whose values it does not show. A name it
 * declares, or takes from such a module, is seen; one it takes from a package is seen when the function also hands
 * that code a value of the module or a literal (`micromatch.isMatch(ctx.path, PUBLIC)`), not when the package's code
 * alone decides (`isPublic(ctx.path)` from `@corp/auth`); one it does not declare (a global such as `process.env`, a
 * parameter of the config's function) is a value of the run. `definingFile` (undefined when not found) is asked only
 * for a function that takes something from outside itself. The methods it calls on egg's helper (`helpers`) are read
 * in the modules that define them (helperPaths).
 */
export function modulePaths(source: string, definingFile: () => string | undefined, baseDir: string, helpers?: Helpers): ModulePaths | undefined {
  const names = outsideRoots(source);
  const shown = names.length ? [ moduleShows(source, names, [ definingFile() ].flatMap(file => file ?? []), baseDir) ] : [];
  shown.push(...helpers ? helperPaths(source, helpers, baseDir) : []);
  if (!shown.length) return undefined;
  return { paths: [ ...new Set(shown.flatMap(({ paths }) => paths)) ].slice(0, MAX_MODULE_PATHS), unseen: [ ...new Set(shown.flatMap(({ unseen }) => unseen)) ] };
}

/** What `files` (the modules defining the function whose source is `source`) show of `names`, its outside roots: see modulePaths. */
function moduleShows(source: string, names: readonly string[], files: readonly string[], baseDir: string): ModulePaths {
  const root = realPathOrAbsolute(baseDir) + path.sep;
  const sources = files.flatMap(file => {
    const text = moduleText(file);
    return text === undefined ? [] : [ text, ...requiredModules(file, text, root).flatMap(module => moduleText(module) ?? []) ];
  });
  if (!sources.length) return { paths: [], unseen: [ ...names ] };
  const paths = [ ...new Set(sources.flatMap(code => sourceTokens(code).filter(token => token.startsWith('/')))) ].slice(0, MAX_MODULE_PATHS);
  const declared = names.map(name => ({ name, from: sources.map(code => declaration(code, name)) }));
  // What the function hands a package's code that the probes see: a value of its module, or a literal of its own.
  const handsValues = declared.some(({ from }) => from.includes('own')) || sourceTokens(source).length > 0;
  const unseen = declared.filter(({ from }) => !from.includes('own') && !(from.includes('package') && handsValues)).map(({ name }) => name);
  return { paths, unseen };
}

/** egg's helper, as a filter function's `ctx.helper` is made of it (`new app.Helper(ctx)`). */
export interface Helpers {
  /** app.Helper.prototype, where egg's extend loader puts the methods of the app/extend/helper files. */
  prototype: object;
  /** The app/extend/helper files of the app, its plugins and its framework. */
  files: () => readonly string[];
}

/** A call of a method of egg's helper as outsideNames writes it (`ctx.helper.isPublicPath`, `helper.isPublicPath` destructured): the method (1). */
const HELPER_CALL = /(?:^|\.)helper\??\.([\w$]+)$/;

/**
 * What the helper methods a function calls (`ctx => ctx.helper.isPublicPath(ctx.path)`) show: egg's helper is server
 * code, given the request's path like a helper of the function's module, and hides its strings the same way. Each
 * method's own paths and those of the helper files that name it, and the names it takes from outside itself that
 * these files do not show (`process (in helper.isPublicPath)`).
 */
function helperPaths(source: string, helpers: Helpers, baseDir: string): ModulePaths[] {
  return outsideNames(source).flatMap(chain => {
    const name = HELPER_CALL.exec(chain)?.[1];
    const method = name === undefined ? undefined : methodOf(helpers.prototype, name);
    if (name === undefined || method === undefined) return [];
    const methodSource = Function.prototype.toString.call(method);
    const named = new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`);
    const files = helpers.files().filter(file => named.test(moduleText(file) ?? ''));
    const shown = moduleShows(methodSource, outsideRoots(methodSource), files, baseDir);
    return [{ paths: [ ...sourceTokens(methodSource).filter(token => token.startsWith('/')), ...shown.paths ], unseen: shown.unseen.map(root => `${root} (in helper.${name})`) }];
  });
}

/** The method `name` on `prototype`'s chain, read from its property without calling a getter; undefined when it is none. */
function methodOf(prototype: object, name: string): ((...args: never[]) => unknown) | undefined {
  for (let holder: object | null = prototype; holder; holder = Object.getPrototypeOf(holder) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(holder, name);
    if (descriptor) return typeof descriptor.value === 'function' ? descriptor.value as (...args: never[]) => unknown : undefined;
  }
  return undefined;
}
