/**
 * Signs every message an egg messenger sends and verifies every message it receives before any listener sees it.
 *
 * Hooks (egg 3 names; egg 4 renamed `_onMessage` to `onMessage`):
 * - outgoing: `send` and `sendTo` on the messenger instance. broadcast/sendToApp/sendToAgent go through `send`,
 *   sendRandom through `sendTo` (IPC) or `send` (single process). Both are accessor properties, so a later
 *   replacement (egg-mock proxies `send` after boot) is wrapped too instead of bypassing the signature.
 * - incoming: the instance's `_onMessage`, which egg-mock and the single-process messenger call directly, and the
 *   `process.on('message')` listener egg's IPC messenger registered, swapped for one that also sees the `from` field
 *   egg-cluster's master stamps on every relayed message.
 * Messages only egg-cluster's master sends (it runs no plugin code, so it cannot sign) are accepted unsigned when
 * their action is on MASTER_ACTIONS and, over IPC, their `from` is `master`. Messages addressed to the master or the
 * parent process are left unsigned: those processes run no egg-sentinel.
 */
import crypto from 'node:crypto';
import workerThreads from 'node:worker_threads';
import { quoteForMessage } from '../env-name';
import { type DropReason, type EnvelopeFields, isEnvelopeLike, open, type Receiver, type Role, seal, SealedEnvelope, type Sender } from './envelope';
import type { Keyring } from './keyring';
import { RateLimitedLog, type WarnLogger } from './rate-limited-log';
import { ReplayWindows } from './replay-window';

/** What egg-cluster's master sends to workers (egg-cluster lib/master.js; @eggjs/cluster src/master.ts). */
export const MASTER_ACTIONS: ReadonlySet<string> = new Set([ 'egg-ready', 'egg-pids', 'agent-start' ]);
const UNSIGNED_RECEIVERS = new Set([ 'master', 'parent' ]);
/** How sendTo/sendRandom address this process: its pid, or its thread id under egg-cluster's startMode 'worker_threads'. */
const WORKER_ID = String(workerThreads.isMainThread ? process.pid : workerThreads.threadId);
const RELOAD_INTERVAL_MS = 1000;

export type IpcMode = 'enforce' | 'report' | 'off';

export interface IpcGuardOptions {
  mode: Exclude<IpcMode, 'off'>;
  /** Seal payloads with AES-256-GCM: every action (true), none (false) or the listed actions. */
  encrypt: boolean | string[];
  /** Largest accepted difference between a message's timestamp and the receiver's clock. */
  maxAgeMs: number;
  /** Log lines about bad messages per minute; the rest is counted and summarized. */
  logLinesPerMinute: number;
}

export interface IpcStats {
  mode: IpcGuardOptions['mode'];
  sent: number;
  accepted: number;
  /** Unsigned messages accepted because only egg-cluster's master sends them. */
  acceptedFromMaster: number;
  /** Bad messages not delivered (enforce mode), by reason. */
  dropped: Record<DropReason, number>;
  /** Bad messages delivered anyway (report mode), by reason. */
  reported: Record<DropReason, number>;
  logLinesSuppressed: number;
}

interface RawMessage {
  action?: unknown;
  data?: unknown;
  from?: unknown;
  to?: unknown;
}

type Deliver = (message: { action: string; data: unknown }) => void;

export interface MessengerLike {
  send?: (action: string, data: unknown, to?: string) => unknown;
  sendTo?: (pid: number | string, action: string, data: unknown) => unknown;
  [key: string]: unknown;
}

export type GuardLogger = WarnLogger;

const REASONS: DropReason[] = [ 'unsigned', 'bad-mac', 'replayed', 'stale', 'unknown-key', 'malformed', 'wrong-receiver', 'wrong-sender' ];

export class IpcGuard {
  private readonly sender: Sender;
  private seq = 0;
  private readonly replay = new ReplayWindows();
  private readonly encryptAll: boolean;
  private readonly encryptActions: ReadonlySet<string>;
  private lastReload = 0;
  private readonly counters: Omit<IpcStats, 'logLinesSuppressed'>;
  private readonly badMessages: RateLimitedLog;

