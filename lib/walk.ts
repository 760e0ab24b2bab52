/** Plain objects and arrays; class instances (loggers, Sets, RegExps, functions) are not config data. */
export function isPlainData(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return true;
  if (!value || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Visits every node of a plain-data tree (the merged config, a parsed dump) once, depth-first, with its key path
 * (`a.b[0].c`) and the key names from the root (an array item has its array's name). Cycles are visited once.
 */
export function walkPlainData(root: unknown, visit: (value: unknown, keyPath: string, names: readonly string[]) => void, maxDepth = 32): void {
  const seen = new WeakSet<object>();
  const walk = (value: unknown, keyPath: string, names: readonly string[], depth: number): void => {
    visit(value, keyPath, names);
    if (!isPlainData(value) || depth >= maxDepth || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, `${keyPath}[${index}]`, names, depth + 1));
      return;
    }
    for (const [ key, child ] of Object.entries(value)) walk(child, keyPath ? `${keyPath}.${key}` : key, [ ...names, key ], depth + 1);
  };
  walk(root, '', [], 0);
}
