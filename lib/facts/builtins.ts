/**
 * Facts for threat 6 (egg's built-ins): the installed packages, the advisory database they are checked against,
 * the running Node.js and NODE_ENV. egg-security's and egg-onerror's settings are read from the merged config.
 */
import { isIPv6 } from 'node:net';
import path from 'node:path';
import { type AdvisoryDatabase, DEFAULT_OVERRIDE_FILE, loadAdvisoryDatabase } from '../advisories/database';
import { collectPackageFacts, koaJwt2Verifiers, type PackageFacts, type PackageWalkInput, type WalkedPackages } from './packages';

export interface NodeRuntimeFacts {
  /** The running Node.js, without the leading `v`. */
  version: string;
  /** Today (UTC, YYYY-MM-DD) when the facts were collected, for end-of-life dates. */
  today: string;
}

export interface BuiltinFacts {
  packages: PackageFacts;
  /**
   * The jsonwebtoken copies (real dirs) koa-jwt2 verifies with for the app and its plugins (lib/facts/packages.ts):
   * egg-jwt hands it `config.jwt` as jwt.verify()'s options (SEN601, CVE-2022-23540).
   */
  koaJwt2Verifiers: string[];
  /** The shipped database merged with the app's override file (lib/advisories/database.ts). */
  advisories: AdvisoryDatabase;
  node: NodeRuntimeFacts;
  /** NODE_ENV of the process; undefined when unset. */
  nodeEnv?: string;
  /**
   * The internal addresses `security.ssrf.checkAddress` (egg-security's, built from the lists, or the app's own) lets
   * ctx.safeCurl() request, asked as urllib asks it (SSRF_PROBES); undefined when there is no such function (the audit,
   * which runs no plugin's app.js, has only the lists, unless the app's config sets one).
   */
  ssrfAllows?: string[];
  /** egg-session keeps each session in an external store (egg-session-redis…): its cookie carries only the session's id. */
  sessionStore?: true;
  /**
   * The start options give egg-cluster a key and a cert (`https`: egg-scripts --https.key/--https.cert, startCluster({ https })),
   * so the worker serves TLS itself and ctx.secure holds without `proxy: true` (SEN608). Read from `app.options`, the
   * options app_worker.js made the app with and reads `https` from.
   */
  startOptionsHttps?: TlsParts;
  /**
   * `ctx.isSafeDomain` as the running app has it (egg-security's, judging by `security.domainWhiteList`): what egg-cors'
   * own origin check and an app's origin function ask. Undefined where the app's context has none: egg-security off,
   * the agent, and the audit, which loads no extension (the rules then match the whitelist as egg-security does).
   */
  isSafeDomain?: SafeDomainCheck;
  /** egg-socket.io's handshake origin check as the running app has it (SEN613); undefined without `app.io`: the io plugin off, the agent, the audit. */
  socketIo?: SocketIoFacts;
}

export interface SocketIoFacts {
  /** `app.io.origins()`: what socket.io 2 judges an Origin by (an array, a string it searches), or what else it is (the app's function). */
  origins: string | string[] | { kind: 'function' | 'other' };
  /** The origins of other sites the handshake check was asked with (socketIoProbes), in order. */
  asked: string[];
  /** Those the handshake check admitted (socket.io's checkRequest, or the app's allowRequest), asked as engine.io asks it. */
  admits: string[];
  /** The check threw or left a probe unanswered (an asynchronous function): what it admits is unknown. */
  unanswered?: string;
  /** `config.io.init.allowRequest` is the app's own function, which engine.io asks in place of socket.io's origin check. */
  allowRequest?: true;
}

/** `ctx.isSafeDomain(domain, customWhiteList)`: every argument passed on, its answer as given. */
export type SafeDomainCheck = (...args: unknown[]) => unknown;

/** A file of egg-security's own package (its config.default.js sets `checkAddress: null`). */
export const SECURITY_PACKAGE_FILE = /(?:^|\/)node_modules\/(?:egg-security|@eggjs\/security)\//;

