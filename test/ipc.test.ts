import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mm from 'egg-mock';
import { seal } from '../lib/ipc/envelope';
import { Keyring } from '../lib/ipc/keyring';
import { escapeRegExp } from '../lib/regexp';
import { bootApp, expectRefused, fixture, reportFindings, tempApp } from './helpers';
import { tempDir } from './temp-dir';

describe('IPC signing under egg-mock (agent and app in one process)', () => {
  let app: ReturnType<typeof mm.app>;
  before(async () => {
    app = mm.app({ baseDir: fixture('ipc-app'), cache: false });
    await app.ready();
  });
  after(() => app.close());

  for (const via of [ 'sendToAgent', 'send', 'broadcast' ]) {
    it(`${via}: a round trip app → agent → app is signed, verified and delivered intact`, async () => {
      const res = await app.httpRequest().get('/ping').query({ via, text: `héllo ${via}` }).expect(200);
      assert.equal(res.body.pong.payload.text, `héllo ${via}`);
    });
  }

  it('a burst in one turn arrives complete and in order through egg-mock\'s messenger, counted per message', async () => {
    const agent = (app as any).agent;
    const acceptedBefore = agent.sentinel.ipc.stats().accepted;
    // Not sendTo: egg-mock's app() leaves it on egg's IPC messenger, which writes to this test process's channel.
    await app.httpRequest().get('/burst').query({ n: 150, run: 'mock', methods: 'sendToAgent,broadcast' }).expect(200);
    const { body } = await app.httpRequest().get('/agent-stats').expect(200);
    assert.deepEqual(body.bursts.filter((tag: string) => tag.startsWith('mock-')), Array.from({ length: 150 }, (_, i) => `mock-${i}`));
    // 150 burst messages and the stats request: the agent counts messages, not the batches that carried them.
    assert.equal(agent.sentinel.ipc.stats().accepted - acceptedBefore, 151);
  });

  it('counts what it sent and accepted, and drops nothing', async () => {
    const { body } = await app.httpRequest().get('/stats').expect(200);
    assert.ok(body.stats.sent >= 3 && body.stats.accepted >= 3, JSON.stringify(body.stats));
    assert.deepEqual(Object.values(body.stats.dropped).filter(Boolean), []);
  });

  describe('a listener gets the object the sender passed, as under egg-mock without egg-sentinel (black-box round 28, h101 F3)', () => {
    const typed = () => ({ buf: Buffer.from('héllo'), date: new Date(Date.UTC(2020, 0, 2, 3, 4, 5)), undef: undefined, arr: [ 1, undefined, null, 'x' ], neg0: -0, nan: NaN });

    for (const direction of [ 'app → agent', 'agent → app' ]) {
      it(`${direction}: Buffer, Date, undefined, NaN and -0 arrive as sent, alone and in a burst`, async () => {
        const agent = (app as any).agent;
        const [ from, to, send ] = direction === 'app → agent' ? [ app.messenger, agent.messenger, 'sendToAgent' ] : [ agent.messenger, app.messenger, 'sendToApp' ];
        const received: any[] = [];
        const listener = (data: unknown) => received.push(data);
        to.on('ipc-test:typed', listener);
        try {
          // The first travels alone, the other two in one batch.
          const sent = [ typed(), typed(), typed() ];
          for (const data of sent) from[send]('ipc-test:typed', data);
          while (received.length < sent.length) await new Promise(setImmediate);
          sent.forEach((data, i) => assert.strictEqual(received[i], data, `message ${i}`));
          const [ first ] = received;
          assert.ok(Buffer.isBuffer(first.buf) && first.date instanceof Date && 'undef' in first && first.arr[1] === undefined && Object.is(first.neg0, -0) && Number.isNaN(first.nan));
        } finally {
          to.removeListener('ipc-test:typed', listener);
        }
      });
    }

    it('only once its envelope verified: altered it delivers nothing, and a second delivery is a replay', async () => {
      const agent = (app as any).agent;
      const messenger = app.messenger as any;
      const wrapper = messenger.send;
      let envelope: any;
      // Keeps the sealed envelope instead of letting egg-mock deliver it.
      messenger.send = (_action: string, data: unknown) => { envelope = data; };
      const sent = typed();
      try {
        messenger.sendToAgent('ipc-test:held', sent);
      } finally {
        messenger.send = wrapper;
      }
      const received: unknown[] = [];
      agent.messenger.on('ipc-test:held', (data: unknown) => received.push(data));
      const before = agent.sentinel.ipc.stats().dropped;
      const genuine = envelope.p;
      envelope.p = JSON.stringify({ forged: true });
      agent.messenger._onMessage({ action: 'ipc-test:held', data: envelope });
      envelope.p = genuine;
      agent.messenger._onMessage({ action: 'ipc-test:held', data: envelope });
      agent.messenger._onMessage({ action: 'ipc-test:held', data: envelope });
      assert.equal(received.length, 1);
      assert.strictEqual(received[0], sent);
      const after = agent.sentinel.ipc.stats().dropped;
      assert.deepEqual([ after['bad-mac'] - before['bad-mac'], after.replayed - before.replayed ], [ 1, 1 ]);
    });
  });

  it('drops an unsigned message delivered straight to the agent messenger', async () => {
    const agent = (app as any).agent;
    let delivered = false;
    agent.messenger.once('ipc-test:direct', () => { delivered = true; });
    agent.messenger._onMessage({ action: 'ipc-test:direct', data: { forged: true } });
    assert.equal(delivered, false);
    assert.equal(agent.sentinel.ipc.stats().dropped.unsigned, 1);
  });
});

