/** Threat 6: known vulnerabilities and weakened protections in egg's built-ins. */
import { parse as parseBytes } from 'bytes';
import lt from 'semver/functions/lt';
import semverMajor from 'semver/functions/major';
import type { OsvRecord, OsvSeverity } from '../advisories/database';
import { affectedVersion } from '../advisories/match';
import { toDisplayPath } from '../facts/collect';
import { FOREIGN_SOCKET_HOST, FOREIGN_SOCKET_ORIGIN, type SafeDomainCheck, SECURITY_PACKAGE_FILE, servesTls, SSRF_PROBES, tlsParts } from '../facts/builtins';
import { filterTokens } from '../facts/filter-tokens';
import { crossSiteWritten, describeClientReads, describePattern } from '../facts/path-matching';
import type { InstalledPackage } from '../facts/packages';
import type { Facts, RouteFact, SecurityScopeFact } from '../facts/types';
import type { Severity } from '../report/severity';
import { compareSeverity, DEVELOPMENT_ENVS } from '../report/severity';
import { escapeRegExp, keepsLastIndex } from '../regexp';
import { valueAt } from '../walk';
import { listed, routeLabel } from './middleware';
import type { Rule, RuleHit } from './types';

type AnyRecord = Record<string, unknown>;

const OSV_SEVERITY: Record<OsvSeverity, Severity> = { LOW: 'low', MODERATE: 'medium', HIGH: 'high', CRITICAL: 'critical' };

function advisoriesByPackage(records: readonly OsvRecord[]): Map<string, OsvRecord[]> {
  const byName = new Map<string, OsvRecord[]>();
  for (const record of records) {
    for (const name of new Set(record.affected.map(affected => affected.package.name))) byName.set(name, [ ...byName.get(name) ?? [], record ]);
  }
  return byName;
}

function describeAdvisory(record: OsvRecord): string {
  const aliases = record.aliases?.length ? `${record.aliases.join(', ')}, ` : '';
  return `${record.id} (${aliases}${OSV_SEVERITY[record.database_specific.severity]}): ${record.summary}`;
}

function upgradeFix(pkg: InstalledPackage, record: OsvRecord, fixedIn: string | undefined): string {
  const pulledIn = pkg.via.length > 1 ? ` It comes through ${pkg.via.join(' > ')}: ` : '';
  // With no fixed version to pin, the way out is a release of what pulls the package in that no longer needs it.
  const through = !pulledIn ? '' : fixedIn ?
    `${pulledIn}upgrade the package that pulls it in where a release of it allows the fixed version; where none does yet, pin the fixed version with npm "overrides" (yarn "resolutions", pnpm "pnpm.overrides") and test the app with it.` :
    `${pulledIn}upgrade the package that pulls it in to a release that no longer depends on ${pkg.name}, or stop using it.`;
  const change = fixedIn ? `Upgrade ${pkg.name} to ${fixedIn} or later.` : `No fixed version of ${pkg.name} exists: remove it, or replace what pulls it in.`;
  return `${change}${through} To accept the risk for a while: waiver { rule: 'SEN601', target: '${advisoryTarget(record, pkg)}', reason, expires }.`;
}

export const knownVulnerablePackage: Rule = {
  id: 'SEN601',
  area: 'builtins',
  title: 'Known-vulnerable package loaded',
  severity: 'critical',
  description: 'An installed package the app loads matches an advisory in the database shipped with egg-sentinel ' +
    '(lib/data/advisories.json, OSV records with GitHub\'s severities), merged with the app\'s override file ' +
    '(`egg-sentinel advisories update`). Packages are found by walking the production dependencies of the app, its ' +
    'framework and every enabled plugin (each resolved from the package that requires it); at boot only those with a ' +
    'module in require.cache count, and those the app lists in its own `dependencies` (a `require()` inside a controller ' +
    'loads it at the first request), so optional fallbacks of other packages that are never loaded are not reported. The message names ' +
    'the advisory, the installed version, the path that pulled it in and the fixed version. Severity is the ' +
    "advisory's outside local/unittest, critical where the app's config meets the advisory's precondition (the jsonwebtoken " +
    'copy koa-jwt2 verifies with, for egg-jwt under any plugin name or a fork of it, given a key-lookup `secret` function ' +
    'and no `algorithms`, accepts unsigned tokens through CVE-2022-23540), low where it shows the precondition unmet (that copy given ' +
    'a shared HMAC string `secret`, no PEM key, and no `algorithms` but HS256/384/512: CVE-2022-23539 needs an asymmetric key), and low on a developer machine. passport under ' +
    'egg-passport 2, which cannot run with the fixed passport 0.6 (logins silently stop being stored), gets a fix that keeps it ' +
    'working: low with egg-session\'s cookie sessions, which a login rewrites (a waiver), the advisory\'s with an external session ' +
    'store (the session id rotated at login with ctx.session.regenerate(), then a waiver). `egg-sentinel audit`, which loads only part of ' +
    'the app, rates packages it did not see loaded as low, and leaves out a fallback its dependent loads only on older Node.js ' +
    'lines than the one it runs on (egg 3\'s urllib 3, `urllib-next`, where its urllib 4 loads: Node.js 20 and later). Waive one advisory for one package with the target ' +
    '`<advisory id>@<package>`.',
  fix: 'Upgrade the package to the fixed version named in the finding (directly, through the package that pulls it in, or ' +
    'with an npm "overrides" entry), and keep the database current (README, "Known vulnerabilities").',
  check(facts, { developmentEnv }) {
    const audit = facts.builtins.packages.loadedBy === 'audit';
    // A fallback this Node.js never loads (egg's urllib 3 where urllib 4 loads) is left out of the audit too.
    return affectedPackages(facts).filter(({ pkg }) => inUse(pkg) || (audit && !pkg.olderNodeFallback)).map(({ pkg, record, fixedIn }): RuleHit => {
      const exploitable = EXPLOITED_BY_CONFIG[record.id]?.(facts, pkg);
      const pinned = exploitable ? undefined : PINNED_BY_PLUGIN[record.id]?.(facts, pkg, advisoryTarget(record, pkg)) ?? UNREACHED_BY_CONFIG[record.id]?.(facts, pkg, advisoryTarget(record, pkg));
      const severity = developmentEnv || !inUse(pkg) ? 'low' : exploitable ? 'critical' : pinned?.severity ?? OSV_SEVERITY[record.database_specific.severity];
      const loading = pkg.loaded ? '' : pkg.declaredByApp ? ' (a dependency of the app, not loaded yet: a require() when a request needs it loads it)' :
        ' (not loaded while the audit loaded the app; the running app may load it)';
      return {
        severity,
        target: advisoryTarget(record, pkg),
        source: toDisplayPath(facts.app.baseDir, pkg.path),
        message: `${pkg.name}@${pkg.version}${loading} is affected by ${describeAdvisory(record)}; pulled in by ${pkg.via.join(' > ')}; ` +
          `${fixedIn ? `fixed in ${fixedIn}` : 'no fixed version'}${exploitable ? `; exploitable in this app: ${exploitable.how}` : ''}${pinned ? `; ${pinned.how}` : ''}`,
        fix: pinned?.fix ?? `${exploitable ? `${exploitable.fix} ` : ''}${upgradeFix(pkg, record, fixedIn)}`,
      };
    });
  },
  // At boot an affected package that is installed but not loaded (yet) is not reported; the audit reports it, and
  // suggests a waiver, which boot must then not call unused.
  pending(facts) {
    return affectedPackages(facts).filter(({ pkg }) => !inUse(pkg)).map(({ pkg, record }) => advisoryTarget(record, pkg));
  },
};

/**
 * Advisories whose precondition the app's own config meets: what makes them exploitable here, and the config change
 * that closes the hole before the upgrade.
 */
const EXPLOITED_BY_CONFIG: Record<string, (facts: Facts, pkg: InstalledPackage) => { how: string; fix: string } | undefined> = {
  'GHSA-qwph-4952-7xr6': unsignedJwtAccepted,
};

/**
 * CVE-2022-23540: jsonwebtoken before 9 verifies a token without a signature as `alg: none` when the key is empty and
 * no algorithms are given. egg-jwt's koa-jwt2 passes `config.jwt` as the options of jwt.verify() with the key its
 * `secret` returns, so a key-lookup function that finds no key (a kid it does not know) opens every guarded route.
 * A static secret cannot: koa-jwt2 throws "secret should be set" for an empty one when app.jwt is made (a missing one
 * leaves egg-jwt's `'123456'`, SEN202's).
 */
function unsignedJwtAccepted(facts: Facts, pkg: InstalledPackage): { how: string; fix: string } | undefined {
  const jwt = facts.config.jwt as AnyRecord | undefined;
  // Whatever path reached this copy first: it is what counts when koa-jwt2 verifies with it.
  if (!facts.builtins.koaJwt2Verifiers.includes(pkg.path) || typeof jwt?.secret !== 'function') return undefined;
  const { algorithms } = jwt;
  const listed = Array.isArray(algorithms) && algorithms.length > 0;
  if (listed && !algorithms.includes('none')) return undefined;
  return {
    how: `config.jwt.secret${setIn(facts, 'jwt.secret')} is a function and config.jwt.algorithms ${listed ? 'lists none' : 'is not set'}: ` +
      'egg-jwt (koa-jwt2) gives jwt.verify() the key the function returns, so a token with "alg":"none" and no signature is accepted ' +
      'whenever the function returns no key (for a kid it does not know)',
    fix: 'Set `jwt: { algorithms: [ \'HS256\' ] }` (the algorithms your keys sign with, never none) now.',
  };
}

/**
 * Advisories whose fixed version the plugin that pulls the package in cannot run with: how the app's setup bears on
 * the hole, the severity where that setup keeps it closed, and a fix that keeps the plugin working.
 */
const PINNED_BY_PLUGIN: Record<string, (facts: Facts, pkg: InstalledPackage, target: string) => { how: string; fix: string; severity?: Severity } | undefined> = {
  'GHSA-v923-w3x8-wh69': passportUnderEggPassport,
};

/**
 * Advisories whose precondition the app's config shows it does not meet: low, saying why, with the upgrade and a
 * waiver. Same shape as PINNED_BY_PLUGIN.
 */
const UNREACHED_BY_CONFIG: typeof PINNED_BY_PLUGIN = {
  'GHSA-8cf7-32gw-wr33': legacyKeyTypesUnused,
};

/** HMAC algorithms: a shared secret, no key type to confuse. */
const HMAC_ALGORITHM = /^HS(?:256|384|512)$/;

/**
 * CVE-2022-23539: jsonwebtoken before 9 lets an app verify with a legacy asymmetric key type (DSA) for RS/ES/PS
 * algorithms. The copy egg-jwt's koa-jwt2 verifies with, given a string secret that is no PEM key and no algorithms
 * other than HMAC's, verifies with a shared secret alone (black-box round 41, h2 F1): no key type is involved. Not
 * when the app depends on jsonwebtoken itself, which its own code may call with any key.
 */
function legacyKeyTypesUnused(facts: Facts, pkg: InstalledPackage, target: string): { how: string; fix: string; severity: Severity } | undefined {
  const jwt = facts.config.jwt as AnyRecord | undefined;
  if (pkg.declaredByApp || !facts.builtins.koaJwt2Verifiers.includes(pkg.path) || typeof jwt?.secret !== 'string' || /-----BEGIN/.test(jwt.secret)) return undefined;
  const { algorithms } = jwt;
  if (algorithms !== undefined && !(Array.isArray(algorithms) && algorithms.every(name => typeof name === 'string' && HMAC_ALGORITHM.test(name)))) return undefined;
  return {
    severity: 'low',
    how: `not exploitable with config.jwt.secret${setIn(facts, 'jwt.secret')}, a shared HMAC secret (no PEM key, ${algorithms === undefined ? 'no algorithms set' : 'HMAC algorithms only'}): ` +
      'the advisory needs an asymmetric key (a legacy DSA key for RS/ES/PS tokens); judged by koa-jwt2\'s use of it alone: app code that calls ' +
      'app.jwt.verify() with a public key is not seen',
    fix: 'Pin jsonwebtoken 9 under egg-jwt with npm "overrides" (`"overrides": { "jsonwebtoken": "^9.0.2" }`; koa-jwt2 verifies HMAC tokens with it alike) ' +
      `and test the app; or accept the advisory while the secret stays HMAC: waiver { rule: 'SEN601', target: '${target}', reason, expires }.`,
  };
}

/** egg-passport 2 (its latest release) as a step of `via`. */
const EGG_PASSPORT_2 = /^egg-passport@2\./;

/**
 * CVE-2022-25896: passport before 0.6 keeps the session across a login (session fixation). egg-passport 2 cannot take
 * 0.6: its own initialize middleware sets no `req._sessionManager`, and passport 0.6's req.login() then stores nothing
 * in the session (measured: every login silently fails). Whether a planted session survives a login is egg-session's:
 * its default cookie store writes the session into the cookie, which a login rewrites, so a cookie planted before it
 * never carries the login; with an external store the cookie holds the session's id, which a login keeps, unless the
 * app rotates it with koa-session's ctx.session.regenerate() (6.4 and later: a new id, the old one destroyed).
 */
function passportUnderEggPassport(facts: Facts, pkg: InstalledPackage, target: string): { how: string; fix: string; severity?: Severity } | undefined {
  if (!pkg.via.some(step => EGG_PASSPORT_2.test(step))) return undefined;
  const cannot = 'egg-passport 2 cannot run with passport 0.6 or later (its initialize middleware sets no req._sessionManager, so passport 0.6 stores no ' +
    'login in the session and every login silently fails): do not pin passport with "overrides".';
  const waiver = `waiver { rule: 'SEN601', target: '${target}', reason, expires }`;
  if (!facts.builtins.sessionStore) {
    return {
      severity: 'low',
      how: 'not exploitable with egg-session\'s cookie sessions (no external store): a login writes a new session cookie, so a cookie planted before it never carries the login',
      fix: `${cannot} Keep sessions in the cookie and accept the advisory: ${waiver}. An external session store added later makes it exploitable (this finding then says so).`,
    };
  }
  return {
    how: 'sessions are kept in an external store and the cookie carries their id, which a login keeps: an id planted in a victim\'s browser before login is logged in as the victim',
    fix: `${cannot} Rotate the session id at login: in app.passport.verify(), once the user is found, \`await ctx.session.regenerate()\` (koa-session 6.4 ` +
      'or later, which egg-session 3 installs: the stored session is destroyed and saved under a new id), then accept the advisory: ' +
      `${waiver}.`,
  };
}

/** Loaded, or listed in the app's own `dependencies` (required lazily, in a controller, it is loaded at the first request). */
function inUse(pkg: InstalledPackage): boolean {
  return pkg.loaded || pkg.declaredByApp === true;
}

function advisoryTarget(record: OsvRecord, pkg: InstalledPackage): string {
  return `${record.id}@${pkg.name}`;
}

/** Each installed package an advisory affects, with the advisory and its fixed version. */
function affectedPackages(facts: Facts): Array<{ pkg: InstalledPackage; record: OsvRecord; fixedIn?: string }> {
  const byName = advisoriesByPackage(facts.builtins.advisories.vulnerabilities);
  return facts.builtins.packages.installed.flatMap(pkg => (byName.get(pkg.name) ?? []).flatMap(record => {
    const affected = affectedVersion(record, pkg.name, pkg.version);
    return affected ? [{ pkg, record, fixedIn: affected.fixedIn }] : [];
  }));
}

function securityConfig(facts: Facts): AnyRecord {
  const security = facts.config.security;
  return security && typeof security === 'object' ? security as AnyRecord : {};
}

function pluginEnabled(facts: Facts, name: string): boolean {
  return facts.plugins.some(plugin => plugin.name === name && plugin.enable);
}

/** egg 3 lists the default middleware as a comma-separated string, egg 4 as an array. */
function defaultMiddleware(security: AnyRecord): string[] {
  const list = security.defaultMiddleware;
  if (Array.isArray(list)) return list.map(String);
  return typeof list === 'string' ? list.split(',').map(name => name.trim()) : [];
}

interface SwitchedOff {
  how: string;
  /** The config key that switched it off, for the target and the provenance lookup. */
  key: string;
}

/** Why egg-security's sub-middleware `name` does not run, as egg-security's securities middleware decides it. */
function switchedOff(facts: Facts, name: string): SwitchedOff | undefined {
  const security = securityConfig(facts);
  const options = security[name];
  if (options === false) return { how: `config.security.${name} is false`, key: `security.${name}` };
  if (options && typeof options === 'object' && (options as AnyRecord).enable === false) {
    return { how: `config.security.${name}.enable is false`, key: `security.${name}.enable` };
  }
  if (!defaultMiddleware(security).includes(name)) return { how: `"${name}" is not in config.security.defaultMiddleware`, key: 'security.defaultMiddleware' };
  return undefined;
}

/** egg-security's sub-middleware that read their `match`/`ignore` (dta and methodnoallow run for every request). */
const HONOURS_SCOPE = new Set([ 'csrf', 'xframe', 'nosniff', 'noopen', 'xssProtection', 'hsts', 'csp', 'referrerPolicy' ]);

/**
 * The GET routes `security.xframe`'s match/ignore leaves without X-Frame-Options (when it skips some but not all, and
 * no CSP `frame-ancestors` stands in): any site can frame those pages (clickjacking). Low: a scope may leave an embed
 * page frameable on purpose, and the finding lists what it leaves (black-box round 40, h6 F2).
 */
function frameablePages(facts: Facts): RuleHit[] {
  const scope = facts.securityScopes.find(entry => entry.name === 'xframe');
  if (!scope || scope.skipsEveryPath || framingByCsp(facts) || switchedOff(facts, 'xframe')) return [];
  const pages = [ ...new Set((scope.skippedRequests ?? []).filter(request => request.startsWith('GET ')).map(request => request.slice(4))) ];
  if (!pages.length) return [];
  const key = `security.xframe.${scope.kind}`;
  return [{
    severity: 'low', target: `config.${key}`, source: facts.provenance(key),
    message: `X-Frame-Options is not sent for ${pages.length} page(s) security.xframe's ${scope.summary} skips: ${listed(pages)}${setIn(facts, key)}; any site can frame them (clickjacking)`,
    fix: 'Let X-Frame-Options cover every page (drop the match/ignore) and scope the pages meant to be embedded with a CSP `frame-ancestors` naming the sites that embed them.',
  }];
}

