/** The app worker's boot hook: every rule runs here, and this is where boot is refused. */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { type BootTarget, type HookTarget, SentinelBootHook } from './boot';
import { callerSite } from './caller-site';
import { changedKeyPaths, changesNotByTheApp, type ConfigLeaves, configLeaves, type ConfigWriteRecorder, recordConfigWrites, SENTINEL_CHANGED_FIX,
  earlierChangeProblems, isSentinelKey, sentinelChangedProblems, writeCovers } from './config-changes';
import { watchSecurityConfig, type WatchedWrite } from './config-watch';
import type { SentinelConfig } from './config/types';
import { SentinelConfigError, validateSentinelConfig } from './config/validate';
import { changesBeforeHook, type EarlierConfigChange } from './facts/config-files';
import { realPathOrAbsolute } from './facts/real-path';
import { rewriteDumps } from './dumps';
import { runChecks } from './engine';
import { type CollectOptions, collectFacts } from './facts/collect';
import { checkGitignore } from './facts/files';
import { receivePreparedFacts } from './facts/handover';
import { collectMiddlewareFacts, type MiddlewareSource, type RecordTarget, recordAppUses, recordRouteRegistrations, routesChangedAfterCollection, watchArray, watchRouters, watchRouteStacks } from './facts/middleware';
import { toDisplayPath } from './facts/collect';
import { loadPluginListsAgain, type PluginLists } from './facts/plugin-list';
import { bootedByEggMock } from './facts/plugins';
import { dropStack } from './quiet-error';
import type { Facts } from './facts/types';
import { middlewareRules } from './rules/middleware';
import { eggRunDir } from './facts/run-dir';
import { SentinelBootError } from './report/boot-error';
import { Redactor } from './report/redact';
import type { SentinelReport } from './report/report';
import { formatChain } from './report/route-table';
import { markRefused, REFUSAL_SWALLOWED } from './process-marks';
import { formatText } from './report/text';
import { bootReportFile, writeReportFile } from './report/write';
import { RULE_IDS, RULES } from './rules';
import { holdsSecurityRelevant, isSecurityRelevant } from './rules/injection';
import type { Rule } from './rules/types';
import type { Finding } from './report/finding';
import { CODE_GUARDED_ROOTS, guardedLeaves } from './rules/plugins';
import { isDevelopmentEnv } from './report/severity';
import { roundTimings, type Timings, timed } from './timing';

/** Late routes named in the warning; the rest are counted. */
const MAX_LISTED_LATE_ROUTES = 20;
/** When the routes are looked at again after this plugin's serverDidReady: the app's own hook has run by then. */
const LATE_ROUTES_RECHECK_MS = 1000;

/** The response of the request a late route's gate judged a change for: the worker exits once it is sent. */
interface Answering {
  once(event: 'close', listener: () => void): unknown;
}

/** An error's message, or what a thrown value that is no Error says (one without a prototype says nothing). */
function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return 'a thrown value that is not an Error';
  }
}

/** What changed after the check: the middleware chain, or (only) the routes. */
type ServedChange = 'chain' | 'routes';
/** What the gate does to the routes added or changed after the check while a late change blocks. */
const LATE_ROUTES_503 = 'Every route added or changed after the boot check answers 503, never its functions, until a later change is judged clean';
/** What a blocked late change does. */
const LATE_ROUTES_SHUT = `${LATE_ROUTES_503} (outside local/unittest the worker exits).`;
/** A late route change whose judgement failed: the worker keeps serving every route the check judged. */
const LATE_ROUTES_SHUT_KEPT = `${LATE_ROUTES_503}; the routes the boot check judged are served as before.`;
/** What the late routes' 503 says while a change is judged, and when its judgement stopped before it could say more. */
const LATE_JUDGEMENT_UNFINISHED = `[egg-sentinel] A change after the boot check could not be judged. ${LATE_ROUTES_503}; the error log says why.`;
const CHAIN_CHANGE = { what: 'the middleware chain', how: 'changed app.middleware', where: 'app.middleware',
  fix: 'Change the chain in config.middleware or in a hook before willReady, so it is checked.' };
