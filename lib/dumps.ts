/**
 * egg's config dumps (`run/{application,agent}_config.json` and `_config_meta.json`, and the app's routes in
 * `run/router.json`) are written with the umask's mode (0644 under umask 022) and masked only by
 * `config.dump.ignore`, which matches key names and recurses into secret-named objects. egg-sentinel extends
 * `dump.ignore`, and rewrites the dumps with every secret masked (lib/secrets.ts maskSecrets, and the live config's
 * secret values wherever they stand) and mode 0600.
 *
 * When egg 3 writes them (egg/lib/application.js, agent.js, egg.js): right after loading, in the Application/Agent
 * constructor (after every boot hook's configWillLoad/configDidLoad), then again after ready, in a `process.nextTick`
 * of a ready callback, and once more on `startTimeout` (a failed start). egg 4 writes them only after ready and on
 * start timeout. So the app worker rewrites the app's and the agent's dumps at willReady, before it collects facts
 * (SEN204 then reports only what could not be fixed), and each process rewrites its own from didReady with
 * `setImmediate`, which runs after every pending nextTick, that is after egg's last regular write. egg overwrites the
 * file in place with `writeFileSync`, which keeps the 0600 mode of the file we left.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DumpRewrite } from './facts/files';
import { Redactor } from './report/redact';
import { writePrivateFile } from './report/write';
import { maskSecrets } from './secrets';

export type EggProcessType = 'application' | 'agent';

/**
 * Added to egg's `config.dump.ignore` (matched against key names) so that even egg's own write, before egg-sentinel
 * rewrites it, masks the names its default list misses: token, apiKey, privateKey, credentials, clientSecret, dsn…
 */
export const DUMP_IGNORE_EXTENSION: readonly RegExp[] = [
  /(?:pass(?:wd|word|phrase)?|pwd|secrets?|tokens?|credentials?|dsn)$/i,
  /(?:api|access|private|master|secret|signing|encryption)[-_]?keys?$/i,
];

/** Adds DUMP_IGNORE_EXTENSION to `config.dump.ignore` (a Set in egg's default, an array if the app set one). */
export function extendDumpIgnore(config: Record<string, unknown>): void {
  const dump = (config.dump ?? (config.dump = {})) as { ignore?: unknown };
  if (typeof dump !== 'object') return;
  if (dump.ignore instanceof Set) DUMP_IGNORE_EXTENSION.forEach(pattern => (dump.ignore as Set<unknown>).add(pattern));
  else if (Array.isArray(dump.ignore)) dump.ignore.push(...DUMP_IGNORE_EXTENSION);
  else dump.ignore = new Set(DUMP_IGNORE_EXTENSION);
}

interface DumpSource {
  dumpConfigToObject?: (this: unknown) => { config: unknown; meta: unknown };
}

/**
 * Wraps egg's `dumpConfigToObject` (egg 3 and 4), from which egg writes its config dumps, so that they are masked as
 * egg writes them: a process stopped before egg-sentinel rewrites its dumps (a second worker that the master stops
 * when the first refused boot) leaves no secret behind. The rewrite still follows, for the mode (egg writes with the
 * umask's) and for what only the file shows. `secrets`: the live config's secret values (collectSecretValues).
 */
export function maskDumpsAtSource(target: object, secrets: () => ReadonlySet<string>): void {
  const app = target as DumpSource;
  const dumpConfigToObject = app.dumpConfigToObject;
  if (typeof dumpConfigToObject !== 'function') return;
  app.dumpConfigToObject = function(this: unknown) {
    const dumped = dumpConfigToObject.call(this);
    // The config's secret values and secret shapes, in one pass: egg's own dump.ignore (extended with egg-sentinel's
    // key-name patterns) has masked secret-named keys. The rewrite's full masking (maskSecrets) walks key paths too,
    // which in every process's constructor cost a measurable share of boot.
    // The meta too: it maps every key to its file, a token used as a key included.
    const redactor = new Redactor(secrets());
    return { ...dumped, config: redactor.deep(dumped.config), meta: redactor.deep(dumped.meta) };
  };
}

