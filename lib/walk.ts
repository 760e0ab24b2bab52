/** Plain objects and arrays; class instances (loggers, Sets, RegExps, functions) are not config data. */
/** A plain object (not an array): what egg's config merge (extend2) walks into. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return isPlainData(value) && !Array.isArray(value);
}

export function isPlainData(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return true;
  if (!value || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** How deep walkPlainData goes by default: config is never nested this deep, and recursion must stay bounded. */
/** The value at a dotted key path (`bodyParser.queryString.depth`), or undefined where a step is no object. */
export function valueAt(config: Readonly<Record<string, unknown>>, keyPath: string): unknown {
  let node: unknown = config;
  for (const segment of keyPath.split('.')) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  return node;
}

export const MAX_WALK_DEPTH = 64;

export interface WalkOptions {
  maxDepth?: number;
  /** Called with the key path of each node at `maxDepth` that has children the walk does not visit. */
  tooDeep?: (keyPath: string) => void;
}

/**
 * Visits every node of a plain-data tree (the merged config, a parsed dump) once, depth-first, with its key path
 * (`a.b[0].c`) and the key names from the root (an array item has its array's name). Cycles are visited once.
 * `names` is one array the walk updates as it goes: read it during the call, copy it to keep it. (The walk runs over
 * thousands of config nodes at boot: a copy per node was most of what it allocated.)
 */
export function walkPlainData(root: unknown, visit: (value: unknown, keyPath: string, names: readonly string[], parent: unknown) => void,
  { maxDepth = MAX_WALK_DEPTH, tooDeep }: WalkOptions = {}): void {
  const seen = new WeakSet<object>();
  const names: string[] = [];
  const walk = (value: unknown, keyPath: string, depth: number, parent: unknown): void => {
    visit(value, keyPath, names, parent);
    if (!isPlainData(value) || seen.has(value)) return;
    if (depth >= maxDepth) {
      if (Object.keys(value).length) tooDeep?.(keyPath);
      return;
    }
    seen.add(value);
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        // Holes are not items (as forEach skips them).
        if (index in value) walk(value[index], `${keyPath}[${index}]`, depth + 1, value);
      }
      return;
    }
    const keys = Object.keys(value);
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      names.push(key);
      walk(value[key], keyPath ? `${keyPath}.${key}` : key, depth + 1, value);
      names.pop();
    }
  };
  walk(root, '', 0, undefined);
}
