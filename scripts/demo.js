'use strict';
/**
 * `npm run demo`: egg-sentinel in a real egg cluster (master, agent, 2 app workers) started from example/.
 *   plugins     a typosquatted plugin package: boot is refused (SEN102); a pinned plugin boots, and once one of its
 *               files changes, boot is refused (SEN104).
 *   secrets     prod with the scaffolded cookie key: boot is refused (SEN201); with a random key from the
 *               environment it boots, serves GET /, writes a 0600 report, stops.
 *   injection   EGG_SERVER_ENV pointing outside the app: egg runs the file it names; the preflight refuses first.
 *   middleware  an /admin route added without its auth guard: boot is refused (SEN404), the route table shows the hole.
 *   ipc         forged and replayed messages dropped, raw TCP to the cluster-client port refused.
 *   builtins    an app with old koa, path-to-regexp and dicer: the audit reports each with its advisory (SEN601).
 *   ci          `egg-sentinel audit --format sarif` writes a SARIF file and exits 1.
 * `npm run demo -- --scene <name>` runs one scene. Builds what it needs, exits 0 only when every scene showed what it
 * claims, and leaves no process or temp dir behind, also on Ctrl-C.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { build, httpGet, launchCluster, liveGroups, makeTempDir, removeTempDir, ROOT, runCommand, runNode, sleep, stopCluster, tempDirs } = require('./harness');

const EXAMPLE = path.join(ROOT, 'example');
const LAUNCHER = path.join(EXAMPLE, 'start-cluster.js');
const PREFLIGHT = path.join(ROOT, 'preflight.js');
const RUN_DIR = path.join(EXAMPLE, 'run');
const APP_REPORT = path.join(RUN_DIR, 'sentinel-report.json');

/** example/start-cluster.js with 2 app workers; each scene sets exactly the environment it shows. */
async function startExample(env, { nodeOptions = [], indent = '  ' } = {}) {
  const cluster = await launchCluster({ launcher: LAUNCHER, cwd: EXAMPLE, env: { ...env, WORKERS: '2' }, nodeOptions });
  console.log(`${indent}started example/start-cluster.js: master pid ${cluster.pid}, port ${cluster.port}`);
  return cluster;
}

/** The refusal egg logged: from `[egg-sentinel] boot refused` to the next blank line (egg logs it twice; show it once). */
function refusalBlock(stderr) {
  const lines = stderr.split('\n');
  const start = lines.findIndex(line => line.includes('[egg-sentinel] boot refused'));
  if (start < 0) return [];
  const end = lines.findIndex((line, index) => index > start && line.trim() === '');
  return [ lines[start].slice(lines[start].indexOf('[egg-sentinel]')), ...lines.slice(start + 1, end < 0 ? undefined : end) ];
}

function fileMode(file) {
  return (fs.statSync(file).mode & 0o777).toString(8).padStart(4, '0');
}

function outputTail(cluster) {
  return `${cluster.output.stdout}${cluster.output.stderr}`.trim().split('\n').slice(-15).map(line => `      | ${line}`).join('\n');
}

/** Claims the master exited non-zero (boot refused), saying so or showing what happened instead. */
function expectRefused(cluster, claims) {
  const { exit } = cluster.outcome;
  if (claims.check(exit && exit.code !== 0, 'the master exits non-zero')) {
    console.log(`  boot refused: the master exited with code ${exit.code}; egg-sentinel's finding, from its stderr:`);
  } else {
    console.log(`  expected the master to exit, got ${JSON.stringify(cluster.outcome)}:\n${outputTail(cluster)}`);
  }
}

/** Claims the cluster became ready; false (after showing its output) when it did not. */
function expectReady(cluster, claims) {
  if (claims.check(cluster.outcome.ready, 'the cluster becomes ready')) return true;
  console.log(`  expected egg-ready, got ${JSON.stringify(cluster.outcome)}:\n${outputTail(cluster)}`);
  return false;
}

