/**
 * Authenticates cluster-client's leader ↔ follower TCP channel (app.cluster() / agent.cluster(): the agent's leader
 * listens on 127.0.0.1:<clusterPort>, which any local process can reach).
 *
 * Patched at the narrowest points of every copy of cluster-client this process loads: egg's own (resolved from egg's
 * directory), and any other (a plugin's nested node_modules/cluster-client running its own leader on its own port),
 * those already loaded when the protection starts (the boot hook's constructor) from require's cache, later ones as
 * each of their files is loaded:
 * - `ClusterServer.prototype._handleSocket` (leader accepts a socket): the socket is wrapped in a SecureSocket and
 *   handed to cluster-client only after the follower proved it holds the IPC secret;
 * - `Follower.prototype._connect` (follower connects): the socket tcp-base creates is wrapped the same way;
 * - `Leader.prototype.invoke`: only methods the client class exposes through cluster-client's API (its delegate
 *   descriptors, never `_private` ones) may be called, whoever asks;
 * - `ClusterServer.waitFor` (a follower waits for the leader's port): its probe reads the leader's greeting, so that it
 *   sees the leader close and lets its socket go.
 * Guarded by a version check: these internals are those of cluster-client 3.7.x (the same module in egg 3 and 4). A copy
 * of another version is left as it is, logged when it loads, and reported by SEN503 (loadedClusterClients).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import satisfies from 'semver/functions/satisfies';
import { quoteForMessage } from '../env-name';
import { type LoadedModulePatcher, patchModulesAsLoaded } from '../module-load-hook';
import { RateLimitedLog, type WarnLogger } from './rate-limited-log';
import { type ChannelFailure, type ChannelKeys, SecureSocket } from './secure-socket';

export const SUPPORTED_CLUSTER_CLIENT = '>=3.7.0 <3.8.0';
const PATCHED = Symbol.for('egg-sentinel.cluster-client.patched');

export type ClusterClientState = 'protected' | 'unsupported' | 'not-found' | 'off';

export interface ClusterClientStatus {
  state: ClusterClientState;
  version?: string;
  /** Where the module egg uses was found. */
  dir?: string;
}

export interface ClusterClientStats {
  connections: number;
  authenticated: number;
  refused: Record<ChannelFailure, number>;
  methodsRefused: number;
}

const FAILURES: ChannelFailure[] = [ 'probe', 'bad-auth', 'unknown-key', 'timeout', 'malformed', 'bad-mac' ];
const stats: ClusterClientStats = {
  connections: 0,
  authenticated: 0,
  refused: Object.fromEntries(FAILURES.map(reason => [ reason, 0 ])) as Record<ChannelFailure, number>,
  methodsRefused: 0,
};

/** Process-wide: the patched prototypes are shared by every client of the module in this process. */
const settings: { keys?: ChannelKeys; encrypt: boolean; log?: RateLimitedLog } = { encrypt: false };

export function clusterClientStats(): ClusterClientStats {
  return { ...stats, refused: { ...stats.refused } };
}

/** A version whose internals egg-sentinel patches. */
export function isProtectableClusterClient(version: string): boolean {
  return satisfies(version, SUPPORTED_CLUSTER_CLIENT);
}

/** The cluster-client egg uses: resolved from egg's own directory. */
export function findClusterClient(eggPaths: readonly string[]): ClusterClientStatus {
  for (const eggPath of eggPaths) {
    try {
      const manifest = require.resolve('cluster-client/package.json', { paths: [ eggPath ] });
      const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string };
      const dir = path.dirname(manifest);
      return { state: isProtectableClusterClient(version) ? 'protected' : 'unsupported', version, dir };
    } catch {
      // this framework directory does not depend on cluster-client
    }
  }
  return { state: 'not-found' };
}

interface Descriptor { type: string; to?: string }

/** What a follower reaches through the leader's invoke: API methods, and `publish` (a follower publishes by invoking it). */
const INVOKED_DELEGATES = new Set([ 'invoke', 'invokeOneway', 'publish' ]);

/** A method a follower may invoke: one the client's API delegates to the leader, never `_private`. */
export function isApiMethod(descriptors: Map<string, Descriptor> | undefined, method: unknown): boolean {
  if (typeof method !== 'string' || method.startsWith('_')) return false;
  const descriptor = descriptors?.get(method);
  return descriptor?.type === 'delegate' && INVOKED_DELEGATES.has(descriptor.to as string);
}

function refuse(reason: ChannelFailure, detail: string, port: unknown): void {
  stats.refused[reason]++;
  // A connect-and-close probe is what cluster-client's own followers do while waiting for the leader.
  if (reason !== 'probe') settings.log?.warn('[egg-sentinel] cluster-client connection to port %s refused (%s): %s', port, reason, detail);
}

export interface ProtectOptions {
  keys: ChannelKeys;
  encrypt: boolean;
  logger: WarnLogger;
  logLinesPerMinute: number;
}

