import assert from 'node:assert';
import { compactSource, collectSecurityOptionWrites, securityOptionWrites } from '../../lib/facts/security-options';
import type { SecurityOverrideFact } from '../../lib/facts/types';
import { securityHeadersWeakened } from '../../lib/rules/builtins';
import { fakeFacts } from './fake-facts';

/** The writes of a source, as `name effect[=value]`. */
const writes = (source: string) => securityOptionWrites(source).map(write => `${write.name} ${write.effect}${write.value === undefined ? '' : `=${write.value}`}`);

describe('ctx.securityOptions writes in the app\'s code (lib/facts/security-options.ts)', () => {
  it('finds each form that switches a protection off for the request, with any falsy enable', () => {
    const cases: Array<[ string, string[] ]> = [
      [ 'ctx.securityOptions.xframe = { enable: false };', [ 'xframe off' ] ],
      [ "ctx.securityOptions['csp'] = { enable: false };", [ 'csp off' ] ],
      [ 'ctx.securityOptions["hsts"] = {\n  maxAge: 0,\n  enable: false,\n};', [ 'hsts off' ] ],
      [ 'this.ctx.securityOptions.nosniff.enable = false;', [ 'nosniff off' ] ],
      [ 'ctx.securityOptions.noopen = { enable: 0 }', [ 'noopen off' ] ],
      [ 'ctx.securityOptions.xframe = { enable: null }', [ 'xframe off' ] ],
      [ 'ctx.securityOptions.xframe = { enable: undefined }', [ 'xframe off' ] ],
      [ 'ctx.securityOptions.xframe = { enable: void 0 }', [ 'xframe off' ] ],
      [ "ctx.securityOptions.xframe = { enable: '' }", [ 'xframe off' ] ],
      [ 'ctx.securityOptions.xframe = { enable: !1 }', [ 'xframe off' ] ],
      [ 'ctx.securityOptions.xframe ??= { enable: false }', [ 'xframe off' ] ],
      // Nested objects before enable (the old search stopped at the first brace).
      [ "ctx.securityOptions.csp = { policy: { 'script-src': '*' }, enable: false };", [ 'csp off' ] ],
      [ 'ctx.securityOptions.xframe = { ...ctx.securityOptions.xframe, enable: false };', [ 'xframe off' ] ],
      [ 'Object.assign(ctx.securityOptions, { xframe: { enable: false }, hsts: { enable: false } });', [ 'xframe off', 'hsts off' ] ],
      [ 'Object.assign(ctx.securityOptions.nosniff, { enable: false })', [ 'nosniff off' ] ],
      [ 'const options = ctx.securityOptions;\noptions.xframe = { enable: false };', [ 'xframe off' ] ],
      [ 'const { securityOptions } = ctx;\nsecurityOptions.hsts = { enable: false };', [ 'hsts off' ] ],
      [ 'const { securityOptions: so } = this.ctx;\nso.csp = { enable: false };', [ 'csp off' ] ],
      // No semicolons: the statements stay apart.
      [ 'ctx.securityOptions.xframe.enable = false\nawait next()', [ 'xframe off' ] ],
      // csrf is found as written (the rule decides that egg-security never reads it).
      [ 'ctx.securityOptions.csrf = { enable: false };', [ 'csrf off' ] ],
      [ "ctx.securityOptions.refererPolicy = { value: 'unsafe-url' };", [ 'refererPolicy value=unsafe-url' ] ],
      [ "ctx.securityOptions.xframe.value = 'DENY';", [ 'xframe value=DENY' ] ],
      // A value with enable left true: recorded as a value (the rule judges it), not as off.
      [ "ctx.securityOptions.xframe = { value: 'DENY', enable: true };", [ 'xframe value=DENY' ] ],
      [ 'ctx.securityOptions.xframe = { enable: false as boolean };', [ 'xframe off' ] ],
      // What weakens a header it keeps sending (black-box round 40, h6 F3).
      [ 'ctx.securityOptions.hsts = { maxAge: 0 };', [ 'hsts maxAge' ] ],
      [ 'ctx.securityOptions.hsts.maxAge = 0;', [ 'hsts maxAge' ] ],
      [ 'ctx.securityOptions.csp = { reportOnly: true };', [ 'csp reportOnly' ] ],
      [ 'Object.assign(ctx.securityOptions, { csp: { reportOnly: true } });', [ 'csp reportOnly' ] ],
      // TypeScript's casts and non-null assertions (the audit reads an app's .ts files).
      [ '(ctx.securityOptions as any).xframe = { enable: false };', [ 'xframe off' ] ],
      [ '(ctx.securityOptions as Record<string, any>).csp.enable = false;', [ 'csp off' ] ],
      [ '(<any>this.ctx.securityOptions).hsts = { enable: false };', [ 'hsts off' ] ],
      [ 'ctx.securityOptions!.xframe!.enable = false;', [ 'xframe off' ] ],
      [ 'Object.assign(ctx.securityOptions as any, { nosniff: { enable: false } });', [ 'nosniff off' ] ],
      // A conditional with a falsy outcome switches the protection off for the requests it picks.
      [ "ctx.securityOptions.xframe = { enable: ctx.path.startsWith('/embed') ? false : true };", [ 'xframe off' ] ],
      [ 'ctx.securityOptions.xframe.enable = isAdmin ? true : (trusted ? true : 0);', [ 'xframe off' ] ],
      [ 'ctx.securityOptions.csp = { enable: a?.b ? true : c ? true : null };', [ 'csp off' ] ],
      // Logical forms falsy for some requests (code review 31, L6).
      [ 'ctx.securityOptions.xframe = { enable: options.frame ?? false };', [ 'xframe off' ] ],
      [ 'ctx.securityOptions.xframe = { enable: isProd && true };', [ 'xframe off' ] ],
      [ 'ctx.securityOptions.hsts.enable = ctx.secure || false;', [ 'hsts off' ] ],
      [ "ctx.securityOptions.xframe = { enable: !ctx.path.startsWith('/embed') };", [ 'xframe off' ] ],
    ];
    for (const [ source, expected ] of cases) assert.deepEqual(writes(source), expected, source);
  });

  it('leaves out writes that switch nothing off, reads, comments and other objects', () => {
    for (const source of [
      'ctx.securityOptions.xframe = { enable: true };',
      'ctx.securityOptions.xframe = { enable: false, enable: true };',
      'ctx.securityOptions.csp = { policy: { enable: false } };',
      'ctx.securityOptions.xframe = {};',
      'ctx.securityOptions.xframe = false;',
      'ctx.securityOptions.xframe = offOptions;',
      'if (ctx.securityOptions.xframe.enable === false) log();',
      'const off = ctx.securityOptions.xframe.enable == false;',
      'ctx.securityOptions.xframe.enable = true;',
      // The whole object: egg-security defines ctx.securityOptions with a getter alone, so this replaces nothing.
      'ctx.securityOptions = { csrf: false, xframe: { enable: false } };',
      '// ctx.securityOptions.xframe = { enable: false };',
      '/* ctx.securityOptions.xframe = { enable: false }; */',
      "const text = 'ctx.securityOptions.xframe.enable = false';",
      'logger.info("ctx.securityOptions.xframe.enable=false");',
      'const sample = `ctx.securityOptions.xframe = { enable: false }`;',
      'config.security.xframe = { enable: false };',
      'const options = ctx.securityOptions;\nconfig.options.xframe = { enable: false };',
      // A call's result is another object; conditionals whose every outcome is truthy switch nothing off.
      'wrap(ctx.securityOptions).xframe = { enable: false };',
      'ctx.securityOptions.xframe = { enable: a ? true : 1 };',
      'ctx.securityOptions.xframe = { enable: a?.b ?? true };',
      'ctx.securityOptions.xframe = { enable: a || true };',
      'ctx.securityOptions.xframe = { enable: !0 };',
    ]) assert.deepEqual(writes(source), [], source);
  });

  it('keeps strings and words apart when it drops white space and comments', () => {
    assert.equal(compactSource("const a = 'x  y'; // note\nreturn void 0 /* c */ + b"), "const a='x  y';return void 0+b");
    assert.equal(compactSource('const re = /["\']\\/\\//g; ctx.securityOptions.xframe = { enable: false }'), 'const re=/["\']\\/\\//g;ctx.securityOptions.xframe={enable:false}');
  });

  it('reports each write once per module, named relative to the app root', () => {
    const sources = new Map([
      [ '/srv/app/app/middleware/embed.js', 'ctx.securityOptions.xframe = { enable: false }; ctx.securityOptions.xframe.enable = false;' ],
      [ '/srv/app/app/controller/home.js', 'ctx.securityOptions.hsts = { enable: true };' ],
    ]);
    const found = collectSecurityOptionWrites(sources, file => file.replace('/srv/app/', ''));
    assert.deepEqual(found, [{ name: 'xframe', effect: 'off', file: 'app/middleware/embed.js' }]);
  });
});