/** Collects a scene's claims; the scene passes when every claim held. */
class Claims {
  constructor() {
    this.failed = [];
  }

  check(ok, claim) {
    if (!ok) this.failed.push(claim);
    return ok;
  }
}

/** Files the plugins scenes add to example/: removed when the scene ends (or by the harness on Ctrl-C). */
function scratch(file) {
  tempDirs.add(file);
  return file;
}

const demoPluginDir = name => path.join(EXAMPLE, 'node_modules', name);

/** Writes a tiny egg plugin package into example/node_modules, as `npm install` would; returns what to remove after. */
function installDemoPlugin(name, appJs) {
  const modules = path.join(EXAMPLE, 'node_modules');
  const added = scratch(fs.existsSync(modules) ? demoPluginDir(name) : modules);
  fs.mkdirSync(demoPluginDir(name), { recursive: true });
  fs.writeFileSync(path.join(demoPluginDir(name), 'package.json'), `${JSON.stringify({ name, version: '1.0.2', eggPlugin: { name: 'demoPlugin' } }, null, 2)}\n`);
  fs.writeFileSync(path.join(demoPluginDir(name), 'app.js'), appJs);
  return added;
}

/** Boots the example in prod with a real key and the demo plugin package enabled (example/config/plugin.ts). */
function startWithDemoPlugin(name) {
  return startExample({ EGG_SERVER_ENV: 'prod', EXAMPLE_COOKIE_KEYS: crypto.randomBytes(32).toString('base64url'), SENTINEL_DEMO_PLUGIN: name });
}

/** The blocking finding lines of one rule in the refusal egg-sentinel logged. */
function showRefusal(stderr, ruleId) {
  const block = refusalBlock(stderr);
  const start = block.findIndex((line, index) => index > 0 && line.includes(ruleId));
  for (const line of [ block[0], ...block.slice(start, start + 3) ]) console.log(`    ${line}`);
}

async function sceneTyposquat() {
  console.log("  config/plugin.ts enables package 'egg-sesion' (one letter off egg-session), installed in example/node_modules");
  const added = installDemoPlugin('egg-sesion', "'use strict';\n// what a typosquat would hide: code that runs in every worker\nmodule.exports = () => undefined;\n");
  const claims = new Claims();
  const cluster = await startWithDemoPlugin('egg-sesion');
  try {
    expectRefused(cluster, claims);
    const stderr = cluster.output.stderr;
    claims.check(/SEN102[^\n]*\n[^\n]*egg-sesion[^\n]*egg-session/.test(stderr), 'stderr names SEN102: egg-sesion imitates egg-session');
    showRefusal(stderr, 'SEN102');
  } finally {
    await stopCluster(cluster);
    removeTempDir(added);
  }
  return claims;
}

/** A plugin whose lockfile entry and pinned manifest match what is installed, until one file changes. */
async function sceneTamperedPlugin() {
  const name = 'egg-metrics-lite';
  const lockfile = scratch(path.join(EXAMPLE, 'package-lock.json'));
  const added = [ installDemoPlugin(name, "'use strict';\nmodule.exports = app => { app.metricsStarted = Date.now(); };\n"),
    lockfile, scratch(path.join(EXAMPLE, 'sentinel.lock.json')) ];
  try {
    return await showTamperedPlugin(name, lockfile);
  } finally {
    for (const file of added) removeTempDir(file);
  }
}

