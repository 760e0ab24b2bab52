import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import mm from 'egg-mock';
import { bootApp, expectRefused, fixture, readReport } from './helpers';

describe('boot checks in a real egg app (mm.app)', () => {
  afterEach(mm.restore);

  describe('secure app', () => {
    let app: ReturnType<typeof mm.app>;
    const baseDir = fixture('secure-app');
    before(async () => {
      fs.rmSync(path.join(baseDir, 'run'), { recursive: true, force: true });
      app = await bootApp(baseDir);
    });
    after(() => app.close());

    it('boots with zero findings and serves requests', async () => {
      const report = (app as any).sentinel.report;
      assert.deepEqual(report.findings, []);
      assert.equal(report.refused, false);
      await app.httpRequest().get('/').expect(200);
    });

    it('writes run/sentinel-report.json with mode 0600 and no secret value', () => {
      const { mode, json, text } = readReport(baseDir);
      assert.equal(mode, 0o600);
      assert.equal(json.tool.name, 'egg-sentinel');
      assert.equal(json.process, 'app');
      assert.equal(json.app.env, 'unittest');
      assert.ok(!text.includes('Qm9vdC1zZWN1cmUtZml4dHVyZS1rZXktN3hQcTJ3Rk'), 'the cookie key must not appear');
    });
  });
});

describe('refused boots (mm.app)', () => {
  afterEach(mm.restore);

  it('SEN201: scaffolded cookie keys refuse boot in prod, naming the rule, the key and the file', async () => {
    mm.env('prod');
    const message = await expectRefused(fixture('weak-keys'), /SEN201/);
    assert.match(message, /boot refused/);
    assert.match(message, /config\.keys/);
    assert.match(message, /config\/config\.default\.ts/);
    assert.match(message, /scaffold form/);
    assert.ok(!message.includes('1700000000000_4321'), 'the key itself is never printed');
  });
});
