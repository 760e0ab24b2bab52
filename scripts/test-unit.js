'use strict';
/**
 * `npm run test:unit`: the egg 3 suite against egg-sentinel compiled in place, as the package ships it. The suite's
 * own processes (egg-cluster agents and workers, preflights, egg-scripts masters) then load JavaScript instead of
 * compiling every lib/ file with ts-node, which cost each of them seconds. The output is built fresh from the sources
 * first (egg's loader prefers a .js next to its .ts, so a stale one would be tested) and removed at the end, also
 * after a failure or a signal. With arguments, they go to one `egg-bin test`.
 *
 * Without arguments the suite runs in two phases, as four `egg-bin test` runs. One mocha process keeps about one core
 * busy, and CI has two: first two lanes run at once, then the tests that start egg clusters run alone. Those cannot
 * share the machine: an egg-cluster master takes its agent's cluster-client port from the kernel and listens on it
 * seconds later, and the other lane's sockets may take it meanwhile. In the lanes, mm.app() agents take theirs from
 * a range of each lane's own (scripts/test-lane-ports.js) and test/helpers.ts refuses to start a cluster. Files that
 * boot the same fixture app (egg writes its run/ and logs/ there) share a lane; `egg-sentinel audit` only reads an
 * app, so the CLI's lane may audit the other lane's fixtures.
 */
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SIGNALS = [ 'SIGINT', 'SIGTERM', 'SIGHUP' ];
const EVERY_FILE = [ 'test/**/*.test.ts', '!test/egg4' ];
/** Files whose tests start egg clusters, egg-scripts or the demo throughout: they run whole, alone. */
const ALONE = [ 'test/demo.test.ts', 'test/package.test.ts', 'test/egg-scripts.test.ts', 'test/cluster-client.test.ts', 'test/ipc-cluster.test.ts' ];
/** The first lane; every other file runs in the second, so a new file needs no entry here. */
const FIRST_LANE = [ 'test/middleware.test.ts', 'test/cli.test.ts', 'test/corpus.test.ts' ];
/** In the other files, a test that starts an egg cluster says so in its title (or its describe's). */
const STARTS_A_CLUSTER = 'egg-cluster';
const except = files => files.map(file => `!${file}`);
const LANES = [
  { name: 'lane 1', files: FIRST_LANE, grep: `^(?!.*${STARTS_A_CLUSTER})` },
  { name: 'lane 2', files: [ ...EVERY_FILE, ...except(FIRST_LANE), ...except(ALONE) ], grep: `^(?!.*${STARTS_A_CLUSTER})` },
];
const ALONE_RUNS = [
  { name: 'clusters, whole files', files: ALONE },
  { name: 'clusters, tests titled egg-cluster', files: [ ...EVERY_FILE, ...except(ALONE) ], grep: STARTS_A_CLUSTER },
];

function runNode(args) {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

const clean = () => runNode([ path.join(__dirname, 'clean.js') ]);

// egg-bin exits 0 on a signal: one that reached this run makes it fail, whatever egg-bin says.
let interrupted;
const running = new Set();
for (const signal of SIGNALS) {
  process.on(signal, () => {
    interrupted = signal;
    // Each egg-bin leads a process group of its own: mocha and what it started get the signal too.
    for (const child of running) process.kill(-child.pid, signal);
  });
}
/** Output of a lane held back (see run()): written at the end whatever happens, also on a signal. */
const heldBack = new Set();
const finish = code => {
  for (const held of heldBack) process.stdout.write(held.join(''));
  clean();
  process.exit(interrupted ? 130 : code);
};

if (clean() !== 0 || runNode([ path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json' ]) !== 0 || interrupted) finish(1);
const eggBinPackage = require.resolve('egg-bin/package.json', { paths: [ ROOT ] });
const eggBin = path.join(path.dirname(eggBinPackage), require(eggBinPackage).bin['egg-bin']);

/**
 * Runs `egg-bin test`; resolves with its exit code. `output`, when given, gets its stdout and stderr whole lines at a
 * time, so two lanes never mix within a line; without it egg-bin writes to this process's own.
 */
function eggBinTest(args, env, output) {
  return new Promise(resolve => {
    // SENTINEL_TEST_COMPILED: tests that build in place themselves (the demo) leave this output to be removed here.
    const child = spawn(process.execPath, [ eggBin, 'test', '--no-mochawesome', ...args ], {
      cwd: ROOT, stdio: output ? [ 'ignore', 'pipe', 'pipe' ] : 'inherit', env: { ...process.env, SENTINEL_TEST_COMPILED: '1', ...env }, detached: true,
    });
    running.add(child);
    for (const stream of output ? [ child.stdout, child.stderr ] : []) {
      let partial = '';
      stream.setEncoding('utf8').on('data', chunk => {
        const lines = (partial + chunk).split(/(?<=\n)/);
        partial = lines.at(-1).endsWith('\n') ? '' : lines.pop();
        if (lines.length) output(lines.join(''));
      }).on('end', () => partial && output(`${partial}\n`));
    }
    child.on('error', error => {
      console.error(`test-unit: egg-bin did not start: ${error.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const totals = { passing: 0, failing: 0, pending: 0 };
/** Writes a run's output and counts mocha's summary lines into `totals`. */
function report(text) {
  for (const [ , count, kind ] of text.matchAll(/^ {2}(\d+) (passing|failing|pending)\b/gm)) totals[kind] += Number(count);
  process.stdout.write(text);
}

/** One run of the phased suite; the lanes' runs get SENTINEL_TEST_LANE and the lane port hook. */
async function run({ name, files, grep }, lane) {
  const args = [ ...files, ...(grep ? [ `--grep=${grep}` ] : []) ];
  const env = lane === undefined ? {} : { SENTINEL_TEST_LANE: String(lane) };
  if (lane !== undefined) args.push(`--require=${path.join(__dirname, 'test-lane-ports.js')}`);
  // The last lane streams; an earlier one is held and written whole when it ends (between two lines of the other), so
  // each run's own output reads in order.
  const held = lane !== undefined && lane < LANES.length - 1 ? [ `\n---- test-unit: ${name} ----\n` ] : undefined;
  if (held) heldBack.add(held);
  else report(`\n---- test-unit: ${name} ----\n`);
  const code = await eggBinTest(args, env, held ? text => held.push(text) : report);
  if (held) {
    heldBack.delete(held);
    report(held.join(''));
  }
  report(`---- test-unit: ${name} ended with exit code ${code} ----\n`);
  return code;
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length) return eggBinTest(args, {});
  const codes = await Promise.all(LANES.map(run));
  for (const alone of ALONE_RUNS) {
    if (interrupted) break;
    codes.push(await run(alone));
  }
  report(`\ntest-unit: ${totals.passing} passing, ${totals.failing} failing, ${totals.pending} pending in ${codes.length} runs\n`);
  return codes.find(code => code !== 0) ?? 0;
}

main().then(finish, error => {
  console.error(`test-unit: ${error.message}`);
  finish(1);
});