/**
 * Patches every cluster-client copy this process has loaded or loads from now on (once per copy and process), egg's
 * own loaded first; returns what was found of egg's.
 */
export function protectClusterClient(eggPaths: readonly string[], options: ProtectOptions): ClusterClientStatus {
  settings.keys = options.keys;
  settings.encrypt = options.encrypt;
  settings.log = new RateLimitedLog(options.logger, options.logLinesPerMinute);
  patchModulesAsLoaded(patchLoadedModule);
  const status = findClusterClient(eggPaths);
  if (status.state === 'protected') {
    // The very module instances egg's cluster-client uses (same resolved paths, same require cache).
    const load = createRequire(path.join(status.dir as string, 'package.json'));
    for (const file of Object.keys(PATCHES)) patchLoadedFile(path.join(status.dir as string, 'lib', file), load(`./lib/${file}`));
  }
  return status;
}

/** The file of a cluster-client copy whose class is patched, and how. */
const PATCHES: Record<string, (proto: never, exported: never) => void> = {
  'server.js': (proto: ServerProto, server: ServerClass) => {
    patchLeaderSocket(proto);
    patchWaitFor(server);
  },
  'leader.js': patchInvoke,
  'follower.js': patchFollowerSocket,
};
const PATCHED_FILE = /^(.*)[\\/]lib[\\/](server\.js|leader\.js|follower\.js)$/;

interface CopyManifest { name?: unknown; version?: unknown }
/** package.json of each directory a patched file name was seen in: read once per directory and process. */
const manifests = new Map<string, CopyManifest | undefined>();

function clusterClientVersion(dir: string): string | undefined {
  if (!manifests.has(dir)) {
    let manifest: CopyManifest | undefined;
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as CopyManifest;
    } catch {
      // no package.json: not a package's lib/server.js
    }
    manifests.set(dir, manifest);
  }
  const manifest = manifests.get(dir);
  return manifest?.name === 'cluster-client' ? String(manifest.version) : undefined;
}

/** A copy of another version is warned about once (SEN503 reports it at boot; this covers one loaded later, and the agent). */
const warnedCopies = new Set<string>();

/** Patches the class a cluster-client copy's lib/server.js, leader.js or follower.js exports; anything else is left. */
function patchLoadedFile(file: string, exports: unknown): void {
  const match = PATCHED_FILE.exec(file);
  if (!match) return;
  const [ , dir, name ] = match;
  const version = clusterClientVersion(dir);
  if (version === undefined) return;
  if (!isProtectableClusterClient(version)) {
    if (!warnedCopies.has(dir)) {
      warnedCopies.add(dir);
      settings.log?.warn('[egg-sentinel] cluster-client %s at %s is not protected (egg-sentinel protects 3.7.x): a leader it runs accepts any local ' +
        'process (SEN503). Use one cluster-client 3.7.x: dedupe a plugin\'s own copy so that it uses egg\'s, or share the client through ' +
        'app.cluster() / agent.cluster()', version, dir);
    }
    return;
  }
  const proto = (exports as { prototype?: Record<symbol, unknown> } | undefined)?.prototype;
  if (!proto || proto[PATCHED]) return;
  PATCHES[name](proto as never, exports as never);
  proto[PATCHED] = true;
}

const patchLoadedModule: LoadedModulePatcher = (file, module) => patchLoadedFile(file, module.exports);

export interface LoadedClusterClient {
  /** The copy's package directory. */
  dir: string;
  version: string;
  /** Each of its patched files that is loaded carries the patch. */
  protected: boolean;
}

/** Every cluster-client copy with a leader, follower or server module in this process's require cache. */
export function loadedClusterClients(): LoadedClusterClient[] {
  const copies = new Map<string, LoadedClusterClient>();
  for (const [ file, module ] of Object.entries(require.cache)) {
    const dir = PATCHED_FILE.exec(file)?.[1];
    const version = dir === undefined ? undefined : clusterClientVersion(dir);
    if (dir === undefined || version === undefined || !module) continue;
    const copy = copies.get(dir) ?? { dir, version, protected: true };
    copy.protected &&= (module.exports as { prototype?: Record<symbol, unknown> } | undefined)?.prototype?.[PATCHED] === true;
    copies.set(dir, copy);
  }
  return [ ...copies.values() ];
}

type ServerProto = { _handleSocket(socket: net.Socket): void; _port: number; _sockets: Map<unknown, unknown> };

function patchLeaderSocket(proto: ServerProto): void {
  const handleSocket = proto._handleSocket;
  proto._handleSocket = function(this: ServerProto, socket: net.Socket) {
    stats.connections++;
    const key = socket.remotePort;
    // Tracked from the start, so closing the server also closes connections still in their handshake.
    this._sockets.set(key, socket);
    socket.once('close', () => {
      if (this._sockets.get(key) === socket) this._sockets.delete(key);
    });
    const secure = new SecureSocket(socket, {
      role: 'leader',
      port: this._port,
      keys: settings.keys as ChannelKeys,
      encrypt: settings.encrypt,
      onFailure: (reason, detail) => refuse(reason, detail, this._port),
      onEstablished: () => {
        stats.authenticated++;
        handleSocket.call(this, secure as unknown as net.Socket);
      },
    });
  };
}

