/**
 * Anti-replay state per sender instance: the highest sequence number seen plus a bitmap of the `size` numbers
 * below it (the IPsec ESP / WireGuard sliding window, RFC 4303 §3.4.3). A number at or below the window's bottom,
 * or one already seen, is a replay. Memory is bounded: at most `maxSenders` instances are tracked, least recently
 * active evicted first (a forged sender cannot take a slot: only messages with a valid MAC are recorded).
 */
export class ReplayWindows {
  private readonly senders = new Map<string, { top: number; seen: Uint8Array }>();

  constructor(private readonly size = 1024, private readonly maxSenders = 4096) {}

  /** Records `seq` for `sender`; false when it was seen before or is too old for the window. */
  accept(sender: string, seq: number): boolean {
    let state = this.senders.get(sender);
    if (!state) {
      // One bit per number, rounded up: a size that is not a multiple of 8 must not lose its top bits.
      state = { top: -1, seen: new Uint8Array((this.size + 7) >> 3) };
      if (this.senders.size >= this.maxSenders) this.senders.delete(this.senders.keys().next().value as string);
    }
    // Re-insert to keep Map order = least recently active first.
    this.senders.delete(sender);
    this.senders.set(sender, state);

    if (seq > state.top) {
      const shift = seq - state.top;
      if (shift >= this.size) state.seen.fill(0);
      else for (let n = state.top + 1; n < seq; n++) this.clear(state.seen, n);
      state.top = seq;
      this.set(state.seen, seq);
      return true;
    }
    if (state.top - seq >= this.size) return false;
    if (this.get(state.seen, seq)) return false;
    this.set(state.seen, seq);
    return true;
  }

  get trackedSenders(): number {
    return this.senders.size;
  }

  private bit(seq: number): [number, number] {
    const slot = seq % this.size;
    return [ slot >> 3, 1 << (slot & 7) ];
  }

  private get(seen: Uint8Array, seq: number): boolean {
    const [ byte, mask ] = this.bit(seq);
    return (seen[byte] & mask) !== 0;
  }

  private set(seen: Uint8Array, seq: number): void {
    const [ byte, mask ] = this.bit(seq);
    seen[byte] |= mask;
  }

  private clear(seen: Uint8Array, seq: number): void {
    const [ byte, mask ] = this.bit(seq);
    seen[byte] &= ~mask;
  }
}