describe('IPC signing and app lifecycle under egg-mock', () => {
  it('closing an app removes the message listeners egg-sentinel put on the process (repeated boots do not pile up)', async () => {
    const before = process.listenerCount('message');
    for (let boot = 0; boot < 2; boot++) {
      const app = mm.app({ baseDir: fixture('ipc-app'), cache: false });
      await app.ready();
      await app.close();
      assert.equal(process.listenerCount('message'), before, `after boot ${boot + 1}`);
    }
  });
});

describe('IPC key file in a run dir another cluster shares (black-box round 25, h74 F11)', () => {
  afterEach(mm.restore);

  it('the agent replacing the key of another running cluster warns, naming the file, that master\'s pid and the per-cluster secret; its own master\'s or a dead one\'s key does not', async () => {
    const dir = tempApp('ipc-shared-run', { 'config/config.default.js': "module.exports = { keys: 'ipc-shared-run-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4Jf0Ge' };\n" });
    const keyFile = path.join(dir, 'run', 'sentinel-ipc.key');
    const agentLog = path.join(dir, 'logs', 'ipc-shared-run', 'egg-agent.log');
    // Under egg-mock the agent runs in this process: its master is this process's parent.
    const boot = async (masterPid: number) => {
      fs.mkdirSync(path.dirname(keyFile), { recursive: true });
      fs.writeFileSync(keyFile, JSON.stringify({ version: 1, masterPid, secret: crypto.randomBytes(32).toString('base64url') }), { mode: 0o600 });
      fs.rmSync(path.join(dir, 'logs'), { recursive: true, force: true });
      const app = mm.app({ baseDir: dir, cache: false });
      await app.ready();
      await app.close();
      assert.equal(JSON.parse(fs.readFileSync(keyFile, 'utf8')).masterPid, process.ppid, 'the agent uses a key file of its own master');
      // egg's loggers write asynchronously: the warning, if any, is written by the time the close is logged.
      await new Promise(resolve => setTimeout(resolve, 500));
      return fs.existsSync(agentLog) ? fs.readFileSync(agentLog, 'utf8') : '';
    };
    const dead = spawnSync(process.execPath, [ '-e', '' ]).pid;
    try {
      // This test process stands for the master of the other cluster: alive, and not this agent's master.
      const shared = await boot(process.pid);
      assert.match(shared, new RegExp(`WARN .*\\[egg-sentinel\\] ${escapeRegExp(keyFile)} held the IPC key of another cluster that is still running \\(master pid ${process.pid}\\) ` +
        'and shares this run dir .*drop their own agent\'s messages \\(unknown-key\\)\\. Set the secret for each cluster \\(EGG_SENTINEL_IPC_SECRET from `npx egg-sentinel keygen`, ' +
        'or config\\.sentinel\\.ipc\\.secret\\), or give each cluster its own config\\.rundir'));
      for (const masterPid of [ process.ppid, dead ]) assert.doesNotMatch(await boot(masterPid), /held the IPC key of another cluster/, String(masterPid));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SEN502: an IPC secret a guesser reaches (mm.app, black-box round 30, h106 F2)', () => {
  afterEach(mm.restore);
  const WORDS = 'this-is-the-ipc-secret-of-h106app-for-production-use-only-2024-ok';
  const PI_HEX = '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89';
  // An app named h106app, its cookie keys and failOn from the environment (read at each boot: egg caches the module).
  const dir = tempApp('h106app', { 'config/config.default.js': 'module.exports = () => ({ keys: process.env.SENTINEL_FIXTURE_KEYS, sentinel: { failOn: process.env.SENTINEL_FIXTURE_FAIL_ON } });\n' });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    mm.env('prod');
    mm(process.env, 'SENTINEL_FIXTURE_KEYS', crypto.randomBytes(32).toString('base64url'));
  });

  it('one made of the app\'s name and words, or of π\'s hex digits, refuses boot in prod, saying why and never the secret', async () => {
    for (const [ secret, why ] of <Array<[ string, RegExp ]>> [
      [ WORDS, /it is mostly the app's name and words keys are made of/ ],
      [ PI_HEX, /it is mostly well-known text/ ],
    ]) {
      mm(process.env, 'EGG_SENTINEL_IPC_SECRET', secret);
      const message = await expectRefused(dir, /SEN502/);
      assert.match(message, new RegExp(`the IPC secret carries about \\d+ bits of entropy \\(at least 256 needed\\): ${why.source}`));
      assert.ok(!message.includes(secret.slice(0, 12)), 'the secret is never printed');
    }
  });

  it('let boot, a message sealed with the guessed secret is delivered to the agent; a keygen secret boots clean and drops it', async () => {
    const deliver = async (secret: string) => {
      mm(process.env, 'EGG_SENTINEL_IPC_SECRET', secret);
      const app = await bootApp(dir);
      try {
        const agent = (app as any).agent;
        const received: unknown[] = [];
        agent.messenger.on('h106:run', (data: unknown) => received.push(data));
        // What a local process that guessed the secret sends: an envelope sealed with it, as it arrives over IPC (parsed JSON).
        const forged = seal({ keys: Keyring.forApp({ runDir: dir, secret: WORDS }), sender: { role: 'app', pid: process.pid, iid: 'h106-forger' },
          seq: 1, ts: Date.now(), to: 'agent', action: 'h106:run', payload: { task: 'forged' }, encrypt: false });
        agent.messenger._onMessage({ action: 'h106:run', data: JSON.parse(JSON.stringify(forged)) });
        await new Promise(setImmediate);
        return { findings: reportFindings(app, 'SEN502'), received };
      } finally {
        await app.close();
      }
    };
    mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'never');
    const guessed = await deliver(WORDS);
    assert.equal(guessed.findings.length, 1);
    assert.deepEqual(guessed.received, [{ task: 'forged' }], 'the forged message is delivered');
    const keygen = await deliver(crypto.randomBytes(32).toString('base64url'));
    assert.deepEqual([ keygen.findings, keygen.received ], [[], []]);
  });
});

describe('SEN502: an IPC secret read from a secret file outside the app (mm.app, black-box round 32, h108 F10)', () => {
  afterEach(mm.restore);
  // A mounted secret (Docker/Kubernetes), outside the app: what SEN202 accepts for other secrets.
  const mounted = tempDir('h108-secrets');
  const secretFile = (name: string) => {
    const file = path.join(mounted, name);
    fs.writeFileSync(file, `${crypto.randomBytes(48).toString('base64')}\n`, { mode: 0o600 });
    return JSON.stringify(file);
  };
  const app = (secret: string, previous: string) => tempApp('h108ipc', {
    'config/config.prod.js': "const fs = require('fs');\nconst read = file => fs.readFileSync(file, 'utf8').trim();\n" +
      `module.exports = () => ({ keys: process.env.SENTINEL_FIXTURE_KEYS, sentinel: { ipc: { secret: ${secret}, ` +
      `previousSecrets: [{ secret: ${previous}, until: new Date(Date.now() + 7 * 864e5) }] } } });\n`,
  });
  const apps: string[] = [];
  after(() => [ mounted, ...apps ].forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));
  beforeEach(() => {
    mm.env('prod');
    mm(process.env, 'SENTINEL_FIXTURE_KEYS', crypto.randomBytes(32).toString('base64url'));
  });

  it('boots clean in prod when config.prod.js reads the secret and the previous one from files outside the app', async () => {
    const dir = app(`read(${secretFile('ipc-secret')})`, `read(${secretFile('ipc-secret-old')})`);
    apps.push(dir);
    const booted = await bootApp(dir);
    try {
      assert.deepEqual(reportFindings(booted, 'SEN502'), []);
    } finally {
      await booted.close();
    }
  });

  it('a secret written in config.prod.js, or in a file of the app that config reads, is refused naming the file', async () => {
    const literal = JSON.stringify(crypto.randomBytes(48).toString('base64'));
    const dir = app(literal, "read(require('path').join(__dirname, 'ipc-secret-old'))");
    apps.push(dir);
    fs.writeFileSync(path.join(dir, 'config/ipc-secret-old'), crypto.randomBytes(48).toString('base64'));
    const message = await expectRefused(dir, /SEN502/);
    assert.match(message, /the IPC secret is written in config\/config\.prod\.js, not taken from the environment or a secret file outside the app/);
    assert.match(message, /the previous IPC secret #1, which still verifies messages until its date, is written in config\/ipc-secret-old,/);
    assert.ok(!message.includes(literal.slice(1, 13)), 'the secret is never printed');
  });
});