  constructor(readonly role: Role, private readonly keyring: Keyring, private readonly options: IpcGuardOptions, logger: GuardLogger) {
    this.sender = { role, pid: process.pid, iid: crypto.randomBytes(12).toString('base64url') };
    const zero = () => Object.fromEntries(REASONS.map(reason => [ reason, 0 ])) as Record<DropReason, number>;
    this.counters = { mode: options.mode, sent: 0, accepted: 0, acceptedFromMaster: 0, dropped: zero(), reported: zero() };
    this.badMessages = new RateLimitedLog(logger, options.logLinesPerMinute);
    this.encryptAll = options.encrypt === true;
    this.encryptActions = new Set(Array.isArray(options.encrypt) ? options.encrypt : []);
  }

  stats(): IpcStats {
    return { ...this.counters, dropped: { ...this.counters.dropped }, reported: { ...this.counters.reported }, logLinesSuppressed: this.badMessages.suppressed };
  }

  /** Seals one outgoing message, unless it goes to a process that runs no egg-sentinel or is sealed already. */
  sealOutgoing(action: string, data: unknown, to: string | undefined): unknown {
    // An envelope sealed here comes back when a replacement of send calls the wrapper it captured.
    if (data instanceof SealedEnvelope || (to !== undefined && UNSIGNED_RECEIVERS.has(to))) return data;
    const envelope = seal({
      keys: this.keyring,
      sender: this.sender,
      seq: this.seq++,
      ts: Date.now(),
      to: this.receiver(to),
      action,
      payload: data,
      encrypt: this.encryptAll || this.encryptActions.has(action),
    });
    this.counters.sent++;
    return envelope;
  }

  /** egg's receiver vocabularies (IPC: app/agent/pid, single process: application/opposite/both) as one. */
  private receiver(to: string | number | undefined): Receiver {
    const other: Role = this.role === 'app' ? 'agent' : 'app';
    if (to === undefined || to === 'opposite') return other;
    if (to === 'application') return 'app';
    if (typeof to === 'number') return String(to) as Receiver;
    return to as Receiver;
  }

  /** Verifies one incoming message and delivers it (or, in report mode, delivers it anyway and logs). */
  receive(message: RawMessage, viaProcess: boolean, deliver: Deliver): void {
    if (!message || typeof message.action !== 'string') return deliver(message as { action: string; data: unknown });
    const { action, data } = message;
    if (MASTER_ACTIONS.has(action) && !isEnvelopeLike(data) && (!viaProcess || message.from === 'master')) {
      this.counters.acceptedFromMaster++;
      // A restarted agent may have a new secret (a new key file): pick it up before talking to it.
      if (action === 'agent-start' && this.role === 'app') this.reloadKeys(true);
      return deliver({ action, data });
    }
    const verdict = this.verify(action, data, viaProcess ? message.from : undefined);
    if (verdict.ok) {
      this.counters.accepted++;
      return deliver({ action, data: verdict.payload });
    }
    this.logBadMessage(verdict.reason, action, verdict.envelope, message.from);
    if (this.options.mode === 'report') {
      this.counters.reported[verdict.reason]++;
      return deliver({ action, data: verdict.envelope && verdict.envelope.enc === 0 ? parsePlain(verdict.envelope) ?? data : data });
    }
    this.counters.dropped[verdict.reason]++;
  }

  private verify(action: string, data: unknown, relayedFrom: unknown): { ok: true; payload: unknown } | { ok: false; reason: DropReason; envelope?: EnvelopeFields } {
    let result = open({ keys: this.keyring, action, data });
    if (!result.ok && result.reason === 'unknown-key' && this.reloadKeys()) result = open({ keys: this.keyring, action, data });
    if (!result.ok) return result;
    const { envelope } = result;
    const { to } = envelope;
    if (to !== this.role && to !== 'both' && to !== WORKER_ID) return { ok: false, reason: 'wrong-receiver', envelope };
    // egg-cluster's master overwrites `from` with the channel a message came in on, so it cannot be forged.
    if (relayedFrom !== undefined && relayedFrom !== envelope.role) return { ok: false, reason: 'wrong-sender', envelope };
    if (Math.abs(Date.now() - envelope.ts) > this.options.maxAgeMs) return { ok: false, reason: 'stale', envelope };
    // Instance ids are random per process start, and the MAC binds each to its role: the id alone names the sender.
    if (!this.replay.accept(envelope.iid, envelope.seq)) return { ok: false, reason: 'replayed', envelope };
    return { ok: true, payload: result.payload };
  }

  /** Re-reads the secret after a key change (an agent that wrote a new key file), at most once a second unless forced. */
  private reloadKeys(force = false): boolean {
    const now = Date.now();
    if (!force && now - this.lastReload < RELOAD_INTERVAL_MS) return false;
    this.lastReload = now;
    try {
      this.keyring.load();
      return true;
    } catch {
      return false;
    }
  }

