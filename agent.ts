import type { Agent, IBoot } from 'egg';
import { loadSentinelConfig, type BootTarget } from './lib/boot';

/**
 * Agent: reports an invalid config.sentinel in its own log. It does not refuse boot: every app worker runs the
 * same validation and all rules and refuses (see lib/boot.ts for why the app worker is the one that refuses).
 */
export default class SentinelAgentBoot implements IBoot {
  constructor(private readonly agent: Agent) {}

  configWillLoad(): void {
    const target = this.agent as unknown as BootTarget;
    try {
      loadSentinelConfig(target);
    } catch (error) {
      target.coreLogger.error(error as Error);
    }
  }
}
