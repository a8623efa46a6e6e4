import type { Clock } from "../core/clock.ts";

export interface DeadlineHandlers {
  /** One tick; false ends the run. Never called while another is in flight. */
  tick(): Promise<boolean>;
  /** `late` deadlines passed while a tick ran: they are skipped, not run late. */
  overrun(late: number): void;
  /** No tick ended for the watchdog's time (a bus that never answers). */
  stalled(): void;
}

/**
 * Ticks on deadlines: tick k at t0 + k·period, never overlapping, with a watchdog. `stop()` takes
 * effect at once (no later tick starts); `inFlight` is the tick still running, if any.
 */
export class Deadlines {
  inFlight: Promise<void> | undefined;
  private run: object | undefined;
  private lastEnd = 0;
  private cancelTimer: (() => void) | undefined;
  private cancelWatchdog: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly periodMs: number,
    private readonly watchdogMs: number,
  ) {}

  start(handlers: DeadlineHandlers): void {
    this.stop();
    const run = {};
    this.run = run;
    const t0 = this.clock.now();
    this.lastEnd = t0;
    const every = Math.max(10, this.watchdogMs / 4);
    const check = () => {
      if (run !== this.run) return;
      if (this.clock.now() - this.lastEnd > this.watchdogMs) return handlers.stalled();
      this.cancelWatchdog = this.clock.timeout(every, check);
    };
    this.cancelWatchdog = this.clock.timeout(every, check);
    this.at(run, handlers, t0, 0);
  }

  stop(): void {
    this.run = undefined;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.cancelWatchdog?.();
    this.cancelWatchdog = undefined;
  }

  private at(run: object, handlers: DeadlineHandlers, t0: number, k: number): void {
    this.cancelTimer = this.clock.runAt(t0 + k * this.periodMs, () => {
      const p = this.once(run, handlers, t0, k);
      this.inFlight = p;
      void p.finally(() => {
        if (this.inFlight === p) this.inFlight = undefined;
      });
    });
  }

  private async once(run: object, handlers: DeadlineHandlers, t0: number, k: number): Promise<void> {
    if (run !== this.run) return;
    if (!(await handlers.tick())) return;
    const end = this.clock.now();
    this.lastEnd = end;
    if (run !== this.run) return;
    // Next deadline in the future; deadlines passed while this tick ran are overruns.
    let next = k + 1;
    const late = Math.floor((end - t0) / this.periodMs) + 1 - next;
    if (late > 0) {
      next += late;
      handlers.overrun(late);
    }
    this.at(run, handlers, t0, next);
  }
}
