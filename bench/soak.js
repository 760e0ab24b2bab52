'use strict';
/**
 * `npm run soak`: egg-sentinel's signed IPC under load and attack on a real cluster (egg-cluster master, agent,
 * 2 app workers, production mode so egg-cluster re-forks a dead worker). Every process sends signed messages in
 * every direction (bench/soak-app/lib/participant.js) until SOAK_MESSAGES envelopes were sent, while:
 *   - at 25% the agent's key is rotated and the agent crashes; egg-cluster starts a new one (SOAK_ROTATION, below),
 *   - at 45% an app worker crashes (SIGKILL) and egg-cluster re-forks it,
 *   - at 65% a rogue sender in the other worker floods the agent with SOAK_FORGED forged messages.
 * Every message carries its sender and a sequence number per lane; each receiver records what arrived; at the end
 * sent, delivered, dropped (by reason, from egg-sentinel's stats) and lost (in flight at a crash) are reconciled per
 * direction. Memory (after a forced GC) is sampled every 100,000 messages. Writes bench/soak-results.json.
 *
 * SOAK_ROTATION:
 *   staged (default)  configured keys from a mounted secret file, rotated in two steps: the next key is accepted
 *                     everywhere first (previousSecrets), then the file makes it the signing key and the old one
 *                     accepted; processes read the file when they (re)start.
 *   direct            the same file, rotated in one step: new signing key, old one in previousSecrets.
 *   key-file          generated keys; the key file is removed before the agent crashes, so the new agent writes a
 *                     new one and the workers reload it.
 *   agent-restart     generated keys; the agent crashes and egg-cluster's new agent reuses the key file.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { build, launchCluster, makeTempDir, ROOT, sleep, stopCluster } = require('../scripts/harness');
const { BOOT_TIMEOUT_MS, ensureStarted, envInt, machine, versions } = require('./lib/common');

const APP = path.join(__dirname, 'soak-app');
const RESULTS_FILE = path.join(__dirname, 'soak-results.json');
const MESSAGES = envInt('SOAK_MESSAGES', 1_000_000);
const FORGED = process.env.SOAK_FORGED === '0' ? 0 : envInt('SOAK_FORGED', 100_000);
const ROTATION = process.env.SOAK_ROTATION || 'staged';
const ENCRYPT = process.env.SOAK_ENCRYPT === '1';
const RESULTS_ABOUT = 'The last `npm run soak` per SOAK_ROTATION (staged is the default); each run names its command, options and machine load.';
const ROTATIONS = [ 'staged', 'direct', 'key-file', 'agent-restart' ];
const CHECKPOINT = 100_000;
const POLL_MS = 250;
const RESTART_TIMEOUT_MS = 60_000;
const STALL_TIMEOUT_MS = 60_000;
const LOG_FLUSH_MS = 2500; // egg-logger writes its file buffer every second
const SENTINEL_LINE = /\[egg-sentinel\] IPC/;
/** What each lane's messages became; the per-direction rows add them up. */
const FIELDS = [ 'delivered', 'droppedInvalid', 'lostByCrash', 'lostInMasterWhileAgentDown', 'missingUnexplained', 'duplicates' ];
/** Lanes sent with a receiverPid from a worker: egg-cluster's master cannot route those while no agent is registered. */
const SEND_TO_LANES = new Set([ 'w2a-pid', 'w2w', 'ack' ]);

/** Lane base name → direction and the egg messenger call behind it. */
const LANES = {
  w2a: { direction: 'app → agent', via: 'sendToAgent' },
  'w2a-pid': { direction: 'app → agent', via: 'sendTo(agent pid)' },
  a2w: { direction: 'agent → app', via: 'sendToApp (every worker)' },
  'a2w-rand': { direction: 'agent → app', via: 'sendRandom (one worker)' },
  w2w: { direction: 'app → app', via: 'sendTo(other worker pid)' },
  wbc: { direction: 'broadcast', via: 'broadcast from a worker (agent + every worker)' },
  abc: { direction: 'broadcast', via: 'broadcast from the agent (agent + every worker)' },
  ack: { direction: 'acks (flow control)', via: 'sendTo(pid of the sender acknowledged)' },
};

function fail(message) {
  throw new Error(message);
}

