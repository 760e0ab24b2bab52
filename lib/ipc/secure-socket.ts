/**
 * An authenticated (and optionally encrypted) byte stream over a TCP socket, used under cluster-client's own
 * packet framing so that cluster-client keeps working unchanged on top of it.
 *
 * Handshake (mutual, bound to the port):
 *   leader → follower  HELLO  "ESC1" ‖ leaderNonce(32)
 *   follower → leader  AUTH   followerNonce(32) ‖ kidLength(1) ‖ kid ‖ HMAC(k_auth, "follower" ‖ port ‖ nonces)
 *   leader → follower  OK     HMAC(k_auth, "leader" ‖ port ‖ nonces)
 * The follower proves it holds the secret before the leader reads anything else from it; the leader proves the same,
 * so a process that grabbed the port first cannot pose as the agent.
 * Records after it: length(4) ‖ body ‖ HMAC-SHA256(k_dir, seq(8) ‖ body), with a per-direction key derived from both
 * nonces and an implicit sequence number, so a record cannot be injected, replayed, reordered or reflected.
 * With encryption the body is AES-256-GCM (nonce = seq) under a per-connection, per-direction key.
 */
import crypto from 'node:crypto';
import type * as net from 'node:net';
import { Duplex } from 'node:stream';
import { type EnvelopeKeys, HmacSha256 } from './envelope';

const MAGIC = Buffer.from('ESC1');
const NONCE = 32;
const MAC = 32;
const TAG = 16;
const HEADER = 4;
/** Largest record body; longer writes are split, longer announced records close the connection. */
const MAX_RECORD = 4 * 1024 * 1024;
const HANDSHAKE_TIMEOUT_MS = 5000;

export type ChannelRole = 'leader' | 'follower';
export type ChannelFailure = 'probe' | 'bad-auth' | 'unknown-key' | 'timeout' | 'malformed' | 'bad-mac';

export interface ChannelKeys extends EnvelopeKeys {
  /** Re-reads the secret, at most once a second (Keyring#reload); true when it did. */
  reload(): boolean;
}

export interface SecureSocketOptions {
  role: ChannelRole;
  port: number;
  keys: ChannelKeys;
  encrypt: boolean;
  /** Called once when the handshake fails or a record does not verify; the socket is then destroyed. */
  onFailure(reason: ChannelFailure, detail: string): void;
  /**
   * A follower's failed connection is closed at once, but its client (which connects again as soon as it sees the
   * close) hears of it only after this many ms: a leader that refuses this process's key is not asked a thousand times
   * a second.
   */
  retryAfterMs?(reason: ChannelFailure): number;
  /** Called once when the handshake succeeded. */
  onEstablished?(): void;
}

interface Direction {
  mac: HmacSha256;
  enc?: crypto.KeyObject;
  /** Implicit record number; a number counts past any connection's lifetime (2^53 records). */
  seq: number;
}

function hmac(key: crypto.KeyObject, ...parts: Array<Buffer | string>): Buffer {
  const h = crypto.createHmac('sha256', key);
  for (const part of parts) h.update(part);
  return h.digest();
}

/** Big-endian seq in the last 8 of 12 bytes: the GCM nonce, and (its last 8 bytes) the MAC's sequence prefix. */
const seqBuffer = Buffer.alloc(12);
function writeSeq(seq: number): void {
  // Unreachable in practice (2^53 records), but a number past it would repeat, and with it a GCM nonce.
  if (seq > Number.MAX_SAFE_INTEGER) throw new Error('record sequence numbers exhausted');
  seqBuffer.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), 4);
  seqBuffer.writeUInt32BE(seq >>> 0, 8);
}
const nonce = seqBuffer;
const seqBytes = seqBuffer.subarray(4);
/** The expected MAC of the record being read. */
const expectedMac = Buffer.alloc(MAC);

