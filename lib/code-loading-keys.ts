/**
 * Config keys from whose values egg or its plugins make code while the app loads or renders: egg-core's customLoader,
 * egg-schedule's task directories, egg-i18n's `.js` locale dirs, egg-watcher's event sources, egg-sequelize's model
 * dirs and egg-orm's (`[]`: each element of an array, whose key egg records as the array's), the module Sequelize
 * requires as its database driver (`dialectModulePath`), egg-security's `defaultMiddleware` (it requires each name
 * joined to its own directory, so `../../../tmp/x` loads any file), egg-view's template dirs (`view.root`: ejs and
 * nunjucks templates are code), the options ejs writes into the source of every template function it compiles
 * (`escapeFunction` with `client`, `outputFunctionName`, `localsName`, `destructuredLocals`) or reads templates from
 * (`root`, `views`), and `baseDir`: egg copies the app's directory there, and plugins join the files they require to
 * it (egg-mongoose every model of `<baseDir>/app/model`; egg's own docs load files that way); nothing but egg itself
 * ever sets it. Set from outside the app's files (EGG_APP_CONFIG), they run code nobody reviewed before any check (the
 * preflight refuses them; SEN303 rates them security-relevant).
 */
export const CODE_LOADING_KEYS: readonly string[] = [ 'baseDir', 'customLoader', 'schedule.directory', 'i18n.dirs', 'i18n.dir', 'watcher.eventSources',
  ...[ 'baseDir', 'dialectModulePath' ].flatMap(option => [ `sequelize.${option}`, `sequelize.datasources[].${option}` ]),
  'orm.baseDir', 'orm.datasources[].baseDir', 'security.defaultMiddleware', 'view.root',
  ...[ 'escapeFunction', 'escape', 'outputFunctionName', 'localsName', 'destructuredLocals', 'root', 'views' ].map(option => `ejs.${option}`) ];

/**
 * Whether `value` has the key path `keyPath` (`sequelize.datasources[].baseDir`): a key ending in `[]` is an array any
 * element of which has the rest.
 */
export function setsKeyPath(value: unknown, keyPath: string): boolean {
  return setsKeys(value, keyPath.split('.'));
}

function setsKeys(value: unknown, keys: string[]): boolean {
  if (!keys.length) return true;
  const [ key, ...rest ] = keys;
  const name = key.endsWith('[]') ? key.slice(0, -2) : key;
  if (!value || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, name)) return false;
  const inner = (value as Record<string, unknown>)[name];
  return key.endsWith('[]') ? Array.isArray(inner) && inner.some(element => setsKeys(element, rest)) : setsKeys(inner, rest);
}