const DUMP_READ_ATTEMPTS = 5;
const DUMP_READ_RETRY_MS = 20;

/**
 * Reads and parses a config dump. egg writes dumps in place (truncate, then write), and the app workers of one
 * cluster each write the application dump: a read can catch a sibling mid-write, so a parse error is retried briefly.
 */
export function readDump(file: string): unknown {
  for (let attempt = 1; ; attempt++) {
    const text = fs.readFileSync(file, 'utf8');
    try {
      return JSON.parse(text);
    } catch (error) {
      if (attempt >= DUMP_READ_ATTEMPTS) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, DUMP_READ_RETRY_MS);
    }
  }
}

const ROUTER_DUMP = 'router.json';

/** egg's dumps of a process: its config and config meta, and for the app worker `router.json` (every route). */
export function dumpFiles(runDir: string, type: EggProcessType): string[] {
  const files = [ path.join(runDir, `${type}_config.json`), path.join(runDir, `${type}_config_meta.json`) ];
  // A route path can carry a secret (a webhook path with a bot token), and egg writes the routes with the umask's mode.
  return type === 'application' ? [ ...files, path.join(runDir, ROUTER_DUMP) ] : files;
}

/**
 * Rewrites the dumps of the given processes that exist, masked and mode 0600; reports what could not be. `secrets`:
 * the live config's secret values (collectSecretValues), masked wherever they stand, also under a key whose name
 * says nothing (`cacheOptions.auth` holding the database password) and inside longer text.
 */
export function rewriteDumps(runDir: string, types: readonly EggProcessType[], secrets: ReadonlySet<string>): DumpRewrite[] {
  // router.json and the meta are JSON text: the Redactor also hides a secret as JSON escapes it (and masks shapes).
  const redactor = new Redactor(secrets);
  return types.flatMap(type => dumpFiles(runDir, type)).filter(file => fs.existsSync(file)).map(file => {
    try {
      let content: string;
      if (file.endsWith('_meta.json') || path.basename(file) === ROUTER_DUMP) {
        // The meta dump maps keys (a token used as a key among them) to file names; router.json holds hundreds of
        // routes with no secret-named key: both masked as JSON text, which walking them as data costs ~50 times more.
        content = redactor.text(JSON.stringify(readDump(file), null, 2));
      } else {
        content = `${JSON.stringify(redactor.deep(maskSecrets(readDump(file))), null, 2)}`;
      }
      writePrivateFile(file, content);
      return { file };
    } catch (error) {
      return { file, error: (error as Error).message.split('\n', 1)[0] };
    }
  });
}

export interface DumpLogger {
  warn(message: string, ...args: unknown[]): void;
}

/** From didReady: rewrites again once egg's after-ready dump (a nextTick of a ready callback) is on disk. */
export function rewriteDumpsAfterEgg(runDir: string, type: EggProcessType, logger: DumpLogger, secrets: ReadonlySet<string>): Promise<DumpRewrite[]> {
  return new Promise(resolve => setImmediate(() => resolve(rewriteDumpsLogged(runDir, type, logger, secrets))));
}

/**
 * egg dumps its config from a ready callback on a failed boot too, with the dump's write queued on nextTick. Called
 * from a ready callback registered after egg's, this queues the rewrite right behind that write: before the process
 * exits, which a refused worker does at once.
 */
export function rewriteDumpsAfterFailedBoot(runDir: string, type: EggProcessType, logger: DumpLogger, secrets: ReadonlySet<string>): void {
  process.nextTick(() => rewriteDumpsLogged(runDir, type, logger, secrets));
}

function rewriteDumpsLogged(runDir: string, type: EggProcessType, logger: DumpLogger, secrets: ReadonlySet<string>): DumpRewrite[] {
  const rewrites = rewriteDumps(runDir, [ type ], secrets);
  for (const { file, error } of rewrites) {
    if (error) logger.warn('[egg-sentinel] SEN204: could not rewrite %s with secrets masked and mode 0600: %s', file, error);
  }
  return rewrites;
}
