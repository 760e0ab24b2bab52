'use strict';
/**
 * `npm run bench:route-table`: what the middleware and route checks cost at boot on a large app (500 routes,
 * 30 middleware in the global chain, match/ignore of every kind, a secure-by-default route policy).
 * Boots the same generated app with egg-sentinel enabled and disabled, alternating, each boot in a fresh process
 * (egg.start, single mode, env prod), and compares the medians of the time from process start to ready. Inside the
 * enabled boots it also times egg-sentinel's middleware and route code (facts, SEN401–SEN406, chain and route table)
 * as it runs, cold, and reports its share of the boot. Writes bench/route-table-results.json.
 * Compiles the plugin in place first (like the demo): run `npm run clean` before running tests by hand.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { build, makeTempDir, removeTempDir, ROOT, runNode } = require('../scripts/harness');

const PAIRS = Number(process.env.BENCH_PAIRS || 7);
const RESOURCES = 50;
const ACTIONS = [ 'index', 'show', 'create', 'update', 'destroy', 'search', 'export', 'stats', 'history', 'audit' ];
const APP_MIDDLEWARE = 20;
const TARGET_RATIO = 1.05;

const median = values => [ ...values ].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** match/ignore of each kind egg accepts (string, array, RegExp, function), given to the first app middleware; the rest have none. */
const FILTERS = [
  "{ ignore: [ '/public', '/health' ] }",
  "{ match: '/api/v1' }",
  "{ ignore: [ '/public', /^\\/health/ ] }",
  '{ match: /^\\/api\\/v1\\/res\\d+\\/\\d+/ }',
  "{ ignore: ctx => ctx.path.startsWith('/internal') }",
  "{ match: '/api/v1' }",
  '{ ignore: /^\\/public/ }',
  "{ match: ctx => ctx.path !== '/health' }",
];

