/**
 * The agent's cluster-client leader port under attack: real egg-cluster (agent + 2 workers), an app that shares an
 * SDK-style client through app.cluster(), and an attacker process that finds the port in the logs and has no secret.
 */
import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import mm from 'egg-mock';
import { fixture } from './helpers';

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
    const app = mm.cluster({ baseDir: fixture('cc-app'), workers: 2, cache: false } as any);
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
