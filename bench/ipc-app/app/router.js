'use strict';

const EchoClient = require('../lib/echo-client');

const once = (app, action) => new Promise(resolve => app.messenger.once(action, resolve));

module.exports = app => {
  const echoClient = app.cluster(EchoClient).create();
  app.beforeStart(() => echoClient.ready());

  /** n sequential invokes through the cluster-client leader; round trips per second. */
  app.router.get('/invoke', async ctx => {
    const n = Number(ctx.query.n);
    const payload = 'x'.repeat(Number(ctx.query.size));
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await echoClient.echo(payload);
    ctx.body = { n, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  });

  /**
   * n messages app → agent as fast as the channel takes them; ms until the agent has all of them. With ack=K the
   * agent confirms every K messages and at most K are in flight, so no backlog piles up in the pipes and buffers.
   * With spaced=1 each message is sent in a turn of the event loop of its own, so none travels in a batch.
   */
  app.router.get('/flood', async ctx => {
    const n = Number(ctx.query.n);
    const ack = Number(ctx.query.ack) || 0;
    const spaced = Boolean(ctx.query.spaced);
    const payload = { blob: 'x'.repeat(Number(ctx.query.size) - 12) };
    const ready = once(app, 'bench:ready');
    app.messenger.sendToAgent('bench:start', { n, ack });
    await ready;
    const done = once(app, 'bench:done');
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      app.messenger.sendToAgent('bench:flood', payload);
      if (spaced) await new Promise(setImmediate);
      else if (ack && i % ack === ack - 1) await once(app, 'bench:ack');
      // let the channel drain now and then, as a real producer would
      else if (i % 1000 === 999) await new Promise(setImmediate);
    }
    await done;
    ctx.body = { n, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  });

  /** This worker's and the agent's memory after a full garbage collection (needs --expose-gc, else gc is skipped). */
  app.router.get('/memory', async ctx => {
    const agent = once(app, 'bench:memory-usage');
    app.messenger.sendToAgent('bench:memory', {});
    const agentUsage = await agent;
    global.gc?.();
    ctx.body = { gc: typeof global.gc === 'function', agent: agentUsage, worker: process.memoryUsage() };
  });

  /** Sequential round trips app → agent → app; latencies in µs. */
  app.router.get('/rtt', async ctx => {
    const n = Number(ctx.query.n);
    const payload = { blob: 'x'.repeat(Number(ctx.query.size) - 12) };
    const samples = [];
    for (let i = 0; i < n; i++) {
      const pong = once(app, 'bench:pong');
      const started = process.hrtime.bigint();
      app.messenger.sendToAgent('bench:ping', payload);
      await pong;
      samples.push(Number(process.hrtime.bigint() - started) / 1e3);
    }
    ctx.body = { samples };
  });
};
