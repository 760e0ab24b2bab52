/**
 * Faults at boot: what a broken environment does to a real app. Each case boots a fixture with mm.app() (the run
 * directory case also under a real egg-cluster) and asserts a clear refusal or a warning, no unhandled exception, and
 * no half-started app: either ready() rejects with a named error and no stack, or the app serves requests with
 * egg-sentinel's report and IPC guard in place.
 * Unreadable and read-only are simulated with a regular file where a directory is expected: CI runs as root, and
 * chmod 000 denies root nothing.
 */
import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import mm from 'egg-mock';
import { fixture, mockCluster, tempApp } from './helpers';

type MockApp = ReturnType<typeof mm.app>;

const unhandled: unknown[] = [];
const record = (error: unknown) => unhandled.push(error);

/** Boots the fixture; the app when ready (the caller closes it), or the error ready() rejected with. */
async function boot(baseDir: string): Promise<{ app?: MockApp; error?: Error }> {
  const app = mm.app({ baseDir, cache: false });
  try {
    await app.ready();
    return { app };
  } catch (error) {
    await app.close();
    return { error: error as Error };
  }
}

/** A refusal: a named error whose message has no stack frames, and whose own stack is that one line. */
async function refused(baseDir: string, name: string, pattern: RegExp): Promise<string> {
  const { app, error } = await boot(baseDir);
  if (app) {
    await app.close();
    assert.fail('boot completed, expected a refusal');
  }
  assert.ok(error);
  assert.equal(error.name, name, error.stack);
  assert.match(error.message, pattern);
  assert.doesNotMatch(`${error.message}\n${error.stack}`, /\n\s+at /, 'no stack frames');
  return error.message;
}

/** A completed boot: ready, serving requests through the whole middleware chain, egg-sentinel's report and guard in place. */
async function completed(baseDir: string, check: (app: MockApp) => void | Promise<void>): Promise<void> {
  const { app, error } = await boot(baseDir);
  assert.ok(app, `boot was refused: ${error?.message}`);
  try {
    const sentinel = (app as any).sentinel;
    assert.equal(sentinel.report.refused, false);
    assert.equal(typeof sentinel.ipc.stats().dropped, 'object', 'the IPC guard is installed');
    const res = await app.httpRequest().get('/no-such-page').expect(404);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', 'egg-security ran');
    await check(app);
  } finally {
    await app.close();
  }
}

/** What egg's loggers wrote (logger.dir is <baseDir>/logs in every fault fixture). */
function logs(baseDir: string, file: string): string {
  const full = path.join(baseDir, 'logs', file);
  return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : '';
}

/**
 * Waits until `file` shows `pattern` (egg's loggers write asynchronously, also after close()), then asserts it and
 * returns the text.
 */
async function logged(baseDir: string, file: string, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  let text = logs(baseDir, file);
  while (!pattern.test(text) && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 50));
    text = logs(baseDir, file);
  }
  assert.match(text, pattern, file);
  return text;
}

/** Once `file` mentions egg-sentinel, no log entry that does carries stack frames. */
async function assertNoSentinelStack(baseDir: string, file: 'common-error.log' | 'egg-web.log'): Promise<void> {
  await logged(baseDir, file, /\[egg-sentinel\]/);
  for (const name of [ 'common-error.log', 'egg-agent.log', 'egg-web.log' ]) {
    for (const entry of logs(baseDir, name).split(/\n(?=\d{4}-\d{2}-\d{2} )/)) {
      if (entry.includes('egg-sentinel')) assert.doesNotMatch(entry, /\n\s+at /, `${name}: ${entry}`);
    }
  }
}