type ServerClass = { waitFor(port: number, timeout: number): Promise<void> };

/**
 * ClusterServer.waitFor as cluster-client 3.7 writes it, with a probe that reads what it is sent: it connects, and ends
 * at once, to learn whether the leader listens. A patched leader greets every connection (HELLO); the probe never read
 * it, so it never saw the leader's close and kept its socket, one per follower created (black-box round 43, r43h5 F1).
 */
function patchWaitFor(server: ServerClass): void {
  server.waitFor = async (port: number, timeout: number) => {
    const start = Date.now();
    for (;;) {
      const listens = await leaderListens(port);
      if (Date.now() - start > timeout) throw new Error(`[ClusterClient] leader does not be active in ${timeout}ms on port:${port}`);
      if (listens) return;
      await new Promise(resolve => setTimeout(resolve, WAIT_FOR_LEADER_MS));
    }
  };
}

/** How long cluster-client's waitFor sleeps between probes. */
const WAIT_FOR_LEADER_MS = 3000;
/** How long a probe waits for the leader's close after its own. */
const PROBE_CLOSE_MS = 1000;

function leaderListens(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => {
      resolve(true);
      socket.resume();
      socket.end();
      // A listener that never closes its side (not egg's) leaves no socket behind either.
      socket.setTimeout(PROBE_CLOSE_MS, () => socket.destroy());
    });
    // An error after the connect (the leader's close racing the end) changes nothing.
    socket.on('error', () => resolve(false));
  });
}

type FollowerProto = { _connect(done?: unknown): unknown; options: { port: number; name?: string } };

/** A follower refused again waits twice as long before its client connects again, from RETRY_FIRST_MS up to RETRY_LAST_MS. */
const RETRY_FIRST_MS = 250;
const RETRY_LAST_MS = 30_000;
/**
 * Refused logins in a row, per leader port and client name (cluster-client makes the follower anew on every close;
 * egg's clients share one port, each counts its own).
 */
const refusedInARow = new Map<string, number>();

/** How long a follower's client waits after a refused login: the leader does not take this process's key. */
function retryAfterMs(client: string, reason: ChannelFailure): number {
  // A probe, a timeout or a garbled answer is no refusal of the key: tried again at once, as cluster-client does.
  if (reason !== 'bad-auth' && reason !== 'unknown-key') return 0;
  const refused = (refusedInARow.get(client) ?? 0) + 1;
  refusedInARow.set(client, refused);
  return Math.min(RETRY_LAST_MS, RETRY_FIRST_MS * 2 ** (refused - 1));
}

function patchFollowerSocket(proto: FollowerProto): void {
  const connect = proto._connect;
  proto._connect = function(this: FollowerProto, done?: unknown) {
    // tcp-base calls net.connect synchronously inside _connect: hand it an authenticated socket instead.
    const realConnect = net.connect;
    const port = this.options.port;
    const client = `${port}\0${this.options.name ?? ''}`;
    (net as { connect: unknown }).connect = (...args: unknown[]) => new SecureSocket((realConnect as (...a: unknown[]) => net.Socket)(...args), {
      role: 'follower',
      port,
      keys: settings.keys as ChannelKeys,
      encrypt: settings.encrypt,
      onFailure: (reason, detail) => refuse(reason, detail, port),
      onEstablished: () => refusedInARow.delete(client),
      retryAfterMs: reason => retryAfterMs(client, reason),
    });
    try {
      return connect.call(this, done);
    } finally {
      (net as { connect: unknown }).connect = realConnect;
    }
  };
}

type LeaderProto = { invoke(method: unknown, args: unknown[], callback?: (error: Error) => void): unknown; options: { name?: string; descriptors?: Map<string, Descriptor> } };

function patchInvoke(proto: LeaderProto): void {
  const invoke = proto.invoke;
  proto.invoke = function(this: LeaderProto, method: unknown, args: unknown[], callback?: (error: Error) => void) {
    if (!isApiMethod(this.options.descriptors, method)) {
      stats.methodsRefused++;
      settings.log?.warn('[egg-sentinel] cluster-client %s: invoke of %s refused: not a method of the client\'s API',
        quoteForMessage(String(this.options.name), 40), quoteForMessage(String(method), 60));
      const error = new Error(`[egg-sentinel] ${String(method)} is not a method of this cluster client's API`);
      error.name = 'ClusterClientMethodNotAllowedError';
      callback?.(error);
      return undefined;
    }
    return invoke.call(this, method, args, callback);
  };
}
