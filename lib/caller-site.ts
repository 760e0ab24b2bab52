import fs from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What Error.captureStackTrace left on an object: V8 formats `stack`, which costs most, only when it is first read. */
export interface CapturedStack {
  stack?: string;
}

/** A router package between the app and egg's router (egg-router-plus's redirect) adds frames. */
const CALLER_FRAMES = 30;

/**
 * The calls that led to `below` (its own frame and those it made left out), at most `frames` of them, as cheaply as
 * V8 takes a stack: nothing is formatted until `stack` is read (callerSite), so a site can be taken for every call
 * and formatted only for the few that are reported.
 */
export function captureStack(below: (...args: never[]) => unknown, frames = CALLER_FRAMES): CapturedStack {
  const holder: CapturedStack = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = frames;
  Error.captureStackTrace(holder, below);
  Error.stackTraceLimit = limit;
  return holder;
}

interface Frame {
  file: string;
  line: number;
  column: number;
}

/** The frames of a stack with an absolute file outside `skipDirs`, innermost first. */
function framesOutside(captured: CapturedStack, skipDirs: string[]): Frame[] {
  return (captured.stack ?? '').split('\n').slice(1).flatMap(line => {
    const frame = /\(?([^\s()]+):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!frame || !path.isAbsolute(frame[1]) || skipDirs.some(dir => frame[1].startsWith(dir + path.sep))) return [];
    return [{ file: frame[1], line: Number(frame[2]), column: Number(frame[3]) }];
  });
}

/**
 * The first frame outside `skipDirs` (the router, egg-core, egg-sentinel) and outside node_modules, else the first
 * outside `skipDirs`: the app's file that made the call, or the package's.
 */
function callerFrame(skipDirs: string[], captured: CapturedStack): Frame | undefined {
  const frames = framesOutside(captured, skipDirs);
  // The app's own file rather than a router package's; a plugin's routes have no frame outside node_modules.
  return frames.find(frame => !inNodeModules(frame.file)) ?? frames[0];
}

/** `<file>:<line>` of the caller (callerFrame) of the function that calls this one, or of the stack `captured`. */
export function callerSite(skipDirs: string[], captured = captureStack(callerSite)): string | undefined {
  const frame = callerFrame(skipDirs, captured);
  return frame && `${frame.file}:${frame.line}`;
}

/**
 * callerSite in the app's source: for a frame in a `.js` that tsc compiled in place (egg's TypeScript apps run so in
 * production, the `.ts` beside it), the line of the `.ts`. A package's frame stays where it is: its source map or a
 * `.ts` beside it would choose where a finding about its route points.
 */
export function callerSourceSite(skipDirs: string[], captured: CapturedStack): string | undefined {
  const frame = callerFrame(skipDirs, captured);
  return frame && (frame.file.endsWith('.js') && !inNodeModules(frame.file) && typeScriptSite(frame) || `${frame.file}:${frame.line}`);
}

function inNodeModules(file: string): boolean {
  return file.includes(`${path.sep}node_modules${path.sep}`);
}

const SOURCE_MAP_URL = /\/\/[#@] sourceMappingURL=(\S+)\s*$/;
const INLINE_MAP = /^data:application\/json;(?:charset=utf-?8;)?base64,/i;

type Placer = (frame: Frame) => string | undefined;
/** By compiled file and its mtime: a file is read once however many of its lines are asked for (an inline handler per route). */
const placers = new Map<string, Placer>();

/**
 * `<file>:<line>` of a compiled frame in its TypeScript source: through the source map tsc wrote (inline, as egg's
 * @eggjs/tsconfig has it, or a `.js.map`), to a source that exists; else, when a `.ts` is beside the `.js`, the one
 * line of it that holds the frame's line's text, white space aside (tsc keeps a statement's text where its target
 * needs no down-levelling). Undefined when neither places it.
 */
function typeScriptSite(frame: Frame): string | undefined {
  try {
    const key = `${frame.file}\n${fs.statSync(frame.file).mtimeMs}`;
    let place = placers.get(key);
    if (!place) placers.set(key, place = typeScriptPlacer(frame.file));
    return place(frame);
  } catch {
    return undefined; // a file gone since it ran: the frame as it is
  }
}

function typeScriptPlacer(file: string): Placer {
  const code = fs.readFileSync(file, 'utf8');
  const url = SOURCE_MAP_URL.exec(code.trimEnd())?.[1];
  const map = url ? readSourceMap(file, url) : undefined;
  if (map) return frame => mappedSite(map, frame);
  const source = `${file.slice(0, -'.js'.length)}.ts`;
  if (!fs.existsSync(source)) return () => undefined;
  // Without white space: tsc re-indents, puts a loop's body on a line of its own and respaces brackets.
  const compact = (text: string) => text.replace(/\s+/g, '');
  const compiled = code.split('\n');
  const lines = fs.readFileSync(source, 'utf8').split('\n').map(compact);
  return frame => {
    const wanted = compact(compiled[frame.line - 1] ?? '');
    const found = wanted ? lines.flatMap((text, index) => (text.includes(wanted) ? [ index + 1 ] : [])) : [];
    return found.length === 1 ? `${source}:${found[0]}` : undefined;
  };
}

interface ReadSourceMap {
  map: SourceMap;
  /** What the map's sources are relative to. */
  base: string;
}

/** A map file larger than this is not read: tsc's maps of an app's files are kilobytes. */
const MAX_MAP_BYTES = 8 * 1024 * 1024;

function readSourceMap(file: string, url: string): ReadSourceMap | undefined {
  try {
    const inline = INLINE_MAP.exec(url);
    const mapFile = inline ? file : path.resolve(path.dirname(file), decodeURIComponent(url));
    // A regular file only: a URL naming a device or a FIFO would never end (or never start).
    if (!inline) {
      const stats = fs.statSync(mapFile);
      if (!stats.isFile() || stats.size > MAX_MAP_BYTES) return undefined;
    }
    const payload = JSON.parse(inline ? Buffer.from(url.slice(inline[0].length), 'base64').toString('utf8') : fs.readFileSync(mapFile, 'utf8')) as SourceMapPayload;
    return { map: new SourceMap(payload), base: path.resolve(path.dirname(mapFile), payload.sourceRoot || '') };
  } catch {
    return undefined; // a map that cannot be read or parsed places nothing
  }
}

function mappedSite({ map, base }: ReadSourceMap, frame: Frame): string | undefined {
  const entry = map.findEntry(frame.line - 1, frame.column - 1);
  if (!('originalSource' in entry)) return undefined;
  const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : path.resolve(base, entry.originalSource);
  return fs.existsSync(source) ? `${source}:${entry.originalLine + 1}` : undefined;
}

/** The files of the stack frames outside `skipDirs`, innermost first (at most CALLER_FRAMES). */
export function callerFiles(skipDirs: string[]): string[] {
  return framesOutside(captureStack(callerFiles), skipDirs).map(frame => frame.file);
}
