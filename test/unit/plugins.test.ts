import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { recordConfigWrites, writeCovers } from '../../lib/config-changes';
import { validateSentinelConfig } from '../../lib/config/validate';
import knownPluginsData from '../../lib/data/known-plugins.json';
import { shadowedCommands } from '../../lib/facts/commands';
import { bootedByEggMock, collectInstalledPluginFacts, type FrameworkPlaceFact, type PluginTrustFact } from '../../lib/facts/plugins';
import { changedSinceStart } from '../../lib/facts/start-env';
import { CODE_WALK_LIMIT, findWritableCode, findWritableModules } from '../../lib/facts/writable-code';
import { announcePreparedFacts, discardPreparedFacts, HANDOVER_FILE, HANDOVER_MAX_AGE_MS, receivePreparedFacts } from '../../lib/facts/handover';
import { findLockfile, installingProjectDir, isDeclaredWorkspacePackage, LockfileError, readLockfile } from '../../lib/plugins/lockfile';
import { buildManifest, dependencyClosure, diffManifests, hashFiles, ManifestError, parseManifest, serializeManifest, verifyPlugin } from '../../lib/plugins/manifest';
import { compileNamePattern, editDistance, findTyposquat, KNOWN_NAMES, parseKnownNames } from '../../lib/plugins/names';
import { DEFAULT_REGISTRIES, readConfiguredRegistries, registryOf } from '../../lib/plugins/registries';
import {
  pluginFilesChanged, pluginInstallScripts, pluginNotAllowed, pluginNotLocked, pluginOutsideTrustedRoots, pluginsFromEnvironment,
  securityConfigByPlugin, sentinelDisabled, shadowedCommand, typosquattedPlugin, writableCode,
} from '../../lib/rules/plugins';
import type { RuleContext } from '../../lib/rules/types';
import { RULE_IDS } from '../../lib/rules';
import { fakeFacts } from './fake-facts';
import { tempDir } from '../temp-dir';

const PROD: RuleContext = { developmentEnv: false };
const DEV: RuleContext = { developmentEnv: true };

function plugin(overrides: Partial<PluginTrustFact> = {}): PluginTrustFact {
  return {
    name: 'tidy', package: 'egg-tidy', version: '1.0.0', realPath: '/srv/fake/node_modules/egg-tidy', displayPath: 'node_modules/egg-tidy',
    from: 'config/plugin.js', location: 'package', lock: { state: 'not-applicable' }, installScripts: [], manifest: { state: 'not-checked' },
    ...overrides,
  };
}

function withPlugins(plugins: PluginTrustFact[], config: Record<string, unknown> = {}, trust: Parameters<typeof fakeFacts>[0] = {}) {
  return fakeFacts({ config: { sentinel: { plugins: config } }, ...trust, pluginTrust: { plugins, ...trust.pluginTrust } });
}