async function showTamperedPlugin(name, lockfile) {
  const dir = demoPluginDir(name);
  // Locked as npm leaves it: version and the integrity of the package's tarball (npm pack, offline).
  const packDir = makeTempDir('sentinel-demo-');
  const pack = await runCommand('npm', [ 'pack', dir, '--json', '--pack-destination', packDir ]);
  const { integrity } = JSON.parse(pack.stdout)[0];
  removeTempDir(packDir);
  fs.writeFileSync(lockfile, `${JSON.stringify({ name: 'sentinel-example', lockfileVersion: 3, requires: true,
    packages: { '': { name: 'sentinel-example' }, [`node_modules/${name}`]: { version: '1.0.2', integrity } } }, null, 2)}\n`);
  const claims = new Claims();

  const pinArgs = [ 'bin/egg-sentinel.js', 'pin', '--base-dir', 'example', '--env', 'prod' ];
  console.log(`  ${name} installed in example/node_modules and locked in example/package-lock.json; node ${pinArgs.join(' ')}:`);
  const pin = await runNode(pinArgs, { env: { SENTINEL_DEMO_PLUGIN: name } });
  console.log(`    ${pin.output.trim().split('\n')[0]}`);
  claims.check(pin.code === 0 && pin.output.includes(name), `pin writes example/sentinel.lock.json with ${name}`);

  const pinned = await startWithDemoPlugin(name);
  try {
    if (expectReady(pinned, claims)) console.log('  boot with the pinned files: egg-ready (the agent verified every plugin against the manifest)');
  } finally {
    await stopCluster(pinned);
  }

  const appJs = path.join(dir, 'app.js');
  fs.appendFileSync(appJs, "// added after the pin: ships every request's cookies to a collector\nmodule.exports.collector = 'https://collector.invalid';\n");
  console.log(`  then one line is appended to node_modules/${name}/app.js (a compromised install or a hand edit on the server)`);
  const tampered = await startWithDemoPlugin(name);
  try {
    expectRefused(tampered, claims);
    const stderr = tampered.output.stderr;
    claims.check(/SEN104[^\n]*\n[^\n]*egg-metrics-lite[^\n]*app\.js/.test(stderr), `stderr names SEN104 and ${name}'s changed app.js`);
    showRefusal(stderr, 'SEN104');
  } finally {
    await stopCluster(tampered);
  }
  return claims;
}

async function sceneScaffoldedKey() {
  console.log('  config/config.default.ts keeps what egg-init scaffolds: keys = `${appInfo.name}_1700000000000_4321`');
  console.log('  EGG_SERVER_ENV=prod, EXAMPLE_COOKIE_KEYS unset, so config/config.prod.ts leaves that key in place');
  fs.rmSync(RUN_DIR, { recursive: true, force: true });
  const claims = new Claims();
  const cluster = await startExample({ EGG_SERVER_ENV: 'prod' });
  try {
    expectRefused(cluster, claims);
    const stderr = cluster.output.stderr;
    claims.check(stderr.includes('SEN201'), 'stderr names SEN201');
    claims.check(stderr.includes('has the scaffold form'), 'stderr says why the key is weak');
    claims.check(!stderr.includes('1700000000000_4321'), 'egg-sentinel never echoes the key');
    for (const line of refusalBlock(stderr)) console.log(`    ${line}`);
    if (fs.existsSync(APP_REPORT)) {
      const report = JSON.parse(fs.readFileSync(APP_REPORT, 'utf8'));
      const blocking = report.findings.filter(finding => finding.blocking).map(finding => finding.ruleId);
      console.log(`  report example/run/${path.basename(APP_REPORT)} (mode ${fileMode(APP_REPORT)}), written before refusing: ` +
        `${report.process} pid ${report.pid}, refused ${report.refused}, blocking ${blocking.join(', ')}`);
    }
  } finally {
    await stopCluster(cluster);
  }
  return claims;
}