  /** Rate-limited, so a flood of forged messages cannot fill the disk; never logs payloads. */
  private logBadMessage(reason: DropReason, action: string, envelope: EnvelopeFields | undefined, from: unknown): void {
    const sender = envelope ? `${envelope.role} pid ${envelope.pid}` : 'unknown sender';
    const channel = typeof from === 'string' ? ` via ${quoteForMessage(from, 20)}` : '';
    this.badMessages.warn('[egg-sentinel] IPC message %s (%s): action %s from %s%s',
      this.options.mode === 'report' ? 'accepted in report mode' : 'dropped', reason, quoteForMessage(action, 60), sender, channel);
  }

  /** Wraps a messenger so every send is sealed and every receive verified. */
  install(messenger: MessengerLike): void {
    this.wrapOutgoing(messenger, 'send', args => {
      args[1] = this.sealOutgoing(args[0] as string, args[1], args[2] as string | undefined);
    });
    this.wrapOutgoing(messenger, 'sendTo', args => {
      args[2] = this.sealOutgoing(args[1] as string, args[2], String(args[0]));
    });
    this.wrapIncoming(messenger);
  }

  /**
   * Replaces `messenger[name]` with a sealing wrapper that stays in place when others replace the method:
   * a replacement (egg-mock's delivering proxy, egg's agent warning wrapper) is kept in `chain` and called by the
   * wrapper; when that replacement calls back into the method it captured (the wrapper), the re-entrant call goes
   * one step down the chain. Assigning the wrapper back (egg's restore at egg-ready) drops the last replacement.
   */
  private wrapOutgoing(messenger: MessengerLike, name: 'send' | 'sendTo', sealArgs: (args: unknown[]) => void): void {
    const original = messenger[name];
    if (typeof original !== 'function') return;
    const chain = [ original as (...args: unknown[]) => unknown ];
    let depth = 0;
    const wrapper = (...args: unknown[]): unknown => {
      const next = chain[Math.max(0, chain.length - 1 - depth)];
      depth++;
      try {
        sealArgs(args);
        return next.apply(messenger, args);
      } finally {
        depth--;
      }
    };
    Object.defineProperty(messenger, name, {
      configurable: true,
      enumerable: true,
      get: () => wrapper,
      set: (replacement: (...args: unknown[]) => unknown) => {
        if (replacement !== wrapper) chain.push(replacement);
        else if (chain.length > 1) chain.pop();
      },
    });
  }

  private wrapIncoming(messenger: MessengerLike): void {
    const name = typeof messenger._onMessage === 'function' ? '_onMessage' : 'onMessage';
    const original = messenger[name] as Deliver | undefined;
    if (typeof original !== 'function') return;
    const deliver: Deliver = message => original.call(messenger, message);
    messenger[name] = (message: RawMessage) => this.receive(message, false, deliver);
    // egg's IPC messenger registered a bound copy in its constructor (on the process, and on the parent port in a
    // worker thread); only that copy sees the master's `from`.
    const fromProcess = (message: RawMessage) => this.receive(message, true, deliver);
    const channels: NodeJS.EventEmitter[] = [ process, ...(workerThreads.parentPort ? [ workerThreads.parentPort as unknown as NodeJS.EventEmitter ] : []) ];
    const replaced: NodeJS.EventEmitter[] = [];
    for (const channel of channels) {
      // A worker thread's parentPort is a NodeEventTarget: it has on/removeListener/listenerCount, but no listeners().
      const registered = channel.listenerCount('message');
      channel.removeListener('message', original as never);
      if (channel.listenerCount('message') < registered) {
        channel.on('message', fromProcess);
        replaced.push(channel);
      }
    }
    // egg's close() removes `this._onMessage` from the process, which is now the wrapper above, not what listens:
    // remove fromProcess too, or every closed app (each egg-mock boot) leaves a listener on the process.
    const close = messenger.close;
    if (typeof close === 'function' && replaced.length) {
      messenger.close = (...args: unknown[]) => {
        for (const channel of replaced) channel.removeListener('message', fromProcess);
        return close.apply(messenger, args);
      };
    }
  }
}

function parsePlain(envelope: EnvelopeFields): unknown {
  try {
    return envelope.p === undefined ? undefined : JSON.parse(envelope.p);
  } catch {
    return undefined;
  }
}
