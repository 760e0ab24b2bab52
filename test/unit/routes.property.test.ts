/**
 * Properties of route and path matching, which decide which routes a policy protects (SEN403/SEN404) and which
 * request paths a middleware's match/ignore skips (SEN404/SEN405): policy patterns against an independent segment
 * matcher, egg's string match/ignore against its documented prefix semantics, and probe paths against real layers of
 * the router egg uses.
 */
import assert from 'node:assert';
import { createRequire } from 'node:module';
import path from 'node:path';
import fc from 'fast-check';
import { compileFilter, type EggModules, loadEggModules, probePaths, type RouteLayer } from '../../lib/facts/path-matching';
import { compileRoutePattern } from '../../lib/rules/middleware';

/** One glob segment against one path segment, character by character: `*` is any run of characters. */
function segmentMatches(glob: string, text: string): boolean {
  if (!glob.length) return !text.length;
  if (glob[0] === '*') return Array.from({ length: text.length + 1 }, (_, skip) => skip).some(skip => segmentMatches(glob.slice(1), text.slice(skip)));
  return text.length > 0 && glob[0] === text[0] && segmentMatches(glob.slice(1), text.slice(1));
}

/** Pattern segments against path segments: `**` is any number of whole segments. */
function segmentsMatch(globs: string[], segments: string[]): boolean {
  if (!globs.length) return !segments.length;
  if (globs[0] === '**') return Array.from({ length: segments.length + 1 }, (_, skip) => skip).some(skip => segmentsMatch(globs.slice(1), segments.slice(skip)));
  return segments.length > 0 && segmentMatches(globs[0], segments[0]) && segmentsMatch(globs.slice(1), segments.slice(1));
}

/** The documented meaning of a policy pattern; a trailing slash never matters. */
function reference(pattern: string, routePath: string): boolean {
  if (pattern === '**') return true;
  const split = (text: string) => (text.length > 1 && text.endsWith('/') ? text.slice(0, -1) : text).split('/').slice(1);
  return segmentsMatch(split(pattern), split(routePath || '/'));
}

const ALPHABET = [ 'a', 'b', 'A', ':', '.', '(', ')', '\\', '+', '?', '$', '^', '|', '[', ']', '{', '-', '%', '~' ];
const literal = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 4 }).map(chars => chars.join(''));
const globSegment = fc.array(fc.oneof(fc.constantFrom(...ALPHABET), fc.constant('*')), { maxLength: 4 }).map(chars => chars.join('')).filter(segment => !segment.includes('**'));
const pattern = fc.oneof(
  { weight: 1, arbitrary: fc.constant('**') },
  { weight: 9, arbitrary: fc.tuple(fc.array(fc.oneof(fc.constant('**'), globSegment), { minLength: 1, maxLength: 4 }), fc.boolean()).map(([ segments, slash ]) => `/${segments.join('/')}${slash ? '/' : ''}`) },
);

/** A path the pattern matches by construction: each `*` filled with text, each `**` with 0-2 segments. */
const instance = (source: string) => fc.array(fc.tuple(literal, fc.array(literal, { maxLength: 2 })), { minLength: 8, maxLength: 8 }).map(fills => {
  const globs = source === '**' ? [ '**' ] : (source.length > 1 && source.endsWith('/') ? source.slice(0, -1) : source).split('/').slice(1);
  const segments = globs.flatMap((glob, index) => {
    const [ text, whole ] = fills[index % fills.length];
    return glob === '**' ? whole : [ glob.replace(/\*/g, () => text) ];
  });
  // A trailing empty segment needs one more slash: a route path loses one trailing slash before matching.
  const built = `/${segments.join('/')}`;
  return built.endsWith('/') ? `${built}/` : built;
});