async function sceneKeyFromEnvironment() {
  console.log('  EGG_SERVER_ENV=prod, EXAMPLE_COOKIE_KEYS = 32 random bytes, base64url (not shown)');
  const secret = crypto.randomBytes(32).toString('base64url');
  fs.rmSync(APP_REPORT, { force: true });
  const claims = new Claims();
  const cluster = await startExample({ EGG_SERVER_ENV: 'prod', EXAMPLE_COOKIE_KEYS: secret });
  try {
    if (!expectReady(cluster, claims)) return claims;
    console.log('  egg-ready: both app workers passed egg-sentinel\'s boot checks');
    const response = await httpGet(`http://127.0.0.1:${cluster.port}/`);
    console.log(`  GET / -> ${response.status} ${response.body}`);
    claims.check(response.status === 200, 'GET / answers 200');

    if (claims.check(fs.existsSync(APP_REPORT), 'the app worker wrote run/sentinel-report.json')) {
      const mode = fileMode(APP_REPORT);
      const text = fs.readFileSync(APP_REPORT, 'utf8');
      const report = JSON.parse(text);
      const blocking = report.findings.filter(finding => finding.blocking);
      console.log(`  report example/run/${path.basename(APP_REPORT)} (mode ${mode}): egg-sentinel ${report.tool.version}, ` +
        `${report.process} pid ${report.pid}, env ${report.app.env}, threshold ${report.threshold}, refused ${report.refused}, ` +
        `${report.findings.length} finding(s), ${blocking.length} blocking`);
      for (const finding of report.findings) console.log(`    ${finding.severity} ${finding.ruleId} ${finding.title}: ${finding.message}`);
      claims.check(mode === '0600', 'the report has mode 0600');
      claims.check(report.refused === false && report.app.env === 'prod', 'the report says prod, not refused');
      claims.check(!text.includes(secret), 'the report does not contain the key');
    }
  } finally {
    const stop = await stopCluster(cluster);
    const how = stop.forced ? 'did not stop in time, killed its process group' : `exited with code ${stop.exit.code}`;
    console.log(`  stopped: SIGTERM to master pid ${cluster.pid}, ${how} after ${stop.ms} ms`);
    claims.check(!stop.forced && stop.exit.code === 0, 'the cluster stops cleanly on SIGTERM');
  }
  return claims;
}

async function sceneUnsafeServerEnv() {
  const dir = makeTempDir('sentinel-demo-');
  try {
    return await showPreflight(dir);
  } finally {
    removeTempDir(dir);
  }
}

