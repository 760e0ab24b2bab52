import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { validateAppConfig } from '../../lib/config/app-schemas';
import { escapeRegExp } from '../../lib/regexp';
import { userSchemaProblems } from '../../lib/config/user-ajv';
import { DUMP_IGNORE_EXTENSION, extendDumpIgnore, rewriteDumps } from '../../lib/dumps';
import { env, SentinelEnvError, valuesReadFromEnvironment } from '../../lib/env';
import type { DumpFact, GitignoreFact, SensitiveRootFact, StaticDirFact } from '../../lib/facts/files';
import { isTrustedGroup, realPathLoose, statProblem } from '../../lib/facts/real-path';
import { clusterRequireFlags } from '../../lib/facts/cluster-options';
import { collectRuntimeFacts, type NodeFlagFact, parseNodeFlags, type RuntimeFacts, splitNodeOptions } from '../../lib/facts/runtime';
import { gitignoreGaps, leakyConfigDumps, sensitiveFilePermissions, staticExposesFiles } from '../../lib/rules/exposure';
import { configFromEnvironment, configSchemaViolation, dangerousNodeFlags, droppedPreflight, pathEscapesRoot, prototypePollution } from '../../lib/rules/injection';
import type { RuleContext } from '../../lib/rules/types';
import { misspelledSentinelConfig, sentinelOptionsOnPluginEntry } from '../../lib/rules/sentinel';
import { collectPlugins } from '../../lib/facts/plugin-list';
import { collectSecretValues } from '../../lib/secrets';
import { fakeFacts } from './fake-facts';
import { tempDir } from '../temp-dir';

const PROD: RuleContext = { developmentEnv: false };
const DEV: RuleContext = { developmentEnv: true };

