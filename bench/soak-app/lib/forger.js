'use strict';
/**
 * The rogue sender inside an app worker: code that writes raw messages to the worker's IPC channel with
 * process.send, bypassing the messenger (any code in a worker can). It sees the wire, so it can replay and alter the
 * worker's real envelopes, but it has no key. Every forged message goes to the agent under a real soak action, so
 * one that got through would reach the agent's listener (and be reported there as foreign).
 */
const { setTimeout: sleep } = require('node:timers/promises');

const ACTION = 'soak:w2a';
const MAX_AGE_MS = 30_000; // ipc.maxAgeMs, the default in the soak app
const CAPTURE_EVERY_MS = 5000;
const CAPTURES_KEPT = 24;
const BATCH = 500;
/** Forged messages per 20, by the reason the agent must drop them for. */
const MIX = { unsigned: 6, malformed: 3, 'bad-mac': 4, 'unknown-key': 3, replayed: 2, stale: 2 };
const PATTERN = Object.entries(MIX).flatMap(([ reason, n ]) => Array(n).fill(reason));

class Forger {
  constructor() {
    /** the latest real envelope this worker sent to the agent, and one every CAPTURE_EVERY_MS for stale replays */
    this.latest = undefined;
    this.captures = [];
    const send = process.send.bind(process);
    // egg's sendmessage looks process.send up on every call, so this sees every message the worker sends
    process.send = (message, ...rest) => {
      if (message && message.action === ACTION && message.data && message.data.$sentinel) this.capture(message);
      return send(message, ...rest);
    };
    this.rawSend = send;
  }

  capture(message) {
    this.latest = message;
    const now = Date.now();
    if (!this.captures.length || now - this.captures.at(-1).at >= CAPTURE_EVERY_MS) {
      this.captures.push({ at: now, message: JSON.parse(JSON.stringify(message)) });
      if (this.captures.length > CAPTURES_KEPT) this.captures.shift();
    }
  }

  /** An envelope old enough to be stale when it arrives, under the key this worker signs with now (so not unknown). */
  staleEnvelope() {
    const kid = this.latest.data.kid;
    const old = this.captures.filter(entry => entry.message.data.kid === kid && Date.now() - entry.message.data.ts > MAX_AGE_MS + 3000);
    return old.at(-1)?.message;
  }

  forge(reason, i, stale) {
    const real = JSON.parse(JSON.stringify(this.latest));
    switch (reason) {
      case 'unsigned': return { action: ACTION, to: 'agent', data: { s: 'forged', l: 'forged', n: i, t: 'forged' } };
      case 'malformed': return { action: ACTION, to: 'agent', data: { $sentinel: 1, kid: 7, n: i } };
      case 'bad-mac': return { ...real, data: { ...real.data, p: `${real.data.p.slice(0, -1)}${real.data.p.endsWith('A') ? 'B' : 'A'}` } };
      case 'unknown-key': return { ...real, data: { ...real.data, kid: '0123456789abcdef' } };
      case 'replayed': return real;
      case 'stale': return stale;
      default: throw new Error(`unknown forgery ${reason}`);
    }
  }

  /** Sends `count` forged messages, in batches that wait for the channel; returns the progress object it updates. */
  flood(count) {
    const progress = { count, startedAt: Date.now(), endedAt: 0, sent: Object.fromEntries(Object.keys(MIX).map(reason => [ reason, 0 ])), note: undefined };
    (async () => {
      const stale = this.staleEnvelope();
      if (!stale) progress.note = 'no envelope old enough for a stale replay: those were sent unsigned';
      for (let i = 0; i < count;) {
        let last;
        for (const end = Math.min(count, i + BATCH); i < end; i++) {
          const reason = PATTERN[i % PATTERN.length] === 'stale' && !stale ? 'unsigned' : PATTERN[i % PATTERN.length];
          last = this.forge(reason, i, stale);
          progress.sent[reason]++;
          if (i < end - 1) this.rawSend(last);
        }
        await new Promise(resolve => this.rawSend(last, resolve));
        await sleep(0);
      }
      progress.endedAt = Date.now();
    })().catch(error => {
      progress.error = error.message;
    });
    return progress;
  }
}

module.exports = { Forger };
