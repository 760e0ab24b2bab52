import assert from 'node:assert';
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');

function processGroupAlive(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function runNode(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: [ 'ignore', 'pipe', 'pipe' ] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', chunk => { output += chunk; });
    child.stderr.setEncoding('utf8').on('data', chunk => { output += chunk; });
    child.once('error', reject);
    child.once('close', code => resolve({ code, output }));
  });
}

describe('npm run demo (scripts/demo.js, real egg clusters)', () => {
  let demo: { code: number | null; output: string };

  before(async function() {
    this.timeout(240_000);
    demo = await runNode([ 'scripts/demo.js' ]);
  });

  // The demo compiles the plugin and example/ in place; egg's loader would prefer that .js over the .ts in later tests.
  // Under `npm run test:unit` (SENTINEL_TEST_COMPILED), the suite runs that same build, which it removes at the end.
  after(async function() {
    if (process.env.SENTINEL_TEST_COMPILED) return;
    this.timeout(30_000);
    const clean = await runNode([ 'scripts/clean.js' ]);
    assert.equal(clean.code, 0, clean.output);
  });

  it('exits 0 and every scene shows what it claims', () => {
    assert.equal(demo.code, 0, demo.output);
    assert.match(demo.output, /✔ {3}1 {2}plugins {5}typosquat egg-sesion: boot refused \(SEN102\)/);
    assert.match(demo.output, /✔ {3}2 {2}plugins {5}pinned plugin boots; after one changed line, boot refused \(SEN104\)/);
    assert.match(demo.output, /✔ {3}3 {2}secrets {5}scaffolded key: boot refused \(SEN201\)/);
    assert.match(demo.output, /✔ {3}4 {2}secrets {5}random key: boots, serves GET \/, report 0600, stops cleanly/);
    assert.match(demo.output, /✔ {3}5 {2}injection {3}unsafe EGG_SERVER_ENV: preflight refuses \(exit 1\) before egg runs the file/);
    assert.match(demo.output, /✔ {3}6 {2}middleware {2}unguarded GET \/admin\/export: boot refused \(SEN404\), route table shows the hole/);
    assert.match(demo.output, /✔ {3}7 {2}ipc {9}IPC: signed round trip; forged and replayed messages dropped and counted/);
    assert.match(demo.output, /✔ {3}8 {2}builtins {4}built-ins: old koa, path-to-regexp, dicer reported with their GHSA ids \(SEN601\)/);
    assert.match(demo.output, /✔ {3}9 {2}ci {10}CI: audit --format sarif writes SARIF \(SEN201\) and exits 1/);
    assert.match(demo.output, /dropped \{"unsigned":1,"replayed":1\}/);
    assert.doesNotMatch(demo.output, /^ {2}✘/m);
    assert.match(demo.output, /no process or temp dir left behind/);
  });

  it('shows the refusals, the served request, the preflight, the route table, the advisories and the SARIF file', () => {
    assert.match(demo.output, /what: {2}plugin demoPlugin \(egg-sesion\): the package "egg-sesion" is a look-alike of egg-session/);
    assert.match(demo.output, /what: {2}plugin demoPlugin \(egg-metrics-lite\) differs from sentinel\.lock\.json: changed: app\.js/);
    assert.match(demo.output, /boot refused by the app: .*\(SEN201\)/);
    assert.match(demo.output, /GET \/ -> 200 \{"message":"hello from sentinel-example"/);
    assert.match(demo.output, /sentinel-report\.json \(mode 0600\)/);
    assert.match(demo.output, /\[egg-sentinel preflight\] refused to start/);
    assert.match(demo.output, /evil\.js never ran \(no marker\)/);
    assert.match(demo.output, /GET \/admin\/export +app\/controller\/admin\.js#AdminController\.export\(\) .*> i18n\n/);
    assert.match(demo.output, /✘ high GHSA-9wv6-86v2-598j@path-to-regexp: path-to-regexp@1\.8\.0 is affected/);
    assert.match(demo.output, /exit code 1\n {2}sentinel\.sarif: SARIF 2\.1\.0, \d+ result\(s\), rule ids .*SEN201/);
  });

  it('leaves no egg process behind: every master it started is gone with its agent and workers', () => {
    const masters = [ ...demo.output.matchAll(/master pid (\d+)/g) ].map(match => Number(match[1]));
    assert.equal(new Set(masters).size, 9, `one master per cluster start:\n${demo.output}`);
    // Each master was started detached, so its process group (same id) also holds its agent and app workers.
    for (const pid of masters) assert.equal(processGroupAlive(pid), false, `process group of master ${pid} is still alive`);
  });
});