async function showPreflight(dir) {
  const marker = path.join(dir, 'marker');
  fs.writeFileSync(path.join(dir, 'evil.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'egg ran evil.js\\n');\nmodule.exports = {};\n`);
  // egg joins `config/plugin.` + env into a path; more `..` than any load unit is deep, the extra ones stop at /.
  const serverEnv = `/${'../'.repeat(16)}${path.relative('/', path.join(dir, 'evil'))}`;
  console.log(`  EGG_SERVER_ENV='${serverEnv}'`);
  console.log(`  ${path.join(dir, 'evil.js')} writes ${marker} when it runs`);
  const claims = new Claims();

  console.log('  without the preflight:');
  const unguarded = await startExample({ EGG_SERVER_ENV: serverEnv }, { indent: '    ' });
  try {
    const ran = fs.existsSync(marker);
    console.log(`    evil.js ${ran ? 'RAN (marker written): egg loaded it as config/plugin.<env>, before any plugin code' : 'did not run'}`);
    const exit = unguarded.outcome.exit;
    console.log(`    egg-sentinel detected it afterwards: master exit code ${exit ? exit.code : 'none'}; SEN301 findings:`);
    const detected = unguarded.output.stderr.split('\n').filter(line => line.includes('what:') && line.includes('server env'));
    for (const line of new Set(detected)) console.log(`      ${line.trim()}`);
    claims.check(ran, 'without the preflight egg runs evil.js (the attack is real)');
    claims.check(exit && exit.code !== 0 && unguarded.output.stderr.includes('SEN301'), 'without the preflight egg-sentinel refuses boot with SEN301');
  } finally {
    await stopCluster(unguarded);
  }
  fs.rmSync(marker, { force: true });

  console.log(`  with node --require ${PREFLIGHT}:`);
  const guarded = await startExample({ EGG_SERVER_ENV: serverEnv }, { nodeOptions: [ '--require', PREFLIGHT ], indent: '    ' });
  try {
    const exit = guarded.outcome.exit;
    const ran = fs.existsSync(marker);
    console.log(`    exit code ${exit ? exit.code : 'none'}; evil.js ${ran ? 'RAN (marker written)' : 'never ran (no marker)'}; stderr:`);
    for (const line of guarded.output.stderr.trim().split('\n')) console.log(`      ${line}`);
    claims.check(exit && exit.code === 1, 'the preflight exits with code 1');
    claims.check(guarded.output.stderr.includes('[egg-sentinel preflight] refused'), 'the preflight says why');
    claims.check(!ran, 'evil.js never runs');
  } finally {
    await stopCluster(guarded);
  }
  return claims;
}

async function sceneUnguardedRoute() {
  console.log('  config/config.default.ts: sentinel.routes.protect = [{ paths: [\'/admin/**\'], by: [\'auth\'] }]');
  console.log('  app/router.ts: GET /admin/users has middleware.auth(); SENTINEL_DEMO_UNGUARDED_ROUTE=1 adds GET /admin/export without it');
  fs.rmSync(APP_REPORT, { force: true });
  const claims = new Claims();
  const cluster = await startExample({
    EGG_SERVER_ENV: 'prod', EXAMPLE_COOKIE_KEYS: crypto.randomBytes(32).toString('base64url'), SENTINEL_DEMO_UNGUARDED_ROUTE: '1',
  });
  try {
    expectRefused(cluster, claims);
    const stderr = cluster.output.stderr;
    claims.check(/SEN404[^\n]*\n[^\n]*GET \/admin\/export/.test(stderr), 'stderr names SEN404 for GET /admin/export');
    for (const line of refusalBlock(stderr)) console.log(`    ${line}`);
    if (claims.check(fs.existsSync(APP_REPORT), 'the app worker wrote run/sentinel-report.json')) {
      const { routes } = JSON.parse(fs.readFileSync(APP_REPORT, 'utf8'));
      const admin = routes.filter(route => route.route.includes('/admin'));
      console.log(`  route table, from example/run/${path.basename(APP_REPORT)} (/admin routes; chain = what runs before the controller):`);
      for (const route of admin) console.log(`    ${route.route.padEnd(20)} ${route.controller.padEnd(48)} ${route.chain}`);
      const guarded = chain => chain.split(' > ').includes('route:auth');
      const exportRoute = admin.find(route => route.route === 'GET /admin/export');
      const usersRoute = admin.find(route => route.route === 'GET /admin/users');
      claims.check(exportRoute && !guarded(exportRoute.chain), 'the route table shows GET /admin/export without auth');
      claims.check(usersRoute && guarded(usersRoute.chain), 'the route table shows GET /admin/users behind auth');
    }
  } finally {
    await stopCluster(cluster);
  }
  return claims;
}

/** Connects to the cluster-client leader port the way a local attacker would, and asks it to register a channel. */
function rawClusterClientAttempt(port) {
  const Request = require(path.join(ROOT, 'node_modules/cluster-client/lib/protocol/request'));
  const registration = new Request({ connObj: { type: 'register_channel', channelName: 'EchoClient' }, timeout: 3000 }).encode();
  return new Promise(resolve => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    socket.on('connect', () => socket.write(registration));
    socket.on('data', chunk => { received = Buffer.concat([ received, chunk ]); });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ ms: Date.now() - started, received }));
  });
}