describe('SEN603 judges the writes: what egg-security merges per request', () => {
  const prod = { developmentEnv: false };
  const securityOn = [{ name: 'security', enable: true, package: 'egg-security', from: 'node_modules/egg/config/plugin.js' }];
  const secure = {
    defaultMiddleware: 'csrf,hsts,methodnoallow,noopen,nosniff,csp,xssProtection,xframe,dta',
    csrf: { enable: true }, xframe: { enable: true }, nosniff: { enable: true }, noopen: { enable: true }, hsts: { enable: true, maxAge: 31536000 },
    csp: { enable: true, policy: { 'default-src': "'self'" } },
  };
  const judged = (overrides: Array<Omit<SecurityOverrideFact, 'file'>>, { security, ...config }: Record<string, unknown> = {}) => securityHeadersWeakened.check({
    ...fakeFacts({ plugins: securityOn, config: { security: { ...secure, ...security as object }, ...config } }),
    securityOverrides: overrides.map(write => ({ ...write, file: 'app/middleware/partner.js' })),
  }, prod).map(hit => `${hit.severity} ${hit.target}`);

  it('a header switched off is medium (CSP low); HSTS only with sentinel.https', () => {
    assert.deepEqual(judged([{ name: 'xframe', effect: 'off' }, { name: 'csp', effect: 'off' }]), [ 'medium ctx.securityOptions.xframe', 'low ctx.securityOptions.csp' ]);
    assert.deepEqual(judged([{ name: 'hsts', effect: 'off' }]), [], 'not served over HTTPS: HSTS is not required');
    assert.deepEqual(judged([{ name: 'hsts', effect: 'off' }], { sentinel: { https: true } }), [ 'medium ctx.securityOptions.hsts' ]);
    // Already off in config: reported there, once.
    assert.deepEqual(judged([{ name: 'hsts', effect: 'off' }], { sentinel: { https: true }, security: { hsts: { enable: false } } }), [ 'medium config.security.hsts.enable' ]);
  });

  it('HSTS max-age under a day (with sentinel.https) is medium, a report-only CSP low, written per request (black-box round 40, h6 F3)', () => {
    assert.deepEqual(judged([{ name: 'hsts', effect: 'maxAge', seconds: 0 }], { sentinel: { https: true } }), [ 'medium ctx.securityOptions.hsts' ]);
    assert.deepEqual(judged([{ name: 'hsts', effect: 'maxAge', seconds: 31536000 }], { sentinel: { https: true } }), []);
    assert.deepEqual(judged([{ name: 'hsts', effect: 'maxAge', seconds: 0 }]), [], 'not served over HTTPS');
    assert.deepEqual(judged([{ name: 'csp', effect: 'reportOnly' }]), [ 'low ctx.securityOptions.csp' ]);
  });

  it('csrf, dta, methodnoallow and xssProtection: egg-security reads their config alone (or browsers ignore the header), so nothing is reported', () => {
    assert.deepEqual(judged([ 'csrf', 'dta', 'methodnoallow', 'xssProtection', 'referrerPolicy' ].map(name => ({ name, effect: 'off' as const }))), []);
  });

  it('a Referrer-Policy value of unsafe-url written per request is low where egg-security sends the header', () => {
    const referrerOn = { security: { defaultMiddleware: 'csrf,hsts,methodnoallow,noopen,nosniff,csp,xssProtection,xframe,dta,referrerPolicy', referrerPolicy: { enable: true, value: 'no-referrer' } } };
    const unsafe = { name: 'refererPolicy', effect: 'value' as const, value: 'unsafe-url' };
    assert.deepEqual(judged([ unsafe ], referrerOn), [ 'low ctx.securityOptions.refererPolicy' ]);
    assert.deepEqual(judged([ unsafe ]), [], 'egg-security sends no Referrer-Policy by default');
    assert.deepEqual(judged([{ ...unsafe, name: 'referrerPolicy' }], referrerOn), [], 'egg-security reads ctx.securityOptions.refererPolicy, spelt so');
    assert.deepEqual(judged([{ ...unsafe, value: 'no-referrer' }], referrerOn), []);
  });
});