/** What to do about security-relevant config written after the check. */
const LATE_CONFIG_FIX = 'Set it in the config files, where the boot check judges it, and find the code that writes to app.config after boot.';
/** Why a late config.keys does not rotate the keys (egg's Application#keys caches what it split at the first read). */
const KEYS_READ_ONCE = ' egg reads config.keys into app.keys once, at their first use (the first signed or encrypted cookie), and egg-cookies signs ' +
  'and verifies with those from then on: once they were read, new keys take effect only at a restart.';
const KEYS_ROTATION_FIX = 'Rotate the keys by restarting the app with the new ones in the environment its config reads them from (`EGG_KEYS=<new>,<old>`: ' +
  'egg signs with the first and still verifies with the rest).';
/**
 * Keys a library adds to the config at a request, with the value it reads when they are unset: co-body's form parser
 * (egg's bodyParser) writes `allowDots = true` into config.bodyParser.queryString at the first urlencoded body.
 */
const REQUEST_DEFAULTS: ReadonlyMap<string, string> = new Map([ [ 'bodyParser.queryString.allowDots', 'true' ] ]);
const ROUTES_CHANGE = { what: 'the routes', how: 'added a route, or changed the functions or the path of one (router.prefix())', where: 'a route added, or its middleware or path changed',
  fix: 'Register routes and their middleware in app/router, or in a boot hook that runs before willReady, so they are checked.' };

export function reportFilePath(config: SentinelConfig, runDir: string): string {
  return bootReportFile({ report: { path: config.report?.path } }, runDir) as string;
}

/**
 * Collects facts, runs the rules, logs and writes the report; throws SentinelBootError when boot must be refused.
 * `earlierTimings`: the checks' steps that ran before (when the hook was constructed), reported and counted in the total.
 */
export async function runBootChecks(egg: BootTarget, config: SentinelConfig, dumpSecrets: ReadonlySet<string>,
  codeChanges?: CollectOptions['codeChanges'], earlierTimings: Timings = {}): Promise<{ report: SentinelReport; facts: Facts }> {
  const started = performance.now();
  const timings: Timings = {};
  // egg's plugin lists again, from the files: a plugin's boot code may have taken itself off those on egg's loader.
  // With Object.prototype polluted (SEN302) they are not derived again and egg's lists are judged; a derivation that
  // fails otherwise refuses the boot.
  let pluginLists: PluginLists | undefined;
  let listingError: Error | undefined;
  try {
    pluginLists = await loadPluginListsAgain(egg.loader);
  } catch (error) {
    listingError = error as Error;
  }
  timings.pluginLists = performance.now() - started;
  // What the agent collected for this boot (lib/facts/handover.ts); without it the worker collects everything.
  const prepared = await receivePreparedFacts(egg, config, pluginLists);
  if (prepared) timings.handover = performance.now() - started - timings.pluginLists;
  const runDir = eggRunDir(egg);
  const gitignore = prepared?.gitignore ?? checkGitignore(egg.baseDir, runDir);
  // Rewrite egg's dumps first: SEN204 then reports only what egg-sentinel could not fix. The agent rewrote its own.
  const dumpRewrites = config.dumps?.rewrite === false ? undefined : timed(timings, 'dumps', () =>
    (prepared?.agentDumps ? [ ...rewriteDumps(runDir, [ 'application' ], dumpSecrets), ...prepared.agentDumps ] : rewriteDumps(runDir, [ 'application', 'agent' ], dumpSecrets)));
  const staleReportFile = config.report?.file === false ? reportFilePath(config, runDir) : undefined;
  const facts = collectFacts(egg, { dumpRewrites, staleReportFile, prepared, gitignore: await gitignore, timings, codeChanges, pluginLists });
  const report = runChecks(facts, { config, timings });
  const earlier = Object.values(earlierTimings).reduce((sum, ms) => sum + ms, 0);
  report.timings = roundTimings({ ...earlierTimings, ...timings, total: earlier + performance.now() - started });
  const logger = egg.coreLogger;
  if (config.report?.log !== false && report.middleware.length) {
    logger.info('[egg-sentinel] effective middleware chain (first runs first):\n%s', formatChain(report.middleware));
  }
  saveReport(logger, config, facts.app.runDir, report);
  if (report.refused) throw new SentinelBootError(report);
  if (listingError) throw pluginListingFailed(listingError);
  if (config.report?.log !== false) {
    const text = formatText(report);
    if (report.findings.some(finding => !finding.waivedBy)) logger.warn('[egg-sentinel] %s', text);
    else logger.info('[egg-sentinel] %s', text);
  }
  return { report, facts };
}

