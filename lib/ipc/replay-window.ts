/**
 * Anti-replay state per sender instance: the highest sequence number seen plus a bitmap of the `size` numbers
 * below it (the IPsec ESP / WireGuard sliding window, RFC 4303 §3.4.3). A number at or below the window's bottom,
 * or one already seen, is a replay. Memory is bounded: at most `maxSenders` instances are tracked, least recently
 * active evicted first (a forged sender cannot take a slot: only messages with a valid MAC are recorded).
 */
interface Window {
  top: number;
  seen: Uint8Array;
}

/** Whether `seq`'s bit is set in a window of `size` numbers. */
function isSeen(seen: Uint8Array, seq: number, size: number): boolean {
  return (seen[(seq % size) >> 3] & (1 << (seq % size & 7))) !== 0;
}

export class ReplayWindows {
  private readonly senders = new Map<string, Window>();
  /** The most recently active sender: consecutive messages from it need no reordering of `senders`. */
  private lastSender?: string;
  private lastWindow?: Window;

  constructor(private readonly size = 1024, private readonly maxSenders = 4096) {}

  /**
   * Records `count` consecutive numbers from `first` (a batch of messages, one number each) when none was seen before
   * or is too old for the window; false, recording nothing, otherwise.
   */
  acceptRange(sender: string, first: number, count: number): boolean {
    if (count === 1) return this.accept(sender, first);
    const state = this.senders.get(sender);
    if (state) {
      for (let seq = first; seq < first + count && seq <= state.top; seq++) {
        if (state.top - seq >= this.size || isSeen(state.seen, seq, this.size)) return false;
      }
    }
    for (let seq = first; seq < first + count; seq++) this.accept(sender, seq);
    return true;
  }

  /** Records `seq` for `sender`; false when it was seen before or is too old for the window. */
  accept(sender: string, seq: number): boolean {
    const state = sender === this.lastSender ? this.lastWindow as Window : this.touch(sender);
    const { seen } = state;
    const size = this.size;
    if (seq > state.top) {
      if (seq - state.top >= size) seen.fill(0);
      else for (let n = state.top + 1; n < seq; n++) seen[(n % size) >> 3] &= ~(1 << (n % size & 7));
      state.top = seq;
    } else if (state.top - seq >= size || isSeen(seen, seq, size)) {
      return false;
    }
    seen[(seq % size) >> 3] |= 1 << (seq % size & 7);
    return true;
  }

  /** Whether `seq` is above every number recorded for `sender`, a sender the windows hold: its next message, in order. */
  follows(sender: string, seq: number): boolean {
    const state = this.senders.get(sender);
    return state !== undefined && seq > state.top;
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
      // One bit per number, rounded up: a size that is not a multiple of 8 must not lose its top bits.
      state = { top: -1, seen: new Uint8Array((this.size + 7) >> 3) };
      if (this.senders.size >= this.maxSenders) this.senders.delete(this.senders.keys().next().value as string);
    }
    this.senders.set(sender, state);
    this.lastSender = sender;
    this.lastWindow = state;
    return state;
  }
}