/** Why `name` never runs: switched off, or a `match`/`ignore` it honours skips every route and `/`. */
function notRunning(facts: Facts, name: string): SwitchedOff | undefined {
  const off = switchedOff(facts, name);
  if (off || !HONOURS_SCOPE.has(name)) return off;
  const scope = facts.securityScopes.find(entry => entry.name === name && entry.skipsEveryPath);
  return scope && { how: `security.${name}'s ${scope.summary} skips every route of the app and /`, key: `security.${name}.${scope.kind}` };
}

function setIn(facts: Facts, key: string): string {
  const file = facts.provenance(key);
  return file ? ` (set in ${file})` : '';
}

/** A rule about egg-security's configuration: it applies outside local/unittest and while the plugin is on (SEN602 covers it being off). */
function securityCheck(check: (facts: Facts) => RuleHit[]): Rule['check'] {
  return (facts, { developmentEnv }) => (developmentEnv || !pluginEnabled(facts, 'security') ? [] : check(facts));
}

export const securityOff: Rule = {
  id: 'SEN602',
  area: 'builtins',
  title: 'egg-security switched off',
  severity: 'high',
  description: 'egg-security (the `security` plugin) protects every egg app against CSRF, clickjacking, MIME sniffing and ' +
    'open redirects. This rule fires outside local/unittest when the plugin is disabled, or when CSRF protection is off ' +
    'for every route: `security.csrf.enable: false`, `security.csrf: false`, csrf missing from ' +
    '`security.defaultMiddleware`, or a `csrf.ignore`/`match` that skips every route of the app and `/` (evaluated with ' +
    'egg-path-matching, as egg-security does: `ignore: \'/\'`, `/.*/`, a function that returns true), or one that skips every route request ' +
    'egg-security checks the token of (`csrf.supportedRequests`: POST, PUT, PATCH, DELETE, CONNECT) while it leaves csrf on only for ' +
    'routes it never checks (`ignore: \'/api\'` beside `GET /` and `POST /api/data`; a scope that skips every route, a token-authenticated ' +
    'API or webhooks whose app serves nothing else, is judged by `/` as above). `enable: false` wins over `csrf.ignore`/`match`, so the way to exempt some routes ' +
    '(webhooks, token-authenticated APIs) is a `csrf.ignore`/`match` scope with csrf left on. Also `csrf.ignoreJSON: true`, ' +
    'which skips the check for every request that says its body is JSON and which egg-security deprecates as not safe, and, with `csrf.type` ' +
    '`referer` or `any`, a `csrf.refererWhiteList` entry that admits hosts anyone can register (`.com`, `*`, judged as for SEN605), and a ' +
    '`csrf.supportedRequests` that leaves a route\'s POST, PUT, PATCH or DELETE out (`[]`, a narrower path or method list: egg-security checks ' +
    'the token only for the requests it lists; a `path` with the g or y flag counts for nothing, as egg-security\'s test() of it starts where the ' +
    'previous request\'s match ended and misses every other request), and a `csrf.match` holding a sticky RegExp (flag `y` without `g`, ' +
    'whose lastIndex egg-path-matching never resets): egg-security tests the scope twice per request, in its csrf middleware and in ' +
    'ctx.assertCsrf(), and the second test then misses, so no token is checked (a sticky `csrf.ignore` skips the token for a path that holds ' +
    'its text where the request before ended its match: medium), and a `csrf.ignore`/`match` function that reads more of the request than its path ' +
    'and method: high when it reads what a cross-site form writes or leaves out: the URL or query string (`ctx.url.includes(\'/webhooks\')` skips ' +
    '`POST /transfer?/webhooks`; a function of the URL that no query string appended to a path makes skip the check, such as ' +
    '`ctx.url.startsWith(\'/webhooks/\')`, is judged by its path, unless its answer rests on a helper or value from outside its own source, ' +
    '`ctx => isPartner(ctx.request)`, whose query string egg-sentinel cannot know), the body (`ctx.request.body`), the Content-Type (`ctx.is(\'multipart\')`, `ctx.request.type`, ' +
    '`ctx.get(\'content-type\')`), Referer or Origin (a page can send neither), Accept, Accept-Language or Content-Language (`ctx.acceptJSON`, ' +
    '`ctx.accepts()`: a page\'s fetch() sends them without a preflight); medium for other headers (Authorization, ' +
    'X-Requested-With, which a form cannot send), cookies or the host. Medium: egg\'s overrideMethod (ahead of securities, taking POST by default) ' +
    'while a route\'s handler serves POST and a method egg-security does not check (`router.all()`, GET and POST on one route): a cross-site ' +
    'form posting `_method=GET` skips the token and reaches that handler with its body. Removing the `securities` ' +
    'middleware itself is SEN405. Low: a route that answers through egg-jsonp (`app.jsonp()`) while `config.jsonp` has ' +
    'no `whiteList` and no effective `csrf` (egg-jsonp\'s default), or a `whiteList` entry that admits a referrer any site can send ' +
    '(a RegExp such as `/.*/` or one not anchored at the scheme and host, `.com`, an empty string, which no Referer matches; egg-jsonp ' +
    'then lets the request through whatever `csrf` says), so any site reads its data with a script tag; only ' +
    'when a route uses it, since every egg app has that default. egg-jsonp merges the options given to `app.jsonp(options)` ' +
    'over `config.jsonp`: a route whose call sets `csrf` or `whiteList` is judged by those merged options and named with ' +
    'the file and line of the call (`app.jsonp({ csrf: false, whiteList: null })` switches both checks off for it).',
  fix: 'Enable the security plugin and leave csrf on; exempt the routes that need it with `security: { csrf: { ignore: ' +
    "['/api/webhooks'] } }`.",
  check(facts, { developmentEnv }) {
    return developmentEnv ? [] : [ ...csrfOff(facts), ...jsonpUnchecked(facts) ];
  },
};

function csrfOff(facts: Facts): RuleHit[] {
  const plugin = facts.plugins.find(entry => entry.name === 'security');
  if (!plugin?.enable) {
    // egg merges EGG_PLUGINS, then the start options' plugins, over the plugin files and keeps their `from`: the
    // variable or the option is what disabled it.
    const { envPlugins, startPlugins } = facts.pluginTrust;
    const from = startPlugins.set && startPlugins.disabled.includes('security') ? 'options.plugins' :
      envPlugins.set && envPlugins.disabled.includes('security') ? 'EGG_PLUGINS' : plugin?.from;
    return [{
      severity: 'high',
      target: 'plugin:security',
      source: from,
      message: `the security plugin (egg-security) is ${plugin ? `disabled${from ? ` in ${from}` : ''}` : 'not loaded by this framework'}: ` +
        'no CSRF protection, no security headers, and ctx.redirect() goes to any host',
    }];
  }
  const csrf = switchedOff(facts, 'csrf');
  if (!csrf) {
    const options = securityConfig(facts).csrf as AnyRecord | undefined;
    // egg-security skips the check for any request whose content type is JSON, and deprecates the option as unsafe.
    const ignoresJson: RuleHit[] = options?.ignoreJSON ? [{
      severity: 'high',
      target: 'config.security.csrf.ignoreJSON',
      source: facts.provenance('security.csrf.ignoreJSON'),
      message: `CSRF protection is skipped for every request that says its body is JSON: security.csrf.ignoreJSON is on${setIn(facts, 'security.csrf.ignoreJSON')}, which egg-security itself deprecates as not safe`,
      fix: 'Remove `ignoreJSON` and send the CSRF token with JSON requests (egg-security reads it from the `x-csrf-token` header), or exempt the routes that cannot with `security.csrf.ignore`.',
    }] : [];
    const openReferers = refererCheckOpen(facts, options);
    const unsupported = unsupportedRequests(facts, options);
    const scoped = notRunning(facts, 'csrf');
    if (!scoped) {
      return [ ...unsupported, ...csrfScopeLeavesOnlyUnchecked(facts, options), ...openReferers, ...ignoresJson, ...csrfScopeReadsRequest(facts),
        ...csrfScopeSticky(facts), ...overriddenPastCsrf(facts) ];
    }
    return [{
      severity: 'high',
      target: `config.${scoped.key}`,
      source: facts.provenance(scoped.key),
      message: `CSRF protection is off for every route: ${scoped.how}${setIn(facts, scoped.key)}`,
    }, ...openReferers, ...ignoresJson];
  }
  const options = securityConfig(facts).csrf as AnyRecord | false | undefined;
  const scoped = options && (options.ignore !== undefined || options.match !== undefined);
  return [{
    severity: 'high',
    target: `config.${csrf.key}`,
    source: facts.provenance(csrf.key),
    message: `CSRF protection is off for every route: ${csrf.how}${setIn(facts, csrf.key)}` +
      `${scoped ? '; its ignore/match scope has no effect while it is off' : ''}`,
  }];
}

/**
 * A csrf `match`/`ignore` function that reads the request beyond its path and method decides by what the client
 * sends whether the token is checked: high when it reads what a cross-site form writes or leaves out (the URL and
 * query string, the body, the Content-Type, Referer, Origin, Accept: `ignore: ctx => ctx.is('multipart')` skips any
 * multipart form); medium for other headers, cookies and the host, which a form cannot set but other clients can,
 * and which egg-sentinel cannot judge.
 */
function csrfScopeReadsRequest(facts: Facts): RuleHit[] {
  const scope = facts.securityScopes.find(entry => entry.name === 'csrf' && entry.clientReads?.length);
  if (!scope?.clientReads) return [];
  const key = `security.csrf.${scope.kind}`;
  const formWritten = scope.clientReads.some(crossSiteWritten);
  return [{
    severity: formWritten ? 'high' : 'medium',
    target: `config.${key}`,
    source: facts.provenance(key),
    message: `whether CSRF protection checks a request is decided by what the request sends: security.csrf's ${scope.summary}${setIn(facts, key)} reads ` +
      `${describeClientReads(scope.clientReads, scope.outside)}${formWritten ? ', so a cross-site form that sends (or leaves out) what it looks for skips the token check' : ''}`,
    fix: `Decide by the path alone: \`security: { csrf: { ${scope.kind}: [ '/api/webhooks' ] } }\` (strings and RegExps are tested against ctx.path), ` +
      'or test ctx.path in the function.',
  }];
}

/**
 * A csrf `match`/`ignore` holding a sticky RegExp (flag y without g), which egg-path-matching never resets: each test
 * starts where the last one's match ended. egg-security tests csrf's scope twice per request (its csrf middleware, then
 * ctx.assertCsrf()), so a `match` that matches the first time fails the second, and the token is never checked
 * (`/^\//y` after a match at 0 starts at 1): high. An `ignore` matches its text further into the path, where the
 * request before ended its match (`/\/webhooks/y` after `/webhooks/pay` skips `/transfer/webhooks`): medium.
 */
function csrfScopeSticky(facts: Facts): RuleHit[] {
  const scope = facts.securityScopes.find(entry => entry.name === 'csrf' && entry.sticky);
  if (!scope?.sticky) return [];
  return [ stickyScopeHit(facts, scope, scope.kind === 'match' ? 'high' : 'medium', scope.kind === 'match' ?
    'egg-security tests it in its csrf middleware and again in ctx.assertCsrf(), where it then misses, so the CSRF token is never checked' :
    'it then skips the CSRF token for a path that holds its text where the request before ended its match') ];
}

/** A finding on a security scope holding a sticky RegExp (SecurityScopeFact.sticky), saying what `outcome` follows. */
function stickyScopeHit(facts: Facts, scope: SecurityScopeFact, severity: Severity, outcome: string): RuleHit {
  const key = `security.${scope.name}.${scope.kind}`;
  const sticky = scope.sticky as string;
  return {
    severity,
    target: `config.${key}`,
    source: facts.provenance(key),
    message: `security.${scope.name}'s ${scope.summary}${setIn(facts, key)} holds the sticky RegExp ${sticky}, whose lastIndex egg-path-matching never resets ` +
      `(it does for the g flag only), so each test starts where the last match ended: ${outcome}`,
    fix: `Remove the y flag: \`security: { ${scope.name}: { ${scope.kind}: ${sticky.replace(/y(?=[a-z]*$)/, '')} } }\`.`,
  };
}

/**
 * A csrf `match`/`ignore` that skips every route request egg-security checks the token of (`csrf.supportedRequests`:
 * POST, PUT… never GET) while it leaves csrf on for some route: csrf then runs only where it checks nothing
 * (`ignore: '/api'` beside `GET /` and `POST /api/data`). A scope that skips every route of the app (a token-authenticated
 * API, webhooks) is judged by notRunning, which looks at `/` too; an app with no such request is not reported.
 */
function csrfScopeLeavesOnlyUnchecked(facts: Facts, options: AnyRecord | undefined): RuleHit[] {
  const scope = facts.securityScopes.find(entry => entry.name === 'csrf' && entry.skippedRequests);
  if (!scope?.skippedRequests) return [];
  const skipped = new Set(scope.skippedRequests);
  const supported = supportedBy(options);
  // A router.redirect() route answers every method with a 30x and changes nothing.
  const routes = facts.routes.filter(route => route.controller?.redirectsTo === undefined);
  const requests = (route: RouteFact) => route.probes.flatMap(probe => route.methods.map(method => `${method} ${probe}`));
  const checked = routes.flatMap(route => {
    const methods = route.methods.filter(method => route.probes.some(probe => supported(probe, method)));
    return methods.length ? [{ ...route, methods }] : [];
  });
  const checks = (route: RouteFact) => route.probes.some(probe => route.methods.some(method => supported(probe, method) && !skipped.has(`${method} ${probe}`)));
  if (!checked.length || checked.some(checks) || routes.every(route => requests(route).every(request => skipped.has(request)))) return [];
  const key = `security.csrf.${scope.kind}`;
  return [{
    // Medium, not high as for a scope that skips every route: a token-authenticated API beside a health check or an SPA
    // page looks the same, and a token sent in a header needs no CSRF check.
    severity: 'medium',
    target: `config.${key}`,
    source: facts.provenance(key),
    // Scoped, not switched off: csrf stays on where it checks nothing (black-box round 42, h2 F5).
    message: `CSRF protection checks no request of the app: security.csrf's ${scope.summary}${setIn(facts, key)} skips every route whose requests egg-security ` +
      `checks the token of (security.csrf.supportedRequests, by default POST, PUT, PATCH, DELETE and CONNECT): ${listed(checked.map(routeLabel))}; ` +
      'the routes it leaves csrf on are requested with methods csrf never checks (GET, HEAD, OPTIONS)',
    fix: `Exempt only the routes that cannot send egg-security's token: \`security: { csrf: { ${scope.kind === 'ignore' ? "ignore: [ '/api/webhooks' ]" : "match: [ '/' ]"} } }\`. ` +
      'If every one of these routes authenticates by a token the client sends in a header, never by egg-session\'s cookie, waive this finding with that reason.',
  }];
}

