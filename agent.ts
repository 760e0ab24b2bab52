import type { Agent, IBoot } from 'egg';
import { SentinelBootHook, type BootTarget } from './lib/boot';

/** Agent: starts before any app worker, so it refuses an insecure environment first, once per boot. */
export default class SentinelAgentBoot extends SentinelBootHook implements IBoot {
  constructor(agent: Agent) {
    super(agent as unknown as BootTarget);
  }
}
