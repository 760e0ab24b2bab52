import path from 'node:path';
import type { EggAppConfig, EggAppInfo, PowerPartial } from 'egg';

export default (appInfo: EggAppInfo): PowerPartial<EggAppConfig> => ({
  // What egg-init scaffolds: <appname>_<13-digit timestamp>_<number>. config.prod replaces it when a real key is provided.
  keys: `${appInfo.name}_1700000000000_4321`,
  // Outside local/unittest egg puts logs and run files under the home dir; keep this example's next to it.
  rundir: path.join(appInfo.baseDir, 'run'),
  logger: { dir: path.join(appInfo.baseDir, 'logs') },
  // Every /admin route needs app/middleware/auth.ts (given per route in app/router.ts); egg-sentinel checks each route.
  sentinel: { routes: { protect: [{ paths: [ '/admin/**' ], by: [ 'auth' ] }] } },
});
