/**
 * The security-relevant config after the boot check. egg-security's middleware keep the objects of
 * `app.config.security` they were built with and read `enable`, `ignore`, `match` at every request, and its context
 * reads `app.config.security.csrf` again at each: a write after the check takes effect unchecked. Each
 * security-relevant key of the live objects becomes an accessor holding its value (a read is a call, nothing
 * allocated), and each security-relevant array's mutators are wrapped, so that every write through them is judged
 * before it stands. An array's `length` cannot be an accessor: such an array is held as a Proxy of itself whose writes
 * to `length` and to items (`length = 0`, `arr[i] = x`, `delete arr[i]`) are judged as a mutator's are.
 */
import { type CapturedStack, captureStack } from './caller-site';
import { watchArray } from './facts/middleware';
import { holdsSecurityRelevant, isSecurityRelevant } from './rules/injection';
import { isPlainData, MAX_WALK_DEPTH } from './walk';

/** A write to a watched key, not applied yet: the judge sees the config with it through apply() and without it through undo(). */
export interface WatchedWrite {
  /** The key written (`security.csrf.enable`), or the array changed in place. */
  keyPath: string;
  /** The value written; the array for a change in place. */
  value: unknown;
  /** An object or array assigned over an object or array: whoever kept the old one reads the old one. */
  replacesWhole: boolean;
  /**
   * Written on an object the config no longer holds (its key was assigned another since the check): a middleware that
   * kept it still reads it, and the config the rules judge does not show it.
   */
  detached: boolean;
  /** Where the write was made (lib/caller-site.ts formats it only when it is reported). */
  stack: CapturedStack;
  apply(): void;
  undo(): void;
}

/** Judges a write: whether it stands. The config is as before the write when it is called, and is set after from the answer. */
export type WriteJudge = (write: WatchedWrite) => boolean;

/** How a watched object hangs in a config: its holder and key, and the key path it had when it was watched. */
interface Link {
  parent: object;
  key: string;
  keyPath: string;
}

type Holder = Record<string, unknown>;

/** One config's watch: where its objects hang, and how a write to one is judged. */
interface Watch {
  /** A write being judged: writes made meanwhile (by nothing but the rules' reading) are not judged again. */
  judging: boolean;
  /** Judges a write to `key` of `holder` (to the array itself when no key), leaves it as judged, and returns the key path it stands at. */
  submit(holder: object, key: string | undefined, write: Omit<WatchedWrite, 'keyPath' | 'detached'>): string | undefined;
  /** Watches `value`, now at `key` of `parent`, and what it holds; returns what `parent` is to hold (an array's proxy). */
  watch(value: unknown, parent: object, key: string, keyPath: string): unknown;
}

/**
 * The watch each object reports to. egg's config shares its arrays, and the objects in them, with the config files'
 * modules, so apps booted in one process (egg-mock's) share them: an accessor or a mutator is installed once, and a
 * write goes to the watch of the app that watched the object last.
 */
const watches = new WeakMap<object, Watch>();
/** The keys of each object that are accessors installed here. */
const installed = new WeakMap<object, Set<string>>();
/** The proxy the config holds for each watched array (one, as the array is shared), and the array of each proxy. */
const arrayProxies = new WeakMap<unknown[], unknown[]>();
const proxiedArrays = new WeakMap<object, unknown[]>();

/** The array a proxy stands for; any other value as it is. */
const unproxied = (value: unknown): unknown => (value && typeof value === 'object' && proxiedArrays.get(value)) || value;

/** Puts `held` (an array's proxy) at `index` of `array` in place of the item it stands for: the array itself, no judging. */
const holdItem = (array: unknown[], index: number, held: unknown) => {
  if (held !== array[index]) Reflect.set(array, index, held);
};

const join = (parentPath: string, key: string, inArray: boolean) => (inArray ? `${parentPath}[${key}]` : parentPath ? `${parentPath}.${key}` : key);