/** Writes the report file unless config.sentinel.report.file is false. */
function saveReport(logger: BootTarget['coreLogger'], config: SentinelConfig, runDir: string, report: SentinelReport): void {
  if (config.report?.file === false) return;
  const file = reportFilePath(config, runDir);
  try {
    writeReportFile(file, `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    // The verdict still stands; a missing report file must not hide it or crash boot.
    logger.warn('[egg-sentinel] could not write the report to %s: %s', file, (error as Error).message);
  }
}

/** The plugin lists could not be derived again: a plugin off egg's lists would go unjudged, so boot is refused. */
function pluginListingFailed(cause: Error): Error {
  const error = new Error('[egg-sentinel] could not derive the plugin list again from config/plugin.*, EGG_PLUGINS and the start options ' +
    `(${cause.message}): a plugin that took itself off app.loader's lists would go unjudged, boot refused. Find the boot hook or module that ` +
    'changed what egg reads the plugins from during boot (EGG_PLUGINS, a plugin\'s directory) and remove it; a config/plugin.* file must run again as it ran ' +
    'at boot (no top-level code that throws the second time).');
  dropStack(error);
  return error;
}

/**
 * The app worker's boot hook. The app worker is where boot is refused: it has every fact (middleware, routes), and
 * under egg-mock an error from the agent escapes as an unhandled 'error' event instead of rejecting `ready()`.
 * Under egg-cluster a refused worker makes the master exit non-zero.
 */
export class SentinelAppBootHook extends SentinelBootHook {
  /** The security-relevant config leaves as the check judged them, and as judged writes since changed them. */
  private securityAtCheck?: Map<string, string>;
  /** The facts of the check, for judging the config again after it. */
  private checkedFacts?: Facts;
  /** SEN108's keys as the config files set them: a plugin's boot hook changing one leaves no trace in configMeta. */
  private readonly guardedAtLoad: ConfigLeaves;
  private readonly configWrites: ConfigWriteRecorder;
  /** Keys of config.sentinel and SEN108's that code changed before this hook was constructed (lib/facts/config-files.ts). */
  private readonly earlierChanges: EarlierConfigChange[];
  /** What the constructor's part of the checks took (`configFiles`), for the report's timings. */
  private readonly constructorTimings: Timings = {};
  /** This worker's check refused its boot (per app: egg-mock boots many in one process). */
  private refused = false;

  constructor(app: HookTarget) {
    super(app, 'app', RULE_IDS);
    this.earlierChanges = timed(this.constructorTimings, 'configFiles', () =>
      changesBeforeHook(app, new.target, config => new Map([ ...configLeaves(config.sentinel, 'sentinel'), ...guardedLeaves(config) ])));
    // Before any other hook runs: who changes config.sentinel and SEN108's keys from here on (the app's hooks may; a
    // plugin may not).
    this.guardedAtLoad = guardedLeaves(app.config);
    this.configWrites = recordConfigWrites(app.config, [ 'sentinel', ...CODE_GUARDED_ROOTS ]);
    // Before any other hook of the app runs, which may mount a router built when egg required its app.js.
    watchRouters(app as unknown as RecordTarget);
    recordAppUses(app);
    // A boot that fails before its check wrote a report (config.sentinel invalid, another plugin's error) must not
    // leave the report of an earlier boot to say all was well.
    app.ready?.(error => {
      if (error && !this.target.sentinel?.report && !(error instanceof SentinelBootError)) this.removeEarlierReport({ unlessLive: false });
      // Registered before egg-cluster's worker registers its listen(): a refusal swallowed on its way exits here.
      if (!error && this.refused) this.refusalSwallowed();
    });
  }

  /** configWillLoad runs before egg loads app/router: record each route's controller file and method as it registers. */
  configWillLoad(): void {
    recordRouteRegistrations(this.target);
  }

  /** willReady: egg 3 adds the router middleware in a beforeStart task, which has finished by now. */
  async willReady(): Promise<void> {
    try {
      this.configWrites.stop();
      if (this.startupError || !this.config) throw this.startupError;
      this.refuseSentinelChangedByCode();
      const codeChanges = { changed: changedKeyPaths(this.guardedAtLoad, guardedLeaves(this.target.config)), writes: this.configWrites.writes,
        earlier: this.earlierChanges.filter(change => !isSentinelKey(change.keyPath)) };
      const { report, facts } = await runBootChecks(this.target, this.config, this.dumpSecrets, codeChanges, this.constructorTimings);
      this.target.sentinel = { ...this.target.sentinel, report };
      this.watchServedChain(facts, report);
      this.watchLateConfig(facts);
    } catch (error) {
      this.refused = true;
      markRefused();
      throw error;
    }
  }

  /**
   * From the check on, each write to the security-relevant config (lib/config-watch.ts) is judged by every rule, on the
   * config with it against the config without it, as the late routes are: a write that brings a blocking finding is
   * refused (the key keeps its value; an error names the key, the rule and the writer once per key), and so is one
   * that cannot be judged; anything else takes effect, with a warning naming the key and the writer.
   */
  private watchLateConfig(facts: Facts): void {
    const logger = this.target.coreLogger;
    this.checkedFacts = facts;
    const atCheck = this.securityAtCheck = securityLeaves(this.target.config);
    const refused = new Set<string>();
    const warned = new Set<string>();
    // A test suite mocks the config with egg-mock's mm(), which replaces an accessor and puts it back, whatever env it
    // runs (EGG_SERVER_ENV=staging under egg-bin test); egg-mock under NODE_ENV=production is no test run (SEN606).
    const testRun = bootedByEggMock(this.target.options.plugins) && process.env.NODE_ENV !== 'production';
    const locked = !testRun && !isDevelopmentEnv(String(this.target.config.env), process.env.NODE_ENV);
    watchSecurityConfig(this.target.config, locked, (write: WatchedWrite) => {
      const site = callerSite([ __dirname ], write.stack);
      const by = site ? toDisplayPath(facts.app.baseDir, site) : 'code egg-sentinel could not place';
      const refuse = (why: string, error?: unknown) => {
        if (!refused.has(write.keyPath)) {
          refused.add(write.keyPath);
          logger.error('[egg-sentinel] config.%s was written after the boot check by %s, and %s. The write is refused: config.%s keeps its value. %s%s',
            write.keyPath, by, why, write.keyPath, LATE_CONFIG_FIX, error instanceof Error ? `\n${error.stack}` : '');
        }
        return false;
      };
      // A middleware that kept the object (egg-security's keep config.security's) reads what the rules no longer see.
      if (write.detached) return refuse('the object it was written on is no longer in the config (a key above it was assigned another after the check), ' +
        'while a middleware built at boot may still read it, so the write cannot be judged');
      let fresh: Finding[];
      try {
        const known = new Set(this.recheck(facts, RULES).findings.map(findingKey));
        write.apply();
        // Its findings say the key was set by the writer, not by the file that set it at load.
        fresh = newFindings(this.recheck({ ...facts, writtenAfterCheck: write.keyPath, provenance: keyPath => (writeCovers(write.keyPath, keyPath) ? by : facts.provenance(keyPath)) }, RULES), known);
      } catch (error) {
        return refuse(`judging the config with it failed: ${errorText(error)}`, error);
      }
      const blocking = fresh.filter(finding => finding.blocking);
      if (blocking.length) return refuse(`the config with it fails the check: ${blocking.map(finding => `${finding.ruleId} ${finding.message} (fix: ${finding.fix})`).join('; ')}`);
      // What warnLateConfig compares with: this change was judged.
      for (const keyPath of [ ...atCheck.keys() ]) if (writeCovers(write.keyPath, keyPath)) atCheck.delete(keyPath);
      for (const [ keyPath, text ] of configLeaves(write.value, write.keyPath)) if (isSecurityRelevant(keyPath)) atCheck.set(keyPath, text);
      const said = `${write.keyPath} ${by}`;
      if (warned.has(said)) return true;
      warned.add(said);
      const keys = write.keyPath === 'keys';
      logger.warn('[egg-sentinel] config.%s was changed after the boot check by %s, and %s: checked again, %s.%s %s', write.keyPath, by, keys ? 'is set in the config' : 'takes effect',
        fresh.length ? `new finding(s) below failOn: ${fresh.map(finding => `${finding.ruleId} ${finding.message}`).join('; ')}` : 'no new finding',
        write.replacesWhole ? ' It was replaced whole: a middleware built at boot (egg-security\'s) keeps reading the object it held, other code reads the new one.' : keys ? KEYS_READ_ONCE : '',
        keys ? KEYS_ROTATION_FIX : LATE_CONFIG_FIX);
      return true;
    }, facts.configReadByFilters);
  }

  /** Runs `rules` on the facts of the check with the middleware chain and routes as they are now. */
  private recheck(facts: Facts, rules: readonly Rule[]): SentinelReport {
    const relative = (file: string) => toDisplayPath(facts.app.baseDir, file);
    return runChecks({ ...facts, ...collectMiddlewareFacts(this.target as unknown as MiddlewareSource, relative) }, { config: this.config as SentinelConfig, rules });
  }

  /**
   * koa composes the chain over app.middleware itself, and egg's router reads its routes and their functions at each
   * request: a function put into the chain (or taken out), a route added, or a route's functions changed after the
   * check, in a didReady hook or any time later, answers requests unchecked, whenever the server was made. Each change
   * is judged a turn later by the middleware rules again: a blocking finding the check did not have refuses the worker
   * (outside local/unittest; said there), anything else is warned about. Watched through the arrays' own mutators and
   * the properties, so requests read plain arrays. A route added or changed is gated until then: its first request
   * has the change judged at once, and while the judgement blocks (or could not be made) it is answered 503, never by
   * its functions.
   */
  private watchServedChain(facts: Facts, report: SentinelReport): void {
    const app = this.target as unknown as { middleware?: unknown[]; once?: (event: string, listener: () => void) => unknown };
    if (!Array.isArray(app.middleware)) return;
    // By severity too: a boot finding below the threshold does not make the same rule's blocking one on its target known.
    const known = new Set(report.findings.map(findingKey));
    let pending: NodeJS.Immediate | undefined;
    // Why the late routes answer 503, while a judgement blocks them.
    let shut: string | undefined;
    const changes = new Set<ServedChange>();
    const judge = (answering?: Answering) => {
      clearImmediate(pending);
      pending = undefined;
      const change = changes.has('chain') ? CHAIN_CHANGE : ROUTES_CHANGE;
      // Shut until judged clean: a judgement, or its report, that throws leaves the late routes shut.
      shut = LATE_JUDGEMENT_UNFINISHED;
      try {
        shut = this.judgeServedChain(facts, known, change, answering);
      } catch (error) {
        // A change that could not be judged is never served. Late routes stay shut behind the gate, so only a changed
        // chain, which nothing gates, refuses the worker: a worker re-forked into the same failure would stop the app.
        shut = this.refuseLateChange(`[egg-sentinel] ${change.what} changed after the boot check (a didReady hook, or code after it, ${change.how}), ` +
          `and judging the chain this worker serves again failed: ${errorText(error)}. ${change === CHAIN_CHANGE ? LATE_ROUTES_SHUT : LATE_ROUTES_SHUT_KEPT} ` +
          `${change.fix} If the app's code is not the cause (a match/ignore or a route's functions it set late), report this to egg-sentinel with the stack logged.`,
        answering, error, change === CHAIN_CHANGE);
      } finally {
        changes.clear();
      }
    };
    const changed = (what: ServedChange) => {
      changes.add(what);
      pending ??= setImmediate(judge);
    };
    // egg-cluster's worker emits `server` before it listens: a change made by then is judged before any request.
    app.once?.('server', () => {
      if (pending) judge();
    });
    const chainChanged = () => changed('chain');
    let chain = watchArray(app.middleware, chainChanged);
    Object.defineProperty(app, 'middleware', { configurable: true, enumerable: true, get: () => chain, set: (value: unknown[]) => {
      chain = Array.isArray(value) ? watchArray(value, chainChanged) : value;
      chainChanged();
    } });
    // Said to a developer's client (a test suite's helper route added after app.ready()); elsewhere a bare 503, no internals.
    const explain = isDevelopmentEnv(String(this.target.config.env), process.env.NODE_ENV);
    // The request that added the route (a middleware registering it on first use) reaches it in this very turn.
    const gate = (ctx: { status: number; body: unknown; res: Answering }, next: () => Promise<unknown>) => {
      if (pending) judge(ctx.res);
      if (shut === undefined) return next();
      ctx.status = 503;
      if (explain) ctx.body = shut;
      return undefined;
    };
    watchRouteStacks(this.target as unknown as MiddlewareSource, () => changed('routes'), gate);
  }

  /**
   * Judges the chain and the routes as they are now; when a blocking finding the check did not have comes out, what
   * the late routes' 503 says (refuseLateChange).
   */
  private judgeServedChain(facts: Facts, known: ReadonlySet<string>, change: typeof CHAIN_CHANGE, answering?: Answering): string | undefined {
    const fresh = newFindings(this.recheck(facts, middlewareRules), known);
    const blocking = fresh.filter(finding => finding.blocking);
    const shown = (findings: typeof fresh) => findings.map(finding => `${finding.ruleId} ${finding.message}`).join('; ');
    if (blocking.length) {
      return this.refuseLateChange(`[egg-sentinel] ${change.what} changed after the boot check (a didReady hook, or code after it, ${change.how}), ` +
        `and the chain this worker serves fails it: ${blocking.map(finding => `${finding.ruleId} ${finding.message} (fix: ${finding.fix})`).join('; ')}. ` +
        `${LATE_ROUTES_SHUT} ${change.fix}`, answering);
    }
    if (fresh.length) {
      this.target.coreLogger.warn('[egg-sentinel] %s changed after the boot check, which did not see it: %s', change.what, shown(fresh));
    } else {
      this.target.coreLogger.warn('[egg-sentinel] %s changed after the boot check (%s, in a didReady hook or later); checked again: no new finding.', change.what, change.where);
    }
    return undefined;
  }

  /**
   * A late change the worker must not serve: `problem` goes to the error log (with the error that stopped its
   * judgement), and is returned for the late routes' 503. Outside local/unittest the worker is refused: at once, or
   * once the response `answering` is sent.
   */
  private refuseLateChange(problem: string, answering?: Answering, error?: unknown, exit = true): string {
    this.target.coreLogger.error('%s%s', problem, error instanceof Error ? `\n${error.stack}` : '');
    if (exit && !isDevelopmentEnv(String(this.target.config.env), process.env.NODE_ENV)) {
      markRefused();
      try {
        // Synchronous: a pipe's asynchronous write would be lost to the exit.
        fs.writeSync(2, `${problem}\n`);
      } catch {
        // A full or closed stderr must not keep the worker from exiting; the error log has it.
      }
      if (answering) answering.once('close', () => process.exit(1));
      else process.exit(1);
    }
    return problem;
  }

  /** Outside local/unittest the worker exits before it listens; a developer's process (egg-mock's included) is told. */
  private refusalSwallowed(): void {
    this.target.coreLogger.error(REFUSAL_SWALLOWED);
    if (isDevelopmentEnv(String(this.target.config.env), process.env.NODE_ENV)) return;
    process.stderr.write(`${REFUSAL_SWALLOWED}\n`);
    process.exit(1);
  }

  /**
   * config.sentinel as the check reads it must be what the app set: a plugin's boot hook assigning `failOn = 'never'`
   * would otherwise switch the checks off, leaving no trace in egg's provenance. The app's own code (its
   * configWillLoad) may change it, and the result is validated again; a change by anything else is refused outside
   * local/unittest, where a developer or a test may, and said there. So is a change made before this hook was
   * constructed (a plugin's config function pushing waivers into the app's array, a plugin's hook constructed first).
   */
  private refuseSentinelChangedByCode(): void {
    const changed = this.sentinelAtLoad ? changedKeyPaths(this.sentinelAtLoad, configLeaves(this.target.config.sentinel, 'sentinel')) : [];
    const earlier = this.earlierChanges.filter(change => isSentinelKey(change.keyPath));
    if (!changed.length && !earlier.length) return;
    const foreign = changesNotByTheApp(changed, this.configWrites.writes, realPathOrAbsolute(String(this.target.baseDir)));
    const display = (file: string) => toDisplayPath(String(this.target.baseDir), file);
    const problems = [ ...earlierChangeProblems(earlier, display), ...sentinelChangedProblems(foreign) ];
    if (problems.length && !isDevelopmentEnv(String(this.target.config.env), process.env.NODE_ENV)) {
      throw new SentinelConfigError(problems, [], SENTINEL_CHANGED_FIX);
    }
    if (foreign.length) {
      this.target.coreLogger.warn('[egg-sentinel] %s changed after egg loaded the config files, by code outside the app\'s own files; the check uses the ' +
        'changed values here (outside local/unittest the boot is refused)', foreign.map(keyPath => `config.${keyPath}`).join(', '));
    }
    if (earlier.length) {
      this.target.coreLogger.warn('[egg-sentinel] %s; the check uses the changed values here (outside local/unittest the boot is refused)',
        earlierChangeProblems(earlier, display).join('; '));
    }
    this.config = validateSentinelConfig(this.target.config.sentinel, RULE_IDS);
  }

  /**
   * serverDidReady (every process is up): routes added or changed after the check, in a didReady hook say, are served unchecked.
   * The app's own serverDidReady runs after this plugin's: looked at again a moment later for the routes it adds.
   */
  async serverDidReady(): Promise<void> {
    const warned = new Set<string>();
    const warnedConfig = new Set<string>();
    this.warnLateRoutes(warned);
    this.warnLateConfig(warnedConfig);
    setTimeout(() => {
      this.warnLateRoutes(warned);
      this.warnLateConfig(warnedConfig);
    }, LATE_ROUTES_RECHECK_MS).unref();
  }

  /**
   * Security-relevant config changed after the check where the watch (watchLateConfig) cannot see: a key added, an
   * array written through a reference kept from before the check, a key egg-mock's mm() replaced in a test run.
   */
  private warnLateConfig(warned: Set<string>): void {
    const atCheck = this.securityAtCheck;
    if (!atCheck) return;
    const now = securityLeaves(this.target.config);
    const changed = changedKeyPaths(atCheck, now).filter(keyPath => !warned.has(keyPath) && !(!atCheck.has(keyPath) && REQUEST_DEFAULTS.get(keyPath) === now.get(keyPath)));
    changed.forEach(keyPath => warned.add(keyPath));
    const late = changed.filter(keyPath => keyPath !== SESSION_STORE || !this.judgeSessionStore());
    if (!late.length) return;
    this.target.coreLogger.warn('[egg-sentinel] %d security-relevant config key(s) were changed after the boot check where no write is judged (a key added, ' +
      'an array written through a reference kept from before the check), and take effect unchecked: %s. Set them in the config files, and find the boot hook (didReady, serverDidReady) ' +
      'or code that assigns to app.config.',
    late.length, late.slice(0, MAX_LISTED_LATE_ROUTES).map(keyPath => `config.${keyPath}`).join(', ') + (late.length > MAX_LISTED_LATE_ROUTES ? ', …' : ''));
  }

  /**
   * egg-session's `app.sessionStore = store` (the app's willReady, once its store's client is connected) keeps the store
   * in config.session.store after the check: an object with get, set and destroy, no config file's value, that makes
   * the session cookie carry an id only. The config with it is judged again: with no new finding the report (this
   * app's and its file) becomes that judgement, which no longer carries what the store settles (SEN608), and the log
   * says so. False for a value that is no such store, or one the judgement finds more with.
   */
  private judgeSessionStore(): boolean {
    const facts = this.checkedFacts;
    const checked = this.target.sentinel?.report;
    const store = (this.target.config.session as { store?: unknown } | undefined)?.store;
    if (!facts || !checked || !this.config || !isSessionStore(store)) return false;
    let report: SentinelReport;
    try {
      report = this.recheck({ ...facts, builtins: { ...facts.builtins, sessionStore: true } }, RULES);
    } catch (error) {
      // Run from a timer: a judgement that fails leaves the store warned about as any unjudged change, not a crash.
      this.target.coreLogger.warn('[egg-sentinel] could not judge config.session.store set after the boot check: %s', errorText(error));
      return false;
    }
    if (newFindings(report, new Set(checked.findings.map(findingKey))).length) return false;
    report.timings = checked.timings;
    this.target.sentinel = { ...this.target.sentinel, report };
    saveReport(this.target.coreLogger, this.config, facts.app.runDir, report);
    const kept = new Set(report.findings.map(findingKey));
    const settled = checked.findings.filter(finding => !kept.has(findingKey(finding))).map(finding => `${finding.ruleId} ${finding.target}`);
    this.target.coreLogger.info('[egg-sentinel] config.session.store was set after the boot check (egg-session\'s app.sessionStore, an external session store): ' +
      'checked again, no new finding%s; the report is updated.', settled.length ? `, and no more ${settled.join(', ')}` : '');
    return true;
  }

  private warnLateRoutes(warned: Set<string>): void {
    const late = routesChangedAfterCollection(this.target).filter(route => !warned.has(route));
    if (!late.length) return;
    late.forEach(route => warned.add(route));
    const redactor = new Redactor(this.dumpSecrets);
    this.target.coreLogger.warn('[egg-sentinel] %d route(s) were added or changed after the boot check, which did not see them: %s. ' +
      'Register routes and their middleware in app/router, or in a boot hook that runs before willReady, so they are checked.',
    late.length, redactor.text(late.slice(0, MAX_LISTED_LATE_ROUTES).join(', ') + (late.length > MAX_LISTED_LATE_ROUTES ? ', …' : '')));
  }
}

/** Where egg-session's `app.sessionStore` setter keeps the store. */
const SESSION_STORE = 'session.store';

/** An external session store, as egg-session's `app.sessionStore` setter takes one. */
function isSessionStore(value: unknown): boolean {
  const store = value as { get?: unknown; set?: unknown; destroy?: unknown } | null;
  return typeof store === 'object' && store !== null && [ store.get, store.set, store.destroy ].every(method => typeof method === 'function');
}

/** A finding as the late judgement compares it with the boot check's. */
function findingKey(finding: { ruleId: string; target: string; severity: string }): string {
  return `${finding.ruleId} ${finding.target} ${finding.severity}`;
}

/** The findings of a late judgement that are not waived and not `known` (by findingKey). */
function newFindings(recheck: SentinelReport, known: ReadonlySet<string>): Finding[] {
  return recheck.findings.filter(finding => !finding.waivedBy && !known.has(findingKey(finding)));
}

/** The security-relevant leaves of the config (lib/rules/injection.ts isSecurityRelevant), by key path. */
function securityLeaves(config: Record<string, unknown>): Map<string, string> {
  const leaves = new Map<string, string>();
  for (const key of Object.keys(config)) {
    if (!holdsSecurityRelevant(key)) continue;
    for (const [ keyPath, text ] of configLeaves(config[key], key)) if (isSecurityRelevant(keyPath)) leaves.set(keyPath, text);
  }
  return leaves;
}
