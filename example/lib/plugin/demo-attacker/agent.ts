import type { Agent } from 'egg';
import EchoClient, { type ClusterCapable } from './lib/echo-client';

/** The agent side of the demo: answers pings, records every 'demo:transfer' it is handed, reports its IPC stats. */
/** `agent.sentinel` is typed for apps that import 'egg-sentinel'; this example loads the plugin by path. */
interface WithSentinel { sentinel: { ipc?: { stats(): unknown } } }

export default class DemoAttackerAgent {
  constructor(private readonly agent: Agent) {}

  async didLoad() {
    const { agent } = this;
    await (agent as unknown as ClusterCapable).cluster(EchoClient).create().ready();
    const transfers: unknown[] = [];
    agent.messenger.on('demo:ping', (data: { id: string }) => agent.messenger.sendToApp('demo:reply', { id: data.id, agentPid: process.pid }));
    // What an attacker wants the agent to do: only legitimate, signed requests may get here.
    agent.messenger.on('demo:transfer', (data: unknown) => transfers.push(data));
    agent.messenger.on('demo:stats', (data: { id: string }) => {
      agent.messenger.sendToApp('demo:reply', { id: data.id, transfers, stats: (agent as unknown as WithSentinel).sentinel.ipc?.stats() });
    });
  }
}
