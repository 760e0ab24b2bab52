'use strict';
/**
 * `npm run bench`: what egg-sentinel costs, every figure of issue #10 with its target, in one run of under 10 minutes
 * on 2 cores. Installs bench/plugins-app's community plugins from its lockfile when they are missing, compiles the
 * plugin in place, generates the realistic app (bench/lib/realistic-app.js), runs the sections and writes
 * bench/results.json and bench/results.md; removes the compiled output at the end (egg's loader would prefer it over
 * the .ts sources in tests).
 *
 *   node bench/run.js                       every section; writes the results
 *   node bench/run.js --only ipc,codec      some sections (codec, boot, profile, requests, audit, ipc); prints their report
 *
 * Sizes come from the environment (defaults fit 10 minutes on a shared 2-core machine): BENCH_BOOT_PAIRS (5),
 * BENCH_REQUEST_ROUNDS (5), BENCH_REQUEST_SECONDS (3), BENCH_CONNECTIONS (10), BENCH_IPC_ROUNDS (5), BENCH_MESSAGES
 * (50000), BENCH_RTT_SAMPLES (2000), BENCH_INVOKES (3000), BENCH_MEMORY_MESSAGES (1000000), BENCH_CODEC_RUNS (7),
 * BENCH_AUDIT_PAIRS (3), BENCH_PROFILE_MESSAGES (20000).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { build, ROOT, runCommand } = require('../scripts/harness');
const { machine, progress, targetText, verdictText, versions } = require('./lib/common');
const { checkInstalled, generateRealisticApp, PLUGINS_APP } = require('./lib/realistic-app');
const { orderedFigures, renderMarkdown } = require('./lib/report');

const SECTIONS = {
  codec: () => require('./lib/codec').codecBenchmark(),
  boot: () => require('./lib/boot').bootBenchmark(),
  profile: () => require('./lib/profile').profileBenchmark(),
  requests: () => require('./lib/requests').requestBenchmark(),
  audit: () => require('./lib/audit').auditBenchmark(),
  ipc: () => require('./lib/ipc').ipcBenchmark(),
};
const NEEDS_APP = new Set([ 'boot', 'profile', 'requests', 'audit' ]);
const SIZE_VARIABLES = [ 'BENCH_BOOT_PAIRS', 'BENCH_REQUEST_ROUNDS', 'BENCH_REQUEST_SECONDS', 'BENCH_CONNECTIONS', 'BENCH_IPC_ROUNDS',
  'BENCH_MESSAGES', 'BENCH_RTT_SAMPLES', 'BENCH_INVOKES', 'BENCH_MEMORY_MESSAGES', 'BENCH_CODEC_RUNS', 'BENCH_AUDIT_PAIRS',
  'BENCH_PROFILE_MESSAGES' ];

function parseArgs(argv) {
  if (argv.length === 0) return { sections: Object.keys(SECTIONS), partial: false };
  if (argv[0] !== '--only' || argv.length !== 2) throw new Error(`usage: node bench/run.js [--only ${Object.keys(SECTIONS).join(',')}]`);
  const sections = argv[1].split(',');
  const unknown = sections.filter(name => !SECTIONS[name]);
  if (unknown.length) throw new Error(`unknown section ${unknown.join(', ')}: choose from ${Object.keys(SECTIONS).join(', ')}`);
  return { sections: Object.keys(SECTIONS).filter(name => sections.includes(name)), partial: true };
}

async function prepare(sections) {
  if (!fs.existsSync(path.join(ROOT, 'node_modules/egg/package.json'))) throw new Error('egg is not installed: run `npm ci` in the repository first');
  if (sections.some(name => NEEDS_APP.has(name)) && checkInstalled().length) {
    progress('installing the community plugins of bench/plugins-app from its lockfile (npm ci --ignore-scripts)');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const { code, output } = await runCommand(npm, [ 'ci', '--ignore-scripts', '--no-audit', '--no-fund' ], { cwd: PLUGINS_APP });
    if (code !== 0) throw new Error(`npm ci in bench/plugins-app failed:\n${output.slice(-2000)}`);
  }
  progress('compiling the plugin in place (tsconfig.build.json)');
  await build([ 'tsconfig.build.json' ]);
  if (sections.some(name => NEEDS_APP.has(name))) progress(`realistic app in bench/run/realistic-app: ${generateRealisticApp()}`);
}

/** scripts/clean.js cleans when it is loaded (so once); also on Ctrl-C, through the exit handler. */
function removeCompiledOutput() {
  require('../scripts/clean');
}
process.on('exit', removeCompiledOutput);

function commit() {
  try {
    return execFileSync('git', [ 'rev-parse', '--short', 'HEAD' ], { cwd: ROOT, encoding: 'utf8', stdio: [ 'ignore', 'pipe', 'ignore' ] }).trim();
  } catch {
    return undefined; // not a git checkout, or no commit yet
  }
}

function printSummary(results) {
  console.log('\n| figure | measured | target | verdict |\n| --- | ---: | --- | --- |');
  for (const entry of orderedFigures(results)) console.log(`| ${entry.label} | ${entry.display} | ${targetText(entry)} | ${verdictText(entry)} |`);
  for (const [ section, error ] of Object.entries(results.failures)) console.log(`| ${section}: FAILED | ${error.split('\n')[0]} | — | NOT MEASURED |`);
}

async function main(argv) {
  const { sections, partial } = parseArgs(argv);
  const started = Date.now();
  const settings = Object.fromEntries(SIZE_VARIABLES.filter(name => process.env[name]).map(name => [ name, process.env[name] ]));
  const results = {
    date: new Date().toISOString(), machine: machine(), versions: { ...versions(), commit: commit() },
    settings: Object.keys(settings).length ? settings : { defaults: 'yes' },
    sections: {}, figures: [], failures: {},
  };
  progress(`egg-sentinel benchmark suite: ${sections.join(', ')} on ${results.machine.cores} × ${results.machine.cpu}, Node ${process.version}`);
  try {
    await prepare(sections);
    for (const name of sections) {
      // One failing section is reported as not measured; the others still run.
      try {
        const section = await SECTIONS[name]();
        results.sections[name] = section;
        results.figures.push(...section.figures);
      } catch (error) {
        results.failures[name] = error.message;
        progress(`${name} FAILED: ${error.message}`);
      }
    }
  } finally {
    removeCompiledOutput();
  }
  results.wallTimeS = (Date.now() - started) / 1000;
  if (partial) {
    console.log(`\n${renderMarkdown(results)}\n(--only: printed here; bench/results.md and bench/results.json are written by full runs only)`);
  } else {
    printSummary(results);
    fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(path.join(__dirname, 'results.md'), renderMarkdown(results));
    console.log('\nwrote bench/results.md and bench/results.json');
  }
  progress(`done in ${results.wallTimeS.toFixed(0)} s`);
  return Object.keys(results.failures).length ? 1 : 0;
}

/** Runs the suite with these arguments and exits with 0, or 1 when a section failed. */
function cli(argv) {
  main(argv).then(code => process.exit(code), error => {
    console.error(`benchmark failed: ${error.message}`);
    process.exit(1);
  });
}

if (require.main === module) cli(process.argv.slice(2));

module.exports = { cli };
