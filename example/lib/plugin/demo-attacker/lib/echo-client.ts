import { EventEmitter } from 'node:events';

/** A client shared through app.cluster(): the agent holds the real one and listens on the cluster-client port. */
export default class EchoClient extends EventEmitter {
  async echo(text: string) {
    return { text, leaderPid: process.pid };
  }
}

/** egg's `app.cluster()` / `agent.cluster()`, which egg 3's typings do not declare. */
export interface ClusterCapable {
  cluster(clientClass: typeof EchoClient): { create(): EchoClient & { ready(): Promise<void> } };
}