const tempDirs: string[] = [];
function tempTree(files: Record<string, string>): string {
  const dir = fs.realpathSync(tempDir('unit-plugins'));
  tempDirs.push(dir);
  for (const [ file, text ] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}
after(() => tempDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

describe('known plugin names and typosquats (SEN102)', () => {
  it('no shipped name is reported, and every list is valid', () => {
    assert.ok(KNOWN_NAMES.names.length > 50);
    for (const name of KNOWN_NAMES.names) assert.equal(findTyposquat(name), undefined, name);
  });

  it('finds one-letter slips, swaps and separator games, and scope imitations', () => {
    assert.deepEqual(findTyposquat('egg-securty'), { imitates: 'egg-security', kind: 'name' });
    assert.deepEqual(findTyposquat('egg-secuirty'), { imitates: 'egg-security', kind: 'name' });
    assert.deepEqual(findTyposquat('egg_security'), { imitates: 'egg-security', kind: 'name' });
    assert.deepEqual(findTyposquat('eggjs-security'), { imitates: 'egg-security', kind: 'name' });
    assert.deepEqual(findTyposquat('@eggjs/securty'), { imitates: '@eggjs/security', kind: 'name' });
    assert.deepEqual(findTyposquat('egg-jvt'), { imitates: 'egg-jwt', kind: 'name' });
    // Black-box round 20: letters that read as others, and a scope with egg's as a word of it.
    assert.deepEqual(findTyposquat('egg-jvvt'), { imitates: 'egg-jwt', kind: 'name' });
    assert.deepEqual(findTyposquat('egg-securlty'), { imitates: 'egg-security', kind: 'name' });
    assert.deepEqual(findTyposquat('egg-c0rs'), { imitates: 'egg-cors', kind: 'name' });
    assert.deepEqual(findTyposquat('@eggjs-team/view'), { imitates: '@eggjs', kind: 'scope' });
    assert.deepEqual(findTyposquat('@team.eggjs/view'), { imitates: '@eggjs', kind: 'scope' });
    assert.deepEqual(findTyposquat('@egg/security'), { imitates: '@eggjs', kind: 'scope' });
    assert.deepEqual(findTyposquat('@eggs/anything'), { imitates: '@eggjs', kind: 'scope' });
    assert.equal(findTyposquat('EGG-SECURITY'), undefined, 'npm names are lowercase; case alone is no look-alike');
  });

  it('a variation of egg\'s prefix is no distinguishing part, however short the rest (black-box round 23)', () => {
    for (const [ name, imitates ] of [
      [ 'eggjs-cors', 'egg-cors' ], [ 'egg.js-cors', 'egg-cors' ], [ 'egg-js-cors', 'egg-cors' ], [ 'eggjs_cors', 'egg-cors' ],
      [ 'egg.cors', 'egg-cors' ], [ 'eggjs-jwt', 'egg-jwt' ], [ 'eggjs-redis', 'egg-redis' ], [ 'eggjs-c0rs', 'egg-cors' ],
      [ 'egg_js_mysql', 'egg-mysql' ], [ 'eggjs-tegg', '@eggjs/tegg' ],
    ]) {
      assert.deepEqual(findTyposquat(name), { imitates, kind: 'name' }, name);
    }
    // Other plugins under such a prefix, and variations of a real unrelated name, are left alone.
    for (const name of [ 'eggjs-graphql', 'egg_graphql', 'eggjs-view-react', 'eggjs-tidy', 'eggjs-mssql', 'egg.js-cos', 'egg-jsonp', 'eggjs', 'egg-js' ]) {
      assert.equal(findTyposquat(name), undefined, name);
    }
  });

  it('leaves unrelated names alone: other egg plugins, short names two letters away, real look-alike scopes', () => {
    for (const name of [ 'egg-tidy', 'egg-view-react', 'egg-graphql', 'egg-apm', 'my-plugin', '@company/egg-security', '@egjs/flicking', 'egg-mssql-pool' ]) {
      assert.equal(findTyposquat(name), undefined, name);
    }
    // Real plugins one edit from a well-known one (egg-cors, egg-mysql, egg-oss, egg-ci) that are unrelated to it: eggjs's
    // own egg-ots and egg-ons were refused as look-alikes of egg-oss (black-box round 38, h3 M3).
    for (const name of [ 'egg-cos', 'egg-mssql', 'egg-mysql2', 'egg-obs', 'egg-validator', 'egg-ots', 'egg-ons', 'egg-di', 'egg-xss', 'egg-wss' ]) {
      assert.equal(findTyposquat(name), undefined, name);
    }
    assert.deepEqual(findTyposquat('egg-mysq'), { imitates: 'egg-mysql', kind: 'name' }, 'the well-known name is still the one imitated');
  });

  it('edit distance counts a swap of neighbours as one', () => {
    assert.equal(editDistance('security', 'secuirty'), 1);
    assert.equal(editDistance('abc', 'abc'), 0);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  it('a broken list refuses to load with the file and the problem named', () => {
    assert.throws(() => parseKnownNames({ ...knownPluginsData, communityPlugins: [ 'Egg-Bad Name' ] }), /known-plugins\.json is invalid.*"communityPlugins" holds "Egg-Bad Name"/);
    assert.throws(() => parseKnownNames({ ...knownPluginsData, scopes: [] }), /"scopes" must be a non-empty array/);
    assert.throws(() => parseKnownNames({ ...knownPluginsData, packages: [ 'egg', 'egg' ] }), /names listed twice: egg/);
  });

  it('glob-style name patterns: * within a name, ? for one character, the rest literal', () => {
    assert.ok(compileNamePattern('egg-*')('egg-security'));
    assert.ok(compileNamePattern('@eggjs/*')('@eggjs/security'));
    assert.ok(!compileNamePattern('egg-*')('@eggjs/egg-x'), '* does not cross /');
    assert.ok(compileNamePattern('egg-vie?')('egg-view'));
    assert.ok(!compileNamePattern('egg.js')('eggxjs'), 'a dot is literal');
  });

  it('SEN102 checks the installed and the configured package names', () => {
    const hits = typosquattedPlugin.check(withPlugins([ plugin({ name: 'security', package: 'egg-security', configuredPackage: 'egg-securlty' }) ]), PROD);
    assert.deepEqual(hits.map(hit => hit.message), [ 'plugin security (egg-security): the package "egg-securlty" is a look-alike of egg-security' ]);
    // A name that imitates nothing, holding another package: an npm alias.
    const aliased = typosquattedPlugin.check(withPlugins([ plugin({ name: 'jsonp', package: 'egg-cors', configuredPackage: 'egg-jsonp' }) ]), PROD);
    assert.match(aliased.map(hit => hit.message).join('\n'), /^plugin jsonp \(egg-cors\): egg looks the plugin up as "egg-jsonp", and .* holds the package "egg-cors" installed under that name/);
  });
});

describe('SEN101 plugin location', () => {
  it('a local root that holds the app root (/, ../..) is reported: it would trust every directory', () => {
    const facts = withPlugins([ plugin({ name: 'evil', package: 'egg-evil', realPath: '/tmp/evil', location: 'local' }) ]);
    facts.pluginTrust.trustedRoots.local = [ '/', '/srv/fake/lib/plugin' ];
    const hits = pluginOutsideTrustedRoots.check(facts, DEV);
    assert.deepEqual(hits.map(hit => hit.target), [ 'config.sentinel.plugins.localRoots[0]' ]);
    assert.match(hits[0].message, /localRoots\[0\] is \/, which holds the app root itself/);
  });

  it('a local root that is the app root (`.`) is reported: it would trust run/, logs/ and upload directories', () => {
    const facts = withPlugins([]);
    facts.pluginTrust.trustedRoots.local = [ '/srv/fake' ];
    const [ hit ] = pluginOutsideTrustedRoots.check(facts, PROD);
    assert.equal(hit?.target, 'config.sentinel.plugins.localRoots[0]');
    assert.match(hit.message, /is the app root itself: every directory in the app \(run\/, logs\/, upload directories\) becomes a trusted plugin location/);
  });

  it('a local root inside or around a directory the app writes at run time (rundir, logger.dir, multipart.tmpdir) is reported', () => {
    const facts = withPlugins([]);
    facts.pluginTrust.trustedRoots.local = [ '/srv/fake/run/plugins', '/tmp', '/srv/fake/lib/plugin', '/srv/fake/logs-archive' ];
    const dirs = { rundir: '/srv/fake/run', 'logger.dir': '/srv/fake/logs', 'multipart.tmpdir': '/tmp/egg-multipart-tmp/fake', 'view.root': '/srv/fake/lib/plugin' };
    facts.files.configPaths = Object.entries(dirs).map(([ keyPath, realPath ]) => ({ keyPath, value: realPath, realPath, setBy: 'app' as const }));
    const hits = pluginOutsideTrustedRoots.check(facts, PROD);
    assert.deepEqual(hits.map(hit => hit.message), [
      'config.sentinel.plugins.localRoots[0] is run/plugins, inside rundir (run), which the app writes at run time: what a request or a log line leaves there would load as a trusted plugin',
      'config.sentinel.plugins.localRoots[1] is /tmp, around multipart.tmpdir (/tmp/egg-multipart-tmp/fake), which the app writes at run time: what a request or a log line leaves there would load as a trusted plugin',
    ], 'lib/plugin is no such directory (view.root is read, not written); logs-archive is beside logs, not in it');
  });

  it('a local root outside the app is medium, once: one reported as holding the app or a written directory is not repeated', () => {
    const facts = withPlugins([]);
    facts.pluginTrust.trustedRoots.local = [ '/srv/fake/lib/plugin', '/opt/plugins', '/', '/tmp' ];
    facts.pluginTrust.trustedRoots.localOutsideApp = [ '/opt/plugins', '/', '/tmp' ];
    facts.files.configPaths = [{ keyPath: 'multipart.tmpdir', value: '/tmp/up', realPath: '/tmp/up', setBy: 'app' }];
    const hits = pluginOutsideTrustedRoots.check(facts, PROD);
    assert.deepEqual(hits.map(hit => [ hit.target, hit.severity ]), [
      [ 'config.sentinel.plugins.localRoots[2]', 'high' ], [ 'config.sentinel.plugins.localRoots[3]', 'high' ], [ 'config.sentinel.plugins.localRoots[1]', 'medium' ],
    ]);
    assert.match(hits[2].message, /^config\.sentinel\.plugins\.localRoots\[1\] is \/opt\/plugins, outside the app root: a plugin there is trusted/);
  });

  it('a plugin inside the app\'s installed framework (its lib/plugin) is trusted, also when the framework is a workspace package node_modules links to; not inside one another user\'s node_modules holds (black-box round 39, h1 F8)', () => {
    const framework = (realPath: string, place: FrameworkPlaceFact) => ({ package: '@acme/egg-framework', realPath, displayPath: realPath, setBy: { key: 'package.json' as const, value: '@acme/egg-framework' },
      location: 'local' as const, place, lock: { state: 'not-applicable' as const } });
    const bundled = plugin({ name: 'acmeAuth', package: 'egg-acme-auth', realPath: '/srv/mono/packages/framework/lib/plugin/egg-acme-auth', location: 'local' });
    const judged = (place: FrameworkPlaceFact) => {
      const facts = withPlugins([ bundled ], {}, { pluginTrust: { frameworks: [ framework('/srv/mono/packages/framework', place) ] } as any });
      return pluginOutsideTrustedRoots.check(facts, PROD).filter(hit => hit.target === 'plugin:acmeAuth');
    };
    assert.deepEqual(judged({ state: 'installed', root: '/srv/mono/node_modules' }), []);
    assert.deepEqual(judged({ state: 'workspace', workspace: { lockfile: 'package-lock.json' } }), []);
    assert.equal(judged({ state: 'refused', dir: '/tmp/node_modules', why: 'is writable by every user' }).length, 1);
  });

  it('judges the real path against node_modules roots and localRoots; the project itself is never judged', () => {
    const facts = withPlugins([
      plugin(),
      plugin({ name: 'local', package: undefined, realPath: '/srv/fake/lib/plugin/local', location: 'local' }),
      plugin({ name: 'evil', package: 'egg-evil', realPath: '/tmp/evil', location: 'local' }),
      plugin({ name: 'self', realPath: '/home/dev/egg-sentinel', location: 'project' }),
    ]);
    const hits = pluginOutsideTrustedRoots.check(facts, DEV);
    assert.deepEqual(hits.map(hit => [ hit.target, hit.severity ]), [ [ 'plugin:evil', 'high' ] ]);
    assert.match(hits[0].message, /loaded from \/tmp\/evil, outside the trusted directories/);
  });
});

describe('SEN103 lockfile entries', () => {
  const locked = (entry: Record<string, unknown>) => plugin({ lock: { state: 'locked', lockfile: '/srv/fake/package-lock.json', entry } });

  it('reports version drift, a missing integrity and a non-https source; a workspace link is fine', () => {
    const facts = withPlugins([
      locked({ version: '1.0.0', integrity: 'sha512-x', resolved: 'https://registry.npmjs.org/egg-tidy/-/egg-tidy-1.0.0.tgz' }),
      locked({ version: '0.9.0', integrity: 'sha512-x' }),
      locked({ version: '1.0.0' }),
      locked({ version: '1.0.0', integrity: 'sha512-x', resolved: 'http://user:pw@mirror.example/egg-tidy.tgz' }),
      locked({ link: true }),
      locked({ version: '1.0.0', integrity: 'sha512-x', resolved: 'file:../vendor/egg-tidy-1.0.0.tgz' }),
      locked({ version: '1.0.0', resolved: 'file:../vendor/egg-tidy-1.0.0.tgz' }),
      locked({ version: '1.0.0', integrity: 'x', resolved: 'https://registry.npmjs.org/egg-tidy/-/egg-tidy-1.0.0.tgz' }),
      locked({ linkedTo: '../elsewhere' }),
      locked({ version: '1.0.0', integrity: '10c0/0123abcd' }),
      // yarn 2 and 3 write the checksum without yarn 4's cache key.
      locked({ version: '1.0.0', integrity: 'ada901b9e7c680d190f1d012c84217ce0063d8f5c5a7725bb91ec3c5ed99bb7572680eb2d2938a531ccbaec39a95422fcd8a6b4a13110c7d98dd75402f66a0cd' }),
      locked({ version: '1.0.0', integrity: 'sha512-AbC+/9== sha1-Zm9v' }),
    ]);
    const messages = pluginNotLocked.check(facts, PROD).map(hit => hit.message);
    assert.deepEqual(messages, [
      'plugin tidy (egg-tidy)@1.0.0 installed version 1.0.0 differs from the locked 0.9.0 (package-lock.json)',
      'plugin tidy (egg-tidy)@1.0.0 its lockfile entry has no integrity hash (package-lock.json)',
      'plugin tidy (egg-tidy)@1.0.0 was resolved from http://mirror.example/egg-tidy.tgz, not over https (package-lock.json)',
      'plugin tidy (egg-tidy)@1.0.0 its lockfile entry has no integrity hash (package-lock.json)',
      'plugin tidy (egg-tidy)@1.0.0 its lockfile entry\'s integrity is no hash an install can check (npm\'s `sha512-…`, yarn berry\'s checksum) (package-lock.json)',
      'plugin tidy (egg-tidy)@1.0.0 is a directory of its own where package-lock.json records a link to ../elsewhere: what is installed is not what was locked',
    ], 'credentials in the URL are not echoed; a local tarball with its hash is locked; berry checksums and SRI lists are hashes');
  });

  it('an https URL must lie on a registry the app installs from, compared by origin and path; http, git and file: keep their own handling', () => {
    const from = (resolved: string) => locked({ version: '1.0.0', integrity: 'sha512-x', resolved });
    const facts = withPlugins([
      from('https://registry.npmjs.org/egg-tidy/-/egg-tidy-1.0.0.tgz'),
      from('https://registry.yarnpkg.com/egg-tidy/-/egg-tidy-1.0.0.tgz'),
      from('https://registry.npmjs.org.evil.net/egg-tidy/-/egg-tidy-1.0.0.tgz'),
      from('https://token:secret@evil.example.net/x.tgz'),
      from('https://npm.acme.dev/private/egg-tidy.tgz'),
      from('https://npm.acme.dev/privateer/egg-tidy.tgz'),
      from('https://npm.acme.dev:8443/private/egg-tidy.tgz'),
      from('https://scoped.acme.dev/egg-tidy.tgz'),
      from('git+ssh://git@github.com/acme/egg-tidy.git#abc'),
      from('file:../vendor/egg-tidy-1.0.0.tgz'),
      plugin({ lock: { state: 'locked', lockfile: '/srv/fake/yarn.lock', entry: { version: '1.0.0', integrity: 'sha512-x' } }, dependencySources: [
        { package: 'left', version: '1.0.0', resolved: 'https://registry.npmjs.org/left/-/left-1.0.0.tgz', lockfile: '/srv/fake/yarn.lock' },
        { package: 'right', version: '2.0.0', resolved: 'https://evil.example.net/right.tgz', lockfile: '/srv/fake/yarn.lock' },
        { package: 'plain', version: '3.0.0', resolved: 'http://registry.npmjs.org/plain/-/plain-3.0.0.tgz', lockfile: '/srv/fake/yarn.lock' },
      ] }),
    ], { registries: [ 'https://npm.acme.dev/private' ] }, { pluginTrust: { configuredRegistries: [ { url: 'https://scoped.acme.dev/', from: '.npmrc (@acme:registry)' } ] } });
    const hits = pluginNotLocked.check(facts, PROD);
    assert.deepEqual(hits.map(hit => hit.message), [
      'plugin tidy (egg-tidy)@1.0.0 was resolved from https://registry.npmjs.org.evil.net/egg-tidy/-/egg-tidy-1.0.0.tgz, on host registry.npmjs.org.evil.net, which is no registry the app installs from (package-lock.json)',
      'plugin tidy (egg-tidy)@1.0.0 was resolved from https://evil.example.net/x.tgz, on host evil.example.net, which is no registry the app installs from (package-lock.json)',
      'plugin tidy (egg-tidy)@1.0.0 was resolved from https://npm.acme.dev/privateer/egg-tidy.tgz, on host npm.acme.dev, which is no registry the app installs from (package-lock.json)',
      'plugin tidy (egg-tidy)@1.0.0 was resolved from https://npm.acme.dev:8443/private/egg-tidy.tgz, on host npm.acme.dev:8443, which is no registry the app installs from (package-lock.json)',
      'plugin tidy (egg-tidy)@1.0.0 was resolved from git+ssh://github.com/acme/egg-tidy.git#abc, not over https (package-lock.json)',
      'plugin tidy (egg-tidy)@1.0.0 pulls in packages its lockfile does not pin to a registry the app installs from: ' +
        'right@2.0.0 was resolved from https://evil.example.net/right.tgz, on host evil.example.net, which is no registry the app installs from (yarn.lock); ' +
        'plain@3.0.0 was resolved from http://registry.npmjs.org/plain/-/plain-3.0.0.tgz, not over https (yarn.lock)',
    ], 'credentials are not echoed; a path prefix covers what lies below it only');
    assert.deepEqual(hits.map(hit => /plugins\.registries/.test(hit.fix ?? '')), [ true, true, true, true, false, true ]);
  });

  it('the audit reports a registry only the user\'s or the environment\'s npm config names, once, with its plugins; boot does not, nor the app\'s own registries (h74 F4)', () => {
    const nexus = 'https://nexus.acme.dev/repository/npm/';
    const facts = (loadedBy: 'boot' | 'audit', configuredRegistries: Array<{ url: string; from: string; user?: true }>) => withPlugins([
      locked({ version: '1.0.0', integrity: 'sha512-x', resolved: `${nexus}egg-tidy/-/egg-tidy-1.0.0.tgz` }),
      plugin({ name: 'view', package: 'egg-view', lock: { state: 'locked', lockfile: '/srv/fake/package-lock.json', entry: { version: '1.0.0', integrity: 'sha512-x' } },
        dependencySources: [{ package: 'left', version: '1.0.0', resolved: `${nexus}left/-/left-1.0.0.tgz`, lockfile: '/srv/fake/package-lock.json' }] }),
    ], {}, { pluginTrust: { configuredRegistries }, builtins: { packages: { installed: [], loadedBy, walkMs: 0 } } });
    const user = [{ url: nexus, from: 'npm_config_registry', user: true as const }];
    const hits = pluginNotLocked.check(facts('audit', user), PROD);
    assert.deepEqual(hits.map(hit => `${hit.severity} ${hit.target} ${hit.source}`), [ `medium registry:${nexus} npm_config_registry` ]);
    assert.match(hits[0].message, /the lockfile URLs of 2 package\(s\) of 2 plugin\(s\) \(tidy, view\) lie there/);
    assert.deepEqual(pluginNotLocked.check(facts('audit', user), { ...PROD, developmentEnv: true }).map(hit => hit.severity), [ 'low' ]);
    assert.deepEqual(pluginNotLocked.check(facts('boot', user), PROD), [], 'at boot the config the process has is what counts');
    assert.deepEqual(pluginNotLocked.check(facts('audit', [ ...user, { url: nexus, from: '.npmrc (registry)' } ]), PROD), [], 'the app\'s .npmrc names it too');
  });

  it('reads the registries of the app dir\'s .npmrc, .yarnrc and .yarnrc.yml; registryOf compares parsed URLs', () => {
    const dir = tempTree({
      '.npmrc': '; comment\nregistry=https://npm.acme.dev/\n@acme:registry = "https://scoped.acme.dev/npm/"\n//npm.acme.dev/:_authToken=${NPM_TOKEN}\nstrict-ssl=true\n',
      '.yarnrc': 'registry "https://yarn.acme.dev/"\n"@corp:registry" "https://corp.acme.dev/"\n',
      '.yarnrc.yml': 'npmRegistryServer: "https://berry.acme.dev"\nnpmScopes:\n  corp:\n    npmRegistryServer: https://berry-corp.acme.dev/\n',
    });
    assert.deepEqual(readConfiguredRegistries(dir, {}), [
      { url: 'https://npm.acme.dev/', from: '.npmrc (registry)' },
      { url: 'https://scoped.acme.dev/npm/', from: '.npmrc (@acme:registry)' },
      { url: 'https://yarn.acme.dev/', from: '.yarnrc (registry)' },
      { url: 'https://corp.acme.dev/', from: '.yarnrc (@corp:registry)' },
      { url: 'https://berry.acme.dev', from: '.yarnrc.yml (npmRegistryServer)' },
      { url: 'https://berry-corp.acme.dev/', from: '.yarnrc.yml (npmRegistryServer)' },
    ]);
    assert.deepEqual(readConfiguredRegistries(path.join(dir, 'missing'), {}), []);
    // A build machine's registry: the user's ~/.npmrc and npm_config_registry (round 23).
    const home = tempTree({ '.npmrc': 'registry=https://artifactory.acme.dev/api/npm/npm/\n' });
    assert.deepEqual(readConfiguredRegistries(path.join(dir, 'missing'), { HOME: home, NPM_CONFIG_REGISTRY: 'https://nexus.acme.dev/repository/npm/' }), [
      { url: 'https://artifactory.acme.dev/api/npm/npm/', from: '~/.npmrc (registry)', user: true },
      { url: 'https://nexus.acme.dev/repository/npm/', from: 'NPM_CONFIG_REGISTRY', user: true },
    ]);
    assert.equal(registryOf('https://registry.npmmirror.com/egg/-/egg-3.34.0.tgz', DEFAULT_REGISTRIES), 'https://registry.npmmirror.com/', 'a public mirror egg teams use');
    assert.equal(registryOf('https://registry.npmjs.org/a/-/a-1.0.0.tgz', DEFAULT_REGISTRIES), 'https://registry.npmjs.org/');
    assert.equal(registryOf('https://REGISTRY.npmjs.org:443/a.tgz', DEFAULT_REGISTRIES), 'https://registry.npmjs.org/', 'host case and the default port');
    assert.equal(registryOf('https://registry.npmjs.org.evil.net/a.tgz', DEFAULT_REGISTRIES), undefined);
    assert.equal(registryOf('https://registry.npmjs.org@evil.net/a.tgz', DEFAULT_REGISTRIES), undefined, 'user info before the real host');
    assert.equal(registryOf('http://registry.npmjs.org/a.tgz', DEFAULT_REGISTRIES), undefined);
    assert.equal(registryOf('https://scoped.acme.dev/npm/../evil/a.tgz', [ 'https://scoped.acme.dev/npm/' ]), undefined, 'dot segments are resolved first');
    assert.equal(registryOf('not a url', DEFAULT_REGISTRIES), undefined);
  });

  it('plugins.registries takes https URL prefixes only', () => {
    assert.doesNotThrow(() => validateSentinelConfig({ plugins: { registries: [ 'https://npm.acme.dev/repository/npm/' ] } }, RULE_IDS));
    assert.throws(() => validateSentinelConfig({ plugins: { registries: [ 'npm.acme.dev', 'http://npm.acme.dev/' ] } }, RULE_IDS), (error: Error) =>
      /config\.sentinel\.plugins\.registries\[0\]: "npm\.acme\.dev" does not match an https URL prefix of a registry/.test(error.message) &&
      /config\.sentinel\.plugins\.registries\[1\]: "http:\/\/npm\.acme\.dev\/" does not match/.test(error.message));
  });

  it('no lockfile is one finding per installing project; low in development envs', () => {
    const none = { state: 'no-lockfile' as const, projectDir: '/srv/fake' };
    const facts = withPlugins([ plugin({ lock: none }), plugin({ name: 'b', package: 'egg-b', lock: none }), plugin({ name: 'c', location: 'local' }) ]);
    const hits = pluginNotLocked.check(facts, DEV);
    assert.equal(hits.length, 1);
    assert.equal(hits[0].severity, 'low');
    assert.equal(hits[0].target, 'lockfile:.');
    assert.match(hits[0].message, /at or above the app root, which installed the plugin package\(s\) egg-tidy, egg-b/);
  });

  it('reads npm lockfiles v1 and v3 by install path, following workspace links', () => {
    const dir = tempTree({
      'package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: {
        '': { name: 'app' },
        'node_modules/egg-a': { version: '1.0.0', integrity: 'sha512-a' },
        'node_modules/egg-b/node_modules/egg-a': { version: '2.0.0', integrity: 'sha512-a2' },
        'node_modules/egg-ws': { resolved: 'packages/egg-ws', link: true },
        'packages/egg-ws': { version: '0.1.0' },
      } }),
      'node_modules/egg-a/package.json': '{}',
      'node_modules/egg-b/node_modules/egg-a/package.json': '{}',
      'packages/egg-ws/package.json': '{}',
      'v1/package-lock.json': JSON.stringify({ lockfileVersion: 1, dependencies: { 'egg-a': { version: '1.0.0', integrity: 'sha512-a', dependencies: { 'egg-c': { version: '3.0.0' } } } } }),
    });
    fs.symlinkSync('../packages/egg-ws', path.join(dir, 'node_modules/egg-ws'));
    const lock = readLockfile(path.join(dir, 'package-lock.json'), 'package-lock.json');
    assert.equal(lock.find('egg-a', path.join(dir, 'node_modules/egg-a'))?.version, '1.0.0');
    assert.equal(lock.find('egg-a', path.join(dir, 'node_modules/egg-b/node_modules/egg-a'))?.version, '2.0.0');
    assert.deepEqual(lock.find('egg-ws', fs.realpathSync(path.join(dir, 'node_modules/egg-ws'))), { version: '0.1.0', link: true });
    assert.equal(lock.find('egg-x', path.join(dir, 'node_modules/egg-x')), undefined);
    // A real directory where the lockfile records a link (the link replaced by other code).
    fs.rmSync(path.join(dir, 'node_modules/egg-ws'));
    fs.mkdirSync(path.join(dir, 'node_modules/egg-ws'));
    assert.deepEqual(lock.find('egg-ws', path.join(dir, 'node_modules/egg-ws')), { linkedTo: 'packages/egg-ws' });
    const v1 = readLockfile(path.join(dir, 'v1/package-lock.json'), 'package-lock.json');
    assert.equal(v1.find('egg-c', path.join(dir, 'v1/node_modules/egg-a/node_modules/egg-c'))?.version, '3.0.0');
    assert.equal(installingProjectDir(path.join(dir, 'node_modules/egg-b/node_modules/egg-a')), dir);
    assert.equal(installingProjectDir(path.join(dir, 'lib/plugin/x')), undefined);
    assert.deepEqual(findLockfile(path.join(dir, 'packages/egg-ws')), { file: path.join(dir, 'package-lock.json'), kind: 'package-lock.json' });
  });

  it('a workspace package the app declares and the lockfile links is the app\'s (a framework in packages/, black-box round 39, h1 F2/F4); undeclared, unlinked or outside the lockfile\'s project it is not', () => {
    const lock = (links: Record<string, string>) => JSON.stringify({ lockfileVersion: 3, packages: {
      '': { name: 'mono', workspaces: [ 'packages/*', 'apps/*' ] },
      ...Object.fromEntries(Object.entries(links).map(([ name, target ]) => [ `node_modules/${name}`, { resolved: target, link: true } ])),
      'packages/framework': { name: '@acme/egg-framework', version: '3.0.0' },
      'apps/web': { name: '@acme/web', version: '1.0.0', dependencies: { '@acme/egg-framework': '^3.0.0' } },
    } });
    const dir = tempTree({
      'package-lock.json': lock({ '@acme/egg-framework': 'packages/framework', '@acme/web': 'apps/web' }),
      'packages/framework/package.json': JSON.stringify({ name: '@acme/egg-framework', version: '3.0.0' }),
      'packages/other/package.json': JSON.stringify({ name: '@acme/other', version: '1.0.0' }),
      'apps/web/package.json': JSON.stringify({ name: '@acme/web', dependencies: { '@acme/egg-framework': '^3.0.0', '@acme/other': '^1.0.0' } }),
    });
    fs.mkdirSync(path.join(dir, 'node_modules/@acme'), { recursive: true });
    fs.symlinkSync('../../packages/framework', path.join(dir, 'node_modules/@acme/egg-framework'));
    const web = path.join(dir, 'apps/web');
    assert.equal(isDeclaredWorkspacePackage(path.join(dir, 'node_modules/@acme/egg-framework'), web), true, 'through its link');
    assert.equal(isDeclaredWorkspacePackage(path.join(dir, 'packages/framework'), web), true, 'by its real path');
    assert.equal(isDeclaredWorkspacePackage(path.join(dir, 'packages/other'), web), false, 'declared, but the lockfile links no such package');
    fs.writeFileSync(path.join(web, 'package.json'), JSON.stringify({ name: '@acme/web' }));
    assert.equal(isDeclaredWorkspacePackage(path.join(dir, 'packages/framework'), web), false, 'linked, but the app does not declare it');
    const elsewhere = tempTree({ 'package.json': JSON.stringify({ name: '@acme/egg-framework', version: '3.0.0' }) });
    assert.equal(isDeclaredWorkspacePackage(elsewhere, web), false, 'outside the project');
  });

  it('reads pnpm-lock.yaml (v6, v9) and yarn.lock (classic, berry) by name and version', () => {
    const dir = tempTree({
      'pnpm-lock.yaml': "lockfileVersion: '9.0'\n\npackages:\n\n  egg-a@1.0.0:\n    resolution: {integrity: sha512-a9}\n\n  '@eggjs/b@2.0.0':\n    resolution: {tarball: http://mirror/b.tgz}\n\nsnapshots:\n  egg-a@1.0.0: {}\n",
      'v6/pnpm-lock.yaml': "lockfileVersion: '6.0'\npackages:\n  /egg-a@1.1.0(egg@3.0.0):\n    resolution: {integrity: sha512-a6}\n    requiresBuild: true\n    dev: false\n",
      'tarball/pnpm-lock.yaml': "lockfileVersion: '9.0'\npackages:\n  egg-t@file:../egg-t-0.1.0.tgz:\n    resolution: {integrity: sha512-t, tarball: file:../egg-t-0.1.0.tgz}\n    version: 0.1.0\n    engines: {node: '>=18'}\n",
      'yarn.lock': '# yarn lockfile v1\n\n"egg-a@^1.0.0", egg-a@~1.0.0:\n  version "1.0.0"\n  resolved "https://registry.yarnpkg.com/egg-a/-/egg-a-1.0.0.tgz#abc"\n  integrity sha512-y1\n',
      'berry/yarn.lock': '__metadata:\n  version: 6\n\n"@eggjs/b@npm:^2.0.0":\n  version: 2.0.0\n  resolution: "@eggjs/b@npm:2.0.0"\n  checksum: 10c0/abc\n',
    });
    const pnpm = readLockfile(path.join(dir, 'pnpm-lock.yaml'), 'pnpm-lock.yaml');
    assert.equal(pnpm.find('egg-a', '/x', '1.0.0')?.integrity, 'sha512-a9');
    assert.equal(pnpm.find('@eggjs/b', '/x', '2.0.0')?.resolved, 'http://mirror/b.tgz');
    assert.equal(readLockfile(path.join(dir, 'v6/pnpm-lock.yaml'), 'pnpm-lock.yaml').find('egg-a', '/x', '1.1.0')?.integrity, 'sha512-a6');
    // pnpm (up to 8) records that the install ran a script of the package (SEN105, black-box round 43, r43h1 F2).
    assert.equal(readLockfile(path.join(dir, 'v6/pnpm-lock.yaml'), 'pnpm-lock.yaml').find('egg-a', '/x', '1.1.0')?.installScript, 'requiresBuild');
    assert.equal(pnpm.find('egg-a', '/x', '1.0.0')?.installScript, undefined);
    const yarn = readLockfile(path.join(dir, 'yarn.lock'), 'yarn.lock').find('egg-a', '/x', '1.0.0');
    assert.equal(yarn?.integrity, 'sha512-y1');
    assert.match(String(yarn?.resolved), /^https:/);
    assert.equal(readLockfile(path.join(dir, 'berry/yarn.lock'), 'yarn.lock').find('@eggjs/b', '/x', '2.0.0')?.integrity, '10c0/abc');
    assert.equal(pnpm.find('egg-a', '/x', '9.9.9')?.version, '1.0.0', 'another version: the rule reports the mismatch');
    assert.deepEqual(readLockfile(path.join(dir, 'tarball/pnpm-lock.yaml'), 'pnpm-lock.yaml').find('egg-t', '/x', '0.1.0'),
      { name: 'egg-t', version: '0.1.0', integrity: 'sha512-t', resolved: 'file:../egg-t-0.1.0.tgz' }, 'a local tarball: its version, not its spec');
    // pnpm 7 and 8 key a package from a tarball or a directory by its spec alone, with its name and version on lines
    // of their own (black-box round 39, h1 F5: egg-sentinel's own tarball was "not locked").
    const specKeyed = (key: string) => `lockfileVersion: '6.0'\npackages:\n  ${key}:\n    resolution: {integrity: sha512-s, tarball: file:../egg-sentinel-0.1.0.tgz}\n` +
      '    id: file:../egg-sentinel-0.1.0.tgz\n    name: egg-sentinel\n    version: 0.1.0\n    dependencies:\n      name: 1.0.0\n      version: 2.0.0\n    dev: false\n';
    for (const key of [ 'file:../egg-sentinel-0.1.0.tgz(egg@3.34.0)', 'file:../egg-sentinel-0.1.0.tgz_egg@3.34.0' ]) {
      const file = path.join(dir, `spec-${key.length}.yaml`);
      fs.writeFileSync(file, specKeyed(key));
      assert.deepEqual(readLockfile(file, 'pnpm-lock.yaml').find('egg-sentinel', '/app/node_modules/.pnpm/x/node_modules/egg-sentinel', '0.1.0'),
        { name: 'egg-sentinel', version: '0.1.0', integrity: 'sha512-s', resolved: 'file:../egg-sentinel-0.1.0.tgz' }, key);
    }
    // By the name it is installed under: a planted node_modules/egg-impostor whose package.json says egg-a is not egg-a.
    const yarnLock = readLockfile(path.join(dir, 'yarn.lock'), 'yarn.lock');
    assert.equal(yarnLock.find('egg-a', '/app/node_modules/egg-impostor', '1.0.0'), undefined);
    assert.equal(yarnLock.find('egg-a', '/app/node_modules/egg-a', '1.0.0')?.integrity, 'sha512-y1');
    assert.equal(pnpm.find('egg-a', '/app/node_modules/egg-impostor', '1.0.0'), undefined);
    assert.equal(pnpm.find('@eggjs/b', '/app/node_modules/.pnpm/@eggjs+b@2.0.0/node_modules/@eggjs/b', '2.0.0')?.resolved, 'http://mirror/b.tgz', 'pnpm\'s store');
    // yarn 1 keeps a local tarball's SHA-1 in the fragment of `resolved`, with no integrity line.
    const tarball = path.join(dir, 'yarn-tarball.lock');
    fs.writeFileSync(tarball, `"egg-sentinel@file:../egg-sentinel-0.1.0.tgz":\n  version "0.1.0"\n  resolved "file:../egg-sentinel-0.1.0.tgz#${'ab12'.repeat(10)}"\n`);
    assert.equal(readLockfile(tarball, 'yarn.lock').find('egg-sentinel', '/app/node_modules/egg-sentinel', '0.1.0')?.integrity,
      `sha1-${Buffer.from('ab12'.repeat(10), 'hex').toString('base64')}`);
  });

  it('a broken npm lockfile is an error naming the file and the fix', () => {
    const dir = tempTree({ 'package-lock.json': '{ nope', 'other/package-lock.json': '{ "name": "x" }' });
    assert.throws(() => readLockfile(path.join(dir, 'package-lock.json'), 'package-lock.json'),
      (error: Error) => error instanceof LockfileError && /package-lock\.json is not valid JSON .*npm install --package-lock-only/.test(error.message));
    assert.throws(() => readLockfile(path.join(dir, 'other/package-lock.json'), 'package-lock.json'), /has neither "packages" nor "dependencies"/);
  });
});

describe('the manifest (SEN104, egg-sentinel pin)', () => {
  const app = () => tempTree({
    'package.json': '{"name":"app"}',
    'node_modules/egg-a/package.json': JSON.stringify({ name: 'egg-a', version: '1.0.0', dependencies: { dep: '^1' }, eggPlugin: { name: 'a' } }),
    'node_modules/egg-a/app.js': 'module.exports = () => {};\n',
    'node_modules/egg-a/lib/z.js': '1;\n',
    'node_modules/egg-a/node_modules/nested/index.js': 'ignored\n',
    // egg's loader globs every file below app/middleware, a node_modules there included: hashed.
    'node_modules/egg-a/app/middleware/node_modules/pwn.js': 'module.exports = () => (ctx, next) => next();\n',
    'node_modules/dep/package.json': JSON.stringify({ name: 'dep', version: '1.2.3', scripts: { postinstall: 'node x' } }),
    'node_modules/dep/index.js': 'dep\n',
  });

  it('hashes files sorted, without the package\'s own node_modules (its dependencies), and round-trips through parse', () => {
    const dir = app();
    const hashes = hashFiles(path.join(dir, 'node_modules/egg-a'));
    assert.deepEqual(Object.keys(hashes), [ 'app.js', 'app/middleware/node_modules/pwn.js', 'lib/z.js', 'package.json' ]);
    const manifest = buildManifest({ baseDir: dir, deep: true, envs: [{ env: 'prod', plugins: [{ name: 'a', dir: path.join(dir, 'node_modules/egg-a'), byName: true }] }] });
    assert.deepEqual(Object.keys(manifest.plugins.a.dependencies ?? {}), [ 'node_modules/dep' ]);
    assert.deepEqual(parseManifest(serializeManifest(manifest), 'sentinel.lock.json'), manifest);
    assert.deepEqual(dependencyClosure(path.join(dir, 'node_modules/egg-a')).map(dep => dep.pkg.name), [ 'dep' ]);
  });

  it('the closure holds the peer dependencies installed, which the plugin requires as any other (black-box round 38, h3 M2)', () => {
    const dir = tempTree({
      'package.json': '{"name":"app"}',
      'node_modules/egg-db/package.json': JSON.stringify({ name: 'egg-db', version: '1.0.0', peerDependencies: { driver: '^2', absent: '^1', egg: '^3' }, eggPlugin: { name: 'db' } }),
      'node_modules/egg/package.json': JSON.stringify({ name: 'egg', version: '3.34.0' }),
      'node_modules/egg-db/app.js': "require('driver');\n",
      'node_modules/driver/package.json': JSON.stringify({ name: 'driver', version: '2.0.0' }),
      'node_modules/driver/index.js': 'module.exports = {};\n',
    });
    const pluginDir = path.join(dir, 'node_modules/egg-db');
    assert.deepEqual(dependencyClosure(pluginDir).map(dep => dep.pkg.name), [ 'driver' ], 'a peer the app does not install, and egg itself, are left out');
    const manifest = buildManifest({ baseDir: dir, deep: true, envs: [{ env: 'prod', plugins: [{ name: 'db', dir: pluginDir, byName: true }] }] });
    fs.appendFileSync(path.join(dir, 'node_modules/driver/index.js'), "require('child_process');\n");
    assert.deepEqual(verifyPlugin(manifest.plugins.db, pluginDir, dir, true).changed, [ 'node_modules/driver/index.js' ]);
  });

  it('follows symbolic links: what a linked file holds and what a linked directory holds are pinned', () => {
    const dir = app();
    const outside = tempTree({ 'evil.js': 'module.exports = 1;\n', 'dir/a.js': 'a\n' });
    const pluginDir = path.join(dir, 'node_modules/egg-a');
    fs.mkdirSync(path.join(pluginDir, 'app/service'), { recursive: true });
    fs.symlinkSync(path.join(outside, 'evil.js'), path.join(pluginDir, 'app/service/link.js'));
    fs.symlinkSync(path.join(outside, 'dir'), path.join(pluginDir, 'app/service/dir'));
    fs.symlinkSync('.', path.join(pluginDir, 'app/service/self'));
    const hashes = hashFiles(pluginDir);
    assert.match(hashes['app/service/link.js'], new RegExp(`^symlink:${outside}/evil\\.js sha256:[0-9a-f]{64}$`));
    assert.match(hashes['app/service/dir/a.js'], /^[0-9a-f]{64}$/, 'a linked directory\'s files are listed below the link');
    assert.ok(!Object.keys(hashes).some(file => file.startsWith('app/service/self/')), 'a link back into the plugin is not walked again');
    const manifest = buildManifest({ baseDir: dir, deep: false, envs: [{ env: 'prod', plugins: [{ name: 'a', dir: pluginDir, byName: true }] }] });
    fs.writeFileSync(path.join(outside, 'evil.js'), 'require("child_process");\n');
    fs.writeFileSync(path.join(outside, 'dir/b.js'), 'b\n');
    assert.deepEqual(verifyPlugin(manifest.plugins.a, pluginDir, dir, false), { changed: [ 'app/service/link.js' ], added: [ 'app/service/dir/b.js' ], removed: [] });
  });

  it('reports changed, added and removed files, in the plugin and (deep) in its dependencies', () => {
    const dir = app();
    const pluginDir = path.join(dir, 'node_modules/egg-a');
    const manifest = buildManifest({ baseDir: dir, deep: true, envs: [{ env: 'prod', plugins: [{ name: 'a', dir: pluginDir, byName: true }] }] });
    fs.appendFileSync(path.join(pluginDir, 'app.js'), '// changed\n');
    fs.writeFileSync(path.join(pluginDir, 'extra.js'), '');
    fs.rmSync(path.join(pluginDir, 'lib/z.js'));
    fs.writeFileSync(path.join(dir, 'node_modules/dep/index.js'), 'evil\n');
    const drift = verifyPlugin(manifest.plugins.a, pluginDir, dir, true);
    assert.deepEqual(drift, { changed: [ 'app.js', 'node_modules/dep/index.js' ], added: [ 'extra.js' ], removed: [ 'lib/z.js' ] });
    assert.deepEqual(verifyPlugin(manifest.plugins.a, pluginDir, dir, false).changed, [ 'app.js' ], 'not deep: the dependency is not hashed');
    const now = buildManifest({ baseDir: dir, deep: true, envs: [{ env: 'prod', plugins: [{ name: 'b', dir: pluginDir, byName: true }] }] });
    assert.deepEqual(diffManifests(manifest, now).map(entry => [ entry.plugin, entry.difference ]), [ [ 'a', 'not-enabled' ], [ 'b', 'not-pinned' ] ]);
  });

  it('(deep) a file node loads in a dependency\'s place is drift: node_modules/dep.js beside dep/, or dep.json in a node_modules nearer the plugin; not beside a package with `exports`, which node reads first (black-box round 39, h3 F2)', () => {
    const dir = app();
    const pluginDir = path.join(dir, 'node_modules/egg-a');
    const pin = () => buildManifest({ baseDir: dir, deep: true, envs: [{ env: 'prod', plugins: [{ name: 'a', dir: pluginDir, byName: true }] }] }).plugins.a;
    const manifest = pin();
    fs.writeFileSync(path.join(dir, 'node_modules/dep.js'), 'evil\n');
    assert.deepEqual(verifyPlugin(manifest, pluginDir, dir, true), { changed: [], added: [ 'node_modules/dep.js' ], removed: [] });
    const pinnedWithIt = pin();
    fs.writeFileSync(path.join(dir, 'node_modules/dep.js'), 'more evil\n');
    assert.deepEqual(verifyPlugin(pinnedWithIt, pluginDir, dir, true).changed, [ 'node_modules/dep.js' ], 'pinned as what node loads');
    fs.rmSync(path.join(dir, 'node_modules/dep.js'));
    fs.writeFileSync(path.join(pluginDir, 'node_modules/dep.json'), '{}');
    assert.deepEqual(verifyPlugin(manifest, pluginDir, dir, true).added, [ 'node_modules/egg-a/node_modules/dep.json' ]);
    fs.rmSync(path.join(pluginDir, 'node_modules/dep.json'));
    fs.writeFileSync(path.join(dir, 'node_modules/dep/package.json'), JSON.stringify({ name: 'dep', version: '1.2.3', exports: './index.js' }));
    const withExports = pin();
    fs.writeFileSync(path.join(dir, 'node_modules/dep.js'), 'never loaded\n');
    assert.deepEqual(verifyPlugin(withExports, pluginDir, dir, true), { changed: [], added: [], removed: [] });
  });

  it('a plugin loading from another directory in another env cannot be pinned in one manifest', () => {
    const dir = app();
    assert.throws(() => buildManifest({ baseDir: dir, deep: false, envs: [
      { env: 'prod', plugins: [{ name: 'a', dir: path.join(dir, 'node_modules/egg-a'), byName: true }] },
      { env: 'local', plugins: [{ name: 'a', dir: path.join(dir, 'node_modules/dep'), byName: true }] },
    ] }), (error: Error) => error instanceof ManifestError && /plugin a loads from .* in env prod and from .* in env local/.test(error.message));
  });

  it('rejects what is not a manifest, naming the file and `egg-sentinel pin`', () => {
    assert.throws(() => parseManifest('[]', 'sentinel.lock.json'), /sentinel\.lock\.json is not an egg-sentinel plugin manifest .*npx egg-sentinel pin/);
    assert.throws(() => parseManifest(JSON.stringify({ version: 1, deep: false, envs: [], plugins: { a: { path: 'x', envs: [], files: { 'a.js': 'not-a-hash' } } } }), 'm.json'),
      /\/plugins\/a\/files\/a\.js must match pattern/);
  });

  it('SEN104: drift is critical in prod and high on a developer machine; unpinned plugins only with requireManifest', () => {
    const drifted = plugin({ manifest: { state: 'drift', drift: { changed: [ 'a.js', 'b.js', 'c.js', 'd.js', 'e.js', 'f.js' ], added: [], removed: [] } } });
    const unpinned = plugin({ name: 'b', package: 'egg-b', manifest: { state: 'not-pinned' } });
    const present = { pluginTrust: { manifest: { state: 'present' as const, deep: false, envs: [ 'prod' ] } } };
    const prodHits = pluginFilesChanged.check(withPlugins([ drifted, unpinned ], {}, present), PROD);
    assert.deepEqual(prodHits.map(hit => [ hit.target, hit.severity ]), [ [ 'plugin:tidy', 'critical' ], [ 'plugin:b', 'critical' ] ]);
    assert.match(prodHits[0].message, /changed: a\.js, b\.js, c\.js, d\.js, e\.js and 1 more/);
    assert.deepEqual(pluginFilesChanged.check(withPlugins([ drifted, unpinned ], {}, present), DEV).map(hit => [ hit.target, hit.severity ]), [ [ 'plugin:tidy', 'high' ] ]);
    assert.equal(pluginFilesChanged.check(withPlugins([ unpinned ], { requireManifest: false }, present), PROD).length, 0);
    const unreadable = plugin({ manifest: { state: 'unreadable', error: "EACCES: permission denied, open '/srv/fake/node_modules/egg-tidy/app.js'" } });
    assert.match(pluginFilesChanged.check(withPlugins([ unreadable ], {}, present), PROD)[0].message,
      /plugin tidy \(egg-tidy\) cannot be verified against sentinel\.lock\.json: EACCES/);
    const missing = pluginFilesChanged.check(withPlugins([], { requireManifest: true }), DEV);
    assert.match(missing[0].message, /plugins\.requireManifest is on but the app has no sentinel\.lock\.json/);
    assert.equal(pluginFilesChanged.check(withPlugins([]), PROD).length, 0, 'no manifest, no requirement: nothing to verify');
  });

  it('SEN104: the fix fits the case: pin a plugin not listed; the app\'s own plugin; pnpm\'s store; npm ci otherwise', () => {
    const present = { pluginTrust: { manifest: { state: 'present' as const, deep: false, envs: [ 'prod' ] } } };
    const drift = { state: 'drift' as const, drift: { changed: [ 'app.js' ], added: [], removed: [] } };
    const fixes = pluginFilesChanged.check(withPlugins([
      plugin({ name: 'b', package: 'egg-b', manifest: { state: 'not-pinned' } }),
      plugin({ name: 'local', package: undefined, realPath: '/srv/fake/lib/plugin/local', location: 'local', manifest: drift }),
      plugin({ name: 'cors', package: 'egg-cors', realPath: '/srv/fake/node_modules/.pnpm/egg-cors@3.0.1/node_modules/egg-cors', manifest: drift }),
      plugin({ manifest: drift }),
    ], {}, present), PROD).map(hit => hit.fix ?? '');
    assert.match(fixes[0], /^Review the plugin, then run `npx egg-sentinel pin` to add it/);
    assert.match(fixes[1], /^This is the app's own plugin: if the change is intended/);
    assert.match(fixes[2], /pnpm store status/);
    assert.match(fixes[3], /reinstall with `npm ci`/);
  });

  it('SEN104: plugins.deep with a manifest pinned without --deep is one finding that says to pin deep', () => {
    const matching = plugin({ manifest: { state: 'matches' } });
    const shallow = { pluginTrust: { manifest: { state: 'present' as const, deep: false, envs: [ 'prod' ] } } };
    const hits = pluginFilesChanged.check(withPlugins([ matching ], { deep: true }, shallow), PROD);
    assert.deepEqual(hits.map(hit => [ hit.target, hit.severity, hit.source ]), [[ 'sentinel.lock.json', 'critical', 'config.sentinel.plugins.deep' ]]);
    assert.match(hits[0].message, /pinned without the plugins' dependency closures: .*npx egg-sentinel pin --deep/);
    const deep = { pluginTrust: { manifest: { state: 'present' as const, deep: true, envs: [ 'prod' ] } } };
    assert.deepEqual(pluginFilesChanged.check(withPlugins([ matching ], { deep: true }, deep), PROD), []);
  });

  it('a plugin pinned without --deep is verified at that depth when plugins.deep is on: its dependencies are not "added"', () => {
    const dir = app();
    fs.writeFileSync(path.join(dir, 'sentinel.lock.json'), serializeManifest(buildManifest({ baseDir: dir, deep: false, envs: [{ env: 'prod', plugins: [{ name: 'a', dir: path.join(dir, 'node_modules/egg-a'), byName: true }] }] })));
    const facts = collectInstalledPluginFacts({ baseDir: dir, plugins: [{ name: 'a', enable: true, package: 'egg-a', path: path.join(dir, 'node_modules/egg-a') }],
      eggPaths: [], moduleRoots: [ dir, path.join(dir, 'node_modules') ], options: { deep: true }, ruleOverrides: {}, env: {}, display: (file: string) => file } as any);
    assert.deepEqual(facts.plugins.map(entry => entry.manifest), [{ state: 'matches' }]);
  });

  it('the agent\'s facts reach a worker only under the same key, from a private, recent file; the worker waits while they come', async () => {
    const dir = app();
    const file = path.join(dir, 'run', HANDOVER_FILE);
    const target = (config: Record<string, unknown> = {}) => ({
      type: 'agent' as const, baseDir: dir, name: 'app', config, options: {}, plugins: { a: { path: path.join(dir, 'node_modules/egg-a') } },
      loader: { options: { app: {} }, serverEnv: 'prod', serverScope: '', configMeta: {}, eggPaths: [], FileLoader: { FULLPATH: Symbol('fullpath') }, loadRouter: () => undefined },
    });
    fs.writeFileSync(path.join(dir, 'sentinel.lock.json'), serializeManifest(buildManifest({ baseDir: dir, deep: false, envs: [{ env: 'prod', plugins: [{ name: 'a', dir: path.join(dir, 'node_modules/egg-a'), byName: true }] }] })));
    const preparation = announcePreparedFacts(target(), {});
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    // The worker waits for an announced result (here 2 s at most) and gets it once the agent has run.
    const received = receivePreparedFacts(target(), {}, undefined, 2000);
    const done = await preparation.run([{ file: path.join(dir, 'run/agent_config.json') }]);
    assert.deepEqual({ plugins: done?.plugins, verified: done?.verified }, { plugins: 1, verified: 1 });
    const facts = await received;
    assert.equal(facts?.pluginTrust.plugins[0].manifest.state, 'matches');
    assert.deepEqual(facts?.packages.installed.map(entry => entry.name), [ 'egg-a', 'dep' ]);
    assert.deepEqual(facts?.agentDumps, [{ file: path.join(dir, 'run/agent_config.json') }]);
    assert.equal(await receivePreparedFacts(target({ plugins: { deep: true } }), { plugins: { deep: true } }), undefined, 'other options: the worker collects itself');
    fs.appendFileSync(path.join(dir, 'sentinel.lock.json'), ' ');
    assert.equal(await receivePreparedFacts(target(), {}), undefined, 'another manifest');
    await announcePreparedFacts(target(), {}).run();
    fs.chmodSync(file, 0o644);
    assert.equal(await receivePreparedFacts(target(), {}), undefined, 'a file others could have written');
    fs.chmodSync(file, 0o600);
    assert.ok(await receivePreparedFacts(target(), {}));
    // A symlink to a valid file (ours, 0600) is refused: the check is made on what is read, and links are not followed.
    const elsewhere = path.join(dir, 'elsewhere.json');
    fs.renameSync(file, elsewhere);
    fs.symlinkSync(elsewhere, file);
    assert.equal(await receivePreparedFacts(target(), {}), undefined, 'a symlink');
    fs.rmSync(file);
    fs.renameSync(elsewhere, file);
    // The plugin's directory is a symlink re-pointed to another copy: another plugin, another key.
    fs.cpSync(path.join(dir, 'node_modules/egg-a'), path.join(dir, 'copy-of-egg-a'), { recursive: true });
    fs.renameSync(path.join(dir, 'node_modules/egg-a'), path.join(dir, 'original-egg-a'));
    fs.symlinkSync(path.join(dir, 'copy-of-egg-a'), path.join(dir, 'node_modules/egg-a'));
    assert.equal(await receivePreparedFacts(target(), {}), undefined, 'a re-pointed plugin directory');
    fs.rmSync(path.join(dir, 'node_modules/egg-a'));
    fs.renameSync(path.join(dir, 'original-egg-a'), path.join(dir, 'node_modules/egg-a'));
    assert.ok(await receivePreparedFacts(target(), {}));
    const old = new Date(Date.now() - HANDOVER_MAX_AGE_MS - 1000);
    fs.utimesSync(file, old, old);
    assert.equal(await receivePreparedFacts(target(), {}), undefined, 'too old: a worker forked again long after boot collects itself');
    announcePreparedFacts(target(), {});
    const started = Date.now();
    assert.equal(await receivePreparedFacts(target(), {}, undefined, 100), undefined, 'an announced result that never comes: the worker stops waiting');
    assert.ok(Date.now() - started >= 100);
    // The agent failed (it wrote why): the worker collects at once, and meets the same error where boot is refused.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"state":"pending"', '"state":"failed","error":"EACCES"'), { mode: 0o600 });
    const failedAt = Date.now();
    assert.equal(await receivePreparedFacts(target(), {}, undefined, 5000), undefined);
    assert.ok(Date.now() - failedAt < 1000, 'no wait for a result that will not come');
    discardPreparedFacts(target());
    assert.ok(!fs.existsSync(file), 'a stale result is removed');
    // Once the cluster is ready (egg-ready) the agent ends the preparation: the file goes, and a late run writes none.
    const ended = announcePreparedFacts(target(), {});
    ended.end();
    assert.ok(!fs.existsSync(file));
    assert.equal(await ended.run(), undefined);
    assert.ok(!fs.existsSync(file), 'a run that ends after the cluster is ready writes nothing');
  });
});

describe('SEN111: a dependency\'s bin stands in for node, npm, npx, sh, a launcher or a command egg-scripts runs (black-box rounds 24, 25)', () => {
  const script = '#!/bin/sh\nexit 0\n';
  const app = (pkg: Record<string, unknown>, links: Record<string, string>, files: Record<string, string>) => {
    const dir = tempTree({ 'package.json': JSON.stringify({ name: 'app', ...pkg }), ...files });
    fs.mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
    for (const [ command, target ] of Object.entries(links)) fs.symlinkSync(target, path.join(dir, 'node_modules/.bin', command));
    return dir;
  };

  it('collects the .bin entries for node, npm, npx, sh, tail and egg-scripts that are no declared package\'s', function() {
    if (process.platform === 'win32') this.skip();
    const dir = app({ dependencies: { 'left-padder': '1.0.0' } }, { node: '../left-padder/bin/pad.sh', sh: '../left-padder/bin/pad.sh', tail: '../left-padder/bin/pad.sh', 'egg-scripts': '../left-padder/bin/pad.sh' }, {
      'node_modules/left-padder/package.json': JSON.stringify({ name: 'left-padder', bin: { node: 'bin/pad.sh', sh: 'bin/pad.sh' } }),
      'node_modules/left-padder/bin/pad.sh': script,
    });
    const target = path.join(dir, 'node_modules/left-padder/bin/pad.sh');
    assert.deepEqual(shadowedCommands(dir), [
      { command: 'node', link: path.join(dir, 'node_modules/.bin/node'), target, package: 'left-padder' },
      { command: 'sh', link: path.join(dir, 'node_modules/.bin/sh'), target, package: 'left-padder' },
      { command: 'tail', link: path.join(dir, 'node_modules/.bin/tail'), target, package: 'left-padder' },
      { command: 'egg-scripts', link: path.join(dir, 'node_modules/.bin/egg-scripts'), target, package: 'left-padder', launcher: true },
    ]);
  });

  it('a launcher (egg-scripts, eggctl, egg-bin, egg-sentinel) is its package\'s wherever npm put it; pnpm\'s sh shims are read for what they run (black-box round 25)', function() {
    if (process.platform === 'win32') this.skip();
    const shim = (target: string) => '#!/bin/sh\nbasedir=$(dirname "$(echo "$0" | sed -e \'s,\\\\,/,g\')")\n' +
      `if [ -x "$basedir/node" ]; then\n  exec "$basedir/node"  "$basedir/${target}" "$@"\nelse\n  exec node  "$basedir/${target}" "$@"\nfi\n`;
    const files = {
      // A framework brought egg-scripts: the app does not declare it.
      'node_modules/egg-scripts/package.json': JSON.stringify({ name: 'egg-scripts', bin: { 'egg-scripts': 'bin/egg-scripts.js', eggctl: 'bin/egg-scripts.js' } }),
      'node_modules/egg-scripts/bin/egg-scripts.js': script,
      'node_modules/egg-helper/package.json': JSON.stringify({ name: 'egg-helper', bin: { 'egg-scripts': 'bin/cli.js' } }),
      'node_modules/egg-helper/bin/cli.js': script,
    };
    assert.deepEqual(shadowedCommands(app({ dependencies: { 'egg-framework': '1.0.0' } }, { 'egg-scripts': '../egg-scripts/bin/egg-scripts.js', eggctl: '../egg-scripts/bin/egg-scripts.js' }, files)), []);
    // The tester's plugin linked its cli.js over egg-scripts': `npm start` ran it, which started egg without the preflight.
    assert.deepEqual(shadowedCommands(app({ dependencies: { 'egg-scripts': '^3.0.0', 'egg-helper': '1.0.0' } }, { 'egg-scripts': '../egg-helper/bin/cli.js' }, files))
      .map(entry => [ entry.command, entry.package ]), [ [ 'egg-scripts', 'egg-helper' ] ]);
    // pnpm writes small sh files that hand a script to node.
    const pnpm = app({ dependencies: { 'egg-scripts': '^3.0.0' } }, {}, {
      ...files,
      'node_modules/.bin/egg-scripts': shim('../egg-scripts/bin/egg-scripts.js'),
      'node_modules/.bin/egg-bin': shim('../egg-helper/bin/cli.js'),
    });
    assert.deepEqual(shadowedCommands(pnpm).map(entry => [ entry.command, entry.target, entry.package ]),
      [ [ 'egg-bin', path.join(fs.realpathSync(pnpm), 'node_modules/egg-helper/bin/cli.js'), 'egg-helper' ] ]);
  });

  it('the npm package node (and the npm it ships) the app declares, or nodeinstall\'s, is none; undeclared it is', function() {
    if (process.platform === 'win32') this.skip();
    const files = {
      'node_modules/node/package.json': JSON.stringify({ name: 'node', bin: { node: 'bin/node' } }),
      'node_modules/node/bin/node': script,
      'node_modules/node/lib/node_modules/npm/package.json': JSON.stringify({ name: 'npm' }),
      'node_modules/node/lib/node_modules/npm/bin/npm-cli.js': script,
    };
    const links = { node: '../node/bin/node', npm: '../node/lib/node_modules/npm/bin/npm-cli.js' };
    assert.deepEqual(shadowedCommands(app({ dependencies: { node: '^20.0.0' } }, links, files)), []);
    assert.deepEqual(shadowedCommands(app({ engines: { 'install-node': '^20.0.0' } }, links, files)), []);
    assert.deepEqual(shadowedCommands(app({}, links, files)).map(entry => [ entry.command, entry.package ]), [ [ 'node', 'node' ], [ 'npm', 'npm' ] ]);
    assert.deepEqual(shadowedCommands(tempTree({ 'package.json': '{}' })), [], 'no node_modules/.bin');
  });

  it('an entry named like a command further along the PATH hides it (high for one apps commonly run, medium for others), unless the app declares its package; node_modules/.bin dirs on the PATH are not the system\'s (black-box round 26, h85 F13)', function() {
    if (process.platform === 'win32') this.skip();
    const system = tempTree({ 'git': script, 'which': script, 'ls': script, 'tar': script });
    const otherBin = tempTree({ 'node_modules/.bin/semver': script });
    const dir = app({ dependencies: { 'ls-tools': '1.0.0' } }, { git: '../helper/bin/x.sh', which: '../helper/bin/x.sh', ls: '../ls-tools/bin/ls.sh', tar: '../tar/bin/tar.js', semver: '../helper/bin/x.sh' }, {
      'node_modules/helper/package.json': JSON.stringify({ name: 'helper', bin: { git: 'bin/x.sh', which: 'bin/x.sh', semver: 'bin/x.sh' } }),
      'node_modules/helper/bin/x.sh': script,
      'node_modules/ls-tools/package.json': JSON.stringify({ name: 'ls-tools', bin: { ls: 'bin/ls.sh' } }),
      'node_modules/ls-tools/bin/ls.sh': script,
      'node_modules/tar/package.json': JSON.stringify({ name: 'tar', bin: { tar: 'bin/tar.js' } }),
      'node_modules/tar/bin/tar.js': script,
    });
    const searchPath = [ path.join(dir, 'node_modules/.bin'), path.join(otherBin, 'node_modules/.bin'), system ].join(path.delimiter);
    const found = shadowedCommands(dir, searchPath);
    assert.deepEqual(found.map(entry => [ entry.command, entry.package, entry.hides ]).sort(), [
      [ 'git', 'helper', path.join(system, 'git') ], [ 'which', 'helper', path.join(system, 'which') ],
    ], 'ls is the declared ls-tools\', tar the npm package tar\'s own, semver hides nothing of the system');
    const severities = shadowedCommand.check(fakeFacts({ pluginTrust: { shadowedCommands: found } }), PROD).map(hit => `${hit.severity} ${path.basename(hit.target)}`).sort();
    assert.deepEqual(severities, [ 'high git', 'medium which' ]);
    assert.deepEqual(shadowedCommands(dir, ''), [], 'no PATH, nothing hidden');
    // A package.json below a package, or a copy a package bundles in its own node_modules, names no installed package.
    const forged = app({ dependencies: { 'ls-tools': '1.0.0' } }, { git: '../evil/bin/git/x.sh', ls: '../evil/node_modules/ls-tools/ls.sh' }, {
      'node_modules/evil/package.json': JSON.stringify({ name: 'evil' }),
      'node_modules/evil/bin/git/package.json': JSON.stringify({ name: 'git' }),
      'node_modules/evil/bin/git/x.sh': script,
      'node_modules/evil/node_modules/ls-tools/package.json': JSON.stringify({ name: 'ls-tools' }),
      'node_modules/evil/node_modules/ls-tools/ls.sh': script,
    });
    assert.deepEqual(shadowedCommands(forged, system).map(entry => [ entry.command, entry.package ]).sort(), [ [ 'git', 'evil' ], [ 'ls', 'ls-tools' ] ],
      'neither the nested package.json named git nor the bundled copy of a declared package vouches');
  });

  it('high outside local/unittest, low on a developer machine, naming the package and the command', () => {
    const facts = fakeFacts({ pluginTrust: { shadowedCommands: [
      { command: 'node', link: '/srv/fake/node_modules/.bin/node', target: '/srv/fake/node_modules/left-padder/bin/pad.sh', package: 'left-padder' },
    ] } });
    const [ hit ] = shadowedCommand.check(facts, PROD);
    assert.deepEqual([ hit.severity, hit.target, hit.source ], [ 'high', 'node_modules/.bin/node', 'node_modules/.bin/node' ]);
    assert.equal(hit.message, 'node_modules/.bin/node runs a file of the package left-padder (node_modules/left-padder/bin/pad.sh) wherever a start runs `node` by name: ' +
      'egg-scripts runs it as the master, npm scripts in place of node');
    assert.match(hit.fix ?? '', /Remove the dependency that installs left-padder \(`npm ls left-padder`\) and report the package/);
    assert.equal(shadowedCommand.check(facts, DEV)[0].severity, 'low');
    assert.deepEqual(shadowedCommand.check(fakeFacts(), PROD), []);
  });
});

describe('SEN110: code other users can change', () => {
  const open = { path: 'node_modules/egg-tidy/app.js', why: 'writable by every user (mode 0666)' };

  it('high outside local/unittest, low on a developer machine; a plugin directory SEN101 refuses is not reported twice', () => {
    const tidy = plugin({ writableCode: { entries: [ open ], count: 1 } });
    assert.deepEqual(writableCode.check(withPlugins([ tidy ]), PROD).map(hit => [ hit.severity, hit.target ]), [ [ 'high', 'plugin:tidy' ] ]);
    assert.equal(writableCode.check(withPlugins([ tidy ]), DEV)[0].severity, 'low');
    const root = { path: 'node_modules/egg-tidy', why: 'writable by every user (mode 0777)' };
    const refused = { trustedRoots: { nodeModules: [], local: [], refused: [{ dir: '/srv/fake/node_modules/egg-tidy', why: root.why }] } };
    assert.deepEqual(writableCode.check(withPlugins([ plugin({ writableCode: { entries: [ root ], count: 1 } }) ], {}, { pluginTrust: refused }), PROD), []);
    const both = writableCode.check(withPlugins([ plugin({ writableCode: { entries: [ root, open ], count: 2 } }) ], {}, { pluginTrust: refused }), PROD);
    assert.equal(both[0].message, 'plugin tidy (egg-tidy) has code other users can change: node_modules/egg-tidy/app.js is writable by every user (mode 0666)');
  });

  it('a capped walk and more entries than are kept are said, and the fix then covers the whole directory', () => {
    const hits = writableCode.check(fakeFacts({ files: { writableCode: [{ root: 'app/', entries: [ { path: 'app/a.js', why: 'x' }, { path: 'app/b.js', why: 'y', owner: true } ], count: 9, capped: true }] } }), PROD);
    assert.equal(hits[0].message, `app code other users can change in app/: app/a.js is x; app/b.js is y; and 7 more (the check stopped after ${CODE_WALK_LIMIT} entries: there may be more)`);
    assert.equal(hits[0].fix, '`chmod -R go-w app/` and give what another user owns in app/ to this process\'s user or root (`chown`) where the app is deployed.');
  });

  it('the walk stops at its limit, skips node_modules and follows symlinks out of it', function() {
    if (process.platform === 'win32') this.skip();
    const dir = tempTree({ 'a.js': '', 'node_modules/x/index.js': '' });
    const outside = fs.realpathSync(tempTree({ 'lib/b.js': '', 'c.js': '' }));
    fs.chmodSync(outside, 0o755);
    fs.chmodSync(path.join(dir, 'a.js'), 0o666);
    fs.chmodSync(path.join(dir, 'node_modules/x/index.js'), 0o666);
    fs.symlinkSync(path.join(outside, 'lib'), path.join(dir, 'lib'));
    fs.symlinkSync(path.join(outside, 'c.js'), path.join(dir, 'c.js'));
    // A link inside the walk leads to what it judges anyway.
    fs.symlinkSync(path.join(dir, 'a.js'), path.join(dir, 'again.js'));
    const display = (file: string) => path.relative(dir, file);
    assert.deepEqual(findWritableCode(dir, { display }), { entries: [{ path: 'a.js', why: 'writable by every user (mode 0666)' }], count: 1 });
    fs.chmodSync(path.join(outside, 'lib/b.js'), 0o666);
    fs.chmodSync(path.join(outside, 'c.js'), 0o666);
    assert.deepEqual(findWritableCode(dir, { display })?.entries.map(entry => `${entry.path} is ${entry.why}`).sort(), [
      `${display(path.join(outside, 'c.js'))} is writable by every user (mode 0666), reached through the symlink c.js`,
      `${display(path.join(outside, 'lib/b.js'))} is writable by every user (mode 0666)`,
      'a.js is writable by every user (mode 0666)',
    ]);
    for (let index = 0; index < CODE_WALK_LIMIT; index++) fs.writeFileSync(path.join(dir, `f${index}.js`), '');
    // The directory itself is walked first: found whichever entries the limit leaves out.
    fs.chmodSync(dir, 0o777);
    assert.equal(findWritableCode(dir, { display })?.capped, true);
  });

  it('asset dirs and linked dirs are walked after the code: a build of more entries than the budget does not hide a controller (black-box round 44, r44h2 F3)', function() {
    if (process.platform === 'win32') this.skip();
    const dir = tempTree({ 'controller/home.js': '', 'public/.keep': '' });
    const build = tempTree({ 'index.js': '' });
    for (let index = 0; index < CODE_WALK_LIMIT; index++) {
      fs.writeFileSync(path.join(dir, 'public', `f${index}.js`), '');
      fs.writeFileSync(path.join(build, `f${index}.js`), '');
    }
    fs.symlinkSync(build, path.join(dir, 'spa'));
    fs.chmodSync(path.join(dir, 'controller/home.js'), 0o666);
    const fact = findWritableCode(dir, { display: (file: string) => path.relative(dir, file) });
    assert.deepEqual(fact?.entries, [{ path: 'controller/home.js', why: 'writable by every user (mode 0666)' }]);
    assert.equal(fact?.capped, true);
  });

  it('modules the app required: followed from the app\'s own files, not into node_modules or trusted dirs, nor from another app\'s files', function() {
    if (process.platform === 'win32') this.skip();
    const dir = fs.realpathSync(tempTree({
      'app/config/config.default.js': '', 'app/shared/db.js': '', 'shared/cfg.js': '', 'shared/deep.js': '', 'shared/node_modules/x/index.js': '',
      'framework/lib/x.js': '', 'other/config/config.default.js': '', 'other/evil.js': '',
    }));
    for (const file of [ 'shared', 'shared/cfg.js', 'shared/deep.js', 'shared/node_modules/x/index.js', 'framework/lib/x.js', 'other/evil.js' ]) fs.chmodSync(path.join(dir, file), 0o777);
    const at = (file: string) => path.join(dir, file);
    const entry = (file: string, children: string[] = []) => [ at(file), { filename: at(file), children: children.map(child => ({ filename: at(child) })) } ];
    const cache = Object.fromEntries([
      entry('app/config/config.default.js', [ 'shared/cfg.js', 'shared/node_modules/x/index.js', 'framework/lib/x.js' ]),
      entry('app/shared/db.js'), entry('shared/cfg.js', [ 'shared/deep.js' ]), entry('shared/deep.js'),
      entry('shared/node_modules/x/index.js'), entry('framework/lib/x.js'),
      // Another app booted in this process: nothing of this app reaches its module.
      entry('other/config/config.default.js', [ 'other/evil.js' ]), entry('other/evil.js'),
    ]) as unknown as NodeJS.Dict<NodeModule>;
    const found = findWritableModules({ baseDir: at('app'), judged: [ at('app/config') ], trusted: [ at('framework') ], display: file => path.relative(dir, file) }, cache);
    assert.deepEqual(found.map(fact => [ fact.path, fact.requiredBy, fact.problem.where, fact.problem.at ]), [
      [ 'shared/cfg.js', 'app/config/config.default.js', 'folder', 'shared/cfg.js' ],
      [ 'shared/deep.js', 'shared/cfg.js', 'folder', 'shared/deep.js' ],
    ]);
  });
});

describe('SEN105–SEN108', () => {
  it('SEN105: install hooks unless allowScripts lists the package', () => {
    const hooked = plugin({ installScripts: [
      { package: 'egg-tidy', path: 'node_modules/egg-tidy', hooks: [ 'postinstall: node x.js' ] },
      { package: 'fsevents', path: 'node_modules/fsevents', hooks: [ 'binding.gyp' ] },
    ] });
    const hits = pluginInstallScripts.check(withPlugins([ hooked ]), PROD);
    assert.equal(hits[0].message, 'plugin tidy (egg-tidy) runs install hooks: egg-tidy: postinstall: node x.js; fsevents (node_modules/fsevents): binding.gyp');
    assert.equal(hits[0].severity, 'medium');
    assert.match(pluginInstallScripts.check(withPlugins([ hooked ], { allowScripts: [ 'egg-*' ] }), PROD)[0].message, /runs install hooks: fsevents/);
    assert.equal(pluginInstallScripts.check(withPlugins([ hooked ], { allowScripts: [ 'egg-tidy', 'fsevents' ] }), PROD).length, 0);
  });

  it('SEN106: deny wins; allow matches the installed package (the name of a plugin without one)', () => {
    const plugins = [ plugin(), plugin({ name: 'security', package: 'egg-security' }), plugin({ name: 'local', package: undefined, location: 'local' }) ];
    assert.deepEqual(pluginNotAllowed.check(withPlugins(plugins), PROD), [], 'no lists, no findings');
    const hits = pluginNotAllowed.check(withPlugins(plugins, { allow: [ 'egg-*' ], deny: [ 'egg-tidy' ] }), PROD);
    assert.deepEqual(hits.map(hit => hit.message), [
      'plugin tidy (egg-tidy) matches plugins.deny pattern "egg-tidy"',
      'plugin local matches no plugins.allow pattern (egg-*)',
    ]);
    // allow goes by the package installed: neither an npm alias nor an allowed plugin name lets another package through.
    const alias = plugin({ name: 'lax', package: 'totally-evil', configuredPackage: 'egg-good' });
    const named = plugin({ name: 'local', package: 'totally-evil' });
    assert.deepEqual(pluginNotAllowed.check(withPlugins([ alias, named ], { allow: [ 'egg-*', 'local' ] }), PROD).map(hit => hit.target), [ 'plugin:lax', 'plugin:local' ]);
    assert.deepEqual(pluginNotAllowed.check(withPlugins([ plugin({ name: 'local', package: undefined, location: 'local' }) ], { allow: [ 'local' ] }), PROD), [], 'a plugin without a package: by its name');
  });

  it('SEN107: EGG_PLUGINS changed since the process started, by what it was then and is now; high in prod, low in development (review 21, #2 follow-up)', () => {
    const deleted = fakeFacts({ pluginTrust: { envPluginsAtStart: { set: true, enabled: [ 'evil' ], disabled: [] } } });
    assert.deepEqual(pluginsFromEnvironment.check(deleted, PROD).map(hit => [ hit.target, hit.severity, hit.message ]), [
      [ 'EGG_PLUGINS:changed', 'high', 'process.env.EGG_PLUGINS is not what the process started with (set and enables evil at start, unset now): ' +
        'code in the process changed which plugins egg was told to load; the plugins the value at start enabled are judged too' ],
    ]);
    assert.equal(pluginsFromEnvironment.check(deleted, DEV)[0].severity, 'low');
    const rewritten = fakeFacts({ pluginTrust: { envPlugins: { set: true, enabled: [], disabled: [ 'evil' ] }, envPluginsAtStart: { set: false } } });
    assert.match(pluginsFromEnvironment.check(rewritten, PROD)[1].message, /\(unset at start, set and enables nothing, disables evil now\)/);
    // /proc/self/environ's value against process.env's: empty is unset, as egg reads it; unknown (not Linux) is no change.
    assert.deepEqual(changedSinceStart('EGG_PLUGINS', {}, { EGG_PLUGINS: '{"evil":true}' }), { atStart: '{"evil":true}' });
    assert.deepEqual(changedSinceStart('EGG_PLUGINS', { EGG_PLUGINS: '{}' }, {}), { atStart: undefined });
    assert.equal(changedSinceStart('EGG_PLUGINS', { EGG_PLUGINS: '' }, {}), undefined);
    assert.equal(changedSinceStart('EGG_PLUGINS', { EGG_PLUGINS: '{}' }, { EGG_PLUGINS: '{}' }), undefined);
    assert.equal(changedSinceStart('EGG_PLUGINS', {}, undefined), undefined);
  });

  it('SEN107: lists what EGG_PLUGINS enabled; high in prod, low in development', () => {
    const facts = fakeFacts({ pluginTrust: { envPlugins: { set: true, enabled: [ 'evil' ], disabled: [ 'security' ] } } });
    const [ hit ] = pluginsFromEnvironment.check(facts, PROD);
    assert.equal(hit.message, 'EGG_PLUGINS is set and enables evil, disables security');
    assert.equal(hit.severity, 'high');
    assert.equal(pluginsFromEnvironment.check(facts, DEV)[0].severity, 'low');
    assert.match(pluginsFromEnvironment.check(fakeFacts({ pluginTrust: { envPlugins: { set: true, enabled: [], disabled: [], error: 'Unexpected token' } } }), PROD)[0].message, /not JSON/);
    assert.equal(pluginsFromEnvironment.check(fakeFacts(), PROD).length, 0);
    const started = fakeFacts({ pluginTrust: { startPlugins: { set: true, enabled: [ 'evil' ], disabled: [ 'sentinel' ] } } });
    assert.deepEqual(pluginsFromEnvironment.check(started, PROD).map(hit => [ hit.target, hit.message ]), [
      [ 'options.plugins', 'the start options\' plugins (egg-scripts --plugins.* flags, or startCluster({ plugins })) enables evil, disables sentinel' ],
    ]);
    // egg-scripts passes `--plugins.security.enable=false` as the string "false", which egg reads as enabled: said.
    const stringy = fakeFacts({ pluginTrust: { startPlugins: { set: true, enabled: [ 'security' ], disabled: [], stringEnable: [ 'security' ] } } });
    assert.match(pluginsFromEnvironment.check(stringy, PROD)[0].message, /enables security \(the `enable` of security is a string, "false" included, which egg reads as enabled\)$/);
  });

  it('SEN108: a plugin setting keys it does not own, grouped per file; owners and unguarded keys are fine', () => {
    const key = (keyPath: string, plugin: string, pkg: string, file = `node_modules/${pkg}/config/config.default.js`) => ({ keyPath, plugin, package: pkg, file });
    const facts = fakeFacts({ pluginTrust: { pluginSetKeys: [
      key('security.csrf.enable', 'security', 'egg-security'),
      key('security.csrf.enable', 'lax', 'egg-lax'),
      key('bodyParser.jsonLimit', 'lax', 'egg-lax'),
      key('lax.verbose', 'lax', 'egg-lax'),
      key('keys', 'other', 'egg-other', 'node_modules/egg-other/config/config.prod.js'),
      key('sentinel.failOn', 'sentinel', 'egg-sentinel'),
      key('httpclient.request.rejectUnauthorized', 'insecure', 'egg-insecure'),
      key('httpclient.request.timeout', 'slow', 'egg-slow'),
      // Round 22: code-loading paths and the proxy settings, set by a plugin that owns neither; the owners' own are fine.
      key('customLoader.helper.directory', 'helper', 'egg-helper-tools'),
      key('proxy', 'helper', 'egg-helper-tools'),
      key('schedule.directory', 'schedule', 'egg-schedule'),
      key('watcher.eventSources.default', 'watcher', 'egg-watcher'),
      key('onerror.all', 'onerror', 'egg-onerror'),
    ] } });
    assert.deepEqual(securityConfigByPlugin.check(facts, PROD).map(hit => [ hit.target, hit.source, hit.message ]), [
      [ 'plugin:lax', 'config.security.csrf.enable, node_modules/egg-lax/config/config.default.js',
        'plugin lax (egg-lax) sets config.security.csrf.enable, config.bodyParser.jsonLimit in node_modules/egg-lax/config/config.default.js; these belong to egg-security, the app and its framework' ],
      [ 'plugin:other', 'config.keys, node_modules/egg-other/config/config.prod.js',
        'plugin other (egg-other) sets config.keys in node_modules/egg-other/config/config.prod.js; these belong to the app and its framework' ],
      [ 'plugin:insecure', 'config.httpclient.request.rejectUnauthorized, node_modules/egg-insecure/config/config.default.js',
        'plugin insecure (egg-insecure) sets config.httpclient.request.rejectUnauthorized in node_modules/egg-insecure/config/config.default.js; these belong to the app and its framework' ],
      [ 'plugin:helper', 'config.customLoader.helper.directory, node_modules/egg-helper-tools/config/config.default.js',
        'plugin helper (egg-helper-tools) sets config.customLoader.helper.directory, config.proxy in node_modules/egg-helper-tools/config/config.default.js; these belong to the app and its framework' ],
    ]);
  });

  it('SEN108: helper.shtml (egg-security\'s) and nunjucks.autoescape (egg-view-nunjucks\') set by another plugin; by their owners, fine (black-box round 24)', () => {
    const key = (keyPath: string, plugin: string, pkg: string) => ({ keyPath, plugin, package: pkg, file: `node_modules/${pkg}/config/config.default.js` });
    const facts = fakeFacts({ pluginTrust: { pluginSetKeys: [
      key('helper.shtml.whiteList.script', 'richtext', 'egg-richtext'),
      key('nunjucks.autoescape', 'richtext', 'egg-richtext'),
      key('nunjucks.tags.variableStart', 'richtext', 'egg-richtext'),
      key('helper.shtml.whiteList.p', 'security', 'egg-security'),
      key('nunjucks.autoescape', 'nunjucks', 'egg-view-nunjucks'),
    ] } });
    assert.deepEqual(securityConfigByPlugin.check(facts, PROD).map(hit => hit.message), [
      'plugin richtext (egg-richtext) sets config.helper.shtml.whiteList.script, config.nunjucks.autoescape in node_modules/egg-richtext/config/config.default.js; ' +
        'these belong to egg-security, egg-view-nunjucks',
    ]);
  });

  it('SEN108: keys a plugin\'s code changed at boot, per plugin; the owners\' own changes are fine (black-box round 24)', () => {
    const facts = fakeFacts({ pluginTrust: { pluginSetKeys: [], codeSetKeys: [
      { keyPath: 'security.csrf.ignore[0]', file: 'node_modules/egg-widget/app.js', plugin: 'widget', package: 'egg-widget' },
      { keyPath: 'session.httpOnly', file: 'node_modules/egg-widget/app.js', plugin: 'widget', package: 'egg-widget' },
      { keyPath: 'security.domainWhiteList[0]', file: 'node_modules/egg-security/lib/utils.js', plugin: 'security', package: 'egg-security' },
    ] } });
    assert.deepEqual(securityConfigByPlugin.check(facts, PROD).map(hit => [ hit.target, hit.source, hit.message ]), [
      [ 'plugin:widget', 'node_modules/egg-widget/app.js', 'plugin widget (egg-widget) changes config.security.csrf.ignore[0], config.session.httpOnly from its code ' +
        '(node_modules/egg-widget/app.js) while the app booted, after egg loaded the config files (no config file says so); these belong to egg-security, egg-session' ],
    ]);
  });

  it('SEN108: a change only earlier boot hooks may have made is one finding on the key naming them; the key\'s owner among them is not named, and alone is no finding (review 21, #5)', () => {
    const view = { plugin: 'nunjucks', package: 'egg-view-nunjucks', file: 'node_modules/egg-view-nunjucks/app.js' };
    const security = { plugin: 'security', package: 'egg-security', file: 'node_modules/egg-security/app.js' };
    const suspects = [ view, { plugin: 'cachex', package: 'egg-cachex', file: 'node_modules/egg-cachex/app.js' }, { plugin: 'dbx', package: 'egg-dbx', file: 'node_modules/egg-dbx/app.js' } ];
    const facts = fakeFacts({ pluginTrust: { pluginSetKeys: [], codeSetKeys: [
      { keyPath: 'nunjucks.autoescape', file: '', earlier: 'hook', suspects },
      { keyPath: 'helper.shtml.whiteList.script', file: '', earlier: 'hook', suspects: [ security ] },
    ] } });
    assert.deepEqual(securityConfigByPlugin.check(facts, PROD).map(hit => [ hit.target, hit.message ]), [
      [ 'config.nunjucks.autoescape', 'config.nunjucks.autoescape is not what the config files say: changed before egg-sentinel\'s hook was constructed, by code it cannot ' +
        'name (one of the boot hooks egg constructs before it: plugin cachex (egg-cachex) (node_modules/egg-cachex/app.js), plugin dbx (egg-dbx) ' +
        '(node_modules/egg-dbx/app.js); or a plugin\'s code egg runs earlier, such as an extend file); these belong to egg-view-nunjucks' ],
    ]);
  });

  it('SEN108\'s recording: a deep write or a push through app.config is recorded with its file; stop() puts the plain objects back', () => {
    const config: Record<string, any> = { security: { csrf: { ignore: [ '/a' ] } }, other: {} };
    const recorder = recordConfigWrites(config, [ 'security', 'absent' ]);
    const csrf = config.security.csrf;
    csrf.ignore.push('/account');
    config.security.csrf = csrf;
    assert.deepEqual(recorder.writes.map(write => [ write.keyPath, write.file ]), [
      [ 'security.csrf.ignore[1]', __filename ], [ 'security.csrf.ignore[length]', __filename ], [ 'security.csrf', __filename ],
    ]);
    assert.ok(!Object.hasOwn(config, 'absent'), 'a key the config lacks is not added');
    config.security.frozen = Object.freeze({ list: Object.freeze([ 'x' ]) });
    assert.deepEqual(config.security.frozen.list, [ 'x' ], 'frozen config reads as it is');
    recorder.writes.pop();
    recorder.stop();
    assert.equal(Object.getOwnPropertyDescriptor(config, 'security')?.writable, true);
    assert.ok(!util.types.isProxy(config.security.csrf), 'a proxy assigned back is stored as the object it wraps');
    csrf.ignore.push('/later');
    assert.equal(recorder.writes.length, 3, 'nothing is recorded after stop()');
    assert.ok(writeCovers('security.csrf', 'security.csrf.ignore[0]') && writeCovers('security.csrf.ignore[1]', 'security.csrf.ignore') &&
      !writeCovers('security.csrf', 'security.csrfx'));
  });

  it('SEN109: egg-sentinel configured but off in the env is high outside local/unittest; on, or not configured, is nothing', () => {
    const plugin = (name: string, enable: boolean, from: string, pkg?: string) => ({ name, enable, from, ...(pkg && { package: pkg }) });
    const off = fakeFacts({ plugins: [ plugin('sentinel', false, 'config/plugin.prod.js', 'egg-sentinel') ] });
    assert.deepEqual(sentinelDisabled.check(off, PROD).map(hit => [ hit.severity, hit.target, hit.source, hit.message ]), [
      [ 'high', 'plugin:sentinel', 'config/plugin.prod.js', `the sentinel plugin (egg-sentinel) is configured in config/plugin.prod.js but not enabled in env ${off.env.serverEnv}: ` +
        'a boot in it runs none of egg-sentinel\'s checks, IPC signing or dump masking' ],
    ]);
    assert.deepEqual(sentinelDisabled.check(off, { developmentEnv: true }), []);
    assert.deepEqual(sentinelDisabled.check(fakeFacts({ plugins: [ plugin('guard', true, 'config/plugin.js', 'egg-sentinel'), plugin('sentinel', false, 'x') ] }), PROD), [],
      'enabled under another name');
    assert.deepEqual(sentinelDisabled.check(fakeFacts({ plugins: [ plugin('security', true, 'egg') ] }), PROD), [], 'not configured at all: nothing to say');
  });
});

describe('config.sentinel.plugins', () => {
  it('is validated: unknown options, non-booleans and names that are no package pattern refuse boot, named', () => {
    assert.doesNotThrow(() => validateSentinelConfig({ plugins: { allow: [ 'egg-*', '@eggjs/*' ], deny: [ 'egg-development' ], requireManifest: true } }, RULE_IDS));
    assert.throws(() => validateSentinelConfig({ plugins: { allow: [ 'egg security' ], deep: 'yes', lockfile: true } }, RULE_IDS), (error: Error) =>
      /config\.sentinel\.plugins\.allow\[0\]: "egg security" does not match a plugin or package name, \* and \? as wildcards/.test(error.message) &&
      /config\.sentinel\.plugins\.deep: must be boolean/.test(error.message) &&
      /config\.sentinel\.plugins\.lockfile: unknown option/.test(error.message));
  });

  it('an option of several forms gets one line naming them, not one per form (black-box round 13); an unknown rule id points at the list', () => {
    assert.throws(() => validateSentinelConfig({ ipc: { encrypt: 'yes' } }, RULE_IDS), (error: Error) =>
      /^ {2}- config\.sentinel\.ipc\.encrypt: must be boolean or array, got string$/m.test(error.message) && !/anyOf/.test(error.message));
    assert.throws(() => validateSentinelConfig({ waivers: [{ rule: 'SEN999', reason: 'x', expires: '2027-01-01' }] }, RULE_IDS),
      /waivers\[0\]\.rule: no rule has the id "SEN999" \(run `npx egg-sentinel rules` for the list\)/);
  });
});

describe('bootedByEggMock (the late config lock\'s test-run exemption)', () => {
  it('counts egg-mock\'s own enabled entry only: not one switched off, nor another package under its name (review of round 32\'s fixes)', () => {
    const eggMock = path.dirname(require.resolve('egg-mock/package.json'));
    assert.equal(bootedByEggMock({ 'egg-mock': { enable: true, path: eggMock } }), true);
    assert.equal(bootedByEggMock({ 'egg-mock': { enable: false, path: eggMock } }), false);
    assert.equal(bootedByEggMock({ 'egg-mock': { enable: true, path: path.dirname(require.resolve('egg/package.json')) } }), false);
    assert.equal(bootedByEggMock(undefined), false);
  });
});