/** egg-security's default `csrf.supportedRequests`. */
const DEFAULT_SUPPORTED_REQUESTS = [{ path: /^\//, methods: [ 'POST', 'PATCH', 'DELETE', 'PUT', 'CONNECT' ] }];

interface SupportedRequest { path?: unknown; methods?: unknown }

function listsMethod(rule: SupportedRequest | undefined, method: string): boolean {
  return rule?.path instanceof RegExp && Array.isArray(rule.methods) && rule.methods.includes(method);
}

/**
 * Whether egg-security checks the CSRF token of a request (path, method): one of `csrf.supportedRequests` lists the
 * method and its `path` tests true. A `g` or `y` path counts for nothing (see unsupportedRequests).
 */
function supportedBy(options: AnyRecord | undefined): (probe: string, method: string) => boolean {
  const rules = options?.supportedRequests ?? DEFAULT_SUPPORTED_REQUESTS;
  const list: Array<SupportedRequest | undefined> = Array.isArray(rules) ? rules : [];
  return (probe, method) => list.some(rule => listsMethod(rule, method) && !keepsLastIndex(rule?.path) && (rule?.path as RegExp).test(probe));
}

/** Methods a browser form or script sends cross-site that change state: the ones egg-security checks by default. */
const UNSAFE_METHODS = [ 'POST', 'PUT', 'PATCH', 'DELETE' ];

/**
 * egg's overrideMethod (koa-override, in coreMiddleware ahead of securities) gives a POST the method its body's
 * `_method` names, any method: a cross-site form posting `_method=GET` to a route whose handler serves both POST and a
 * method egg-security does not check (GET, HEAD, OPTIONS… `router.all()`) skips the token and reaches that handler
 * with the form's body. A route of GET alone serves the form's request as a GET, which must not change state anyway.
 */
function overriddenPastCsrf(facts: Facts): RuleHit[] {
  const positionOf = (name: string) => facts.middleware.find(entry => entry.name === name && entry.position !== null)?.position ?? undefined;
  const override = positionOf('overrideMethod');
  const securities = positionOf('securities');
  if (override === undefined || (securities !== undefined && securities < override)) return [];
  const allowed = (facts.config.overrideMethod as AnyRecord | undefined)?.allowedMethods;
  // koa-override's default, `allowedMethods || [ 'POST' ]`; a cross-site form sends POST and nothing else it overrides.
  if (Array.isArray(allowed) && !allowed.includes('POST')) return [];
  // A router.redirect() route answers every method with a 30x and changes nothing.
  const open = facts.routes.filter(route => route.controller?.redirectsTo === undefined && (route.allMethods ||
    (route.methods.some(method => UNSAFE_METHODS.includes(method)) && route.methods.some(method => !UNSAFE_METHODS.includes(method)))));
  if (!open.length) return [];
  return [{
    severity: 'medium',
    target: 'config.overrideMethod',
    source: facts.provenance('overrideMethod.allowedMethods'),
    message: `a cross-site form skips CSRF protection on ${open.length} route(s) whose handler serves POST and a method egg-security does not check: ` +
      `egg's overrideMethod, ahead of securities, turns a POST with _method=GET in its body into a GET, which needs no token: ${listed(open.map(routeLabel))}`,
    fix: 'Give state-changing handlers POST, PUT, PATCH or DELETE only (not router.all() or a GET beside them), or switch overrideMethod off ' +
      '(`overrideMethod: { enable: false }`) or limit it (`overrideMethod: { allowedMethods: [] }`) if the app does not use it.',
  }];
}

/**
 * egg-security checks the CSRF token only for requests one of `csrf.supportedRequests` matches (its `path` RegExp and
 * `methods`); its default covers every path for POST, PATCH, DELETE, PUT and CONNECT. A list that leaves a route's
 * state-changing method out (`[]`, a narrower path, a method missing) leaves that route without CSRF protection.
 * egg-security calls `path.test(ctx.path)` on every request and never resets it: a `g` or `y` RegExp starts where the
 * previous request's match ended, so `/^\//g` misses every other request (and any request after one that set its
 * lastIndex past the path's length). Such an entry covers nothing here, and is not called: its lastIndex is the app's.
 */
function unsupportedRequests(facts: Facts, options: AnyRecord | undefined): RuleHit[] {
  const rules = options?.supportedRequests;
  if (rules === undefined) return [];
  const list: Array<SupportedRequest | undefined> = Array.isArray(rules) ? rules : [];
  const stateful = list.flatMap((rule, index) => UNSAFE_METHODS.some(method => listsMethod(rule, method)) && keepsLastIndex(rule?.path) ?
    [ `supportedRequests[${index}].path ${String(rule?.path)}` ] : []);
  const covers = supportedBy(options);
  const base = { severity: 'high' as const, target: 'config.security.csrf.supportedRequests', source: facts.provenance('security.csrf.supportedRequests'),
    ...(stateful.length && { fix: 'Remove the g and y flags from the supportedRequests paths (`{ path: /^\\//, methods: [ \'POST\', \'PATCH\', \'DELETE\', \'PUT\', \'CONNECT\' ] }`, ' +
      'egg-security\'s default): egg-security tests them on every request without resetting their lastIndex.' }) };
  const why = stateful.length ? `; ${stateful.join(', ')}: the g or y flag makes test(), which egg-security calls on every request, start where ` +
    'the previous request\'s match ended, so it misses every other request (a forged POST sent twice gets through)' : '';
  if (!UNSAFE_METHODS.some(method => covers('/', method)) && !facts.routes.some(route => route.probes.some(probe => UNSAFE_METHODS.some(method => covers(probe, method))))) {
    const matches = Array.isArray(rules) && !rules.length ? ' is empty' : stateful.length ? ' matches POST, PUT, PATCH or DELETE requests only with a stateful RegExp' :
      ' matches no POST, PUT, PATCH or DELETE request';
    return [{ ...base, message: `CSRF protection is off for every route: security.csrf.supportedRequests${matches}` +
      `${setIn(facts, 'security.csrf.supportedRequests')}, and egg-security checks the token only for the requests it lists${why}` }];
  }
  const open = facts.routes.flatMap(route => {
    const methods = (route.allMethods ? UNSAFE_METHODS : route.methods.filter(method => UNSAFE_METHODS.includes(method)))
      .filter(method => route.probes.some(probe => !covers(probe, method)));
    return methods.length ? [ routeLabel({ ...route, methods, allMethods: false }) ] : [];
  });
  return open.length ? [{ ...base, message: `CSRF protection is off for ${open.length} route(s) security.csrf.supportedRequests leaves out: ${listed(open)}` +
    `${setIn(facts, 'security.csrf.supportedRequests')}${why}` }] : [];
}

/**
 * Routes that answer through egg-jsonp (`app.jsonp()` given to them or to router.use()) while the options it runs
 * with check neither the CSRF token nor the referrer (egg-jsonp's default), or a referrer any site sends: any site
 * reads their JSON with a script tag. egg-jsonp merges the options given to `app.jsonp(options)` over config.jsonp:
 * a route whose call sets `csrf` or `whiteList` is judged by its own merged options and named with the call; the
 * others by config.jsonp. Only routes count (an app without one exposes nothing); low.
 */
function jsonpUnchecked(facts: Facts): RuleHit[] {
  if (!pluginEnabled(facts, 'jsonp')) return [];
  const config = (facts.config.jsonp ?? {}) as AnyRecord;
  const byConfig: RouteFact[] = [];
  const hits: RuleHit[] = [];
  for (const route of facts.routes) {
    if (!route.chain.some(step => step.name === 'jsonp' && step.level !== 'global')) continue;
    // A route whose app.jsonp() call was not recorded runs with config.jsonp, as far as is known.
    const calls = route.jsonp ?? [{ options: undefined }];
    // egg-jsonp's csrf is egg-security's ctx.assertCsrf(), which returns unchecked for a path csrf's match/ignore skips
    // (black-box round 40, h6 F4).
    const csrfOff = csrfSkipsRoute(facts, route) ? { csrf: false } : {};
    // Each of its jsonp middleware checks the request: it is open only when every one lets another site through.
    const judged = calls.map(call => ({ call, merged: Object.assign({}, config, call.options, csrfOff) as AnyRecord }));
    if (!judged.every(({ merged }) => jsonpOpening(facts, merged))) continue;
    const { call, merged } = judged[0];
    const given = JSONP_CHECKS.filter(key => call.options && typeof call.options === 'object' && Object.hasOwn(call.options, key));
    if (!given.length) {
      byConfig.push(route);
      continue;
    }
    const opening = jsonpOpening(facts, merged) as unknown[];
    const at = call.calledAt ? ` at ${call.calledAt}` : '';
    const whiteList = given.includes('whiteList') ? 'whiteList' : `config.jsonp.whiteList${setIn(facts, 'jsonp.whiteList')}`;
    hits.push({
      severity: 'low',
      target: `route:${routeLabel(route)}`,
      source: call.calledAt,
      message: `JSONP route ${routeLabel(route)} answers any site: app.jsonp({ ${given.join(', ')} })${at} overrides config.jsonp (egg-jsonp merges the options over it), and ` +
        `${opening.length ? `${whiteList} has ${opening.map(describePattern).join(', ')}, which egg-jsonp lets a referrer from a site anyone can register, or no referrer, through` :
          `the options it runs with check neither referrer nor CSRF token (${csrfNote(merged)})`}: a page on another site reads its data with a script tag`,
      fix: `Give app.jsonp()${at} a whiteList anchored at the scheme and host (\`app.jsonp({ whiteList: [ /^https:\\/\\/partner\\.example\\.com\\// ] })\`) or ` +
        "`csrf: true` with egg-security's csrf on, or leave csrf and whiteList out of its options so that config.jsonp applies.",
    });
  }
  // Routes csrf's match/ignore skips run its check for nothing, whatever config.jsonp says.
  const skippedCsrf = jsonpOpening(facts, config) === undefined;
  const opening = jsonpOpening(facts, skippedCsrf ? { ...config, csrf: false } : config);
  if (!byConfig.length || !opening) return hits;
  const why = opening.length ?
    `config.jsonp.whiteList has ${opening.map(describePattern).join(', ')}, which egg-jsonp lets a referrer from a site anyone can register, or no referrer, through` +
      `${setIn(facts, 'jsonp.whiteList')}` :
    `config.jsonp checks neither referrer nor CSRF token (${skippedCsrf ? 'csrf: true, but security.csrf\'s match/ignore skips these routes, and egg-security\'s assertCsrf() with it' :
      csrfNote(config)})${setIn(facts, 'jsonp.csrf')}`;
  return [{
    severity: 'low',
    target: opening.length ? 'config.jsonp.whiteList' : 'config.jsonp',
    source: facts.provenance(opening.length ? 'jsonp.whiteList' : 'jsonp.csrf'),
    message: `${byConfig.length} JSONP route(s) answer any site: ${listed(byConfig.map(routeLabel))}; ${why}: ` +
      'a page on another site reads their data with a script tag',
    fix: "Set `jsonp: { csrf: true }` (the page sends egg-security's CSRF token) or `jsonp: { whiteList: [ '.example.com' ] }` " +
      '(referrers allowed; a RegExp anchored at the scheme and host, `/^https:\\/\\/www\\.example\\.com\\//`), or pass them to `app.jsonp({ ... })` on the route.',
  }, ...hits];
}

/** Whether `security.csrf`'s match/ignore surely skips one of the route's request paths (`ignore: '/api'` over `/api/profile.jsonp`). */
function csrfSkipsRoute(facts: Facts, route: RouteFact): boolean {
  const skipped = facts.securityScopes.find(scope => scope.name === 'csrf')?.skippedRequests ?? [];
  return skipped.some(request => route.probes.some(probe => request.endsWith(` ${probe}`)));
}

/** The options of egg-jsonp that decide who may read a JSONP route. */
const JSONP_CHECKS = [ 'csrf', 'whiteList' ] as const;

/**
 * What lets another site read a JSONP route with these options, as egg-jsonp decides: the whiteList entries a foreign
 * referrer passes (a referrer it passes goes through before and whatever the CSRF check says), or none when neither
 * check is on (its csrf needs egg-security's csrf enabled; any truthy whiteList, even [], is checked); undefined when it is checked.
 */
function jsonpOpening(facts: Facts, options: AnyRecord): unknown[] | undefined {
  const csrf = securityConfig(facts).csrf as AnyRecord | false | undefined;
  const csrfChecked = Boolean(options.csrf) && pluginEnabled(facts, 'security') && Boolean(csrf) && (csrf as AnyRecord).enable !== false;
  const openEntries = options.whiteList ? [ options.whiteList ].flat().filter(admitsForeignReferrer) : [];
  return openEntries.length || !(csrfChecked || options.whiteList) ? openEntries : undefined;
}

function csrfNote(options: AnyRecord): string {
  return options.csrf ? 'csrf: true, but egg-security\'s csrf is off' : 'csrf: false and no whiteList';
}

/** Where an attacker's page can be: a name it registers, under a common top-level domain. */
const ATTACKER_SITE = 'sentinel-probe-attacker.com';

/**
 * Whether a `jsonp.whiteList` entry lets a script tag on another site through, as egg-jsonp matches it: a RegExp is
 * tested against the whole Referer, whose path, query and host name the attacker writes (tried with the strings the
 * RegExp names); a string is the referrer's host name, or with a leading `.` it and its subdomains. A page can also
 * send no Referer at all (`referrerpolicy="no-referrer"`), which an entry matching the empty string lets through.
 */
function admitsForeignReferrer(entry: unknown): boolean {
  if (entry instanceof RegExp) {
    const pattern = new RegExp(entry.source, entry.flags.replace(/[gy]/g, ''));
    const referrers = [ '', `https://${ATTACKER_SITE}/`, ...filterTokens(entry).flatMap(text => [
      `https://${ATTACKER_SITE}/?${text}`, `https://${ATTACKER_SITE}/${text}`, `${text}.${ATTACKER_SITE}/`, `https://${text}.${ATTACKER_SITE}/`,
    ]) ].filter(referrer => referrer === '' || referrerHost(referrer).endsWith(ATTACKER_SITE));
    return referrers.some(referrer => pattern.test(referrer));
  }
  if (typeof entry !== 'string') return false;
  if (entry === '') return true;
  return entry.startsWith('.') && isPublicSuffix(entry.slice(1).toLowerCase());
}

function referrerHost(referrer: string): string {
  try {
    return new URL(referrer).hostname;
  } catch {
    return '';
  }
}

/** One day: a shorter HSTS max-age lets a plain-HTTP request through to a returning visitor. */
const MIN_HSTS_MAX_AGE = 86_400;

/** Reported medium when they never run. (xssProtection is not: browsers dropped the XSS filter its header drives.) */
const HEADER_PROTECTIONS: ReadonlyArray<[ name: string, lost: string ]> = [
  [ 'xframe', 'X-Frame-Options (clickjacking) is not sent' ],
  [ 'nosniff', 'X-Content-Type-Options: nosniff (MIME sniffing) is not sent' ],
  [ 'noopen', 'X-Download-Options: noopen (downloads opened in the site\'s context) is not sent' ],
  [ 'dta', 'a request path that climbs above the root (/..%2f..%2fetc/passwd) is no longer refused with 400 (dta, directory traversal)' ],
  [ 'methodnoallow', 'TRACE and TRACK requests are no longer refused with 405 (methodnoallow, cross-site tracing)' ],
];

export const securityHeadersWeakened: Rule = {
  id: 'SEN603',
  area: 'builtins',
  title: 'Security headers or request guards weakened',
  severity: 'medium',
  description: "egg-security sends X-Frame-Options, X-Content-Type-Options and X-Download-Options by default, and " +
    'refuses paths that climb above the root (`dta`) and TRACE/TRACK requests (`methodnoallow`). Outside ' +
    'local/unittest this rule reports each of them switched off (`enable: false`, `false`, or removed from ' +
    '`security.defaultMiddleware`) as medium, a header also when its `match`/`ignore` skips every route of the app and ' +
    '`/` (evaluated as for SEN602: `ignore: \'/\'`, a `match` no route has; `dta` and `methodnoallow` ignore theirs); ' +
    'a header\'s `match`/`ignore` function that reads the request beyond its path and method (`ctx.query`, headers: a link then switches ' +
    'the header off) as medium (CSP low), and one holding a sticky RegExp (flag `y` without `g`, whose lastIndex egg-path-matching never ' +
    'resets: a `match` then leaves the header out of every other response) likewise, and so app code (a middleware, a controller) that switches ' +
    'a header off for the requests it picks through egg-security\'s per-request options, `ctx.securityOptions.xframe = { enable: false }` (or ' +
    '`.enable = false`, `Object.assign(ctx.securityOptions, { xframe: { enable: false } })`, through a local name given `ctx.securityOptions`, ' +
    'with any falsy `enable`), which egg-security merges over `config.security` for that request (xframe, nosniff, noopen, csp low, and hsts ' +
    'while `sentinel.https: true`; a `refererPolicy` value of `unsafe-url` written there low; an hsts `maxAge` under a day there medium with ' +
    '`sentinel.https`, and a csp `reportOnly: true` low): found in the app\'s modules the process loaded, ' +
    'outside node_modules, as written there (a value built elsewhere and assigned is not seen; `ctx.securityOptions.csrf`, `dta` and ' +
    '`methodnoallow` are not reported, as egg-security reads their config alone, nor is `ctx.securityOptions = { … }`, which replaces nothing); HSTS off while `config.sentinel.https: true` says the app is served over ' +
    'HTTPS (egg leaves HSTS off by default) as medium; an X-Frame-Options value browsers ignore (`ALLOW-FROM …`: only `DENY` ' +
    'and `SAMEORIGIN` are honoured) without a CSP `frame-ancestors` as medium; an enforced CSP `frame-ancestors` that lets any site frame ' +
    'the app (`*`, `https:`, `*.com`: browsers obey it and ignore X-Frame-Options) as medium; and no Content-Security-Policy (`security.csp` off or with an ' +
    'empty policy, egg\'s default), one only reported (`reportOnly: true`), one that restricts no script (no `script-src`, ' +
    '`script-src-elem` or `default-src`), one whose directive for scripts (`script-src-elem`, else `script-src`, else `default-src`, ' +
    'read as browsers read the header egg-security sends: names in any case, the first of a name wins, a `;` inside a value starts ' +
    'a directive, `.x` is `*.x`) allows any script (`*`, `https:`, `data:`, `blob:`, `*.com`, a wildcard over a public suffix or shared hosting domain such as `*.co.uk`, `*.github.io` or `https://*.herokuapp.com`, `\'unsafe-eval\'`, a nonce fixed in config, ' +
    '`\'unsafe-inline\'` where no nonce or hash stands beside it: egg-security adds its nonce to the key `script-src` only, and not when ' +
    'a value there contains `nonce-`), one whose `script-src-attr` has `\'unsafe-inline\'` (injected event handlers run), ' +
    'or a Referrer-Policy of `unsafe-url` as low; and, low too, the pages (GET routes) a `security.xframe` match/ignore leaves without ' +
    'X-Frame-Options while it keeps it elsewhere, with no CSP `frame-ancestors` in its place: any site can frame them.',
  fix: "Remove the overrides that switch headers or guards off, and the `match`/`ignore` that skip every route; with HTTPS set `security: { hsts: { enable: true, maxAge: 31536000 } }`; " +
    "add a policy: `security: { csp: { enable: true, policy: { 'default-src': \"'self'\" } } }`.",
  check: securityCheck(facts => {
    const hits: RuleHit[] = [];
    for (const [ name, lost ] of HEADER_PROTECTIONS) {
      const off = notRunning(facts, name);
      if (off && !(name === 'xframe' && framingByCsp(facts))) hits.push({ severity: 'medium', target: `config.${off.key}`, source: facts.provenance(off.key), message: `${lost}: ${off.how}${setIn(facts, off.key)}` });
    }
    const hsts = notRunning(facts, 'hsts');
    const https = (facts.config.sentinel as { https?: boolean } | undefined)?.https === true;
    if (hsts && https) {
      hits.push({
        severity: 'medium', target: `config.${hsts.key}`, source: facts.provenance(hsts.key),
        message: `the app is served over HTTPS (sentinel.https) but Strict-Transport-Security is not sent: ${hsts.how}${setIn(facts, hsts.key)}; a first plain-HTTP request can be intercepted`,
      });
    }
    const setMaxAge = (securityConfig(facts).hsts as { maxAge?: unknown } | undefined)?.maxAge;
    // egg-security sends `'max-age=' + maxAge`: digits in a string (from an environment variable) say what their number does.
    const maxAge = typeof setMaxAge === 'string' && /^\d+$/.test(setMaxAge) ? Number(setMaxAge) : setMaxAge;
    if (!hsts && https && typeof maxAge === 'number' && maxAge < MIN_HSTS_MAX_AGE) {
      hits.push({
        severity: 'medium', target: 'config.security.hsts.maxAge', source: facts.provenance('security.hsts.maxAge'),
        message: `Strict-Transport-Security is sent with max-age=${maxAge}${setIn(facts, 'security.hsts.maxAge')}: ` +
          `${maxAge <= 0 ? 'browsers drop HSTS for the site' : 'browsers forget HTTPS-only within a day'} (at least ${MIN_HSTS_MAX_AGE} s needed)`,
      });
    }
    const csp = notRunning(facts, 'csp');
    const { policy, reportOnly } = (securityConfig(facts).csp ?? {}) as { policy?: unknown; reportOnly?: unknown };
    hits.push(...ignoredFrameOptions(facts), ...permissiveFrameAncestors(facts), ...leakyReferrerPolicy(facts), ...headerScopesReadRequest(facts), ...headerScopesSticky(facts),
      ...headersOffPerRequest(facts), ...frameablePages(facts));
    if (csp || !policy || typeof policy !== 'object' || !Object.keys(policy).length) {
      const key = csp?.key ?? 'security.csp.policy';
      hits.push({
        severity: 'low', target: `config.${key}`, source: facts.provenance(key),
        message: `no Content-Security-Policy is sent: ${csp ? `${csp.how}${setIn(facts, key)}` : 'config.security.csp.policy is empty'}`,
      });
      return hits;
    }
    if (reportOnly === true) {
      hits.push({
        severity: 'low', target: 'config.security.csp.reportOnly', source: facts.provenance('security.csp.reportOnly'),
        message: `the Content-Security-Policy is only reported, not enforced: config.security.csp.reportOnly is true${setIn(facts, 'security.csp.reportOnly')}`,
      });
    }
    for (const hole of cspScriptHoles(policy as Record<string, unknown>)) {
      if (hole.key === undefined) {
        hits.push({ severity: 'low', target: 'config.security.csp.policy', source: facts.provenance('security.csp.policy'),
          message: 'the Content-Security-Policy restricts no script: it has no script-src, script-src-elem or default-src, so an injected script runs' });
        continue;
      }
      const key = `security.csp.policy.${hole.key}`;
      const fixed = hole.sources.filter(source => /^'nonce-/i.test(source));
      const shown = hole.sources.filter(source => !fixed.includes(source));
      const from = hole.key === hole.directive ? '' : ` (config key ${hole.key})`;
      hits.push({
        severity: 'low', target: `config.${key}`, source: facts.provenance(key),
        message: `the Content-Security-Policy's ${hole.directive}${from} allows ${[ ...shown, ...fixed.map(source => `${source}, a nonce fixed in config`) ].join(', ')}${setIn(facts, key)}: ` +
          (hole.runs === 'handler' ? 'an injected event handler (onerror=…) runs all the same' : 'an injected script runs all the same'),
      });
    }
    return hits;
  }),
};

/** Protections whose `match`/`ignore` function may read the request: what the client then sends switches them off. */
const CLIENT_SWITCHABLE: ReadonlyArray<[ name: string, what: string, severity: Severity ]> = [
  [ 'xframe', 'X-Frame-Options (clickjacking)', 'medium' ], [ 'nosniff', 'X-Content-Type-Options: nosniff', 'medium' ],
  [ 'noopen', 'X-Download-Options: noopen', 'medium' ], [ 'dta', 'the directory traversal check (dta)', 'medium' ],
  [ 'csp', 'the Content-Security-Policy', 'low' ],
];

/**
 * A header protection's `match`/`ignore` function that reads the request beyond its path and method lets a link
 * decide whether the header is sent (`ignore: ctx => ctx.query.embed === '1'`, and `?embed=1` frames the page):
 * judged from the same facts as csrf's scope (SEN602).
 */
function headerScopesReadRequest(facts: Facts): RuleHit[] {
  return CLIENT_SWITCHABLE.flatMap(([ name, what, severity ]): RuleHit[] => {
    const scope = facts.securityScopes.find(entry => entry.name === name && entry.clientReads?.length);
    if (!scope?.clientReads || notRunning(facts, name)) return [];
    const key = `security.${name}.${scope.kind}`;
    return [{
      severity, target: `config.${key}`, source: facts.provenance(key),
      message: `whether egg-security applies ${what} is decided by what the request sends: security.${name}'s ${scope.summary}${setIn(facts, key)} reads ` +
        `${describeClientReads(scope.clientReads, scope.outside)}, so a link that sends what it looks for switches it off`,
      fix: `Decide by the path alone: \`security: { ${name}: { ${scope.kind}: [ '/embed' ] } }\` (strings and RegExps are tested against ctx.path), or test ctx.path in the function.`,
    }];
  });
}

/**
 * The protections whose middleware merges `ctx.securityOptions.<name>` over its config at every response and skips
 * the header when the merged `enable` is falsy, with what is lost and the severity their config form has here. The
 * others read their config alone, so a write there changes nothing: csrf (the token check), dta and methodnoallow in
 * egg-security 3 and @eggjs/security 4 alike; xssProtection is left out as in config (browsers dropped its filter),
 * and so is refererPolicy switched off (browsers then use their own default).
 */
const PER_REQUEST_OPTIONS: ReadonlyArray<[ name: string, what: string, severity: Severity ]> = [
  ...CLIENT_SWITCHABLE.filter(([ name ]) => name !== 'dta'), [ 'hsts', 'Strict-Transport-Security', 'medium' ],
];

/**
 * App code that writes `ctx.securityOptions.<name> = { enable: false }`: egg-security merges it over config.security for
 * that request, so what the code picks requests by (`if (ctx.query.embed)`) switches the header off, as a `match`/`ignore`
 * function reading the request does: judged alike. HSTS only where the app is served over HTTPS (sentinel.https), as in
 * config; a Referrer-Policy value of `unsafe-url` written there as in config.
 */
function headersOffPerRequest(facts: Facts): RuleHit[] {
  const https = (facts.config.sentinel as { https?: boolean } | undefined)?.https === true;
  return facts.securityOverrides.flatMap(({ name, file, effect, value, seconds }): RuleHit[] => {
    if (effect === 'value') return name === 'refererPolicy' && value === 'unsafe-url' ? referrerPolicyPerRequest(facts, file) : [];
    if (effect === 'maxAge') {
      if (!https || notRunning(facts, 'hsts') || (seconds as number) >= MIN_HSTS_MAX_AGE) return [];
      return [{
        severity: 'medium', target: 'ctx.securityOptions.hsts', source: file,
        message: `Strict-Transport-Security is sent with max-age=${seconds} for the requests the app's code picks: ${file} sets ctx.securityOptions.hsts's maxAge, ` +
          `which egg-security merges over config.security.hsts for the request: ${seconds === 0 ? 'a browser that gets it drops HSTS for the site' : 'browsers forget HTTPS-only within a day'}`,
        fix: `Leave ctx.securityOptions.hsts alone (at least ${MIN_HSTS_MAX_AGE} s in config.security.hsts.maxAge).`,
      }];
    }
    if (effect === 'reportOnly') {
      if (notRunning(facts, 'csp')) return [];
      return [{
        severity: 'low', target: 'ctx.securityOptions.csp', source: file,
        message: `the Content-Security-Policy is only reported, not enforced, for the requests the app's code picks: ${file} sets ctx.securityOptions.csp's reportOnly, ` +
          'which egg-security merges over config.security.csp for the request: an injected script runs there',
        fix: 'Leave ctx.securityOptions.csp alone; try a stricter policy out with a second, report-only one set in config.',
      }];
    }
    const protection = PER_REQUEST_OPTIONS.find(([ switchable ]) => switchable === name);
    if (!protection || notRunning(facts, name) || (name === 'hsts' && !https)) return [];
    const [ , what, severity ] = protection;
    return [{
      severity, target: `ctx.securityOptions.${name}`, source: file,
      message: `${what} is switched off for the requests the app's code picks: ${file} sets ctx.securityOptions.${name} with enable: false, which ` +
        `egg-security merges over config.security.${name} for the request, so a request that sends what the code looks for gets no such header` +
        `${name === 'hsts' ? ' (the app is served over HTTPS, sentinel.https: a first plain-HTTP request to it can be intercepted)' : ''}`,
      fix: `Leave ctx.securityOptions.${name} alone; exempt what must differ by its path: \`security: { ${name}: { ignore: [ '/embed' ] } }\`` +
        `${name === 'xframe' ? ', or name the sites that may frame it in a CSP `frame-ancestors`' : ''}.`,
    }];
  });
}

function referrerPolicyPerRequest(facts: Facts, file: string): RuleHit[] {
  if (notRunning(facts, 'referrerPolicy')) return [];
  return [{
    severity: 'low', target: 'ctx.securityOptions.refererPolicy', source: file,
    message: `Referrer-Policy is unsafe-url for the requests the app's code picks: ${file} sets ctx.securityOptions.refererPolicy's value to unsafe-url, ` +
      'which egg-security merges over config.security.referrerPolicy: every link and request to another site from those pages carries the page\'s full URL',
    fix: "Leave ctx.securityOptions.refererPolicy alone, or set a value that leaves the path and query out: `'strict-origin-when-cross-origin'` or `'no-referrer'`.",
  }];
}

/**
 * A header protection whose `match`/`ignore` holds a sticky RegExp (flag y without g), which egg-path-matching never
 * resets: egg-security tests it once per response, so a `match` leaves the header out of every other response (a page
 * framed twice is framed without X-Frame-Options), and an `ignore` skips paths holding its text further in; judged
 * as the header switched off.
 */
function headerScopesSticky(facts: Facts): RuleHit[] {
  return CLIENT_SWITCHABLE.flatMap(([ name, what, severity ]): RuleHit[] => {
    const scope = facts.securityScopes.find(entry => entry.name === name && entry.sticky);
    if (!scope || !HONOURS_SCOPE.has(name) || notRunning(facts, name)) return [];
    return [ stickyScopeHit(facts, scope, severity, `egg-security leaves ${what} out of ${scope.kind === 'match' ? 'every other response' :
      'the responses to paths that hold its text where the request before ended its match'}`) ];
  });
}

/** Script sources that let any script run: any host, any host of a scheme, inline data, and eval. */
const PERMISSIVE_SCRIPT_SOURCE = /^(?:\*|https?:|data:|blob:|'unsafe-eval')$/i;
/** A host wildcard over a top-level domain or every host (`*.com`, `https://*`): anyone can register a host there. */
const ANY_HOST_WILDCARD = /^(?:[a-z][a-z0-9+.-]*:\/\/)?\*(?:\.[^./:]+)?(?::(?:\d+|\*))?(?:\/.*)?$/i;
/**
 * A host wildcard over a public suffix or shared hosting domain (`*.github.io`, `https://*.herokuapp.com`, `*.co.uk`):
 * anyone can publish a script on a host it matches (black-box round 40, h2 F3).
 */
function wildcardOverPublicSuffix(source: string): boolean {
  const host = /^(?:[a-z][a-z0-9+.-]*:\/\/)?\*\.([^/:]+)(?::(?:\d+|\*))?(?:\/.*)?$/i.exec(source)?.[1];
  return host !== undefined && isPublicSuffix(host.toLowerCase().replace(/\.$/, ''));
}

/** A nonce or hash source: with one, browsers ignore 'unsafe-inline' in the directive. */
const NONCE_OR_HASH = /^'(?:nonce|sha256|sha384|sha512)-/i;
/** Where egg-security's per-request nonce stands in the header it builds (it adds `'nonce-<ctx.nonce>'`). */
const EGG_NONCE = "'nonce-(egg-security:per-request)'";

interface CspDirective {
  /** The config key it came from (`SCRIPT-SRC`, or `img-src` when that value held `; script-src *`). */
  key: string;
  sources: string[];
}

/**
 * The policy as browsers read the header egg-security sends: its csp middleware writes each key with its values,
 * adds its nonce to the key `script-src` unless a value there contains `nonce-`, rewrites `.x` to `*.x`, and joins
 * them with `;`; browsers split on `;` (a `;` inside a value starts a directive), read names in any case, and keep
 * the first directive of a name.
 */
function sentCsp(policy: Record<string, unknown>): Map<string, CspDirective> {
  const directives = new Map<string, CspDirective>();
  for (const [ key, raw ] of Object.entries(policy)) {
    if (key === 'sandbox') continue;
    let values = (Array.isArray(raw) ? raw : [ raw ]).map(String);
    if (key === 'script-src' && !values.some(value => value.includes('nonce-'))) values = [ ...values, EGG_NONCE ];
    const text = `${key} ${values.map(value => (value.startsWith('.') ? `*${value}` : value)).join(' ')}`;
    for (const piece of text.split(';')) {
      const [ name, ...sources ] = piece.trim().split(/\s+/);
      if (name && !directives.has(name.toLowerCase())) directives.set(name.toLowerCase(), { key, sources: sources.filter(Boolean) });
    }
  }
  return directives;
}

interface ScriptHole {
  directive: string;
  key?: string;
  sources: string[];
  /** What runs: `script` for an injected <script>, `handler` for an injected onerror=… attribute. */
  runs: 'script' | 'handler';
}

/**
 * Where the CSP egg-security sends lets an injected script run: the directive that governs `<script>` elements
 * (`script-src-elem`, else `script-src`, else `default-src`; none at all restricts nothing) allowing any host,
 * scheme, `data:`, `blob:`, `'unsafe-eval'`, a fixed nonce from config, or `'unsafe-inline'` without a nonce or hash
 * (egg-security's nonce goes into `script-src` alone); and `script-src-attr`'s `'unsafe-inline'`, which runs injected
 * event handlers. With `'strict-dynamic'` beside a nonce browsers ignore hosts, schemes and 'unsafe-inline'.
 */
function cspScriptHoles(policy: Record<string, unknown>): ScriptHole[] {
  const directives = sentCsp(policy);
  const governing = (names: string[]) => names.map(name => ({ name, directive: directives.get(name) })).find(entry => entry.directive);
  const elements = governing([ 'script-src-elem', 'script-src', 'default-src' ]);
  if (!elements?.directive) return [{ directive: 'script-src', sources: [], runs: 'script' }];
  const holes: ScriptHole[] = [];
  const judge = (name: string, directive: CspDirective, runs: ScriptHole['runs']) => {
    const nonceOrHash = directive.sources.some(source => NONCE_OR_HASH.test(source));
    const strictDynamic = nonceOrHash && directive.sources.some(source => source.toLowerCase() === "'strict-dynamic'");
    const sources = directive.sources.filter(source => {
      const lower = source.toLowerCase();
      if (runs === 'handler') return lower === "'unsafe-inline'" && !nonceOrHash;
      if (strictDynamic) return lower === "'unsafe-eval'" || (lower.startsWith("'nonce-") && source !== EGG_NONCE);
      return PERMISSIVE_SCRIPT_SOURCE.test(source) || ANY_HOST_WILDCARD.test(source) || wildcardOverPublicSuffix(source) || (lower === "'unsafe-inline'" && !nonceOrHash) ||
        (lower.startsWith("'nonce-") && source !== EGG_NONCE);
    });
    if (sources.length) holes.push({ directive: name, key: directive.key, sources, runs });
  };
  judge(elements.name, elements.directive, 'script');
  const handlers = governing([ 'script-src-attr', 'script-src', 'default-src' ]);
  if (handlers?.directive && handlers.directive !== elements.directive) judge(handlers.name, handlers.directive, 'handler');
  return holes;
}

/**
 * The `frame-ancestors` of the Content-Security-Policy egg-security sends and enforces (not `reportOnly`), read as
 * browsers read the header: when there is one, browsers obey it and ignore X-Frame-Options.
 */
function cspFrameAncestors(facts: Facts): CspDirective | undefined {
  const { policy, reportOnly } = (securityConfig(facts).csp ?? {}) as { policy?: unknown; reportOnly?: unknown };
  if (notRunning(facts, 'csp') || reportOnly === true || !policy || typeof policy !== 'object') return undefined;
  return sentCsp(policy as Record<string, unknown>).get('frame-ancestors');
}

/** The Content-Security-Policy's `frame-ancestors` governs framing (browsers obey it over X-Frame-Options). */
function framingByCsp(facts: Facts): boolean {
  return cspFrameAncestors(facts) !== undefined;
}

/** frame-ancestors sources that let any site frame the page: any host, any host of a scheme, a wildcard over a top-level domain. */
const PERMISSIVE_FRAME_SOURCE = /^(?:\*|https?:)$/i;

/** A `frame-ancestors` that lets any site frame the app: X-Frame-Options, which it overrides, protects nothing then. */
function permissiveFrameAncestors(facts: Facts): RuleHit[] {
  const directive = cspFrameAncestors(facts);
  const sources = directive?.sources.filter(source => PERMISSIVE_FRAME_SOURCE.test(source) || ANY_HOST_WILDCARD.test(source)) ?? [];
  if (!directive || !sources.length) return [];
  const key = `security.csp.policy.${directive.key}`;
  return [{
    severity: 'medium', target: `config.${key}`, source: facts.provenance(key),
    message: `the Content-Security-Policy's frame-ancestors allows ${sources.join(', ')}${setIn(facts, key)}: browsers obey it and ignore X-Frame-Options, ` +
      'so any site can frame the app\'s pages (clickjacking)',
    fix: "List the sites that may frame the app: `security: { csp: { policy: { 'frame-ancestors': [ \"'self'\", 'https://partner.example' ] } } }`, or remove frame-ancestors to leave framing to X-Frame-Options.",
  }];
}

/** The X-Frame-Options values browsers honour; they ignore the header with any other (ALLOW-FROM is obsolete). */
const HONOURED_XFRAME = /^\s*(?:DENY|SAMEORIGIN)\s*$/i;

/**
 * An X-Frame-Options egg-security sends with a value browsers ignore (`ALLOW-FROM https://partner.example`), unless the
 * Content-Security-Policy's `frame-ancestors`, which browsers obey instead, governs framing.
 */
function ignoredFrameOptions(facts: Facts): RuleHit[] {
  const value = (securityConfig(facts).xframe as { value?: unknown } | undefined)?.value;
  // egg-security sends SAMEORIGIN for a missing or empty value.
  if (notRunning(facts, 'xframe') || !value || (typeof value === 'string' && HONOURED_XFRAME.test(value)) || framingByCsp(facts)) return [];
  return [{
    severity: 'medium', target: 'config.security.xframe.value', source: facts.provenance('security.xframe.value'),
    message: `X-Frame-Options is sent as '${String(value)}'${setIn(facts, 'security.xframe.value')}, which browsers ignore (they honour DENY and SAMEORIGIN only; ` +
      'ALLOW-FROM is obsolete): any site can frame the app\'s pages (clickjacking)',
    fix: "Leave `security.xframe.value` at SAMEORIGIN (or DENY); to let chosen sites frame the app, add a CSP `frame-ancestors`: " +
      "`security: { csp: { enable: true, policy: { 'frame-ancestors': [ \"'self'\", 'https://partner.example' ] } } }`.",
  }];
}

/** A Referrer-Policy that sends the full URL, query string included, to every site, over plain HTTP as well. */
function leakyReferrerPolicy(facts: Facts): RuleHit[] {
  const value = (securityConfig(facts).referrerPolicy as { value?: unknown } | undefined)?.value;
  if (value !== 'unsafe-url' || notRunning(facts, 'referrerPolicy')) return [];
  return [{
    severity: 'low', target: 'config.security.referrerPolicy.value', source: facts.provenance('security.referrerPolicy.value'),
    message: `Referrer-Policy is unsafe-url${setIn(facts, 'security.referrerPolicy.value')}: every link and request to another site, over plain HTTP too, ` +
      'carries the page\'s full URL, tokens in its query string included',
    fix: "Use `security: { referrerPolicy: { enable: true, value: 'strict-origin-when-cross-origin' } }` (browsers' default) or `no-referrer`.",
  }];
}

export const ssrfUnprotected: Rule = {
  id: 'SEN604',
  area: 'builtins',
  title: 'SSRF protection not configured',
  severity: 'medium',
  description: 'Every egg app can make outbound HTTP requests (app.curl, ctx.curl, app.httpclient are built in). ' +
    'egg-security checks target addresses only in ctx.safeCurl()/app.safeCurl(), and only with `security.ssrf.ipBlackList` ' +
    'or `security.ssrf.checkAddress` configured; with egg\'s default (both null) safeCurl logs "please configure ' +
    '`config.security.ssrf` first" and requests any address, cloud metadata and internal services included. ' +
    '`ipExceptionList` and `hostnameExceptionList` only carve exceptions out of `ipBlackList`, so an empty `ipBlackList` ' +
    'or an exception of `0.0.0.0/0` leaves every address open too; at boot the check egg-security builds from the lists is ' +
    'asked about loopback, the unspecified addresses `0.0.0.0` and `::` (Linux connects to them as to loopback), private and cloud metadata addresses, and one that lets any of them through is reported ' +
    'whatever the lists say (`::/0`, two halves of the IPv4 space, `169.254.169.254/32` excepted), and so are the names ' +
    '`localhost`, `metadata.google.internal`, `metadata` and `instance-data`, asked with the address each resolves to (a name of ' +
    '`hostnameExceptionList` is let through before its address is looked at), and IPv6 literals ' +
    'of loopback (`http://[::ffff:127.0.0.1]/`), which a list of IPv4 ranges alone lets through. egg-security 3 skips the ' +
    'IPv6 addresses a host name resolves to whatever the lists say (its own FIXME): a `checkAddress` of the app\'s is the ' +
    'way to judge those, and it is asked about the same internal addresses, synchronously as urllib asks it. ctx.curl(), app.curl() and ' +
    'app.httpclient.request() never check addresses, whatever is configured (measured on egg 3.34 with egg-security 3.8.1 and `ipBlackList: ' +
    '[\'127.0.0.0/8\']`, ctx.safeCurl() to 127.0.0.1 throws IllegalAddressError while ctx.curl() fetches it): the setting ' +
    'protects safeCurl calls only. The rule still fires for an app that makes no outbound request: egg-sentinel judges ' +
    'config at boot and does not read code, safeCurl is on every app, agent, ctx and httpclient (a plugin can call it as ' +
    'well as the app), and this is the only place egg-sentinel points at SSRF. It is medium, a warning under the default ' +
    'threshold; an app that fetches no URL a user can influence can waive it with that reason. Outside local/unittest.',
  fix: 'Give `security.ssrf` a `checkAddress` of the app\'s built on node\'s `net.BlockList`, which judges IPv4 and IPv6 ' +
    'addresses alike (the README\'s "SSRF protection" has one), and fetch user-supplied URLs with ctx.safeCurl(). An ' +
    '`ipBlackList` of IPv4 ranges lets IPv6 literals of loopback through, and with egg-security 3 an IPv6 range in it ' +
    '(`::1/128`) blocks every IPv4 address as well.',
  check: securityCheck(facts => {
    const ssrf = (securityConfig(facts).ssrf ?? {}) as AnyRecord;
    // egg-security turns an ipBlackList (an empty one too) into a checkAddress function when it loads: a function
    // counts as the app's only when a config file other than egg-security's own set it.
    const ownCheck = typeof ssrf.checkAddress === 'function' && !SECURITY_PACKAGE_FILE.test(facts.provenance('security.ssrf.checkAddress') ?? '');
    if (ownCheck) {
      // The app's own function decides; asked about the same internal addresses, it must refuse them too.
      const allowedByOwn = facts.builtins.ssrfAllows ?? [];
      return allowedByOwn.length ? [{
        severity: 'medium', target: 'config.security.ssrf', source: facts.provenance('security.ssrf.checkAddress'),
        message: `the app's config.security.ssrf.checkAddress lets ${allowedByOwn.join(', ')} through when asked as urllib asks it (it answers truthy, a Promise included): ctx.safeCurl() requests them`,
      }] : [];
    }
    const blacklist = Array.isArray(ssrf.ipBlackList) ? ssrf.ipBlackList : [];
    const excepted = Array.isArray(ssrf.ipExceptionList) ? ssrf.ipExceptionList.filter(exceptsEveryAddress) : [];
    // At boot egg-security's own checkAddress is asked about internal addresses (lib/facts/builtins.ts): whatever
    // spells an exception for all of them (`::/0`, two halves of the IPv4 space, IPs as hostnames) shows there.
    const allowed = facts.builtins.ssrfAllows;
    const partly = Boolean(allowed?.length) && (allowed?.length ?? 0) < SSRF_PROBES.length;
    let why: string | undefined;
    if (!blacklist.length) {
      why = Array.isArray(ssrf.ipBlackList) ? 'config.security.ssrf.ipBlackList is empty' :
        `config.security.ssrf sets neither ipBlackList nor checkAddress${ssrf.ipExceptionList || ssrf.hostnameExceptionList ? ' (exception lists alone protect nothing)' : ''}`;
    } else if (excepted.length) {
      why = `config.security.ssrf.ipExceptionList excepts every address (${excepted.map(String).join(', ')})`;
    } else if (allowed?.length) {
      why = `config.security.ssrf ${allowed.length === SSRF_PROBES.length ? 'blocks none' : 'does not block all'} of the internal addresses egg-sentinel ` +
        `asked egg-security's check about: it lets ${allowed.join(', ')} through (its ipBlackList misses them, or its exception lists let them through)`;
    }
    if (!why) return [];
    return [{
      severity: 'medium',
      target: 'config.security.ssrf',
      source: facts.provenance('security.ssrf'),
      message: `${why}: ctx.safeCurl() requests ${partly ? 'them' : 'any address, internal ones included'}`,
    }];
  }),
};

/** A CIDR with a /0 prefix (`0.0.0.0/0`, `::/0`): egg-security's ip matching then contains every IPv4 address. */
function exceptsEveryAddress(entry: unknown): boolean {
  return typeof entry === 'string' && /^\s*[\d.a-f:]+\s*\/\s*0\s*$/i.test(entry);
}

/**
 * Hosts anyone can register that no app's whitelist means to admit: under common top-level domains (also written with
 * the root's trailing dot, and an internationalized one), a two-label public suffix, and a hosting domain that gives
 * everyone a subdomain.
 */
const FOREIGN_HOSTS: readonly string[] = [ 'com', 'net', 'org', 'io', 'cn', 'com.', 'xn--p1ai', 'co.uk', 'github.io' ].map(suffix => `sentinel-probe-attacker.${suffix}`);

/**
 * Whether egg-security's isSafeDomain lets `host` (lower case, as it makes it) through for a whitelist `entry`,
 * lowercased as egg-security does its domainWhiteList when it loads.
 */
function admits(entry: string, host: string): boolean {
  return matchesWhiteList(host, [ entry.toLowerCase() ]);
}

/**
 * egg-security's `isSafeDomain(domain, whiteList)` (its lib/utils, egg 3's and egg 4's alike), for where the app's own
 * cannot be asked: a non-string domain is unsafe; the domain is lowercased; an entry with `*` is a `matcher` pattern
 * (`*` any run of characters, case-insensitive, a leading `!` negates it: every host the rest does not match), any other
 * matches the domain itself or its subdomains (`.example.com` and `example.com` admit `example.com` and
 * `a.example.com`, not `evilexample.com`), as written (case too). What it throws on, it throws on.
 */
function matchesWhiteList(domain: unknown, whiteList: unknown): boolean {
  if (typeof domain !== 'string') return false;
  const host = domain.toLowerCase();
  if (!Array.isArray(whiteList)) throw new TypeError('the domain whitelist is not an array');
  return whiteList.some((rule: unknown) => {
    if (typeof rule !== 'string') throw new TypeError(`a domain whitelist entry is not a string (${typeof rule})`);
    if (rule.includes('*')) {
      const negated = rule.startsWith('!');
      const matches = new RegExp(`^${(negated ? rule.slice(1) : rule).split('*').map(escapeRegExp).join('[\\s\\S]*')}$`, 'i').test(host);
      return negated ? !matches : matches;
    }
    return host === rule || `.${host}`.endsWith(rule.startsWith('.') ? rule : `.${rule}`);
  });
}

/**
 * A stand-in for egg-security's `ctx.isSafeDomain(domain, customWhiteList)` where the facts have not the app's own (the
 * audit, which loads no extension): a non-empty customWhiteList decides, else `security.domainWhiteList`, lowercased as
 * egg-security does when it loads.
 */
export function standInSafeDomainCheck(domainWhiteList: unknown): SafeDomainCheck {
  const loaded = Array.isArray(domainWhiteList) ? domainWhiteList.map(entry => (typeof entry === 'string' ? entry.toLowerCase() : entry)) : domainWhiteList;
  return (domain, customWhiteList) => {
    const given = customWhiteList ? (customWhiteList as { length?: unknown }).length : undefined;
    return matchesWhiteList(domain, typeof given === 'number' && given > 0 ? customWhiteList : loaded);
  };
}

/** Second-level labels under which a country's registry sells names to anyone (`com.cn`, `co.uk`, `ac.jp`). */
const REGISTRY_SECOND_LEVELS = new Set([ 'ac', 'biz', 'co', 'com', 'edu', 'gob', 'go', 'gov', 'info', 'ltd', 'mil', 'ne', 'net', 'nom', 'or', 'org', 'plc', 'sch' ]);

/** Hosting domains that give every customer a subdomain: admitting the domain admits every customer's site. */
const SHARED_HOSTING_DOMAINS = new Set([
  'amazonaws.com', 's3.amazonaws.com', 'appspot.com', 'azurestaticapps.net', 'azurewebsites.net', 'bitbucket.io', 'blogspot.com',
  'cloudfront.net', 'cloudfunctions.net', 'codeberg.page', 'deno.dev', 'firebaseapp.com', 'fly.dev', 'github.io', 'gitlab.io',
  'glitch.me', 'herokuapp.com', 'netlify.app', 'ngrok-free.app', 'ngrok.io', 'now.sh', 'onrender.com', 'pages.dev', 'railway.app',
  'repl.co', 'replit.app', 'run.app', 'surge.sh', 'trycloudflare.com', 'vercel.app', 'web.app', 'workers.dev',
  // Dynamic DNS and wildcard DNS services: anyone gets a name under them.
  'ddns.net', 'duckdns.org', 'dyndns.org', 'eu.org', 'hopto.org', 'nip.io', 'no-ip.org', 'sslip.io', 'zapto.org',
]);

/**
 * Whether a domain is one under which anyone can register a name: a top-level domain (`de`, `dev`), a registry's
 * second level under a country code (`com.cn`, `co.uk`), or a shared hosting domain (`herokuapp.com`).
 */
/** Names no registry sells (RFC 6761, ICANN's `.internal`, `home.arpa`): a whitelist entry for them admits only local hosts. */
const RESERVED_NAMES = new Set([ 'localhost', 'local', 'test', 'invalid', 'example', 'internal', 'home.arpa' ]);

function isPublicSuffix(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.some(label => !/^[a-z0-9-]+$/.test(label)) || RESERVED_NAMES.has(domain)) return false;
  if (labels.length === 1) return true;
  return (labels.length === 2 && REGISTRY_SECOND_LEVELS.has(labels[0]) && labels[1].length === 2) || SHARED_HOSTING_DOMAINS.has(domain);
}

/**
 * A domainWhiteList entry that lets hosts anyone can register through (`*`, `.com`, `*.com`, `*m`, `.de`, `*.dev`,
 * `.com.cn`, `.herokuapp.com`): it admits one of FOREIGN_HOSTS, or a new name under the public suffix it names.
 */
function allowsForeignHosts(entry: unknown): boolean {
  if (typeof entry !== 'string') return false;
  const domain = entry.trim().toLowerCase().replace(/^(?:\*\.)*\*?\.?/, '').replace(/\.$/, '');
  const named = domain && isPublicSuffix(domain) ? [ `sentinel-probe-attacker.${domain}` ] : [];
  // Each also one level deeper (`*.*.com`) and with the root's trailing dot (`.de.`), as a URL's host may be written.
  const hosts = [ ...FOREIGN_HOSTS, ...named ].flatMap(host => [ host, `www.${host}`, `${host}.` ]);
  return hosts.some(host => admits(entry, host)) || wildcardForeignHosts(entry).some(host => admits(entry, host));
}

const PROBE_LABEL = 'sentinel-probe-attacker';

/**
 * Hosts a `*` in a whitelist entry stands for that belong to whoever registers them: the `*` filled with a domain of
 * the attacker's or glued to the entry's own name (`*example.com` admits `<x>example.com`, `example.*` and `example.com*`
 * admit `example.com.<attacker>.net`); `*.example.com` admits only example.com's own subdomains.
 */
function wildcardForeignHosts(entry: string): string[] {
  if (!entry.includes('*') || entry.startsWith('!')) return [];
  return [ `${PROBE_LABEL}.net`, `x.${PROBE_LABEL}.net`, PROBE_LABEL ]
    .map(filling => entry.toLowerCase().replace(/\*/g, filling))
    .filter(host => /^[a-z0-9.-]+$/.test(host) && (host.endsWith(`${PROBE_LABEL}.net`) || host.split('.').slice(-2).join('.').includes(PROBE_LABEL)));
}

/**
 * With `csrf.type` `referer` (or `any`, where either check passing is enough), egg-security accepts a cross-site
 * request whose Referer or Origin host its `refererWhiteList` admits, matched as domainWhiteList is: an entry anyone
 * can register under (`.com`, `*`) lets every attacker's site through.
 */
function refererCheckOpen(facts: Facts, options: AnyRecord | undefined): RuleHit[] {
  const list = options?.refererWhiteList;
  if ((options?.type !== 'referer' && options?.type !== 'any') || !Array.isArray(list)) return [];
  const open = list.filter(allowsForeignHosts);
  if (!open.length) return [];
  return [{
    severity: 'high',
    target: 'config.security.csrf.refererWhiteList',
    source: facts.provenance('security.csrf.refererWhiteList'),
    message: `CSRF protection lets any site through: security.csrf.type is '${String(options?.type)}' and its refererWhiteList has ` +
      `${open.map(entry => `'${String(entry)}'`).join(', ')}, which admits hosts anyone can register (a whole top-level domain or public suffix), ` +
      `so a form on such a site passes the referer check${setIn(facts, 'security.csrf.refererWhiteList')}`,
    fix: "List only the app's own sites: `security: { csrf: { refererWhiteList: [ '.example.com' ] } }`, or keep the default `type: 'ctoken'`.",
  }];
}

export const openRedirect: Rule = {
  id: 'SEN605',
  area: 'builtins',
  title: 'Open redirect: no domain whitelist',
  severity: 'low',
  description: 'egg-security replaces ctx.redirect() with a check against `security.domainWhiteList`, but with the default ' +
    'empty list (or an entry that admits hosts anyone can register: `*`, `*.com`, `.com`, `*m`, any top-level domain such as `.de` or ' +
    '`*.dev`, a registry\'s second level such as `.co.uk` or `.com.cn`, a shared hosting domain such as `*.github.io` or ' +
    '`.herokuapp.com`, a `*` elsewhere than before a leading dot (`*example.com`, `example.*`) or a negated `!` pattern, judged as egg-security ' +
    'matches them) it redirects to any http(s) host, or any anyone can register, so `ctx.redirect(ctx.query.next)` ' +
    'sends users to a phishing site. ' +
    'Outside local/unittest. (ctx.unsafeRedirect() never checks.)',
  fix: "List the hosts the app redirects to: `security: { domainWhiteList: [ '.example.com' ] }`.",
  check: securityCheck(facts => {
    const list = securityConfig(facts).domainWhiteList;
    const openEntries = Array.isArray(list) ? list.filter(allowsForeignHosts) : [];
    if (Array.isArray(list) && list.length && !openEntries.length) return [];
    return [{
      severity: 'low',
      target: 'config.security.domainWhiteList',
      source: facts.provenance('security.domainWhiteList'),
      message: openEntries.length ?
        `config.security.domainWhiteList has ${openEntries.map(entry => `'${String(entry)}'`).join(', ')}, which egg-security lets hosts anyone can register through ` +
          '(a whole top-level domain or public suffix): ctx.redirect() sends users to them' :
        'config.security.domainWhiteList is empty: ctx.redirect() sends users to any http(s) host',
    }];
  }),
};

export const developmentSettingsInProduction: Rule = {
  id: 'SEN606',
  area: 'builtins',
  title: 'Development settings in production',
  severity: 'high',
  description: 'Signs that a production process runs with development settings: the `development` plugin (file watcher, ' +
    'worker reloads) enabled outside local/unittest or under NODE_ENV=production; egg-mock loaded under ' +
    'NODE_ENV=production; a `local` or `unittest` server env under NODE_ENV=production (egg loads that env\'s config, ' +
    'and egg-onerror shows stack traces; egg-sentinel judges such a process as production, with production\'s ' +
    'threshold, and refuses EGG_APP_CONFIG and EGG_PLUGINS settings for itself there; critical); or `config.env` set to local/unittest outside them, which makes egg-onerror send stack traces to ' +
    'every client. High otherwise.',
  fix: 'Start production with EGG_SERVER_ENV=prod (egg-scripts sets NODE_ENV=production), keep egg-mock and egg-bin in ' +
    'devDependencies, leave `development` to egg\'s default (local only), and never set `config.env` in a config file.',
  check(facts, { developmentEnv }) {
    const hits: RuleHit[] = [];
    const production = facts.builtins.nodeEnv === 'production';
    const enabled = (name: string) => facts.plugins.find(plugin => plugin.name === name && plugin.enable);
    const development = enabled('development');
    if (development && (production || !developmentEnv)) {
      hits.push({ severity: 'high', target: 'plugin:development', source: development.from,
        message: `the development plugin (file watcher, worker reloads) is enabled${production ? ' under NODE_ENV=production' : ` in env "${facts.env.serverEnv}"`}` });
    }
    const mock = enabled('egg-mock');
    if (mock && production) {
      hits.push({ severity: 'high', target: 'plugin:egg-mock', source: mock.from, message: 'egg-mock (test tooling that mocks context, services and HTTP) is loaded under NODE_ENV=production' });
    }
    if (production && DEVELOPMENT_ENVS.includes(facts.env.serverEnv)) {
      const from = facts.env.sources.find(source => source.kind === 'env' && source.value === facts.env.serverEnv)?.source;
      hits.push({ severity: 'critical', target: 'serverEnv', source: from,
        message: `the server env is "${facts.env.serverEnv}"${from ? ` (from ${from})` : ''} while NODE_ENV=production: egg loads its ${facts.env.serverEnv} config, ` +
          'and egg-onerror shows stack traces (egg-sentinel judges the process as production)' });
    }
    const shownEnv = facts.config.env;
    // egg sets config.env to the server env: in a local/unittest env it is the serverEnv finding above, not this one.
    if (!DEVELOPMENT_ENVS.includes(facts.env.serverEnv) && enabled('onerror') && typeof shownEnv === 'string' && DEVELOPMENT_ENVS.includes(shownEnv)) {
      hits.push({ severity: 'high', target: 'config.env', source: facts.provenance('env'),
        message: `config.env is "${shownEnv}"${setIn(facts, 'env')} in env "${facts.env.serverEnv}": egg-onerror sends error stacks${shownEnv === 'local' ? ' and source code' : ''} to clients` });
    }
    return hits;
  },
};

export const unsupportedNode: Rule = {
  id: 'SEN607',
  area: 'builtins',
  title: 'Unsupported Node.js',
  severity: 'medium',
  description: 'The running Node.js is end-of-life (its line gets no security fixes) or older than the latest security ' +
    'release of its line known to the advisory database (lib/data/advisories.json, `node`). Outside local/unittest. A ' +
    'line newer than the database knows is not judged.',
  fix: 'Upgrade Node.js to the latest release of a supported line (the finding lists them).',
  liveOnly: 'reads the version of the running Node.js, which in an audit is the auditing machine\'s',
  check(facts, { developmentEnv }) {
    if (developmentEnv) return [];
    const { version, today } = facts.builtins.node;
    const { lines, checked } = facts.builtins.advisories.node;
    const major = semverMajor(version);
    const line = lines.find(entry => entry.major === major);
    const problems: string[] = [];
    if (!line) {
      const oldest = Math.min(...lines.map(entry => entry.major));
      if (!(major < oldest)) return [];
      problems.push(`the ${major}.x line is older than every line the database knows: end-of-life`);
    } else {
      if (line.end < today) problems.push(`the ${major}.x line reached end-of-life on ${line.end} and gets no security fixes`);
      if (line.latestSecurityRelease && lt(version, line.latestSecurityRelease)) {
        problems.push(`it is older than ${line.latestSecurityRelease}, the latest security release of the ${major}.x line known on ${checked}`);
      }
    }
    if (!problems.length) return [];
    const supported = lines.filter(entry => entry.end >= today)
      .map(entry => `${entry.major}.x${entry.latestSecurityRelease ? ` (${entry.latestSecurityRelease} or later)` : ''}`);
    return [{
      severity: 'medium',
      target: `node@${major}`,
      source: 'process.version',
      message: `Node.js ${version}: ${problems.join('; ')}`,
      fix: `Upgrade Node.js to a supported line: ${supported.join(', ') || 'see https://nodejs.org/en/about/previous-releases'}.`,
    }];
  },
};

export const sessionCookieWeakened: Rule = {
  id: 'SEN608',
  area: 'builtins',
  title: 'Session cookie weakened',
  severity: 'medium',
  description: 'egg-session keeps the session in a cookie (`EGG_SESS`) that is httpOnly and encrypted with ' +
    '`config.keys` by default. Outside local/unittest, while the session plugin is enabled, this rule reports those ' +
    'defaults weakened in `config.session`: `signed: false` with `encrypt: false` (high: with egg\'s cookie store the ' +
    'client writes whatever session it likes, `{"user":"admin"}` in base64); the session\'s data kept in the cookie encrypted, as by ' +
    'default (medium: egg-cookies signs no encrypted cookie, whatever `signed` says, and encrypts with AES-256-CBC under an IV derived ' +
    'from the key and no MAC, so a client who writes text of its own into the session flips chosen bits of the field after it); ' +
    '`httpOnly: false` (medium: any script in ' +
    'the page, an injected one too, reads the session cookie); `secure: false` while `config.sentinel.https` says the ' +
    'app is served over HTTPS (medium: the cookie is also sent over plain HTTP), in `config.session` or in `config.cookies` when the session ' +
    'sets no `secure` of its own (egg-cookies merges the session\'s options over it), and, with `secure` set in neither, no `proxy: true` ' +
    '(medium: egg-cookies then marks the cookie Secure only on requests egg sees as HTTPS, and behind a TLS-terminating proxy egg sees ' +
    'none without it; not reported with `protocol: \'https\'` or when egg-cluster serves TLS itself, a key and cert in `config.cluster.https` ' +
    'or the start options); `encrypt: false` alone (low: the ' +
    'session\'s data travels readable in the cookie; not reported when the session is kept in an external store, ' +
    '`app.sessionStore` as egg-session-redis sets it or koa-session\'s `store`, whose cookie carries only the session\'s id, ' +
    'which `signed: false` with `encrypt: false` then lets a client choose: high); `sameSite: \'none\'` in `config.session`, or in `config.cookies` (egg-cookies\' defaults for every cookie) ' +
    'when the session sets none of its own (low: browsers send it with cross-site requests).',
  fix: 'Each finding names what to change. Keep sessions in an external store (egg-session-redis: the cookie then carries only a ' +
    'random id), or set `session: { encrypt: false }` without `signed: false` so egg-cookies signs the cookie (its data is then ' +
    "readable: keep no secret in it); remove `httpOnly: false` from `config.session` and `secure: false` from it and `config.cookies`, and behind a " +
    "TLS-terminating proxy set `proxy: true`; give the session `sameSite: 'lax'` instead of 'none'.",
  check(facts, { developmentEnv }) {
    if (developmentEnv || !pluginEnabled(facts, 'session')) return [];
    const session = facts.config.session as Record<string, unknown> | undefined;
    if (!session || typeof session !== 'object') return [];
    const name = typeof session.key === 'string' ? session.key : 'EGG_SESS';
    // Each hit's fix names only what this config has to change: a setting that is already right is never in it.
    const hit = (severity: RuleHit['severity'], key: string, message: string, fix: string): RuleHit =>
      ({ severity, target: `config.session.${key}`, source: facts.provenance(`session.${key}`), message: `the session cookie ${name} ${message}${setIn(facts, `session.${key}`)}`, fix });
    const hits: RuleHit[] = [];
    // egg-cookies tests each option for truth: `encrypt: 0`, `''` or `null` switch it off as `false` does.
    const off = (key: string) => key in session && !session[key];
    const shown = (key: string) => `${key}: ${JSON.stringify(session[key]) ?? String(session[key])}`;
    const remove = (key: string) => `Remove \`${shown(key)}\` from \`config.session\``;
    const externalStore = 'Keep sessions in an external store (egg-session-redis: the cookie then carries only a random id)';
    // With an external store the cookie is the session's id, not its data.
    const store = facts.builtins.sessionStore;
    if (off('signed') && off('encrypt')) {
      hits.push(hit('high', 'signed', `is neither signed nor encrypted (${shown('signed')}, ${shown('encrypt')}): ` +
        `${store ? 'a client sends whatever session id it wants in it, and the app takes it' : 'a client writes whatever session it wants into it'}`,
      `${remove('signed')} so egg-cookies signs the cookie${store ? '' : ' (its data stays readable: keep no secret in it, or keep sessions in an external store)'}.`));
    } else if (off('encrypt') && !store) {
      // The setting the medium finding below advises over egg's default: said, so the advice does not read as a loop (black-box round 41, h2 F3).
      hits.push(hit('low', 'encrypt', `is signed, not encrypted (${shown('encrypt')}, which this rule advises over egg's unsigned encryption): ` +
        'whoever holds it reads the session\'s data, so it must hold no secret',
        `${externalStore}, or keep no secret in the session: the signature stops changes, not reading.`));
    } else if (!off('encrypt') && !store) {
      // egg-cookies signs no encrypted cookie, and its AES-256-CBC (IV derived from the key) has no MAC.
      hits.push(hit('medium', 'encrypt', 'holds the session\'s data encrypted but not signed (egg-cookies signs no encrypted cookie, and its ' +
        'AES-256-CBC has no MAC): a client who puts text of its own into the session (a name, an e-mail) flips chosen bits of what follows ' +
        'it, such as `"uid":1001` into `"uid":1`',
      `${externalStore}, or set \`session: { encrypt: false }\`${off('signed') ? ` and remove \`${shown('signed')}\`` : ''} so egg-cookies ` +
        'signs the cookie (its data is then readable: keep no secret in it).'));
    }
    if (off('httpOnly')) {
      hits.push(hit('medium', 'httpOnly', `is readable by scripts in the page (${shown('httpOnly')}): an injected script takes the session`,
        `${remove('httpOnly')}: egg-session's default, \`httpOnly: true\`, keeps it from scripts.`));
    }
    // egg-cookies applies config.cookies to every cookie, the session's too, unless the session sets its own.
    const cookies = facts.config.cookies as Record<string, unknown> | undefined;
    if ((facts.config.sentinel as { https?: boolean } | undefined)?.https === true) hits.push(...sessionCookieOverHttp(facts, session, cookies ?? {}, name));
    const sameSite = session.sameSite !== undefined ? session.sameSite : cookies?.sameSite;
    if (typeof sameSite === 'string' && sameSite.toLowerCase() === 'none') {
      const key = session.sameSite !== undefined ? 'session.sameSite' : 'cookies.sameSite';
      hits.push({ severity: 'low', target: `config.${key}`, source: facts.provenance(key),
        message: `the session cookie ${name} is sent with cross-site requests (config.${key} is 'none')${setIn(facts, key)}`,
        fix: `Set \`session: { sameSite: 'lax' }\`${key === 'cookies.sameSite' ? ', which overrides `config.cookies.sameSite` for the session cookie' : ''} ('strict' when no link from another site needs the session).` });
    }
    return hits;
  },
};

/**
 * With `sentinel.https`, the session cookie sent without Secure. egg-cookies merges config.session over config.cookies
 * (koa-session sets no `secure` of its own), so `secure: false` in either switches it off; left unset, egg-cookies
 * marks the cookie Secure only when ctx.secure, which without `proxy: true` egg takes from the socket and
 * `config.protocol` alone: behind a TLS-terminating proxy every request looks like plain HTTP (black-box round 43, h6 F1).
 */
function sessionCookieOverHttp(facts: Facts, session: AnyRecord, cookies: AnyRecord, name: string): RuleHit[] {
  const key = session.secure !== undefined ? 'session.secure' : 'cookies.secure';
  const secure = session.secure !== undefined ? session.secure : cookies.secure;
  const served = 'though the app is served over HTTPS (sentinel.https)';
  const behindProxy = 'behind a TLS-terminating proxy also set `proxy: true`, so that egg sees its requests as HTTPS';
  if (secure !== undefined) {
    // egg-cookies sends Secure for a truthy value: `0`, `''` and `null` leave it off as `false` does.
    if (secure) return [];
    const shown = `secure: ${JSON.stringify(secure) ?? String(secure)}`;
    // Removed from config.session, a `secure: false` of config.cookies would take its place.
    const fix = key === 'session.secure' ? (cookies.secure !== undefined && !cookies.secure ?
      `Set \`secure: true\` in \`config.session\` in place of \`${shown}\` (without it, config.cookies.secure, off too, applies); ${behindProxy}.` :
      `Remove \`${shown}\` from \`config.session\` (egg-cookies then marks it Secure on HTTPS requests; ${behindProxy}), or set \`secure: true\`.`) :
      `Remove \`${shown}\` from \`config.cookies\` (egg-cookies' defaults for every cookie), or give the session its own \`session: { secure: true }\`; ${behindProxy} ` +
        '(egg-cookies refuses to set a Secure cookie on a request it takes for plain HTTP).';
    const from = key === 'session.secure' ? shown : `config.cookies.${shown}, egg-cookies' default for every cookie, which config.session sets no secure over`;
    return [{ severity: 'medium', target: `config.${key}`, source: facts.provenance(key),
      message: `the session cookie ${name} is also sent over plain HTTP (${from}), ${served}${setIn(facts, key)}`, fix }];
  }
  // egg-cluster serves TLS itself with a key and cert in config.cluster.https or the start options (egg-scripts --https.key).
  const tls = servesTls(tlsParts((facts.config.cluster as AnyRecord | undefined)?.https), facts.builtins.startOptionsHttps);
  if (facts.config.proxy || facts.config.protocol === 'https' || tls) return [];
  return [{ severity: 'medium', target: 'config.proxy', source: facts.provenance('proxy'),
    message: `the session cookie ${name} is sent without Secure, ${served}: config.proxy is not true and the app serves no TLS itself (no key and cert in ` +
      'config.cluster.https or the start options), so egg takes every request for plain HTTP (ctx.secure is false, X-Forwarded-Proto is not read) ' +
      'and egg-cookies, which marks a cookie Secure only when ctx.secure, leaves it off',
    fix: 'Behind a TLS-terminating proxy set `proxy: true` (egg then reads X-Forwarded-Proto from it), or `protocol: \'https\'` when every request ' +
      'reaches the app over HTTPS; or set `session: { secure: true }` with either. If the app serves TLS itself another way, waive this finding.' }];
}

export const corsCredentialsAnyOrigin: Rule = {
  id: 'SEN609',
  area: 'builtins',
  title: 'CORS lets any site read credentialed responses',
  severity: 'high',
  description: 'egg-cors (@koa/cors) with `credentials: true` answers a cross-site request with the requesting origin and ' +
    '`Access-Control-Allow-Credentials: true` when `origin` is `\'*\'` (koa-cors turns `*` into the request\'s origin), so a page on ' +
    'any site reads the logged-in user\'s responses, the CSRF token included; so does an `origin` function that answers a foreign ' +
    'origin (asked as koa-cors asks it, with a stand-in ctx whose Origin is `https://evil.example`, `null`, or a loose variant of ' +
    'a host its source names: `https://evilexample.com`, `https://example.com.evil.example`, the first left out where it lies under a ' +
    'domain the app\'s `security.domainWhiteList` accepts every host of (`.example.com`; not a suffix the function names itself, which ' +
    'would vouch for its own test); and whose `isSafeDomain` is egg-security\'s own, ' +
    'judging by `security.domainWhiteList` or the list it is given, while egg-security is on: the running app\'s at boot, and in the audit, ' +
    'which loads no extension, one matching the whitelist as egg-security does; one that throws or is asynchronous ' +
    'is medium, as it cannot be judged), and `origin: \'null\'` (any site\'s sandboxed frame sends that Origin). `credentials` counts when ' +
    'koa-cors would send it: any truthy value (`\'true\'` too), or a function that answers true, throws or answers later. egg-cors\' own default origin check ' +
    '(egg-security\'s `domainWhiteList`) does the same when the whitelist admits hosts anyone can register (`.com`, `*`, judged as for SEN605), ' +
    'and for every origin when egg-security is off (ctx then has no `isSafeDomain`, and egg-cors lets any origin through). ' +
    'Outside local/unittest.',
  fix: "Name the sites that may read the app's responses: `cors: { origin: ctx => (ALLOWED.includes(ctx.get('origin')) ? ctx.get('origin') : '') }`, " +
    "or leave `origin` unset and list them in `security: { domainWhiteList: [ '.example.com' ] }`; drop `credentials` if no site needs cookies.",
  check(facts, { developmentEnv }) {
    if (developmentEnv || !pluginEnabled(facts, 'cors')) return [];
    const cors = (facts.config.cors ?? {}) as AnyRecord;
    // Every ctx the app's functions see has egg-security's isSafeDomain while it is enabled: the running app's, or where
    // the facts have none (the audit loads no extension) one matching its domainWhiteList as it does. Off, ctx has none.
    const securityOn = pluginEnabled(facts, 'security');
    const list = securityConfig(facts).domainWhiteList;
    const isSafeDomain = securityOn ? facts.builtins.isSafeDomain ?? standInSafeDomainCheck(list) : undefined;
    // Asked for `/` and each route's path: an answer may depend on the path (`/api/` for partners; black-box round 40, h6 F5).
    const paths = [ ...new Set([ '/', ...facts.routes.flatMap(route => route.probes.slice(0, 1)) ]) ].slice(0, MAX_CORS_PATHS);
    // The app's config through ctx.app, as an origin function reads its allow list (black-box round 44, r44h2 F5).
    const app = { config: facts.config };
    const probes = (origin: string) => paths.map(requestPath => probeContext(origin, isSafeDomain, requestPath, app));
    if (!credentialsSent(cors.credentials, probes)) return [];
    const source = facts.provenance('cors.credentials');
    // Sandboxed frames and local files send `Origin: null`: any site can make a page that does.
    if (cors.origin === 'null') {
      return [{ severity: 'high', target: 'config.cors.origin', source: facts.provenance('cors.origin') ?? source,
        message: `egg-cors gives credentialed access to any site's sandboxed frame: config.cors has origin 'null' with credentials${setIn(facts, 'cors.credentials')}, ` +
          'and any page can put its script in a sandboxed iframe, whose requests say Origin: null' }];
    }
    if (cors.origin === '*') {
      return [{ severity: 'high', target: 'config.cors.origin', source: facts.provenance('cors.origin') ?? source,
        message: `egg-cors reflects any site's origin with credentials: config.cors has origin '*' and credentials: true${setIn(facts, 'cors.credentials')}, ` +
          'which koa-cors answers with the request\'s own Origin and Access-Control-Allow-Credentials: true' }];
    }
    // egg-cors's own origin check (no origin configured) admits what egg-security's domainWhiteList admits.
    const ownCheck = cors.hasCustomOriginHandler === false;
    const open = ownCheck && securityOn && Array.isArray(list) ? list.filter(allowsForeignHosts) : [];
    if (open.length) {
      return [{ severity: 'high', target: 'config.security.domainWhiteList', source,
        message: `egg-cors gives credentialed access to any site under ${open.map(entry => `'${String(entry)}'`).join(', ')}: config.cors has credentials: true and no origin of its own, ` +
          'so egg-security\'s domainWhiteList decides, and it admits hosts anyone can register' }];
    }
    // egg-cors installs its own check as config.cors.origin; without egg-security it lets every origin through.
    if (typeof cors.origin === 'function') {
      const name = !ownCheck ? 'config.cors.origin, a function,' : securityOn ?
        'egg-cors\' own origin check (config.cors sets no origin), asking egg-security\'s ctx.isSafeDomain, which judges by security.domainWhiteList,' :
        'egg-cors\' own origin check (config.cors sets no origin), which lets every origin through when ctx has no isSafeDomain (egg-security off),';
      const file = facts.provenance('cors.origin') ?? source;
      return corsOriginFunctionHits(cors.origin as (ctx: unknown) => unknown, probes, list, name, file, ownCheck ? undefined : file && facts.files.configTexts[file]);
    }
    return [];
  },
};

/**
 * Whether koa-cors sends Access-Control-Allow-Credentials: it takes any truthy value (`'true'` too), and a function's
 * answer for the request: asked with a stand-in ctx; one that throws or answers later may say yes.
 */
function credentialsSent(credentials: unknown, probes: (origin: string) => unknown[]): boolean {
  if (typeof credentials !== 'function') return Boolean(credentials);
  return probes(FOREIGN_ORIGIN).some(ctx => {
    try {
      const answer = (credentials as (ctx: unknown) => unknown)(ctx);
      if (answer instanceof Promise) answer.catch(() => undefined);
      return answer === true || answer instanceof Promise;
    } catch {
      return true;
    }
  });
}

/** The request paths a cors function is asked about: `/` and the routes' first ones. */
const MAX_CORS_PATHS = 64;

/**
 * A stand-in koa ctx for a cross-site GET from `origin`, as koa-cors's options see it, with egg-security's isSafeDomain
 * when it is on, and `app` (the app's config) when given.
 */
function probeContext(origin: string, isSafeDomain: SafeDomainCheck | undefined, requestPath = '/', app?: { config: unknown }): unknown {
  const headers: Record<string, string> = { origin, host: 'app.invalid' };
  const get = (name: string) => headers[String(name).toLowerCase()] ?? '';
  return { get, headers, header: headers, request: { headers, header: headers, get, method: 'GET', path: requestPath, url: requestPath }, method: 'GET', path: requestPath,
    url: requestPath, state: {}, ...(isSafeDomain && { isSafeDomain }), ...(app && { app }) };
}

/** A site no app names. */
const FOREIGN_ORIGIN = 'https://evil.example';

/** The top-level domain a host name ends with: a country's two letters, an internationalized one, a common generic or a reserved one. */
const HOST_NAME_END = /\.(?:[a-z]{2}|xn--[a-z0-9-]+|com|net|org|edu|gov|mil|int|info|biz|app|dev|cloud|site|online|tech|shop|store|xyz|top|example|test|local|localhost|internal)$/;

/**
 * Origins a loose check of the hosts the function's source names lets through (`origin.endsWith('example.com')`
 * admits `https://evilexample.com`, `/example\.com/.test(origin)` admits `https://example.com.evil.example`), a plain
 * foreign site, and the `null` origin of sandboxed frames and local files. `evil<host>` is left out where it lies under
 * a domain the app's domainWhiteList accepts every host of (`ownDomains`): `evilwww.example.com` beside `.example.com`
 * is one of the app's own sites (black-box round 43, h4 F1).
 */
function foreignOrigins(source: string, ownDomains: readonly string[], moduleText = ''): string[] {
  // The function's own hosts first, then its module's: an allow list it searches (`allowed.some(a => o.startsWith(a))`
  // over a list the config file declares; black-box round 44, r44h2 F2).
  const hosts = [ ...new Set([ ...sourceHosts(source), ...sourceHosts(moduleText) ]) ].slice(0, MAX_PROBED_HOSTS);
  // `/^https?:\/\/localhost(:\d+)?/` without its end anchor admits a host that starts so.
  const localhost = /\blocalhost\b/.test(source) ? [ 'http://localhost.evil.example' ] : [];
  return [ FOREIGN_ORIGIN, 'null', ...localhost, ...hosts.flatMap(host => [
    ...matchesWhiteList(`evil${host}`, ownDomains) ? [] : [ `https://evil${host}` ], `https://${host}.evil.example` ]) ];
}

/** How many host names an origin function and its module are probed with. */
const MAX_PROBED_HOSTS = 10;

/**
 * The domains the app accepts every host under: its `security.domainWhiteList` (which SEN605 judges on its own), less
 * entries that admit hosts anyone can register (`.com`, `.github.io`). Not a suffix the origin function's own source
 * names: the function under test would vouch for itself, and `.webflow.io` there admits other people's sites (review
 * of round 43).
 */
function ownDomains(domainWhiteList: unknown): string[] {
  const listed = Array.isArray(domainWhiteList) ? domainWhiteList.filter((entry): entry is string => typeof entry === 'string') : [];
  return listed.filter(entry => !allowsForeignHosts(entry)).map(entry => entry.toLowerCase());
}

/**
 * The first ten host names a function's source names, as code writes them: lower case, whole words (not part of
 * `parsedUrl.hostname.endsWith`), ending in a top-level domain; `ctx.ip` and the like are properties.
 */
function sourceHosts(source: string): string[] {
  const hosts = new Set<string>();
  for (const [ host ] of source.matchAll(/(?<![\w$])[a-z0-9-]+(?:\\?\.[a-z0-9-]+)+(?![\w(])/g)) {
    const plain = host.replace(/\\\./g, '.');
    if (HOST_NAME_END.test(plain) && !/^(?:ctx|this|request|headers?|req)\./.test(plain)) hosts.add(plain.replace(/^(?:https?\.)?\.?/, ''));
  }
  return [ ...hosts ].slice(0, MAX_PROBED_HOSTS);
}

/** What koa-cors would send as Access-Control-Allow-Origin for `origin`, asking the app's function as it does; '*' becomes the request's origin under credentials. */
function corsOriginFunctionHits(originOf: (ctx: unknown) => unknown, probes: (origin: string) => unknown[], domainWhiteList: unknown, name: string,
  source: string | undefined, moduleText?: string): RuleHit[] {
  const reflected: string[] = [];
  let on: string | undefined;
  const code = String(originOf);
  for (const origin of foreignOrigins(code, ownDomains(domainWhiteList), moduleText)) for (const ctx of probes(origin)) {
    let answer: unknown;
    try {
      answer = originOf(ctx);
    } catch (error) {
      return [{ severity: 'medium', target: 'config.cors.origin', source,
        message: `config.cors.origin could not be judged: asked about the origin ${origin} with credentials: true, it threw ` +
          `(${(error instanceof Error ? error.message : String(error)).slice(0, 200)}); if it answers with a foreign origin, any site reads the logged-in user's responses`,
        fix: 'Compare the Origin header with a list of exact origins (`ALLOWED.includes(ctx.get(\'origin\'))`) and return \'\' for any other.' }];
    }
    if (answer instanceof Promise) {
      answer.catch(() => undefined);
      return [{ severity: 'medium', target: 'config.cors.origin', source,
        message: 'config.cors.origin is asynchronous, so egg-sentinel cannot ask it at boot which sites it admits with credentials: true; if it answers with a foreign origin, any site reads the logged-in user\'s responses',
        fix: 'Make the origin check a synchronous comparison with a list of exact origins, or waive this finding with the reason once you checked it.' }];
    }
    if (answer === origin || answer === '*') {
      if (!reflected.includes(origin)) reflected.push(origin);
      on ??= (ctx as { path: string }).path;
    }
  }
  if (!reflected.length) return [];
  return [{ severity: 'high', target: 'config.cors.origin', source,
    message: `egg-cors gives credentialed access to sites the app does not name: ${name} answers ${reflected.slice(0, 4).join(', ')} with ` +
      `that origin (or '*', which koa-cors turns into it) under credentials: true${on === '/' ? '' : ` (for ${on}, first)`}, so their pages read the logged-in user's responses` }];
}

export const outgoingTlsUnchecked: Rule = {
  id: 'SEN610',
  area: 'builtins',
  title: 'Certificate checks of outgoing requests switched off',
  severity: 'high',
  description: 'egg\'s httpclient (`ctx.curl`, `app.httpclient`, and the plugins that use it) checks the certificate of every HTTPS ' +
    'server it calls. `rejectUnauthorized: false` in `config.httpclient.request` (urllib\'s default arguments), ' +
    '`config.httpclient.httpsAgent` (its agent) or `config.httpclient.connect` (the undici options of the urllib 4 client egg 3 uses ' +
    'with `useHttpClientNext` or `allowH2`, and egg 4 always) switches that off for every request; so does a `checkServerIdentity` ' +
    'function there that accepts a certificate made out to another host (asked about one: a function that pins a certificate ' +
    'after node\'s own check is fine). Anyone on the path (a proxy, the network) can then read and change the traffic, credentials ' +
    'included. The config form of `NODE_TLS_REJECT_UNAUTHORIZED=0` (SEN306). Outside local/unittest.',
  fix: 'Remove `rejectUnauthorized: false` (and a `checkServerIdentity` that skips the host check) from `config.httpclient`; for a ' +
    'server with a private CA, give that request its `ca` (`ctx.curl(url, { ca: fs.readFileSync(\'ca.pem\') })`) instead, and keep ' +
    'node\'s `tls.checkServerIdentity()` first in a function that pins certificates.',
  check(facts, { developmentEnv }) {
    if (developmentEnv) return [];
    const httpclient = (facts.config.httpclient ?? {}) as AnyRecord;
    // egg 3 hands `connect` to urllib 4 only for HttpClientNext; egg 4's client is always that one.
    const nextClient = Boolean(httpclient.useHttpClientNext || httpclient.allowH2) || !facts.app.eggVersion || semverMajor(facts.app.eggVersion) >= 4;
    return [ 'request', 'httpsAgent', ...(nextClient ? [ 'connect' ] : []) ].flatMap((part): RuleHit[] => {
      const options = httpclient[part] as AnyRecord | undefined;
      const hit = (key: string, what: string): RuleHit => ({ severity: 'high', target: `config.${key}`, source: facts.provenance(key),
        message: `every HTTPS request the app sends through egg's httpclient (ctx.curl, app.httpclient) accepts ${what}${setIn(facts, key)}` });
      const accepted = acceptedForeignCertificate(options?.checkServerIdentity);
      return [
        ...(options?.rejectUnauthorized === false ? [ hit(`httpclient.${part}.rejectUnauthorized`, `any certificate: config.httpclient.${part}.rejectUnauthorized is false`) ] : []),
        ...(accepted ? [ hit(`httpclient.${part}.checkServerIdentity`, 'a certificate made out to another host: ' +
          `config.httpclient.${part}.checkServerIdentity returned no error for a certificate of ${accepted.certificate} asked about ${accepted.host}`) ] : []),
      ];
    });
  },
};

/** A certificate made out to `name`, as node's TLS hands it to checkServerIdentity. */
function certificateOf(name: string): object {
  return { subject: { CN: name }, subjectaltname: `DNS:${name}`, valid_from: '', valid_to: '', fingerprint256: '' };
}

/**
 * A host and a certificate of another host that a checkServerIdentity function lets through, if any: asked about
 * example.com, IPv4 and IPv6 addresses, and the hosts its source names (and a host under each), each with a certificate of evil.invalid and of names that hold the host
 * (`<host>.evil.invalid`, `evil<host>`), which a check by substring or suffix takes for it. node refuses the
 * connection on any truthy answer, and on a throw.
 */
function acceptedForeignCertificate(check: unknown): { host: string; certificate: string } | undefined {
  if (typeof check !== 'function') return undefined;
  // A host the source names, and one under it (`host.endsWith('.internal.example.com')` skips the check for those).
  // IP addresses too, v4 and v6: internal services called by address (`net.isIP(host) ? undefined : …`; black-box round 40, h6 F8).
  for (const host of [ 'example.com', '10.0.0.1', '127.0.0.1', '::1', ...sourceHosts(Function.prototype.toString.call(check)).flatMap(named => [ named, `api.${named}` ]) ]) {
    for (const certificate of [ 'evil.invalid', `${host}.evil.invalid`, `evil${host}` ]) {
      try {
        if (!check(host, certificateOf(certificate))) return { host, certificate };
      } catch {
        // refused
      }
    }
  }
  return undefined;
}

/** URL schemes that run script when a link or frame opens them; vbscript only in old Internet Explorer. */
const SCRIPT_SCHEMES: Readonly<Record<string, Severity>> = { javascript: 'high', vbscript: 'medium' };

/** Tags whose kept markup runs script (high), or styles, frames or embeds other content (medium). */
const ACTIVE_TAGS: Readonly<Record<string, Severity>> = {
  script: 'high', style: 'medium', iframe: 'medium', frame: 'medium', frameset: 'medium', object: 'medium', embed: 'medium',
  applet: 'medium', base: 'medium', meta: 'medium', link: 'medium', form: 'medium',
};

/** SVG animation elements, and their attributes that give the animated attribute its value. */
const SVG_ANIMATIONS: readonly string[] = [ 'set', 'animate' ];
const SVG_ANIMATION_VALUES: readonly string[] = [ 'to', 'values', 'from', 'by' ];

const HOSTILE_SCRIPT = '<script>alert(1)</script>';
const HOSTILE_HANDLER = '<img src="/a.png" onerror="alert(1)">';
const HOSTILE_URL = 'javascript:alert(1)';
const KEPT_SCRIPT = /<script/i;
const KEPT_HANDLER = /\bon[a-z]+\s*=/i;
const KEPT_URL = /javascript:/i;

/** js-xss's third argument to onTag and onIgnoreTag: an opening tag at the start of the input. */
function tagInfo(isWhite: boolean): object {
  return { isWhite, isClosing: false, position: 0, sourcePosition: 0 };
}

/**
 * The js-xss hooks egg-security's ctx.helper.shtml() hands `config.helper.shtml` to, each asked as js-xss asks it about
 * markup its default filter drops or escapes: a string answer is used as it is, so one that still holds the script,
 * the handler or the javascript: URL lets it into the page.
 */
const SHTML_HOOKS: ReadonlyArray<[ name: string, probe: (hook: (...args: unknown[]) => unknown, tags: readonly string[]) => unknown[], lets: string ]> = [
  [ 'onTag', (hook, tags) => [ hook('script', '<script>', tagInfo(false)), hook('img', HOSTILE_HANDLER, tagInfo(true)),
    ...tags.map(tag => hook(tag, `<${tag} onmouseover="alert(1)">`, tagInfo(true))) ], 'tags as written' ],
  [ 'onIgnoreTag', hook => [ hook('script', '<script>', tagInfo(false)) ], 'tags outside the whiteList (<script>)' ],
  [ 'onTagAttr', (hook, tags) => [ hook('img', 'onerror', 'alert(1)', false), hook('a', 'href', HOSTILE_URL, true), ...attributeProbes(hook, tags) ],
    'attributes as written (onerror=, javascript: URLs)' ],
  [ 'onIgnoreTagAttr', (hook, tags) => [ hook('img', 'onerror', 'alert(1)', false), ...attributeProbes(hook, tags) ], 'attributes outside the whiteList (onerror=)' ],
  [ 'escapeHtml', hook => [ hook(HOSTILE_SCRIPT) ], 'the markup it should escape (<script>)' ],
  [ 'safeAttrValue', hook => [ hook('a', 'href', HOSTILE_URL, { process: () => '' }), hook('img', 'src', HOSTILE_URL, { process: () => '' }) ], 'javascript: URLs in href and src' ],
];

/**
 * The tags an attribute or tag hook is asked about besides its fixed probes: common content tags and those its source
 * names (`if (tag === 'div' || tag === 'span')`), as a hook decides by tag (black-box round 40, h6 F6).
 */
function probedTags(hook: unknown): string[] {
  const named = [ ...String(hook).matchAll(/(["'`])([a-z][a-z0-9-]{0,15})\1/g) ].map(([ , , tag ]) => tag);
  return [ ...new Set([ 'div', 'span', 'p', 'iframe', ...named ]) ].slice(0, 32);
}

/** Each tag asked with an event handler, and an iframe-like tag with a document of script in `srcdoc`. */
function attributeProbes(hook: (...args: unknown[]) => unknown, tags: readonly string[]): unknown[] {
  return tags.flatMap(tag => [ hook(tag, 'onmouseover', 'alert(1)', false), hook(tag, 'srcdoc', HOSTILE_SCRIPT, false) ]);
}

function keepsMarkup(answer: unknown): boolean {
  return typeof answer === 'string' && (KEPT_SCRIPT.test(answer) || KEPT_HANDLER.test(answer) || KEPT_URL.test(answer));
}

/** What a `helper.shtml.whiteList` (js-xss's, or its `allowList` alias) keeps that runs script or brings in other content. */
function whiteListHoles(list: AnyRecord): Array<{ severity: Severity; what: string; tag: string }> {
  return Object.entries(list).flatMap(([ tag, attributes ]) => {
    const names = Array.isArray(attributes) ? attributes.map(name => String(name).toLowerCase()) : [];
    const holes: Array<{ severity: Severity; what: string; tag: string }> = [];
    const tagSeverity = ACTIVE_TAGS[tag.toLowerCase()];
    if (tagSeverity) holes.push({ severity: tagSeverity, what: `<${tag}>${tagSeverity === 'high' ? ' with its code' : ''}`, tag });
    const handlers = names.filter(name => /^on/.test(name));
    if (handlers.length) holes.push({ severity: 'high', what: `event handlers on <${tag}> (${handlers.join(', ')})`, tag });
    // js-xss escapes < and > in a kept value, but the browser decodes srcdoc's entities back into a document.
    if (names.includes('srcdoc')) holes.push({ severity: 'high', what: `<${tag} srcdoc> (a whole HTML document, scripts included)`, tag });
    // js-xss and egg-security's domain filter judge the URLs of href, src and form actions only: SVG's xlink:href keeps a
    // javascript: URL, and an SVG animation sets another attribute (href) to the value it is given.
    if (names.includes('xlink:href')) holes.push({ severity: 'high', what: `javascript: URLs in <${tag} xlink:href> (js-xss checks the URLs of href and src only)`, tag });
    const animated = names.filter(name => SVG_ANIMATION_VALUES.includes(name));
    if (SVG_ANIMATIONS.includes(tag.toLowerCase()) && names.includes('attributename') && animated.length) {
      holes.push({ severity: 'high', what: `<${tag}> with attributeName and ${animated.join(', ')} (it sets href to a javascript: URL)`, tag });
    }
    return holes;
  });
}

const highest = (severities: readonly Severity[]): Severity => [ ...severities ].sort(compareSeverity)[0];

export const xssDefencesWeakened: Rule = {
  id: 'SEN611',
  area: 'builtins',
  title: 'XSS defences weakened',
  severity: 'high',
  description: 'egg-security\'s ctx.helper.surl() and shtml() and egg-view-nunjucks\' autoescape keep user input from running ' +
    'as script in the page. This rule reports config that switches them off: a `security.protocolWhiteList` entry ' +
    '`javascript` (surl() then passes `javascript://%0aalert(1)`, which runs when clicked; `vbscript`, which only old ' +
    'Internet Explorer runs, medium; egg-security already admits http, https, file and data itself); a ' +
    '`helper.shtml.whiteList` (or `allowList`) that keeps `<script>`, an `on*` event handler attribute, `srcdoc`, SVG\'s `xlink:href` ' +
    '(js-xss checks the URLs of `href` and `src` only, so `javascript:` passes) or an SVG `<set>`/`<animate>` with `attributeName` and ' +
    '`to`/`values`/`from`/`by` (it sets `href` to a `javascript:` URL) (high), ' +
    'or `<style>`, `<iframe>`, `<object>`, `<embed>`, `<base>`, `<form>` and other tags that style, frame or embed other content (medium); ' +
    'a `helper.shtml` hook (`onTag`, `onIgnoreTag`, `onTagAttr`, `onIgnoreTagAttr`, `escapeHtml`, `safeAttrValue`) that, asked ' +
    'about `<script>`, an `onerror` attribute or a `javascript:` URL as js-xss asks it, answers with them (high; one that throws ' +
    'on the question, medium); and `nunjucks.autoescape: false` while egg-view-nunjucks is enabled, which outputs every ' +
    '`{{ value }}` unescaped (high). High outside local/unittest, low on a developer machine.',
  fix: 'Remove the override: leave `security.protocolWhiteList` to safe schemes, keep `helper.shtml.whiteList` to formatting tags ' +
    'and attributes (js-xss\'s default), let hooks return undefined for what they do not handle, and leave `nunjucks.autoescape` on ' +
    '(mark the few trusted strings with `| safe`).',
  check(facts, { developmentEnv }) {
    const rated = (severity: Severity): Severity => (developmentEnv ? 'low' : severity);
    // `from`: the key egg's provenance knows, a leaf below `key` when that is an object.
    const hit = (severity: Severity, key: string, message: string, fix: string, from = key): RuleHit =>
      ({ severity: rated(severity), target: `config.${key}`, source: facts.provenance(from), message: `${message}${setIn(facts, from)}`, fix });
    const hits: RuleHit[] = [];
    if (pluginEnabled(facts, 'security')) {
      const protocols = securityConfig(facts).protocolWhiteList;
      const schemes = (Array.isArray(protocols) ? protocols : []).map(entry => String(entry).toLowerCase()).filter(entry => entry in SCRIPT_SCHEMES);
      if (schemes.length) {
        hits.push(hit(highest(schemes.map(scheme => SCRIPT_SCHEMES[scheme])), 'security.protocolWhiteList',
          `ctx.helper.surl() passes URLs that run script: config.security.protocolWhiteList has ${schemes.map(scheme => `'${scheme}'`).join(', ')} ` +
            `(${schemes.map(scheme => `${scheme}://%0aalert(1)`).join(', ')} come out as links that run it when clicked)`,
          `Remove ${schemes.map(scheme => `'${scheme}'`).join(', ')} from security.protocolWhiteList.`));
      }
      hits.push(...shtmlHoles(facts, hit));
    }
    const nunjucks = facts.plugins.find(plugin => plugin.enable && (plugin.name === 'nunjucks' || /(?:^|\/)(?:egg-)?view-nunjucks$/.test(plugin.package ?? '')));
    if (nunjucks && (facts.config.nunjucks as AnyRecord | undefined)?.autoescape === false) {
      hits.push(hit('high', 'nunjucks.autoescape', `egg-view-nunjucks (plugin ${nunjucks.name}) outputs every {{ value }} unescaped: config.nunjucks.autoescape is false`,
        'Remove `autoescape: false` from config.nunjucks, and mark the few strings that are trusted HTML with `| safe`.'));
    }
    return hits;
  },
};

function shtmlHoles(facts: Facts, hit: (severity: Severity, key: string, message: string, fix: string, from?: string) => RuleHit): RuleHit[] {
  const shtml = ((facts.config.helper as AnyRecord | undefined)?.shtml ?? {}) as AnyRecord;
  const hits: RuleHit[] = [];
  const listKey = shtml.whiteList !== undefined ? 'whiteList' : 'allowList';
  const list = shtml[listKey];
  const holes = list && typeof list === 'object' ? whiteListHoles(list as AnyRecord) : [];
  if (holes.length) {
    hits.push(hit(highest(holes.map(hole => hole.severity)), `helper.shtml.${listKey}`,
      `ctx.helper.shtml() keeps ${holes.map(hole => hole.what).join(', ')} from user input: config.helper.shtml.${listKey} allows them`,
      `Drop them from helper.shtml.${listKey}; js-xss's default list keeps formatting tags and no script.`, `helper.shtml.${listKey}.${holes[0].tag}`));
  }
  for (const [ name, probe, lets ] of SHTML_HOOKS) {
    const hook = shtml[name];
    if (typeof hook !== 'function') continue;
    let answers: unknown[];
    try {
      answers = probe(hook as (...args: unknown[]) => unknown, probedTags(hook));
    } catch (error) {
      hits.push(hit('medium', `helper.shtml.${name}`, `config.helper.shtml.${name} could not be judged: it threw when asked about hostile markup ` +
        `(${(error instanceof Error ? error.message : String(error)).slice(0, 200)}); if it returns markup as given, ctx.helper.shtml() lets it into the page`,
      `Make ${name} return undefined for what it does not handle, so js-xss's own filter decides.`));
      continue;
    }
    if (answers.some(keepsMarkup)) {
      hits.push(hit('high', `helper.shtml.${name}`, `ctx.helper.shtml() lets ${lets} into the page: config.helper.shtml.${name} answers with the markup unescaped`,
        `Make ${name} return undefined (js-xss's filter decides) or escaped text for what it does not handle.`));
    }
  }
  return hits;
}

/** A cap of egg's bodyParser or egg-multipart, reported when raised a hundredfold past egg's default (SEN304 refuses Infinity). */
interface Cap {
  key: string;
  /** egg's default times a hundred: at or above it the cap no longer protects the worker. */
  reported: number;
  severity: Severity;
  /** What a request can do to the worker with the cap raised. */
  harm: string;
  bytes?: true;
}

const MIB = 1024 * 1024;
const BODY_HELD_WHOLE = 'the body is held in memory whole before it is parsed: a few such requests exhaust the worker\'s heap';
const UPLOAD_TAKES = 'one upload request may take that much of the worker\'s memory or disk';

/** egg's bodyParser defaults (1 MB bodies; qs: 100 array indexes, 5 levels, 1000 parameters), a hundredfold. */
const BODY_PARSER_CAPS: readonly Cap[] = [
  ...[ 'jsonLimit', 'formLimit', 'textLimit' ].map((key): Cap => ({ key: `bodyParser.${key}`, reported: 100 * MIB, severity: 'medium', harm: BODY_HELD_WHOLE, bytes: true })),
  { key: 'bodyParser.queryString.arrayLimit', reported: 10_000, severity: 'medium',
    harm: 'the 16-byte form body a[10000000]=1 makes qs walk an array of that length, seconds of the worker\'s CPU' },
  { key: 'bodyParser.queryString.depth', reported: 500, severity: 'low', harm: 'qs builds objects nested that deep from one body' },
  { key: 'bodyParser.queryString.parameterLimit', reported: 100_000, severity: 'low', harm: 'qs parses that many fields from one body' },
];

/** egg-multipart's defaults (10 files of 10 MB, 10 fields of 100 KB), a hundredfold. */
const MULTIPART_CAPS: readonly Cap[] = [
  { key: 'multipart.fileSize', reported: 1024 * MIB, severity: 'low', harm: UPLOAD_TAKES, bytes: true },
  { key: 'multipart.fieldSize', reported: 10 * MIB, severity: 'low', harm: UPLOAD_TAKES, bytes: true },
  { key: 'multipart.files', reported: 1000, severity: 'low', harm: UPLOAD_TAKES },
  { key: 'multipart.fields', reported: 1000, severity: 'low', harm: UPLOAD_TAKES },
];

/** File names egg-multipart's own list refuses: a whitelist function accepting all of them accepts any upload. */
const FOREIGN_UPLOADS = [ 'sentinel-probe.exe', 'sentinel-probe.php', 'sentinel-probe.sh', 'sentinel-probe', '.htaccess' ];

/** The cap as the parser reads it: bytes strings ('1gb') as egg's parsers do (the `bytes` package). */
function capValue(cap: Cap, value: unknown): number | undefined {
  const parsed = cap.bytes && typeof value === 'string' ? parseBytes(value) : value;
  return typeof parsed === 'number' && !Number.isNaN(parsed) ? parsed : undefined;
}

export const requestLimitsRaised: Rule = {
  id: 'SEN612',
  area: 'builtins',
  title: 'Request body and upload limits raised',
  severity: 'medium',
  description: 'egg\'s bodyParser (co-body and qs) and egg-multipart cap what one request can make a worker hold or compute: ' +
    'JSON, form and text bodies of 1 MB; qs arrays of 100 indexes, objects 5 levels deep, 1000 parameters; uploads of 10 files ' +
    'of 10 MB and 10 fields of 100 KB. Outside local/unittest this rule reports a cap raised a hundredfold or more ' +
    '(SEN304 refuses one that is not a finite number): `bodyParser.jsonLimit`/`formLimit`/`textLimit` of 100 MB or more (medium: the body is held in memory whole ' +
    'before it is parsed); `bodyParser.queryString.arrayLimit` of 10000 or more (medium: the form body `a[10000000]=1` makes qs ' +
    'walk an array of that length, seconds of a worker\'s CPU for 16 bytes); `queryString.depth` of 500 or more and ' +
    '`parameterLimit` of 100000 or more (low); `queryString.allowPrototypes: true` (low: body fields named `toString` or ' +
    '`hasOwnProperty` replace those methods on ctx.request.body, so code calling them throws); `multipart.fileSize` of 1 GB or ' +
    'more, `fieldSize` of 10 MB or more, `files` or `fields` of 1000 or more (low); and a `multipart.whitelist` function that ' +
    'accepts any file name (low: it lifts egg-multipart\'s list of file types). A route that needs more can set its own limit ' +
    '(`ctx.request.body` parsed in the controller with co-body, `ctx.getFileStream({ limits })`).',
  fix: 'Keep egg\'s defaults in config.bodyParser and config.multipart, or raise a cap only as far as the largest request the ' +
    'app serves; give the one route that needs a large body its own parser and limit.',
  check(facts, { developmentEnv }) {
    if (developmentEnv) return [];
    const config = facts.config as AnyRecord;
    const hits: RuleHit[] = [];
    const judge = (caps: readonly Cap[]) => {
      for (const cap of caps) {
        const value = valueAt(config, cap.key);
        const limit = capValue(cap, value);
        if (limit === undefined || limit < cap.reported) continue;
        hits.push({ severity: cap.severity, target: `config.${cap.key}`, source: facts.provenance(cap.key),
          message: `config.${cap.key} is ${JSON.stringify(value)}, a hundredfold egg's default or more: ${cap.harm}${setIn(facts, cap.key)}` });
      }
    };
    const bodyParser = config.bodyParser as AnyRecord | undefined;
    if (bodyParser?.enable !== false) {
      judge(BODY_PARSER_CAPS);
      if ((bodyParser?.queryString as AnyRecord | undefined)?.allowPrototypes === true) {
        const key = 'bodyParser.queryString.allowPrototypes';
        hits.push({ severity: 'low', target: `config.${key}`, source: facts.provenance(key),
          message: `config.${key} is true: body fields named toString, hasOwnProperty or valueOf replace those methods on ctx.request.body, and code calling them throws${setIn(facts, key)}` });
      }
    }
    if (pluginEnabled(facts, 'multipart')) {
      judge(MULTIPART_CAPS);
      const whitelist = (config.multipart as AnyRecord | undefined)?.whitelist;
      if (typeof whitelist === 'function' && acceptsEveryUpload(whitelist as (name: string) => unknown)) {
        hits.push({ severity: 'low', target: 'config.multipart.whitelist', source: facts.provenance('multipart.whitelist'),
          message: `config.multipart.whitelist is a function that accepts any file name (${FOREIGN_UPLOADS.join(', ')}): egg-multipart's list of file types no longer applies${setIn(facts, 'multipart.whitelist')}` });
      }
    }
    return hits;
  },
};

/** Whether egg-multipart's `whitelist(fileName)` accepts every name its own list refuses; one that throws accepts none. */
function acceptsEveryUpload(whitelist: (name: string) => unknown): boolean {
  try {
    return FOREIGN_UPLOADS.every(name => Boolean(whitelist(name)));
  } catch {
    return false;
  }
}

const SOCKET_IO_ORIGINS_FIX = "In the app's `app.js`, name the origins socket.io 2 admits as an array of `<protocol>//<host>:<port>`, the port always written: " +
  "`module.exports = app => { app.io.origins([ 'https://www.example.com:443' ]); };` (or in a boot class's `configDidLoad`/`didLoad`). " +
  "Not a string (socket.io searches it, so `'https://www.example.com:443'` also admits `https://xample.com`), not `'*:*'` or `'*:<port>'`; " +
  '`config.io.init.origins` has no effect, and a client that sends neither Origin nor Referer is then refused.';

export const socketIoAnyOrigin: Rule = {
  id: 'SEN613',
  area: 'builtins',
  title: 'socket.io handshake accepts other sites',
  severity: 'medium',
  description: 'egg-socket.io creates a socket.io 2 server (`app.io`) whose origins default to `\'*:*\'`, and passes `config.io.init` only to ' +
    '`attach()`, so `config.io.init.origins` never reaches socket.io\'s origin check: a page on any site whose handshake carries the ' +
    'logged-in user\'s session cookie (sent cross-site by browsers that do not default to SameSite=Lax, and from any sibling subdomain) ' +
    'gets a socket that egg-socket.io\'s `connectionMiddleware` and controllers read `ctx.session` on (cross-site WebSocket hijacking). ' +
    'Judged, whatever the plugin is named, by asking socket.io\'s own check (`app.io.checkRequest`) at the boot check with the Origins of other sites: `' +
    FOREIGN_SOCKET_ORIGIN + '`, `http://' + FOREIGN_SOCKET_HOST + '`, `null` (a sandboxed page), and `https://` and `http://' + FOREIGN_SOCKET_HOST +
    ':<port>` for each other port the origins name (socket.io admits any host for `\'*:<port>\'`); and, for an origins string, which socket.io ' +
    'searches for `<host>:<port>`, with a registrable host the string also contains (`xample.com` for `www.example.com`). A ' +
    '`config.io.init.allowRequest` a config file sets replaces the check: asked with the first three, it is medium when it admits one. An ' +
    'allowRequest, or an origins function, that refuses them all is low (not verified), as code may admit sites a few probes cannot show ' +
    '(a suffix test); so is one that throws or answers later. An Origin check in `connectionMiddleware` is code egg-sentinel does not ' +
    'read (waive the finding with that reason). Origins set after the boot check (in `willReady` or later, or on the `server` event), and an ' +
    'allowRequest set by code, are not seen. Outside local/unittest.',
  fix: SOCKET_IO_ORIGINS_FIX,
  liveOnly: 'asks the socket.io server egg-socket.io creates in the running app (`app.io`), whose origins the app\'s own code sets',
  check(facts, { developmentEnv }) {
    // app.io exists only where a socket.io 2 server is (egg-socket.io under any plugin name, or a fork of it).
    const socket = facts.builtins.socketIo;
    if (developmentEnv || facts.process !== 'app' || !socket) return [];
    const any = socket.asked.every(origin => socket.admits.includes(origin));
    const admitted = any ? 'any site' : `sites the app does not name (${socket.admits.join(', ')})`;
    // Code the app wrote is asked a few origins only: one that refuses them may still admit other sites.
    const notVerified = socket.unanswered ?? `it refused ${socket.asked.join(', ')}, which does not show that it refuses every other site (a suffix or substring test)`;
    if (socket.allowRequest) {
      const allowRequest = { target: 'config.io.init.allowRequest', source: facts.provenance('io.init.allowRequest'),
        fix: `Compare the Origin header in it with a list of exact origins, or drop it and ${SOCKET_IO_ORIGINS_FIX.charAt(0).toLowerCase()}${SOCKET_IO_ORIGINS_FIX.slice(1)}` };
      return [ socket.admits.length ?
        { ...allowRequest, severity: 'medium', message: `egg-socket.io's handshake accepts ${admitted}: config.io.init.allowRequest, which engine.io asks in place of socket.io's origin check, ` +
          `admits ${socket.admits.join(', ')}, so their pages open a socket with the logged-in user's session cookie` } :
        { ...allowRequest, severity: 'low', message: 'egg-socket.io\'s handshake origin is not verified: config.io.init.allowRequest replaces socket.io\'s origin check, and ' +
          `egg-sentinel cannot tell which sites it admits (${notVerified}); if it admits a foreign Origin, any site's page opens a socket with the logged-in user's cookie` } ];
    }
    const shown = typeof socket.origins === 'string' ? `'${socket.origins}'` : Array.isArray(socket.origins) ?
      `[ ${socket.origins.map(origin => `'${origin}'`).join(', ')} ]` : socket.origins.kind === 'function' ? 'a function' : 'an unusual value';
    // config.io.init.origins looks like the setting but never reaches the check: say so to whoever set it.
    const configured = valueAt(facts.config, 'io.init.origins') !== undefined ? `; config.io.init.origins${setIn(facts, 'io.init.origins')} does not reach it, as egg-socket.io passes init only to attach()` : '';
    if (socket.unanswered || !socket.admits.length && typeof socket.origins === 'object' && !Array.isArray(socket.origins)) {
      return [{ severity: 'low', target: 'app.io.origins', message: `egg-socket.io's handshake origin is not verified: app.io.origins() is ${shown} and ${notVerified}; ` +
        'if it admits a foreign Origin, any site\'s page opens a socket with the logged-in user\'s cookie' }];
    }
    if (!socket.admits.length) return [];
    const contained = !any && socket.admits.some(origin => origin !== 'null' && new URL(origin).hostname !== FOREIGN_SOCKET_HOST);
    return [{ severity: 'medium', target: 'app.io.origins',
      message: `egg-socket.io's handshake accepts ${admitted}: app.io.origins() is ${shown}` +
        `${contained ? ', a string socket.io searches for <host>:<port>' : ''}${configured}, so their pages open a socket with the logged-in user's session cookie` }];
  },
};

export const builtinsRules: Rule[] = [
  knownVulnerablePackage, securityOff, securityHeadersWeakened, ssrfUnprotected, openRedirect, developmentSettingsInProduction, unsupportedNode,
  sessionCookieWeakened, corsCredentialsAnyOrigin, outgoingTlsUnchecked, xssDefencesWeakened, requestLimitsRaised, socketIoAnyOrigin,
];