class Soak {
  constructor() {
    if (!ROTATIONS.includes(ROTATION)) fail(`SOAK_ROTATION must be one of ${ROTATIONS.join(', ')}, got ${JSON.stringify(ROTATION)}`);
    if (MESSAGES < 2 * CHECKPOINT) fail(`SOAK_MESSAGES must be at least ${2 * CHECKPOINT} (memory is compared from the first ${CHECKPOINT} on)`);
    this.dir = makeTempDir('egg-sentinel-soak-');
    this.dirs = Object.fromEntries([ 'logs', 'run', 'state' ].map(name => [ name, path.join(this.dir, name) ]));
    for (const dir of Object.values(this.dirs)) fs.mkdirSync(dir);
    this.secretsFile = path.join(this.dir, 'ipc-secrets.json');
    this.control = { running: false };
    this.checkpoints = [];
    this.timeline = [];
    this.events = {};
  }

  // ---- files shared with the cluster -------------------------------------------------------------------------

  setControl(change) {
    Object.assign(this.control, change);
    const temp = path.join(this.dirs.state, 'control.json.tmp');
    fs.writeFileSync(temp, JSON.stringify(this.control));
    fs.renameSync(temp, path.join(this.dirs.state, 'control.json'));
  }

  /** Every process that ever ran, by id (`role:pid`); a crashed one keeps the state it wrote when it died. */
  readStates() {
    const states = new Map();
    for (const name of fs.readdirSync(this.dirs.state)) {
      if (!/^(app|agent)-\d+\.json$/.test(name)) continue;
      const state = JSON.parse(fs.readFileSync(path.join(this.dirs.state, name), 'utf8'));
      states.set(state.id, state);
    }
    return states;
  }

