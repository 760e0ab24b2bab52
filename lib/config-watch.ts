/**
 * The security-relevant config after the boot check. egg-security's middleware keep the objects of
 * `app.config.security` they were built with and read `enable`, `ignore`, `match` at every request, and its context
 * reads `app.config.security.csrf` again at each: a write after the check takes effect unchecked. Each
 * security-relevant key of the live objects becomes an accessor holding its value (a read is a call, nothing
 * allocated), and each security-relevant array's mutators are wrapped, so that every write through them is judged
 * before it stands.
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
  /** Watches `value`, now at `key` of `parent`, and what it holds. */
  watch(value: unknown, parent: object, key: string, keyPath: string): void;
}

/**
 * The watch each object reports to. egg's config shares its arrays, and the objects in them, with the config files'
 * modules, so apps booted in one process (egg-mock's) share them: an accessor or a mutator is installed once, and a
 * write goes to the watch of the app that watched the object last.
 */
const watches = new WeakMap<object, Watch>();
/** The keys of each object that are accessors installed here. */
const installed = new WeakMap<object, Set<string>>();
const wrappedArrays = new WeakSet<object>();

const join = (parentPath: string, key: string, inArray: boolean) => (inArray ? `${parentPath}[${key}]` : parentPath ? `${parentPath}.${key}` : key);

/**
 * Watches the security-relevant keys of `config` (lib/rules/injection.ts isSecurityRelevant, and the keys above them:
 * `logger` holds `logger.dir`), and `alsoWatched` (the keys guards' match/ignore functions read). `locked` (outside local/unittest, but for a test run) makes the accessors and the
 * mutators non-configurable, so `delete` and Object.defineProperty, which no accessor sees, fail; unlocked, egg-mock's
 * mm() replaces a key and puts the accessor back. Keys added after the check, and an array's items assigned by
 * index, are not seen here (lib/boot-app.ts compares snapshots for them).
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
    if (!link || (link.parent as Holder)[link.key] !== holder) return undefined;
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
      watch(value, parent, key, keyPath, 0);
    },
  };
  const watch = (value: unknown, parent: object, key: string, keyPath: string, depth: number): void => {
    if (!isPlainData(value) || depth >= MAX_WALK_DEPTH) return;
    // Linked to where it is now: an array's items move.
    const seen = links.has(value);
    links.set(value, { parent, key, keyPath });
    if (seen) return;
    watches.set(value, self);
    if (Array.isArray(value)) {
      if (relevant(keyPath)) watchMutators(value, locked);
      value.forEach((item, index) => watch(item, value, String(index), `${keyPath}[${index}]`, depth + 1));
    } else {
      watchKeys(value, keyPath, depth);
    }
  };
  const watchKeys = (holder: Holder, keyPath: string, depth: number) => {
    for (const key of Object.keys(holder)) {
      const at = join(keyPath, key, false);
      if (!holdsRelevant(at)) continue;
      watch(holder[key], holder, key, at, depth + 1);
      watchKey(holder, key, locked);
    }
  };
  watches.set(config, self);
  watchKeys(config, '', 0);
}

/** Makes `key` of `holder` an accessor holding its value, whose writes its watch judges. */
function watchKey(holder: Holder, key: string, locked: boolean): void {
  const keys = installed.get(holder) ?? new Set<string>();
  const own = Object.getOwnPropertyDescriptor(holder, key);
  if (keys.has(key) || !own || !('value' in own) || !own.configurable || !own.writable) return;
  installed.set(holder, keys.add(key));
  let value = own.value as unknown;
  const set = (to: unknown) => () => {
    value = to;
  };
  Object.defineProperty(holder, key, {
    configurable: !locked,
    enumerable: own.enumerable,
    get: () => value,
    set: function write(next: unknown) {
      if (Object.is(next, value)) return;
      const watch = watches.get(holder);
      if (!watch || watch.judging) return set(next)();
      const before = value;
      const at = watch.submit(holder, key, { value: next, replacesWhole: isPlainData(before) && isPlainData(next), stack: captureStack(write), apply: set(next), undo: set(before) });
      if (at !== undefined) watch.watch(next, holder, key, at);
    },
  });
}

/** Wraps the array's mutators: a change in place is judged by its watch, and undone when it does not stand. */
function watchMutators(array: unknown[], locked: boolean): void {
  if (wrappedArrays.has(array)) return;
  wrappedArrays.add(array);
  watchArray(array, (mutate, before) => {
    const watch = watches.get(array);
    if (!watch || watch.judging) return;
    const after = array.slice();
    const put = (items: unknown[]) => () => {
      Array.prototype.splice.call(array, 0, array.length, ...items);
    };
    put(before)();
    const at = watch.submit(array, undefined, { value: array, replacesWhole: false, stack: captureStack(mutate), apply: put(after), undo: put(before) });
    if (at !== undefined) array.forEach((item, index) => watch.watch(item, array, String(index), `${at}[${index}]`));
  }, locked);
}
