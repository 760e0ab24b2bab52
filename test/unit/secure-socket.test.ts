/**
 * The authenticated channel under cluster-client, over real TCP on loopback: a leader that echoes what it reads,
 * a follower connected through a recording proxy the attacker controls.
 */
import assert from 'node:assert';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { Keyring } from '../../lib/ipc/keyring';
import { type ChannelFailure, SecureSocket } from '../../lib/ipc/secure-socket';
import { tempDir } from '../temp-dir';

const dir = tempDir('channel');
const ring = (secret: string) => Keyring.forApp({ runDir: dir, secret });
const SECRET = crypto.randomBytes(32).toString('base64url');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Leader { port: number; failures: ChannelFailure[]; received: Buffer[]; close(): Promise<void> }

/** A leader that echoes every authenticated byte back, and records what its application layer received. */
function startLeader(secret: string, encrypt = false): Promise<Leader> {
  const failures: ChannelFailure[] = [];
  const received: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer(socket => {
    sockets.add(socket);
    const secure = new SecureSocket(socket, { role: 'leader', port: 0, keys: ring(secret), encrypt, onFailure: reason => failures.push(reason) });
    secure.on('data', (chunk: Buffer) => {
      received.push(chunk);
      secure.write(chunk);
    });
    secure.on('error', () => undefined);
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as net.AddressInfo).port,
    failures,
    received,
    close: () => new Promise(done => { sockets.forEach(s => s.destroy()); server.close(() => done()); }),
  })));
}

/** A TCP proxy that records what the follower sends and can alter the stream. */
function startProxy(target: number, alter: (chunk: Buffer, index: number) => Buffer[] = chunk => [ chunk ]) {
  const recorded: Buffer[] = [];
  const server = net.createServer(client => {
    const upstream = net.connect(target, '127.0.0.1');
    let index = 0;
    client.on('data', chunk => {
      recorded.push(chunk);
      for (const piece of alter(chunk, index++)) upstream.write(piece);
    });
    upstream.on('data', chunk => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  return new Promise<{ port: number; recorded: Buffer[]; close(): void }>(resolve => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as net.AddressInfo).port, recorded, close: () => server.close(),
  })));
}

function connectFollower(port: number, secret: string, encrypt = false) {
  const failures: ChannelFailure[] = [];
  const socket = new SecureSocket(net.connect(port, '127.0.0.1'), { role: 'follower', port: 0, keys: ring(secret), encrypt, onFailure: reason => failures.push(reason) });
  const echoed: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => echoed.push(chunk));
  const closed = new Promise<Error | undefined>(resolve => {
    let error: Error | undefined;
    socket.on('error', e => { error = e; });
    socket.on('close', () => resolve(error));
  });
  const connected = new Promise<void>(resolve => socket.once('connect', () => resolve()));
  return { socket, failures, echoed, closed, connected };
}

const settle = () => new Promise(resolve => setTimeout(resolve, 150));

