import type { Application, IBoot } from 'egg';
import { SentinelBootHook, type BootTarget } from './lib/boot';

/** App worker: runs every rule once middleware and routes are loaded. */
export default class SentinelAppBoot extends SentinelBootHook implements IBoot {
  constructor(app: Application) {
    super(app as unknown as BootTarget);
  }
}
