/**
 * Authenticates cluster-client's leader ↔ follower TCP channel (app.cluster() / agent.cluster(): the agent's leader
 * listens on 127.0.0.1:<clusterPort>, which any local process can reach).
 *
 * Patched at the narrowest points of the cluster-client module egg itself uses (resolved from egg's directory):
 * - `ClusterServer.prototype._handleSocket` (leader accepts a socket): the socket is wrapped in a SecureSocket and
 *   handed to cluster-client only after the follower proved it holds the IPC secret;
 * - `Follower.prototype._connect` (follower connects): the socket tcp-base creates is wrapped the same way;
 * - `Leader.prototype.invoke`: only methods the client class exposes through cluster-client's API (its delegate
 *   descriptors, never `_private` ones) may be called, whoever asks.
 * Guarded by a version check: these internals are those of cluster-client 3.7.x (the same module in egg 3 and 4).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import satisfies from 'semver/functions/satisfies';
import { quoteForMessage } from '../env-name';
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

/** The cluster-client egg uses: resolved from egg's own directory. */
export function findClusterClient(eggPaths: readonly string[]): ClusterClientStatus {
  for (const eggPath of eggPaths) {
    try {
      const manifest = require.resolve('cluster-client/package.json', { paths: [ eggPath ] });
      const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string };
      const dir = path.dirname(manifest);
      return { state: satisfies(version, SUPPORTED_CLUSTER_CLIENT) ? 'protected' : 'unsupported', version, dir };
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

/** Patches the cluster-client egg uses (once per process); returns what was found. */
export function protectClusterClient(eggPaths: readonly string[], options: ProtectOptions): ClusterClientStatus {
  const status = findClusterClient(eggPaths);
  if (status.state !== 'protected') return status;
  settings.keys = options.keys;
  settings.encrypt = options.encrypt;
  settings.log = new RateLimitedLog(options.logger, options.logLinesPerMinute);
  const dir = status.dir as string;
  // The very module instances egg's cluster-client uses (same resolved paths, same require cache).
  const load = createRequire(path.join(dir, 'package.json'));
  const ClusterServer = load('./lib/server.js');
  if (ClusterServer.prototype[PATCHED]) return status;
  const Leader = load('./lib/leader.js');
  const Follower = load('./lib/follower.js');
  patchLeaderSocket(ClusterServer.prototype);
  patchFollowerSocket(Follower.prototype);
  patchInvoke(Leader.prototype);
  ClusterServer.prototype[PATCHED] = true;
  return status;
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

type FollowerProto = { _connect(done?: unknown): unknown; options: { port: number } };

function patchFollowerSocket(proto: FollowerProto): void {
  const connect = proto._connect;
  proto._connect = function(this: FollowerProto, done?: unknown) {
    // tcp-base calls net.connect synchronously inside _connect: hand it an authenticated socket instead.
    const realConnect = net.connect;
    const port = this.options.port;
    (net as { connect: unknown }).connect = (...args: unknown[]) => new SecureSocket((realConnect as (...a: unknown[]) => net.Socket)(...args), {
      role: 'follower',
      port,
      keys: settings.keys as ChannelKeys,
      encrypt: settings.encrypt,
      onFailure: (reason, detail) => refuse(reason, detail, port),
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
