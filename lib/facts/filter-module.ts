/**
 * The paths a `match`/`ignore` function may take from the module that defines it. The probes try the strings a
 * function's own source names (lib/facts/filter-tokens.ts); one that uses a value or helper of its module
 * (`ctx => PUBLIC_PATHS.has(ctx.path) || ctx.path.startsWith(DOCS_PREFIX)`, `ctx => isPublic(ctx.path)`) hides
 * them there: the paths written in that module, and in the app's modules it requires with a relative path, are tried
 * too. Only for a function that takes something from outside itself (outsideRoots), and each file read once.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { outsideRoots } from './filter-state';
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
 * for a function that takes something from outside itself.
 */
export function modulePaths(source: string, definingFile: () => string | undefined, baseDir: string): ModulePaths | undefined {
  const names = outsideRoots(source);
  if (!names.length) return undefined;
  const file = definingFile();
  const text = file === undefined ? undefined : moduleText(file);
  if (file === undefined || text === undefined) return { paths: [], unseen: names };
  const root = realPathOrAbsolute(baseDir) + path.sep;
  const sources = [ text, ...requiredModules(file, text, root).flatMap(module => moduleText(module) ?? []) ];
  const paths = [ ...new Set(sources.flatMap(code => sourceTokens(code).filter(token => token.startsWith('/')))) ].slice(0, MAX_MODULE_PATHS);
  const declared = names.map(name => ({ name, from: sources.map(code => declaration(code, name)) }));
  // What the function hands a package's code that the probes see: a value of its module, or a literal of its own.
  const handsValues = declared.some(({ from }) => from.includes('own')) || sourceTokens(source).length > 0;
  const unseen = declared.filter(({ from }) => !from.includes('own') && !(from.includes('package') && handsValues)).map(({ name }) => name);
  return { paths, unseen };
}
