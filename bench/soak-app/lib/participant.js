'use strict';
/**
 * One soak participant: the agent or an app worker. It sends signed messages on its lanes as fast as the receivers'
 * acknowledgements allow, records per sender and lane which sequence numbers arrive, and writes its state to
 * <SOAK_STATE_DIR>/<role>-<pid>.json every tick. bench/soak.js steers it through control.json in the same folder,
 * so the IPC under test carries only the traffic that is measured.
 *
 * Lanes (the lane key is the base name, plus `>pid` when the message goes to one process):
 *   app worker: w2a (sendToAgent), w2a-pid>pid (sendTo the agent's pid), w2w>pid (sendTo the other worker),
 *               wbc (broadcast: the agent and every worker, itself included)
 *   agent:      a2w (sendToApp: every worker), a2w-rand (sendRandom: one worker egg picks), abc (broadcast)
 *   both:       ack>pid (sendTo: how far this receiver got on each of the sender's lanes)
 */
const fs = require('node:fs');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { Forger } = require('./forger');

const STATE_DIR = process.env.SOAK_STATE_DIR;
const CONTROL_FILE = path.join(STATE_DIR, 'control.json');
const TICK_MS = 100;
/** How far a sender may run ahead of what a receiver acknowledged, per lane: bounds every queue on the way. */
const WINDOW = 500;
/** A receiver that acknowledged nothing new for this long (dead, or its acks lost) no longer holds a sender back. */
const STALL_MS = 1000;
/**
 * A lane WINDOW ahead of every acknowledgement, with no receiver acknowledging it any more (an agent that is down or
 * booting, a dead worker's pid, receivers that drop everything), sends one message per BLIND_INTERVAL_MS.
 */
const BLIND_INTERVAL_MS = 20;
const ACK_EVERY = 100;
const STEPS_PER_YIELD = 16;
const BROADCAST_EVERY = 8;
const MAX_GAPS = 200;
const TEXT = 'soak: a short payload, like most real messages';
/** sendRandom picks the receiver: each worker sees a random subset, so only counts are compared (lane key = base). */
const UNORDERED = new Set([ 'a2w-rand' ]);
/** Lanes whose key names the receiving process (`lane>pid`): sent with sendTo(pid), so the envelope's receiver is that pid. */
const PER_RECEIVER = new Set([ 'w2a-pid', 'w2w', 'ack' ]);
const ACTIONS = [ 'w2a', 'w2a-pid', 'w2w', 'wbc', 'a2w', 'a2w-rand', 'abc', 'ack' ];

function readControl() {
  try {
    return JSON.parse(fs.readFileSync(CONTROL_FILE, 'utf8'));
  } catch {
    return {};
  }
}

class Participant {
  constructor(egg, role) {
    this.egg = egg;
    this.role = role;
    this.messenger = egg.messenger;
    this.id = `${role}:${process.pid}`;
    this.file = path.join(STATE_DIR, `${role}-${process.pid}.json`);
    this.state = {
      id: this.id, role, pid: process.pid, startedAt: Date.now(), readyAt: 0, running: false,
      /** lane key → messages sent (the next sequence number) */
      lanes: {},
      /** signed envelopes this process sealed (a broadcast is two: one to the workers, one to the agent) */
      envelopes: 0,
      /**
       * sender id → lane key → { first, last, count, gaps: [[from, to, detectedAt, dropped]], disorder, drops (not
       * delivered by egg-sentinel), pendingDrops (since the last delivery), droppedBeforeFirst, unmatchedDrops }
       */
      recv: {},
      received: 0,
      /** messages without a soak sender id that reached a listener (must stay 0) */
      foreign: 0,
      samples: [],
      /** `role:key id` of every signed envelope that arrived (key ids are public fingerprints): shows the rotation */
      keyIds: {},
    };
    this.ready = false;
    /** set when egg-sentinel delivered the message the raw channel is emitting */
    this.delivered = false;
    this.steps = 0;
    /** lane → { acked: highest sequence any receiver acknowledged, progressAt, blindAt } */
    this.flow = new Map();
    /** receiver id → { lanes: lane → highest acknowledged sequence, progressAt } */
    this.acks = new Map();
    /** sender id → messages received since the last acknowledgement */
    this.unacked = new Map();
    this.agentPid = undefined;
    this.deadAgentPids = new Set();
    this.peerPid = undefined;
    this.handled = { sample: undefined, flood: undefined, final: undefined };
    this.forger = role === 'app' ? new Forger() : undefined;
  }

