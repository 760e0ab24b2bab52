import assert from 'node:assert';
import { escapeRegExp } from '../../lib/regexp';
import { runChecks } from '../../lib/engine';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import semver from 'semver';
import {
  AdvisoryDatabaseError, BUILTIN_DATABASE, loadAdvisoryDatabase, type OsvRecord, readAdvisoryFile, BUILTIN_FIX,
} from '../../lib/advisories/database';
import { affectedVersion } from '../../lib/advisories/match';
import { mergeOsvExport } from '../../lib/advisories/update';
import { safeDomainCheck, SSRF_PROBES } from '../../lib/facts/builtins';
import { collectPackageFacts, type InstalledPackage } from '../../lib/facts/packages';
import type { Facts, PluginFact, RouteFact } from '../../lib/facts/types';
import {
  developmentSettingsInProduction, knownVulnerablePackage, openRedirect, securityHeadersWeakened, securityOff, sessionCookieWeakened, ssrfUnprotected, unsupportedNode, corsCredentialsAnyOrigin, outgoingTlsUnchecked,
  standInSafeDomainCheck, xssDefencesWeakened,
} from '../../lib/rules/builtins';
import { fakeFacts } from './fake-facts';
import { tempDir } from '../temp-dir';

const shipped = loadAdvisoryDatabase();
const record = (id: string) => shipped.vulnerabilities.find(entry => entry.id === id)!;

function writeJson(file: string, value: unknown): string {
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof AdvisoryDatabaseError, String(error));
    return error.problems;
  }
  assert.fail('expected an AdvisoryDatabaseError');
}

function osv(id: string, events: Array<Record<string, string>>, extra: Partial<OsvRecord> = {}): OsvRecord {
  return {
    id, modified: '2026-11-01T00:00:00Z', summary: `record ${id}`,
    affected: [{ package: { ecosystem: 'npm', name: 'demo' }, ranges: [{ type: 'SEMVER', events }] }],
    database_specific: { severity: 'HIGH', checked: '2026-11-28' },
    ...extra,
  };
}

describe('the shipped advisory database (lib/data/advisories.json)', () => {
  it('validates, and holds at least 15 GitHub-reviewed advisories for egg-ecosystem packages, each with its check date', () => {
    const ids = shipped.vulnerabilities.map(entry => entry.id);
    assert.ok(ids.length >= 15, `${ids.length} advisories`);
    assert.equal(new Set(ids).size, ids.length);
    for (const entry of shipped.vulnerabilities) {
      assert.match(entry.id, /^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/);
      assert.match(entry.database_specific.checked, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(entry.references?.some(ref => ref.url === `https://github.com/advisories/${entry.id}`), entry.id);
    }
    const packages = new Set(shipped.vulnerabilities.flatMap(entry => entry.affected.map(affected => affected.package.name)));
    for (const name of [ 'koa', 'path-to-regexp', 'cookie', 'ip', 'qs', 'urllib', 'dicer', 'ejs', 'nunjucks', '@koa/cors', 'jsonwebtoken', 'mysql2', 'passport', 'egg-scripts', 'socket.io', 'socket.io-parser', 'engine.io', 'ws', 'semver', 'xml2js' ]) {
      assert.ok(packages.has(name), name);
    }
    assert.equal(shipped.builtin.date, '2026-12-03');
    assert.ok(shipped.node.lines.some(line => line.major === 24 && line.latestSecurityRelease));
  });
});

describe('affectedVersion (OSV ranges with semver)', () => {
  const cases: Array<[ string, string, string, string | null | undefined ]> = [
    // [ advisory, package, installed version, fixedIn (null: affected without a fix, undefined: not affected) ]
    [ 'GHSA-9wv6-86v2-598j', 'path-to-regexp', '1.8.0', '1.9.0' ],
    [ 'GHSA-9wv6-86v2-598j', 'path-to-regexp', '1.9.0', undefined ],
    [ 'GHSA-9wv6-86v2-598j', 'path-to-regexp', '0.1.7', '0.1.10' ],
    [ 'GHSA-9wv6-86v2-598j', 'path-to-regexp', '0.1.12', undefined ],
    [ 'GHSA-9wv6-86v2-598j', 'path-to-regexp', '6.2.2', '6.3.0' ],
    [ 'GHSA-9wv6-86v2-598j', 'path-to-regexp', '8.0.0', undefined ],
    [ 'GHSA-593f-38f6-jp5m', 'koa', '3.0.0-alpha.2', '3.0.0-alpha.3' ],
    [ 'GHSA-593f-38f6-jp5m', 'koa', '3.0.0', undefined ],
    [ 'GHSA-593f-38f6-jp5m', 'koa', '1.6.0', '1.7.1' ],
    [ 'GHSA-78xj-cgh5-2h22', 'ip', '2.0.0', '2.0.1' ],
    [ 'GHSA-78xj-cgh5-2h22', 'ip', '1.1.9', undefined ],
    [ 'GHSA-wm7h-9275-46v2', 'dicer', '0.3.1', null ],
    [ 'GHSA-hq3h-g68c-hp78', 'urllib', '3.27.3', '4.9.1' ],
    [ 'GHSA-hq3h-g68c-hp78', 'urllib', '2.44.1', undefined ],
    [ 'GHSA-5f7m-mmpc-qhh4', 'mysql', '2.0.0-alpha7', undefined ],
    [ 'GHSA-5f7m-mmpc-qhh4', 'mysql', '2.0.0-alpha8', '2.14.0' ],
    [ 'GHSA-9wv6-86v2-598j', 'koa', '1.8.0', undefined ],
    [ 'GHSA-9wv6-86v2-598j', 'path-to-regexp', 'not-a-version', undefined ],
    // Added 2026-12-03: each fires for a vulnerable version and not for its fix (the lines egg plugins pull in).
    [ 'GHSA-x77j-w7wf-fjmw', 'nunjucks', '3.2.3', '3.2.4' ],
    [ 'GHSA-x77j-w7wf-fjmw', 'nunjucks', '3.2.4', undefined ],
    [ 'GHSA-ghr5-ch3p-vcr6', 'ejs', '3.1.9', '3.1.10' ],
    [ 'GHSA-ghr5-ch3p-vcr6', 'ejs', '2.7.4', '3.1.10' ],
    [ 'GHSA-ghr5-ch3p-vcr6', 'ejs', '3.1.10', undefined ],
    // socket.io 2 (egg-socket.io) uses socket.io-parser ~3.4.0, socket.io-client 2 uses ~3.3.0
    [ 'GHSA-cqmj-92xf-r6r9', 'socket.io-parser', '3.4.2', '3.4.3' ],
    [ 'GHSA-cqmj-92xf-r6r9', 'socket.io-parser', '3.4.3', undefined ],
    [ 'GHSA-cqmj-92xf-r6r9', 'socket.io-parser', '3.3.3', '3.3.4' ],
    [ 'GHSA-cqmj-92xf-r6r9', 'socket.io-parser', '3.3.4', undefined ],
    [ 'GHSA-cqmj-92xf-r6r9', 'socket.io-parser', '4.0.3', undefined ],
    [ 'GHSA-cqmj-92xf-r6r9', 'socket.io-parser', '4.2.2', '4.2.3' ],
    [ 'GHSA-qm95-pgcg-qqfq', 'socket.io-parser', '3.4.1', '3.4.2' ],
    [ 'GHSA-qm95-pgcg-qqfq', 'socket.io-parser', '3.4.2', undefined ],
    [ 'GHSA-qm95-pgcg-qqfq', 'socket.io-parser', '3.3.2', '3.3.3' ],
    [ 'GHSA-qm95-pgcg-qqfq', 'socket.io-parser', '3.3.3', undefined ],
    [ 'GHSA-qm95-pgcg-qqfq', 'socket.io-parser', '4.0.4', '4.0.5' ],
    [ 'GHSA-qm95-pgcg-qqfq', 'socket.io-parser', '4.0.5', undefined ],
    [ 'GHSA-qm95-pgcg-qqfq', 'socket.io-parser', '4.2.0', '4.2.1' ],
    [ 'GHSA-677m-j7p3-52f9', 'socket.io-parser', '3.4.3', '3.4.4' ],
    [ 'GHSA-677m-j7p3-52f9', 'socket.io-parser', '3.4.4', undefined ],
    [ 'GHSA-677m-j7p3-52f9', 'socket.io-parser', '3.3.4', '3.3.5' ],
    [ 'GHSA-2m8v-j782-fhvr', 'socket.io-parser', '3.4.4', '3.4.5' ],
    [ 'GHSA-2m8v-j782-fhvr', 'socket.io-parser', '3.4.5', undefined ],
    [ 'GHSA-2m8v-j782-fhvr', 'socket.io-parser', '3.3.5', '3.3.6' ],
    [ 'GHSA-2m8v-j782-fhvr', 'socket.io-parser', '3.3.6', undefined ],
    [ 'GHSA-2m8v-j782-fhvr', 'socket.io-parser', '4.2.6', '4.2.7' ],
    [ 'GHSA-25hc-qcg6-38wj', 'socket.io', '2.5.0', '2.5.1' ],
    [ 'GHSA-25hc-qcg6-38wj', 'socket.io', '2.5.1', undefined ],
    [ 'GHSA-25hc-qcg6-38wj', 'socket.io', '4.6.1', '4.6.2' ],
    [ 'GHSA-fxwf-4rqh-v8g3', 'socket.io', '2.3.0', '2.4.0' ],
    [ 'GHSA-fxwf-4rqh-v8g3', 'socket.io', '2.4.0', undefined ],
    [ 'GHSA-r7qp-cfhv-p84w', 'engine.io', '3.6.0', '3.6.1' ],
    [ 'GHSA-r7qp-cfhv-p84w', 'engine.io', '3.6.1', undefined ],
    [ 'GHSA-3h5v-q93c-6h6q', 'ws', '7.5.9', '7.5.10' ],
    [ 'GHSA-3h5v-q93c-6h6q', 'ws', '7.5.10', undefined ],
    [ 'GHSA-3h5v-q93c-6h6q', 'ws', '2.0.0', undefined ],
    [ 'GHSA-hrpp-h998-j3pp', 'qs', '6.5.2', '6.5.3' ],
    [ 'GHSA-hrpp-h998-j3pp', 'qs', '6.5.3', undefined ],
    [ 'GHSA-hrpp-h998-j3pp', 'qs', '6.10.2', '6.10.3' ],
    [ 'GHSA-hrpp-h998-j3pp', 'qs', '6.11.0', undefined ],
    [ 'GHSA-c2qf-rxjj-qqgw', 'semver', '5.7.1', '5.7.2' ],
    [ 'GHSA-c2qf-rxjj-qqgw', 'semver', '6.3.0', '6.3.1' ],
    [ 'GHSA-c2qf-rxjj-qqgw', 'semver', '7.5.1', '7.5.2' ],
    [ 'GHSA-c2qf-rxjj-qqgw', 'semver', '7.5.2', undefined ],
    [ 'GHSA-776f-qx25-q3cc', 'xml2js', '0.4.23', '0.5.0' ],
    [ 'GHSA-776f-qx25-q3cc', 'xml2js', '0.5.0', undefined ],
  ];
  for (const [ id, name, version, fixedIn ] of cases) {
    it(`${name}@${version} and ${id}: ${fixedIn === undefined ? 'not affected' : fixedIn === null ? 'affected, no fix' : `fixed in ${fixedIn}`}`, () => {
      const hit = affectedVersion(record(id), name, version);
      assert.deepEqual(hit, fixedIn === undefined ? undefined : fixedIn === null ? {} : { fixedIn });
    });
  }

  it('last_affected makes later versions unaffected; explicit versions match exactly; withdrawn records never match', () => {
    const lastAffected = osv('TEST-1', [{ introduced: '1.0.0' }, { last_affected: '1.2.0' }]);
    assert.deepEqual(affectedVersion(lastAffected, 'demo', '1.2.0'), {});
    assert.equal(affectedVersion(lastAffected, 'demo', '1.2.1'), undefined);
    const listed = { ...osv('TEST-2', [{ introduced: '5.0.0' }, { fixed: '5.0.1' }]) };
    listed.affected[0].versions = [ '4.1.0' ];
    assert.deepEqual(affectedVersion(listed, 'demo', '4.1.0'), {});
    assert.equal(affectedVersion(osv('TEST-3', [{ introduced: '0' }], { withdrawn: '2026-01-01T00:00:00Z' }), 'demo', '1.0.0'), undefined);
  });

  it('every shipped range starts below its fix, and the fix itself is not affected', () => {
    for (const entry of shipped.vulnerabilities) {
      for (const affected of entry.affected) {
        for (const range of affected.ranges) {
          const fixed = range.events.find(event => event.fixed)?.fixed;
          if (fixed) assert.equal(affectedVersion(entry, affected.package.name, fixed), undefined, `${entry.id} ${fixed}`);
          const introduced = range.events[0].introduced!;
          if (introduced !== '0') assert.deepEqual(affectedVersion(entry, affected.package.name, introduced), fixed ? { fixedIn: fixed } : {}, entry.id);
        }
      }
    }
  });
});

describe('database validation: a bad file names the entry and the key', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir('advisories'); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a damaged copy of the shipped database names the entry and says to reinstall', () => {
    const copy = JSON.parse(fs.readFileSync(BUILTIN_DATABASE, 'utf8'));
    copy.vulnerabilities[2].database_specific.severity = 'SEVERE';
    copy.vulnerabilities[4].affected[0].package.ecosystem = 'Go';
    let message = '';
    const problems = problemsOf(() => {
      try {
        loadAdvisoryDatabase(undefined, { shipped: copy });
      } catch (error) {
        message = (error as Error).message;
        throw error;
      }
    });
    assert.deepEqual(problems, [
      `vulnerabilities[2] (${copy.vulnerabilities[2].id}): database_specific.severity: "SEVERE" is not one of "LOW", "MODERATE", "HIGH", "CRITICAL"`,
      `vulnerabilities[4] (${copy.vulnerabilities[4].id}): affected[0].package.ecosystem: must be "npm"`,
    ]);
    assert.ok(message.startsWith(`[egg-sentinel] the advisory database ${BUILTIN_DATABASE} is invalid:`) && message.endsWith(BUILTIN_FIX));
  });

  const bad: Array<[ string, unknown, RegExp ]> = [
    [ 'truncated JSON', '{ "date": "2026-11-28", "vulnerabilities": [', /^not readable as JSON: / ],
    [ 'a __proto__ key', '{ "date": "2026-11-28", "vulnerabilities": [], "__proto__": { "polluted": true } }', /^not readable as JSON: .*prototype/i ],
    [ 'an unknown key', { date: '2026-11-28', vulnerabilities: [{ ...osv('TEST-1', [{ introduced: '0' }]), cvss: 9 }] }, /^vulnerabilities\[0\] \(TEST-1\): \(the record\): unknown key "cvss"$/ ],
    [ 'another ecosystem', { date: '2026-11-28', vulnerabilities: [{ ...osv('TEST-1', [{ introduced: '0' }]), affected: [{ package: { ecosystem: 'PyPI', name: 'x' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] }] }, /affected\[0\]\.package\.ecosystem: must be "npm"/ ],
    [ 'a version that is not semver', { date: '2026-11-28', vulnerabilities: [ osv('TEST-1', [{ introduced: '0' }, { fixed: '1.x' }]) ] }, /^vulnerabilities\[0\] \(TEST-1\): affected\[0\]\.ranges\[0\]\.events\[1\]\.fixed: "1\.x" is not a semver version$/ ],
    [ 'a range without its start', { date: '2026-11-28', vulnerabilities: [ osv('TEST-1', [{ fixed: '1.0.0' }]) ] }, /events\[0\]: a range must start with an "introduced" event$/ ],
    [ 'a duplicate id', { date: '2026-11-28', vulnerabilities: [ osv('TEST-1', [{ introduced: '0' }]), osv('TEST-1', [{ introduced: '0' }]) ] }, /^vulnerabilities\[1\] \(TEST-1\): id TEST-1 appears twice$/ ],
    [ 'no check date', { date: '2026-11-28', vulnerabilities: [{ ...osv('TEST-1', [{ introduced: '0' }]), database_specific: { severity: 'LOW' } }] }, /database_specific: "checked" is required/ ],
    [ 'an impossible check date', { date: '2026-11-28', vulnerabilities: [{ ...osv('TEST-1', [{ introduced: '0' }]), database_specific: { severity: 'LOW', checked: '2026-02-30' } }] }, /"2026-02-30" is not a calendar date/ ],
  ];
  for (const [ what, content, expected ] of bad) {
    it(`refuses ${what}`, () => {
      const file = writeJson(path.join(dir, 'override.json'), content);
      const problems = problemsOf(() => readAdvisoryFile(file, 'fix it'));
      assert.ok(problems.some(problem => expected.test(problem)), problems.join('\n'));
    });
  }

  it('an override record replaces the shipped record with the same id; a missing override file is no error', () => {
    const replacement = { ...record('GHSA-9wv6-86v2-598j'), summary: 'replaced', database_specific: { severity: 'LOW' as const, checked: '2026-11-30' } };
    const file = writeJson(path.join(dir, 'override.json'), { date: '2026-11-30', vulnerabilities: [ replacement, osv('TEST-9', [{ introduced: '0' }]) ] });
    const merged = loadAdvisoryDatabase(file);
    assert.equal(merged.vulnerabilities.length, shipped.vulnerabilities.length + 1);
    assert.equal(merged.vulnerabilities.find(entry => entry.id === 'GHSA-9wv6-86v2-598j')?.summary, 'replaced');
    assert.deepEqual(merged.override, { file, date: '2026-11-30', count: 2 });
    assert.equal(loadAdvisoryDatabase(path.join(dir, 'missing.json')).override, undefined);
  });
});

