/**
 * The agent's cluster-client leader port under attack: real egg-cluster (agent + 2 workers), an app that shares an
 * SDK-style client through app.cluster(), and an attacker process that finds the port in the logs and has no secret.
 */
import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mm from 'egg-mock';
import { loadAppOffline } from '../lib/facts/offline';
import { clusterClientUnprotected } from '../lib/rules/ipc';
import { fixture, freePort, mockCluster, readReport, tempApp } from './helpers';

type Cluster = ReturnType<typeof mm.cluster>;

const EGG_DIR = path.dirname(require.resolve('egg/package.json'));
const ATTACKER = path.join(__dirname, 'fixtures/attackers/cluster-client.js');
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Runs the attacker in a clean process (no ts-node, no egg-sentinel loaded). */
function attack(port: number, mode: string, arg: string): Record<string, any> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const run = spawnSync(process.execPath, [ ATTACKER, EGG_DIR, String(port), mode, arg ], { env, encoding: 'utf8', timeout: 20000 });
  const last = run.stdout.trim().split('\n').pop();
  if (!last) throw new Error(`the attacker printed nothing (status ${run.status}): ${run.stderr}`);
  return JSON.parse(last);
}

async function startCluster(protection: 'on' | 'off', messengerMode: 'enforce' | 'off' = 'enforce'): Promise<{ app: Cluster; port: number }> {
  mm(process.env, 'CC_TEST_PROTECTION', protection);
  mm(process.env, 'CC_TEST_IPC_MODE', messengerMode);
  try {
    const app = mockCluster({ baseDir: fixture('cc-app'), workers: 2 });
    await app.ready();
    // Where an attacker finds it: egg-cluster logs the port at startup (and passes it in the workers' argv).
    const port = Number(/start with clusterPort:(\d+)/.exec((app as any).stdout)?.[1]);
    assert.ok(port > 0, 'the cluster port is in the master log');
    return { app, port };
  } finally {
    mm.restore();
  }
}

const calls = async (app: Cluster) => (await app.httpRequest().get('/calls').expect(200)).body as { echo: number; secret: number };

/** A worker's IPC stats: no message dropped, no cluster-client connection refused (a follower's connect-and-close probe aside). */
async function assertNothingDropped(app: Cluster): Promise<void> {
  const stats = (await app.httpRequest().get('/ipc-stats').expect(200)).body;
  assert.deepEqual(Object.values(stats.dropped).filter(n => n !== 0), [], JSON.stringify(stats));
  assert.deepEqual(Object.entries(stats.clusterClient.refused).filter(([ reason, n ]) => reason !== 'probe' && n !== 0), [], JSON.stringify(stats));
}