/**
 * Watches the security-relevant keys of `config` (lib/rules/injection.ts isSecurityRelevant, and the keys above them:
 * `logger` holds `logger.dir`), and `alsoWatched` (the keys guards' match/ignore functions read). `locked` (outside local/unittest, but for a test run) makes the accessors and the
 * mutators non-configurable, so `delete` and Object.defineProperty, which no accessor sees, fail; unlocked, egg-mock's
 * mm() replaces a key and puts the accessor back. Keys added to an object after the check, and the arrays a key cannot
 * hold as a proxy (a frozen object's), are not seen here (lib/boot-app.ts compares snapshots for them).
 */
export function watchSecurityConfig(config: Holder, locked: boolean, judge: WriteJudge, alsoWatched: readonly string[] = []): void {
  const links = new WeakMap<object, Link>();
  // Keys a guard's match/ignore function reads (`auth.publicPaths`, or a guard's own options whole), watched as
  // security-relevant with what they hold, and the keys above them.
  const below = (keyPath: string, top: string) => keyPath.startsWith(`${top}.`) || keyPath.startsWith(`${top}[`);
  const relevant = (keyPath: string) => isSecurityRelevant(keyPath) || alsoWatched.some(read => read === keyPath || below(keyPath, read));
  const holdsRelevant = (keyPath: string) => holdsSecurityRelevant(keyPath) || relevant(keyPath) || alsoWatched.some(read => below(read, keyPath));
  /** The key path of a watched object in the config now; undefined when the config no longer holds it. */
  const pathOf = (holder: object): string | undefined => {
    if (holder === config) return '';
    const link = links.get(holder);
    if (!link || unproxied((link.parent as Holder)[link.key]) !== holder) return undefined;
    const parentPath = pathOf(link.parent);
    return parentPath === undefined ? undefined : join(parentPath, link.key, Array.isArray(link.parent));
  };
  const self: Watch = {
    judging: false,
    submit(holder, key, write) {
      const holderPath = pathOf(holder);
      const keyPath = (at: string) => (key === undefined ? at : join(at, key, Array.isArray(holder)));
      self.judging = true;
      let stands = false;
      try {
        stands = judge({ ...write, keyPath: keyPath(holderPath ?? links.get(holder)?.keyPath ?? ''), detached: holderPath === undefined });
      } finally {
        self.judging = false;
        if (stands) write.apply();
        else write.undo();
      }
      return stands && holderPath !== undefined ? keyPath(holderPath) : undefined;
    },
    watch(value, parent, key, keyPath) {
      return watch(value, parent, key, keyPath, 0);
    },
  };
  const watch = (value: unknown, parent: object, key: string, keyPath: string, depth: number): unknown => {
    const data = unproxied(value);
    if (!isPlainData(data) || depth >= MAX_WALK_DEPTH) return value;
    // Linked to where it is now: an array's items move.
    const seen = links.has(data);
    links.set(data, { parent, key, keyPath });
    const held = Array.isArray(data) && (arrayProxies.has(data) || relevant(keyPath)) ? watchArrayWrites(data, locked) : data;
    if (seen) return held;
    watches.set(data, self);
    if (Array.isArray(data)) {
      data.forEach((item, index) => holdItem(data, index, watch(item, data, String(index), `${keyPath}[${index}]`, depth + 1)));
    } else {
      watchKeys(data, keyPath, depth);
    }
    return held;
  };
  const watchKeys = (holder: Holder, keyPath: string, depth: number) => {
    for (const key of Object.keys(holder)) {
      const at = join(keyPath, key, false);
      if (!holdsRelevant(at)) continue;
      watchKey(holder, key, locked, watch(holder[key], holder, key, at, depth + 1));
    }
  };
  watches.set(config, self);
  watchKeys(config, '', 0);
}

