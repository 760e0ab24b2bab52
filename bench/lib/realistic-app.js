'use strict';
/**
 * The realistic fixture app the boot, request and audit benchmarks share, generated at each run into bench/run/
 * (gitignored): egg's default plugins plus five community plugins installed for real (bench/plugins-app's
 * node_modules, from its lockfile), 500 routes over 50 controllers, 30 app middleware (27 in the global chain, several
 * with match/ignore; 3 route middleware in front of one route), a few hundred config keys of its own, a middleware and
 * route policy for egg-sentinel and a pinned sentinel.lock.json, so every rule runs and the agent verifies every
 * plugin file. BENCH_SENTINEL=off in the environment disables egg-sentinel (`enable: false`); the app is otherwise the
 * same.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { launchCluster, ROOT } = require('../../scripts/harness');
const { BOOT_TIMEOUT_MS } = require('./common');

const PLUGINS_APP = path.join(__dirname, '../plugins-app');
const APP_DIR = path.join(__dirname, '../run/realistic-app');
const COMMUNITY_PLUGINS = [ 'egg-cors', 'egg-jwt', 'egg-passport', 'egg-validate', 'egg-view-nunjucks' ];
const RESOURCES = 50;
const ACTIONS = [ 'index', 'show', 'create', 'update', 'destroy', 'search', 'export', 'stats', 'history', 'audit' ];
const GLOBAL_MIDDLEWARE = 27;
const ROUTE_MIDDLEWARE = [ 'rateLimit', 'tenant', 'auditTrail' ];
const ROUTE_COUNT = 500;
const SERVICES = 30;
const SERVICE_KEYS = { host: i => `svc${i}.internal`, port: i => 7000 + i, timeout: i => 1000 + 10 * i, retries: i => i % 4,
  poolSize: i => 4 + (i % 8), tls: i => i % 2 === 0, region: i => [ 'eu-west', 'us-east', 'ap-south' ][i % 3], weight: i => i % 10 };
// Not secrets: the benchmark must not look like it leaks one (SEN202), and nothing here guards real data.
const COOKIE_KEYS = 'realistic-bench-cookie-key-Vb7Qm2Xz9Lr4Tk8Wn3Hc6Pj1Yd5Fs0Ga';
const JWT_SECRET = 'realistic-bench-jwt-not-a-secret-Lq7Wx2Zr9Tn4Kp3Vm8';

/** match/ignore of each kind egg accepts (string, array, RegExp, function), on the first global middleware. */
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

function checkInstalled() {
  const missing = COMMUNITY_PLUGINS.filter(name => !fs.existsSync(path.join(PLUGINS_APP, 'node_modules', name, 'package.json')));
  return missing;
}

function configKeys() {
  const services = Array.from({ length: SERVICES }, (_, i) => `    svc${i}: { ${Object.entries(SERVICE_KEYS).map(([ key, value ]) => `${key}: ${JSON.stringify(value(i))}`).join(', ')} },`);
  const features = Array.from({ length: 60 }, (_, i) => `    flag${i}: ${i % 3 === 0},`);
  const limits = Array.from({ length: 20 }, (_, i) => `    limit${i}: { perMinute: ${60 * (i + 1)}, burst: ${i + 5} },`);
  return `  services: {\n${services.join('\n')}\n  },\n  features: {\n${features.join('\n')}\n  },\n  limits: {\n${limits.join('\n')}\n  },`;
}