/**
 * Loopback, the private ranges and the cloud metadata address: what SSRF protection is for. Also loopback as IPv6
 * literals (`http://[::ffff:127.0.0.1]/`), which an IPv4-only ipBlackList lets through: egg-security's check compares
 * them with IPv4 ranges and finds no match; and the unspecified addresses (`http://0.0.0.0/`, `http://0/`, `http://[::]/`),
 * to which Linux connects as to loopback.
 */
const SSRF_ADDRESSES = [ '127.0.0.1', '0.0.0.0', '10.0.0.1', '172.16.0.1', '192.168.0.1', '169.254.169.254', '::1', '::', '::ffff:127.0.0.1', '::ffff:7f00:1' ];
/**
 * Host names that resolve to loopback or the metadata address wherever the app runs (GCP's and AWS's metadata names),
 * each asked with that address: egg-security's check lets a name of `hostnameExceptionList` through before it looks at
 * the address, so `localhost` there opens loopback.
 */
const SSRF_NAMES: ReadonlyArray<readonly [string, string]> = [
  [ 'localhost', '127.0.0.1' ], [ 'metadata.google.internal', '169.254.169.254' ], [ 'metadata', '169.254.169.254' ], [ 'instance-data', '169.254.169.254' ],
];
/** Each probe as a URL's host (an IP or a name) with the address it resolves to; shown as `localhost (127.0.0.1)`. */
export const SSRF_PROBES: ReadonlyArray<{ hostname: string; address: string; shown: string }> = [
  ...SSRF_ADDRESSES.map(address => ({ hostname: address, address, shown: address })),
  ...SSRF_NAMES.map(([ hostname, address ]) => ({ hostname, address, shown: `${hostname} (${address})` })),
];

export interface BuiltinFactsInput extends PackageWalkInput {
  /** The merged `config.security.ssrf`. */
  ssrf?: unknown;
  /** `config.sentinel.advisories.file`: the override file, relative to baseDir. */
  overrideFile?: string;
  /** The package walk the agent prepared for this boot (lib/facts/handover.ts). */
  walked?: WalkedPackages;
  /** This boot's agent validated the shipped advisory database (lib/facts/handover.ts). */
  shippedAdvisoriesChecked?: boolean;
  /** The merged `config.session`. */
  session?: unknown;
  /** `app.sessionStore`: the external session store a plugin or the app set (egg-session keeps it as config.session.store). */
  sessionStore?: unknown;
  /** `app.context` at boot: koa's context prototype with the extensions egg loaded; the audit gives none. */
  context?: unknown;
  /** The app, a request's `ctx.app` (egg-security's isSafeDomain reads `this.app.config`), and egg-socket.io's `app.io`. */
  app?: unknown;
  /**
   * `config.io.init.allowRequest` when a config file set it: egg-socket.io passes config.io.init to socket.io's attach(),
   * which writes its own check there when there is none, and that one is no check of the app's.
   */
  socketIoAllowRequest?: unknown;
}

/** Throws AdvisoryDatabaseError when the shipped database or the override file is invalid: boot is refused. */
export function collectBuiltinFacts(input: BuiltinFactsInput, env: NodeJS.ProcessEnv = process.env, now = new Date()): BuiltinFacts {
  return {
    advisories: loadAdvisoryDatabase(path.resolve(input.baseDir, input.overrideFile ?? DEFAULT_OVERRIDE_FILE), { shippedChecked: input.shippedAdvisoriesChecked }),
    packages: collectPackageFacts(input, undefined, input.walked),
    koaJwt2Verifiers: koaJwt2Verifiers(input),
    node: { version: process.version.replace(/^v/, ''), today: now.toISOString().slice(0, 10) },
    nodeEnv: env.NODE_ENV,
    // The function egg-security builds from the lists, or the app's own: asked as urllib asks it, synchronously.
    ssrfAllows: ssrfAllows(input.ssrf),
    ...(externalSessionStore(input.session, input.sessionStore) && { sessionStore: true }),
    ...(tlsParts((input.app as { options?: { https?: unknown } } | undefined)?.options?.https) && { startOptionsHttps: tlsParts((input.app as { options?: { https?: unknown } }).options?.https) }),
    isSafeDomain: safeDomainCheck(input.context, input.app),
    socketIo: socketIoFacts(input.app, input.socketIoAllowRequest),
  };
}

