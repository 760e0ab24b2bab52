import assert from 'node:assert';
import crypto from 'node:crypto';
import fs from 'node:fs';
import mm from 'egg-mock';
import { bootApp, expectRefused, readReport, tempApp } from './helpers';

const STRONG_KEY = 'x7Rk2-strong-fixture-key-9aQmZ4bLw8NcY3tVe6Hj';

/** An app whose only problem is its config.sentinel value. */
function appWithSentinelConfig(sentinel: unknown): string {
  return tempApp('bad-config', {
    'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: ${JSON.stringify(sentinel)} };\n`,
  });
}

describe('config.sentinel is validated at boot (mm.app)', () => {
  const dirs: string[] = [];
  afterEach(mm.restore);
  after(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

  const cases: Array<{ title: string; sentinel: unknown; expect: RegExp[] }> = [
    {
      title: 'unknown key (a typo of failOn)',
      sentinel: { failon: 'low' },
      expect: [ /config\.sentinel\.failon: unknown option/, /did you mean "failOn"/ ],
    },
    {
      // Black-box round 40, h1 F4: a slip other than case gets the closest option too.
      title: 'unknown keys a letter or two away from an option',
      sentinel: { waiver: [], route: {}, routes: { protected: [] } },
      expect: [ /config\.sentinel\.waiver: unknown option \(did you mean "waivers"\?\)/, /config\.sentinel\.route: unknown option \(did you mean "routes"\?\)/,
        /config\.sentinel\.routes\.protected: unknown option \(did you mean "protect"\?\)/ ],
    },
    {
      // Black-box round 41, h2 F3: the plugin's entry pasted into a config file.
      title: 'the plugin entry written as config.sentinel',
      sentinel: { enable: true, package: 'egg-sentinel' },
      expect: [ /config\.sentinel\.enable: unknown option; `enable`, `package` and `path` belong to the plugin's entry in config\/plugin\.js \(`sentinel: \{ enable: true, package: 'egg-sentinel' \}`\), not to config\.sentinel/,
        /config\.sentinel\.package: unknown option; `enable`/ ],
    },
    {
      title: 'wrong type',
      sentinel: { report: { log: 'yes' } },
      expect: [ /config\.sentinel\.report\.log: must be boolean, got string/ ],
    },
    {
      title: 'bad threshold value',
      sentinel: { failOn: 'hgh' },
      expect: [ /config\.sentinel\.failOn: "hgh" is not allowed/, /"critical", "high", "medium", "low", "never"/ ],
    },
    {
      title: 'waiver without reason',
      sentinel: { waivers: [{ rule: 'SEN201', expires: '2999-01-01' }] },
      expect: [ /config\.sentinel\.waivers\[0\]\.reason: required/ ],
    },
    {
      title: 'waiver with a reason too short, and an empty target',
      sentinel: { waivers: [{ rule: 'SEN201', reason: 'lb', target: '', expires: '2999-01-01' }] },
      expect: [ /config\.sentinel\.waivers\[0\]\.reason: "lb" is too short \(at least 3 characters\)/, /config\.sentinel\.waivers\[0\]\.target: must not be empty/ ],
    },
    {
      title: 'the reserved batch action in ipc.encrypt, and the current secret listed as a previous one',
      sentinel: { ipc: { encrypt: [ 'egg-sentinel:batch' ], secret: 'Rotating-Secret-Value-0123456789abcdefXYZ', previousSecrets: [{ secret: 'Rotating-Secret-Value-0123456789abcdefXYZ', until: '2999-01-01' }] } },
      expect: [
        /config\.sentinel\.ipc\.encrypt: "egg-sentinel:batch" is egg-sentinel's own batch action; a batch is sealed when a message in it is/,
        /config\.sentinel\.ipc\.previousSecrets\[0\]\.secret: the same as ipc\.secret; list only the secrets being rotated out/,
      ],
    },
    {
      title: 'waiver without expiry',
      sentinel: { waivers: [{ rule: 'SEN201', reason: 'accepted for now' }] },
      expect: [ /config\.sentinel\.waivers\[0\]\.expires: required/ ],
    },
    {
      title: 'waiver with an impossible date',
      sentinel: { waivers: [{ rule: 'SEN201', reason: 'accepted for now', expires: '2030-02-31' }] },
      expect: [ /config\.sentinel\.waivers\[0\]\.expires: "2030-02-31" is not a calendar date/ ],
    },
    {
      title: 'a waiver of SEN002 (it reports on the waivers themselves), with a blank reason',
      sentinel: { waivers: [{ rule: 'SEN002', reason: '   ', expires: '2999-01-01' }] },
      expect: [
        /config\.sentinel\.waivers\[0\]\.rule: SEN002 reports on the waivers themselves and cannot be waived/,
        /config\.sentinel\.waivers\[0\]\.reason: " {3}" does not match text that is not blank/,
      ],
    },
    {
      title: 'a waiver and a rotation with a time of day that does not exist (black-box round 44, r44h4 F1: the waiver never expired)',
      sentinel: { waivers: [{ rule: 'SEN201', reason: 'accepted for now', expires: '2020-01-01T25:00:00Z' }],
        ipc: { previousSecrets: [{ secret: 'Old-Rotated-Secret-Value-0123456789abcdefXY', until: '2020-01-01T10:00:00+25:00' }] } },
      expect: [
        /config\.sentinel\.waivers\[0\]\.expires: "2020-01-01T25:00:00Z" is not a time of day/,
        /config\.sentinel\.ipc\.previousSecrets\[0\]\.until: "2020-01-01T10:00:00\+25:00" is not a time of day/,
      ],
    },
    {
      title: 'a rotation date that does not exist',
      sentinel: { ipc: { previousSecrets: [{ secret: 'Old-Rotated-Secret-Value-0123456789abcdefXY', until: '2027-02-31' }] } },
      expect: [ /config\.sentinel\.ipc\.previousSecrets\[0\]\.until: "2027-02-31" is not a calendar date/ ],
    },
    {
      title: 'null (it would drop every option, the IPC secret and the waivers with them)',
      sentinel: null,
      expect: [ /config\.sentinel: must be object, got null/ ],
    },
    {
      title: 'unknown rule id in rules',
      sentinel: { rules: { SEN999: 'off' } },
      expect: [ /config\.sentinel\.rules\.SEN999: no rule has this id/ ],
    },
    {
      title: 'rule override that is not a severity',
      sentinel: { rules: { SEN201: 'disabled' } },
      expect: [ /config\.sentinel\.rules\.SEN201: "disabled" is not allowed; use one of "off"/ ],
    },
  ];

  for (const { title, sentinel, expect } of cases) {
    it(`refuses boot for ${title}, naming the key`, async () => {
      const dir = appWithSentinelConfig(sentinel);
      dirs.push(dir);
      const message = await expectRefused(dir, /invalid config\.sentinel, boot refused/);
      for (const pattern of expect) assert.match(message, pattern);
      assert.doesNotMatch(message, /\n\s+at /, 'no stack trace in the refusal');
      assert.ok(!message.includes('Rotating-Secret-Value'), 'no secret in the refusal');
    });
  }

  it('reports every problem at once', async () => {
    const dir = appWithSentinelConfig({ failon: 'low', report: { file: 1 }, rules: { SEN999: 'off' }, waivers: [{ rule: 'SEN201' }, { rule: 'SEN201', reason: 'legacy keys', expires: '2030-02-30' }] });
    dirs.push(dir);
    const message = await expectRefused(dir, /invalid config\.sentinel/);
    assert.match(message, /failon/);
    assert.match(message, /report\.file: must be boolean/);
    assert.match(message, /waivers\[0\]\.reason: required/);
    assert.match(message, /waivers\[0\]\.expires: required/);
    // Checks beyond the schema run too, not only once the schema's problems are fixed.
    assert.match(message, /rules\.SEN999: no rule has this id/);
    assert.match(message, /waivers\[1\]\.expires: "2030-02-30" is not a calendar date/);
  });

  describe('waivers[].expires as a Date or an ISO date-time, as ipc.previousSecrets[].until (black-box round 43, r43h7 F4)', () => {
    function appWithExpires(expires: string): string {
      const dir = tempApp('waiver-date', {
        'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { waivers: [{ rule: 'SEN201', reason: 'timed waiver', expires: ${expires} }] } };\n`,
      });
      dirs.push(dir);
      return dir;
    }

    it('a Date and an ISO date-time boot; the Date is the config\'s ISO string from then on', async () => {
      for (const [ expires, stored ] of [ [ "new Date('2999-01-31')", '2999-01-31T00:00:00.000Z' ], [ "'2999-01-31T18:00:00Z'", '2999-01-31T18:00:00Z' ] ]) {
        const dir = appWithExpires(expires);
        const app = await bootApp(dir);
        try {
          assert.equal((app.config as any).sentinel.waivers[0].expires, stored);
          assert.deepEqual(readReport(dir).json.waivers.map((waiver: any) => `${waiver.expires} ${waiver.state}`), [ `${stored} unused` ]);
        } finally {
          await app.close();
        }
      }
    });

    it('a date-time already past expires the waiver (SEN001); another type names the forms a date may take', async () => {
      const past = appWithExpires("'2020-01-31T18:00:00Z'");
      const app = await bootApp(past);
      await app.close();
      const { json } = readReport(past);
      assert.equal(json.waivers[0].state, 'expired');
      assert.deepEqual(json.findings.filter((finding: any) => finding.ruleId === 'SEN001').map((finding: any) => finding.message), [ 'the waiver for SEN201 expired on 2020-01-31T18:00:00Z ("timed waiver")' ]);
      const message = await expectRefused(appWithExpires('20270131'), /invalid config\.sentinel, boot refused/);
      assert.match(message, /config\.sentinel\.waivers\[0\]\.expires: must be a date, got number; give a "YYYY-MM-DD" string \(through the end of that day, UTC\) or an ISO date-time \("2027-01-31T18:00:00Z"\), or a Date \(set in config\/config\.default\.js\)/);
    });
  });

  it('a waiver whose target is the audit\'s `where` copied whole (`config.keys at config/config.default.js:1`) waives the finding at boot (black-box round 43, r43h7 F3)', async () => {
    mm.env('prod');
    const waiver = (target: string) => `{ rule: 'SEN201', target: '${target}', reason: 'copied from the audit (OPS-5)', expires: '2999-01-01' }`;
    const app = (target: string) => {
      const dir = tempApp('waiver-where', { 'config/config.default.js': `module.exports = { keys: 'short', sentinel: { waivers: [ ${waiver(target)} ] } };\n` });
      dirs.push(dir);
      return dir;
    };
    const waived = app('config.keys at config/config.default.js:1');
    const booted = await bootApp(waived);
    await booted.close();
    assert.deepEqual(readReport(waived).json.waivers.map((entry: any) => entry.state), [ 'active' ]);
    const message = await expectRefused(app('keys'), /SEN201/);
    assert.match(message, /the waiver for SEN201 on "keys" matched no finding; did you mean "config\.keys", the target of a SEN201 finding\?/);
  });

  describe('ipc.previousSecrets[].until as a Date, as config files compute it', () => {
    const OLD_SECRET = crypto.randomBytes(48).toString('base64url');
    function appWithUntil(until: string): string {
      const dir = tempApp('rotation-date', {
        'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { ipc: { previousSecrets: [{ secret: process.env.SENTINEL_TEST_OLD_SECRET, until: ${until} }] } } };\n`,
      });
      dirs.push(dir);
      return dir;
    }

    it('a valid Date boots and is the config\'s ISO string from then on, which SEN502 judges by its distance', async () => {
      mm(process.env, 'SENTINEL_TEST_OLD_SECRET', OLD_SECRET);
      const soon = appWithUntil('new Date(Date.now() + 7 * 864e5)');
      const app = await bootApp(soon);
      try {
        const { until } = (app.config as any).sentinel.ipc.previousSecrets[0];
        assert.equal(typeof until, 'string');
        assert.ok(Math.abs(Date.parse(until) - (Date.now() + 7 * 864e5)) < 60_000, until);
        assert.deepEqual(readReport(soon).json.findings.filter((finding: any) => finding.ruleId === 'SEN502'), []);
      } finally {
        await app.close();
      }
      const late = appWithUntil('new Date(Date.now() + 200 * 864e5)');
      const lateApp = await bootApp(late);
      await lateApp.close();
      const [ finding ] = readReport(late).json.findings.filter((hit: any) => hit.ruleId === 'SEN502');
      assert.match(finding?.message ?? '', /previous IPC secret #1, which still verifies messages until its date, stays valid for 200 more days \(until [^;]+; at most 90 make a rotation\)/);
    });

    it('a date more than 90 days away refuses boot in prod showing that date, and the fix says to bring it closer, not to replace the secret (black-box round 34, h110 F7)', async () => {
      mm(process.env, 'SENTINEL_TEST_OLD_SECRET', OLD_SECRET);
      mm.env('prod');
      const until = new Date(Date.now() + 400 * 864e5).toISOString().slice(0, 10);
      const message = await expectRefused(appWithUntil(`'${until}'`), /SEN502/);
      assert.match(message, new RegExp(`previous IPC secret #1, which still verifies messages until its date, stays valid for \\d+ more days \\(until ${until}; at most 90 make a rotation\\)`));
      assert.match(message, /fix: +Set `until` of sentinel\.ipc\.previousSecrets\[0\] to a date at most 90 days away \(the old secret need only outlast the messages signed with it: a week is plenty\), or remove the entry once the rotation is done\.\n/);
      assert.doesNotMatch(message, /REDACTED|egg-sentinel keygen/);
      assert.ok(!message.includes(OLD_SECRET));
    });

    it('an invalid Date refuses boot naming the key and the fix, not "must be string"', async () => {
      mm(process.env, 'SENTINEL_TEST_OLD_SECRET', OLD_SECRET);
      const message = await expectRefused(appWithUntil("new Date('next week')"), /invalid config\.sentinel, boot refused/);
      assert.match(message, /config\.sentinel\.ipc\.previousSecrets\[0\]\.until: an invalid Date \(new Date\(\) of something that is no date\); give a valid Date, a "YYYY-MM-DD" string \(through the end of that day, UTC\) or an ISO date-time \("2027-01-31T18:00:00Z"\) \(set in config\/config\.default\.js\)/);
      assert.doesNotMatch(message, /must be string/);
      assert.ok(!message.includes(OLD_SECRET));
    });
  });
});
