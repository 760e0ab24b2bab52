/**
 * The modules ts-node loads besides the file it compiles, named by its environment and by the tsconfig it reads: its
 * compiler (`TS_NODE_COMPILER`, else `typescript`), and the `"ts-node"` section's `compiler`, `transpiler`, `require`
 * and `swc` of that tsconfig and of the files it extends. A preload the preflight trusts (`--require ts-node/register`) runs whatever they name, in every
 * process, before any check (black-box round 40, h3 F6).
 */
import fs from 'node:fs';
import path from 'node:path';
import { realPathOrUndefined } from './real-path';

/** A module ts-node would load: what names it, and its real path (undefined when it does not resolve). */
export interface TsNodeModule {
  given: string;
  file: string | undefined;
}

/** What of TypeScript's API reading a tsconfig takes: its JSON with comments and trailing commas, as ts-node reads it. */
export interface TsconfigReader {
  readConfigFile(file: string, readFile: (file: string) => string | undefined): { config?: unknown; error?: unknown };
}

/** How many `extends` deep a chain is followed: TypeScript reports a circular chain, which ends it here. */
const MAX_EXTENDS = 16;

/** The real path `specifier` resolves to from `dir` (ts-node's project-local resolution), or undefined. */
function resolvedFrom(specifier: string, dir: string): string | undefined {
  try {
    return realPathOrUndefined(require.resolve(specifier, { paths: [ dir ] }));
  } catch {
    return undefined;
  }
}

/** The directory ts-node looks for a tsconfig from: TS_NODE_CWD (or TS_NODE_DIR), else the working directory. */
function searchDir(env: NodeJS.ProcessEnv, cwd: string): string {
  return path.resolve(cwd, env.TS_NODE_CWD || env.TS_NODE_DIR || cwd);
}

/** The tsconfig ts-node reads: TS_NODE_PROJECT (a file, or a directory with a tsconfig.json), else the nearest tsconfig.json up from its search dir. */
function tsNodeProject(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  if (YES.test(env.TS_NODE_SKIP_PROJECT ?? '')) return undefined;
  const dir = searchDir(env, cwd);
  if (env.TS_NODE_PROJECT) {
    const named = path.resolve(dir, env.TS_NODE_PROJECT);
    const nested = path.join(named, 'tsconfig.json');
    return fs.existsSync(nested) ? nested : named;
  }
  for (let at = dir; ; at = path.dirname(at)) {
    const found = path.join(at, 'tsconfig.json');
    if (fs.existsSync(found)) return found;
    if (path.dirname(at) === at) return undefined;
  }
}

/** ts-node's reading of a yes/no variable (its `yn`). */
const YES = /^(?:1|y|yes|true|on)$/i;

/** The file a tsconfig's `extends` entry names, as TypeScript finds it: a path (`.json` added when missing), or a package's file. */
function extendedFile(entry: string, dir: string): string | undefined {
  if (entry.startsWith('.') || path.isAbsolute(entry)) {
    const file = path.resolve(dir, entry);
    return fs.existsSync(file) || file.endsWith('.json') ? file : `${file}.json`;
  }
  return resolvedFrom(entry, dir) ?? resolvedFrom(`${entry}/tsconfig.json`, dir);
}

/** A module name as ts-node resolves a compiler or transpiler: from `dir` (the tsconfig's), else from ts-node's own directory. */
function resolvedNear(name: string, dir: string, tsNodeDir: string): string | undefined {
  return resolvedFrom(name, dir) ?? resolvedFrom(name, tsNodeDir);
}

/**
 * The modules ts-node (installed in `tsNodeDir`) would load for the environment `env`, started in `cwd`: the compiler
 * it reads the tsconfig with (TS_NODE_COMPILER, else `typescript`, from the tsconfig's directory); once `trusted`
 * hands that back as a reader, each tsconfig of the chain's own `ts-node` compiler, transpiler (a name, or `[name,
 * options]`), require entries, and the swc it loads for `swc: true` (`@swc/core`, else `@swc/wasm`; TS_NODE_SWC too),
 * each resolved from that file's directory. A compiler `trusted` refuses is listed and never loaded.
 */
export function tsNodeModules(env: NodeJS.ProcessEnv, cwd: string, tsNodeDir: string, trusted: (file: string) => TsconfigReader | undefined): TsNodeModule[] {
  const project = tsNodeProject(env, cwd);
  const projectDir = project ? path.dirname(project) : searchDir(env, cwd);
  const compilerName = env.TS_NODE_COMPILER || 'typescript';
  const compiler = resolvedNear(compilerName, projectDir, tsNodeDir);
  const found: TsNodeModule[] = [{ given: env.TS_NODE_COMPILER ? `TS_NODE_COMPILER=${JSON.stringify(compilerName)}` : 'the TypeScript compiler it reads the tsconfig with', file: compiler }];
  const reader = compiler === undefined ? undefined : trusted(compiler);
  let swc = YES.test(env.TS_NODE_SWC ?? '') ? projectDir : undefined;
  let swcDecided = swc !== undefined;
  const seen = new Set<string>();
  for (let file = reader && project; file !== undefined && !seen.has(file) && seen.size < MAX_EXTENDS;) {
    seen.add(file);
    const { config } = (reader as TsconfigReader).readConfigFile(file, name => (fs.existsSync(name) ? fs.readFileSync(name, 'utf8') : undefined));
    if (!config || typeof config !== 'object') break;
    const dir = path.dirname(file);
    const options = (config as { 'ts-node'?: Record<string, unknown> })['ts-node'];
    const where = (key: string) => `${file} "ts-node".${key}`;
    for (const key of [ 'compiler', 'transpiler' ]) {
      const value = options?.[key];
      const name = Array.isArray(value) ? value[0] : value;
      if (typeof name === 'string' && name) found.push({ given: `${where(key)} ${JSON.stringify(name)}`, file: resolvedNear(name, dir, tsNodeDir) });
      // A transpiler's options name the swc it loads (`[ 'ts-node/transpilers/swc', { swc: '…' } ]`; review of round 40, h7 F5).
      const swcModule = Array.isArray(value) ? (value[1] as { swc?: unknown } | undefined)?.swc : undefined;
      if (typeof swcModule === 'string' && swcModule) found.push({ given: `${where(key)}[1].swc ${JSON.stringify(swcModule)}`, file: resolvedNear(swcModule, dir, tsNodeDir) });
    }
    // The nearest file that says `swc` (true or false) decides, as ts-node merges the chain.
    if (!swcDecided && typeof options?.swc === 'boolean') {
      swcDecided = true;
      if (options.swc) swc = dir;
    }
    const required = options?.require;
    for (const name of Array.isArray(required) ? required : []) {
      if (typeof name === 'string' && name) found.push({ given: `${where('require')} ${JSON.stringify(name)}`, file: resolvedFrom(name, dir) });
    }
    // TypeScript 5 takes a list; ts-node follows the first of it.
    const extended = (config as { extends?: unknown }).extends;
    const next = Array.isArray(extended) ? extended[0] : extended;
    file = typeof next === 'string' && next ? extendedFile(next, dir) : undefined;
  }
  if (swc !== undefined) {
    const swcModule = resolvedNear('@swc/core', swc, tsNodeDir) ?? resolvedNear('@swc/wasm', swc, tsNodeDir);
    if (swcModule) found.push({ given: 'the swc ts-node transpiles with ("ts-node": { "swc": true }, or TS_NODE_SWC)', file: swcModule });
  }
  return found;
}
