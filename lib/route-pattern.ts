/** The policy's route path patterns (`config.sentinel.routes`): shared by the rules and by what facts look for (SEN404's static files). */
import { escapeRegExp } from './regexp';

/**
 * A route path pattern as a predicate on the path a route was registered with: `**` stands for any number of whole
 * segments, `*` for anything within one segment (`*` alone: the catch-all route registered as `*`), the rest is literal,
 * but for a parameter: `:id` also names the route's `:id(\\d+)`, the same parameter with a constraint. A trailing slash is ignored, as egg's router
 * (not strict) ignores it; case counts, as it does for egg's router.
 */
export function compileRoutePattern(pattern: string): (routePath: string) => boolean {
  if (pattern === '**') return () => true;
  // The catch-all egg's router registers as `router.get('*', …)` (a single-page app's shell): that route only.
  if (pattern === '*') return routePath => routePath === '*';
  const segments = withoutTrailingSlash(pattern).split('/').slice(1);
  const source = segments.map(segment => (segment === '**' ? '(?:/.*)?' : `/${segment.split('*').map(literalWithParameters).join('[^/]*')}`)).join('');
  const regexp = new RegExp(`^${source}$`);
  return routePath => regexp.test(withoutTrailingSlash(routePath) || '/');
}

/**
 * A pattern's `:name` as the route's parameter of that name, with or without the constraint path-to-regexp 1.x
 * parses after it (`:id(\\d+)`, `:file([^/]+)`: no unescaped parenthesis inside): the README's "`'/users/:id'` is
 * that route" for a route registered as `'/users/:id(\\d+)'`.
 */
function literalWithParameters(text: string): string {
  return escapeRegExp(text).replace(/:\w+/g, parameter => `${parameter}(?:\\((?:\\\\.|[^\\\\()])+\\))?`);
}

function withoutTrailingSlash(text: string): string {
  return text.length > 1 && text.endsWith('/') ? text.slice(0, -1) : text;
}