describe('mergeOsvExport (egg-sentinel advisories update)', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir('advisories'); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const github = (id: string, extra: object = {}) => ({ ...osv(id, [{ introduced: '0' }, { fixed: '2.0.0' }]), database_specific: { severity: 'MODERATE', github_reviewed: true }, ...extra });

  it('refuses to read a device such as /dev/zero (it would be read until memory runs out), naming it', () => {
    assert.throws(() => mergeOsvExport('/dev/zero', path.join(dir, 'out.json'), '2026-11-28'), (error: Error) =>
      /\/dev\/zero.*not a regular file/s.test(error.message) && /Give --from an OSV export: a JSON file .* or a directory of such files/.test(error.message) && !/records above/.test(error.message));
    assert.ok(!fs.existsSync(path.join(dir, 'out.json')));
  });

  it('a --from that is missing or not JSON asks for an export, not to fix records it does not have', () => {
    const missing = path.join(dir, 'nope.json');
    const garbled = path.join(dir, 'garbled.json');
    fs.writeFileSync(garbled, '{ not json');
    for (const from of [ missing, garbled ]) {
      assert.throws(() => mergeOsvExport(from, path.join(dir, 'out.json'), '2026-11-28'), (error: Error) =>
        /Give --from an OSV export/.test(error.message) && !/records above/.test(error.message), from);
    }
  });

  it('reads a directory of OSV files, keeps npm only, drops GIT ranges, stamps the import day, and updates by id', () => {
    const exportDir = path.join(dir, 'export');
    fs.mkdirSync(exportDir);
    const mixed = github('GHSA-2222-3333-4444', {
      affected: [
        { package: { ecosystem: 'npm', name: 'demo' }, ranges: [{ type: 'GIT', repo: 'https://example.com/r', events: [{ introduced: '0' }] }, { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] },
        { package: { ecosystem: 'Maven', name: 'org.webjars.npm:demo' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] },
      ],
    });
    writeJson(path.join(exportDir, 'a.json'), [ github('GHSA-2222-2222-2222'), mixed ]);
    writeJson(path.join(exportDir, 'b.json'), { ...github('PYSEC-1'), affected: [{ package: { ecosystem: 'PyPI', name: 'x' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] });
    const override = path.join(dir, 'app/sentinel-advisories.json');
    const first = mergeOsvExport(exportDir, override, '2026-11-28');
    assert.deepEqual([ first.added, first.updated, first.skipped, first.total ], [[ 'GHSA-2222-2222-2222', 'GHSA-2222-3333-4444' ], [], [ 'PYSEC-1' ], 2 ]);
    const written = readAdvisoryFile(override, 'fix');
    const stored = written.vulnerabilities.find(entry => entry.id === 'GHSA-2222-3333-4444')!;
    assert.deepEqual(stored.affected.map(affected => [ affected.package.ecosystem, affected.ranges.map(range => range.type) ]), [[ 'npm', [ 'SEMVER' ]]]);
    assert.equal(stored.database_specific.checked, '2026-11-28');
    assert.equal(stored.database_specific.github_reviewed, true);

    const second = mergeOsvExport(writeJson(path.join(dir, 'one.json'), github('GHSA-2222-2222-2222', { summary: 'newer' })), override, '2026-12-01');
    assert.deepEqual([ second.added, second.updated, second.total ], [[], [ 'GHSA-2222-2222-2222' ], 2 ]);
    assert.equal(readAdvisoryFile(override, 'fix').date, '2026-12-01');
  });

  it('an invalid record is named with its place in the export, and nothing is written', () => {
    const override = path.join(dir, 'sentinel-advisories.json');
    const noSeverity = { ...github('OSV-2026-1'), database_specific: {} };
    const exportFile = writeJson(path.join(dir, 'export.json'), { vulns: [ github('GHSA-2222-2222-2222'), noSeverity ] });
    const problems = problemsOf(() => mergeOsvExport(exportFile, override, '2026-11-28'));
    assert.deepEqual(problems, [ 'export.json[1] (OSV-2026-1): database_specific: "severity" is required' ]);
    assert.equal(fs.existsSync(override), false);
  });
});

const securityOn: PluginFact[] = [{ name: 'security', enable: true, package: 'egg-security', from: 'node_modules/egg/config/plugin.js' }];
const SECURE = {
  defaultMiddleware: 'csrf,hsts,methodnoallow,noopen,nosniff,csp,xssProtection,xframe,dta',
  csrf: { enable: true }, xframe: { enable: true }, nosniff: { enable: true }, noopen: { enable: true }, hsts: { enable: true },
  csp: { enable: true, policy: { 'default-src': "'self'" } }, ssrf: { ipBlackList: [ '10.0.0.0/8' ] }, domainWhiteList: [ '.example.com' ],
};

function securityFacts(security: Record<string, unknown>, extra: Parameters<typeof fakeFacts>[0] = {}) {
  return fakeFacts({ plugins: securityOn, ...extra, config: { security: { ...SECURE, ...security }, ...extra.config } });
}

const prod = { developmentEnv: false };
const dev = { developmentEnv: true };

describe('packages the app lists in its own dependencies', () => {
  it('are marked declaredByApp; what they pull in is not (black-box round 22)', () => {
    const dir = fs.realpathSync(tempDir('advisories'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { ejs: '3.1.6' } }));
      for (const [ name, version, dependencies ] of [ [ 'ejs', '3.1.6', { jake: '^10' } ], [ 'jake', '10.8.5', {} ] ] as const) {
        fs.mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
        fs.writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version, dependencies }));
      }
      const facts = collectPackageFacts({ baseDir: dir, appName: 'app', eggPaths: [], plugins: [] }, []);
      assert.deepEqual(facts.installed.map(entry => [ entry.name, entry.loaded, entry.declaredByApp ]), [[ 'ejs', false, true ], [ 'jake', false, undefined ]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('packages loaded from the app\'s node_modules outside the walk', () => {
  it('are listed, but not egg-mock nor what egg-mock installs below itself (test tooling, black-box round 20)', () => {
    const dir = fs.realpathSync(tempDir('advisories'));
    try {
      const files: string[] = [];
      for (const [ at, name, version ] of [ [ 'node_modules/ip', 'ip', '2.0.1' ], [ 'node_modules/egg-mock', 'egg-mock', '5.15.2' ],
        [ 'node_modules/egg-mock/node_modules/urllib', 'urllib', '3.27.3' ] ]) {
        fs.mkdirSync(path.join(dir, at), { recursive: true });
        fs.writeFileSync(path.join(dir, at, 'package.json'), JSON.stringify({ name, version }));
        fs.writeFileSync(path.join(dir, at, 'index.js'), '');
        files.push(path.join(dir, at, 'index.js'));
      }
      const facts = collectPackageFacts({ baseDir: dir, appName: 'app', eggPaths: [], plugins: [] }, files, { installed: [], walkMs: 0 });
      assert.deepEqual(facts.installed.map(entry => `${entry.name}@${entry.version}`), [ 'ip@2.0.1' ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SEN601 edge cases (fake facts)', () => {
  const pkg = (loaded: boolean): InstalledPackage => ({ name: 'path-to-regexp', version: '1.8.0', path: '/srv/fake/node_modules/path-to-regexp', via: [ 'app fake' ], loaded });
  const withPackages = (loaded: boolean, loadedBy: 'boot' | 'audit') => fakeFacts({
    builtins: { packages: { installed: [ pkg(loaded) ], loadedBy, walkMs: 1 }, advisories: shipped },
  });

  it('at boot a package that no module loaded is not reported; the audit rates it low and says why', () => {
    assert.deepEqual(knownVulnerablePackage.check(withPackages(false, 'boot'), prod), []);
    const [ hit ] = knownVulnerablePackage.check(withPackages(false, 'audit'), prod);
    assert.equal(hit.severity, 'low');
    assert.match(hit.message, /^path-to-regexp@1\.8\.0 \(not loaded while the audit loaded the app; the running app may load it\) is affected/);
  });

  it('a package the app lists in its own dependencies counts at its advisory\'s severity, loaded yet or not (black-box round 22)', () => {
    const declared = (loadedBy: 'boot' | 'audit') => fakeFacts({
      builtins: { packages: { installed: [{ ...pkg(false), declaredByApp: true }], loadedBy, walkMs: 1 }, advisories: shipped },
    });
    for (const loadedBy of [ 'boot', 'audit' ] as const) {
      const [ hit ] = knownVulnerablePackage.check(declared(loadedBy), prod);
      assert.equal(hit?.severity, 'high', loadedBy);
      assert.match(hit.message, /^path-to-regexp@1\.8\.0 \(a dependency of the app, not loaded yet: a require\(\) when a request needs it loads it\) is affected/);
      assert.deepEqual(knownVulnerablePackage.pending?.(declared(loadedBy)), []);
    }
  });

  it('the audit\'s waiver for a package not loaded at boot is not called unused there (it is pending, not gone)', () => {
    const target = 'GHSA-9wv6-86v2-598j@path-to-regexp';
    assert.deepEqual(knownVulnerablePackage.pending?.(withPackages(false, 'boot')), [ target ]);
    assert.deepEqual(knownVulnerablePackage.pending?.(withPackages(true, 'boot')), []);
    const waivers = [{ rule: 'SEN601', target, reason: 'the optional path is never used', expires: '2999-01-01' }];
    for (const failOn of [ 'low', 'auto' ] as const) {
      const boot = runChecks(withPackages(false, 'boot'), { config: { failOn, waivers } });
      assert.deepEqual(boot.findings.filter(finding => finding.ruleId.startsWith('SEN00') || finding.ruleId === 'SEN601'), [], failOn);
      assert.deepEqual(boot.waivers.map(waiver => waiver.state), [ 'unused' ], 'not active either: nothing matched it now');
    }
    // A waiver for an advisory that affects nothing installed is still unused, and said so.
    const stale = runChecks(withPackages(false, 'boot'), { config: { waivers: [{ ...waivers[0], target: 'GHSA-0000-0000-0000@path-to-regexp' }] } });
    assert.deepEqual(stale.findings.filter(finding => finding.ruleId === 'SEN002').map(finding => finding.target), [ 'waiver:SEN601:GHSA-0000-0000-0000@path-to-regexp' ]);
  });

  it('a package no release fixes, pulled in by another: the fix says to upgrade that one past it, not to pin a fixed version (black-box round 13)', () => {
    const ip: InstalledPackage = { name: 'ip', version: '1.1.9', path: '/srv/fake/node_modules/ip', via: [ 'app fake', 'egg-security@2.11.0', 'ip@1.1.9' ], loaded: true };
    const facts = fakeFacts({ builtins: { packages: { installed: [ ip ], loadedBy: 'boot', walkMs: 1 }, advisories: shipped } });
    const fixes = knownVulnerablePackage.check(facts, prod).map(hit => hit.fix ?? '');
    assert.ok(fixes.length && fixes.every(fix => /No fixed version of ip exists/.test(fix) && /to a release that no longer depends on ip/.test(fix) && !/pin the fixed version/.test(fix)), fixes.join('\n'));
  });

  it('a loaded package takes the advisory\'s severity outside development envs and low inside', () => {
    assert.deepEqual(knownVulnerablePackage.check(withPackages(true, 'boot'), prod).map(hit => [ hit.severity, hit.target, hit.source ]),
      [[ 'high', 'GHSA-9wv6-86v2-598j@path-to-regexp', 'node_modules/path-to-regexp' ]]);
    assert.deepEqual(knownVulnerablePackage.check(withPackages(true, 'boot'), dev).map(hit => hit.severity), [ 'low' ]);
  });

  it('egg-socket.io\'s socket.io 2 chain and the view engines: each advisory added on 2026-12-03 fires for the old version, none for the fixed one', () => {
    const installed = (versions: Record<string, string>) => fakeFacts({
      builtins: {
        packages: {
          installed: Object.entries(versions).map(([ name, version ]): InstalledPackage => ({
            name, version, path: `/srv/fake/node_modules/${name}`, via: [ 'app fake', 'egg-socket.io@4.1.6', `${name}@${version}` ], loaded: true,
          })),
          loadedBy: 'boot', walkMs: 1,
        },
        advisories: shipped,
      },
    });
    const old = installed({
      'socket.io': '2.3.0', 'socket.io-parser': '3.4.1', 'engine.io': '3.6.0', ws: '7.5.9', nunjucks: '3.2.3', ejs: '3.1.9', semver: '7.5.1', xml2js: '0.4.23', qs: '6.10.2',
    });
    const hits = knownVulnerablePackage.check(old, prod).map(hit => `${hit.target} ${hit.severity}`).sort();
    assert.deepEqual(hits, [
      'GHSA-25hc-qcg6-38wj@socket.io high',
      'GHSA-2m8v-j782-fhvr@socket.io-parser high',
      'GHSA-3h5v-q93c-6h6q@ws high',
      'GHSA-677m-j7p3-52f9@socket.io-parser high',
      'GHSA-6rw7-vpxm-498p@qs medium',
      'GHSA-776f-qx25-q3cc@xml2js medium',
      'GHSA-c2qf-rxjj-qqgw@semver high',
      'GHSA-cqmj-92xf-r6r9@socket.io-parser high',
      'GHSA-fxwf-4rqh-v8g3@socket.io medium',
      'GHSA-ghr5-ch3p-vcr6@ejs medium',
      'GHSA-hrpp-h998-j3pp@qs high',
      'GHSA-qm95-pgcg-qqfq@socket.io-parser critical',
      'GHSA-r7qp-cfhv-p84w@engine.io medium',
      'GHSA-x77j-w7wf-fjmw@nunjucks medium',
    ]);
    const parser = knownVulnerablePackage.check(old, prod).find(hit => hit.target === 'GHSA-cqmj-92xf-r6r9@socket.io-parser')!;
    assert.match(parser.message, /^socket\.io-parser@3\.4\.1 is affected by GHSA-cqmj-92xf-r6r9 \(CVE-2023-32695, high\): .*; fixed in 3\.4\.3$/);
    const fixed = installed({
      'socket.io': '2.5.1', 'socket.io-parser': '3.4.5', 'engine.io': '3.6.2', ws: '7.5.10', nunjucks: '3.2.4', ejs: '3.1.10', semver: '7.5.2', xml2js: '0.5.0', qs: '6.14.1',
    });
    assert.deepEqual(knownVulnerablePackage.check(fixed, prod).map(hit => hit.target), []);
    // socket.io-client 2's line, socket.io-parser ~3.3.0: 3.3.6 carries every backport.
    assert.deepEqual(knownVulnerablePackage.check(installed({ 'socket.io-parser': '3.3.2' }), prod).map(hit => hit.target).sort(), [
      'GHSA-2m8v-j782-fhvr@socket.io-parser', 'GHSA-677m-j7p3-52f9@socket.io-parser', 'GHSA-cqmj-92xf-r6r9@socket.io-parser', 'GHSA-qm95-pgcg-qqfq@socket.io-parser',
    ]);
    assert.deepEqual(knownVulnerablePackage.check(installed({ 'socket.io-parser': '3.3.6' }), prod).map(hit => hit.target), []);
  });
});

describe('SEN602–SEN605 edge cases (fake facts)', () => {
  it('nothing for a secure egg-security setup, nor for any setup in local/unittest', () => {
    for (const rule of [ securityOff, securityHeadersWeakened, ssrfUnprotected, openRedirect ]) {
      assert.deepEqual(rule.check(securityFacts({}, { config: { sentinel: { https: true } } }), prod), [], rule.id);
      assert.deepEqual(rule.check(securityFacts({ csrf: false, xframe: false, ssrf: {}, domainWhiteList: [] }), dev), [], rule.id);
    }
  });

  it('SEN602: csrf: false, csrf left out of defaultMiddleware, and no security plugin at all', () => {
    assert.match(securityOff.check(securityFacts({ csrf: false }), prod)[0].message, /config\.security\.csrf is false/);
    const [ missing ] = securityOff.check(securityFacts({ defaultMiddleware: [ 'xframe', 'nosniff' ] }), prod);
    assert.deepEqual([ missing.target, missing.message ], [ 'config.security.defaultMiddleware', 'CSRF protection is off for every route: "csrf" is not in config.security.defaultMiddleware' ]);
    assert.match(securityOff.check(fakeFacts({}), prod)[0].message, /is not loaded by this framework/);
  });

  it('SEN602: csrf.ignoreJSON, which egg-security deprecates as not safe, skips the check for every JSON request', () => {
    const [ hit ] = securityOff.check(securityFacts({ csrf: { enable: true, ignoreJSON: true } }), prod);
    assert.deepEqual([ hit.target, hit.severity ], [ 'config.security.csrf.ignoreJSON', 'high' ]);
    assert.match(hit.message, /skipped for every request that says its body is JSON/);
    assert.deepEqual(securityOff.check(securityFacts({ csrf: { enable: true, ignoreJSON: false } }), prod), []);
  });

  it('SEN602: a csrf ignore function reading the body, Content-Type, Referer or Origin is high; one reading a header a form cannot send is medium (black-box round 24)', () => {
    const reading = (...clientReads: string[]) => securityOff.check({ ...securityFacts({ csrf: { enable: true, ignore: () => false } }),
      securityScopes: [{ name: 'csrf', kind: 'ignore', summary: 'ignore: [Function: ignore]', skipsEveryPath: false, clientReads }] }, prod);
    for (const read of [ "is('multipart')", 'request.body', "get('content-type')", "headers['referer']", "get('Origin')", 'request.type', 'url' ]) {
      const [ hit ] = reading(read);
      assert.deepEqual([ hit.severity, hit.target ], [ 'high', 'config.security.csrf.ignore' ], read);
      assert.match(hit.message, /so a cross-site form that sends \(or leaves out\) what it looks for skips the token check$/, read);
    }
    for (const read of [ "get('x-requested-with')", "headers['authorization']", 'cookies', 'hostname' ]) {
      assert.deepEqual(reading(read).map(hit => hit.severity), [ 'medium' ], read);
    }
    assert.deepEqual(reading("get('authorization')", 'request.body').map(hit => hit.severity), [ 'high' ]);
  });

  it('SEN602: the security plugin disabled by EGG_PLUGINS names the variable, not the plugin file egg keeps as its origin', () => {
    const facts = fakeFacts({
      plugins: [{ name: 'security', enable: false, package: 'egg-security', from: 'node_modules/egg/config/plugin.js' }],
      pluginTrust: { envPlugins: { set: true, enabled: [], disabled: [ 'security' ] } },
    });
    const [ hit ] = securityOff.check(facts, prod);
    assert.deepEqual([ hit.source, hit.message.split(':')[0] ], [ 'EGG_PLUGINS', 'the security plugin (egg-security) is disabled in EGG_PLUGINS' ]);
  });

  it('SEN603: with sentinel.https, an HSTS max-age under a day is reported (0 makes browsers drop HSTS)', () => {
    const https = { config: { sentinel: { https: true } } };
    const [ zero ] = securityHeadersWeakened.check(securityFacts({ hsts: { enable: true, maxAge: 0 } }, https), prod);
    assert.deepEqual([ zero.target, zero.severity ], [ 'config.security.hsts.maxAge', 'medium' ]);
    assert.match(zero.message, /max-age=0: browsers drop HSTS for the site/);
    assert.deepEqual(securityHeadersWeakened.check(securityFacts({ hsts: { enable: true, maxAge: 31536000 } }, https), prod), []);
    // Digits in a string (an environment variable) send the same header as their number.
    assert.match(securityHeadersWeakened.check(securityFacts({ hsts: { enable: true, maxAge: '60' } }, https), prod)[0].message, /max-age=60: browsers forget HTTPS-only within a day/);
    assert.deepEqual(securityHeadersWeakened.check(securityFacts({ hsts: { enable: true, maxAge: '31536000' } }, https), prod), []);
    assert.deepEqual(securityHeadersWeakened.check(securityFacts({ hsts: { enable: true, maxAge: 0 } }), prod), [], 'HSTS is only judged with sentinel.https');
  });

  it('SEN603: HSTS is only required when sentinel.https says so; an empty CSP policy counts as none', () => {
    assert.deepEqual(securityHeadersWeakened.check(securityFacts({ hsts: { enable: false } }), prod), []);
    const [ csp ] = securityHeadersWeakened.check(securityFacts({ csp: { enable: true, policy: {} } }), prod);
    assert.deepEqual([ csp.severity, csp.message ], [ 'low', 'no Content-Security-Policy is sent: config.security.csp.policy is empty' ]);
  });

  it('SEN603: a policy that lets any script run, or one only reported, is low; a strict one is fine (black-box round 20)', () => {
    const [ any ] = securityHeadersWeakened.check(securityFacts({ csp: { enable: true, policy: { 'default-src': "'self'", 'script-src': "'self' 'unsafe-inline' 'unsafe-eval' *" } } }), prod);
    assert.deepEqual([ any.severity, any.target, any.message ], [ 'low', 'config.security.csp.policy.script-src',
      "the Content-Security-Policy's script-src allows 'unsafe-eval', *: an injected script runs all the same" ]);
    const [ fallback ] = securityHeadersWeakened.check(securityFacts({ csp: { enable: true, policy: { 'default-src': [ "'self'", 'https:' ] } } }), prod);
    assert.match(fallback.message, /default-src allows https:/);
    const [ reported ] = securityHeadersWeakened.check(securityFacts({ csp: { enable: true, reportOnly: true, policy: { 'script-src': "'self'" } } }), prod);
    assert.match(reported.message, /only reported, not enforced: config\.security\.csp\.reportOnly is true/);
    assert.deepEqual(securityHeadersWeakened.check(securityFacts({ csp: { enable: true, policy: { 'default-src': "'self'", 'script-src': "'self' https://cdn.example.com" } } }), prod), []);
    // A wildcard over a public suffix or shared hosting domain: anyone publishes a script there (black-box round 40, h2 F3).
    for (const host of [ '*.github.io', 'https://*.herokuapp.com', '*.co.uk', '*.vercel.app:443' ]) {
      const [ hit ] = securityHeadersWeakened.check(securityFacts({ csp: { enable: true, policy: { 'script-src': [ "'self'", host ] } } }), prod);
      assert.match(hit?.message ?? '', new RegExp(`script-src allows ${escapeRegExp(host)}: an injected script runs`), host);
    }
    for (const host of [ '*.example.com', 'https://*.cdn.example.co.uk', 'github.io' ]) {
      assert.deepEqual(securityHeadersWeakened.check(securityFacts({ csp: { enable: true, policy: { 'script-src': [ "'self'", host ] } } }), prod), [], host);
    }
  });

  it('SEN603: the policy is judged as browsers read the header egg-security sends (black-box round 25)', () => {
    const holes = (policy: Record<string, unknown>) => securityHeadersWeakened.check(securityFacts({ csp: { enable: true, policy } }), prod)
      .map(hit => `${hit.target}: ${hit.message}`);
    // Directive names in any case, the first of a name wins; egg-security adds its nonce to the key script-src only.
    assert.deepEqual(holes({ 'default-src': "'self'", 'SCRIPT-SRC': '*', 'script-src': "'self'" }),
      [ "config.security.csp.policy.SCRIPT-SRC: the Content-Security-Policy's script-src (config key SCRIPT-SRC) allows *: an injected script runs all the same" ]);
    assert.match(holes({ 'default-src': "'self'", 'script-src-elem': '*' })[0] ?? '', /script-src-elem allows \*: an injected script runs/);
    assert.deepEqual(holes({ 'img-src': "'self'" }), [ 'config.security.csp.policy: the Content-Security-Policy restricts no script: it has no script-src, script-src-elem or default-src, so an injected script runs' ]);
    assert.match(holes({ 'default-src': "'self'", 'script-src-attr': "'unsafe-inline'" })[0] ?? '', /script-src-attr allows 'unsafe-inline': an injected event handler \(onerror=…\) runs/);
    assert.match(holes({ 'default-src': "'self'", 'script-src': [ "'self'", "'nonce-abc'" ] })[0] ?? '', /script-src allows 'nonce-abc', a nonce fixed in config/);
    // A value that contains nonce- keeps egg-security's nonce out, and 'unsafe-inline' is then live.
    assert.match(holes({ 'default-src': "'self'", 'script-src': "'self' 'unsafe-inline' https://nonce-cdn.example.com" })[0] ?? '', /script-src allows 'unsafe-inline'/);
    assert.match(holes({ 'default-src': "'self'", 'script-src': [ "'self'", '.com' ] })[0] ?? '', /script-src allows \*\.com/);
    assert.match(holes({ 'default-src': "'self'", 'script-src': [ "'self'", 'https://*' ] })[0] ?? '', /script-src allows https:\/\/\*/);
    // A ; inside a value starts a directive, which comes first.
    assert.match(holes({ 'img-src': "'self'; script-src *", 'script-src': "'self'" })[0] ?? '', /script-src \(config key img-src\) allows \*/);
    // Strict policies stay clean.
    for (const policy of [
      { 'default-src': "'self'", 'script-src': "'self' https://cdn.example.com *.example.com" },
      { 'default-src': "'self'", 'script-src': "'self' 'unsafe-inline'", 'script-src-attr': "'none'" },
      { 'default-src': "'self'", 'script-src-elem': "'self'" },
      { 'script-src': "'strict-dynamic' https: 'unsafe-inline'", 'object-src': "'none'" },
    ]) assert.deepEqual(holes(policy), [], JSON.stringify(policy));
  });

  it('SEN603: an X-Frame-Options value browsers ignore is medium unless frame-ancestors governs framing; default-src \'unsafe-inline\' and Referrer-Policy unsafe-url are low (black-box round 23)', () => {
    const hits = (security: Record<string, unknown>) => securityHeadersWeakened.check(securityFacts(security), prod).map(hit => `${hit.severity} ${hit.target}`);
    assert.deepEqual(hits({ xframe: { enable: true, value: 'ALLOW-FROM https://partner.example' } }), [ 'medium config.security.xframe.value' ]);
    const [ allowFrom ] = securityHeadersWeakened.check(securityFacts({ xframe: { enable: true, value: 'ALLOW-FROM https://partner.example' } }), prod);
    assert.match(allowFrom.message, /^X-Frame-Options is sent as 'ALLOW-FROM https:\/\/partner\.example', which browsers ignore/);
    assert.deepEqual(hits({ xframe: { enable: true, value: 'ALLOW-FROM https://partner.example' },
      csp: { enable: true, policy: { 'default-src': "'self'", 'frame-ancestors': "'self' https://partner.example" } } }), []);
    for (const value of [ 'DENY', 'sameorigin', '', undefined ]) assert.deepEqual(hits({ xframe: { enable: true, value } }), [], String(value));
    assert.deepEqual(hits({ xframe: { enable: false, value: 'ALLOW-FROM https://partner.example' } }), [ 'medium config.security.xframe.enable' ], 'off is reported once');
    assert.deepEqual(hits({ csp: { enable: true, policy: { 'default-src': "'self' 'unsafe-inline'" } } }), [ 'low config.security.csp.policy.default-src' ]);
    assert.deepEqual(hits({ csp: { enable: true, policy: { 'default-src': "'self'", 'script-src': "'self' 'unsafe-inline'" } } }), [], 'egg-security adds its nonce to script-src');
    // Google's strict CSP: with 'strict-dynamic' browsers ignore the hosts, schemes and 'unsafe-inline' listed for old ones.
    assert.deepEqual(hits({ csp: { enable: true, policy: { 'script-src': "'strict-dynamic' https: http: 'unsafe-inline'", 'object-src': "'none'" } } }), []);
    assert.deepEqual(hits({ csp: { enable: true, policy: { 'script-src': "'strict-dynamic' 'unsafe-eval'" } } }), [ 'low config.security.csp.policy.script-src' ]);
    // X-Frame-Options off, or with any value, while the CSP's frame-ancestors governs framing.
    const frameAncestors = { enable: true, policy: { 'default-src': "'self'", 'frame-ancestors': "'none'" } };
    assert.deepEqual(hits({ xframe: { enable: false }, csp: frameAncestors }), []);
    assert.deepEqual(hits({ xframe: { enable: false }, csp: { ...frameAncestors, enable: false } }), [ 'medium config.security.xframe.enable', 'low config.security.csp.enable' ]);
    const withReferrerPolicy = (value: string, listed = true) => ({
      defaultMiddleware: `csrf,hsts,methodnoallow,noopen,nosniff,csp,xssProtection,xframe,dta${listed ? ',referrerPolicy' : ''}`, referrerPolicy: { enable: true, value },
    });
    assert.deepEqual(hits(withReferrerPolicy('unsafe-url')), [ 'low config.security.referrerPolicy.value' ]);
    assert.deepEqual(hits(withReferrerPolicy('strict-origin-when-cross-origin')), []);
    assert.deepEqual(hits(withReferrerPolicy('unsafe-url', false)), [], 'not in defaultMiddleware: egg-security sends no Referrer-Policy');
  });

  it('SEN603: dta and methodnoallow off are medium; a header middleware whose match/ignore skips every route is off (round 22)', () => {
    const hits = (security: Record<string, unknown>, scopes: Facts['securityScopes'] = []) =>
      securityHeadersWeakened.check({ ...securityFacts(security, { config: { sentinel: { https: true } } }), securityScopes: scopes }, prod)
        .map(hit => `${hit.severity} ${hit.target}: ${hit.message}`);
    assert.deepEqual(hits({ dta: { enable: false }, methodnoallow: false }), [
      'medium config.security.dta.enable: a request path that climbs above the root (/..%2f..%2fetc/passwd) is no longer refused with 400 (dta, directory traversal): config.security.dta.enable is false',
      'medium config.security.methodnoallow: TRACE and TRACK requests are no longer refused with 405 (methodnoallow, cross-site tracing): config.security.methodnoallow is false',
    ]);
    const everywhere = (name: string, kind: 'match' | 'ignore', summary: string) => ({ name, kind, summary: `${kind}: ${summary}`, skipsEveryPath: true });
    assert.deepEqual(hits({}, [ everywhere('xframe', 'ignore', "'/'"), everywhere('nosniff', 'match', "'/nothing'"), everywhere('hsts', 'ignore', '/.*/'), everywhere('csp', 'ignore', "'/'") ]), [
      "medium config.security.xframe.ignore: X-Frame-Options (clickjacking) is not sent: security.xframe's ignore: '/' skips every route of the app and /",
      "medium config.security.nosniff.match: X-Content-Type-Options: nosniff (MIME sniffing) is not sent: security.nosniff's match: '/nothing' skips every route of the app and /",
      "medium config.security.hsts.ignore: the app is served over HTTPS (sentinel.https) but Strict-Transport-Security is not sent: security.hsts's ignore: /.*/ skips every route of the app and /; a first plain-HTTP request can be intercepted",
      "low config.security.csp.ignore: no Content-Security-Policy is sent: security.csp's ignore: '/' skips every route of the app and /",
    ]);
    // egg-security's dta and methodnoallow never read their match/ignore; a scope that leaves some route covered, and
    // xssProtection (whose header browsers ignore), are no finding.
    assert.deepEqual(hits({}, [ everywhere('dta', 'ignore', "'/'"), everywhere('methodnoallow', 'ignore', "'/'"), everywhere('xssProtection', 'ignore', "'/'"),
      { ...everywhere('xframe', 'ignore', "'/embed'"), skipsEveryPath: false } ]), []);
    // A scope that keeps the header on the API and drops it from the pages: low, naming them (black-box round 40, h6 F2).
    assert.deepEqual(hits({}, [{ ...everywhere('xframe', 'match', "'/api'"), skipsEveryPath: false, skippedRequests: [ 'GET /', 'HEAD /', 'GET /account/delete', 'POST /account' ] }]), [
      "low config.security.xframe.match: X-Frame-Options is not sent for 2 page(s) security.xframe's match: '/api' skips: /; /account/delete; any site can frame them (clickjacking)",
    ]);
  });

  it('SEN602: a route answering through egg-jsonp with neither csrf nor whiteList is low; no jsonp route, or either check, is fine (round 22)', () => {
    const jsonpRoute = (level: 'route' | 'router'): RouteFact => ({ methods: [ 'GET' ], allMethods: false, path: '/api/user', middleware: level === 'route' ? [ 'jsonp' ] : [], probes: [ '/api/user' ],
      chain: [{ name: 'securities', level: 'global', runs: 'always' }, { name: 'jsonp', level, runs: 'always' }] });
    const jsonpFacts = (jsonp: Record<string, unknown>, routes: RouteFact[], security: Record<string, unknown> = {}) => ({
      ...securityFacts(security, { plugins: [ ...securityOn, { name: 'jsonp', enable: true, package: 'egg-jsonp' } ], config: { jsonp }, meta: { 'jsonp.csrf': 'config/config.prod.ts' } }), routes });
    const [ hit, ...more ] = securityOff.check(jsonpFacts({ csrf: false }, [ jsonpRoute('route') ]), prod);
    assert.deepEqual(more, []);
    assert.deepEqual([ hit.severity, hit.target, hit.source, hit.message ], [ 'low', 'config.jsonp', 'config/config.prod.ts',
      '1 JSONP route(s) answer any site: GET /api/user; config.jsonp checks neither referrer nor CSRF token (csrf: false and no whiteList) (set in config/config.prod.ts): ' +
      'a page on another site reads their data with a script tag' ]);
    assert.equal(securityOff.check(jsonpFacts({}, [ jsonpRoute('router') ]), prod).length, 1, 'router.use(app.jsonp()), egg-jsonp\'s default config');
    assert.match(securityOff.check(jsonpFacts({ csrf: true }, [ jsonpRoute('route') ], { csrf: { enable: false } }), prod)
      .find(found => found.target === 'config.jsonp')?.message ?? '', /\(csrf: true, but egg-security's csrf is off\)/);
    for (const [ jsonp, routes ] of [ [{ csrf: false }, []], [{ csrf: true }, [ jsonpRoute('route') ]], [{ whiteList: [] }, [ jsonpRoute('route') ]],
      [{ whiteList: /^https:\/\/example\.com\// }, [ jsonpRoute('route') ]] ] as Array<[ Record<string, unknown>, RouteFact[] ]>) {
      assert.deepEqual(securityOff.check(jsonpFacts(jsonp, routes), prod), [], JSON.stringify(jsonp));
    }
    assert.deepEqual(securityOff.check(jsonpFacts({}, [ jsonpRoute('route') ]), dev), []);
    // The options a route gives app.jsonp() are merged over config.jsonp (h76 F7).
    const withCall = (options: unknown): RouteFact => ({ ...jsonpRoute('route'), jsonp: [{ options, calledAt: 'app/router.js:3' }] });
    assert.deepEqual(securityOff.check(jsonpFacts({ csrf: false }, [ withCall({ whiteList: [ '.example.com' ] }) ]), prod), [], 'the route\'s own whiteList applies');
    assert.deepEqual(securityOff.check(jsonpFacts({ csrf: false }, [ withCall({ callback: 'cb' }) ]), prod).map(found => found.target), [ 'config.jsonp' ]);
    assert.deepEqual(securityOff.check(jsonpFacts({ whiteList: [ '.example.com' ] }, [ withCall({ csrf: false, whiteList: null }) ]), prod)
      .map(found => `${found.target} ${found.source}`), [ 'route:GET /api/user app/router.js:3' ]);
    // csrf: true where csrf's ignore skips the route: egg-security's assertCsrf() returns unchecked (black-box round 40, h6 F4).
    const ignored = { ...jsonpFacts({ csrf: true }, [ jsonpRoute('route') ]), securityScopes: [{ name: 'csrf', kind: 'ignore' as const, summary: "ignore: '/api'", skipsEveryPath: false,
      skippedRequests: [ 'GET /api/user', 'HEAD /api/user' ] }] };
    assert.match(securityOff.check(ignored, prod).find(found => found.target === 'config.jsonp')?.message ?? '', /^1 JSONP route\(s\) answer any site: GET \/api\/user; config\.jsonp checks neither referrer nor CSRF token/);
  });

  it('SEN604: a checkAddress function protects; an empty ipBlackList does not', () => {
    assert.deepEqual(ssrfUnprotected.check(securityFacts({ ssrf: { checkAddress: () => true } }), prod), []);
    assert.equal(ssrfUnprotected.check(securityFacts({ ssrf: { ipBlackList: [] } }), prod).length, 1);
  });

  it('SEN604: the checkAddress egg-security derives from an empty ipBlackList protects nothing; an exception list of 0.0.0.0/0 undoes the list', () => {
    const derived = () => true;
    const fromSecurity = { meta: { 'security.ssrf.checkAddress': 'node_modules/egg-security/config/config.default.js', 'security.ssrf.ipBlackList': 'config/config.prod.ts' } };
    const [ empty ] = ssrfUnprotected.check(securityFacts({ ssrf: { ipBlackList: [], checkAddress: derived } }, fromSecurity), prod);
    assert.match(empty.message, /^config\.security\.ssrf\.ipBlackList is empty: ctx\.safeCurl\(\) requests any address/);
    const [ excepted ] = ssrfUnprotected.check(securityFacts({ ssrf: { ipBlackList: [ '10.0.0.0/8' ], ipExceptionList: [ '0.0.0.0/0' ], checkAddress: derived } }, fromSecurity), prod);
    assert.match(excepted.message, /ipExceptionList excepts every address \(0\.0\.0\.0\/0\)/);
    assert.deepEqual(ssrfUnprotected.check(securityFacts({ ssrf: { ipBlackList: [ '10.0.0.0/8' ], ipExceptionList: [ '10.1.0.0/16' ], checkAddress: derived } }, fromSecurity), prod), []);
    // At boot the check egg-security built is asked (facts.builtins.ssrfAllows): one that blocks no internal address.
    const asked = (ssrfAllows: string[]) => ssrfUnprotected.check(securityFacts({ ssrf: { ipBlackList: [ '10.0.0.0/8' ], ipExceptionList: [ '0.0.0.0/1', '128.0.0.0/1' ], checkAddress: derived } },
      { ...fromSecurity, builtins: { ssrfAllows } }), prod);
    assert.match(asked(SSRF_PROBES.map(probe => probe.shown))[0]?.message ?? '', /blocks none of the internal addresses egg-sentinel asked egg-security's check about: it lets 127\.0\.0\.1, .*169\.254\.169\.254, ::1, .* through/);
    assert.match(asked([ '169.254.169.254' ])[0]?.message ?? '', /does not block all of the internal addresses .*: it lets 169\.254\.169\.254 through .*: ctx\.safeCurl\(\) requests them$/, 'the cloud metadata address alone');
    assert.deepEqual(asked([]), []);
    const own = { meta: { 'security.ssrf.checkAddress': 'config/config.default.ts' } };
    assert.deepEqual(ssrfUnprotected.check(securityFacts({ ssrf: { ipBlackList: [], checkAddress: derived } }, own), prod), [], 'the app\'s own function decides');
    // …and is asked too (round 14): one that lets internal addresses through is reported.
    const [ lax ] = ssrfUnprotected.check(securityFacts({ ssrf: { checkAddress: derived } }, { ...own, builtins: { ssrfAllows: [ '127.0.0.1', '::1' ] } }), prod);
    assert.match(lax?.message ?? '', /^the app's config\.security\.ssrf\.checkAddress lets 127\.0\.0\.1, ::1 through when asked as urllib asks it/);
    assert.equal(lax?.source, 'config/config.default.ts');
  });

  it('SEN605: an entry that admits a whole top-level domain is as open as no list; a wildcard under a domain is fine', () => {
    // Any top-level domain, a registry's second level, a shared hosting domain (black-box round 13).
    for (const open of [ '*', '*.*', '**', '.com', 'com', '*.com', '*m', '*.NET', '.com.', '.xn--p1ai', '.co.uk', '*.github.io',
      '.de', '*.dev', '.app', '.com.cn', '*.co.jp', '.herokuapp.com', '.vercel.app', '.s3.amazonaws.com', 'NET', '.CO.UK',
      // Round 14: the root's trailing dot, a wildcard two levels deep, dynamic and wildcard DNS services.
      '.de.', 'de.', '*.de.', '*.*.com', '.duckdns.org', '.nip.io', '.sslip.io', '.eu.org' ]) {
      const [ hit ] = openRedirect.check(securityFacts({ domainWhiteList: [ '.example.com', open ] }), prod);
      assert.match(hit?.message ?? '', /lets hosts anyone can register through \(a whole top-level domain or public suffix\): ctx\.redirect\(\) sends users to them/, open);
    }
    // Round 25: matcher's `*` is any run of characters, and `!` negates a pattern (it then admits every other host).
    for (const open of [ '*example.com', '*.example.*', 'example.com*', 'example.*', '!*.untrusted.example.com' ]) {
      const [ hit ] = openRedirect.check(securityFacts({ domainWhiteList: [ '.example.com', open ] }), prod);
      assert.match(hit?.message ?? '', /lets hosts anyone can register through/, open);
    }
    // As egg-security matches them: a pattern with spaces matches no host; a domain and its subdomains only.
    // Names no registry sells admit only local hosts (black-box round 22 re-test).
    for (const closed of [ '*.example.com', '*.api.example.com', 'api-*.example.com', '.example.com', 'example.com', ' * ', 'api.example.io', 'example.de', '.shop.example.app', 'my-app.herokuapp.com', '.example.com.cn',
      'localhost', '.localhost', '.internal', '.test', '.home.arpa' ]) {
      assert.deepEqual(openRedirect.check(securityFacts({ domainWhiteList: [ closed ] }), prod), [], closed);
    }
  });

  it('SEN605: with the security plugin off, SEN602 speaks instead', () => {
    assert.deepEqual(openRedirect.check(fakeFacts({ config: { security: { domainWhiteList: [] } } }), prod), []);
  });
});

describe('SEN608 edge cases (fake facts)', () => {
  const sessionOn: PluginFact[] = [{ name: 'session', enable: true, package: 'egg-session', from: 'node_modules/egg/config/plugin.js' }];
  // Behind a TLS proxy egg is told of (proxy: true), so that only the session's own options are judged.
  const check = (session: Record<string, unknown>) => sessionCookieWeakened.check(fakeFacts({ plugins: sessionOn, config: { session, proxy: true, sentinel: { https: true } } }), prod)
    .map(hit => `${hit.severity} ${hit.target}: ${hit.message}`);
  const ENCRYPTED_UNSIGNED = 'the session cookie EGG_SESS holds the session\'s data encrypted but not signed (egg-cookies signs no encrypted cookie, and its ' +
    'AES-256-CBC has no MAC): a client who puts text of its own into the session (a name, an e-mail) flips chosen bits of what follows it, such as `"uid":1001` into `"uid":1`';

  it('an option set to any false value (0, \'\', null) is off, as egg-cookies reads it (black-box round 22)', () => {
    assert.deepEqual(check({ signed: false, encrypt: 0, httpOnly: 0, secure: null }), [
      'high config.session.signed: the session cookie EGG_SESS is neither signed nor encrypted (signed: false, encrypt: 0): a client writes whatever session it wants into it',
      'medium config.session.httpOnly: the session cookie EGG_SESS is readable by scripts in the page (httpOnly: 0): an injected script takes the session',
      'medium config.session.secure: the session cookie EGG_SESS is also sent over plain HTTP (secure: null), though the app is served over HTTPS (sentinel.https)',
    ]);
    assert.deepEqual(check({ encrypt: '' }), [ 'low config.session.encrypt: the session cookie EGG_SESS is signed, not encrypted (encrypt: "", which this rule advises ' +
      'over egg\'s unsigned encryption): whoever holds it reads the session\'s data, so it must hold no secret' ]);
    assert.deepEqual(check({ signed: true, encrypt: 1, httpOnly: 'yes' }), [ `medium config.session.encrypt: ${ENCRYPTED_UNSIGNED}` ], 'true values keep them on');
  });

  it('the session kept encrypted in the cookie, egg\'s default, is medium whatever `signed` says; kept in a store, nothing (black-box round 27, h91 F1)', () => {
    for (const session of [ {}, { encrypt: true }, { encrypt: true, signed: true } ]) assert.deepEqual(check(session), [ `medium config.session.encrypt: ${ENCRYPTED_UNSIGNED}` ], JSON.stringify(session));
    const stored = sessionCookieWeakened.check(fakeFacts({ plugins: sessionOn, config: { session: {} }, builtins: { sessionStore: true } }), prod);
    assert.deepEqual(stored, []);
  });

  it('with an external session store the cookie is an id: encrypt: false alone is not reported, the other judgments stay (black-box round 25, h74 F14)', () => {
    const judged = (session: Record<string, unknown>) => sessionCookieWeakened.check(fakeFacts({ plugins: sessionOn, config: { session }, builtins: { sessionStore: true } }), prod)
      .map(hit => `${hit.severity} ${hit.target}: ${hit.message}`);
    assert.deepEqual(judged({ encrypt: false, signed: true }), []);
    assert.deepEqual(judged({ encrypt: false, signed: false, httpOnly: false, sameSite: 'none' }), [
      'high config.session.signed: the session cookie EGG_SESS is neither signed nor encrypted (signed: false, encrypt: false): a client sends whatever session id it wants in it, and the app takes it',
      'medium config.session.httpOnly: the session cookie EGG_SESS is readable by scripts in the page (httpOnly: false): an injected script takes the session',
      'low config.session.sameSite: the session cookie EGG_SESS is sent with cross-site requests (config.session.sameSite is \'none\')',
    ]);
  });

  it('sameSite none in config.cookies, egg-cookies\' defaults for every cookie, reaches the session cookie unless it sets its own (black-box round 25)', () => {
    // Sessions in a store, so that only sameSite is judged here.
    const judged = (config: Record<string, unknown>) => sessionCookieWeakened.check(fakeFacts({ plugins: sessionOn, config, builtins: { sessionStore: true } }), prod)
      .map(hit => `${hit.severity} ${hit.target}: ${hit.message}`);
    assert.deepEqual(judged({ session: {}, cookies: { sameSite: 'none' } }), [ 'low config.cookies.sameSite: the session cookie EGG_SESS is sent with cross-site requests (config.cookies.sameSite is \'none\')' ]);
    assert.deepEqual(judged({ session: { sameSite: 'lax' }, cookies: { sameSite: 'none' } }), []);
    assert.deepEqual(judged({ session: { sameSite: 'None' } }), [ 'low config.session.sameSite: the session cookie EGG_SESS is sent with cross-site requests (config.session.sameSite is \'none\')' ]);
  });
});

describe('SEN608: the session cookie without Secure under sentinel.https, from config.session, config.cookies or egg not told of the proxy (black-box round 43, h6 F1)', () => {
  const sessionOn: PluginFact[] = [{ name: 'session', enable: true, package: 'egg-session', from: 'node_modules/egg/config/plugin.js' }];
  // Sessions in a store, so that only Secure is judged here.
  const judged = (config: Record<string, unknown>, builtins: Record<string, unknown> = {}) =>
    sessionCookieWeakened.check(fakeFacts({ plugins: sessionOn, config: { session: {}, sentinel: { https: true }, ...config }, builtins: { sessionStore: true, ...builtins } }), prod);
  const targets = (config: Record<string, unknown>, builtins?: Record<string, unknown>) => judged(config, builtins).map(hit => `${hit.severity} ${hit.target}`);

  it('config.cookies.secure false reaches the session cookie unless config.session sets its own; the finding names the key', () => {
    const [ cookies ] = judged({ proxy: true, cookies: { secure: false } });
    assert.equal(`${cookies?.severity} ${cookies?.target}`, 'medium config.cookies.secure');
    assert.equal(cookies?.message, 'the session cookie EGG_SESS is also sent over plain HTTP (config.cookies.secure: false, egg-cookies\' default for every cookie, ' +
      'which config.session sets no secure over), though the app is served over HTTPS (sentinel.https)');
    assert.match(cookies?.fix ?? '', /^Remove `secure: false` from `config\.cookies` .*, or give the session its own `session: \{ secure: true \}`/);
    assert.deepEqual(targets({ proxy: true, cookies: { secure: 0 } }), [ 'medium config.cookies.secure' ], 'any false value');
    assert.deepEqual(targets({ proxy: true, cookies: { secure: false }, session: { secure: true } }), [], 'the session\'s own wins');
    assert.deepEqual(targets({ proxy: true, cookies: { secure: true } }), []);
    assert.deepEqual(targets({ proxy: true, cookies: { secure: false }, sentinel: {} }), [], 'only with sentinel.https');
    // Both off: removing the session's would leave the cookies' in force, so the fix says to set it true.
    const [ both ] = judged({ proxy: true, cookies: { secure: false }, session: { secure: false } });
    assert.equal(both?.target, 'config.session.secure');
    assert.match(both?.fix ?? '', /^Set `secure: true` in `config\.session` in place of `secure: false` \(without it, config\.cookies\.secure, off too, applies\)/);
  });

  it('secure set nowhere: without proxy: true egg takes every request for plain HTTP and egg-cookies leaves Secure off, unless the app serves TLS itself', () => {
    const [ unproxied ] = judged({});
    assert.equal(`${unproxied?.severity} ${unproxied?.target}`, 'medium config.proxy');
    assert.match(unproxied?.message ?? '', /^the session cookie EGG_SESS is sent without Secure, though the app is served over HTTPS \(sentinel\.https\): config\.proxy is not true/);
    assert.match(unproxied?.fix ?? '', /^Behind a TLS-terminating proxy set `proxy: true`/);
    assert.deepEqual(targets({ proxy: true }), []);
    assert.deepEqual(targets({ protocol: 'https' }), [], 'egg takes requests for HTTPS');
    assert.deepEqual(targets({ cluster: { https: { key: 'server.key', cert: 'server.crt' } } }), [], 'egg-cluster serves TLS');
    assert.deepEqual(targets({}, { startOptionsHttps: { key: true, cert: true } }), [], 'egg-scripts --https.key/--https.cert');
    // egg-cluster merges the two (review of round 43): a key in config and a cert from the start options serve TLS.
    assert.deepEqual(targets({ cluster: { https: { key: 'server.key' } } }, { startOptionsHttps: { key: false, cert: true } }), []);
    assert.deepEqual(targets({ cluster: { https: { key: 'server.key' } } }), [ 'medium config.proxy' ], 'no cert: egg-cluster serves plain HTTP');
    assert.deepEqual(targets({ session: { secure: true } }), [], 'Secure is set');
    assert.deepEqual(targets({ sentinel: {} }), [], 'only with sentinel.https');
  });
});

describe('SEN609 edge cases (fake facts)', () => {
  const corsOn: PluginFact[] = [{ name: 'cors', enable: true, package: 'egg-cors', from: 'config/plugin.js' }];
  // egg 3's egg-security exports its context extension as an object; egg puts its members on app.context.
  const { isSafeDomain: eggSecurityIsSafeDomain } = createRequire(__filename)('egg-security/app/extend/context') as { isSafeDomain(...args: unknown[]): boolean };
  const { isSafeDomain: matchWhiteList } = createRequire(__filename)('egg-security/lib/utils') as { isSafeDomain(domain: unknown, whiteList: unknown): boolean };
  /**
   * At boot the running app's ctx.isSafeDomain (taken from app.context); in the audit none (the rule matches the
   * whitelist itself); off, egg-security is not enabled.
   */
  type Mode = 'boot' | 'audit' | 'off';
  /** What egg-cors' app.js installs when config.cors sets no origin: its own check, asking ctx.isSafeDomain. */
  const eggCorsOwnCheck = () => {
    const eggCors = { config: { coreMiddlewares: [] as string[], cors: { credentials: true } as Record<string, unknown> } };
    (createRequire(__filename)('egg-cors/app.js') as (app: unknown) => void)(eggCors);
    return eggCors.config.cors;
  };
  const check = (cors: Record<string, unknown>, domainWhiteList: unknown[] = [ '.example.com' ], plugins = corsOn, mode: Mode = 'boot') => {
    const config = { cors, security: { domainWhiteList } };
    const isSafeDomain = mode === 'boot' ? safeDomainCheck({ isSafeDomain: eggSecurityIsSafeDomain }, { config }) : undefined;
    return corsCredentialsAnyOrigin.check(fakeFacts({ plugins: mode === 'off' ? plugins : [ ...plugins, ...securityOn ], config, builtins: { isSafeDomain } }), prod)
      .map(hit => `${hit.target}: ${hit.message}`);
  };

  it('a function is asked for each route\'s path: one that reflects any origin for /api/ only, or sends credentials there only, is any site (black-box round 40, h6 F5)', () => {
    const routes = [ { probes: [ '/' ] }, { probes: [ '/api/me' ] } ] as unknown as RouteFact[];
    const run = (cors: Record<string, unknown>) => corsCredentialsAnyOrigin.check({ ...fakeFacts({ plugins: [ ...corsOn, ...securityOn ], config: { cors, security: { domainWhiteList: [ '.example.com' ] } } }), routes }, prod);
    const [ reflected ] = run({ credentials: true, hasCustomOriginHandler: true, origin: (ctx: any) => (ctx.path.startsWith('/api/') ? ctx.get('origin') : 'https://www.example.com') });
    assert.match(reflected?.message ?? '', /answers https:\/\/evil\.example, null, .* with that origin .* \(for \/api\/me, first\)/);
    const [ byCredentials ] = run({ origin: '*', credentials: (ctx: any) => ctx.path.startsWith('/api/') });
    assert.match(byCredentials?.message ?? '', /origin '\*' and credentials: true/);
    assert.deepEqual(run({ credentials: true, hasCustomOriginHandler: true, origin: (ctx: any) => (ctx.get('origin') === 'https://www.example.com' ? ctx.get('origin') : '') }), []);
  });

  it('credentials with egg-cors\' own origin check follow domainWhiteList: an entry anyone can register under is any site', () => {
    assert.match(check({ credentials: true, hasCustomOriginHandler: false }, [ '.com' ])[0] ?? '', /^config\.security\.domainWhiteList: egg-cors gives credentialed access to any site under '\.com'/);
    assert.deepEqual(check({ credentials: true, hasCustomOriginHandler: false }), [], 'the app\'s own sites');
    assert.deepEqual(check({ credentials: false, origin: '*' }), [], 'no credentials: a public API');
    assert.deepEqual(check({ credentials: true, origin: 'https://app.example.com', hasCustomOriginHandler: true }, [ '.com' ]), [], 'its own origin decides');
    assert.deepEqual(check({ credentials: true, origin: '*' }, [], []), [], 'egg-cors not enabled');
  });

  it('a probe built from a host the function names is no foreign site under a domain the app accepts every host of: judged as the equivalent whitelist (black-box round 43, h4 F1)', () => {
    // The reporter's function, and its regex variant: the fallback origin is written in them, as the probes are built from their source.
    const byUrl = (ctx: any) => {
      const origin = ctx.get('origin');
      try {
        const { protocol, hostname } = new URL(origin);
        if (protocol === 'https:' && (hostname === 'example.com' || hostname.endsWith('.example.com'))) return origin;
      } catch {
        // not a URL
      }
      return 'https://www.example.com';
    };
    const byRegExp = (ctx: any) => (/^https:\/\/([a-z0-9-]+\.)?example\.com$/.test(ctx.get('origin')) ? ctx.get('origin') : 'https://www.example.com');
    const judged = (origin: unknown, list: unknown[]) => check({ credentials: true, hasCustomOriginHandler: true, origin }, list);
    // The whitelist vouches for evilwww.example.com; the function's own `'.example.com'` suffix does not vouch for itself
    // (review of round 43: `.webflow.io` there admits other people's sites).
    assert.deepEqual(judged(byUrl, [ '.example.com' ]), []);
    assert.deepEqual(judged(byRegExp, [ '.example.com' ]), []);
    for (const list of [ [], [ '.shop.example.com' ] ]) {
      assert.match(judged(byUrl, list)[0] ?? '', /answers https:\/\/evilwww\.example\.com with that origin/, JSON.stringify(list));
      assert.match(judged(byRegExp, list)[0] ?? '', /answers https:\/\/evilwww\.example\.com with that origin/, JSON.stringify(list));
    }
    const webflow = (ctx: any) => {
      const origin = ctx.get('origin');
      const host = origin.replace(/^https:\/\//, '');
      return host === 'shop.webflow.io' || host.endsWith('.webflow.io') ? origin : 'https://shop.webflow.io';
    };
    assert.match(judged(webflow, [])[0] ?? '', /answers https:\/\/evilshop\.webflow\.io with that origin/);
    assert.deepEqual(judged((ctx: any) => (ctx.get('origin').endsWith('www.example.com') ? ctx.get('origin') : ''), [ '.example.com' ]), [], 'the whitelist vouches');
    // Real holes stay: the look-alikes leave example.com, and a suffix anyone registers under vouches for nothing.
    assert.match(judged((ctx: any) => (ctx.get('origin').endsWith('www.example.com') ? ctx.get('origin') : ''), [])[0] ?? '', /answers https:\/\/evilwww\.example\.com with that origin/);
    assert.match(judged((ctx: any) => (ctx.get('origin').endsWith('example.com') ? ctx.get('origin') : 'https://www.example.com'), [ '.example.com' ])[0] ?? '',
      /answers https:\/\/evilexample\.com with that origin/);
    assert.match(judged((ctx: any) => (/([a-z0-9-]+\.)?example\.com/.test(ctx.get('origin')) ? ctx.get('origin') : 'https://www.example.com'), [ '.example.com' ])[0] ?? '',
      /answers https:\/\/evilexample\.com, https:\/\/example\.com\.evil\.example, https:\/\/www\.example\.com\.evil\.example with that origin/);
    assert.match(judged((ctx: any) => (ctx.get('origin').endsWith('.github.io') || ctx.get('origin') === 'https://www.github.io' ? ctx.get('origin') : ''), [ '.github.io' ])[0] ?? '',
      /answers https:\/\/evilwww\.github\.io with that origin/);
    assert.match(judged((ctx: any) => ctx.get('origin') || 'https://www.example.com', [ '.example.com' ])[0] ?? '', /answers https:\/\/evil\.example, null, /);
  });

  it('an allow list the config file declares is probed as the function\'s own hosts are, and an unanchored localhost by a host that starts so (black-box round 44, r44h2 F2)', () => {
    const allowed = [ 'https://app.example.com', 'https://admin.example.com' ];
    const startsWithListed = (ctx: any) => (allowed.some(a => ctx.get('origin').startsWith(a)) ? ctx.get('origin') : '');
    const file = 'config/config.prod.js';
    const judged = (origin: unknown, texts: Record<string, string>) => corsCredentialsAnyOrigin.check(fakeFacts({ plugins: [ ...corsOn, ...securityOn ],
      config: { cors: { credentials: true, hasCustomOriginHandler: true, origin }, security: { domainWhiteList: [] } }, meta: { 'cors.origin': file },
      files: { configTexts: texts } as never }), prod).map(hit => hit.message);
    const module = `const allowed = [ 'https://app.example.com', 'https://admin.example.com' ];\nmodule.exports = { cors: { origin: ${String(startsWithListed)} } };\n`;
    assert.match(judged(startsWithListed, { [file]: module })[0] ?? '', /answers https:\/\/app\.example\.com\.evil\.example/);
    const exact = (ctx: any) => (allowed.includes(ctx.get('origin')) ? ctx.get('origin') : '');
    assert.deepEqual(judged(exact, { [file]: module }), [], 'an exact list admits no look-alike');
    const localhost = (ctx: any) => (/^https?:\/\/localhost(:\d+)?/.test(ctx.get('origin')) || ctx.get('origin') === 'https://app.example.com' ? ctx.get('origin') : '');
    assert.match(judged(localhost, {})[0] ?? '', /answers http:\/\/localhost\.evil\.example/);
    const anchored = (ctx: any) => (/^https?:\/\/localhost(:\d+)?$/.test(ctx.get('origin')) ? ctx.get('origin') : '');
    assert.deepEqual(judged(anchored, {}), []);
  });

  it('an origin function reading its allow list through ctx.app.config is asked with the app\'s config (black-box round 44, r44h2 F5)', () => {
    const allowList = (ctx: any) => (ctx.app.config.corsAllow.includes(ctx.get('origin')) ? ctx.get('origin') : '');
    const judged = (origin: unknown) => corsCredentialsAnyOrigin.check(fakeFacts({ plugins: [ ...corsOn, ...securityOn ],
      config: { cors: { credentials: true, hasCustomOriginHandler: true, origin }, security: { domainWhiteList: [] }, corsAllow: [ 'https://app.example.com' ] } }), prod)
      .map(hit => hit.message);
    assert.deepEqual(judged(allowList), []);
    assert.match(judged((ctx: any) => (ctx.app.config.corsAllow.length ? ctx.get('origin') : ''))[0] ?? '', /answers https:\/\/evil\.example/);
  });

  it('egg-cors\' own origin function is asked with egg-security\'s isSafeDomain, and so is an app\'s that calls it; without egg-security it lets every origin through (black-box round 27, h90 F6)', () => {
    const ownCheck = eggCorsOwnCheck();
    assert.deepEqual(check(ownCheck, [ '.shop.example.com' ]), [], 'a whitelist of the app\'s own hosts');
    assert.match(check(ownCheck, [ '*' ])[0] ?? '', /^config\.security\.domainWhiteList: egg-cors gives credentialed access to any site under '\*'/);
    assert.match(check(ownCheck, [ '.shop.example.com' ], corsOn, 'off')[0] ?? '',
      /^config\.cors\.origin: egg-cors gives credentialed access to sites the app does not name: egg-cors' own origin check \(config\.cors sets no origin\), which lets every origin through when ctx has no isSafeDomain \(egg-security off\), answers https:\/\/evil\.example, null with that origin/);
    const viaHelper = (ctx: any) => { const o = ctx.get('origin'); return ctx.isSafeDomain(o) ? o : ''; };
    assert.deepEqual(check({ credentials: true, hasCustomOriginHandler: true, origin: viaHelper }, [ 'https://app.shop.example.com' ]), []);
    assert.match(check({ credentials: true, hasCustomOriginHandler: true, origin: viaHelper }, [ '*' ])[0] ?? '', /config\.cors\.origin, a function, answers https:\/\/evil\.example, null with that origin/);
    // Property reads are no host names: `parsedUrl.hostname` gives no probe origin of its own.
    const byHost = (ctx: any) => {
      const parsedUrl = URL.canParse(ctx.get('origin')) ? new URL(ctx.get('origin')) : undefined;
      return parsedUrl?.hostname.endsWith('example.com') ? ctx.get('origin') : '';
    };
    assert.match(check({ credentials: true, hasCustomOriginHandler: true, origin: byHost })[0] ?? '', /answers https:\/\/evilexample\.com with that origin/);
    assert.doesNotMatch(check({ credentials: true, hasCustomOriginHandler: true, origin: byHost })[0] ?? '', /parsedurl/i);
  });

  it('the audit, which loads no extension, asks a stand-in matching the whitelist as egg-security does, and egg-security on is never judged as off (review of round 27, H2, M1)', () => {
    // Against egg-security's own matching: its lib/utils for domainWhiteList (lowercased when it loads), its ctx.isSafeDomain for a customWhiteList.
    const lists = [[ '.example.com' ], [ 'example.com' ], [ '.Example.COM' ], [ '*.example.com' ], [ '*example.com' ], [ '!*.example.com' ], [ 'https://app.example.com' ], [ '192.*.0.*' ], [ '*' ], []];
    const domains = [ 'example.com', 'a.example.com', 'A.Example.com', 'evilexample.com', 'example.com.evil.example', 'https://app.example.com', 'https://evil.example', 'null', '192.168.0.1', undefined, 42 ];
    for (const list of lists) {
      const loaded = list.map(entry => entry.toLowerCase());
      const standIn = standInSafeDomainCheck(list);
      const ctx = { app: { config: { security: { domainWhiteList: loaded } } } };
      for (const domain of domains) {
        assert.equal(standIn(domain), matchWhiteList(domain, loaded), `${String(domain)} for ${JSON.stringify(list)}`);
        for (const custom of [ undefined, [], [ '.Partner.example' ], [ '.partner.example' ], [ '*' ] ]) {
          assert.equal(standIn(domain, custom), eggSecurityIsSafeDomain.call(ctx, domain, custom), `${String(domain)} for ${JSON.stringify(list)}, custom ${JSON.stringify(custom)}`);
        }
      }
    }
    const ownCheck = eggCorsOwnCheck();
    assert.match(check(ownCheck, [ '.com' ], corsOn, 'audit')[0] ?? '', /^config\.security\.domainWhiteList: egg-cors gives credentialed access to any site under '\.com'/);
    assert.deepEqual(check(ownCheck, [ '.shop.example.com' ], corsOn, 'audit'), [], 'a whitelist of the app\'s own hosts');
    // A whitelist the function probes catch and the entry check does not: named as egg-security's check, not as egg-security off.
    assert.match(check(ownCheck, [ '.example' ], corsOn, 'audit')[0] ?? '',
      /^config\.cors\.origin: egg-cors gives credentialed access to sites the app does not name: egg-cors' own origin check \(config\.cors sets no origin\), asking egg-security's ctx\.isSafeDomain, which judges by security\.domainWhiteList, answers https:\/\/evil\.example with that origin/);
  });

  it('at boot ctx.isSafeDomain is the running app\'s, from app.context whatever egg-security exports (egg 4: a class, its method on a prototype), called with every argument (review of round 27, H2, L11)', () => {
    class SecurityContext {
      declare app: { config: { security: { domainWhiteList: string[] } } };
      isSafeDomain(domain: string, customWhiteList?: string[]): boolean {
        return matchWhiteList(domain, customWhiteList && customWhiteList.length > 0 ? customWhiteList : this.app.config.security.domainWhiteList);
      }
    }
    const judged = (domainWhiteList: string[], origin?: unknown) => {
      const config = { cors: origin ? { credentials: true, hasCustomOriginHandler: true, origin } : eggCorsOwnCheck(), security: { domainWhiteList } };
      const isSafeDomain = safeDomainCheck(Object.create(SecurityContext.prototype), { config });
      assert.equal(typeof isSafeDomain, 'function');
      return corsCredentialsAnyOrigin.check(fakeFacts({ plugins: [ ...corsOn, ...securityOn ], config, builtins: { isSafeDomain } }), prod).map(hit => hit.target);
    };
    assert.deepEqual(judged([ '.shop.example.com' ]), []);
    assert.deepEqual(judged([ '.com' ]), [ 'config.security.domainWhiteList' ]);
    assert.equal(safeDomainCheck({}, {}), undefined, 'no isSafeDomain on app.context');
    assert.equal(safeDomainCheck(undefined, {}), undefined, 'the audit gives no app.context');
    // An app's origin function giving its own list: egg-security judges by that list, not by domainWhiteList.
    const custom = (list: string[]) => (ctx: any) => { const origin = ctx.get('origin'); return ctx.isSafeDomain(origin, list) ? origin : ''; };
    assert.deepEqual(judged([ '.shop.example.com' ], custom([ '*' ])), [ 'config.cors.origin' ]);
    assert.deepEqual(judged([ '*' ], custom([ 'https://app.partner.example' ])), []);
    for (const mode of [ 'boot', 'audit' ] as const) {
      assert.match(check({ credentials: true, hasCustomOriginHandler: true, origin: custom([ '*' ]) }, [ '.shop.example.com' ], corsOn, mode)[0] ?? '',
        /^config\.cors\.origin: egg-cors gives credentialed access to sites the app does not name: config\.cors\.origin, a function, answers https:\/\/evil\.example, null/, mode);
      assert.deepEqual(check({ credentials: true, hasCustomOriginHandler: true, origin: custom([ 'https://app.partner.example' ]) }, [ '*' ], corsOn, mode), [], mode);
    }
  });

  it('an origin function is asked as koa-cors asks it: one that reflects a foreign origin, or a loose check of the app\'s host, is high (black-box round 25)', () => {
    const fn = (origin: (ctx: any) => unknown) => check({ credentials: true, origin, hasCustomOriginHandler: true });
    const reflects = /^config\.cors\.origin: egg-cors gives credentialed access to sites the app does not name: config\.cors\.origin, a function, answers /;
    assert.match(fn(ctx => ctx.get('origin'))[0] ?? '', reflects);
    assert.match(fn(ctx => ctx.headers.origin || '*')[0] ?? '', reflects);
    assert.match(fn(ctx => (ctx.get('origin').endsWith('example.com') ? ctx.get('origin') : ''))[0] ?? '', /answers https:\/\/evilexample\.com/);
    assert.match(fn(ctx => (/example\.com/.test(ctx.get('origin')) ? ctx.get('origin') : ''))[0] ?? '', /answers https:\/\/evilexample\.com, https:\/\/example\.com\.evil\.example/);
    assert.deepEqual(fn(ctx => ([ 'https://app.example.com' ].includes(ctx.get('origin')) ? ctx.get('origin') : '')), [], 'exact origins');
    assert.deepEqual(fn(ctx => (/^https:\/\/([a-z]+\.)?example\.com$/.test(ctx.get('origin')) ? ctx.get('origin') : '')), [], 'an anchored pattern of its own hosts');
    assert.deepEqual(check({ credentials: false, origin: (ctx: any) => ctx.get('origin') }), [], 'no credentials');
    assert.match(fn(async ctx => ctx.get('origin'))[0] ?? '', /config\.cors\.origin is asynchronous, so egg-sentinel cannot ask it at boot/);
    assert.match(fn(ctx => ctx.app.config.allowed.includes(ctx.get('origin')))[0] ?? '', /config\.cors\.origin could not be judged: asked about the origin https:\/\/evil\.example with credentials: true, it threw/);
  });

  it('credentials as koa-cors reads them (any truthy value, a function\'s answer) and the null origin (black-box round 25)', () => {
    const reflect = (credentials: unknown) => check({ credentials, origin: '*' });
    for (const on of [ 'true', 1, () => true, async () => true, () => { throw new Error('no ctx.app'); } ]) assert.equal(reflect(on).length, 1, String(on));
    for (const off of [ false, 0, '', () => false, undefined ]) assert.deepEqual(reflect(off), [], String(off));
    assert.match(check({ credentials: true, origin: 'null', hasCustomOriginHandler: true })[0] ?? '',
      /^config\.cors\.origin: egg-cors gives credentialed access to any site's sandboxed frame: config\.cors has origin 'null'/);
  });
});

describe('SEN610 edge cases (fake facts)', () => {
  it('rejectUnauthorized: false in httpclient\'s request defaults or https agent is high outside local/unittest; anything else is not (black-box round 22)', () => {
    const check = (httpclient: Record<string, unknown>, context = prod) => outgoingTlsUnchecked.check(fakeFacts({ config: { httpclient } }), context).map(hit => hit.target);
    assert.deepEqual(check({ request: { rejectUnauthorized: false }, httpsAgent: { rejectUnauthorized: false } }), [
      'config.httpclient.request.rejectUnauthorized', 'config.httpclient.httpsAgent.rejectUnauthorized' ]);
    assert.deepEqual(check({ request: { rejectUnauthorized: 0, timeout: 5000 }, httpsAgent: { keepAlive: true } }), [], 'node checks the certificate unless it is false');
    assert.deepEqual(check({ request: { rejectUnauthorized: false } }, dev), []);
  });
});

describe('SEN611 edge cases (fake facts)', () => {
  const nunjucksOn: PluginFact = { name: 'nunjucks', enable: true, package: 'egg-view-nunjucks', from: 'config/plugin.js' };
  const check = (config: Record<string, unknown>, context = prod, plugins = [ ...securityOn, nunjucksOn ]) =>
    xssDefencesWeakened.check(fakeFacts({ plugins, config, meta: { 'helper.shtml.whiteList.img': 'config/config.prod.js' } }), context);
  const shtml = (options: Record<string, unknown>) => check({ helper: { shtml: options } });
  const rated = (hits: ReturnType<typeof check>) => hits.map(hit => `${hit.severity} ${hit.target}`);

  it('javascript in security.protocolWhiteList is high (surl() passes javascript://%0a…), vbscript medium; http, data and the like are not reported (black-box round 24)', () => {
    const [ hit ] = check({ security: { protocolWhiteList: [ 'JavaScript', 'ftp' ] } });
    assert.deepEqual([ hit.severity, hit.target ], [ 'high', 'config.security.protocolWhiteList' ]);
    assert.match(hit.message, /ctx\.helper\.surl\(\) passes URLs that run script: config\.security\.protocolWhiteList has 'javascript' \(javascript:\/\/%0aalert\(1\) come out as links/);
    assert.deepEqual(rated(check({ security: { protocolWhiteList: [ 'vbscript' ] } })), [ 'medium config.security.protocolWhiteList' ]);
    assert.deepEqual(check({ security: { protocolWhiteList: [ 'data', 'ftp', 'mailto', 'http' ] } }), [], 'egg-security admits data itself');
    assert.deepEqual(check({ security: { protocolWhiteList: [ 'javascript' ] } }, prod, []), [], 'no security plugin, no surl()');
  });

  it('a helper.shtml.whiteList keeping <script>, on* handlers or srcdoc is high, <style>/<iframe> medium, formatting tags nothing (black-box round 24)', () => {
    const [ hit ] = shtml({ whiteList: { a: [ 'href', 'title' ], img: [ 'src', 'alt', 'onerror' ], script: [] } });
    assert.deepEqual([ hit.severity, hit.target, hit.source ], [ 'high', 'config.helper.shtml.whiteList', 'config/config.prod.js' ]);
    assert.equal(hit.message, 'ctx.helper.shtml() keeps event handlers on <img> (onerror), <script> with its code from user input: ' +
      'config.helper.shtml.whiteList allows them (set in config/config.prod.js)');
    assert.deepEqual(rated(shtml({ whiteList: { iframe: [ 'srcdoc' ] } })), [ 'high config.helper.shtml.whiteList' ]);
    assert.deepEqual(rated(shtml({ allowList: { style: [], p: [] } })), [ 'medium config.helper.shtml.allowList' ]);
    assert.deepEqual(rated(shtml({ whiteList: { a: [ 'href', 'title', 'target' ], p: [], b: [], img: [ 'src', 'alt' ] } })), []);
    assert.deepEqual(rated(check({ helper: { shtml: { whiteList: { script: [] } } } }, dev)), [ 'low config.helper.shtml.whiteList' ]);
  });

  it('helper.shtml hooks that answer with the hostile markup are high; ones that escape, strip or defer to js-xss are not; one that throws is medium (black-box round 24)', () => {
    const passing: Record<string, unknown> = {
      onIgnoreTag: (_tag: string, html: string) => html,
      escapeHtml: (html: string) => html,
      onIgnoreTagAttr: (_tag: string, name: string, value: string) => `${name}="${value}"`,
      onTagAttr: (_tag: string, name: string, value: string) => `${name}="${value}"`,
      safeAttrValue: (_tag: string, _name: string, value: string) => value,
      onTag: (_tag: string, html: string) => html,
    };
    for (const [ name, hook ] of Object.entries(passing)) {
      const hits = shtml({ [name]: hook });
      assert.deepEqual(rated(hits), [ `high config.helper.shtml.${name}` ], name);
      assert.match(hits[0].message, new RegExp(`^ctx\\.helper\\.shtml\\(\\) lets .* into the page: config\\.helper\\.shtml\\.${name} answers with the markup unescaped$`), name);
    }
    const safe: Record<string, unknown> = {
      onIgnoreTag: () => '',
      escapeHtml: (html: string) => html.replace(/</g, '&lt;').replace(/>/g, '&gt;'),
      onIgnoreTagAttr: (_tag: string, name: string, value: string) => (name.startsWith('data-') ? `${name}="${value}"` : undefined),
      onTagAttr: () => undefined,
      safeAttrValue: (_tag: string, name: string, value: string) => (/^https?:/.test(value) || name === 'title' ? value : ''),
      // Not `tag === 'br' ? html : undefined`: js-xss hands onTag the tag as written, attributes and all (review of round 40).
      onTag: (tag: string) => (tag === 'br' ? '<br>' : undefined),
    };
    assert.deepEqual(rated(shtml({ onTag: (tag: string, html: string) => (tag === 'br' ? html : undefined) })), [ 'high config.helper.shtml.onTag' ]);
    for (const [ name, hook ] of Object.entries(safe)) assert.deepEqual(shtml({ [name]: hook }), [], name);
    // A hook that decides by tag is asked about the tags its source names and common ones (black-box round 40, h6 F6).
    const byTag = shtml({ onIgnoreTagAttr: (tag: string, name: string, value: string) => (tag === 'div' || tag === 'span' ? `${name}="${value}"` : undefined) });
    assert.deepEqual(rated(byTag), [ 'high config.helper.shtml.onIgnoreTagAttr' ]);
    const embeds = shtml({ onIgnoreTagAttr: (tag: string, name: string, value: string) => (tag === 'iframe' ? `${name}="${value}"` : undefined) });
    assert.deepEqual(rated(embeds), [ 'high config.helper.shtml.onIgnoreTagAttr' ], 'srcdoc holds a document of script');
    const styled = shtml({ onIgnoreTagAttr: (tag: string, name: string, value: string) => (tag === 'span' && name === 'style' ? `style="${value}"` : undefined) });
    assert.deepEqual(styled, [], 'a style kept on span only');
    const [ thrown ] = shtml({ escapeHtml: (html: { toUpperCase(): string; missing: { x: string } }) => html.missing.x });
    assert.deepEqual([ thrown.severity, thrown.target ], [ 'medium', 'config.helper.shtml.escapeHtml' ]);
    assert.match(thrown.message, /could not be judged: it threw when asked about hostile markup/);
  });

  it('nunjucks.autoescape: false is high while egg-view-nunjucks is enabled, nothing when it is off or autoescape is on (black-box round 24)', () => {
    const [ hit ] = check({ nunjucks: { autoescape: false } });
    assert.deepEqual([ hit.severity, hit.target ], [ 'high', 'config.nunjucks.autoescape' ]);
    assert.match(hit.message, /^egg-view-nunjucks \(plugin nunjucks\) outputs every \{\{ value \}\} unescaped: config\.nunjucks\.autoescape is false$/);
    assert.deepEqual(check({ nunjucks: { autoescape: false } }, prod, [ ...securityOn, { ...nunjucksOn, enable: false } ]), []);
    assert.deepEqual(check({ nunjucks: { autoescape: true, cache: true } }), []);
    assert.deepEqual(check({}), [], 'egg-security\'s and egg-view-nunjucks\' defaults');
  });
});

describe('SEN606 and SEN607 edge cases (fake facts)', () => {
  const development: PluginFact = { name: 'development', enable: true, package: 'egg-development', from: 'config/plugin.ts' };
  const mock: PluginFact = { name: 'egg-mock', enable: true, path: '/srv/fake/node_modules/egg-mock' };

  it('SEN606: the development plugin in prod is reported even without NODE_ENV; egg-mock only under NODE_ENV=production', () => {
    const hits = developmentSettingsInProduction.check(fakeFacts({ plugins: [ development, mock ] }), prod);
    assert.deepEqual(hits.map(hit => [ hit.severity, hit.target, hit.source, hit.message ]), [
      [ 'high', 'plugin:development', 'config/plugin.ts', 'the development plugin (file watcher, worker reloads) is enabled in env "prod"' ],
    ]);
    assert.deepEqual(developmentSettingsInProduction.check(fakeFacts({ plugins: [ development, mock ], env: { serverEnv: 'local' } }), dev), []);
  });

  const node = (version: string, today = '2026-11-28') => fakeFacts({ builtins: { advisories: shipped, node: { version, today } } });

  it('SEN607: a line newer than the database knows, or the latest security release, is not judged', () => {
    assert.deepEqual(unsupportedNode.check(node('28.0.0'), prod), []);
    assert.deepEqual(unsupportedNode.check(node('24.17.0'), prod), []);
    assert.deepEqual(unsupportedNode.check(node('20.20.2'), prod).length, 1, 'Node 20 is end-of-life since 2026-04-30');
    assert.deepEqual(unsupportedNode.check(node('20.20.2', '2026-04-30'), prod), [], 'supported through its last day');
  });

  it('SEN607: both problems in one finding, and the fix lists the supported lines', () => {
    const [ hit ] = unsupportedNode.check(node('25.8.1'), prod);
    assert.equal(hit.message, 'Node.js 25.8.1: the 25.x line reached end-of-life on 2026-06-01 and gets no security fixes; ' +
      'it is older than 25.8.2, the latest security release of the 25.x line known on 2026-11-28');
    assert.equal(hit.fix, 'Upgrade Node.js to a supported line: 22.x (22.23.0 or later), 24.x (24.17.0 or later), 26.x (26.3.1 or later).');
    assert.ok(semver.valid(shipped.node.lines.find(line => line.major === 26)?.latestSecurityRelease));
  });
});
