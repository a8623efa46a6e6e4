const PERIODS_KEPT = 6000;

/** A loop's timing figures: |actual − nominal period| over the last 6,000 ticks, and ticks in the last second. */
export class PeriodStats {
  private readonly errors = new Float64Array(PERIODS_KEPT);
  private count = 0;
  private lastStart = NaN;
  private readonly window: number[] = [];

  constructor(private readonly periodMs: number) {}

  /** A tick started at `now` (the loop's clock, ms). */
  tickStarted(now: number): void {
    if (!Number.isNaN(this.lastStart)) {
      this.errors[this.count % PERIODS_KEPT] = Math.abs(now - this.lastStart - this.periodMs);
      this.count++;
    }
    this.lastStart = now;
  }

  /** p99 of the recorded period errors (ms). */
  p99(): number {
    const n = Math.min(this.count, PERIODS_KEPT);
    if (n === 0) return 0;
    const sorted = Float64Array.from(this.errors.subarray(0, n)).sort();
    return sorted[Math.min(n - 1, Math.floor(n * 0.99))]!;
  }

  /** Ticks completed in the last second, counting this one at `now`. */
  rate(now: number): number {
    this.window.push(now);
    while (this.window.length > 0 && now - this.window[0]! > 1000) this.window.shift();
    return this.window.length;
  }
}
