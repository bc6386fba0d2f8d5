// A no-progress watchdog. Decoders that wait forever (tar-stream on some malformed headers, a
// network source that stops sending) otherwise leave a promise pending with no handle keeping
// anyone informed. Progress is a counter bumped on the hot path, so the cost there is one increment.

/** Watches a progress counter and calls `onStall` when it stops moving while `waitingOnCaller()` is false. */
export class StallGuard {
  /** Bump on every sign of life (bytes in, bytes out, entry parsed). */
  progress = 0;
  private seen = -1;
  private idleMs = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly timeoutMs: number,
    private readonly waitingOnCaller: () => boolean,
    private readonly onStall: (idleMs: number) => void,
  ) {
    // Ticking four times per timeout keeps detection within 125% of the limit. The timer stays
    // ref'd on purpose: a stalled read must end in an error, not in a silent process exit.
    const tick = Math.max(5, Math.floor(timeoutMs / 4));
    this.timer = setInterval(() => this.check(tick), tick);
  }

  private check(tick: number): void {
    if (this.progress !== this.seen || this.waitingOnCaller()) {
      this.seen = this.progress;
      this.idleMs = 0;
      return;
    }
    this.idleMs += tick;
    if (this.idleMs >= this.timeoutMs) {
      this.stop();
      this.onStall(this.idleMs);
    }
  }

  /** Stops watching; idempotent. */
  stop(): void {
    clearInterval(this.timer);
  }
}
