/**
 * Anti-replay state per sender instance: the highest sequence number seen plus a bitmap of the `size` numbers
 * below it (the IPsec ESP / WireGuard sliding window, RFC 4303 §3.4.3). A number at or below the window's bottom,
 * or one already seen, is a replay. Memory is bounded: at most `maxSenders` instances are tracked, least recently
 * active evicted first (a forged sender cannot take a slot: only messages with a valid MAC are recorded); an evicted
 * sender's top is kept (TOMBSTONES_PER_SENDER times as many), so a window made again for it refuses what it saw.
 */
interface Window {
  top: number;
  seen: Uint8Array;
  /** The top's signing time, and when (monotonic ms) it was recorded: `follows` asks both. */
  topTs: number;
  topAt: number;
}

/** How many evicted senders' tops are kept, per tracked sender. */
const TOMBSTONES_PER_SENDER = 4;

/** Whether `seq`'s bit is set in a window of `size` numbers. */
function isSeen(seen: Uint8Array, seq: number, size: number): boolean {
  return (seen[(seq % size) >> 3] & (1 << (seq % size & 7))) !== 0;
}

export class ReplayWindows {
  private readonly senders = new Map<string, Window>();
  /** Evicted senders' tops, least recently evicted first. */
  private readonly evicted = new Map<string, number>();
  /** The most recently active sender: consecutive messages from it need no reordering of `senders`. */
  private lastSender?: string;
  private lastWindow?: Window;

  constructor(private readonly size = 1024, private readonly maxSenders = 4096) {}

  /**
   * Records `count` consecutive numbers from `first` (a batch of messages, one number each) when none was seen before
   * or is too old for the window; false, recording nothing, otherwise.
   */
  acceptRange(sender: string, first: number, count: number, ts = 0): boolean {
    if (count === 1) return this.accept(sender, first, ts);
    const state = this.senders.get(sender) ?? this.revived(sender);
    if (state) {
      for (let seq = first; seq < first + count && seq <= state.top; seq++) {
        if (state.top - seq >= this.size || isSeen(state.seen, seq, this.size)) return false;
      }
    }
    for (let seq = first; seq < first + count; seq++) this.accept(sender, seq, ts);
    return true;
  }

  /**
   * Whether `seq`, signed at `ts`, is the next of a sender the windows hold, in order: above its top, signed no
   * earlier, and its top recorded within `withinMs`: a backlog behind a busy receiver draining (review of round 42,
   * h6 #2), not a message held back while its sender fell silent.
   */
  follows(sender: string, seq: number, ts: number, withinMs: number): boolean {
    const state = this.senders.get(sender);
    return state !== undefined && seq > state.top && ts >= state.topTs && performance.now() - state.topAt <= withinMs;
  }

  /** Records `seq` (signed at `ts`) for `sender`; false when it was seen before or is too old for the window. */
  accept(sender: string, seq: number, ts = 0): boolean {
    const state = sender === this.lastSender ? this.lastWindow as Window : this.touch(sender);
    const { seen } = state;
    const size = this.size;
    if (seq > state.top) {
      if (seq - state.top >= size) seen.fill(0);
      else for (let n = state.top + 1; n < seq; n++) seen[(n % size) >> 3] &= ~(1 << (n % size & 7));
      state.top = seq;
      state.topTs = ts;
      state.topAt = performance.now();
    } else if (state.top - seq >= size || isSeen(seen, seq, size)) {
      return false;
    }
    seen[(seq % size) >> 3] |= 1 << (seq % size & 7);
    return true;
  }

  get trackedSenders(): number {
    return this.senders.size;
  }

  /** The sender's window, moved to the most recently active end (Map order = least recently active first). */
  private touch(sender: string): Window {
    let state = this.senders.get(sender);
    if (state) {
      this.senders.delete(sender);
    } else {
      state = this.revived(sender) ?? this.empty(-1);
      this.evicted.delete(sender);
      if (this.senders.size >= this.maxSenders) {
        const [ oldest, window ] = this.senders.entries().next().value as [ string, Window ];
        this.senders.delete(oldest);
        this.evicted.set(oldest, window.top);
        if (this.evicted.size > this.maxSenders * TOMBSTONES_PER_SENDER) this.evicted.delete(this.evicted.keys().next().value as string);
      }
    }
    this.senders.set(sender, state);
    this.lastSender = sender;
    this.lastWindow = state;
    return state;
  }

  /** A window for an evicted sender: at its old top, every number up to it seen. */
  private revived(sender: string): Window | undefined {
    const top = this.evicted.get(sender);
    if (top === undefined) return undefined;
    const state = this.empty(top);
    state.seen.fill(0xff);
    return state;
  }

  private empty(top: number): Window {
    // One bit per number, rounded up: a size that is not a multiple of 8 must not lose its top bits.
    return { top, seen: new Uint8Array((this.size + 7) >> 3), topTs: 0, topAt: -Infinity };
  }
}
