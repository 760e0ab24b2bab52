'use strict';
/**
 * `npm run test:unit`: the egg 3 suite against egg-sentinel compiled in place, as the package ships it. The suite's
 * own processes (egg-cluster agents and workers, preflights, egg-scripts masters) then load JavaScript instead of
 * compiling every lib/ file with ts-node, which cost each of them seconds. The output is built fresh from the sources
 * first (egg's loader prefers a .js next to its .ts, so a stale one would be tested) and removed at the end, also
 * after a failure or a signal. Arguments go to `egg-bin test`.
 */
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_FILES = [ 'test/**/*.test.ts', '!test/egg4' ];
const SIGNALS = [ 'SIGINT', 'SIGTERM', 'SIGHUP' ];

function runNode(args) {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

const clean = () => runNode([ path.join(__dirname, 'clean.js') ]);

// egg-bin exits 0 on a signal: one that reached this run makes it fail, whatever egg-bin says.
let interrupted;
const running = { child: undefined };
for (const signal of SIGNALS) {
  process.on(signal, () => {
    interrupted = signal;
    running.child?.kill(signal);
  });
}
const finish = code => {
  clean();
  process.exit(interrupted ? 130 : code);
};

if (clean() !== 0 || runNode([ path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json' ]) !== 0 || interrupted) finish(1);
const args = process.argv.slice(2);
const eggBinPackage = require.resolve('egg-bin/package.json', { paths: [ ROOT ] });
const eggBin = path.join(path.dirname(eggBinPackage), require(eggBinPackage).bin['egg-bin']);
// SENTINEL_TEST_COMPILED: tests that build in place themselves (the demo) leave this output to be removed here.
const child = running.child = spawn(process.execPath, [ eggBin, 'test', '--no-mochawesome', ...(args.length ? args : DEFAULT_FILES) ], {
  cwd: ROOT, stdio: 'inherit', env: { ...process.env, SENTINEL_TEST_COMPILED: '1' },
});
child.on('error', error => {
  console.error(`test-unit: egg-bin did not start: ${error.message}`);
  finish(1);
});
child.on('exit', (code, signal) => finish(code ?? (signal ? 1 : 0)));