describe('cluster-client channel with egg-sentinel (authenticated)', function() {
  this.timeout(120000);
  let app: Cluster;
  let port: number;
  before(async () => {
    ({ app, port } = await startCluster('on'));
  });
  after(() => app.close());

  it('invoke works through the authenticated channel from every worker', async () => {
    for (let i = 0; i < 4; i++) {
      const { body } = await app.httpRequest().get('/echo').query({ value: `v${i}` }).expect(200);
      assert.equal(body.value, `v${i}`);
    }
    assert.ok((await calls(app)).echo >= 4);
    for (let i = 0; i < 4; i++) await assertNothingDropped(app);
  });

  it('subscribe/publish: a publication reaches the subscribers of both workers', async () => {
    await app.httpRequest().get('/publish').query({ text: 'breaking' }).expect(200);
    const seenBy = new Set<number>();
    for (let i = 0; i < 20 && seenBy.size < 2; i++) {
      const { body } = await app.httpRequest().get('/received').expect(200);
      if (body.received.includes('breaking')) seenBy.add(body.pid);
      await sleep(100);
    }
    assert.equal(seenBy.size, 2);
  });

  it('raw TCP without the secret: registration and invoke (public and private) get no answer; nothing runs', async () => {
    const before = await calls(app);
    for (const method of [ 'echo', '_internalSecret' ]) {
      const result = attack(port, 'raw-invoke', method);
      assert.ok(!result.replies?.some((reply: any) => reply.connObj?.type === 'invoke_result' || reply.connObj?.type === 'register_channel_res'), JSON.stringify(result));
      assert.ok(result.closedByServer || result.timedOut, JSON.stringify(result));
    }
    assert.deepEqual(await calls(app), before, 'the real client ran nothing');
  });

  it("cluster-client's own follower without the secret cannot invoke or subscribe", async () => {
    const before = await calls(app);
    for (const method of [ 'echo', '_internalSecret' ]) {
      const result = attack(port, 'follower', method);
      assert.ok(result.error || result.timedOut, JSON.stringify(result));
      assert.equal(result.result, undefined);
    }
    assert.deepEqual(await calls(app), before, 'the real client ran nothing');
  });

  it('a process whose key the leader refuses keeps no sockets and waits longer each time; probing the leader keeps none either (black-box round 43, r43h5 F1)', () => {
    // A worker with a secret the agent does not hold: its follower was created again at once on every close (~1,000 a
    // second), and cluster-client's probe of the port kept each socket (the leader's greeting unread): EMFILE in seconds.
    const script = path.join(__dirname, 'fixtures/cc-refused-follower.ts');
    const run = spawnSync(process.execPath, [ '-r', 'ts-node/register/transpile-only', script, EGG_DIR, String(port), '4' ], { encoding: 'utf8', timeout: 60000 });
    const result = JSON.parse(run.stdout.trim().split('\n').pop() as string);
    // Refused after 0.25, 0.5, 1 and 2 s: at most 4 times in 4 s.
    assert.ok(result.created >= 1 && result.created <= 4, run.stdout);
    assert.ok(result.fdsAfterFollower - result.fdsAtStart < 10, run.stdout);
    assert.ok(result.fdsAfterProbes - result.fdsAfterFollower < 10, run.stdout);
  });

  it('the leader counts and closes the unauthenticated connections', async () => {
    const stats = (await app.httpRequest().get('/leader-stats').expect(200)).body;
    const refused = Object.entries(stats.refused).filter(([ reason ]) => reason !== 'probe').reduce((sum, [ , n ]) => sum + (n as number), 0);
    assert.ok(refused >= 4, JSON.stringify(stats));
    assert.ok(stats.authenticated >= 2, 'both workers authenticated');
  });
});

describe('cluster-client channel authenticated while messenger signing is off (ipc.mode off)', function() {
  this.timeout(120000);
  let app: Cluster;
  let port: number;
  before(async () => {
    ({ app, port } = await startCluster('on', 'off'));
  });
  after(() => app.close());

  it('invoke still works, and a raw TCP client without the secret runs nothing', async () => {
    const { body } = await app.httpRequest().get('/echo').query({ value: 'still-on' }).expect(200);
    assert.equal(body.value, 'still-on');
    const before = await calls(app);
    const result = attack(port, 'raw-invoke', '_internalSecret');
    assert.ok(!result.replies?.some((reply: any) => reply.connObj?.type === 'invoke_result'), JSON.stringify(result));
    assert.deepEqual(await calls(app), before, 'the real client ran nothing');
  });
});

describe('cluster-client channel without egg-sentinel protection (control: the hole is real)', function() {
  this.timeout(120000);
  let app: Cluster;
  let port: number;
  before(async () => {
    ({ app, port } = await startCluster('off'));
  });
  after(() => app.close());

  it('a raw TCP client runs a private method of the real client and reads the result', async () => {
    const result = attack(port, 'raw-invoke', '_internalSecret');
    const invoked = result.replies?.find((reply: any) => reply.connObj?.type === 'invoke_result');
    assert.equal(invoked?.data, 'SECRET', JSON.stringify(result));
    assert.equal((await calls(app)).secret, 1);
  });
});

