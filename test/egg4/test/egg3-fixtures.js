'use strict';
/**
 * The egg 3 suite's fixture apps (test/fixtures/apps, TypeScript) run on egg 4 as a JavaScript app would: each is
 * copied into the run's temp dir with its .ts files transpiled to CommonJS .js, and egg-sentinel enabled in its
 * config/plugin.js from the build run.js made (EGG_SENTINEL_DIR). The copies keep the fixtures' layout
 * (fixtures/apps/<name>, fixtures/mw-common, fixtures/session-store) so their relative imports work; an import of egg-sentinel's own sources
 * (cfg-secure's env helpers) goes to the build. egg resolves from a node_modules next to them: this suite's egg 4.
 * File names in findings are therefore `.js` where the egg 3 suite sees `.ts`.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../../..');
const SOURCE = path.join(ROOT, 'test/fixtures');
const ts = require(require.resolve('typescript', { paths: [ ROOT ] }));

/** Where the copies live: next to the build, in the temp dir run.js removes afterwards. */
const WORK = path.join(path.dirname(process.env.EGG_SENTINEL_DIR), 'egg3-fixtures');
// On the object egg reads: a transpiled `export default {…}` is exports.default, which egg takes instead of exports.
const PLUGIN_LINE = '(module.exports.__esModule ? module.exports.default : module.exports).sentinel = { enable: true, path: process.env.EGG_SENTINEL_DIR };';

/** A require() of a relative path outside test/fixtures (egg-sentinel's sources) goes to the build. */
function rewriteRequires(code, sourceFile) {
  return code.replace(/require\("(\.{1,2}\/[^"]*)"\)/g, (whole, specifier) => {
    const target = path.resolve(path.dirname(sourceFile), specifier);
    if (!path.relative(SOURCE, target).startsWith('..')) return whole;
    return `require(${JSON.stringify(path.join(process.env.EGG_SENTINEL_DIR, path.relative(ROOT, target)))})`;
  });
}

/** Copies `from` to `to`, transpiling .ts (declarations dropped) and leaving egg's run/ and logs/ behind. */
function copyTranspiled(from, to) {
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true, filter: source => !/[/\\](run|logs)$/.test(source) && !source.endsWith('.d.ts') });
  const walk = dir => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(file);
      else if (entry.isFile() && entry.name.endsWith('.ts')) {
        const sourceFile = path.join(from, path.relative(to, file));
        const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
          fileName: sourceFile,
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        });
        fs.writeFileSync(file.replace(/\.ts$/, '.js'), rewriteRequires(outputText, sourceFile), { mode: fs.statSync(file).mode });
        fs.rmSync(file);
      }
    }
  };
  walk(to);
}

/** Enables the build in the app's config/plugin.js, after the plugins the fixture enables itself. */
function enableSentinel(appDir) {
  const file = path.join(appDir, 'config/plugin.js');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const own = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : "'use strict';\n";
  fs.writeFileSync(file, `${own}\n// egg 4 suite: the compiled egg-sentinel (run.js)\n${PLUGIN_LINE}\n`);
}

let shared;
/** The transpiled shared modules and egg 4's node_modules, once per run. */
function setUp() {
  if (shared) return;
  // The mw-* fixtures' guard token, from the environment as a deploy sets it (as test/helpers.ts sets it for egg 3).
  process.env.SENTINEL_FIXTURE_AUTH_TOKEN ??= 'fixture-token';
  fs.mkdirSync(path.join(WORK, 'fixtures/apps'), { recursive: true });
  for (const common of [ 'mw-common', 'session-store' ]) copyTranspiled(path.join(SOURCE, common), path.join(WORK, 'fixtures', common));
  fs.symlinkSync(path.join(__dirname, '../node_modules'), path.join(WORK, 'node_modules'));
  shared = new Map();
}

let copies = 0;

/**
 * The egg 4 copy of an egg 3 fixture app. The same copy is returned on every call unless `fresh` is set (for tests
 * that change files in it); fresh copies sit next to it under another name.
 */
function egg3Fixture(name, { fresh = false } = {}) {
  setUp();
  if (!fresh && shared.has(name)) return shared.get(name);
  const dir = path.join(WORK, 'fixtures/apps', fresh ? `${name}-${++copies}` : name);
  copyTranspiled(path.join(SOURCE, 'apps', name), dir);
  enableSentinel(dir);
  if (!fresh) shared.set(name, dir);
  return dir;
}

/** A throw-away egg 4 app with these files (config/plugin.js gets egg-sentinel added), like the egg 3 suite's tempApp. */
function tempApp(name, files) {
  setUp();
  const dir = fs.mkdtempSync(path.join(WORK, `${name}-`));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name }));
  for (const [ file, content ] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  enableSentinel(dir);
  return dir;
}

module.exports = { egg3Fixture, tempApp };
