import type { Clock } from "../core/clock.ts";

export interface FrameSchedulerOptions {
  /** This thread's clock. */
  readonly clock: Clock;
  /** The page clock − this thread's clock, ms (frames are timed and stamped on the page clock). */
  readonly pageOffsetMs: number;
  readonly fps: number;
  /** Frame k is due at phaseOriginMs + k/fps on the page clock. */
  readonly phaseOriginMs: number;
  /** Frames produced and not yet taken by their consumer before new ones are skipped. */
  readonly maxInFlight: number;
  /**
   * Makes and sends frame `frameNo`, captured at `captureMs` (page clock); resolves once its
   * consumer took it. A throw or rejection counts the frame as skipped.
   */
  readonly produce: (captureMs: number, frameNo: number) => Promise<void>;
}

/**
 * A simulated camera's shutter: frames at phaseOrigin + k/fps on the page clock, on the given
 * clock's precise timer, so several simulated cameras and the recorder's rows (which start on
 * the same grid) are in phase. A deadline missed by more than a period is skipped rather than
 * drawn late in a burst, and a consumer that stops taking frames gets no more than
 * `maxInFlight` of them; both are counted in `skipped`.
 */
export class FrameScheduler {
  /** Frames produced. */
  frames = 0;
  /** Frame slots skipped: late by more than a period, or too many frames waiting for the consumer. */
  skipped = 0;
  private inFlight = 0;
  private k = 0;
  private cancel: () => void = () => undefined;
  private running = false;

  constructor(private readonly o: FrameSchedulerOptions) {
    if (!(o.fps > 0)) throw new RangeError(`A camera's frame rate must be positive, got ${o.fps}.`);
  }

  private pageNow(): number {
    return this.o.clock.now() + this.o.pageOffsetMs;
  }

  private due(k: number): number {
    return this.o.phaseOriginMs + (k * 1000) / this.o.fps;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // The first deadline not in the past.
    this.k = Math.max(0, Math.ceil(((this.pageNow() - this.o.phaseOriginMs) * this.o.fps) / 1000));
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.cancel();
  }

  private arm(): void {
    this.cancel = this.o.clock.runAt(this.due(this.k) - this.o.pageOffsetMs, () => this.tick());
  }

  private tick(): void {
    if (!this.running) return;
    const period = 1000 / this.o.fps;
    const now = this.pageNow();
    const late = now - this.due(this.k);
    if (late > period) {
      const behind = Math.floor(late / period);
      this.skipped += behind;
      this.k += behind;
    }
    this.k++;
    if (this.inFlight >= this.o.maxInFlight) this.skipped++;
    else this.send(now);
    this.arm();
  }

  private send(captureMs: number): void {
    const done = () => {
      this.inFlight--;
    };
    this.inFlight++;
    try {
      this.o.produce(captureMs, this.frames).then(done, () => {
        done();
        this.skipped++;
      });
      this.frames++;
    } catch {
      done();
      this.skipped++;
    }
  }
}