describe('faults at boot (mm.app, prod env)', function() {
  this.timeout(60_000);
  beforeEach(() => {
    mm.env('prod');
    unhandled.length = 0;
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
  });
  afterEach(() => {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
    mm.restore();
    assert.deepEqual(unhandled, [], 'no unhandled rejection or exception');
  });

  describe('unusable run/ directory (a regular file stands where config.rundir should be)', () => {
    const baseDir = fixture('fault-run-dir');

    it('refuses: the agent cannot write the IPC key, so workers have no secret; both messages name the path and the fix', async () => {
      const message = await refused(baseDir, 'Error', /^\[egg-sentinel\] no IPC secret: .*run-is-a-file\/sentinel-ipc\.key is missing, unreadable, or not a private file of this user/);
      assert.match(message, /keep config\.rundir a writable directory .* or set EGG_SENTINEL_IPC_SECRET \(`npx egg-sentinel keygen`\)/);
      await logged(baseDir, 'common-error.log', /\[egg-sentinel\] cannot write the IPC key file .*run-is-a-file\/sentinel-ipc\.key \(.*run-is-a-file exists and is not a directory\)/);
      await assertNoSentinelStack(baseDir, 'common-error.log');
    });

    it('with a configured IPC secret it boots, warning that the report cannot be written (the verdict is still logged and enforced)', async () => {
      mm(process.env, 'EGG_SENTINEL_IPC_SECRET', 'fault-run-dir-ipc-secret-Lq4Wt8Zm2Xr6Kv1Pb9Nd3Hc7Ys5Jf0GaQ2');
      await completed(baseDir, () => undefined);
      await logged(baseDir, 'egg-web.log', /WARN .*\[egg-sentinel\] could not write the report to .*run-is-a-file\/sentinel-report\.json: .*run-is-a-file exists and is not a directory/);
      await logged(baseDir, 'egg-web.log', /\[egg-sentinel\] egg-sentinel [\d.]+ \[app\] env "prod"/);
      await assertNoSentinelStack(baseDir, 'egg-web.log');
    });
  });

  describe('report file not writable (its directory is a regular file, as on a read-only filesystem)', () => {
    const baseDir = fixture('fault-report-path');

    it('boots with a warning naming the path: the report is a copy of what is logged, so losing it must not stop the app', async () => {
      await completed(baseDir, () => undefined);
      await logged(baseDir, 'egg-web.log', /WARN .*\[egg-sentinel\] could not write the report to .*report-dir-is-a-file\/sentinel-report\.json: .*report-dir-is-a-file exists and is not a directory/);
    });

    it('still refuses a boot with blocking findings: an unwritable report never hides the verdict', async () => {
      mm(process.env, 'FAULT_FAIL_ON', 'low');
      await refused(baseDir, 'SentinelBootError', /boot refused by the app: \d+ finding\(s\) at or above "low"/);
      await logged(baseDir, 'egg-web.log', /could not write the report to .*report-dir-is-a-file/);
    });
  });

  describe('report path pointing at a file that is not a report (the app\'s own config file)', () => {
    const baseDir = fixture('fault-report-foreign');
    const configFile = path.join(baseDir, 'config/config.default.ts');

    it('boots with a warning naming the file and the fix, and leaves the file as it was', async () => {
      const before = fs.readFileSync(configFile, 'utf8');
      await completed(baseDir, () => undefined);
      assert.equal(fs.readFileSync(configFile, 'utf8'), before);
      await logged(baseDir, 'egg-web.log', /WARN .*\[egg-sentinel\] could not write the report to .*fault-report-foreign\/config\/config\.default\.ts: .* is not an egg-sentinel report, which egg-sentinel does not overwrite: point config\.sentinel\.report\.path at a file of its own/);
    });
  });

  it('config nested 3000 deep: boots checked; egg\'s config dumps are rewritten 0600, the part too deep to vouch for masked', async () => {
    const baseDir = fixture('fault-deep-config');
    await completed(baseDir, app => {
      const findings = (app as any).sentinel.report.findings.map((finding: { ruleId: string; message: string }) => `${finding.ruleId} ${finding.message}`);
      assert.ok(!findings.some((text: string) => /SEN00|SEN204/.test(text)), findings.join('\n'));
    });
    // egg writes its dumps in a nextTick after ready; egg-sentinel rewrites them in the turn after.
    const dump = path.join(baseDir, 'run/application_config.json');
    assert.equal(fs.statSync(dump).mode & 0o777, 0o600);
    const text = fs.readFileSync(dump, 'utf8');
    assert.ok(!text.includes('Deep-Nested-Pw-8f7e6d'));
    assert.match(text, /"level": "\[REDACTED\]"/);
  });

  describe('corrupted plugin manifest (sentinel.lock.json cut off mid-write)', () => {
    const baseDir = fixture('fault-manifest');

    it('refuses in prod with SEN104, naming the file and the command that regenerates it', async () => {
      const message = await refused(baseDir, 'SentinelBootError', /SEN104/);
      assert.match(message, /sentinel\.lock\.json is not valid JSON/);
      assert.match(message, /npx egg-sentinel pin/);
      await assertNoSentinelStack(baseDir, 'common-error.log');
    });

    it('boots in unittest with SEN104 as a warning, as documented (high in local/unittest, which refuse only critical)', async () => {
      mm.env('unittest');
      await completed(baseDir, app => {
        const finding = (app as any).sentinel.report.findings.find((f: any) => f.ruleId === 'SEN104');
        assert.equal(finding?.severity, 'high');
        assert.equal(finding.blocking, false);
      });
    });
  });

  it('corrupted advisory database (the override file cut off): refuses, naming the file and how to rebuild it', async () => {
    const baseDir = fixture('fault-advisories');
    const message = await refused(baseDir, 'AdvisoryDatabaseError', /the advisory database .*fault-advisories\/sentinel-advisories\.json is invalid/);
    assert.match(message, /not readable as JSON/);
    assert.match(message, /egg-sentinel advisories update --from/);
    await assertNoSentinelStack(baseDir, 'common-error.log');
  });

  describe('IPC key file', () => {
    const baseDir = fixture('fault-key-file');
    const keyFile = path.join(baseDir, 'run', 'sentinel-ipc.key');

    it('removed after the agent wrote it (a cleaner of run/): the worker refuses, naming the file and the fix', async () => {
      mm(process.env, 'FAULT_KEY_FILE', 'delete');
      const message = await refused(baseDir, 'Error', /^\[egg-sentinel\] no IPC secret: .*fault-key-file\/run\/sentinel-ipc\.key is missing, unreadable, or not a private file of this user \(a regular file it owns, mode 0600, as the agent writes it when it starts\)/);
      assert.match(message, /EGG_SENTINEL_IPC_SECRET/);
      await assertNoSentinelStack(baseDir, 'common-error.log');
    });

    it('corrupted before boot: the agent writes a new one (mode 0600) and the app boots', async () => {
      fs.mkdirSync(path.dirname(keyFile), { recursive: true });
      fs.writeFileSync(keyFile, '{"version":1,"secr');
      await completed(baseDir, () => undefined);
      assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
      assert.equal(JSON.parse(fs.readFileSync(keyFile, 'utf8')).version, 1);
    });
  });

  it('invalid config.sentinel: refuses, naming every bad key; the agent logs the same refusal once, without a stack', async () => {
    const baseDir = fixture('fault-config');
    const message = await refused(baseDir, 'SentinelConfigError', /invalid config\.sentinel, boot refused/);
    assert.match(message, /config\.sentinel\.failon: unknown option \(did you mean "failOn"\?\)/);
    assert.match(message, /config\.sentinel\.report\.file: must be boolean, got string/);
    assert.match(message, /Fix the keys above in config\/config\.default\.ts \(every option/, 'names the file that sets config.sentinel');
    const agentLog = await logged(baseDir, 'egg-agent.log', /ERROR .*SentinelConfigError/);
    assert.equal(agentLog.match(/ERROR .*SentinelConfigError/g)?.length, 1);
    await assertNoSentinelStack(baseDir, 'common-error.log');
  });

  it('invalid config.sentinel set in one of two files: each bad key names the file that set it, and only that one is to fix (black-box round 21)', async () => {
    const baseDir = tempApp('config-two-files', {
      'config/config.default.js': "module.exports = { keys: 'two-files-Rt4Wq9Lm2Xv7Kp5Zn8Bc1Hj6Fd3Ys0Ga', sentinel: { failOn: 'high' } };\n",
      'config/config.prod.js': "module.exports = { sentinel: { failon: 'never', waivers: [{ rule: 'SEN201', reason: 'x', expires: '2999-01-01' }] } };\n",
    });
    try {
      const message = await refused(baseDir, 'SentinelConfigError', /invalid config\.sentinel, boot refused/);
      assert.match(message, /config\.sentinel\.failon: unknown option \(did you mean "failOn"\?\); allowed: .* \(set in config\/config\.prod\.js\)/);
      assert.match(message, /config\.sentinel\.waivers\[0\]\.reason: .* \(set in config\/config\.prod\.js\)/);
      assert.match(message, /Fix the keys above in config\/config\.prod\.js \(every option/);
    } finally {
      fs.rmSync(baseDir, { recursive: true, force: true });
    }
  });
});

describe('faults at boot under a real egg-cluster (mm.cluster, prod env)', () => {
  afterEach(mm.restore);

  it('unusable run/ directory: the worker refuses, the master exits non-zero, and stderr says why without a stack', async function() {
    this.timeout(180_000);
    mm.env('prod');
    const app = mockCluster({ baseDir: fixture('fault-run-dir'), workers: 1, port: 7211 });
    try {
      await app.ready(); // resolves when the master exits after a failed start
      assert.notEqual(app.proc.exitCode, 0);
      assert.match(app.stderr, /\[egg-sentinel\] no IPC secret: .*run-is-a-file\/sentinel-ipc\.key is missing, unreadable, or not a private file of this user/);
      assert.doesNotMatch(app.stderr, /Unhandled|uncaughtException/i);
      for (const block of app.stderr.split(/\n(?=\S)/).filter((text: string) => text.includes('[egg-sentinel]'))) assert.doesNotMatch(block, /\n\s+at /, block);
    } finally {
      await app.close();
    }
  });
});