describe('property: policy route patterns (compileRoutePattern)', () => {
  it('agree with a segment-by-segment matcher on any route path, regexp characters included', () => {
    // A parameter with a constraint (`:id(\\d+)`), which a pattern's `:id` also names, has example cases of its own (test/unit/middleware.test.ts).
    const routePath = fc.oneof(
      fc.array(literal, { maxLength: 5 }).map(segments => `/${segments.join('/')}`),
      fc.string({ maxLength: 12 }).map(text => `/${text}`),
    ).filter(candidate => !/:\w+\(/.test(candidate));
    fc.assert(fc.property(pattern, routePath, (source, candidate) => {
      assert.equal(compileRoutePattern(source)(candidate), reference(source, candidate));
    }), { numRuns: 5000 });
  });

  it('never throw, whatever the pattern and path', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (source, candidate) => {
      compileRoutePattern(source)(candidate);
    }), { numRuns: 2000 });
  });

  it('match the paths built from them, with or without a trailing slash', () => {
    fc.assert(fc.property(pattern.chain(source => fc.tuple(fc.constant(source), instance(source))), ([ source, built ]) => {
      const match = compileRoutePattern(source);
      assert.ok(match(built), `${source} should match ${built}`);
      if (!built.endsWith('/')) assert.ok(match(`${built}/`), `${source} should match ${built}/`);
    }), { numRuns: 3000 });
  });
});

describe("property: egg's string match/ignore and the router's probe paths", () => {
  let modules: EggModules;
  let routerFor: (routePath: string) => RouteLayer;
  before(() => {
    const eggDir = path.dirname(require.resolve('egg/package.json'));
    modules = loadEggModules([ eggDir ]);
    type KoaRouter = new (options: object) => { get(p: string, fn: () => void): void; stack: RouteLayer[] };
    const { KoaRouter } = createRequire(__filename)(modules.routerDir) as { KoaRouter: KoaRouter };
    routerFor = routePath => {
      // egg's own router options (egg-core lib/egg.js)
      const router = new KoaRouter({ sensitive: true });
      router.get(routePath, () => undefined);
      return router.stack[0];
    };
  });

  const segment = fc.stringMatching(/^[a-zA-Z0-9._~-]{1,6}$/);

  it('a string is a case-insensitive path prefix that ends at a segment boundary', () => {
    const requestPath = fc.array(fc.oneof(segment, fc.constantFrom('api', 'API', 'v1', 'apis', '')), { maxLength: 4 }).map(segments => `/${segments.join('/')}`);
    fc.assert(fc.property(fc.array(fc.oneof(segment, fc.constantFrom('api', 'v1')), { minLength: 1, maxLength: 3 }), requestPath, (segments, candidate) => {
      const prefix = `/${segments.join('/')}`;
      const [ lowerPath, lowerPrefix ] = [ candidate.toLowerCase(), prefix.toLowerCase() ];
      const covered = lowerPath === lowerPrefix || lowerPath.startsWith(`${lowerPrefix}/`);
      assert.equal(compileFilter(modules, { ignore: prefix })(candidate, 'GET').runs, !covered);
      assert.equal(compileFilter(modules, { match: prefix })(candidate, 'GET').runs, covered);
    }), { numRuns: 2000 });
  });

  it('every probe path of a route reaches that route, with its trailing-slash twin', () => {
    const part = fc.oneof(
      segment,
      fc.constantFrom(':id', ':id(\\d+)', ':name([a-z]+)', ':slug?', '(.*)', ':file.json'),
    );
    fc.assert(fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), parts => {
      // parameter names must be unique within a route
      let n = 0;
      const routePath = `/${parts.map(item => item.replace(/:([a-z]+)/, (_m, name: string) => `:${name}${n++}`)).join('/')}`;
      const layer = routerFor(routePath);
      const probes = probePaths(modules, layer);
      assert.ok(probes.length > 0, routePath);
      for (const probe of probes) assert.ok(layer.regexp.test(probe), `${probe} should reach ${routePath}`);
      for (const probe of probes.filter(item => !item.endsWith('/'))) assert.ok(probes.includes(`${probe}/`), `${probe}/ is missing for ${routePath}`);
    }), { numRuns: 1000 });
  });
});