/** Makes `key` of `holder` an accessor holding `held` (its value, or the value's proxy), whose writes its watch judges. */
function watchKey(holder: Holder, key: string, locked: boolean, held: unknown): void {
  const keys = installed.get(holder) ?? new Set<string>();
  const own = Object.getOwnPropertyDescriptor(holder, key);
  if (keys.has(key) || !own || !('value' in own) || !own.configurable || !own.writable) return;
  installed.set(holder, keys.add(key));
  let value = held;
  const set = (to: unknown) => () => {
    value = to;
  };
  Object.defineProperty(holder, key, {
    configurable: !locked,
    enumerable: own.enumerable,
    get: () => value,
    set: function write(next: unknown) {
      // The array a proxy stands for, written back, is no change.
      if (Object.is(unproxied(next), unproxied(value))) return;
      const watch = watches.get(holder);
      if (!watch || watch.judging) return set(next)();
      const before = value;
      const at = watch.submit(holder, key, { value: next, replacesWhole: isPlainData(before) && isPlainData(next), stack: captureStack(write), apply: set(next), undo: set(before) });
      if (at !== undefined) value = watch.watch(next, holder, key, at);
    },
  });
}

/** Whether an array's items (holes as holes) and length are as they were. */
function sameItems(before: readonly unknown[], after: readonly unknown[]): boolean {
  if (before.length !== after.length) return false;
  for (let index = 0; index < after.length; index++) if (index in before !== index in after || !Object.is(before[index], after[index])) return false;
  return true;
}

/** A key of an array whose write changes its items: `length`, or an index. */
const isItemKey = (key: string | symbol) => key === 'length' || (typeof key === 'string' && /^(?:0|[1-9]\d*)$/.test(key));

/**
 * Judges each change of the array in place by its watch, and undoes it when it does not stand: a call of its mutators
 * (on the array, or on its proxy), and a write to its `length` or items through the proxy returned, which is what the
 * config holds from now on (an array's `length` is no property an accessor can replace).
 */
function watchArrayWrites(array: unknown[], locked: boolean): unknown[] {
  const known = arrayProxies.get(array);
  if (known) return known;
  /** `made` (the mutator or the proxy's trap) changed the array from `before`: judged as one write of the whole array. */
  const judgeChange = (before: unknown[], made: (...args: never[]) => unknown) => {
    const watch = watches.get(array);
    if (!watch || watch.judging || sameItems(before, array)) return;
    const after = array.slice();
    const put = (items: unknown[]) => () => {
      Array.prototype.splice.call(array, 0, array.length, ...items);
    };
    put(before)();
    const at = watch.submit(array, undefined, { value: array, replacesWhole: false, stack: captureStack(made), apply: put(after), undo: put(before) });
    if (at !== undefined) array.forEach((item, index) => holdItem(array, index, watch.watch(item, array, String(index), `${at}[${index}]`)));
  };
  /** Makes a write to an item or `length` through the proxy on the array itself, judged. */
  const itemWrite = (key: string | symbol, write: () => boolean, trap: (...args: never[]) => unknown) => {
    if (!isItemKey(key)) return write();
    const before = array.slice();
    const written = write();
    if (written) judgeChange(before, trap);
    return written;
  };
  const proxy: unknown[] = new Proxy(array, {
    set: function set(target, key, value, receiver) {
      // An object whose prototype is the proxy gets the key itself.
      if (receiver !== proxy) return Reflect.set(target, key, value, receiver);
      return itemWrite(key, () => Reflect.set(target, key, value), set);
    },
    deleteProperty: function deleteProperty(target, key) {
      return itemWrite(key, () => Reflect.deleteProperty(target, key), deleteProperty);
    },
    defineProperty: function defineProperty(target, key, descriptor) {
      return itemWrite(key, () => Reflect.defineProperty(target, key, descriptor), defineProperty);
    },
  });
  arrayProxies.set(array, proxy);
  proxiedArrays.set(proxy, array);
  // Locked below, over watchArray's wrappers (the array's own methods): a mutator called on the proxy runs on the
  // array, whose change watchArray's wrapper judges whole, not the proxy's item by item.
  watchArray(array, (mutate, before) => judgeChange(before, mutate));
  const methods = array as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of Object.getOwnPropertyNames(array)) {
    const watched = methods[method];
    if (typeof watched !== 'function' || !(method in Array.prototype)) continue;
    Object.defineProperty(array, method, { configurable: !locked, writable: !locked, value: function mutate(this: unknown, ...args: unknown[]) {
      return watched.apply(this === proxy ? array : this, args);
    } });
  }
  return proxy;
}