/** A site no app names, as the Origin of a cross-site handshake. */
export const FOREIGN_SOCKET_HOST = 'evil.example';
export const FOREIGN_SOCKET_ORIGIN = `https://${FOREIGN_SOCKET_HOST}`;

type OriginCheck = (req: { method: string; url: string; _query: Record<string, string>; headers: Record<string, string> }, fn: (error: unknown, ok?: unknown) => void) => void;

/**
 * Asks egg-socket.io's socket.io server (`app.io`), or the app's `config.io.init.allowRequest` (`allowRequest`, which
 * engine.io asks in its place), which origins of other sites its handshake check admits (socketIoProbes).
 */
function socketIoFacts(app: unknown, allowRequest: unknown): SocketIoFacts | undefined {
  const io = app && typeof app === 'object' ? (app as { io?: { origins?: unknown; checkRequest?: unknown } }).io : undefined;
  if (typeof io?.origins !== 'function' || typeof io.checkRequest !== 'function') return undefined;
  const value: unknown = io.origins();
  const origins = typeof value === 'string' || Array.isArray(value) && value.every(entry => typeof entry === 'string') ? value as string | string[] :
    { kind: typeof value === 'function' ? 'function' as const : 'other' as const };
  if (typeof allowRequest === 'function') {
    const asked = socketIoProbes(undefined);
    return { origins, asked, ...askOriginCheck(allowRequest as OriginCheck, asked), allowRequest: true };
  }
  const asked = socketIoProbes(origins);
  return { origins, asked, ...askOriginCheck(io.checkRequest.bind(io) as OriginCheck, asked) };
}

/**
 * The Origins a page of another site sends: https and http on their default ports, on each port socket.io 2's
 * origins name (it admits any host for an entry `*:<port>`), and a sandboxed page's `null` (which it takes for `*`,
 * port 80); and for each host an origins string names, a registrable host the string also contains (socket.io 2
 * searches a string for `<host>:<port>`, so `https://www.example.com:443` admits `https://xample.com`).
 */
function socketIoProbes(origins: SocketIoFacts['origins'] | undefined): string[] {
  const entries = typeof origins === 'string' ? [ origins ] : Array.isArray(origins) ? origins : [];
  const ports = new Set(entries.flatMap(entry => [ ...entry.matchAll(/:(\d+)/g) ].map(([ , port ]) => port)));
  ports.delete('80');
  ports.delete('443');
  const host = FOREIGN_SOCKET_HOST;
  return [ FOREIGN_SOCKET_ORIGIN, `http://${host}`, 'null', ...[ ...ports ].slice(0, 10).flatMap(port => [ `https://${host}:${port}`, `http://${host}:${port}` ]),
    ...typeof origins === 'string' ? containedLookalikes(origins) : [] ];
}

/** Asks a handshake check as engine.io does, for a cross-site handshake from each origin that carries the user's cookie. */
function askOriginCheck(check: OriginCheck, origins: string[]): Pick<SocketIoFacts, 'admits' | 'unanswered'> {
  const admits: string[] = [];
  for (const origin of origins) {
    let answer: boolean | undefined;
    try {
      // engine.io refuses unless the second argument is truthy: `fn(new Error(…))` refuses.
      check({ method: 'GET', url: '/socket.io/?EIO=3&transport=websocket', _query: { EIO: '3', transport: 'websocket' }, headers: { origin, host: 'app.invalid', cookie: 'EGG_SESS=stand-in' } }, (_error, ok) => {
        answer = Boolean(ok);
      });
    } catch (error) {
      return { admits, unanswered: `it threw for ${origin} (${(error instanceof Error ? error.message : String(error)).slice(0, 200)})` };
    }
    if (answer === undefined) return { admits, unanswered: `it did not answer for ${origin} while asked (an asynchronous check)` };
    if (answer) admits.push(origin);
  }
  return { admits };
}