/** HMAC over the implicit sequence number and the record body, written into `target` at `offset`. */
function recordMacInto(mac: HmacSha256, seq: number, body: Buffer, target: Buffer, offset: number): void {
  writeSeq(seq);
  mac.digestInto([ seqBytes, body ], target, offset);
}

export class SecureSocket extends Duplex {
  private received: Buffer = Buffer.alloc(0);
  private bytesReceived = 0;
  private state: 'handshake' | 'open' | 'failed' = 'handshake';
  private leaderNonce?: Buffer;
  private readonly followerNonce = crypto.randomBytes(NONCE);
  private kid = '';
  private outgoing?: Direction;
  private incoming?: Direction;
  private readonly pendingWrites: Array<() => void> = [];
  private readonly handshakeTimer: NodeJS.Timeout;
  /** A refused follower's close, told to its client later (retryAfterMs). */
  private retryTimer?: NodeJS.Timeout;

  constructor(readonly inner: net.Socket, private readonly options: SecureSocketOptions) {
    super({ allowHalfOpen: false });
    inner.on('data', chunk => this.onData(chunk));
    // An end before the handshake finished is its failure (on close, below), not the end of a stream.
    inner.on('end', () => {
      if (this.state === 'open') this.push(null);
    });
    inner.on('error', error => {
      // A leader's connection that errs before it is authenticated (a reset from any local user) is a failed login,
      // counted and logged with the rest: as an error, nothing listens for it yet, and it would be uncaught.
      if (this.state === 'handshake' && options.role === 'leader') this.failHandshake(`${error.message} before the handshake finished`);
      else this.destroy(error);
    });
    inner.on('close', () => {
      // Destroyed already: by an error of the connection (told to the client as that), or by a failure.
      if (this.destroyed) return;
      if (this.state === 'handshake') this.failHandshake(this.options.role === 'follower' && this.leaderNonce ?
        'the leader closed the connection after this process\'s proof: it does not accept this process\'s IPC key (its own log says why)' :
        'closed before the handshake finished');
      // A failure destroys this socket itself (a follower's, later).
      else if (this.state !== 'failed') this.destroy();
    });
    inner.on('connect', () => this.emit('socket-connect'));
    this.handshakeTimer = setTimeout(() => this.fail('timeout', `no handshake within ${HANDSHAKE_TIMEOUT_MS} ms`), HANDSHAKE_TIMEOUT_MS);
    this.handshakeTimer.unref();
    if (options.role === 'leader') {
      this.leaderNonce = crypto.randomBytes(NONCE);
      inner.write(Buffer.concat([ MAGIC, this.leaderNonce ]));
    }
  }

  get remotePort(): number | undefined { return this.inner.remotePort; }
  get remoteAddress(): string | undefined { return this.inner.remoteAddress; }
  get localPort(): number | undefined { return this.inner.localPort; }
  get bufferSize(): number { return this.inner.writableLength; }
  get established(): boolean { return this.state === 'open'; }

  setNoDelay(noDelay?: boolean): this {
    this.inner.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    this.inner.setKeepAlive(enable, delay);
    return this;
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.inner.setTimeout(ms, callback);
    return this;
  }