function writeApp(dir) {
  const files = {
    'package.json': JSON.stringify({ name: 'route-table-bench' }),
    'config/plugin.js': `exports.sentinel = { enable: process.env.BENCH_SENTINEL === 'on', path: ${JSON.stringify(ROOT)} };\n`,
  };
  const names = Array.from({ length: APP_MIDDLEWARE }, (_, index) => (index === 0 ? 'auth' : `mw${String(index).padStart(2, '0')}`));
  const options = names.map((name, index) => `  ${name}: ${FILTERS[index] ?? '{}'},`);
  files['config/config.default.js'] = `const path = require('path');
module.exports = {
  keys: 'cm91dGUtdGFibGUtYmVuY2gta2V5LTlxWjN4TDhtUDJ3',
  logger: { dir: path.join(__dirname, '../logs') },
  middleware: ${JSON.stringify(names)},
${options.join('\n')}
  sentinel: {
    failOn: 'never',
    middleware: { required: [ 'auth' ], order: [{ name: 'auth', after: [ '*core' ], before: [ 'mw01' ] }] },
    routes: {
      protect: [{ paths: [ '**' ], by: [ 'auth' ] }, { paths: [ '/api/v1/res1*/**' ], by: [ 'mw04' ] }],
      public: [{ paths: [ '/public/**', '/health' ], methods: [ 'GET' ], reason: 'static pages and the load balancer probe' }],
    },
  },
};
`;
  for (const name of names) {
    files[`app/middleware/${name}.js`] = `module.exports = () => async function ${name}(ctx, next) { await next(); };\n`;
  }
  const routes = [ "  router.get('/health', 'res0.index');", "  router.get('/public/:page', 'res0.show');" ];
  for (let resource = 0; resource < RESOURCES; resource++) {
    const methods = ACTIONS.map(action => `  async ${action}() { this.ctx.body = '${action}'; }`).join('\n');
    files[`app/controller/res${resource}.js`] = `module.exports = app => class Res${resource}Controller extends app.Controller {\n${methods}\n};\n`;
    const base = `/api/v1/res${resource}`;
    const guard = resource % 10 === 1 ? 'app.middleware.mw04(), ' : '';
    routes.push(
      `  router.get('${base}', ${guard}'res${resource}.index');`,
      `  router.get('${base}/:id(\\\\d+)', ${guard}'res${resource}.show');`,
      `  router.post('${base}', ${guard}'res${resource}.create');`,
      `  router.put('${base}/:id(\\\\d+)', ${guard}'res${resource}.update');`,
      `  router.delete('${base}/:id(\\\\d+)', ${guard}'res${resource}.destroy');`,
      `  router.get('${base}/search', ${guard}'res${resource}.search');`,
      `  router.get('${base}/:id/export', ${guard}'res${resource}.export');`,
      `  router.get('${base}/stats', ${guard}'res${resource}.stats');`,
      `  router.get('${base}/:id/history', ${guard}'res${resource}.history');`,
      `  router.all('/internal/res${resource}/audit', ${guard}'res${resource}.audit');`,
    );
  }
  // /health, /public/:page and 10 per resource: keep exactly 500.
  files['app/router.js'] = `module.exports = app => {\n  const { router } = app;\n${routes.slice(0, 500).join('\n')}\n};\n`;
  files['boot.js'] = `const started = process.hrtime.bigint();
const path = require('path');
const root = ${JSON.stringify(ROOT)};
// With egg-sentinel on, time its middleware and route code (facts, SEN4xx rules, chain and route table) in this boot.
const own = { ms: 0 };
function timed(object, key) {
  const original = object[key];
  object[key] = function(...args) {
    const t0 = process.hrtime.bigint();
    try {
      return original.apply(this, args);
    } finally {
      own.ms += Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
}
if (process.env.BENCH_SENTINEL === 'on') {
  timed(require(path.join(root, 'lib/facts/middleware.js')), 'collectMiddlewareFacts');
  for (const rule of require(path.join(root, 'lib/rules/middleware.js')).middlewareRules) timed(rule, 'check');
  const table = require(path.join(root, 'lib/report/route-table.js'));
  for (const key of [ 'chainReport', 'routeTable', 'formatChain' ]) timed(table, key);
}
require(path.join(root, 'node_modules/egg')).start({ baseDir: __dirname, env: 'prod' }).then(async app => {
  const bootMs = Number(process.hrtime.bigint() - started) / 1e6;
  const findings = app.sentinel ? app.sentinel.report.findings.filter(f => f.ruleId.startsWith('SEN4')).map(f => f.ruleId + ' ' + f.target) : [];
  console.log('RESULT ' + JSON.stringify({ bootMs, ownMs: own.ms, routes: app.router.stack.length, chain: app.middleware.length, findings }));
  await app.close();
  await app.agent.close();
  process.exit(0);
}, error => {
  console.error(error);
  process.exit(1);
});
`;
  for (const [ file, content ] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
}

async function boot(dir, sentinel) {
  const { code, output } = await runNode([ path.join(dir, 'boot.js') ], { cwd: dir, env: { BENCH_SENTINEL: sentinel } });
  const line = output.split('\n').find(text => text.startsWith('RESULT '));
  if (code !== 0 || !line) throw new Error(`boot with egg-sentinel ${sentinel} failed (exit ${code}):\n${output.slice(-3000)}`);
  return JSON.parse(line.slice('RESULT '.length));
}

async function main() {
  console.log(`route-table benchmark: ${PAIRS} alternating pairs of boots (egg-sentinel on / off), 500 routes, ` +
    `${APP_MIDDLEWARE} app middleware (${FILTERS.length} with match/ignore) after egg's core middleware`);
  await build([ 'tsconfig.build.json' ]);
  const dir = makeTempDir('sentinel-route-table-');
  try {
    writeApp(dir);
    await boot(dir, 'on'); // warm the disk cache for both variants
    const on = [];
    const off = [];
    for (let pair = 0; pair < PAIRS; pair++) {
      const order = pair % 2 ? [ 'off', 'on' ] : [ 'on', 'off' ];
      for (const sentinel of order) (sentinel === 'on' ? on : off).push(await boot(dir, sentinel));
      console.log(`  pair ${pair + 1}/${PAIRS}: on ${on.at(-1).bootMs.toFixed(0)} ms, off ${off.at(-1).bootMs.toFixed(0)} ms`);
    }
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      machine: `${os.cpus().length} × ${os.cpus()[0].model}`,
      routes: on[0].routes,
      globalChain: on[0].chain,
      pairs: PAIRS,
      bootMsOn: median(on.map(run => run.bootMs)),
      bootMsOff: median(off.map(run => run.bootMs)),
      routeChecksMs: median(on.map(run => run.ownMs)),
      routeChecksShare: median(on.map(run => run.ownMs / run.bootMs)),
      findings: on[0].findings,
    };
    results.ratio = results.bootMsOn / results.bootMsOff;
    fs.writeFileSync(path.join(__dirname, 'route-table-results.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\n${results.routes} routes, ${results.globalChain} middleware in the chain (router dispatch included)`);
    console.log(`whole plugin, boot to ready, median: on ${results.bootMsOn.toFixed(0)} ms, off ${results.bootMsOff.toFixed(0)} ms, ` +
      `ratio ${results.ratio.toFixed(3)} (${results.ratio <= TARGET_RATIO ? 'met' : 'MISSED'}, target ≤ ${TARGET_RATIO})`);
    console.log(`middleware and route checks inside those boots (facts, SEN401–SEN406, chain and route table), median: ` +
      `${results.routeChecksMs.toFixed(1)} ms, ${(100 * results.routeChecksShare).toFixed(1)}% of the boot ` +
      `(ratio ${(1 / (1 - results.routeChecksShare)).toFixed(3)} against the same boot without them)`);
    console.log(`middleware/route findings: ${results.findings.length ? results.findings.join('; ') : 'none'}`);
  } finally {
    removeTempDir(dir);
  }
}

main().then(() => process.exit(0), error => {
  console.error(`benchmark failed: ${error.message}`);
  process.exit(1);
});