/**
 * A path plugin with its own nested copy of cluster-client (lib/plugin/egg-registry/node_modules/cluster-client, as npm
 * nests one whose range differs from egg's) running its own leader on its own port in the agent, followers in the app
 * workers (black-box round 26, h85 F8). `version`: what the copy's package.json says (its files are egg's 3.7.0).
 */
function nestedCopyApp(version?: string): string {
  const plugin = 'lib/plugin/egg-registry';
  // The agent requires the copy in its beforeStart, after egg-sentinel's constructor (patched as node loads it); the
  // workers when egg requires their app.js, before it (patched from require's cache).
  const client = (isLeader: boolean) => `const EchoClient = require('./lib/echo_client');
${isLeader ? '' : "const cluster = require('cluster-client');\n"}module.exports = target => {
  target.beforeStart(async () => {
    ${isLeader ? "const cluster = require('cluster-client');\n    " : ''}target.registry = cluster(EchoClient, { port: Number(process.env.CC_NESTED_PORT), isLeader: ${isLeader} }).create();
    await target.registry.ready();
  });
};
`;
  const baseDir = tempApp('cc-nested', {
    'config/config.default.js': "exports.keys = 'cc-nested-fixture-key-Hq7Vx2Lm9Rk4Tz1Wp6Nc3Jb8Fs5Dg0Y';\n",
    'config/plugin.js': `exports.registry = { enable: true, path: require('path').join(__dirname, '../${plugin}') };\n`,
    'app/router.js': `module.exports = app => {
  app.router.get('/echo', async ctx => { ctx.body = await app.registry.echo(String(ctx.query.value)); });
  app.router.get('/calls', async ctx => { ctx.body = await app.registry.getCalls(); });
  app.router.get('/ipc-stats', ctx => { ctx.body = app.sentinel.ipc.stats(); });
};
`,
    [`${plugin}/package.json`]: JSON.stringify({ name: 'egg-registry', eggPlugin: { name: 'registry' }, dependencies: { 'cluster-client': '~3.6.0' } }),
    [`${plugin}/agent.js`]: client(true),
    [`${plugin}/app.js`]: client(false),
    [`${plugin}/lib/echo_client.js`]: `const { EventEmitter } = require('events');
class EchoClient extends EventEmitter {
  constructor() { super(); this.calls = { echo: 0, secret: 0 }; }
  async echo(value) { this.calls.echo++; return { value, leaderPid: process.pid }; }
  async getCalls() { return { ...this.calls }; }
  async _internalSecret() { this.calls.secret++; return 'SECRET'; }
}
module.exports = EchoClient;
`,
  });
  // The copy's own dependencies (tcp-base, sdk-base…) resolve from the app's node_modules, as when npm hoists them.
  fs.symlinkSync(path.join(__dirname, '../node_modules'), path.join(baseDir, 'node_modules'));
  const copy = path.join(baseDir, plugin, 'node_modules/cluster-client');
  fs.cpSync(path.dirname(require.resolve('cluster-client/package.json', { paths: [ EGG_DIR ] })), copy, { recursive: true });
  if (version) {
    const manifest = path.join(copy, 'package.json');
    fs.writeFileSync(manifest, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifest, 'utf8')), version }));
  }
  return baseDir;
}