  override _read(): void {
    if (this.inner.isPaused()) this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.state === 'open') this.send(chunk, callback);
    else this.pendingWrites.push(() => this.send(chunk, callback));
  }

  private send(chunk: Buffer, callback: (error?: Error | null) => void): void {
    let last = true;
    for (let offset = 0; offset < chunk.length; offset += MAX_RECORD) last = this.inner.write(this.seal(chunk.subarray(offset, offset + MAX_RECORD)));
    if (last) callback();
    else this.inner.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.retryTimer);
    this.inner.destroy();
    callback(error);
  }

  /**
   * Nothing sent at all is how cluster-client's followers probe for the leader; anything else is a failed login. A
   * leader that got bytes which never made a whole login says so: a follower without egg-sentinel sends its
   * cluster-client packets instead (black-box round 44, r44h3 F2).
   */
  private failHandshake(detail: string): void {
    const partial = this.options.role === 'leader' && this.bytesReceived > 0 ?
      `; the ${this.bytesReceived} byte(s) it sent are no egg-sentinel login (a cluster-client follower without egg-sentinel, or another program)` : '';
    this.fail(this.bytesReceived ? 'bad-auth' : 'probe', `${detail}${partial}`);
  }

  private fail(reason: ChannelFailure, detail: string): void {
    if (this.state === 'failed') return;
    const inHandshake = this.state === 'handshake';
    this.state = 'failed';
    clearTimeout(this.handshakeTimer);
    this.options.onFailure(reason, detail);
    // A follower tells its client why it cannot connect; a leader just closes an unauthenticated connection.
    if (this.options.role === 'leader') return void this.destroy();
    const error = new Error(`[egg-sentinel] cluster-client channel refused (${reason}): ${detail}`);
    // Only a refused login waits: a channel that was open has told its client it is connected.
    const wait = inHandshake ? this.options.retryAfterMs?.(reason) ?? 0 : 0;
    if (wait <= 0) return void this.destroy(error);
    this.inner.destroy();
    this.retryTimer = setTimeout(() => this.destroy(error), wait).unref();
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'failed') return;
    this.bytesReceived += chunk.length;
    this.received = this.received.length ? Buffer.concat([ this.received, chunk ]) : chunk;
    try {
      if (this.state === 'handshake' && !this.handshake()) return;
      this.readRecords();
    } catch (error) {
      this.fail('malformed', (error as Error).message);
    }
  }

  private consume(length: number): Buffer | undefined {
    if (this.received.length < length) return undefined;
    const taken = this.received.subarray(0, length);
    this.received = this.received.subarray(length);
    return taken;
  }

  /** Advances the handshake with what has arrived; true once the channel is open. */
  private handshake(): boolean {
    const { role, port } = this.options;
    if (role === 'follower') {
      if (!this.leaderNonce) {
        const hello = this.consume(MAGIC.length + NONCE);
        if (!hello) return false;
        if (!hello.subarray(0, MAGIC.length).equals(MAGIC)) {
          this.fail('bad-auth', 'the leader does not speak the egg-sentinel protocol');
          return false;
        }
        this.leaderNonce = Buffer.from(hello.subarray(MAGIC.length));
        this.kid = this.options.keys.currentKid;
        const kid = Buffer.from(this.kid);
        const proof = hmac(this.authKey(), 'follower', String(port), this.leaderNonce, this.followerNonce);
        this.inner.write(Buffer.concat([ this.followerNonce, Buffer.from([ kid.length ]), kid, proof ]));
      }
      const ok = this.consume(MAC);
      if (!ok) return false;
      const expected = hmac(this.authKey(), 'leader', String(port), this.leaderNonce, this.followerNonce);
      if (!crypto.timingSafeEqual(ok, expected)) {
        this.fail('bad-auth', 'the leader could not prove it holds the IPC secret');
        return false;
      }
      return this.open(this.followerNonce);
    }
    // leader: AUTH = followerNonce ‖ kidLength ‖ kid ‖ proof
    if (this.received.length < NONCE + 1) return false;
    const kidLength = this.received[NONCE];
    const auth = this.consume(NONCE + 1 + kidLength + MAC);
    if (!auth) return false;
    const followerNonce = auth.subarray(0, NONCE);
    this.kid = auth.subarray(NONCE + 1, NONCE + 1 + kidLength).toString();
    if (!this.options.keys.macKey(this.kid, 'cc-auth') && !(this.options.keys.reload() && this.options.keys.macKey(this.kid, 'cc-auth'))) {
      this.fail('unknown-key', 'the follower used a key this process does not hold (a secret rotated in one step? keep the old one in ' +
        'sentinel.ipc.previousSecrets until every process has restarted, or restart the whole cluster)');
      return false;
    }
    const proof = auth.subarray(NONCE + 1 + kidLength);
    const expected = hmac(this.authKey(), 'follower', String(port), this.leaderNonce as Buffer, followerNonce);
    if (!crypto.timingSafeEqual(proof, expected)) {
      this.fail('bad-auth', 'the follower could not prove it holds the IPC secret');
      return false;
    }
    this.inner.write(hmac(this.authKey(), 'leader', String(port), this.leaderNonce as Buffer, followerNonce));
    return this.open(Buffer.from(followerNonce));
  }

  private authKey(): crypto.KeyObject {
    const key = this.options.keys.macKey(this.kid, 'cc-auth');
    if (!key) throw new Error(`no key for key id ${this.kid}`);
    return key;
  }

  private open(followerNonce: Buffer): true {
    const nonces = Buffer.concat([ this.leaderNonce as Buffer, followerNonce ]);
    const direction = (name: string): Direction => {
      const derive = (purpose: string) => crypto.createSecretKey(hmac(this.options.keys.macKey(this.kid, `cc-session|${purpose}|${name}`) as crypto.KeyObject, nonces));
      return { mac: new HmacSha256(derive('mac')), enc: this.options.encrypt ? derive('enc') : undefined, seq: 0 };
    };
    const [ mine, theirs ] = this.options.role === 'leader' ? [ 'l2f', 'f2l' ] : [ 'f2l', 'l2f' ];
    this.outgoing = direction(mine);
    this.incoming = direction(theirs);
    this.state = 'open';
    clearTimeout(this.handshakeTimer);
    this.options.onEstablished?.();
    if (this.options.role === 'follower') this.emit('connect');
    for (const send of this.pendingWrites.splice(0)) send();
    return true;
  }

  private seal(plain: Buffer): Buffer {
    const direction = this.outgoing as Direction;
    const seq = direction.seq++;
    let body = plain;
    if (direction.enc) {
      writeSeq(seq);
      const cipher = crypto.createCipheriv('aes-256-gcm', direction.enc, nonce);
      body = Buffer.concat([ cipher.update(plain), cipher.final(), cipher.getAuthTag() ]);
    }
    // One allocation per record: length ‖ body ‖ MAC.
    const record = Buffer.allocUnsafe(HEADER + body.length + MAC);
    record.writeUInt32BE(body.length, 0);
    record.set(body, HEADER);
    recordMacInto(direction.mac, seq, body, record, HEADER + body.length);
    return record;
  }

  private readRecords(): void {
    const direction = this.incoming as Direction;
    while (this.state === 'open' && this.received.length >= HEADER) {
      const length = this.received.readUInt32BE(0);
      if (length > MAX_RECORD + TAG) return this.fail('malformed', `a record announced ${length} bytes`);
      if (this.received.length < HEADER + length + MAC) return;
      const body = this.received.subarray(HEADER, HEADER + length);
      const mac = this.received.subarray(HEADER + length, HEADER + length + MAC);
      recordMacInto(direction.mac, direction.seq, body, expectedMac, 0);
      if (!crypto.timingSafeEqual(mac, expectedMac)) return this.fail('bad-mac', `record ${direction.seq} failed verification`);
      let plain = body;
      if (direction.enc) {
        writeSeq(direction.seq);
        const decipher = crypto.createDecipheriv('aes-256-gcm', direction.enc, nonce);
        decipher.setAuthTag(body.subarray(body.length - TAG));
        plain = Buffer.concat([ decipher.update(body.subarray(0, body.length - TAG)), decipher.final() ]);
      }
      direction.seq++;
      this.received = this.received.subarray(HEADER + length + MAC);
      // `received` is never written to, only replaced, so the verified bytes can be handed on without a copy.
      if (!this.push(plain)) this.inner.pause();
    }
  }
}