  start() {
    process.on('message', message => this.onRaw(message));
    // onRaw tells a dropped message from a delivered one by running after egg-sentinel's listener
    const listeners = process.listeners('message').map(listener => listener.name);
    if (!(listeners.indexOf('fromProcess') >= 0 && listeners.indexOf('fromProcess') < listeners.length - 1)) {
      throw new Error(`soak: egg-sentinel's IPC listener must be registered before the soak's (process 'message' listeners: ${listeners.join(', ')})`);
    }
    for (const action of ACTIONS) this.messenger.on(`soak:${action}`, data => this.receive(data));
    // egg's agent warns on every send before egg-ready; an app worker is not in egg-cluster's pid lists before it
    this.messenger.once('egg-ready', () => {
      this.ready = true;
      this.state.readyAt = Date.now();
    });
    if (this.role === 'app') {
      // egg-cluster announces a dead agent with an empty list and a new one with its pid
      this.messenger.on('egg-pids', pids => {
        if (pids.length === 0 && this.agentPid) this.deadAgentPids.add(this.agentPid);
        this.agentPid = pids[0];
      });
    }
    const control = readControl();
    // a process that starts late (re-forked) takes part from the next checkpoint on
    this.handled.sample = control.sample;
    this.handled.final = control.final;
    setInterval(() => this.tick(), TICK_MS);
  }

  /** The record of one sender's lane here; `first` stays undefined while only dropped messages arrived. */
  record(sender, lane) {
    const lanes = this.state.recv[sender] ?? (this.state.recv[sender] = {});
    return lanes[lane] ?? (lanes[lane] = { first: undefined, last: -1, count: 0, gaps: [], gapsNotListed: 0, disorder: 0, drops: 0, pendingDrops: 0, droppedBeforeFirst: 0, unmatchedDrops: 0 });
  }

  /** A soak message egg-sentinel delivered. */
  receive(data) {
    if (!data || typeof data.s !== 'string' || typeof data.l !== 'string' || !Number.isSafeInteger(data.n)) {
      this.state.foreign++;
      return;
    }
    this.delivered = true;
    const { s: sender, l: lane, n } = data;
    const record = this.record(sender, lane);
    record.count++;
    if (record.first === undefined) {
      record.first = n;
      record.droppedBeforeFirst = record.pendingDrops;
    } else if (n > record.last + 1 && !UNORDERED.has(lane)) {
      // the messages egg-sentinel dropped since the last delivery on this lane are part of this gap
      const dropped = Math.min(record.pendingDrops, n - 1 - record.last);
      record.unmatchedDrops += record.pendingDrops - dropped;
      if (record.gaps.length < MAX_GAPS) record.gaps.push([ record.last + 1, n - 1, Date.now(), dropped ]);
      else record.gapsNotListed += n - 1 - record.last - dropped;
    } else {
      // dropped messages with no gap: copies of real ones (replayed or altered)
      record.unmatchedDrops += record.pendingDrops;
    }
    record.pendingDrops = 0;
    if (n > record.last) record.last = n;
    else if (!UNORDERED.has(lane)) record.disorder++;
    this.state.received++;
    this.learn(sender);
    if (lane.startsWith('ack>')) {
      if (data.for === this.id) this.onAck(sender, data.lanes);
    } else if (sender !== this.id) {
      const unacked = (this.unacked.get(sender) ?? 0) + 1;
      this.unacked.set(sender, unacked);
      if (unacked >= ACK_EVERY) this.ack(sender);
    }
  }