describe('SEN203 static serving', () => {
  const roots: SensitiveRootFact[] = [
    { label: 'the app root', realPath: '/srv/fake', insideIsExposed: false },
    { label: 'config/', realPath: '/srv/fake/config', insideIsExposed: true },
    { label: 'run/', realPath: '/srv/fake/run', insideIsExposed: true },
    { label: 'node_modules/', realPath: '/srv/fake/node_modules', insideIsExposed: false },
    { label: 'the source of plugin sentinel', realPath: '/srv/fake/node_modules/egg-sentinel', insideIsExposed: false, plugin: true },
    { label: 'the source of plugin local', realPath: '/srv/fake/lib/plugin/local', insideIsExposed: false, plugin: true },
  ];
  const check = (realPath: string, extra: Partial<StaticDirFact> = {}) => staticExposesFiles.check(fakeFacts({
    files: { sensitiveRoots: roots, staticDirs: [{ keyPath: 'static.dir', prefix: '/public/', realPath, envFiles: [], escapingLinks: [], repositoryDirs: [], secretFiles: [], uncheckedArchives: [], partlyReadFiles: [], protectedEntries: [], truncated: false, unsearchedAssets: { count: 0 }, ...extra }] },
  }), PROD);

  it('accepts app/public and a dist folder inside a package', () => {
    assert.deepEqual(check('/srv/fake/app/public'), []);
    assert.deepEqual(check('/srv/fake/node_modules/bootstrap/dist'), []);
  });

  for (const [ dir, text ] of [
    // Plugins inside an exposed root are counted, not listed one per line.
    [ '/srv/fake', /which is the app root; contains config\/ \(config\); contains run\/ \(run\); contains node_modules\/ \(node_modules\); so also the source of 2 plugin\(s\) inside it$/ ],
    [ '/', /contains the app root/ ],
    [ '/srv/fake/run/public', /is inside run\/ \(run\)/ ],
    [ '/srv/fake/config', /is config\// ],
    [ '/srv/fake/node_modules', /is node_modules\/; so also the source of 1 plugin\(s\) inside it$/ ],
    [ '/srv/fake/lib', /contains the source of plugin local \(lib\/plugin\/local\)$/ ],
    [ '/srv/fake/node_modules/egg-sentinel', /is the source of plugin sentinel/ ],
  ] as const) {
    it(`refuses ${dir} (critical, target config.static.dir)`, () => {
      const [ hit ] = check(dir);
      assert.equal(hit.severity, 'critical');
      assert.equal(hit.target, 'config.static.dir');
      assert.match(hit.message, text);
    });
  }

  it('a dir too large to scan whole is reported as not fully checked (medium), besides what was found', () => {
    const hits = check('/srv/fake/app/public', { truncated: true, envFiles: [ '.env' ] });
    assert.deepEqual(hits.map(hit => hit.severity), [ 'critical', 'medium' ]);
    assert.match(hits[1].message, /config\.static\.dir serves app\/public, which holds more than 100000 entries, or 2000 files or 32 MiB of settings, keys or text: egg-sentinel looked no further for files that leak secrets and symlinks out of it/);
    assert.deepEqual(check('/srv/fake/app/public', { truncated: true }).map(hit => hit.severity), [ 'medium' ]);
  });

  it('reports .env files and symlinks out of the dir', () => {
    const [ hit ] = check('/srv/fake/app/public', { envFiles: [ 'sub/.env.local' ], escapingLinks: [{ link: 'etc', target: '/etc' }] });
    assert.match(hit.message, /holds sub\/\.env\.local; holds symlinks out of it: etc -> \/etc/);
  });

  it('an archive it could not look through is its own medium finding, targeted at its path so a waiver covers that download only (black-box round 25)', () => {
    const hits = check('/srv/fake/app/public', { uncheckedArchives: [{ file: 'downloads/app.7z', why: 'a 7-Zip archive, which it does not unpack' }, { file: 'old.tgz', why: 'x' }] });
    assert.deepEqual(hits.map(hit => [ hit.severity, hit.target ]), [[ 'medium', 'app/public/downloads/app.7z' ], [ 'medium', 'app/public/old.tgz' ]]);
    assert.equal(hits[0].message, 'config.static.dir serves app/public/downloads/app.7z, an archive egg-sentinel could not look through (a 7-Zip archive, which it does not unpack): ' +
      'deploy bundles and backups carry env files, keys and the app\'s config');
    // Beside the static dir's own critical finding, which keeps its target.
    const both = check('/srv/fake/app/public', { envFiles: [ '.env' ], uncheckedArchives: [{ file: 'app.rar', why: 'x' }] });
    assert.deepEqual(both.map(hit => [ hit.severity, hit.target ]), [[ 'critical', 'config.static.dir' ], [ 'medium', 'app/public/app.rar' ]]);
  });

  it('reports each file it serves that holds or copies secrets, critical, its path the target so a waiver names one file (black-box round 27, h91 F9)', () => {
    const hits = check('/srv/fake/app/public', { secretFiles: [{ file: 'prod.env', what: 'an env file' }, { file: 'a/robots.txt', what: 'a hard link to config/config.default.js' }] });
    assert.deepEqual(hits.map(hit => [ hit.severity, hit.target, hit.message ]), [
      [ 'critical', 'app/public/prod.env', 'config.static.dir serves app/public/prod.env (an env file)' ],
      [ 'critical', 'app/public/a/robots.txt', 'config.static.dir serves app/public/a/robots.txt (a hard link to config/config.default.js)' ],
    ]);
    // What the dir holds besides keeps its own finding, and its target.
    const both = check('/srv/fake/app/public', { envFiles: [ '.env' ], secretFiles: [{ file: 'prod.env', what: 'an env file' }] });
    assert.deepEqual(both.map(hit => [ hit.severity, hit.target ]), [[ 'critical', 'config.static.dir' ], [ 'critical', 'app/public/prod.env' ]]);
  });

  it('a file not read to its end is its own medium finding, its path the target (black-box round 27, h91 F4)', () => {
    const [ hit, ...more ] = check('/srv/fake/app/public', { partlyReadFiles: [{ file: 'dump/backup.sql', why: 'it reads 8 MiB of a file, and this one is larger (9.1 MiB)' }] });
    assert.deepEqual(more, []);
    assert.deepEqual([ hit.severity, hit.target ], [ 'medium', 'app/public/dump/backup.sql' ]);
    assert.match(hit.message, /^config\.static\.dir serves app\/public\/dump\/backup\.sql, which egg-sentinel did not read to its end \(it reads 8 MiB of a file, and this one is larger \(9\.1 MiB\)\)/);
  });
});

describe('SEN204 config dumps', () => {
  const dump = (extra: Partial<DumpFact>): DumpFact => ({ path: 'run/application_config.json', process: 'application', mode: 0o600, unmaskedKeyPaths: [], ...extra });
  const check = (dumps: DumpFact[], config: Record<string, unknown> = {}) => leakyConfigDumps.check(fakeFacts({ config, files: { dumps } }), PROD);

  it('a rewritten dump (0600, masked) is fine', () => {
    assert.deepEqual(check([ dump({ rewrite: { file: '/srv/fake/run/application_config.json' } }) ]), []);
  });

  it('says what is wrong and why egg-sentinel could not fix it', () => {
    const [ hit ] = check([ dump({ mode: 0o644, unmaskedKeyPaths: [ 'config.a.token', 'config.b.url' ], rewrite: { file: 'x', error: 'EACCES: permission denied' } }) ]);
    assert.equal(hit.severity, 'high');
    assert.equal(hit.target, 'run/application_config.json');
    assert.match(hit.message, /is readable by group and others \(mode 0644\) and holds secret-looking values .* at config\.a\.token, config\.b\.url; egg-sentinel could not rewrite it: EACCES/);
    const [ off ] = check([ dump({ mode: 0o604 }) ], { sentinel: { dumps: { rewrite: false } } });
    assert.match(off.message, /readable by others \(mode 0604\); egg-sentinel does not rewrite dumps \(config\.sentinel\.dumps\.rewrite is false\)/);
  });

  it('a dump it cannot parse is reported, not passed', () => {
    const [ hit ] = check([ dump({ readError: 'Unexpected end of JSON input' }) ]);
    assert.match(hit.message, /could not be checked for secrets \(Unexpected end of JSON input\); egg-sentinel did not rewrite it in this process/);
  });

  it('lists at most five key paths', () => {
    const [ hit ] = check([ dump({ unmaskedKeyPaths: [ 'a', 'b', 'c', 'd', 'e', 'f', 'g' ] }) ]);
    assert.match(hit.message, /at a, b, c, d, e, and 2 more/);
  });
});

describe('SEN004 egg-sentinel\'s options under a misspelled key (black-box round 40, h1 F3)', () => {
  it('names config.sentinal, Sentinel and sentinels, medium (low on a developer machine); not sentinel itself nor unrelated keys', () => {
    const facts = fakeFacts({
      config: { sentinel: {}, sentinal: { routes: {} }, Sentinel: { failOn: 'high' }, sentinels: { waivers: [] }, sentry: { dsn: '' }, sentinelPort: 7001, security: {},
        // A Redis Sentinel list and a second one's options on purpose (review of round 40).
        sentinals: [ 'redis-a:26379' ], sentinel2: { failOn: 'low' } },
      meta: { 'sentinal.routes': 'config/config.default.js' },
    });
    const hits = misspelledSentinelConfig.check(facts, PROD);
    assert.deepEqual(hits.map(hit => [ hit.target, hit.severity ]), [[ 'config.sentinal', 'medium' ], [ 'config.Sentinel', 'medium' ], [ 'config.sentinels', 'medium' ]]);
    assert.equal(hits[0].source, 'config/config.default.js');
    assert.match(hits[0].message, /^config\.sentinal looks like egg-sentinel's options under a misspelled key: egg-sentinel reads only config\.sentinel/);
    assert.ok(misspelledSentinelConfig.check(facts, DEV).every(hit => hit.severity === 'low'));
  });
});

describe('SEN005 egg-sentinel\'s options on its plugin entry (black-box round 43, r43h7 F1)', () => {
  it('collectPlugins lists the keys of an entry egg\'s loader never reads, by the file whose entry set them; egg\'s own keys are not listed', () => {
    const own = { enable: true, env: [], dependencies: [], optionalDependencies: [] };
    const appEntry = { ...own, name: 'sentinel', package: 'egg-sentinel', failOn: 'medium', routes: {}, from: '/srv/app/config/plugin.js' };
    const startEntry = { ...own, name: 'sentinel', ipc: {} };
    // What egg-core merged (egg's own keys, those it writes too: version, implicitEnable, dependents, the legacy dep).
    const merged = { ...appEntry, ...startEntry, from: '/srv/app/config/plugin.js', path: '/srv/app/node_modules/egg-sentinel', version: '1.0.0', dependents: [], dep: [] };
    const security = { ...own, name: 'security', package: 'egg-security', path: '/srv/app/node_modules/egg-security', from: '/srv/app/node_modules/egg/config/plugin.js', implicitEnable: true };
    const loader = { allPlugins: { sentinel: merged, security }, appPlugins: { sentinel: appEntry }, customPlugins: { sentinel: startEntry } };
    const plugins = collectPlugins({ plugins: { sentinel: merged, security }, loader: loader as unknown as Parameters<typeof collectPlugins>[0]['loader'] },
      file => path.relative('/srv/app', file));
    assert.deepEqual(plugins.map(plugin => [ plugin.name, plugin.unreadKeys ]), [
      [ 'sentinel', [{ keys: [ 'failOn', 'routes' ], file: 'config/plugin.js' }, { keys: [ 'ipc' ], file: '<EGG_PLUGINS or options.plugins>' }] ],
      [ 'security', undefined ],
    ]);
  });

  it('names each file\'s keys on egg-sentinel\'s entry (by its name or its package), medium (low on a developer machine), and failOn as not applied either', () => {
    const facts = fakeFacts({
      env: { serverEnv: 'prod' },
      pluginTrust: { unreadPluginKeys: [
        { plugin: 'sentinel', package: 'egg-sentinel', keys: [ 'failOn', 'routes' ], file: 'config/plugin.ts' },
        { plugin: 'guard', package: 'egg-sentinel', keys: [ 'waivers' ], file: 'config/plugin.prod.js' },
        // Another plugin's extra keys are not egg-sentinel's policy.
        { plugin: 'redis', package: 'egg-redis', keys: [ 'client' ], file: 'config/plugin.js' },
      ] },
    });
    const hits = sentinelOptionsOnPluginEntry.check(facts, PROD);
    assert.deepEqual(hits.map(hit => [ hit.severity, hit.target, hit.source ]), [[ 'medium', 'plugin:sentinel', 'config/plugin.ts' ], [ 'medium', 'plugin:guard', 'config/plugin.prod.js' ]]);
    assert.match(hits[0].message, /^the plugin entry "sentinel" in config\/plugin\.ts sets failOn, routes, which egg-sentinel never reads \(it reads only config\.sentinel\): what they say is not applied, failOn included/);
    assert.equal(hits[1].message, 'the plugin entry "guard" in config/plugin.prod.js sets waivers, which egg-sentinel never reads (it reads only config.sentinel): what it says is not applied');
    assert.match(hits[0].fix ?? '', /to `config\.sentinel` in config\/config\.default\.ts \(or the env's config file, config\/config\.prod\.ts\)/);
    assert.ok(sentinelOptionsOnPluginEntry.check(facts, DEV).every(hit => hit.severity === 'low'));
    assert.deepEqual(sentinelOptionsOnPluginEntry.check(fakeFacts(), PROD), []);
  });
});

describe('SEN205 file permissions', () => {
  it('write bits for group/others on config, .env, dumps; read for others only where secrets are', () => {
    const facts = fakeFacts({
      config: { db: { password: 'Tq8vN2kL5mW9xR' } },
      meta: { 'db.password': 'config/config.prod.ts' },
      files: {
        modes: [
          { path: 'config', kind: 'config-dir', mode: 0o775 },
          { path: 'config/config.default.ts', kind: 'config', mode: 0o644 },
          { path: 'config/config.prod.ts', kind: 'config', mode: 0o644 },
          { path: '.env', kind: 'env-file', mode: 0o640 },
          { path: '.env.local', kind: 'env-file', mode: 0o604 },
        ],
        dumps: [{ path: 'run/agent_config.json', process: 'agent', mode: 0o662, unmaskedKeyPaths: [] }],
      },
    });
    const hits = sensitiveFilePermissions.check(facts, PROD);
    assert.deepEqual(hits.map(hit => hit.message), [
      'config is writable by group (mode 0775)',
      'config/config.prod.ts is readable by others while it holds secrets (mode 0644)',
      '.env.local is readable by others while it holds secrets (mode 0604)',
      'run/agent_config.json is writable by group and others (mode 0662)',
    ]);
    assert.deepEqual(hits.map(hit => hit.fix?.split(' where')[0]), [
      '`chmod go-w config`', '`chmod o-r config/config.prod.ts`', '`chmod o-r .env.local`', '`chmod go-w run/agent_config.json`',
    ], 'each fix names its file and the bits to remove');
    // config/ another user can write is code egg runs before any check (black-box round 40, h3 F5): high; the rest medium.
    assert.deepEqual(hits.map(hit => hit.severity), [ 'high', 'medium', 'medium', 'medium' ]);
    assert.ok(sensitiveFilePermissions.check(facts, DEV).every(hit => hit.severity === 'low'), 'low on a developer machine');
  });

  it('config files, config/env and the app\'s .npmrc that another user can write or owns are high: egg runs them, npm reads .npmrc, before any check (black-box round 40, h3 F5)', () => {
    const facts = fakeFacts({ files: { modes: [
      { path: 'config/config.default.js', kind: 'config', mode: 0o666 },
      { path: 'config/env', kind: 'config', mode: 0o646 },
      { path: 'config/plugin.js', kind: 'config', mode: 0o644, foreignOwner: 1001 },
      { path: '.npmrc', kind: 'config', mode: 0o666 },
      { path: '.env', kind: 'env-file', mode: 0o622 },
      { path: 'config/config.prod.js', kind: 'config', mode: 0o644 },
    ] } });
    assert.deepEqual(sensitiveFilePermissions.check(facts, PROD).map(hit => [ hit.target, hit.severity ]),
      [[ 'config/config.default.js', 'high' ], [ 'config/env', 'high' ], [ 'config/plugin.js', 'high' ], [ '.npmrc', 'high' ], [ '.env', 'medium' ]]);
    // The owner's fix names config/ for config's files only.
    const owned = sensitiveFilePermissions.check(fakeFacts({ files: { modes: [ { path: '.npmrc', kind: 'config', mode: 0o644, foreignOwner: 1001 },
      { path: 'config/plugin.js', kind: 'config', mode: 0o644, foreignOwner: 1001 } ] } }), PROD);
    assert.deepEqual(owned.map(hit => (hit.fix ?? '').includes('let no other user write it or config/')), [ false, true ]);
  });

  it('group write by this process\'s own group (a umask 002 install) is this user\'s, as SEN110 judges it (black-box round 22 re-test)', () => {
    const modes = (processGroup: boolean) => fakeFacts({ files: { modes: [
      { path: 'config', kind: 'config-dir', mode: 0o775, ...(processGroup && { processGroup: true as const }) },
      { path: 'config/config.default.ts', kind: 'config', mode: 0o666, ...(processGroup && { processGroup: true as const }) },
    ] } });
    assert.deepEqual(sensitiveFilePermissions.check(modes(true), PROD).map(hit => hit.message), [ 'config/config.default.ts is writable by others (mode 0666)' ]);
    assert.equal(sensitiveFilePermissions.check(modes(false), PROD).length, 2);
  });
});

describe('a group whose users are all trusted (a deploy user\'s private group, umask 002; black-box round 40, h5 F6)', () => {
  // The group and user `daemon` (gid 1, uid 1) of Debian-based systems: group 1's only user is daemon.
  const daemonGroup = () => process.platform === 'linux' && /^daemon:[^:]*:1:/m.test(fs.readFileSync('/etc/group', 'utf8')) &&
    /^daemon:[^:]*:1:1:/m.test(fs.readFileSync('/etc/passwd', 'utf8'));

  it('is trusted when the app root\'s owner is its only user; its group write bit is then no other user\'s', function() {
    if (!daemonGroup()) this.skip();
    assert.equal(isTrustedGroup(1, 1), true, 'daemon deployed the app');
    assert.equal(isTrustedGroup(1, undefined), process.getuid?.() === 1, 'daemon is no user this process trusts');
    const stat = { uid: process.getuid?.() ?? 0, gid: 1, mode: 0o40775 } as fs.Stats;
    assert.equal(statProblem(stat, 1), undefined);
    if (process.getgid?.() !== 1 && process.getuid?.() !== 1) assert.match(statProblem(stat, undefined)?.why ?? '', /writable by group 1 \(mode 0775\)/);
  });
});

describe('SEN206 .gitignore', () => {
  it('reports what is not ignored in a checkout, nothing when skipped', () => {
    const check = (gitignore: GitignoreFact) => gitignoreGaps.check(fakeFacts({ files: { gitignore } }), PROD);
    const [ hit ] = check({ state: 'checked', repoRoot: '/srv', uncovered: [ '.env*' ] });
    assert.equal(hit.severity, 'low');
    assert.equal(hit.message, '.gitignore does not cover .env*');
    assert.deepEqual(check({ state: 'checked', repoRoot: '/srv', uncovered: [] }), []);
    assert.deepEqual(check({ state: 'skipped', reason: 'not a checkout' }), []);
  });

  it('config.local.* only once it holds a secret written in it (egg\'s TypeScript boilerplate commits it)', () => {
    const gitignore: GitignoreFact = { state: 'checked', repoRoot: '/srv', uncovered: [ 'run/', 'config/config.local.*' ] };
    assert.equal(gitignoreGaps.check(fakeFacts({ files: { gitignore } }), PROD)[0].message, '.gitignore does not cover run/');
    const facts = fakeFacts({
      config: { db: { password: 'Tq8vN2kL5mW9xR' } },
      meta: { 'db.password': 'config/config.local.ts' },
      files: { gitignore, configTexts: { 'config/config.local.ts': "password: 'Tq8vN2kL5mW9xR'" } },
    });
    assert.equal(gitignoreGaps.check(facts, PROD)[0].message, '.gitignore does not cover run/, config/config.local.* (config.local holds a secret written in it)');
  });
});

describe('SEN302 prototype pollution', () => {
  it('finds __proto__, constructor and prototype keys at any depth, once per payload', () => {
    const config = JSON.parse('{"a":{"__proto__":{"x":1}},"list":[{"constructor":{"prototype":{"y":2}}}],"ok":{"protos":1}}');
    const hits = prototypePollution.check(fakeFacts({ config, meta: { 'a.__proto__.x': 'config/config.default.js' } }), PROD);
    assert.deepEqual(hits.map(hit => [ hit.target, hit.source ]), [
      [ 'config.a.__proto__', 'config/config.default.js' ],
      [ 'config.list[0].constructor', undefined ],
    ]);
    assert.ok(hits.every(hit => hit.severity === 'critical'));
  });

  it('reports polluted prototypes and a poisoned EGG_APP_CONFIG', () => {
    const hits = prototypePollution.check(fakeFacts({ runtime: { pollutedPrototypes: [{ name: 'Array.prototype', keys: [ 'shell' ], getters: [], methods: [] }], envConfigPoisoned: true } }), PROD);
    assert.deepEqual(hits.map(hit => hit.target), [ 'Array.prototype', 'EGG_APP_CONFIG' ]);
    assert.match(hits[0].message, /Array\.prototype has properties code added at boot: "shell"/);
  });
});

describe('SEN303 EGG_APP_CONFIG', () => {
  const check = (keyPaths: string[], context = PROD) => configFromEnvironment.check(fakeFacts({
    env: { eggAppConfigSet: true }, runtime: { envConfigKeyPaths: keyPaths },
  }), context);
  /** The key paths of the high findings, one per security-relevant key, by their targets. */
  const high = (keyPaths: string[]) => check(keyPaths).filter(hit => hit.severity === 'high').map(hit => hit.target.replace(/^EGG_APP_CONFIG /, ''));

  it('a medium finding listing the keys, a high one per security-relevant key, nothing on a developer machine', () => {
    assert.deepEqual(check([ 'featureFlags.beta' ]).map(hit => hit.severity), [ 'medium' ]);
    const [ summary, ...keys ] = check([ 'customLoader.model.directory', 'featureFlags.beta', 'logger.dir', 'logger.level' ]);
    assert.equal(summary.severity, 'medium');
    assert.equal(summary.target, 'EGG_APP_CONFIG');
    assert.match(summary.message, /security-relevant: customLoader\.model\.directory, logger\.dir$/);
    assert.deepEqual(keys.map(hit => [ hit.severity, hit.target ]), [[ 'high', 'EGG_APP_CONFIG customLoader.model.directory' ], [ 'high', 'EGG_APP_CONFIG logger.dir' ]]);
    assert.match(keys[1].message, /^EGG_APP_CONFIG sets config\.logger\.dir, a security-relevant key, .*waive SEN303 for target "EGG_APP_CONFIG logger\.dir"/);
    // egg-logrotator's file lists rename and delete files; how long it keeps logs does not (black-box round 21).
    assert.deepEqual(high([ 'logrotator.maxDays', 'logrotator.maxFiles' ]), []);
    assert.deepEqual(high([ 'logrotator.filesRotateByHour' ]), [ 'logrotator.filesRotateByHour' ]);
    // Of egg-i18n, egg-schedule, egg-watcher, egg-jsonp and egg-onerror, only what loads code or decides access (black-box round 22).
    assert.deepEqual(high([ 'i18n.defaultLocale', 'schedule.cluster.enable', 'watcher.type', 'jsonp.limit', 'onerror.appErrorFilter' ]), []);
    assert.deepEqual(high([ 'i18n.dirs', 'schedule.directory', 'watcher.eventSources.ops', 'jsonp.whiteList', 'onerror.errorPageUrl' ]),
      [ 'i18n.dirs', 'schedule.directory', 'watcher.eventSources.ops', 'jsonp.whiteList', 'onerror.errorPageUrl' ]);
    // What shtml() keeps and whether nunjucks escapes (black-box round 24); not onTagAttr, which egg-security itself writes at its first call.
    assert.deepEqual(high([ 'helper.shtml.whiteList.script', 'helper.shtml.onIgnoreTag', 'nunjucks.autoescape' ]),
      [ 'helper.shtml.whiteList.script', 'helper.shtml.onIgnoreTag', 'nunjucks.autoescape' ]);
    assert.deepEqual(high([ 'helper.shtml.onTagAttr', 'nunjucks.cache' ]), []);
    assert.match(check([])[0].message, /is set but overrides no key \(egg ignores JSON it cannot parse\)/);
    // JSON egg parsed, whose __proto__ key its merge dropped (black-box round 23): not called unparsable.
    const poisoned = configFromEnvironment.check(fakeFacts({ env: { eggAppConfigSet: true }, runtime: { envConfigKeyPaths: [], envConfigPoisoned: true } }), PROD);
    assert.match(poisoned[0].message, /is set but overrides no key \(egg drops the __proto__\/constructor keys it holds: SEN302\)$/);
    assert.deepEqual(check([ 'security.csrf.enable' ], DEV), []);
    assert.deepEqual(configFromEnvironment.check(fakeFacts(), PROD), []);
  });

  it('high for baseDir, egg-orm\'s and Sequelize\'s config (model dirs, driver, datasources) and view.root (black-box round 25, h75 F6, F12)', () => {
    assert.deepEqual(high([ 'baseDir', 'sequelize.dialectModulePath', 'orm.baseDir', 'view.root', 'sequelize.datasources' ]),
      [ 'baseDir', 'sequelize.dialectModulePath', 'orm.baseDir', 'view.root', 'sequelize.datasources' ]);
    assert.deepEqual(high([ 'name', 'view.defaultExtension', 'view.cache' ]), []);
  });

  it('high for who may read or call the app, what renders as code, and where data and credentials go (black-box round 33, h109 F1)', () => {
    const relevant = [ 'cors.origin', 'cors.credentials', 'jwt.secret', 'jwt.algorithms', 'passport.init', 'passportGithub.secret', 'passportLocal.usernameField',
      'cookies.sameSite', 'cookies.secure', 'view.mapping..html', 'view.defaultViewEngine', 'handlebars.noEscape', 'mysql.client.host', 'mysql.clients.db1.password',
      'redis.client.host', 'sequelize.host', 'mongoose.client.url', 'mongo.client.host', 'elasticsearch.client.node', 'orm.database', 'typeorm.client.host',
      'knex.client.connection.host', 'oss.client.endpoint' ];
    assert.deepEqual(high(relevant), relevant);
    // Operational settings, and names that only begin like a listed key, stay medium.
    assert.deepEqual(high([ 'logger.level', 'logger.consoleLevel', 'logrotator.maxDays', 'corsProxy.url', 'jwtLike', 'cookieNames', 'mysqlish.host', 'featureFlags.beta' ]), []);
  });
});

describe('SEN304 config schemas', () => {
  it('egg\'s values pass; wrong types and values fail with key path, value and schema path', () => {
    const messages = validateAppConfig({
      keys: 'a,b',
      security: { csrf: { enable: 'false', type: 'none' }, xframe: { value: 'SAMEORIGIN' }, hsts: { maxAge: -1 } },
      static: { prefix: '/public/', dirs: [ '/srv/a', { prefix: '/b' } ] },
      multipart: { fileSize: '10 megabytes', fileExtensions: [ 'png' ], whitelist: () => true },
      cluster: { listen: { port: 70000 } },
      bodyParser: { jsonLimit: '1mb', enableTypes: [ 'json', 'yaml' ] },
    }).map(violation => violation.message);
    assert.deepEqual(messages, [
      'config.bodyParser.enableTypes[1]: "yaml" is not one of "json", "form", "text", "xml" (egg-sentinel\'s schema, #/properties/enableTypes/items/enum)',
      'config.cluster.listen.port: 70000 must be <= 65535 (egg-sentinel\'s schema, #/properties/listen/properties/port/maximum)',
      'config.multipart.fileSize: "10 megabytes" must match pattern "^\\d+(\\.\\d+)?\\s*([kKmMgGtTpP]?[bB])?$" (egg-sentinel\'s schema, #/$defs/bytes/pattern)',
      'config.multipart.fileExtensions[0]: "png" must match pattern "^\\.[\\w.+-]*$" (egg-sentinel\'s schema, #/$defs/extension/pattern)',
      'config.security.csrf.enable: "false" must be boolean (egg-sentinel\'s schema, #/properties/csrf/properties/enable/type)',
      'config.security.csrf.type: "none" is not one of "ctoken", "referer", "all", "any" (egg-sentinel\'s schema, #/properties/csrf/properties/type/enum)',
      'config.security.hsts.maxAge: -1 must be >= 0 (egg-sentinel\'s schema, #/properties/hsts/properties/maxAge/minimum)',
      'config.static.dirs[1]: an object matches none of the allowed forms (must be string; must have required property \'dir\') (egg-sentinel\'s schema, #/$defs/dirEntry/anyOf)',
    ]);
  });

  it('security: a protection set to false passes, as egg-security takes it for off; true and other values fail naming the two forms (black-box round 43, r43h6 F4)', () => {
    for (const key of [ 'csrf', 'xframe', 'hsts', 'dta', 'methodnoallow', 'noopen', 'nosniff', 'xssProtection', 'csp', 'referrerPolicy' ]) {
      assert.deepEqual(validateAppConfig({ security: { [key]: false } }), [], key);
      assert.equal(validateAppConfig({ security: { [key]: { enable: false } } }).length, 0, key);
    }
    assert.deepEqual(validateAppConfig({ security: { xframe: true, nosniff: 'off' } }).map(violation => violation.message), [
      'config.security.xframe: true is not allowed: egg-security takes an object here, or false to turn it off (egg-sentinel\'s schema, #/properties/xframe/not)',
      'config.security.nosniff: "off" is not allowed: egg-security takes an object here, or false to turn it off (egg-sentinel\'s schema, #/$defs/switch/type)',
    ]);
  });

  it('size limits pass in any letter case, as the `bytes` parser egg runs them through reads units case-insensitively', () => {
    type Bytes = { parse(value: unknown): number | null };
    // The `bytes` each plugin really loads: bodyParser through koa-bodyparser → co-body → raw-body, egg-multipart through humanize-bytes.
    const through = (chain: string[]): Bytes => chain.reduce((from, name) => createRequire(from.resolve(`${name}/package.json`)), createRequire(__filename))('bytes') as Bytes;
    const parsers = [ through([ 'egg', 'koa-bodyparser', 'co-body', 'raw-body' ]), through([ 'egg-multipart', 'humanize-bytes' ]) ];
    for (const [ size, expected ] of [[ '50MB', 50 * 1024 ** 2 ], [ '10Mb', 10 * 1024 ** 2 ], [ '2 GB', 2 * 1024 ** 3 ], [ '512kb', 512 * 1024 ], [ '1.5MB', 1.5 * 1024 ** 2 ], [ 1024, 1024 ]] as const) {
      for (const bytes of parsers) assert.equal(bytes.parse(size), expected, `bytes.parse(${JSON.stringify(size)})`);
      assert.deepEqual(validateAppConfig({ bodyParser: { jsonLimit: size, formLimit: size }, multipart: { fileSize: size } }), [], String(size));
    }
    for (const size of [ '10 megabytes', '1m', '5MiB', '-1mb' ]) {
      assert.equal(validateAppConfig({ bodyParser: { jsonLimit: size }, multipart: { fileSize: size } }).length, 2, size);
    }
  });

  it('security.xframe.value: any case of DENY, SAMEORIGIN and ALLOW-FROM passes the schema, as browsers read it; other values fail (black-box round 23)', () => {
    for (const value of [ 'DENY', 'deny', 'SameOrigin', 'sameorigin', 'ALLOW-FROM https://partner.example', 'allow-from https://partner.example' ]) {
      assert.deepEqual(validateAppConfig({ security: { xframe: { value } } }), [], value);
    }
    for (const value of [ 'ALLOWALL', 'deny-all', '' ]) assert.equal(validateAppConfig({ security: { xframe: { value } } }).length, 1, value);
  });

  it('security.xssProtection.value and hsts.maxAge: the numbers and digit strings egg-security sends as the same header pass; values that send a wrong header fail (black-box round 36, h112 F1)', () => {
    for (const value of [ 0, 1, '0', '1', '1; mode=block' ]) assert.deepEqual(validateAppConfig({ security: { xssProtection: { value } } }), [], String(value));
    for (const value of [ 2, '2', true, 'off' ]) assert.equal(validateAppConfig({ security: { xssProtection: { value } } }).length, 1, String(value));
    for (const maxAge of [ 0, 31536000, '31536000', '0' ]) assert.deepEqual(validateAppConfig({ security: { hsts: { maxAge } } }), [], String(maxAge));
    for (const maxAge of [ 'abc', -1, '-1', 1.5, '1.5', '31536000 ', '', '1e9' ]) assert.equal(validateAppConfig({ security: { hsts: { maxAge } } }).length, 1, JSON.stringify(maxAge));
    assert.deepEqual(validateAppConfig({ security: { hsts: { maxAge: 'abc' } } }).map(violation => violation.message),
      [ 'config.security.hsts.maxAge: "abc" must match pattern "^[0-9]+$" (egg-sentinel\'s schema, #/properties/hsts/properties/maxAge/pattern)' ]);
  });

  it('user schemas: a missing key, a secret value masked by its name or its shape', () => {
    const violations = validateAppConfig(
      { payment: { apiKey: 'short-S3cr3t' }, upstream: { url: 'https://svc:Pw0rd1234@api.internal' } },
      { 'payment.apiKey': { type: 'string', minLength: 40 }, 'upstream.url': { type: 'string', maxLength: 10 }, 'mysql.client': { type: 'object' } },
    );
    assert.deepEqual(violations.map(v => v.message), [
      'config.payment.apiKey: [REDACTED] must NOT have fewer than 40 characters (config.sentinel.schemas, #/minLength)',
      'config.upstream.url: [REDACTED] must NOT have more than 10 characters (config.sentinel.schemas, #/maxLength)',
      'config.mysql.client is not set, but config.sentinel.schemas has a schema for it',
    ]);
    const extra = validateAppConfig({ redis: { host: 'h', hots: 'typo' } }, { redis: { type: 'object', additionalProperties: false, properties: { host: { type: 'string' } } } });
    assert.deepEqual(extra.map(v => v.message), [ 'config.redis: an object has the key "hots", which the schema does not allow (config.sentinel.schemas, #/additionalProperties)' ]);
    const [ hit ] = configSchemaViolation.check(fakeFacts({ config: { sentinel: { schemas: { name: { type: 'number' } } }, name: 'x' }, meta: { name: 'config/config.default.ts' } }), PROD);
    assert.deepEqual([ hit.target, hit.source, hit.severity ], [ 'config.name', 'config/config.default.ts', 'high' ]);
  });

  it('problems in config.sentinel.schemas itself', () => {
    const problems = userSchemaProblems({ 'a..b': {}, ok: { type: 'string' }, bad: { type: 'strnig' }, fmt: { type: 'string', format: 'uri' }, str: 'string' });
    assert.equal(problems.length, 4);
    assert.equal(problems[0], 'config.sentinel.schemas["a..b"]: the key must be a dotted config key path such as "mysql.client"');
    assert.match(problems[1], /^config\.sentinel\.schemas\["bad"\]: not a valid JSON schema for ajv \(schema is invalid: data\/type must be equal to one of the allowed values/);
    assert.match(problems[2], /^config\.sentinel\.schemas\["fmt"\]: not a valid JSON schema for ajv \(unknown format "uri".*\); string formats are not available, use a pattern$/);
    assert.match(problems[3], /^config\.sentinel\.schemas\["str"\]: must be a JSON schema/);
  });
});

describe('SEN305 path-valued config', () => {
  const check = (entries: Array<{ setBy: 'app' | 'environment' | 'framework'; realPath: string; keyPath?: string }>, allowedRoots = [ '/srv/fake' ]) =>
    pathEscapesRoot.check(fakeFacts({
      files: { allowedRoots, configPaths: entries.map(entry => ({ keyPath: 'view.root', value: entry.realPath, source: 'config/config.prod.ts', ...entry })) },
    }), PROD);

  it('reports app and environment values outside the allowed roots, not framework defaults', () => {
    assert.deepEqual(check([{ setBy: 'framework', realPath: '/home/app/views' }]), []);
    assert.deepEqual(check([{ setBy: 'app', realPath: '/srv/fake/views' }]), []);
    assert.deepEqual(check([{ setBy: 'app', realPath: '/opt/views' }], [ '/srv/fake', '/opt' ]), []);
    const [ app ] = check([{ setBy: 'app', realPath: '/opt/views' }]);
    assert.deepEqual([ app.severity, app.target, app.source ], [ 'medium', 'config.view.root', 'config/config.prod.ts' ]);
    assert.match(app.message, /config\.view\.root "\/opt\/views" resolves to \/opt\/views, outside the app root/);
    assert.equal(check([{ setBy: 'environment', realPath: '/tmp/x' }])[0].source, 'EGG_APP_CONFIG');
  });

  it('directories egg only writes to, set by the app\'s config files, are the app\'s choice; set by EGG_APP_CONFIG they are reported', () => {
    for (const keyPath of [ 'logger.dir', 'rundir', 'multipart.tmpdir' ]) {
      assert.deepEqual(check([{ setBy: 'app', realPath: '/var/log/app', keyPath }]), [], keyPath);
      assert.equal(check([{ setBy: 'environment', realPath: '/var/log/app', keyPath }]).length, 1, keyPath);
    }
  });

  it('real paths resolve symlinks, even below a directory that does not exist yet', () => {
    const dir = tempDir('real');
    try {
      fs.symlinkSync('/', path.join(dir, 'root-link'));
      assert.equal(realPathLoose(path.join(dir, 'root-link/not/yet')), '/not/yet');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SEN306 node flags', () => {
  const check = (nodeOptions: string, context = PROD, modulePaths: Record<string, string> = {}) => {
    const nodeFlags = parseNodeFlags(splitNodeOptions(nodeOptions), 'NODE_OPTIONS')
      .map(flag => (flag.value && modulePaths[flag.value] ? { ...flag, modulePath: modulePaths[flag.value] } : flag));
    return dangerousNodeFlags.check(fakeFacts({ runtime: { nodeFlags } }), context);
  };

  it('splits NODE_OPTIONS as node does and reads --flag value and --flag=value', () => {
    assert.deepEqual(splitNodeOptions('--require "./my hook.js"  --max-old-space-size=4096 "a\\"b"'), [ '--require', './my hook.js', '--max-old-space-size=4096', 'a"b' ]);
    assert.deepEqual(parseNodeFlags([ '-r', 'x', '--import=y', '--inspect', 'script.js' ], 'execArgv').map(f => [ f.name, f.value ]), [
      [ '-r', 'x' ], [ '--import', 'y' ], [ '--inspect', undefined ],
    ]);
  });

  it('a debugger is critical in prod and high on a developer machine', () => {
    // node reads `_` in a long option's name as `-`.
    for (const flag of [ '--inspect', '--inspect=0.0.0.0:9229', '--inspect-brk', '--inspect-wait', '--inspect_brk=127.0.0.1:9339', '--inspect_wait', '--inspect-brk-node=0' ]) {
      assert.equal(check(flag)[0]?.severity, 'critical', flag);
    }
    assert.deepEqual(parseNodeFlags([ '--experimental_loader', 'x', '--max_old_space_size=4096' ], 'execArgv').map(f => [ f.name, f.value ]), [
      [ '--experimental-loader', 'x' ], [ '--max-old-space-size', '4096' ],
    ]);
    assert.equal(check('--inspect', DEV)[0].severity, 'high');
    assert.deepEqual(check('--inspect-port=9230 --max-old-space-size=4096 --disable-proto=delete'), []);
  });

  it('--inspect-port (--debug-port) on a host other than loopback is high: SIGUSR1 opens the debugger there (black-box round 23)', () => {
    for (const flag of [ '--inspect-port=0.0.0.0:18390', '--inspect-port 0.0.0.0:18390', '--debug-port=10.0.0.5:9229', '--inspect_port=[::]:9229', '--inspect-port=my-host:9229' ]) {
      const hits = check(flag);
      assert.deepEqual(hits.map(hit => [ hit.severity, hit.target ]), [[ 'high', `NODE_OPTIONS ${flag.startsWith('--debug') ? '--debug-port' : '--inspect-port'}` ]], flag);
      assert.match(hits[0].message, /one SIGUSR1 to a process \(node opens its debugger on that signal\) makes it listen on .+, not the loopback interface/, flag);
    }
    for (const flag of [ '--inspect-port=9230', '--inspect-port=127.0.0.1:9230', '--inspect-port=localhost:9230', '--inspect-port=[::1]:9230', '--inspect-port=0' ]) {
      assert.deepEqual(check(flag), [], flag);
    }
  });

  it('egg-cluster\'s `require` start option: high outside the app or unresolved, nothing inside it or for a file a preload flag reports (black-box round 25, h75 F13)', () => {
    const entry = (value: string, modulePath?: string) => ({ source: 'start options' as const, name: 'require', value, modulePath });
    const flagged = (...nodeFlags: NodeFlagFact[]) => dangerousNodeFlags.check(fakeFacts({ runtime: { nodeFlags, appModuleRoots: [ '/srv/fake', '/srv/fake/node_modules' ] } }), PROD);
    const [ outside ] = flagged(entry('/tmp/evil.js', '/tmp/evil.js'));
    assert.deepEqual([ outside.severity, outside.target, outside.source ], [ 'high', 'start options require /tmp/evil.js', 'start options' ]);
    assert.match(outside.message, /egg-cluster's `require` start option names "\/tmp\/evil\.js": the agent and every app worker require \/tmp\/evil\.js, outside the app and the node_modules it resolves from, before egg loads the app/);
    assert.match(flagged(entry('./x.js'))[0].message, /require a module that does not resolve as egg-cluster requires it/);
    assert.deepEqual(flagged(entry('apm-agent', '/srv/fake/node_modules/apm-agent/index.js'), entry('/srv/fake/lib/hook.js', '/srv/fake/lib/hook.js')), []);
    assert.deepEqual(flagged({ source: 'NODE_OPTIONS', name: '--require', value: '/tmp/evil.js', modulePath: '/tmp/evil.js' }, entry('/tmp/evil.js', '/tmp/evil.js'))
      .map(hit => hit.target), [ 'NODE_OPTIONS --require /tmp/evil.js' ]);
    // Read from an agent or app worker's options argument, resolved as egg-cluster does.
    const dir = tempDir('cluster-flags');
    try {
      fs.writeFileSync(path.join(dir, 'x.js'), '\n');
      const real = fs.realpathSync(path.join(dir, 'x.js'));
      const argv = (script: string) => [ 'node', script, JSON.stringify({ baseDir: dir, require: [ path.join(dir, 'x.js') ] }) ];
      assert.deepEqual(clusterRequireFlags(argv('/srv/node_modules/egg-cluster/lib/app_worker.js'), dir), [ entry(path.join(dir, 'x.js'), real) ]);
      assert.deepEqual(clusterRequireFlags(argv('/srv/start-cluster.js'), dir), [], 'not an egg worker: the master requires none of them');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tsconfig paths targets: high outside the app or in a directory it writes at run time, nothing inside it or its node_modules (black-box round 27, h91 F5)', () => {
    const target = (key: string, pattern: string, modulePath: string) => ({ file: 'tsconfig.json', key, pattern, target: `${modulePath}/*`, modulePath, registeredBy: 'EGG_TYPESCRIPT=true' });
    const hits = dangerousNodeFlags.check(fakeFacts({ runtime: { appModuleRoots: [ '/srv/fake', '/srv/fake/node_modules' ], tsconfigPaths: [
      target('compilerOptions.paths["@/*"][0]', '@/*', '/srv/fake/app'), target('compilerOptions.paths["*"][0]', '*', '/srv/fake/node_modules'),
      target('compilerOptions.paths["*"][1]', '*', '/srv/shared-typings'), target('compilerOptions.paths["up/*"][0]', 'up/*', '/srv/fake/run/uploads'),
    ] } }), PROD);
    assert.deepEqual(hits.map(hit => [ hit.severity, hit.target, hit.source ]), [
      [ 'high', 'tsconfig.json compilerOptions.paths["*"][1]', 'tsconfig.json' ], [ 'high', 'tsconfig.json compilerOptions.paths["up/*"][0]', 'tsconfig.json' ] ]);
    assert.match(hits[0].message, /maps every bare require\(\) to "\/srv\/shared-typings\/\*", .* runs code from \/srv\/shared-typings, outside the app and the node_modules it resolves from$/);
    assert.match(hits[1].message, /maps require\("up\/\*"\) to .* runs code from \/srv\/fake\/run\/uploads, in a directory the app writes at run time or serves$/);
  });

  it('preloads: fine inside the app or its node_modules, high outside, unresolved or data: URLs', () => {
    assert.deepEqual(check('-r ts-node/register', PROD, { 'ts-node/register': '/srv/fake/node_modules/ts-node/register/index.js' }), []);
    const [ outside ] = check('--require /tmp/evil.js', PROD, { '/tmp/evil.js': '/tmp/evil.js' });
    assert.deepEqual([ outside.severity, outside.target, outside.source ], [ 'high', 'NODE_OPTIONS --require /tmp/evil.js', 'NODE_OPTIONS' ]);
    assert.match(outside.fix ?? '', /or, when you vouch for it, keep it before the preflight .* and waive SEN306 for target `NODE_OPTIONS --require \/tmp\/evil\.js` \(one waiver per module\)\.$/);
    assert.match(outside.message, /every process runs \/tmp\/evil\.js, outside the app/);
    assert.match(check('--import=data:text/javascript,process.exit()')[0].message, /does not resolve from the working directory \(or a data: URL\)/);
  });

  it('a preload inside the app but in a directory it writes at run time or serves (run/, logs/, multipart.tmpdir, static) is high', () => {
    const facts = (modulePath: string) => fakeFacts({
      runtime: { nodeFlags: [{ source: 'NODE_OPTIONS', name: '--require', value: modulePath, modulePath }], appModuleRoots: [ '/srv/fake', '/srv/fake/node_modules' ] },
      files: { configPaths: [{ keyPath: 'multipart.tmpdir', value: '/srv/fake/uploads', realPath: '/srv/fake/uploads', setBy: 'app' }],
        staticDirs: [{ keyPath: 'static.dir', realPath: '/srv/fake/app/public' }] as never },
    });
    assert.deepEqual(dangerousNodeFlags.check(facts('/srv/fake/lib/hook.js'), PROD), []);
    for (const planted of [ '/srv/fake/run/hook.js', '/srv/fake/logs/fake/hook.js', '/srv/fake/uploads/x/hook.js', '/srv/fake/app/public/uploads/avatar.js' ]) {
      const [ finding ] = dangerousNodeFlags.check(facts(planted), PROD);
      assert.equal(finding?.severity, 'high', planted);
      assert.match(finding.message, new RegExp(`every process runs ${planted.replace(/\//g, '\\/')}, in a directory the app writes at run time or serves before the app`));
    }
  });

  it('files node loads at start: fine inside the app, high outside or missing; TLS key logs and network imports are high', () => {
    assert.deepEqual(check('--openssl-config=/srv/fake/openssl.cnf', PROD, { '/srv/fake/openssl.cnf': '/srv/fake/openssl.cnf' }), []);
    const [ outside ] = check('--snapshot-blob /tmp/snap.blob', PROD, { '/tmp/snap.blob': '/tmp/snap.blob' });
    assert.deepEqual([ outside.severity, outside.target ], [ 'high', 'NODE_OPTIONS --snapshot-blob' ]);
    assert.match(outside.message, /every process loads a V8 startup snapshot \(code that runs before the app\) from \/tmp\/snap\.blob, outside the app/);
    assert.match(check('--env-file=.env.missing')[0].message, /a file that does not exist from the working directory/);
    // Node 20.19's variant that skips a missing file (black-box round 25).
    assert.match(check('--env-file-if-exists=/tmp/shared/.env', PROD, { '/tmp/shared/.env': '/tmp/shared/.env' })[0].message, /every process loads an env file \(which can set NODE_OPTIONS and any other variable\) from \/tmp\/shared\/\.env, outside the app/);
    assert.match(check('--tls-keylog /var/log/keys')[0].message, /writes the keys of its TLS sessions there/);
    assert.equal(check('--experimental-network-imports')[0].severity, 'high');
    const environment = (name: string, value: string) => dangerousNodeFlags.check(fakeFacts({ runtime: { nodeFlags: [{ source: 'environment', name, value }] } }), PROD);
    assert.deepEqual(environment('NODE_TLS_REJECT_UNAUTHORIZED', '1'), []);
    assert.match(environment('NODE_TLS_REJECT_UNAUTHORIZED', '0')[0].message, /^the environment sets NODE_TLS_REJECT_UNAUTHORIZED="0": every HTTPS request/);
  });

  it('a policy manifest (--experimental-policy) outside the app is high: its redirects can make any require load other code', () => {
    const [ policy ] = check('--experimental-policy=/tmp/pol/policy.json', PROD, { '/tmp/pol/policy.json': '/tmp/pol/policy.json' });
    assert.deepEqual([ policy.severity, policy.target ], [ 'high', 'NODE_OPTIONS --experimental-policy' ]);
    assert.match(policy.message, /a policy manifest \(its redirects make require\(\) load other modules\) from \/tmp\/pol\/policy\.json/);
  });

  it('request smuggling, reverted fixes and TLS downgrades are reported; a cipher list excluding the weak ones is not (black-box round 21)', () => {
    const [ parser ] = check('--insecure-http-parser');
    assert.deepEqual([ parser.severity, parser.target ], [ 'high', 'NODE_OPTIONS --insecure-http-parser' ]);
    assert.match(parser.message, /request smuggling/);
    assert.equal(check('--security-revert=CVE-2023-46809')[0].severity, 'high');
    assert.deepEqual(check('--tls-min-v1.0').map(hit => hit.severity), [ 'medium' ]);
    assert.match(check('--tls-cipher-list=NULL:eNULL:aNULL')[0].message, /allows the ciphers NULL, eNULL, aNULL/);
    assert.deepEqual(check('--tls-cipher-list HIGH:!aNULL:!eNULL:!RC4'), []);
    assert.deepEqual(check('--tls-min-v1.2'), []);
  });

  it('diagnostic reports and heap snapshots, which write the environment or all memory to files, are medium, where node 20 writes them (black-box round 22)', () => {
    const cwd = path.join(__dirname, '../..');
    const dumps = (nodeOptions: string, execArgv: string[] = [], files = {}) =>
      dangerousNodeFlags.check(fakeFacts({ runtime: collectRuntimeFacts(cwd, [], {}, { NODE_OPTIONS: nodeOptions }, execArgv, cwd), files }), PROD);
    const [ report ] = dumps('--report-uncaught-exception --report-directory /tmp/reports');
    assert.deepEqual([ report.severity, report.target ], [ 'medium', 'NODE_OPTIONS --report-uncaught-exception' ]);
    assert.match(report.message, /writes a diagnostic report \(every environment variable, secrets included\) on any uncaught exception to \/tmp\/reports\/report\.<date>\.<time>\.<pid>\.<thread>\.<seq>\.json, where whoever/);
    assert.match(dumps('--heapsnapshot-signal=SIGUSR2')[0].message, new RegExp(`a heap snapshot \\(all of its memory: config, keys, sessions\\) on that signal to ${fs.realpathSync(cwd)}/Heap\\.<date>`));
    // Reports do not heed --diagnostic-dir; the command line's flag wins over NODE_OPTIONS'; --report-filename is joined to the directory.
    assert.deepEqual(dumps('--report-on-signal --report-signal SIGUSR2 --diagnostic-dir=/var/diag --heapsnapshot-near-heap-limit 2').map(hit => [ hit.target, hit.severity, hit.message.replace(/.* to (\S+), where .*/, '$1') ]),
      [[ 'NODE_OPTIONS --report-on-signal', 'medium', `${fs.realpathSync(cwd)}/report.<date>.<time>.<pid>.<thread>.<seq>.json` ],
        [ 'NODE_OPTIONS --heapsnapshot-near-heap-limit', 'medium', '/var/diag/Heap.<date>.<time>.<pid>.<thread>.<seq>.heapsnapshot' ]]);
    assert.match(dumps('--report-on-fatalerror --report-dir=/tmp/a --report-filename ../b/x.json', [ '--report-directory=/tmp/c' ])[0].message, / to \/tmp\/b\/x\.json, where/);
    assert.match(dumps('--report-on-fatalerror --report-filename=stdout')[0].message, / to its stdout or stderr \(--report-filename\), where/);
    assert.deepEqual(dumps('--report-directory=/tmp/reports --diagnostic-dir=/tmp/d'), [], 'where, without what, writes nothing');
    // Into a static dir (or run/ below a served app root): anyone downloads it (black-box round 27, h91 F3).
    const served = { staticDirs: [{ keyPath: 'static.dirs[0]', prefix: '/assets', realPath: '/srv/fake/app/public' }] as never };
    const [ published ] = dumps('--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/srv/fake/app/public/diag', [], served);
    assert.deepEqual([ published.severity, published.target ], [ 'critical', 'NODE_OPTIONS --heapsnapshot-signal' ]);
    assert.match(published.message, /to \/srv\/fake\/app\/public\/diag\/Heap\.<date>.*\.heapsnapshot, which config\.static\.dirs\[0\] serves under \/assets: anyone who reaches the app downloads it as \/assets\/diag\/Heap\.<date>\.<time>\.<pid>\.<thread>\.<seq>\.heapsnapshot/);
    assert.match(published.fix ?? '', /^Point --diagnostic-dir at a directory only the app's user can read, outside every static dir, or remove --heapsnapshot-signal/);
    assert.equal(dumps('--report-on-signal --report-directory=/srv/fake/app/public', [], served)[0].severity, 'critical');
    assert.equal(dumps('--report-on-signal --diagnostic-dir=/srv/fake/app/public', [], served)[0].severity, 'medium', 'a report does not go to --diagnostic-dir');
    assert.equal(dumps('--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/srv/fake/app', [], served)[0].severity, 'medium', 'beside the static dir, not in it');
  });

  it('--allow-* is noted as low', () => {
    assert.equal(check('--experimental-permission --allow-fs-write=*')[0].severity, 'low');
  });
});

describe('runtime facts', () => {
  const cwd = path.join(__dirname, '../..');
  const environmentFindings = (env: NodeJS.ProcessEnv) => dangerousNodeFlags.check(fakeFacts({ runtime: collectRuntimeFacts(cwd, [], {}, env, [], cwd) }), PROD);
  /** A library dir of the system's, root's alone: fine in LD_LIBRARY_PATH. */
  const SYSTEM_LIBRARY = '/usr/lib';

  it('NODE_PATH: a directory outside the app is high (an optional require runs code from it); the app\'s and the system\'s are fine', () => {
    const evil = tempDir('node-path');
    try {
      const [ outside, ...rest ] = environmentFindings({ NODE_PATH: [ path.join(cwd, 'node_modules'), evil, '/nowhere/modules' ].join(path.delimiter) });
      assert.deepEqual([ outside.severity, outside.target ], [ 'high', 'environment NODE_PATH' ]);
      assert.match(outside.message, new RegExp(`NODE_PATH lists ${fs.realpathSync(evil).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a require\\(\\) of a module the app does not install`));
      assert.match(rest[0]?.message ?? '', /lists "\/nowhere\/modules" \(which does not exist yet\)/);
      assert.equal(rest.length, 1);
      if (fs.existsSync('/usr/lib/node_modules') && fs.statSync('/usr/lib/node_modules').uid === 0) assert.deepEqual(environmentFindings({ NODE_PATH: '/usr/lib/node_modules' }), []);
      // A system dir a base image names that this machine lacks: only root could create it (black-box round 18).
      if (!fs.existsSync('/usr/local/lib/node_modules') && fs.statSync('/usr/local/lib').uid === 0) assert.deepEqual(environmentFindings({ NODE_PATH: '/usr/local/lib/node_modules' }), []);
    } finally {
      fs.rmSync(evil, { recursive: true, force: true });
    }
  });

  it('a preload named by package that resolves into a node_modules above the app every user can write is high; one its user keeps is fine', () => {
    const parent = fs.realpathSync(tempDir('preload-above'));
    try {
      const app = path.join(parent, 'app');
      fs.mkdirSync(app);
      fs.mkdirSync(path.join(parent, 'node_modules/apm-agent'), { recursive: true });
      fs.writeFileSync(path.join(parent, 'node_modules/apm-agent/index.js'), '');
      const judge = () => {
        const facts = fakeFacts({ runtime: collectRuntimeFacts(app, [], {}, { NODE_OPTIONS: '--require apm-agent' }, [], app) });
        return dangerousNodeFlags.check({ ...facts, app: { ...facts.app, baseDir: app } }, PROD);
      };
      fs.chmodSync(path.join(parent, 'node_modules'), 0o1777);
      const [ planted ] = judge();
      assert.equal(planted?.severity, 'high');
      assert.match(planted?.message ?? '', /every process runs .*node_modules\/apm-agent\/index\.js, in .*\/node_modules, a node_modules outside the app writable by every user \(mode 1777\) before the app/);
      fs.chmodSync(path.join(parent, 'node_modules'), 0o755);
      assert.deepEqual(judge(), []);
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });

  it('NODE_PATH: a directory not created yet inside the app\'s node_modules (pnpm\'s bin shims name them) is the app\'s; one in run/ is not', () => {
    const pnpmShim = [ 'node_modules/.pnpm/egg-scripts@3.1.0/node_modules/egg-scripts/bin/node_modules', 'node_modules/.pnpm/node_modules' ]
      .map(dir => path.join(cwd, dir));
    assert.ok(!fs.existsSync(pnpmShim[0]));
    assert.deepEqual(environmentFindings({ NODE_PATH: pnpmShim.join(path.delimiter) }), []);
    // A pnpm workspace's shims name dirs under the workspace root's node_modules/.pnpm, above the app (round 21).
    const app = path.join(cwd, 'test/fixtures/apps/cfg-secure');
    const workspaceShim = path.join(cwd, 'node_modules/.pnpm/egg-scripts@3.1.0/node_modules/egg-scripts/bin/node_modules');
    const inWorkspace = fakeFacts({ runtime: collectRuntimeFacts(app, [], {}, { NODE_PATH: workspaceShim }, [], app) });
    assert.deepEqual(dangerousNodeFlags.check({ ...inWorkspace, app: { ...inWorkspace.app, baseDir: app } }, PROD), []);
    const facts = fakeFacts({ runtime: collectRuntimeFacts(cwd, [], {}, { NODE_PATH: path.join(cwd, 'run/not-yet/node_modules') }, [], cwd) });
    const [ written ] = dangerousNodeFlags.check({ ...facts, app: { ...facts.app, baseDir: cwd } }, PROD);
    assert.match(written?.message ?? '', /NODE_PATH lists .*run\/not-yet\/node_modules, in a directory the app writes at run time or serves/);
  });

  it('NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, SSL_CERT_DIR outside the app and the system\'s certificate dirs are medium', () => {
    const ca = path.join(os.tmpdir(), `sentinel-ca-${process.pid}.pem`);
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    try {
      const findings = environmentFindings({ NODE_EXTRA_CA_CERTS: ca, SSL_CERT_FILE: ca, SSL_CERT_DIR: path.dirname(ca) });
      assert.deepEqual(findings.map(finding => [ finding.target, finding.severity ]), [
        [ 'environment NODE_EXTRA_CA_CERTS', 'medium' ], [ 'environment SSL_CERT_FILE', 'medium' ], [ 'environment SSL_CERT_DIR', 'medium' ],
      ]);
      assert.match(findings[0].message, /every HTTPS request the app sends trusts the CAs of .*sentinel-ca-\d+\.pem, outside the app and the system's certificate dirs/);
      if (fs.existsSync('/etc/ssl/certs') && fs.statSync('/etc/ssl/certs').uid === 0) assert.deepEqual(environmentFindings({ SSL_CERT_DIR: '/etc/ssl/certs' }), []);
    } finally {
      fs.rmSync(ca, { force: true });
    }
  });

  it('the system\'s own OpenSSL config (root-owned, in /etc/ssl or the like) is told apart from one elsewhere', function() {
    if (!fs.existsSync('/etc/ssl/openssl.cnf') || fs.statSync('/etc/ssl/openssl.cnf').uid !== 0) this.skip();
    const system = collectRuntimeFacts(cwd, [], {}, { OPENSSL_CONF: '/etc/ssl/openssl.cnf' }, [ '--openssl-config=/etc/ssl/openssl.cnf' ], cwd).nodeFlags;
    assert.deepEqual(system.map(flag => [ flag.name, flag.systemOwned ]), [ [ '--openssl-config', true ], [ 'OPENSSL_CONF', true ] ]);
    assert.deepEqual(dangerousNodeFlags.check(fakeFacts({ runtime: { nodeFlags: system } }), PROD), []);
    const copy = path.join(os.tmpdir(), `sentinel-openssl-${process.pid}.cnf`);
    fs.copyFileSync('/etc/ssl/openssl.cnf', copy);
    try {
      const [ elsewhere ] = collectRuntimeFacts(cwd, [], {}, { OPENSSL_CONF: copy }, [], cwd).nodeFlags;
      assert.equal(elsewhere.systemOwned, undefined, 'root-owned, but not where the system keeps it');
      assert.equal(dangerousNodeFlags.check(fakeFacts({ runtime: { nodeFlags: [ elsewhere ] } }), PROD)[0]?.severity, 'high');
    } finally {
      fs.rmSync(copy, { force: true });
    }
  });

  it('LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH: judged from the filesystem, high where another user can change the library, low for the system\'s own (black-box round 27, h91 F4)', function() {
    if (process.platform !== 'linux') this.skip();
    const dir = fs.realpathSync(tempDir('ld'));
    try {
      const evil = path.join(dir, 'evil.so');
      fs.writeFileSync(evil, '\x7fELF');
      fs.chmodSync(evil, 0o666);
      fs.chmodSync(dir, 0o777);
      const hits = (env: NodeJS.ProcessEnv) => environmentFindings(env).map(hit => [ hit.severity, hit.target ]);
      const [ preload ] = environmentFindings({ LD_PRELOAD: evil });
      assert.deepEqual([ preload.severity, preload.target, preload.source ], [ 'high', `environment LD_PRELOAD ${evil}`, 'environment' ]);
      assert.equal(preload.message, `the environment sets LD_PRELOAD="${evil}": the dynamic loader loads it into every process (egg-scripts, the master, the agent, each worker and every program they run) ` +
        `before node starts, where no check or preflight can stop it, and ${evil} is writable by every user (mode 0666), so another user can put their own code there`);
      assert.match(preload.fix ?? '', /waive SEN306 for target `environment LD_PRELOAD .*evil\.so` \(one waiver per library\)\.$/);
      // The file's own mode fixed, its directory still lets anyone swap it; each listed library and directory is its own finding.
      fs.chmodSync(evil, 0o644);
      assert.match(environmentFindings({ LD_AUDIT: evil })[0]?.message ?? '', new RegExp(`loads it as an audit library.*, and ${dir}, above ${evil}, is writable by every user \\(mode 0777\\)`));
      assert.deepEqual(hits({ LD_PRELOAD: `${evil} ${evil}:libmissing-${process.pid}.so`, LD_LIBRARY_PATH: `${dir}:/usr/lib/x86_64-linux-gnu:` }), [
        [ 'high', `environment LD_PRELOAD ${evil}` ], [ 'high', `environment LD_PRELOAD ${evil}` ], [ 'low', `environment LD_PRELOAD libmissing-${process.pid}.so` ],
        [ 'high', `environment LD_LIBRARY_PATH ${dir}` ], [ 'high', 'environment LD_LIBRARY_PATH (empty entry)' ],
      ], 'the trailing empty entry is each process\'s working directory, judged on its own');
      // A bare name is found in an LD_LIBRARY_PATH dir first, as ld.so finds it.
      assert.deepEqual(hits({ LD_PRELOAD: 'evil.so', LD_LIBRARY_PATH: dir }), [[ 'high', 'environment LD_PRELOAD evil.so' ], [ 'high', `environment LD_LIBRARY_PATH ${dir}` ]]);
      fs.chmodSync(dir, 0o755);
      assert.match(environmentFindings({ LD_PRELOAD: evil })[0]?.message ?? '', /, and .*evil\.so is outside the app and not root's alone \(owned by root and writable by root only, with every directory above it\) as the system's libraries in \/lib, \/usr\/lib, \/lib64, \/usr\/lib64, \/usr\/local\/lib, their multiarch dirs \(\/usr\/lib\/x86_64-linux-gnu\) and the dirs \/etc\/ld\.so\.conf lists/);
      // The system's own library (jemalloc preloaded on purpose, here zlib: root's, in a multiarch dir) is noted, never refused.
      const system = [ '/usr/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libz.so.1', '/usr/lib64/libz.so.1', '/lib/libz.so.1' ]
        .find(file => fs.existsSync(file) && fs.statSync(file).uid === 0);
      if (system) {
        const [ noted, ...none ] = environmentFindings({ LD_PRELOAD: system, LD_LIBRARY_PATH: path.dirname(system) });
        assert.deepEqual([ noted.severity, noted.target, none ], [ 'low', `environment LD_PRELOAD ${system}`, [] ]);
        assert.match(noted.message, new RegExp(`: ${fs.realpathSync(system).replace(/\./g, '\\.')} is the system's \\(root's alone, in its library dirs\\), noted`));
        assert.deepEqual(hits({ LD_PRELOAD: path.basename(system) }), [[ 'low', `environment LD_PRELOAD ${path.basename(system)}` ]]);
        // Root's alone, but deeper than the loader's dirs (a vendor SDK under /opt is the same): reported, not refused.
        const gconv = fs.readdirSync(path.join(path.dirname(fs.realpathSync(system)), 'gconv')).find(file => file.endsWith('.so'));
        if (gconv) assert.deepEqual(hits({ LD_PRELOAD: path.join(path.dirname(fs.realpathSync(system)), 'gconv', gconv) }).map(([ severity ]) => severity), [ 'medium' ]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('LD_* relative paths and empty LD_LIBRARY_PATH entries follow each process\'s working directory: high, never judged as the app\'s (review of round 27, H3)', function() {
    if (process.platform !== 'linux') this.skip();
    const facts = (env: NodeJS.ProcessEnv) => fakeFacts({ runtime: collectRuntimeFacts(cwd, [], {}, env, [], cwd) });
    // From the app's working directory all of them name paths in the app (its lib/ and test/ dirs).
    const env = { LD_PRELOAD: 'lib/index.so', LD_AUDIT: './test/audit.so', LD_LIBRARY_PATH: `lib:${SYSTEM_LIBRARY}:` };
    const hits = dangerousNodeFlags.check(facts(env), PROD);
    assert.deepEqual(hits.map(hit => [ hit.severity, hit.target ]), [
      [ 'high', 'environment LD_PRELOAD lib/index.so' ], [ 'high', 'environment LD_AUDIT ./test/audit.so' ],
      [ 'high', 'environment LD_LIBRARY_PATH lib' ], [ 'high', 'environment LD_LIBRARY_PATH (empty entry)' ],
    ]);
    assert.equal(hits[0].message, 'the environment sets LD_PRELOAD="lib/index.so": the dynamic loader loads it into every process (egg-scripts, the master, the agent, each worker and every program ' +
      'they run) before node starts, where no check or preflight can stop it, and it resolves that relative path against the working directory of each process it starts, not the app\'s: ' +
      'every program the app runs in another directory (`execFile(\'convert\', …, { cwd: uploadDir })`, a job in a temp dir) loads what whoever can write there put there');
    assert.match(hits[3].message, /^the environment's LD_LIBRARY_PATH lists an empty entry: the dynamic loader looks there .*, and an empty entry stands for the working directory of each process it starts, not the app's/);
    assert.match(hits[3].fix ?? '', /drop empty ones \(`\/opt\/x:` or `:\$LD_LIBRARY_PATH` with the variable unset adds one\).*waive SEN306 for target `environment LD_LIBRARY_PATH \(empty entry\)`\.$/);
    assert.deepEqual(dangerousNodeFlags.check(facts(env), DEV).map(hit => hit.severity), [ 'medium', 'medium', 'medium', 'medium' ], 'lower on a developer machine');
    // Absolute paths are judged on disk, as before: the system's library dir is fine.
    assert.deepEqual(dangerousNodeFlags.check(facts({ LD_LIBRARY_PATH: SYSTEM_LIBRARY }), PROD), []);
  });

  it('LD_* values with a dynamic string token ($ORIGIN, $LIB, $PLATFORM) cannot be judged: medium, never resolved as a literal path (review of round 27, L5)', function() {
    if (process.platform !== 'linux') this.skip();
    // `$ORIGIN/..` would normalize away to a file in the app, judged as the app's.
    const env = { LD_PRELOAD: '$ORIGIN/../lib/libx.so', LD_LIBRARY_PATH: `/opt/$LIB:${SYSTEM_LIBRARY}` };
    const hits = dangerousNodeFlags.check(fakeFacts({ runtime: collectRuntimeFacts(cwd, [], {}, env, [], cwd) }), PROD);
    assert.deepEqual(hits.map(hit => [ hit.severity, hit.target ]), [[ 'medium', 'environment LD_PRELOAD $ORIGIN/../lib/libx.so' ], [ 'medium', 'environment LD_LIBRARY_PATH /opt/$LIB' ]]);
    assert.match(hits[0].message, /^the environment sets LD_PRELOAD="\$ORIGIN\/\.\.\/lib\/libx\.so": .*, and it holds a dynamic string token \(\$ORIGIN, \$LIB or \$PLATFORM\), which ld\.so expands per program .*: which library that is cannot be judged here/);
  });

  it('an LD_LIBRARY_PATH directory holding a library another user can change: high, naming the library (review of round 27, L14)', function() {
    if (process.platform !== 'linux') this.skip();
    const dir = fs.realpathSync(tempDir('ld-lib'));
    try {
      fs.chmodSync(dir, 0o755);
      const library = path.join(dir, 'libssl.so.3');
      fs.writeFileSync(library, '\x7fELF');
      fs.writeFileSync(path.join(dir, 'README'), 'not a library');
      fs.chmodSync(path.join(dir, 'README'), 0o666);
      const [ hit, ...rest ] = environmentFindings({ LD_LIBRARY_PATH: dir });
      assert.deepEqual(rest, []);
      assert.doesNotMatch(hit.message, /README|libssl\.so\.3/, 'a library only this user can change, and other files, are not named');
      fs.chmodSync(library, 0o666);
      const [ replaceable ] = environmentFindings({ LD_LIBRARY_PATH: dir });
      assert.deepEqual([ replaceable.severity, replaceable.target ], [ 'high', `environment LD_LIBRARY_PATH ${dir}` ]);
      assert.match(replaceable.message, new RegExp(`, and ${library.replace(/\./g, '\\.')}, in ${dir}, is writable by every user \\(mode 0666\\), so another user can put their own code there$`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('/etc/ld.so.preload and the dirs of /etc/ld.so.conf: the file another user can change is high, each library it names and a bare LD_PRELOAD name judged where ld.so finds it (review of round 27, L5)', function() {
    if (process.platform !== 'linux') this.skip();
    const etc = fs.realpathSync(tempDir('etc'));
    try {
      fs.chmodSync(etc, 0o755);
      const files = { preload: path.join(etc, 'ld.so.preload'), conf: path.join(etc, 'ld.so.conf') };
      const judge = (env: NodeJS.ProcessEnv = {}) => {
        const runtime = collectRuntimeFacts(cwd, [], {}, env, [], cwd, { preflightLoaded: true, parentPid: undefined }, files);
        return dangerousNodeFlags.check(fakeFacts({ runtime }), PROD);
      };
      const hits = (env?: NodeJS.ProcessEnv) => judge(env).map(hit => [ hit.severity, hit.target ]);
      assert.deepEqual(hits(), [], 'no preload file, and only root could create one');
      // A vendor's dir that ldconfig indexes (an /etc/ld.so.conf.d file lists it), which every user can write.
      const vendor = path.join(etc, 'vendor');
      fs.mkdirSync(vendor);
      fs.writeFileSync(path.join(vendor, 'libvendor.so'), '\x7fELF');
      fs.chmodSync(vendor, 0o777);
      fs.mkdirSync(path.join(etc, 'ld.so.conf.d'));
      fs.writeFileSync(files.conf, '# the system\'s\ninclude ld.so.conf.d/*.conf\n');
      fs.writeFileSync(path.join(etc, 'ld.so.conf.d/vendor.conf'), `${vendor}  # ldconfig indexes it\n`);
      const [ bare ] = judge({ LD_PRELOAD: 'libvendor.so' });
      assert.deepEqual([ bare?.severity, bare?.target ], [ 'high', 'environment LD_PRELOAD libvendor.so' ]);
      assert.match(bare?.message ?? '', new RegExp(`, and ${vendor}, above ${vendor}/libvendor\\.so, is writable by every user \\(mode 0777\\), so another user can put their own code there$`));
      const evil = path.join(etc, 'evil.so');
      fs.writeFileSync(evil, '\x7fELF');
      fs.chmodSync(evil, 0o666);
      fs.writeFileSync(files.preload, `# ${evil} in a comment is not loaded\nlibvendor.so:${evil}\tlibnowhere-${process.pid}.so\n`);
      const listed = judge();
      assert.deepEqual(listed.map(hit => [ hit.severity, hit.target, hit.source ]), [
        [ 'high', `${files.preload} libvendor.so`, files.preload ], [ 'high', `${files.preload} ${evil}`, files.preload ],
        [ 'low', `${files.preload} libnowhere-${process.pid}.so`, files.preload ],
      ]);
      assert.equal(listed[1].message, `${files.preload} (read for every process on the machine) names "${evil}": the dynamic loader loads it into every process (egg-scripts, ` +
        `the master, the agent, each worker and every program they run) before node starts, where no check or preflight can stop it, and ${evil} is writable by every user ` +
        '(mode 0666), so another user can put their own code there');
      assert.match(listed[1].fix ?? '', new RegExp(`^Remove the entry from ${files.preload}, or use a library the system installs .*waive SEN306 for target \`${files.preload} ${evil}\``));
      fs.chmodSync(files.preload, 0o666);
      const [ file ] = judge();
      assert.deepEqual([ file.severity, file.target ], [ 'high', files.preload ]);
      assert.match(file.message, new RegExp(`^the dynamic loader reads ${files.preload} for every process on the machine .*, and ${files.preload} is writable by every user \\(mode 0666\\): ` +
        'another user can make every process run their code$'));
      // A root-only dir ld.so.conf lists (here glibc's gconv dir stands for a vendor's under /opt) is one of the system's library dirs, as the loader's own are.
      fs.rmSync(files.preload);
      const gconv = [ '/usr/lib/x86_64-linux-gnu/gconv', '/usr/lib/aarch64-linux-gnu/gconv', '/usr/lib64/gconv' ].find(dir => fs.existsSync(dir) && fs.statSync(dir).uid === 0);
      const library = gconv && fs.readdirSync(gconv).find(name => name.endsWith('.so'));
      if (gconv && library) {
        const preloaded = { LD_PRELOAD: `${library} ${path.join(gconv, library)}`, LD_LIBRARY_PATH: gconv };
        assert.deepEqual(hits(preloaded).map(([ severity ]) => severity), [ 'medium', 'medium', 'medium' ], 'outside the dirs ld.so.conf lists: root\'s, not the system\'s');
        fs.writeFileSync(path.join(etc, 'ld.so.conf.d/vendor.conf'), `${gconv}\n`);
        assert.deepEqual(hits(preloaded), [[ 'low', `environment LD_PRELOAD ${library}` ], [ 'low', `environment LD_PRELOAD ${path.join(gconv, library)}` ]]);
      }
    } finally {
      fs.rmSync(etc, { recursive: true, force: true });
    }
  });

  it('an LD_* library or directory that does not exist where only root could create it is low (nothing is loaded from it); missing where another user could create it, high (review of round 27, L6)', function() {
    const opt = process.platform === 'linux' && fs.existsSync('/opt') ? fs.statSync('/opt') : undefined;
    if (!opt || opt.uid !== 0 || opt.mode & 0o022) this.skip();
    // node-oracledb's documented setup, copied to a machine without the client; a CUDA image's default on a machine without the driver.
    const oracle = `/opt/oracle/instantclient-sentinel-${process.pid}`;
    const [ absent, absentLibrary, ...none ] = environmentFindings({ LD_LIBRARY_PATH: oracle, LD_PRELOAD: `${oracle}/libclntsh.so` });
    assert.deepEqual([ absent?.severity, absent?.target, absentLibrary?.severity, none ], [ 'low', `environment LD_PRELOAD ${oracle}/libclntsh.so`, 'low', [] ]);
    assert.match(absent.message, new RegExp(`: ${oracle}/libclntsh\\.so does not exist, and only root could create it there, so nothing is loaded from it now; noted in case a library is put there$`));
    assert.match(absentLibrary.fix ?? '', /^Remove LD_LIBRARY_PATH \(or the entry\) from the environment the app starts with .* when nothing is meant to be loaded from there/);
    const open = fs.realpathSync(tempDir('ld-missing'));
    try {
      fs.chmodSync(open, 0o777);
      const [ creatable ] = environmentFindings({ LD_LIBRARY_PATH: path.join(open, 'lib64') });
      assert.deepEqual([ creatable?.severity, creatable?.target ], [ 'high', `environment LD_LIBRARY_PATH ${path.join(open, 'lib64')}` ]);
      assert.match(creatable.message, new RegExp(`${escapeRegExp(path.join(open, 'lib64'))} does not exist, and ${escapeRegExp(open)}, where it would be created, is writable by every user`));
    } finally {
      fs.rmSync(open, { recursive: true, force: true });
    }
  });

  it('environment values, EGG_APP_CONFIG key paths and poisoning, module roots, resolved preloads', () => {
    const cwd = path.join(__dirname, '../..');
    const facts = collectRuntimeFacts(cwd, [], { a: { b: '<process.env.EGG_APP_CONFIG>', c: 'config/x.js' }, d: '<process.env.EGG_APP_CONFIG>' },
      { SOME_SECRET: 'from-env-value', EMPTY: '', EGG_APP_CONFIG: '{"constructor":{"prototype":{"x":1}}}', NODE_OPTIONS: '--require ts-node/register' }, [], cwd);
    assert.ok(facts.environmentValues.has('from-env-value') && !facts.environmentValues.has(''));
    assert.deepEqual(facts.envConfigKeyPaths, [ 'a.b', 'd' ]);
    assert.equal(facts.envConfigPoisoned, true);
    assert.ok(facts.appModuleRoots.includes(fs.realpathSync(path.join(cwd, 'node_modules'))));
    assert.equal(facts.nodeFlags[0].modulePath, fs.realpathSync(require.resolve('ts-node/register', { paths: [ cwd ] })));
    assert.deepEqual(facts.pollutedPrototypes, []);
  });

  it('what code adds to a prototype is told apart: values (a payload\'s shape), getters and methods (libraries: colors, core-js); a well-known symbol\'s slot is not counted', () => {
    const cwd = path.join(__dirname, '../..');
    const date = Date.prototype as unknown as Record<PropertyKey, unknown>;
    Object.defineProperty(date, 'sentinelIsAdmin', { value: true, configurable: true });
    Object.defineProperty(date, 'sentinelShould', { get: () => true, configurable: true });
    Object.defineProperty(date, Symbol.for('sentinelMethod'), { value: () => 1, configurable: true });
    // core-js's polyfill of a well-known symbol's slot, the symbol too added after egg-sentinel loaded (Symbol.metadata).
    const metadata = Symbol('Symbol.sentinelMetadata');
    Object.defineProperty(Symbol, 'sentinelMetadata', { value: metadata, configurable: true });
    Object.defineProperty(date, metadata, { value: null, configurable: true });
    try {
      const facts = collectRuntimeFacts(cwd, [], {}, {}, [], cwd);
      assert.deepEqual(facts.pollutedPrototypes, [{ name: 'Date.prototype', keys: [ 'sentinelIsAdmin' ], getters: [ 'sentinelShould' ], methods: [ 'Symbol(sentinelMethod)' ] }]);
      const hits = prototypePollution.check(fakeFacts({ runtime: facts }), PROD);
      assert.deepEqual(hits.map(hit => `${hit.severity} ${hit.message.replace(/ code added.*/, '')}`),
        [ 'critical Date.prototype has properties', 'medium Date.prototype has getters', 'medium Date.prototype has methods' ]);
    } finally {
      delete date.sentinelIsAdmin;
      delete date.sentinelShould;
      delete date[Symbol.for('sentinelMethod')];
      delete date[metadata];
      delete (Symbol as unknown as Record<string, unknown>).sentinelMetadata;
    }
  });

  it('HOME\'s .node_modules and .node_libraries (node\'s global folders) another user can fill or create are high; the user\'s own are fine (black-box round 25, h75 F9)', function() {
    if (process.platform === 'win32') this.skip();
    const home = fs.realpathSync(tempDir('home-facts'));
    try {
      const findings = (env: NodeJS.ProcessEnv) => dangerousNodeFlags.check(fakeFacts({ runtime: collectRuntimeFacts(cwd, [], {}, env, [], cwd) }), PROD);
      assert.deepEqual(findings({ HOME: home }), [], 'a home only this user can write, without the folders');
      fs.mkdirSync(path.join(home, '.node_modules/aws4'), { recursive: true });
      assert.deepEqual(findings({ HOME: home }), [], 'this user\'s own folder');
      fs.chmodSync(path.join(home, '.node_modules'), 0o777);
      const [ writable, ...rest ] = findings({ HOME: home, MOCK_HOME_DIR: home });
      assert.deepEqual([ writable?.severity, writable?.target, writable?.source, rest.length ], [ 'high', 'environment HOME', 'MOCK_HOME_DIR', 0 ]);
      assert.equal(writable.message, `the environment's HOME="${home}" (egg-scripts sets it from MOCK_HOME_DIR) makes node look in ${home}/.node_modules for modules no node_modules holds ` +
        `(one of its global folders, searched like a NODE_PATH directory), and ${home}/.node_modules is writable by every user (mode 0777): another user can put a module there, ` +
        'and a require() of one the app does not install (an optional dependency) runs it in every process');
      fs.chmodSync(path.join(home, '.node_modules'), 0o755);
      fs.chmodSync(home, 0o1777);
      const [ creatable, ...others ] = findings({ HOME: home });
      assert.equal(others.length, 0, 'a sticky home keeps others from swapping the existing folder');
      assert.deepEqual([ creatable?.source, creatable?.severity ], [ 'environment', 'high' ]);
      assert.match(creatable?.message ?? '', /\.node_libraries for modules .*, and .*\.node_libraries does not exist, and .*sentinel-home-facts-\w+, where it would be created, is writable by every user \(mode 1777\)/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('the app\'s .npmrc node-options, as npm\'s ini reader takes it (black-box round 25, h75 F11)', () => {
    const app = tempDir('npmrc');
    try {
      const read = (text?: string) => {
        if (text !== undefined) fs.writeFileSync(path.join(app, '.npmrc'), text);
        return collectRuntimeFacts(app, [], {}, {}, [], app, { preflightLoaded: true, parentPid: undefined }).npmrcNodeOptions;
      };
      assert.equal(read(), undefined, 'no .npmrc');
      assert.deepEqual(read('registry=https://registry.npmjs.org/\nnode-options=--max-old-space-size=4096\n'), { value: '--max-old-space-size=4096', loadsPreflight: false });
      assert.deepEqual(read('node-options = "--require egg-sentinel/preflight --max-old-space-size=4096"\n'), { value: '--require egg-sentinel/preflight --max-old-space-size=4096', loadsPreflight: true });
      assert.deepEqual(read(`node-options=-r ${path.join(__dirname, '../../preflight.ts')}\n`)?.loadsPreflight, true, 'a path to egg-sentinel\'s preflight file');
      assert.deepEqual(read('node-options=--require a.js\nnode-options=--require b.js\n')?.value, '--require b.js', 'the last one wins');
      assert.equal(read('; node-options=--require x.js\n# node-options=--require y.js\nnode-options=\n'), undefined, 'comments, and an empty value, which leaves NODE_OPTIONS alone');
      assert.equal(read('[section]\nnode-options=--require x.js\n'), undefined, 'not npm\'s top-level config');
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });

  it('the preflight dropped: an ancestor process (Linux /proc) was started with NODE_OPTIONS loading it, this one runs without it (black-box round 25, h75 F11)', function() {
    if (process.platform !== 'linux') this.skip();
    // sh is the ancestor: it was started with the deploy's NODE_OPTIONS, and starts node with others (as npm does).
    const probe = `require(${JSON.stringify(require.resolve('ts-node/register/transpile-only'))}); ` +
      `const { droppedPreflight } = require(${JSON.stringify(path.join(__dirname, '../../lib/facts/runtime.ts'))}); ` +
      'console.log(JSON.stringify(droppedPreflight(process.env, process.ppid) ?? null));';
    const run = (nodeOptions: string, extra: NodeJS.ProcessEnv = {}) => {
      const result = spawnSync('/bin/sh', [ '-c', 'NODE_OPTIONS="$PROBE_NODE_OPTIONS" "$NODE_BIN" -e "$PROBE"; exit $?' ], {
        env: { PATH: process.env.PATH, TS_NODE_PROJECT: path.join(__dirname, '../../tsconfig.json'), NODE_OPTIONS: nodeOptions,
          PROBE_NODE_OPTIONS: '--max-old-space-size=256', NODE_BIN: process.execPath, PROBE: probe, ...extra }, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      return { pid: result.pid, fact: JSON.parse(result.stdout) };
    };
    const dropped = run('--max-old-space-size=512 --require egg-sentinel/preflight');
    assert.deepEqual(dropped.fact, { ancestor: { pid: dropped.pid, name: 'sh' } });
    const underNpm = run('--require egg-sentinel/preflight', { npm_lifecycle_event: 'start', npm_config_node_options: '--max-old-space-size=256' });
    assert.deepEqual(underNpm.fact, { ancestor: { pid: underNpm.pid, name: 'sh' }, npmNodeOptions: '--max-old-space-size=256' });
    assert.equal(run('--max-old-space-size=512').fact, null, 'no ancestor loaded it: nothing was dropped');
  });
});

describe('SEN307 the preflight dropped by npm\'s node-options (black-box round 25, h75 F11)', () => {
  const check = (runtime: Partial<RuntimeFacts>, context = PROD) => droppedPreflight.check(fakeFacts({ runtime }), context);

  it('a process without the preflight whose ancestor\'s NODE_OPTIONS loaded it: high, naming npm\'s node-options and where it comes from', () => {
    const [ npm ] = check({ droppedPreflight: { ancestor: { pid: 4321, name: 'npm start' }, npmNodeOptions: '--max-old-space-size=4096' },
      npmrcNodeOptions: { value: '--max-old-space-size=4096', loadsPreflight: false } });
    assert.deepEqual([ npm.severity, npm.target, npm.source ], [ 'high', 'NODE_OPTIONS', 'npm_config_node_options' ]);
    assert.equal(npm.message, 'egg-sentinel\'s preflight is not loaded in this process, though its ancestor npm start (pid 4321) was started with NODE_OPTIONS loading it: ' +
      'npm started it with NODE_OPTIONS set to its node-options config "--max-old-space-size=4096", which the app\'s .npmrc sets, in place of the NODE_OPTIONS it was given. ' +
      'Nothing the preflight refuses before egg loads (an unsafe env, plugins or preloads from outside the app, a changed pinned plugin) was checked in this start');
    const [ fromHome ] = check({ droppedPreflight: { ancestor: { pid: 4321, name: 'npm start' }, npmNodeOptions: '--require /tmp/x2.js' } });
    assert.match(fromHome.message, /node-options config "--require \/tmp\/x2\.js" \(from ~\/\.npmrc, the global npmrc or npm_config_node_options\)/);
    const [ other ] = check({ droppedPreflight: { ancestor: { pid: 99, name: 'bash' } } }, DEV);
    assert.deepEqual([ other.severity, other.source ], [ 'low', 'environment' ]);
    assert.match(other.message, /a process between them started it with other NODE_OPTIONS/);
  });

  it('the app\'s .npmrc setting node-options without the preflight: medium (low on a developer machine); with it, or none, nothing', () => {
    const [ npmrc ] = check({ npmrcNodeOptions: { value: '--max-old-space-size=4096', loadsPreflight: false } });
    assert.deepEqual([ npmrc.severity, npmrc.target, npmrc.source ], [ 'medium', '.npmrc node-options', '.npmrc' ]);
    assert.match(npmrc.message, /^the app's \.npmrc sets node-options="--max-old-space-size=4096": npm \(npm start, npm run, npx in the app\) runs every script and command with NODE_OPTIONS set to it/);
    assert.equal(check({ npmrcNodeOptions: { value: '-r x', loadsPreflight: false } }, DEV)[0].severity, 'low');
    assert.deepEqual(check({ npmrcNodeOptions: { value: '--require egg-sentinel/preflight', loadsPreflight: true } }), []);
    assert.deepEqual(check({}), []);
  });
});

describe('env helpers', () => {
  const source = { DB_PASSWORD: 'Tq8vN2kL5mW9xR', EMPTY: '', FEATURES: '{"beta":true,"limits":{"rps":10},"owner":"team-a"}', db_host: 'x' };

  it('secret: required by default, optional on request, ajv-validated, never echoing the value', () => {
    assert.equal(env.secret('DB_PASSWORD', {}, source), 'Tq8vN2kL5mW9xR');
    assert.equal(env.secret('MISSING', { optional: true }, source), undefined);
    assert.throws(() => env.secret('MISSING', {}, source), (error: Error) => error instanceof SentinelEnvError &&
      /environment variable MISSING is not set\. Set it in the environment of the process that starts egg\./.test(error.message));
    assert.throws(() => env.secret('EMPTY', {}, source), /environment variable EMPTY is empty/);
    assert.throws(() => env.secret('DB_HOST', {}, source), /DB_HOST is not set.*\(db_host is set: variable names are case-sensitive\)/);
    assert.throws(() => env.secret('DB_PASSWORD', { schema: { type: 'string', minLength: 32 } }, source), (error: Error) =>
      /DB_PASSWORD does not match its schema: must NOT have fewer than 32 characters/.test(error.message) && !error.message.includes('Tq8vN2kL5mW9xR'));
  });

  it('a missing name or a misspelled option is a clear error, not a TypeError from inside or an ignored option', () => {
    assert.throws(() => (env.secret as any)(undefined, {}, source), /env\.secret\(\) needs the name of an environment variable, e\.g\. env\.secret\('DB_PASSWORD'\)/);
    assert.throws(() => env.secret('MISSING', { optinal: true } as any, source), /env\.secret\('MISSING'\): unknown option "optinal"; the options are optional, schema/);
    assert.throws(() => env.json('FEATURES', {}, { schema: {} } as any, source), /env\.json\('FEATURES'\): unknown option "schema"; the options are optional/);
  });

  it('json: parsed safely, validated, typed; every string it returns counts as from the environment', () => {
    const features = env.json<{ beta: boolean; owner: string }>('FEATURES', { type: 'object', required: [ 'beta' ] }, {}, source);
    assert.equal(features.beta, true);
    assert.ok(valuesReadFromEnvironment().has('team-a') && valuesReadFromEnvironment().has('Tq8vN2kL5mW9xR'));
    assert.throws(() => env.json('FEATURES', { type: 'object', properties: { beta: { type: 'string' } } }, {}, source), /FEATURES does not match its schema: at \/beta: must be string/);
    // A key of the value the schema does not name may be a secret (a token used as a key): black-box round 13.
    const clients = { API_CLIENTS: '{"sk_live_EnvJsonPlanted0123456789":5,"list":[{"x":1}]}' };
    assert.throws(() => env.json('API_CLIENTS', { type: 'object', properties: { list: { type: 'array', items: { type: 'object', additionalProperties: { type: 'string' } } } }, additionalProperties: { type: 'string' } }, {}, clients),
      (error: Error) => /at \/<key>: must be string; at \/list\/0\/<key>: must be string/.test(error.message) && !error.message.includes('EnvJsonPlanted'));
    // A key of digits is a key, not an index (round 14).
    assert.throws(() => env.json('PINS', { type: 'object', additionalProperties: { type: 'string' } }, {}, { PINS: '{"98765432109876":1}' }),
      (error: Error) => /at \/<key>: must be string/.test(error.message) && !error.message.includes('98765432109876'));
    assert.throws(() => env.json('DB_PASSWORD', { type: 'object' }, {}, source), (error: Error) =>
      /DB_PASSWORD is not valid JSON/.test(error.message) && !error.message.includes('Tq8vN2kL5mW9xR'));
    assert.throws(() => env.json('X', {}, {}, { X: '{"a":{"constructor":{"prototype":{"p":1}}}}' }), /prototype poisoning/);
    assert.throws(() => env.json('X', { type: 'nope' }, {}, { X: '{}' }), /X has an invalid schema in the config file/);
    assert.equal(env.json('NOPE', {}, { optional: true }, source), undefined);
  });
});

describe('dump rewriting', () => {
  let runDir: string;
  beforeEach(() => { runDir = tempDir('dumps'); });
  afterEach(() => fs.rmSync(runDir, { recursive: true, force: true }));

  it('rewrites existing dumps masked and 0600, the meta dump\'s keys too, reports what it could not parse', () => {
    // egg masked mysql.password by its name; the same password under a name that says nothing, and quoted in a
    // waiver's reason, are masked by value: the live config's secrets.
    const dump = { config: {
      upstream: { url: 'https://svc:Pw0rd1234@api.internal' }, mysql: { password: '<String len: 18>' }, name: 'x',
      cacheOptions: { auth: 'MysqlPassw0rdVal42' }, sentinel: { waivers: [{ reason: 'until MysqlPassw0rdVal42 is rotated' }] },
    } };
    fs.writeFileSync(path.join(runDir, 'application_config.json'), JSON.stringify(dump), { mode: 0o644 });
    const meta = { name: '/srv/config/config.default.js', billing: { 'sk_live_KEYASMAPKEY0123456789abcdef': '/srv/config/config.prod.js' } };
    fs.writeFileSync(path.join(runDir, 'application_config_meta.json'), JSON.stringify(meta), { mode: 0o644 });
    fs.writeFileSync(path.join(runDir, 'agent_config.json'), '{"config": {', { mode: 0o644 });
    // egg's route dump: a webhook path with a config secret (one with a quote, as JSON escapes it) and a token's shape.
    const routes = [{ path: '/hooks/Hook"Secret-0123456789abcdef', regexp: '/^\\/hooks/' }, { path: '/slack/xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx' }];
    fs.writeFileSync(path.join(runDir, 'router.json'), JSON.stringify(routes, null, 2), { mode: 0o644 });
    const results = rewriteDumps(runDir, [ 'application', 'agent' ], collectSecretValues({ mysql: { password: 'MysqlPassw0rdVal42' }, webhook: { secret: 'Hook"Secret-0123456789abcdef' } }));
    assert.deepEqual(results.map(r => [ path.basename(r.file), r.error?.slice(0, 20) ]), [
      [ 'application_config.json', undefined ], [ 'application_config_meta.json', undefined ], [ 'router.json', undefined ], [ 'agent_config.json', results[3].error?.slice(0, 20) ],
    ]);
    assert.ok(results[3].error, 'a truncated dump is reported, not rewritten');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(runDir, 'router.json'), 'utf8')).map((route: { path: string }) => route.path), [ '/hooks/[REDACTED]', '/slack/[REDACTED]' ]);
    assert.equal(fs.statSync(path.join(runDir, 'router.json')).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(runDir, 'application_config.json'), 'utf8')).config,
      { upstream: { url: 'https://svc:[REDACTED]@api.internal' }, mysql: { password: '[REDACTED]' }, name: 'x',
        cacheOptions: { auth: '[REDACTED]' }, sentinel: { waivers: [{ reason: 'until [REDACTED] is rotated' }] } });
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(runDir, 'application_config_meta.json'), 'utf8')),
      { name: '/srv/config/config.default.js', billing: { '[REDACTED]': '/srv/config/config.prod.js' } }, 'a token used as a key is masked in the meta');
    for (const name of [ 'application_config.json', 'application_config_meta.json' ]) assert.equal(fs.statSync(path.join(runDir, name)).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(runDir, 'agent_config.json')).mode & 0o777, 0o644);
  });

  it('extends egg\'s dump.ignore (a Set, an array, or none), and egg\'s own masking then hides the names it missed', () => {
    const set = { dump: { ignore: new Set<unknown>([ 'pass' ]) } };
    extendDumpIgnore(set);
    assert.equal(set.dump.ignore.size, 1 + DUMP_IGNORE_EXTENSION.length);
    const array = { dump: { ignore: [ 'pass' ] as unknown[] } };
    extendDumpIgnore(array);
    assert.equal(array.dump.ignore.length, 1 + DUMP_IGNORE_EXTENSION.length);
    const none: Record<string, unknown> = {};
    extendDumpIgnore(none);
    // egg's own masking function (egg/lib/core/utils.js), which dumpConfig runs with config.dump.ignore.
    const { convertObject } = createRequire(__filename)('egg/lib/core/utils') as { convertObject(obj: object, ignore: unknown[]): void };
    const config = { github: { token: 'ghp_x', apiKey: 'k', clientSecret: 's', dsn: 'd', user: 'u' } };
    convertObject(config, [ ...(none.dump as { ignore: Set<unknown> }).ignore ]);
    assert.deepEqual(config.github, { token: '<String len: 5>', apiKey: '<String len: 1>', clientSecret: '<String len: 1>', dsn: '<String len: 1>', user: 'u' });
  });
});