  /** The secrets file the soak app's config reads at boot (mode 0600, in the temp dir; never printed). */
  writeSecrets(secrets) {
    const temp = `${this.secretsFile}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(secrets), { mode: 0o600 });
    fs.renameSync(temp, this.secretsFile);
  }

  // ---- state queries ---------------------------------------------------------------------------------------------

  static live(states, role) {
    return [ ...states.values() ].filter(state => state.role === role && !state.killedAt).sort((a, b) => a.startedAt - b.startedAt);
  }

  static totals(states) {
    let sent = 0;
    let received = 0;
    for (const state of states.values()) {
      sent += state.envelopes;
      received += state.received;
    }
    return { sent, received };
  }

  checkAlive(when) {
    if (this.cluster.child.exitCode === null) return;
    const { stderr } = this.cluster.output;
    // egg-cluster in production exits when its 10 s health check finds no started agent three times in a row
    const hint = /exit to avoid unknown state/.test(stderr) ? ' (egg-cluster\'s production health check: the agent was not back within about 30 s; the machine is too loaded)' : '';
    fail(`the cluster exited ${when}${hint}:\n${stderr.slice(-3000)}`);
  }

  /** Reads every state and, once traffic runs, records the totals on the timeline. */
  poll() {
    const states = this.readStates();
    if (this.started) this.timeline.push({ t: Date.now() - this.started, ...Soak.totals(states) });
    return states;
  }

  async waitFor(what, timeoutMs, check) {
    const started = Date.now();
    for (;;) {
      const states = this.poll();
      const result = check(states);
      if (result) return result;
      this.checkAlive(`while waiting for ${what}`);
      if (Date.now() - started > timeoutMs) fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(POLL_MS);
    }
  }

  /** A process of `role` that was not there before, ready and (once traffic runs) sending. */
  waitForNew(role, known, what) {
    return this.waitFor(what, RESTART_TIMEOUT_MS, states => Soak.live(states, role).find(state => !known.has(state.id) && state.readyAt && state.running));
  }

  // ---- the run -----------------------------------------------------------------------------------------------

  async run() {
    const secrets = { current: crypto.randomBytes(32).toString('base64url'), next: crypto.randomBytes(32).toString('base64url') };
    const until = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    this.secrets = { ...secrets, until };
    if (ROTATION === 'staged') this.writeSecrets({ secret: secrets.current, previousSecrets: [{ secret: secrets.next, until }] });
    if (ROTATION === 'direct') this.writeSecrets({ secret: secrets.current });
    this.setControl({ running: false });
    this.machineBefore = machine();

    console.log(`egg-sentinel soak: ${MESSAGES.toLocaleString('en')} signed messages, ${FORGED.toLocaleString('en')} forged, rotation ${ROTATION}${ENCRYPT ? ', sealed' : ''}`);
    await build([ 'tsconfig.build.json' ]);
    const bootStarted = Date.now();
    this.cluster = await launchCluster({
      launcher: path.join(APP, 'start.js'),
      cwd: APP,
      nodeOptions: [ '--expose-gc' ],
      bootTimeoutMs: BOOT_TIMEOUT_MS,
      env: {
        SOAK_STATE_DIR: this.dirs.state, SOAK_LOG_DIR: this.dirs.logs, SOAK_RUN_DIR: this.dirs.run, SOAK_ENCRYPT: ENCRYPT ? '1' : '0',
        ...([ 'staged', 'direct' ].includes(ROTATION) ? { SOAK_SECRETS_FILE: this.secretsFile } : {}),
      },
    });
    ensureStarted(this.cluster, 'the soak cluster');
    try {
      const initial = await this.waitFor('the agent and 2 workers', 30_000, states => {
        const ready = [ ...states.values() ].filter(state => state.readyAt);
        return ready.length === 3 ? ready : undefined;
      });
      this.initial = initial.map(state => state.id);
      this.bootMs = Date.now() - bootStarted;
      this.started = Date.now();
      this.setControl({ running: true });
      await this.drive();
      await this.finish();
      return this.analyse();
    } finally {
      await stopCluster(this.cluster);
    }
  }

  async drive() {
    const plan = [
      [ 0.25, () => this.rotateAgentKey() ],
      [ 0.45, () => this.killWorker() ],
      [ 0.65, () => this.forgedFlood() ],
    ];
    let lastProgress = { at: Date.now(), sent: 0 };
    for (;;) {
      await sleep(POLL_MS);
      this.checkAlive('');
      const totals = Soak.totals(this.poll());
      const now = Date.now();
      if (totals.sent > lastProgress.sent) lastProgress = { at: now, sent: totals.sent };
      else if (now - lastProgress.at > STALL_TIMEOUT_MS) fail(`no message sent for ${STALL_TIMEOUT_MS} ms at ${totals.sent}`);
      // one sample per 100,000 messages; those passed while an event ran are skipped
      const checkpoint = Math.floor(totals.sent / CHECKPOINT);
      if (checkpoint > (this.checkpoints.at(-1)?.id ?? 0) && totals.sent < MESSAGES) {
        this.checkpoints.push({ id: checkpoint, t: now - this.started, sent: totals.sent, masterRssMB: masterMemory(this.cluster.pid) });
        this.setControl({ sample: checkpoint });
        process.stdout.write(`  ${(totals.sent / 1000).toFixed(0)}k sent, ${(totals.received / 1000).toFixed(0)}k received, ${((now - this.started) / 1000).toFixed(1)} s\n`);
      }
      if (plan.length && totals.sent >= plan[0][0] * MESSAGES) {
        await plan.shift()[1]();
        continue;
      }
      if (totals.sent >= MESSAGES) break;
    }
  }

  /** Rotates the key the agent signs with (per SOAK_ROTATION) and crashes the agent; egg-cluster forks a new one. */
  async rotateAgentKey() {
    const states = this.readStates();
    const [ agent ] = Soak.live(states, 'agent');
    const { current, next, until } = this.secrets;
    if (ROTATION === 'staged' || ROTATION === 'direct') this.writeSecrets({ secret: next, previousSecrets: [{ secret: current, until }] });
    if (ROTATION === 'key-file') fs.rmSync(path.join(this.dirs.run, 'sentinel-ipc.key'));
    this.setControl({ kill: { pid: agent.pid } });
    const successor = await this.waitForNew('agent', new Set(states.keys()), 'the new agent');
    const died = this.readStates().get(agent.id);
    this.setControl({ kill: undefined });
    this.events.agentRestart = {
      rotation: ROTATION, atSent: Soak.totals(states).sent, victim: agent.id, successor: successor.id,
      killedAt: died.killedAt, successorStartedAt: successor.startedAt, successorReadyAt: successor.readyAt,
      downMs: successor.readyAt - died.killedAt,
    };
    console.log(`  agent ${agent.pid} crashed (${ROTATION}); new agent ${successor.pid} ready after ${this.events.agentRestart.downMs} ms`);
  }

  /** Crashes the worker that started last; egg-cluster (production mode) forks a new one. */
  async killWorker() {
    const states = this.readStates();
    const workers = Soak.live(states, 'app');
    const victim = workers.at(-1);
    this.survivor = workers[0];
    this.setControl({ kill: { pid: victim.pid } });
    const successor = await this.waitForNew('app', new Set(states.keys()), 'the re-forked worker');
    const died = this.readStates().get(victim.id);
    this.setControl({ kill: undefined });
    this.events.workerRestart = {
      atSent: Soak.totals(states).sent, victim: victim.id, successor: successor.id,
      killedAt: died.killedAt, successorStartedAt: successor.startedAt, successorReadyAt: successor.readyAt,
      downMs: successor.readyAt - died.killedAt,
    };
    console.log(`  worker ${victim.pid} crashed; egg-cluster forked ${successor.pid}, ready after ${this.events.workerRestart.downMs} ms`);
  }

  logSizes() {
    const sizes = new Map();
    for (const name of fs.readdirSync(this.dirs.logs)) sizes.set(name, fs.statSync(path.join(this.dirs.logs, name)).size);
    return sizes;
  }

  /** What the log files gained since `before`: bytes in all, and the egg-sentinel IPC lines among them. */
  logGrowth(before) {
    const growth = { bytes: 0, sentinelBytes: 0, sentinelLines: 0, files: {} };
    for (const [ name, size ] of this.logSizes()) {
      const from = before.get(name) ?? 0;
      if (size === from) continue;
      const fd = fs.openSync(path.join(this.dirs.logs, name), 'r');
      const added = Buffer.alloc(size - from);
      fs.readSync(fd, added, 0, added.length, from);
      fs.closeSync(fd);
      growth.bytes += added.length;
      growth.files[name] = added.length;
      // egg-logger lines start with a date; a warning's continuation lines belong to it
      for (const line of added.toString('utf8').split(/\n(?=\d{4}-\d{2}-\d{2} )/)) {
        if (!SENTINEL_LINE.test(line)) continue;
        growth.sentinelLines++;
        growth.sentinelBytes += Buffer.byteLength(line) + (line.endsWith('\n') ? 0 : 1);
      }
    }
    return growth;
  }

  /** The rogue sender in the surviving worker sends FORGED raw messages to the agent; legitimate traffic goes on. */
  async forgedFlood() {
    if (!FORGED) return;
    const before = this.readStates();
    const [ agent ] = Soak.live(before, 'agent');
    const flooder = Soak.live(before, 'app').find(state => state.id === this.survivor?.id) ?? Soak.live(before, 'app')[0];
    const logsBefore = this.logSizes();
    const outputBefore = this.cluster.output.stdout.length + this.cluster.output.stderr.length;
    const droppedBefore = { ...agent.sentinel.dropped };
    const started = Date.now();
    this.setControl({ flood: { pid: flooder.pid, id: 1, count: FORGED } });
    const sent = await this.waitFor('the forged flood to be sent', 300_000, states => {
      const { flood } = states.get(flooder.id);
      if (flood?.error) fail(`the forged flood failed in worker ${flooder.pid}: ${flood.error}`);
      return flood?.endedAt ? flood : undefined;
    });
    const counted = await this.waitFor('the agent to count every forged message', 300_000, states => {
      const { dropped } = states.get(agent.id).sentinel;
      const delta = Object.fromEntries(Object.entries(dropped).map(([ reason, n ]) => [ reason, n - droppedBefore[reason] ]));
      return Object.values(delta).reduce((a, b) => a + b, 0) >= FORGED ? { delta, at: Date.now() } : undefined;
    });
    const window = this.timeline.filter(entry => entry.t >= started - this.started && entry.t <= counted.at - this.started);
    const previous = this.timeline.filter(entry => entry.t >= started - this.started - 5000 && entry.t < started - this.started);
    await sleep(LOG_FLUSH_MS);
    this.events.flood = {
      flooder: flooder.id, agent: agent.id, startedAt: started, sentAt: sent.endedAt, countedAt: counted.at,
      sent: sent.sent, note: sent.note, countedByAgent: counted.delta,
      legitDeliveriesPerSecond: { before: rate(previous, 'received'), during: rate(window, 'received') },
      logs: this.logGrowth(logsBefore),
      clusterOutputBytes: this.cluster.output.stdout.length + this.cluster.output.stderr.length - outputBefore,
    };
    console.log(`  ${FORGED} forged messages sent in ${sent.endedAt - sent.startedAt} ms, all counted by the agent ${counted.at - started} ms after the start`);
  }

  /** Stops the traffic, waits until nothing moves any more (acks flushed), then takes the final samples. */
  async finish() {
    this.setControl({ running: false, kill: undefined });
    this.stoppedAt = Date.now();
    let previous = '';
    let stable = 0;
    await this.waitFor('the traffic to settle', 60_000, states => {
      const key = JSON.stringify([ ...states.values() ].map(state => [ state.id, state.envelopes, state.received, state.running ]));
      const idle = [ ...states.values() ].every(state => state.killedAt || !state.running);
      stable = key === previous && idle ? stable + 1 : 0;
      previous = key;
      return stable >= 4;
    });
    this.finalMaster = masterMemory(this.cluster.pid);
    this.setControl({ final: 1 });
    await this.waitFor('the final samples', 30_000, states => [ ...states.values() ].every(state => state.killedAt || state.final));
    this.durationMs = this.stoppedAt - this.started;
  }

  // ---- accounting ------------------------------------------------------------------------------------------------

  analyse() {
    const states = this.readStates();
    const { agentRestart, workerRestart, flood } = this.events;
    // a slot is one agent or worker place in the cluster; a crashed process and the one egg-cluster forked for it share it
    const slotOf = new Map();
    for (const id of this.initial) slotOf.set(id, id);
    if (agentRestart) slotOf.set(agentRestart.successor, slotOf.get(agentRestart.victim));
    if (workerRestart) slotOf.set(workerRestart.successor, slotOf.get(workerRestart.victim));
    const slots = [ ...new Set(slotOf.values()) ];
    const slotByPid = new Map([ ...slotOf ].map(([ id, slot ]) => [ id.split(':')[1], slot ]));
    const membersOf = slot => [ ...states.values() ].filter(state => slotOf.get(state.id) === slot).sort((a, b) => a.startedAt - b.startedAt);
    const agentSlot = slots.find(slot => slot.startsWith('agent:'));
    const workerSlots = slots.filter(slot => slot.startsWith('app:'));
    const agentDown = agentRestart && [ agentRestart.killedAt, agentRestart.successorReadyAt + 3000 ];

    const lanes = [];
    for (const sender of states.values()) {
      for (const [ lane, sent ] of Object.entries(sender.lanes)) {
        const [ base, destPid ] = lane.split('>');
        const targets = destPid ? [ slotByPid.get(destPid) ] : { w2a: [ agentSlot ], a2w: workerSlots, wbc: [ agentSlot, ...workerSlots ], abc: [ agentSlot, ...workerSlots ] }[base];
        const entry = { sender: sender.id, lane, base, sent, delivered: 0, droppedInvalid: 0, lostByCrash: 0, lostInMasterWhileAgentDown: 0, missingUnexplained: 0, duplicates: 0, drops: 0, receivers: {} };
        if (base === 'a2w-rand') {
          // one worker per message, picked by egg: only the total can be compared
          for (const slot of workerSlots) {
            for (const member of membersOf(slot)) {
              const record = member.recv[sender.id]?.[lane];
              if (!record) continue;
              entry.receivers[member.id] = record.count;
              entry.delivered += record.count;
              entry.drops += record.drops;
            }
          }
          entry.droppedInvalid = entry.drops;
          const crashDuringLife = [ agentRestart, workerRestart ].some(event => event && event.killedAt >= sender.startedAt && event.killedAt <= (sender.killedAt ?? Infinity));
          const missing = sent - entry.delivered - entry.droppedInvalid;
          if (crashDuringLife) entry.lostByCrash = missing;
          else entry.missingUnexplained = missing;
        } else {
          for (const slot of targets) this.reconcile(entry, sender, lane, membersOf(slot), base, agentDown);
        }
        lanes.push(entry);
      }
    }

    const directions = {};
    for (const entry of lanes) {
      const { direction } = LANES[entry.base];
      const row = directions[direction] ?? (directions[direction] = { sent: 0, envelopes: 0, delivered: 0, droppedInvalid: 0, lostByCrash: 0, lostInMasterWhileAgentDown: 0, missingUnexplained: 0, duplicates: 0, via: new Set() });
      row.sent += entry.sent;
      row.envelopes += entry.base === 'wbc' || entry.base === 'abc' ? 2 * entry.sent : entry.sent;
      for (const field of FIELDS) row[field] += entry[field];
      row.via.add(LANES[entry.base].via);
    }
    for (const row of Object.values(directions)) row.via = [ ...row.via ];

    const instances = {};
    const legitDropped = {};
    for (const state of states.values()) {
      const { sentinel } = state;
      const forged = flood && state.id === flood.agent ? flood.sent : {};
      const dropped = Object.fromEntries(Object.entries(sentinel.dropped).filter(([ , n ]) => n));
      for (const [ reason, n ] of Object.entries(sentinel.dropped)) {
        const legit = n - (forged[reason] ?? 0);
        if (legit) legitDropped[reason] = (legitDropped[reason] ?? 0) + legit;
      }
      let soakReceived = 0;
      const strangers = [];
      for (const [ sender, byLane ] of Object.entries(state.recv)) {
        if (!states.has(sender)) strangers.push(sender);
        for (const record of Object.values(byLane)) soakReceived += record.count;
      }
      instances[state.id] = {
        slot: slotOf.get(state.id), startedAt: state.startedAt - this.started, killedAt: state.killedAt ? state.killedAt - this.started : undefined,
        envelopesSealed: state.envelopes, sentinelSent: sentinel.sent, received: state.received, sentinelAccepted: sentinel.accepted,
        acceptedButNotSoak: sentinel.accepted - soakReceived, acceptedFromMaster: sentinel.acceptedFromMaster,
        dropped, reported: Object.values(sentinel.reported).reduce((a, b) => a + b, 0), logLinesSuppressed: sentinel.logLinesSuppressed,
        foreign: state.foreign, unknownSenders: strangers, keyIdsReceived: state.keyIds, boot: this.bootTiming(state), memory: this.memoryOf(state),
      };
    }

    const sum = field => Object.values(directions).reduce((total, row) => total + row[field], 0);
    const envelopes = [ ...states.values() ].reduce((total, state) => total + state.envelopes, 0);
    const result = {
      date: new Date().toISOString(),
      versions: versions(),
      machine: { ...this.machineBefore, loadAverageAtEnd: machine().loadAverage },
      command: `SOAK_MESSAGES=${MESSAGES} SOAK_FORGED=${FORGED} SOAK_ROTATION=${ROTATION}${ENCRYPT ? ' SOAK_ENCRYPT=1' : ''} npm run soak`,
      options: { messages: MESSAGES, forged: FORGED, rotation: ROTATION, encrypt: ENCRYPT },
      cluster: 'egg-cluster master + agent + 2 app workers, env prod (re-fork on), signed messenger, enforce mode',
      bootMs: this.bootMs,
      durationMs: this.durationMs,
      envelopesSent: envelopes,
      envelopesPerSecond: Math.round(envelopes / (this.durationMs / 1000)),
      directions,
      totals: Object.fromEntries(FIELDS.map(field => [ field, sum(field) ])),
      legitDroppedAsInvalid: legitDropped,
      events: this.events,
      masterUncaughtExceptions: (this.cluster.output.stderr.match(/master uncaughtException/g) ?? []).length,
      masterErrorSample: /master uncaughtException: ([^\n]*)/.exec(this.cluster.output.stderr)?.[1],
      instances,
      memory: { checkpoints: this.checkpoints, masterFinalRssMB: this.finalMaster },
      lanes,
    };
    result.checks = {
      zeroLegitDroppedAsInvalid: Object.keys(legitDropped).length === 0,
      forgedCountedExactly: !flood || (JSON.stringify(flood.countedByAgent) === JSON.stringify({ ...zeroReasons(flood.countedByAgent), ...flood.sent })),
      noUnexplainedLoss: result.totals.missingUnexplained === 0 && result.totals.duplicates === 0,
      // egg-sentinel's drop counters (less the forged messages) and the dropped messages found missing per lane agree
      dropsMatchStats: result.totals.droppedInvalid === Object.values(legitDropped).reduce((a, b) => a + b, 0),
      nothingForgedDelivered: Object.values(instances).every(instance => instance.foreign === 0 && instance.unknownSenders.length === 0),
      legitTrafficDuringFlood: !flood || flood.legitDeliveriesPerSecond.during > 0,
    };
    return result;
  }

  /**
   * Reconciles one sender's lane against the processes that held one slot, in order. Missing sequence numbers are
   * booked by where they are: before a receiver's first message, in a gap inside its stream, between a crashed
   * receiver and its successor, after the last message. In each place the messages egg-sentinel dropped there (seen
   * on the raw channel) count as dropped; the rest is lost in a crash, lost in egg-cluster's master while the agent
   * was down (sendTo gaps then), or unexplained.
   */
  reconcile(entry, sender, lane, members, base, agentDown) {
    let previous; // the last delivery: { last, member }
    let crashed = false; // a receiver before this one in the slot crashed
    let carried = 0; // drops seen after the previous delivery, not yet placed
    const book = (missing, dropped, where) => {
      const droppedHere = Math.min(missing, dropped);
      entry.droppedInvalid += droppedHere;
      entry[where] += missing - droppedHere;
    };
    for (const member of members) {
      const record = member.recv[sender.id]?.[lane];
      if (!record) continue;
      entry.drops += record.drops;
      if (record.first === undefined) {
        carried += record.pendingDrops;
        crashed ||= Boolean(member.killedAt);
        continue;
      }
      entry.delivered += record.count;
      entry.receivers[member.id] = record.count;
      entry.duplicates += record.disorder;
      book(previous ? record.first - previous.last - 1 : record.first, carried + record.droppedBeforeFirst, crashed ? 'lostByCrash' : 'missingUnexplained');
      for (const [ from, to, at, dropped ] of record.gaps) {
        const whileAgentDown = agentDown && at >= agentDown[0] && at <= agentDown[1] && SEND_TO_LANES.has(base);
        book(to - from + 1, dropped, whileAgentDown ? 'lostInMasterWhileAgentDown' : 'missingUnexplained');
      }
      entry.missingUnexplained += record.gapsNotListed;
      carried = record.pendingDrops;
      crashed ||= Boolean(member.killedAt);
      previous = { last: record.last, member };
    }
    // after the last receiver's last message: lost with a crashed receiver or a crashed sender, or unexplained
    const lastCrashed = (previous ? previous.member.killedAt : members.some(member => member.killedAt)) || sender.killedAt;
    book(previous ? entry.sent - 1 - previous.last : entry.sent, carried, lastCrashed ? 'lostByCrash' : 'missingUnexplained');
  }

  /** egg's own boot timing for a process (<rundir>/{agent,application}_timing_<pid>.json): where a slow restart went. */
  bootTiming(state) {
    const file = path.join(this.dirs.run, `${state.role === 'agent' ? 'agent' : 'application'}_timing_${state.pid}.json`);
    if (!fs.existsSync(file)) return undefined;
    const entries = JSON.parse(fs.readFileSync(file, 'utf8'));
    const duration = name => entries.find(entry => entry.name === name)?.duration;
    const slowest = entries.filter(entry => ![ 'Process Start', 'Application Start' ].includes(entry.name))
      .sort((a, b) => b.duration - a.duration).slice(0, 3).map(entry => `${entry.name.replace(ROOT, '.')} ${entry.duration} ms`);
    return { processStartMs: duration('Process Start'), applicationStartMs: duration('Application Start'), slowest };
  }

  /**
   * Samples after a forced GC. Baseline: the checkpoint at 100,000 messages in the cluster for the processes that ran
   * from the start; for one egg-cluster forked later, its first checkpoint after it handled 100,000 messages itself.
   * Compared with the last checkpoint under load and with the final, idle sample.
   */
  memoryOf(state) {
    const mb = bytes => Math.round(bytes / 1048576 * 10) / 10;
    const samples = state.samples.map(sample => ({ checkpoint: sample.checkpoint, handled: sample.handled, rssMB: mb(sample.rss), heapUsedMB: mb(sample.heapUsed), externalMB: mb(sample.external) }));
    const underLoad = samples.filter(sample => sample.checkpoint !== 'final');
    const fromStart = this.initial.includes(state.id);
    const baseline = underLoad.find(sample => (fromStart ? sample.checkpoint >= 1 : sample.handled >= CHECKPOINT));
    const last = underLoad.at(-1);
    const final = samples.find(sample => sample.checkpoint === 'final');
    const growth = (to, field) => (baseline && to ? Math.round((to[field] - baseline[field]) * 10) / 10 : undefined);
    return {
      samples,
      baseline: baseline?.checkpoint,
      heapGrowthUnderLoadMB: growth(last, 'heapUsedMB'),
      rssGrowthUnderLoadMB: growth(last, 'rssMB'),
      heapGrowthFinalMB: growth(final, 'heapUsedMB'),
      rssGrowthFinalMB: growth(final, 'rssMB'),
    };
  }
}

function zeroReasons(counted) {
  return Object.fromEntries(Object.keys(counted).map(reason => [ reason, 0 ]));
}

/** Messages per second over a stretch of the timeline. */
function rate(entries, field) {
  if (entries.length < 2) return undefined;
  const first = entries[0];
  const last = entries.at(-1);
  return Math.round((last[field] - first[field]) / ((last.t - first.t) / 1000));
}

/** The master's resident memory from /proc (Linux), in MB. */
function masterMemory(pid) {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    return Math.round(kb / 1024 * 10) / 10;
  } catch {
    return undefined;
  }
}

function printSummary(result) {
  const n = value => (value === undefined ? '-' : value.toLocaleString('en'));
  console.log(`\n${n(result.envelopesSent)} signed envelopes in ${(result.durationMs / 1000).toFixed(1)} s (${n(result.envelopesPerSecond)}/s), rotation ${result.options.rotation}`);
  console.log('\n| direction | messages sent | deliveries | dropped as invalid | lost in a crash | lost in the master while the agent was down | unexplained |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [ direction, row ] of Object.entries(result.directions)) {
    console.log(`| ${direction} | ${n(row.sent)} | ${n(row.delivered)} | ${n(row.droppedInvalid)} | ${n(row.lostByCrash)} | ${n(row.lostInMasterWhileAgentDown)} | ${n(row.missingUnexplained + row.duplicates)} |`);
  }
  console.log(`\nlegitimate messages dropped as invalid: ${JSON.stringify(result.legitDroppedAsInvalid)}`);
  const { flood, agentRestart, workerRestart } = result.events;
  if (agentRestart) console.log(`agent crash + ${agentRestart.rotation}: new agent ready after ${agentRestart.downMs} ms`);
  if (workerRestart) console.log(`worker crash: re-forked worker ready after ${workerRestart.downMs} ms`);
  console.log(`egg-cluster master uncaught exceptions: ${result.masterUncaughtExceptions}${result.masterErrorSample ? ` (${result.masterErrorSample})` : ''}`);
  if (flood) {
    console.log(`forged: sent ${JSON.stringify(flood.sent)}; counted by the agent ${JSON.stringify(flood.countedByAgent)}`);
    console.log(`  legitimate deliveries/s before ${n(flood.legitDeliveriesPerSecond.before)}, during ${n(flood.legitDeliveriesPerSecond.during)}; ` +
      `log output during the flood ${n(flood.logs.bytes)} bytes (egg-sentinel: ${flood.logs.sentinelLines} lines, ${n(flood.logs.sentinelBytes)} bytes); cluster stdout/stderr ${n(flood.clusterOutputBytes)} bytes`);
  }
  console.log('\nmemory after GC (MB), from the baseline (100,000 messages in the cluster; a re-forked process: 100,000 handled itself) to the last checkpoint under load:');
  for (const [ id, instance ] of Object.entries(result.instances)) {
    const { memory } = instance;
    const first = memory.samples.find(sample => sample.checkpoint === memory.baseline);
    const last = memory.samples.filter(sample => sample.checkpoint !== 'final').at(-1);
    console.log(`  ${id}${instance.killedAt ? ' (crashed)' : ''}: heap ${first?.heapUsedMB ?? '-'} → ${last?.heapUsedMB ?? '-'} under load (${memory.heapGrowthUnderLoadMB ?? '-'}), ` +
      `rss ${first?.rssMB ?? '-'} → ${last?.rssMB ?? '-'} (${memory.rssGrowthUnderLoadMB ?? '-'}); idle at the end: heap ${memory.heapGrowthFinalMB ?? '-'}, rss ${memory.rssGrowthFinalMB ?? '-'}`);
  }
  console.log(`\nchecks: ${Object.entries(result.checks).map(([ name, ok ]) => `${name} ${ok ? 'ok' : 'FAILED'}`).join(', ')}`);
}

async function main() {
  const result = await new Soak().run();
  let previous = {};
  try {
    previous = JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8'));
  } catch {
    // first run
  }
  const runs = { ...previous.runs, [ROTATION]: result };
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify({ about: RESULTS_ABOUT, runs }, null, 2)}\n`);
  printSummary(result);
  return Object.values(result.checks).every(Boolean) ? 0 : 1;
}

main().then(code => process.exit(code), error => {
  console.error(`soak failed: ${error.stack}`);
  process.exit(1);
});
