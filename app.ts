import type { Application, IBoot } from 'egg';
import type { BootTarget } from './lib/boot';
import { SentinelAppBootHook } from './lib/boot-app';

/** App worker: runs every rule once middleware and routes are loaded, and refuses boot on blocking findings. */
export default class SentinelAppBoot extends SentinelAppBootHook implements IBoot {
  constructor(app: Application) {
    super(app as unknown as BootTarget);
  }
}