  /**
   * Every message on the raw channel, after egg-sentinel's listener handled it: which key signed it, and a signed
   * soak message that was not delivered is a drop, booked on its sender's lane (role, pid, action and receiver are
   * readable in the envelope, also when the payload is sealed).
   */
  onRaw(message) {
    const delivered = this.delivered;
    this.delivered = false;
    const envelope = message && message.data;
    if (!envelope || !envelope.$sentinel || typeof envelope.kid !== 'string') return;
    const key = `${envelope.role}:${envelope.kid}`;
    this.state.keyIds[key] = (this.state.keyIds[key] ?? 0) + 1;
    if (delivered || typeof envelope.act !== 'string' || !envelope.act.startsWith('soak:')) return;
    const base = envelope.act.slice(5);
    const record = this.record(`${envelope.role}:${envelope.pid}`, PER_RECEIVER.has(base) ? `${base}>${envelope.to}` : base);
    record.drops++;
    record.pendingDrops++;
  }

  /** Who to address: the agent's pid and the other worker's pid, from the messages they send. */
  learn(sender) {
    if (this.role !== 'app') return;
    const [ role, pidText ] = sender.split(':');
    const pid = Number(pidText);
    if (role === 'agent' && !this.deadAgentPids.has(pid)) this.agentPid = pid;
    else if (role === 'app' && pid !== process.pid) this.peerPid = pid;
  }

  onAck(receiver, lanes) {
    const entry = this.acks.get(receiver) ?? { lanes: {}, progressAt: 0 };
    for (const [ lane, seq ] of Object.entries(lanes)) {
      if (!(seq <= entry.lanes[lane])) {
        entry.lanes[lane] = seq;
        entry.progressAt = Date.now();
        const flow = this.laneFlow(lane);
        flow.acked = Math.max(flow.acked, seq);
        flow.progressAt = entry.progressAt;
      }
    }
    this.acks.set(receiver, entry);
  }

  /** Tells a sender how far this process got on each of its lanes; acks are signed messages like the rest. */
  ack(sender) {
    this.unacked.set(sender, 0);
    if (!this.ready) return;
    const lanes = {};
    for (const [ lane, record ] of Object.entries(this.state.recv[sender] ?? {})) if (!lane.startsWith('ack>')) lanes[lane] = record.last;
    const pid = Number(sender.split(':')[1]);
    const { messenger } = this;
    this.send('ack', `ack>${pid}`, 1, { for: sender, lanes }, (action, data) => messenger.sendTo(pid, action, data));
  }

  laneFlow(lane) {
    let flow = this.flow.get(lane);
    if (!flow) this.flow.set(lane, flow = { acked: -1, progressAt: 0, blindAt: 0 });
    return flow;
  }

  /** True when the lane is WINDOW ahead of every acknowledgement, nobody acknowledged it lately and it sent a message less than BLIND_INTERVAL_MS ago. */
  throttled(lane) {
    const flow = this.laneFlow(lane);
    if ((this.state.lanes[lane] ?? 0) - 1 - flow.acked <= WINDOW) return false;
    const now = Date.now();
    if (now - flow.progressAt <= STALL_MS) return false;
    if (now - flow.blindAt < BLIND_INTERVAL_MS) return true;
    flow.blindAt = now;
    return false;
  }

  /** Sends one message on a lane unless the lane is throttled; acks are never throttled (nobody acknowledges them). */
  send(base, lane, envelopes, extra, send) {
    if (base !== 'ack' && this.throttled(lane)) return 0;
    const n = this.state.lanes[lane] ?? 0;
    this.state.lanes[lane] = n + 1;
    this.state.envelopes += envelopes;
    send(`soak:${base}`, { s: this.id, l: lane, n, t: TEXT, ...extra });
    return 1;
  }