async function sceneIpc() {
  console.log('  a 2-worker cluster with an attacker plugin (example/lib/plugin/demo-attacker) running inside the workers');
  const claims = new Claims();
  const cluster = await startExample({ EGG_SERVER_ENV: 'prod', EXAMPLE_COOKIE_KEYS: crypto.randomBytes(32).toString('base64url'), SENTINEL_DEMO_ATTACKER: '1' });
  try {
    if (!expectReady(cluster, claims)) return claims;
    const get = async url => JSON.parse((await httpGet(`http://127.0.0.1:${cluster.port}${url}`)).body);
    const ping = await get('/demo/ipc/ping');
    console.log(`  legitimate message: worker ${ping.appPid} → agent ${ping.agentPid} → worker, signed and verified, ${ping.ms} ms`);
    claims.check(Boolean(ping.agentPid), 'a signed message round-trips');

    await get('/demo/ipc/forge');
    console.log("  forged: a worker writes { action: 'demo:transfer', data: { to: 'attacker', amount: 1000000 } } to process.send");
    await get('/demo/ipc/replay');
    console.log("  replayed: a signed { to: 'supplier', amount: 42 } transfer, captured on the wire and sent a second time");
    await sleep(300);
    const { transfers, stats } = await get('/demo/ipc/stats');
    console.log(`  the agent's 'demo:transfer' listener saw: ${JSON.stringify(transfers)}`);
    console.log(`  agent.sentinel.ipc.stats(): sent ${stats.sent}, accepted ${stats.accepted}, dropped ${JSON.stringify(Object.fromEntries(Object.entries(stats.dropped).filter(([ , n ]) => n)))}`);
    claims.check(transfers.length === 1 && transfers[0].to === 'supplier', 'only the legitimate transfer reaches the listener, once');
    claims.check(stats.dropped.unsigned === 1 && stats.dropped.replayed === 1, 'the forged and the replayed message are dropped and counted');

    const clusterPort = Number(/start with clusterPort:(\d+)/.exec(cluster.output.stdout)?.[1]);
    console.log(`  cluster-client leader port ${clusterPort} (from the master's log, where an attacker finds it): raw TCP, register_channel…`);
    const attempt = await rawClusterClientAttempt(clusterPort);
    const answered = attempt.received.length > 36 || !attempt.received.subarray(0, 4).equals(Buffer.from('ESC1'));
    console.log(`    closed by the agent after ${attempt.ms} ms; it got the ${attempt.received.length}-byte challenge and no cluster-client answer`);
    claims.check(!answered, 'a raw TCP client gets no cluster-client answer and is disconnected');
    const echo = await get('/demo/cc/echo?text=still+works');
    console.log(`  app.cluster() from a worker through the authenticated channel: echo ${JSON.stringify(echo.text)} from leader pid ${echo.leaderPid}`);
    claims.check(echo.text === 'still works', 'app.cluster() keeps working');
    const after = (await get('/demo/ipc/stats')).stats.clusterClient;
    console.log(`  stats().clusterClient: ${after.authenticated} followers authenticated, refused ${JSON.stringify(Object.fromEntries(Object.entries(after.refused).filter(([ , n ]) => n)))}`);
    claims.check(Object.entries(after.refused).some(([ reason, n ]) => reason !== 'probe' && n > 0), 'the refused connection is counted');
  } finally {
    await stopCluster(cluster);
  }
  return claims;
}

async function sceneCi() {
  const dir = makeTempDir('sentinel-demo-');
  try {
    return await showSarifAudit(path.join(dir, 'sentinel.sarif'));
  } finally {
    removeTempDir(dir);
  }
}

async function showSarifAudit(sarifFile) {
  const args = [ 'bin/egg-sentinel.js', 'audit', '--base-dir', 'example', '--env', 'prod', '--format', 'sarif', '--output', sarifFile ];
  console.log(`  a CI step, no server: node ${args.join(' ')}`);
  console.log('  (EXAMPLE_COOKIE_KEYS unset, as in a CI job without production secrets)');
  const claims = new Claims();
  const { code, output } = await runNode(args);
  for (const line of output.trim().split('\n')) console.log(`    | ${line}`);
  console.log(`  exit code ${code}`);
  claims.check(code === 1, 'the audit exits 1');
  if (claims.check(fs.existsSync(sarifFile), 'the SARIF file exists')) {
    const sarif = JSON.parse(fs.readFileSync(sarifFile, 'utf8'));
    const results = sarif.runs.flatMap(run => run.results);
    const ruleIds = [ ...new Set(results.map(result => result.ruleId)) ];
    console.log(`  ${path.basename(sarifFile)}: SARIF ${sarif.version}, ${results.length} result(s), rule ids ${ruleIds.join(', ')}`);
    for (const result of results.filter(result => result.level === 'error')) console.log(`    error ${result.ruleId}: ${result.message.text}`);
    claims.check(sarif.version === '2.1.0', 'the file is SARIF 2.1.0');
    claims.check(ruleIds.includes('SEN201'), 'the results include SEN201');
  }
  return claims;
}

