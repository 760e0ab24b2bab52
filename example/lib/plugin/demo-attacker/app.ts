import type { Application, Context } from 'egg';
import EchoClient, { type ClusterCapable } from './lib/echo-client';

let counter = 0;

/** Asks the agent and waits for the answer with the same id. */
function askAgent<T>(app: Application, action: string, data: Record<string, unknown> = {}): Promise<T> {
  const id = `${process.pid}-${++counter}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the agent did not answer ${action}`)), 3000);
    const onReply = (reply: T & { id: string }) => {
      if (reply.id !== id) return;
      clearTimeout(timer);
      app.messenger.removeListener('demo:reply', onReply);
      resolve(reply);
    };
    app.messenger.on('demo:reply', onReply);
    app.messenger.sendToAgent(action, { ...data, id });
  });
}

/** Captures the next message this worker writes to its IPC channel (what an attacker on the wire would see). */
function captureNextMessage(send: () => void): Promise<unknown> {
  const channel = process as unknown as { send: (...args: unknown[]) => boolean };
  const original = channel.send;
  return new Promise(resolve => {
    channel.send = (message: unknown, ...rest: unknown[]) => {
      channel.send = original;
      resolve(JSON.parse(JSON.stringify(message)));
      return original.call(process, message, ...rest);
    };
    send();
  });
}

/** The app side of the demo: a legitimate round trip, and an attacker with code in this worker. */
export default class DemoAttackerApp {
  constructor(private readonly app: Application) {}

  async didLoad() {
    const { app } = this;
    const echo = (app as unknown as ClusterCapable).cluster(EchoClient).create();
    await echo.ready();
    const route = (path: string, handler: (ctx: Context) => Promise<unknown>) => app.router.get(path, async ctx => { ctx.body = await handler(ctx); });

    route('/demo/ipc/ping', async () => {
      const started = Date.now();
      const reply = await askAgent<{ agentPid: number }>(app, 'demo:ping');
      return { appPid: process.pid, agentPid: reply.agentPid, ms: Date.now() - started };
    });
    // Forged: written straight to the IPC channel, as any code in a worker can.
    route('/demo/ipc/forge', async () => {
      process.send?.({ action: 'demo:transfer', data: { to: 'attacker', amount: 1_000_000 }, to: 'agent' });
      return { forged: true };
    });
    // Replayed: a real, signed transfer captured on its way out and sent a second time.
    route('/demo/ipc/replay', async () => {
      const captured = await captureNextMessage(() => app.messenger.sendToAgent('demo:transfer', { to: 'supplier', amount: 42 }));
      process.send?.(captured);
      return { replayed: true };
    });
    route('/demo/ipc/stats', async () => askAgent(app, 'demo:stats'));
    route('/demo/cc/echo', async ctx => echo.echo(String(ctx.query.text)));
  }
}
