/**
 * Config keys from whose paths egg or its plugins require code while the app loads: egg-core's customLoader,
 * egg-schedule's task directories, egg-i18n's `.js` locale dirs, egg-watcher's event sources, egg-sequelize's model
 * dirs (`[]`: each element of an array, whose key egg records as the array's). Set from outside the
 * app's files (EGG_APP_CONFIG), they run code nobody reviewed before any check (the preflight refuses them; SEN303
 * rates them security-relevant).
 */
export const CODE_LOADING_KEYS: readonly string[] = [ 'customLoader', 'schedule.directory', 'i18n.dirs', 'i18n.dir', 'watcher.eventSources',
  'sequelize.baseDir', 'sequelize.datasources[].baseDir' ];
