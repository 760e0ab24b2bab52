import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { eggCorePackageName, findEggPackage, frameworkPackageDir, launchedFramework, pluginPackageDir } from '../../lib/facts/egg-version';
import { tempDir } from '../temp-dir';

/** Writes `files` (relative path → JSON) under a fresh temp dir and returns it. */
function tree(files: Record<string, unknown>): string {
  const root = tempDir('egg-version');
  for (const [ file, json ] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), JSON.stringify(json));
  }
  return root;
}

describe('egg 3 and egg 4 package layouts (lib/facts/egg-version)', () => {
  const roots: string[] = [];
  const layout = (files: Record<string, unknown>) => {
    const root = tree(files);
    roots.push(root);
    return root;
  };
  after(() => roots.forEach(root => fs.rmSync(root, { recursive: true, force: true })));

  // How egg 4's packages are built (tshy): the root package.json, a dist/package.json repeating name and version,
  // and a nameless dist/commonjs/package.json that only sets the module type.
  const egg4 = {
    'app/package.json': { name: 'app' },
    'app/node_modules/egg/package.json': { name: 'egg', version: '4.0.10' },
    'app/node_modules/egg/dist/package.json': { name: 'egg', version: '4.0.10' },
    'app/node_modules/egg/dist/commonjs/package.json': { type: 'commonjs' },
    'app/node_modules/@eggjs/i18n/package.json': { name: '@eggjs/i18n', eggPlugin: { name: 'i18n', exports: { require: './dist/commonjs', import: './dist/esm' } } },
    'app/node_modules/@eggjs/i18n/dist/package.json': { name: '@eggjs/i18n' },
    'app/node_modules/@eggjs/i18n/dist/esm/package.json': { type: 'module' },
    'app/node_modules/@eggjs/i18n/dist/commonjs/package.json': { type: 'commonjs' },
  };

  it('finds egg 4 from the build dir egg reports as its framework path, and its core package', () => {
    const root = layout(egg4);
    const egg = findEggPackage([ path.join(root, 'app/node_modules/egg/dist/commonjs') ]);
    assert.deepEqual(egg, { dir: path.join(root, 'app/node_modules/egg'), version: '4.0.10', major: 4 });
    assert.equal(eggCorePackageName(egg!), '@eggjs/core');
  });

  it("a framework path is its package's directory: egg 4's build dir, egg 3's root, a dir without package.json", () => {
    const root = layout({ ...egg4, 'app/lib/framework/x.json': {} });
    const egg = path.join(root, 'app/node_modules/egg');
    assert.equal(frameworkPackageDir(path.join(egg, 'dist/commonjs')), egg);
    assert.equal(frameworkPackageDir(egg), egg);
    assert.equal(frameworkPackageDir(path.join(root, 'app/lib/framework')), path.join(root, 'app/lib/framework'));
  });

  it('finds egg 3 at its package root, after a custom framework dir that is not egg', () => {
    const root = layout({ 'node_modules/egg/package.json': { name: 'egg', version: '3.34.0' }, 'node_modules/my-framework/package.json': { name: 'my-framework' } });
    const egg = findEggPackage([ path.join(root, 'node_modules/my-framework'), path.join(root, 'node_modules/egg') ]);
    assert.deepEqual(egg, { dir: path.join(root, 'node_modules/egg'), version: '3.34.0', major: 3 });
    assert.equal(eggCorePackageName(egg!), 'egg-core');
    assert.equal(findEggPackage([ path.join(root, 'node_modules/my-framework') ]), undefined);
  });

  it("a plugin egg 4 loads from a build named in eggPlugin.exports belongs to its package's directory", () => {
    const root = layout(egg4);
    const pkg = path.join(root, 'app/node_modules/@eggjs/i18n');
    assert.equal(pluginPackageDir(path.join(pkg, 'dist/commonjs')), pkg);
    assert.equal(pluginPackageDir(path.join(pkg, 'dist/esm')), pkg);
    assert.equal(pluginPackageDir(pkg), pkg);
  });

  it('any other plugin directory is its own: a local plugin inside the app is not the app', () => {
    const root = layout({ ...egg4, 'app/lib/plugin/audit/config/x.json': {} });
    const local = path.join(root, 'app/lib/plugin/audit');
    assert.equal(pluginPackageDir(local), local);
    const notExported = path.join(root, 'app/node_modules/@eggjs/i18n/dist');
    assert.equal(pluginPackageDir(notExported), notExported);
  });

  it('the launched framework: egg-utils\' directory as given; egg.start()\'s package name (package.json egg.framework) as the framework egg loaded by it (black-box round 39, h1 F1, h3 F4)', () => {
    const root = layout({
      'node_modules/egg/package.json': { name: 'egg', version: '3.34.0' },
      'node_modules/h3-fw/package.json': { name: 'h3-fw', version: '1.0.0' },
    });
    const eggPaths = [ path.join(root, 'node_modules/egg'), path.join(root, 'node_modules/h3-fw') ];
    assert.equal(launchedFramework({ options: { framework: 'h3-fw' }, loader: { eggPaths } }), path.join(root, 'node_modules/h3-fw'));
    assert.equal(launchedFramework({ options: { framework: '/opt/fw' }, loader: { eggPaths } }), '/opt/fw');
    assert.equal(launchedFramework({ options: { framework: 'other-fw' }, loader: { eggPaths } }), 'other-fw', 'no such framework loaded: as given');
    assert.equal(launchedFramework({ options: {} }), undefined);
  });
});