function files() {
  const globalNames = Array.from({ length: GLOBAL_MIDDLEWARE }, (_, i) => (i === 0 ? 'auth' : `mw${String(i).padStart(2, '0')}`));
  const out = {
    'config/plugin.js': `'use strict';
// egg's default plugins are on; five community plugins installed from bench/plugins-app's lockfile
exports.cors = { enable: true, package: 'egg-cors' };
exports.jwt = { enable: true, package: 'egg-jwt' };
exports.passport = { enable: true, package: 'egg-passport' };
exports.validate = { enable: true, package: 'egg-validate' };
exports.nunjucks = { enable: true, package: 'egg-view-nunjucks' };
// the compiled plugin from this repository; BENCH_SENTINEL=off is the same app without it
exports.sentinel = { enable: process.env.BENCH_SENTINEL !== 'off', path: ${JSON.stringify(ROOT)} };
`,
    'config/config.default.js': `'use strict';
const path = require('path');
const mode = process.env.BENCH_SENTINEL === 'off' ? 'off' : 'on';
module.exports = {
  keys: ${JSON.stringify(COOKIE_KEYS)},
  // in prod egg logs to the home dir; the enabled and disabled clusters run side by side in the request benchmark
  logger: { dir: path.join(__dirname, '../logs', mode) },
  rundir: path.join(__dirname, '../run', mode),
  jwt: { secret: process.env.BENCH_JWT_SECRET },
  view: { defaultViewEngine: 'nunjucks' },
  middleware: ${JSON.stringify(globalNames)},
${globalNames.map((name, i) => `  ${name}: ${FILTERS[i] ?? '{}'},`).join('\n')}
${configKeys()}
  sentinel: {
    // the benchmark measures what the checks cost, not their verdict
    failOn: 'never',
    middleware: { required: [ 'auth' ], order: [{ name: 'auth', after: [ '*core' ], before: [ 'mw01' ] }] },
    routes: {
      protect: [{ paths: [ '**' ], by: [ 'auth' ] }, { paths: [ '/api/v1/res1*/**' ], by: [ 'mw04' ] }, { paths: [ '/guarded' ], by: ${JSON.stringify(ROUTE_MIDDLEWARE)} }],
      public: [{ paths: [ '/public/**', '/health' ], methods: [ 'GET' ], reason: 'static pages and the load balancer probe' }],
    },
  },
};
`,
    'app/controller/home.js': `'use strict';
module.exports = app => class HomeController extends app.Controller {
  async hello() { this.ctx.body = 'hello'; }
  async guarded() { this.ctx.body = { ok: true, seen: this.ctx.state.seen }; }
};
`,
    'start.js': `'use strict';
// node start.js <port>: one agent and two app workers, as egg-scripts would start them (without daemonizing)
require('egg').startCluster({ baseDir: __dirname, workers: 2, port: Number(process.argv[2]) });
`,
    // Times egg's own load of the app in one process (agent and app, no port), for the audit comparison.
    'load.js': `'use strict';
const started = process.hrtime.bigint();
require('egg').start({ baseDir: __dirname, env: 'prod' }).then(() => {
  console.log('LOADED ' + Number(process.hrtime.bigint() - started) / 1e6);
  process.exit(0);
}, error => {
  console.error(error);
  process.exit(1);
});
`,
  };
  for (const name of [ ...globalNames, ...ROUTE_MIDDLEWARE ]) {
    out[`app/middleware/${name}.js`] = `'use strict';
module.exports = () => async function ${name}(ctx, next) {
  ctx.state.seen = (ctx.state.seen || 0) + 1;
  await next();
};
`;
  }
  const routes = [
    "  router.get('/hello', 'home.hello');",
    `  router.get('/guarded', ${ROUTE_MIDDLEWARE.map(name => `app.middleware.${name}()`).join(', ')}, 'home.guarded');`,
    "  router.get('/health', 'res0.index');",
    "  router.get('/public/:page', 'res0.show');",
  ];
  for (let resource = 0; resource < RESOURCES; resource++) {
    const methods = ACTIONS.map(action => `  async ${action}() { this.ctx.body = '${action}'; }`).join('\n');
    out[`app/controller/res${resource}.js`] = `'use strict';\nmodule.exports = app => class Res${resource}Controller extends app.Controller {\n${methods}\n};\n`;
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
  out['app/router.js'] = `'use strict';\nmodule.exports = app => {\n  const { router } = app;\n${routes.slice(0, ROUTE_COUNT).join('\n')}\n};\n`;
  return out;
}

/**
 * Writes the app into bench/run/realistic-app (removing a previous one), links bench/plugins-app's node_modules and
 * lockfile, and pins the enabled plugins for prod with the compiled CLI. Returns the pin summary line.
 */
function generateRealisticApp() {
  const missing = checkInstalled();
  if (missing.length) throw new Error(`${missing.join(', ')} not installed in bench/plugins-app: run \`npm ci --ignore-scripts\` there (bench/run.js does it)`);
  fs.rmSync(APP_DIR, { recursive: true, force: true });
  for (const [ file, content ] of Object.entries({
    ...files(),
    'package.json': fs.readFileSync(path.join(PLUGINS_APP, 'package.json'), 'utf8'),
    'package-lock.json': fs.readFileSync(path.join(PLUGINS_APP, 'package-lock.json'), 'utf8'),
  })) {
    fs.mkdirSync(path.dirname(path.join(APP_DIR, file)), { recursive: true });
    fs.writeFileSync(path.join(APP_DIR, file), content);
  }
  // The community plugins resolve from here; egg and egg-sentinel's dependencies from the repository's node_modules above.
  fs.symlinkSync(path.relative(APP_DIR, path.join(PLUGINS_APP, 'node_modules')), path.join(APP_DIR, 'node_modules'));
  const pin = execFileSync(process.execPath, [ path.join(ROOT, 'bin/egg-sentinel.js'), 'pin', '--base-dir', APP_DIR, '--env', 'prod' ], {
    encoding: 'utf8', env: { ...process.env, BENCH_JWT_SECRET: JWT_SECRET },
  });
  return pin.split('\n')[0];
}

/** Starts the app's cluster (master, agent, 2 workers) in prod, egg-sentinel on or off; resolves once egg-ready or failed. */
function launchRealisticApp(sentinel, nodeOptions = []) {
  return launchCluster({
    launcher: path.join(APP_DIR, 'start.js'), cwd: APP_DIR, nodeOptions, bootTimeoutMs: BOOT_TIMEOUT_MS,
    env: { EGG_SERVER_ENV: 'prod', BENCH_SENTINEL: sentinel, BENCH_JWT_SECRET: JWT_SECRET },
  });
}

module.exports = { APP_DIR, PLUGINS_APP, JWT_SECRET, ROUTE_COUNT, GLOBAL_MIDDLEWARE, ROUTE_MIDDLEWARE, SERVICES, checkInstalled, generateRealisticApp, launchRealisticApp };