describe("a plugin's nested cluster-client copy (3.7.0, its own leader port): protected like egg's", function() {
  this.timeout(120000);
  let app: Cluster;
  let baseDir: string;
  let port: number;
  before(async () => {
    baseDir = nestedCopyApp();
    port = await freePort();
    mm(process.env, 'CC_NESTED_PORT', String(port));
    try {
      app = mockCluster({ baseDir, workers: 2 });
      await app.ready();
    } finally {
      mm.restore();
    }
  });
  after(async () => {
    await app.close();
    fs.rmSync(baseDir, { recursive: true, force: true });
  });

  it("the plugin's followers reach its leader through the authenticated channel; nothing is dropped or refused", async () => {
    for (let i = 0; i < 4; i++) {
      const { body } = await app.httpRequest().get('/echo').query({ value: `n${i}` }).expect(200);
      assert.equal(body.value, `n${i}`);
    }
    for (let i = 0; i < 4; i++) await assertNothingDropped(app);
    assert.ok(!readReport(baseDir).json.findings.some((finding: any) => finding.ruleId === 'SEN503'), 'no SEN503: the copy is protected');
  });

  it("raw TCP and cluster-client's own follower without the secret run nothing on the plugin's leader", async () => {
    const before = (await app.httpRequest().get('/calls').expect(200)).body;
    for (const method of [ 'echo', '_internalSecret' ]) {
      const raw = attack(port, 'raw-invoke', method);
      assert.ok(!raw.replies?.some((reply: any) => reply.connObj?.type === 'invoke_result' || reply.connObj?.type === 'register_channel_res'), JSON.stringify(raw));
      assert.ok(raw.closedByServer || raw.timedOut, JSON.stringify(raw));
      const follower = attack(port, 'follower', method);
      assert.ok(follower.error || follower.timedOut, JSON.stringify(follower));
      assert.equal(follower.result, undefined);
    }
    assert.deepEqual((await app.httpRequest().get('/calls').expect(200)).body, before, 'the real client ran nothing');
  });
});

describe("a plugin's nested cluster-client copy of another version (3.6.0): reported, boot refused in prod", function() {
  this.timeout(120000);
  afterEach(mm.restore);

  it('the worker refuses with SEN503 naming the copy, its version and the processes that loaded it', async () => {
    const baseDir = nestedCopyApp('3.6.0');
    mm.env('prod');
    mm(process.env, 'CC_NESTED_PORT', String(await freePort()));
    const app = mockCluster({ baseDir, workers: 1 });
    try {
      await app.ready(); // egg-mock's ClusterApplication resolves ready() when the master exits
      assert.notEqual(app.proc.exitCode, 0);
      assert.match(app.stderr, /SentinelBootError: \[egg-sentinel\] boot refused by the app/);
      for (const process of [ 'agent', 'app worker' ]) {
        assert.match(app.stderr, new RegExp(`high +SEN503 .*\\n.*what: {2}cluster-client 3\\.6\\.0 at lib/plugin/egg-registry/node_modules/cluster-client, loaded by the ${process} besides egg's own copy, is not protected`));
      }
      assert.match(app.stderr, /Dedupe it so that its plugin uses egg's cluster-client, or share the client through app\.cluster\(\) \/ agent\.cluster\(\)/);
    } finally {
      await app.close();
      fs.rmSync(baseDir, { recursive: true, force: true });
    }
  });
});

describe("egg-sentinel audit of an app whose plugin nests its own cluster-client", () => {
  it('judges each copy the app side loads by its version, as boot patches it: 3.6.0 is SEN503, 3.7.0 is not', async function() {
    this.timeout(60000);
    for (const [ version, expected ] of [ [ '3.6.0', [ 'lib/plugin/egg-registry/node_modules/cluster-client' ] ], [ undefined, [] ] ] as const) {
      const baseDir = nestedCopyApp(version);
      try {
        const facts = await loadAppOffline({ baseDir, env: 'prod', warn: () => undefined });
        assert.deepEqual(clusterClientUnprotected.check(facts, { developmentEnv: false }).map(hit => hit.target), expected, version);
      } finally {
        // The copy the audit loaded must not count as loaded by the apps later tests boot in this process.
        for (const file of Object.keys(require.cache)) if (file.startsWith(baseDir)) delete require.cache[file];
        fs.rmSync(baseDir, { recursive: true, force: true });
      }
    }
  });
});