const VULN_DEPS = 'test/fixtures/apps/vuln-deps';

async function sceneVulnerablePackages() {
  console.log(`  ${VULN_DEPS}: an app whose package-lock.json pins koa 2.16.1, path-to-regexp 1.8.0 and co-busboy 1.5.0 (dicer 0.2.5)`);
  const claims = new Claims();
  if (!fs.existsSync(path.join(ROOT, VULN_DEPS, 'node_modules/koa/package.json'))) {
    // The same install test/builtins.test.ts does: the old versions from npm's cache or the registry, no install scripts.
    const args = [ 'ci', '--prefix', VULN_DEPS, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts' ];
    console.log(`  npm ${args.join(' ')}`);
    const install = await runCommand('npm', args);
    if (!claims.check(install.code === 0, 'npm ci installs the fixture\'s old versions')) {
      console.log(install.output.trim().split('\n').map(line => `    | ${line}`).join('\n'));
      return claims;
    }
  }
  const args = [ 'bin/egg-sentinel.js', 'audit', '--base-dir', VULN_DEPS, '--env', 'prod', '--format', 'json' ];
  console.log(`  node ${args.join(' ')}: egg's loader loads the app (its app.ts requires its own koa), then SEN601 matches every installed package`);
  const { code, stdout, output } = await runNode(args);
  console.log(`  exit code ${code}`);
  claims.check(code === 1, 'the audit exits 1');
  let report;
  try {
    report = JSON.parse(stdout);
  } catch {
    console.log(`  expected a JSON report:\n${output.trim().split('\n').slice(-15).map(line => `      | ${line}`).join('\n')}`);
    claims.check(false, 'the audit writes a JSON report');
    return claims;
  }
  const hits = report.findings.filter(finding => finding.ruleId === 'SEN601');
  console.log(`  SEN601 findings (advisory database of ${report.advisoryDatabase.date}, ${report.advisoryDatabase.advisories} advisories):`);
  for (const hit of hits) console.log(`    ${hit.blocking ? '✘' : '!'} ${hit.severity.padEnd(4)} ${hit.target}: ${hit.message.split(': ')[0]}`);
  const blocking = new Set(hits.filter(hit => hit.blocking).map(hit => hit.target));
  claims.check(blocking.has('GHSA-7gcc-r8m5-44qm@koa') && blocking.has('GHSA-9wv6-86v2-598j@path-to-regexp'),
    'the loaded koa 2.16.1 and path-to-regexp 1.8.0 block with their GHSA ids');
  claims.check(blocking.has('GHSA-wm7h-9275-46v2@dicer'), 'dicer, three levels deep, blocks with its GHSA id');
  return claims;
}

/** Named for `--scene`; a name may cover several parts, each with its own claim line. */
const SCENES = [
  { name: 'plugins', title: 'a typosquatted plugin', summary: 'typosquat egg-sesion: boot refused (SEN102)', run: sceneTyposquat },
  { name: 'plugins', title: 'a pinned plugin tampered with after the pin', summary: 'pinned plugin boots; after one changed line, boot refused (SEN104)', run: sceneTamperedPlugin },
  { name: 'secrets', title: 'scaffolded cookie key in prod', summary: 'scaffolded key: boot refused (SEN201)', run: sceneScaffoldedKey },
  { name: 'secrets', title: 'random cookie key from the environment', summary: 'random key: boots, serves GET /, report 0600, stops cleanly', run: sceneKeyFromEnvironment },
  { name: 'injection', title: 'EGG_SERVER_ENV pointing outside the app', summary: 'unsafe EGG_SERVER_ENV: preflight refuses (exit 1) before egg runs the file', run: sceneUnsafeServerEnv },
  { name: 'middleware', title: 'an /admin route without its guard', summary: 'unguarded GET /admin/export: boot refused (SEN404), route table shows the hole', run: sceneUnguardedRoute },
  { name: 'ipc', title: 'agent ↔ app IPC under attack', summary: 'IPC: signed round trip; forged and replayed messages dropped and counted; raw TCP to the cluster-client port refused', run: sceneIpc },
  { name: 'builtins', title: 'known-vulnerable packages', summary: 'built-ins: old koa, path-to-regexp, dicer reported with their GHSA ids (SEN601)', run: sceneVulnerablePackages },
  { name: 'ci', title: 'audit in CI, SARIF output', summary: 'CI: audit --format sarif writes SARIF (SEN201) and exits 1', run: sceneCi },
];
const SCENE_NAMES = [ ...new Set(SCENES.map(scene => scene.name)) ];

function selectScenes(argv) {
  const { values } = parseArgs({ args: argv, options: { scene: { type: 'string' } } });
  if (values.scene === undefined) return SCENES;
  if (!SCENE_NAMES.includes(values.scene)) throw new Error(`--scene ${values.scene}: unknown scene; one of ${SCENE_NAMES.join(', ')}`);
  return SCENES.filter(scene => scene.name === values.scene);
}

async function main() {
  const started = Date.now();
  const scenes = selectScenes(process.argv.slice(2));
  // The secrets and CI scenes show what happens when the key is not set: do not inherit one from the shell.
  delete process.env.EXAMPLE_COOKIE_KEYS;
  delete process.env.SENTINEL_DEMO_UNGUARDED_ROUTE;
  delete process.env.SENTINEL_DEMO_PLUGIN;
  console.log('egg-sentinel demo: the TypeScript app in example/ as a real egg cluster (master, agent, 2 app workers)\n');
  // Under the test suite (scripts/test-unit.js) the plugin is built already, and tests of another lane load it meanwhile.
  if (process.env.SENTINEL_TEST_COMPILED) {
    process.stdout.write('Building example/ (example/tsconfig.json) in place; the test suite built the plugin... ');
    await build([ 'example/tsconfig.json' ], { clean: false });
  } else {
    process.stdout.write('Building the plugin (tsconfig.build.json) and example/ (example/tsconfig.json) in place... ');
    await build([ 'tsconfig.build.json', 'example/tsconfig.json' ]);
  }
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const results = [];
  for (const [ index, scene ] of scenes.entries()) {
    console.log(`\n== Scene ${index + 1} (${scene.name}): ${scene.title} ==`);
    let claims;
    try {
      claims = await scene.run();
    } catch (error) {
      claims = new Claims();
      claims.check(false, `it ran to the end (${error.message})`);
    }
    results.push({ index, scene, claims });
  }

  console.log('\nSummary');
  const nameWidth = Math.max(...SCENE_NAMES.map(name => name.length));
  console.log(`     ${'#'.padStart(2)}  ${'scene'.padEnd(nameWidth)}  shown`);
  for (const { index, scene, claims } of results) {
    const ok = claims.failed.length === 0;
    console.log(`  ${ok ? '✔' : '✘'}  ${String(index + 1).padStart(2)}  ${scene.name.padEnd(nameWidth)}  ${scene.summary}`);
    for (const claim of claims.failed) console.log(`      not shown: ${claim}`);
  }
  const allShown = results.every(({ claims }) => claims.failed.length === 0);
  const leftovers = liveGroups.size + tempDirs.size;
  console.log(`  ${allShown ? 'every scene showed what it claims' : 'some claims were not shown'}, in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
    `${leftovers ? `${leftovers} process group(s)/temp dir(s) left, removing them now` : 'no process or temp dir left behind'}`);
  return allShown && leftovers === 0;
}

main().then(
  ok => process.exit(ok ? 0 : 1),
  error => {
    console.error(`\ndemo failed: ${error.message}`);
    process.exit(1);
  },
);
