'use strict';
/**
 * `npm run test:egg4`: the egg 4 compatibility suite. Compiles egg-sentinel with tsc into a temp dir (never in place:
 * the egg 3 suite runs the .ts sources, and egg's loader prefers a stale .js next to them), lays it out as the package
 * ships (compiled JS, declarations, the JSON schemas and data, package.json), then runs the tests in test/ with
 * @eggjs/bin against egg 4 installed from this directory's own lockfile. The fixture apps enable that build through
 * their config/plugin.js (EGG_SENTINEL_DIR). Extra arguments go to `egg-bin test`, e.g. `test/ipc.test.js,test/boot.test.js`.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const HERE = __dirname;

function runNode(args, cwd, env = process.env) {
  const result = spawnSync(process.execPath, args, { cwd, env, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** Every .json under lib/ (schemas, advisories, known plugins): the package ships them next to the compiled code. */
function copyJson(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) copyJson(source, path.join(to, entry.name));
    else if (entry.name.endsWith('.json')) fs.cpSync(source, path.join(to, entry.name));
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-egg4-'));
let status = 1;
try {
  const pkg = path.join(work, 'egg-sentinel');
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  if (runNode([ tsc, '-p', 'tsconfig.build.json', '--outDir', pkg ], ROOT) !== 0) throw new Error('tsc failed');
  fs.cpSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
  copyJson(path.join(ROOT, 'lib'), path.join(pkg, 'lib'));
  // Its dependencies (ajv, semver, secure-json-parse), as an install would provide them; egg itself is always
  // resolved from the app's framework dirs, never from here.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
  const eggBin = path.join(path.dirname(require.resolve('@eggjs/bin/package.json', { paths: [ HERE ] })), 'bin/run.js');
  // --ts=false: the tests and fixtures are JavaScript, whatever EGG_TYPESCRIPT the caller's environment holds.
  status = runNode([ eggBin, 'test', '--ts=false', '--no-mochawesome', ...process.argv.slice(2) ], HERE, { ...process.env, EGG_SENTINEL_DIR: pkg });
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(status);
