/**
 * Middleware that packages ship which hand every request on, whatever it sends: they load the user at most, and an
 * anonymous request goes on to the controller. Named as a guard in `routes.protect[].by`, such a middleware guards
 * nothing (SEN404). Known by the package and the file inside it, so an app's own middleware of the same name (which
 * egg's loader puts in the package's place) is not taken for it.
 */
import path from 'node:path';
import { packageRoot } from './egg-version';
import type { NeverRefusingFact } from './types';

/** `<package>/<file in the package>` → what the middleware does instead of refusing. */
const NEVER_REFUSING = new Map([
  // egg-passport 1.x and 2.x (app.passport.initialize(), lib/framework.js): sets up passport on ctx.req and calls next().
  [ 'egg-passport/app/middleware/passport_initialize.js', 'it only sets up passport for the request (the user in the session, ctx.login())' ],
  // app.passport.session(): deserializes the session's user, if any, into ctx.user and calls next() either way.
  [ 'egg-passport/app/middleware/passport_session.js', 'it only loads the user from the session, and calls next() for a request that has none' ],
]);

/** The files' names alone: most middleware files are none of them and need no look for their package. */
const FILE_NAMES = new Set([ ...NEVER_REFUSING.keys() ].map(key => path.posix.basename(key)));

/** What makes the middleware factory in `file` one that never refuses a request, or undefined when it is not known as one. */
export function neverRefusing(file: string): NeverRefusingFact | undefined {
  if (!FILE_NAMES.has(path.basename(file))) return undefined;
  const root = packageRoot(path.dirname(file));
  if (!root || typeof root.json.name !== 'string') return undefined;
  const inPackage = path.relative(root.dir, path.resolve(file)).split(path.sep).join('/');
  const does = NEVER_REFUSING.get(`${root.json.name}/${inPackage}`);
  return does === undefined ? undefined : { package: root.json.name, file: inPackage, does };
}