describe('authenticated cluster-client channel (SecureSocket over loopback TCP)', () => {
  it('a connection reset before the handshake is a failed login, counted, not an uncaught error (black-box round 40, h4 F3)', async () => {
    const failures: ChannelFailure[] = [];
    // As cluster-client's leader takes a connection: nothing listens for the wrapper's errors until it is authenticated.
    const server = net.createServer(socket => new SecureSocket(socket, { role: 'leader', port: 0, keys: ring(SECRET), encrypt: false, onFailure: reason => failures.push(reason) }));
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const uncaught: Error[] = [];
    const record = (error: Error) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      for (const sendFirst of [ false, true ]) {
        const attacker = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
        attacker.on('error', () => undefined);
        // The leader's HELLO has arrived: reset the connection (RST), with or without a byte of a login first.
        await new Promise<void>(resolve => attacker.once('data', () => resolve()));
        if (sendFirst) await new Promise<void>(resolve => attacker.write(Buffer.from([ 0 ]), () => resolve()));
        attacker.resetAndDestroy();
        await settle();
      }
    } finally {
      process.off('uncaughtException', record);
      server.close();
    }
    assert.deepEqual(uncaught.map(error => error.message), []);
    assert.deepEqual(failures, [ 'probe', 'bad-auth' ]);
  });

  it('carries bytes both ways once both sides proved the secret, optionally encrypted', async () => {
    for (const encrypt of [ false, true ]) {
      const leader = await startLeader(SECRET, encrypt);
      const proxy = await startProxy(leader.port);
      const follower = connectFollower(proxy.port, SECRET, encrypt);
      await follower.connected;
      follower.socket.write(Buffer.from('register_channel EchoClient'));
      follower.socket.write(Buffer.from('x'.repeat(100_000)));
      await settle();
      assert.equal(Buffer.concat(follower.echoed).toString(), `register_channel EchoClient${'x'.repeat(100_000)}`);
      assert.equal(Buffer.concat(proxy.recorded).includes('register_channel'), !encrypt, 'the wire shows plaintext only without encryption');
      follower.socket.destroy();
      proxy.close();
      await leader.close();
    }
  });

  it('a follower without the secret is refused before the leader reads anything from it', async () => {
    const leader = await startLeader(SECRET);
    const follower = connectFollower(leader.port, crypto.randomBytes(32).toString('base64url'));
    follower.socket.write(Buffer.from('invoke _internalSecret'));
    const error = await follower.closed;
    assert.match(String(error), /cluster-client channel refused/);
    assert.deepEqual(leader.received, []);
    await settle();
    assert.ok(leader.failures.includes('unknown-key') || leader.failures.includes('bad-auth'), leader.failures.join());
    await leader.close();
  });

  it('a port squatter without the secret cannot pose as the leader', async () => {
    const squatter = await startLeader(crypto.randomBytes(32).toString('base64url'));
    const follower = connectFollower(squatter.port, SECRET);
    await follower.closed;
    await settle();
    assert.ok(follower.failures.length > 0, 'the follower refuses the leader');
    assert.deepEqual(squatter.received, []);
    await squatter.close();
  });

  it('replaying a captured authenticated session on a new connection is refused', async () => {
    const leader = await startLeader(SECRET);
    const proxy = await startProxy(leader.port);
    const follower = connectFollower(proxy.port, SECRET);
    await follower.connected;
    follower.socket.write(Buffer.from('invoke echo'));
    await settle();
    follower.socket.destroy();
    const captured = Buffer.concat(proxy.recorded);
    const before = leader.received.length;
    const raw = net.connect(leader.port, '127.0.0.1');
    raw.on('error', () => undefined);
    raw.on('connect', () => raw.write(captured));
    raw.resume(); // read (and drop) the leader's greeting, so the close is seen
    await new Promise(resolve => raw.on('close', resolve));
    assert.equal(leader.received.length, before, 'nothing of the replay reached the application');
    assert.ok(leader.failures.includes('bad-auth'), leader.failures.join());
    proxy.close();
    await leader.close();
  });

  for (const [ title, alter ] of [
    [ 'a duplicated record (replay inside the session)', (chunk: Buffer, index: number) => (index >= 1 ? [ chunk, chunk ] : [ chunk ]) ],
    [ 'a flipped bit in a record', (chunk: Buffer, index: number) => (index >= 1 ? [ Buffer.from(chunk.map((byte, i) => (i === 6 ? byte ^ 1 : byte))) ] : [ chunk ]) ],
  ] as const) {
    it(`${title} closes the connection, and only verified bytes were delivered`, async () => {
      const leader = await startLeader(SECRET);
      const proxy = await startProxy(leader.port, alter);
      const follower = connectFollower(proxy.port, SECRET);
      await follower.connected;
      follower.socket.write(Buffer.from('first'));
      await settle();
      await follower.closed;
      assert.ok(leader.failures.includes('bad-mac'), leader.failures.join());
      assert.ok(Buffer.concat(leader.received).toString() === '' || Buffer.concat(leader.received).toString() === 'first');
      assert.ok(!Buffer.concat(leader.received).toString().includes('firstfirst'));
      proxy.close();
      await leader.close();
    });
  }
});
