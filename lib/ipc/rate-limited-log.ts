export interface WarnLogger {
  warn(message: string, ...args: unknown[]): void;
}

const WINDOW_MS = 60_000;

/**
 * At most `linesPerMinute` warnings a minute; the rest is counted, and summarized in one line when the minute ends
 * (also when no warning follows: black-box round 42, h8 F2), so a flood cannot fill the disk.
 */
export class RateLimitedLog {
  private windowStart = 0;
  private linesInWindow = 0;
  /** Suppressed since the process started (stats().logLinesSuppressed). */
  suppressed = 0;
  /** Suppressed since the last summary line. */
  private unreported = 0;
  private summary?: NodeJS.Timeout;

  constructor(private readonly logger: WarnLogger, private readonly linesPerMinute: number) {}

  warn(message: string, ...args: unknown[]): void {
    const now = Date.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.linesInWindow = 0;
    }
    if (this.linesInWindow >= this.linesPerMinute) {
      this.suppressed++;
      this.unreported++;
      this.summary ??= setTimeout(() => this.summarize(), Math.max(0, this.windowStart + WINDOW_MS - now)).unref();
      return;
    }
    this.linesInWindow++;
    this.logger.warn(message, ...args);
  }

  private summarize(): void {
    this.summary = undefined;
    if (!this.unreported) return;
    this.logger.warn('[egg-sentinel] IPC: %d more bad messages or connections in the last minute were not logged (see stats())', this.unreported);
    this.unreported = 0;
  }
}
