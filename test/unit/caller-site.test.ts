import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { callerSourceSite } from '../../lib/caller-site';
import { tempDir } from '../temp-dir';

/** An app's router in TypeScript, like black-box round 29's h104 ts1 app: the second route has no guard. */
const ROUTER_TS = [
  "import type { Application } from 'egg';",
  '',
  '/** What tsc leaves out, so that the compiled lines differ from these. */',
  'type Role = \'admin\' | \'ops\';',
  '',
  'export default (app: Application, role: Role = \'admin\') => {',
  '  app.logger.info(\'routes for %s\', role);',
  '  const { router, controller, middleware } = app;',
  "  router.get('/admin/users', middleware.adminOnly(), controller.admin.users);",
  "  router.get('/admin/users.json', controller.admin.users);",
  "  for (const area of [ 'ops', 'billing' ]) router.get(`/admin/${area}`, controller.admin.users);",
  '};',
  '',
].join('\n');
const UNGUARDED = "router.get('/admin/users.json'";
/** The unguarded route's line in the .ts. */
const SOURCE_LINE = ROUTER_TS.split('\n').findIndex(text => text.includes(UNGUARDED)) + 1;

/** A stack whose frame calls `router.get` on the line of `file` with `call` (the unguarded route's), below a frame of egg's router. */
function stackAt(file: string, call = UNGUARDED): { stack: string } {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex(text => text.includes(call));
  const column = lines[line].indexOf(call) + 'router.'.length + 1;
  return { stack: `Error\n    at EggRouter.get (/srv/node_modules/@eggjs/router/lib/egg_router.js:120:10)\n    at exports.default (${file}:${line + 1}:${column})` };
}

describe('caller-site: a registration in an app compiled in place with tsc points at the .ts (black-box round 29, h104 F6)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  /** app/router.ts with app/router.js compiled beside it, as `tsc` builds egg's TypeScript apps for production. */
  const compiled = (options: ts.CompilerOptions, files: Record<string, string> = {}) => {
    const dir = tempDir('caller-site');
    dirs.push(dir);
    fs.mkdirSync(path.join(dir, 'app'));
    const output = ts.transpileModule(ROUTER_TS, { fileName: 'router.ts', compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, ...options } });
    const entries = { 'app/router.ts': ROUTER_TS, 'app/router.js': output.outputText, ...(output.sourceMapText && { 'app/router.js.map': output.sourceMapText }), ...files };
    for (const [ file, text ] of Object.entries(entries)) fs.writeFileSync(path.join(dir, file), text);
    return dir;
  };
  const site = (dir: string, call?: string) => callerSourceSite([ '/srv/node_modules/@eggjs/router' ], stackAt(path.join(dir, 'app/router.js'), call));

  it('through an inline source map (egg\'s @eggjs/tsconfig sets inlineSourceMap)', () => {
    const dir = compiled({ inlineSourceMap: true });
    assert.match(fs.readFileSync(path.join(dir, 'app/router.js'), 'utf8'), /sourceMappingURL=data:/);
    assert.equal(site(dir), `${path.join(dir, 'app/router.ts')}:${SOURCE_LINE}`);
  });

  it('through a .js.map beside the .js', () => {
    const dir = compiled({ sourceMap: true });
    assert.ok(fs.existsSync(path.join(dir, 'app/router.js.map')));
    assert.equal(site(dir), `${path.join(dir, 'app/router.ts')}:${SOURCE_LINE}`);
  });

  it('without a map, by the one line of the .ts that holds the compiled line\'s text, white space aside (tsc left the types out and split the loop)', () => {
    const dir = compiled({});
    const js = fs.readFileSync(path.join(dir, 'app/router.js'), 'utf8').split('\n');
    assert.notEqual(js.findIndex(line => line.includes(UNGUARDED)) + 1, SOURCE_LINE, 'the compiled line differs from the source\'s');
    assert.equal(site(dir), `${path.join(dir, 'app/router.ts')}:${SOURCE_LINE}`);
    // tsc puts the loop's body on a line of its own and respaces the array.
    const loop = "router.get(`/admin/${area}`";
    assert.ok(!js.some(line => line.includes('for (') && line.includes(loop)));
    assert.equal(site(dir, loop), `${path.join(dir, 'app/router.ts')}:${SOURCE_LINE + 1}`);
  });

  it('keeps a package\'s .js line whatever its map or a .ts beside it says, and reads no map that is not a regular file (review 23, #7)', () => {
    const dir = compiled({ sourceMap: true });
    const jsLine = (file: string) => `${file}:${fs.readFileSync(file, 'utf8').split('\n').findIndex(text => text.includes(UNGUARDED)) + 1}`;
    // The same compiled router inside a plugin's package: its map points at the app's own router.ts.
    const pluginDir = path.join(dir, 'node_modules/egg-plugin/app');
    fs.mkdirSync(pluginDir, { recursive: true });
    for (const file of [ 'router.js', 'router.ts' ]) fs.copyFileSync(path.join(dir, 'app', file), path.join(pluginDir, file));
    fs.writeFileSync(path.join(pluginDir, 'router.js.map'), fs.readFileSync(path.join(dir, 'app/router.js.map'), 'utf8').replace(/"sources":\["[^"]*"\]/, `"sources":[${JSON.stringify(path.join(dir, 'app/router.ts'))}]`));
    const pluginRouter = path.join(pluginDir, 'router.js');
    assert.equal(callerSourceSite([ '/srv/node_modules/@eggjs/router' ], stackAt(pluginRouter)), jsLine(pluginRouter));
    // An app file whose map URL names a FIFO (a read would wait for a writer forever) is placed without reading it.
    if (spawnSync('mkfifo', [ path.join(dir, 'app/pipe') ]).status !== 0) return;
    const router = path.join(dir, 'app/router.js');
    fs.writeFileSync(router, fs.readFileSync(router, 'utf8').replace(/sourceMappingURL=\S+/, 'sourceMappingURL=pipe'));
    assert.equal(site(dir), `${path.join(dir, 'app/router.ts')}:${SOURCE_LINE}`, 'the .ts beside it places it');
  });

  it('keeps the .js line when that text is on more than one line of the .ts, or no .ts is beside it', () => {
    const jsLine = (dir: string) => `${path.join(dir, 'app/router.js')}:${fs.readFileSync(path.join(dir, 'app/router.js'), 'utf8').split('\n').findIndex(text => text.includes(UNGUARDED)) + 1}`;
    const unguarded = "  router.get('/admin/users.json', controller.admin.users);\n";
    const twice = compiled({}, { 'app/router.ts': ROUTER_TS.replace(unguarded, unguarded.repeat(2)) });
    assert.equal(site(twice), jsLine(twice));
    const plain = compiled({});
    fs.rmSync(path.join(plain, 'app/router.ts'));
    assert.equal(site(plain), jsLine(plain), 'a plain JavaScript app');
  });
});
