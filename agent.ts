import type { Agent } from 'egg';
import { type BootTarget, SentinelAgentBootHook } from './lib/boot';

/** Agent: signs and verifies IPC; an invalid config.sentinel is logged here and refused by every app worker. */
export default class SentinelAgentBoot extends SentinelAgentBootHook {
  constructor(agent: Agent) {
    super(agent as unknown as BootTarget);
  }
}
