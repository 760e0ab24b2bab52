export interface WarnLogger {
  warn(message: string, ...args: unknown[]): void;
}

/** At most `linesPerMinute` warnings a minute; the rest is counted and summarized, so a flood cannot fill the disk. */
export class RateLimitedLog {
  private windowStart = 0;
  private linesInWindow = 0;
  suppressed = 0;

  constructor(private readonly logger: WarnLogger, private readonly linesPerMinute: number) {}

  warn(message: string, ...args: unknown[]): void {
    const now = Date.now();
    if (now - this.windowStart >= 60_000) {
      if (this.suppressed > 0 && this.linesInWindow >= this.linesPerMinute) {
        this.logger.warn('[egg-sentinel] IPC: %d more bad messages or connections were not logged (see stats())', this.suppressed);
      }
      this.windowStart = now;
      this.linesInWindow = 0;
    }
    if (this.linesInWindow >= this.linesPerMinute) {
      this.suppressed++;
      return;
    }
    this.linesInWindow++;
    this.logger.warn(message, ...args);
  }
}