  /** One message on each of this process's lanes (a broadcast every BROADCAST_EVERY steps); returns how many went out. */
  step() {
    const { messenger } = this;
    const broadcast = this.steps++ % BROADCAST_EVERY === 0;
    let sent = 0;
    if (this.role === 'app') {
      sent += this.send('w2a', 'w2a', 1, undefined, (action, data) => messenger.sendToAgent(action, data));
      const { agentPid, peerPid } = this;
      if (agentPid) sent += this.send('w2a-pid', `w2a-pid>${agentPid}`, 1, undefined, (action, data) => messenger.sendTo(agentPid, action, data));
      if (peerPid) sent += this.send('w2w', `w2w>${peerPid}`, 1, undefined, (action, data) => messenger.sendTo(peerPid, action, data));
      if (broadcast) sent += this.send('wbc', 'wbc', 2, undefined, (action, data) => messenger.broadcast(action, data));
    } else {
      sent += this.send('a2w', 'a2w', 1, undefined, (action, data) => messenger.sendToApp(action, data));
      if (messenger.opids.length) sent += this.send('a2w-rand', 'a2w-rand', 1, undefined, (action, data) => messenger.sendRandom(action, data));
      if (broadcast) sent += this.send('abc', 'abc', 2, undefined, (action, data) => messenger.broadcast(action, data));
    }
    return sent;
  }

  /** True while a receiver that is still acknowledging lags more than WINDOW behind on one of this sender's lanes. */
  blocked() {
    const now = Date.now();
    for (const { lanes, progressAt } of this.acks.values()) {
      if (now - progressAt > STALL_MS) continue;
      for (const [ lane, acked ] of Object.entries(lanes)) if (this.state.lanes[lane] - 1 - acked > WINDOW) return true;
    }
    return false;
  }

  async run() {
    while (this.state.running) {
      if (this.blocked()) {
        await sleep(1);
        continue;
      }
      let sent = 0;
      for (let i = 0; i < STEPS_PER_YIELD; i++) sent += this.step();
      // every lane throttled: wait for the next blind send instead of spinning
      if (sent === 0) await sleep(BLIND_INTERVAL_MS);
      else await new Promise(setImmediate);
    }
  }

  sample(checkpoint) {
    if (global.gc) global.gc();
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    this.state.samples.push({ checkpoint, at: Date.now(), handled: this.state.envelopes + this.state.received, rss, heapUsed, heapTotal, external, arrayBuffers });
  }

  tick() {
    for (const [ sender, unacked ] of this.unacked) if (unacked > 0) this.ack(sender);
    const control = readControl();
    if (control.running && !this.state.running && this.ready) {
      this.state.running = true;
      this.run();
    } else if (!control.running) {
      this.state.running = false;
    }
    if (control.sample !== this.handled.sample) {
      this.handled.sample = control.sample;
      this.sample(control.sample);
    }
    if (control.final !== this.handled.final) {
      this.handled.final = control.final;
      this.sample('final');
      this.state.final = true;
    }
    if (this.forger && control.flood && control.flood.pid === process.pid && this.handled.flood !== control.flood.id) {
      this.handled.flood = control.flood.id;
      this.state.flood = this.forger.flood(control.flood.count);
    }
    if (control.kill && control.kill.pid === process.pid) return this.die();
    this.writeState();
  }

  writeState() {
    this.state.sentinel = this.egg.sentinel.ipc.stats();
    this.state.writtenAt = Date.now();
    const temp = `${this.file}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(this.state));
    fs.renameSync(temp, this.file);
  }

  /**
   * A crash: the state is written and SIGKILL sent in one synchronous step, so no message is handled in between and
   * the counters are exact at the moment of death. To egg-cluster this is an unexpected SIGKILL exit.
   */
  die() {
    this.state.killedAt = Date.now();
    this.writeState();
    process.kill(process.pid, 'SIGKILL');
    for (;;) {
      // SIGKILL lands here at the latest
    }
  }
}

module.exports = { Participant };
