/**
 * Config keys from whose values egg or its plugins make code while the app loads or renders: egg-core's customLoader,
 * egg-schedule's task directories, egg-i18n's `.js` locale dirs, egg-watcher's event sources, egg-sequelize's model
 * dirs (`[]`: each element of an array, whose key egg records as the array's), egg-security's `defaultMiddleware`
 * (it requires each name joined to its own directory, so `../../../tmp/x` loads any file), and the options ejs
 * writes into the source of every template function it compiles (`escapeFunction` with `client`,
 * `outputFunctionName`, `localsName`, `destructuredLocals`) or reads templates from (`root`, `views`). Set from
 * outside the app's files (EGG_APP_CONFIG), they run code nobody reviewed before any check (the preflight refuses
 * them; SEN303 rates them security-relevant).
 */
export const CODE_LOADING_KEYS: readonly string[] = [ 'customLoader', 'schedule.directory', 'i18n.dirs', 'i18n.dir', 'watcher.eventSources',
  'sequelize.baseDir', 'sequelize.datasources[].baseDir', 'security.defaultMiddleware',
  ...[ 'escapeFunction', 'escape', 'outputFunctionName', 'localsName', 'destructuredLocals', 'root', 'views' ].map(option => `ejs.${option}`) ];