/** For each `<host>:<port>` of an origins string, an https origin on that port of a registrable host the string also contains: `example.com` → `xample.com`. */
function containedLookalikes(origins: string): string[] {
  const lookalikes = new Set<string>();
  for (const [ , host, port ] of origins.matchAll(/([a-z0-9-]+\.[a-z0-9.-]*[a-z0-9]):(\d+|\*)/gi)) {
    const registrable = host.split('.').slice(-2).join('.');
    // `x.com` contains no other host name (`.com` is none).
    if (registrable.indexOf('.') < 2) continue;
    lookalikes.add(`https://${registrable.slice(1)}${port === '*' || port === '443' ? '' : `:${port}`}`);
  }
  return [ ...lookalikes ].slice(0, 10);
}

/**
 * The running app's `ctx.isSafeDomain`, taken from `app.context`, where egg put the context extensions it loaded (egg 3's
 * object export, and egg 4's class, whose prototype's methods egg copies there), and called on a ctx whose `app` is
 * the app, as a request's is; nothing is required a second time.
 */
export function safeDomainCheck(context: unknown, app: unknown): SafeDomainCheck | undefined {
  if (!context || typeof context !== 'object') return undefined;
  const isSafeDomain = (context as { isSafeDomain?: unknown }).isSafeDomain;
  if (typeof isSafeDomain !== 'function') return undefined;
  const ctx: unknown = Object.create(context, { app: { value: app } });
  return (...args) => isSafeDomain.apply(ctx, args);
}

/**
 * Whether koa-session (under egg-session) keeps sessions in an external store and puts only their id in the cookie:
 * `store` or `ContextStore` in config.session, or an `app.sessionStore` (egg-session-redis and the like set it in
 * their app.js).
 */
function externalSessionStore(session: unknown, sessionStore: unknown): boolean {
  const options = session && typeof session === 'object' ? session as { store?: unknown; ContextStore?: unknown } : {};
  return Boolean(options.store || options.ContextStore || sessionStore);
}

/** Which of a key and a cert egg-cluster's `https` options give (not what they are). */
export interface TlsParts { key: boolean; cert: boolean }

/** The parts an `https` option (a start option, or `config.cluster.https`) gives; undefined when it gives neither. */
export function tlsParts(https: unknown): TlsParts | undefined {
  if (!https || typeof https !== 'object') return undefined;
  const parts = { key: Boolean((https as { key?: unknown }).key), cert: Boolean((https as { cert?: unknown }).cert) };
  return parts.key || parts.cert ? parts : undefined;
}

/**
 * Whether egg-cluster serves TLS itself: the worker merges `config.cluster.https` and the start options' `https`
 * (app_worker.js, `Object.assign`), and needs a key and a cert from them together.
 */
export function servesTls(...sources: Array<TlsParts | undefined>): boolean {
  return sources.some(parts => parts?.key) && sources.some(parts => parts?.cert);
}

/**
 * Asks the configured checkAddress about each probe as urllib does for a URL with that host (the addresses, the
 * family, the host: the IP itself, or a name of SSRF_NAMES): egg-security builds it from ipBlackList, ipExceptionList
 * and hostnameExceptionList, so an exception that covers every address (`::/0`, two halves of the IPv4 space, an IP
 * written as a hostname) or a loopback or metadata name shows here whatever its spelling. A function that throws
 * decides nothing: left out.
 */
function ssrfAllows(ssrf: unknown): string[] | undefined {
  const checkAddress = ssrf && typeof ssrf === 'object' ? (ssrf as { checkAddress?: unknown }).checkAddress : undefined;
  if (typeof checkAddress !== 'function') return undefined;
  return SSRF_PROBES.filter(({ hostname, address }) => {
    try {
      // urllib refuses the request when it answers falsy. It asks about a URL's IPv6 literal as a string (urllib 2's
      // check of an IP host), about resolved IPv4 addresses as records, with the URL's host name.
      if (isIPv6(address)) return Boolean(checkAddress(address, 6, hostname));
      return Boolean(checkAddress([{ address, family: 4 }], 4, hostname));
    } catch {
      return false;
    }
  }).map(probe => probe.shown);
}
