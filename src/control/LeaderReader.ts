/**
 * Reads a leader arm's joints at a fixed rate without driving anything: the operator's own leader
 * as a command source for a remote station (the station's gate, start gate, limits and max step
 * apply to what it sends, as to every remote command).
 *
 * - One SYNC READ of `Present_Position` per period, converted with the leader's calibration to
 *   normalised units (NaN where a motor did not answer: that joint is left out of the command).
 * - A read still pending at the next period is not doubled up: that period is skipped and counted.
 * - `start` changes the state at once and a second one returns the same run; `stop` (or a lost
 *   bus) ends it, and a read that completes after the stop is never delivered.
 */
import { type Clock, every } from "../core/clock.ts";
import { toNormalized } from "../core/teleop.ts";
import type { LeaderArm } from "./loopTypes.ts";

export interface LeaderReaderHandlers {
  /** A reading: normalised joints in the arm's motor order, and when it was read (clock ms). */
  joints(values: Float64Array, at: number): void;
  /** The run ended on its own (the bus was lost, or reads kept failing): why, for the user. */
  failed(reason: string): void;
}

export interface LeaderReaderStats {
  readonly reads: number;
  /** Periods skipped because the previous read had not returned. */
  readonly skipped: number;
  /** Readings in which at least one motor did not answer. */
  readonly missing: number;
}

/** Consecutive reads with no motor answering before the run gives up. */
const DEAD_READS = 25;

export class LeaderReader {
  private running = false;
  private gen = 0;
  private inFlight = false;
  private dead = 0;
  private stopTicks: (() => void) | undefined;
  private unsubscribeLost: (() => void) | undefined;
  private readonly values: Float64Array;
  private counts = { reads: 0, skipped: 0, missing: 0 };

  constructor(
    private readonly arm: LeaderArm,
    private readonly clock: Clock,
    private readonly rateHz: number,
    private readonly handlers: LeaderReaderHandlers,
  ) {
    this.values = new Float64Array(arm.arm.motors.length);
  }

  get active(): boolean {
    return this.running;
  }

  /** The leader's joint names, in the order of the values handed out. */
  get joints(): readonly string[] {
    return this.arm.arm.motors.map((m) => m.name);
  }

  stats(): LeaderReaderStats {
    return { ...this.counts };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const gen = ++this.gen;
    this.unsubscribeLost = this.arm.bus.onLost(() => this.fail(gen, `${this.arm.arm.label} was disconnected`));
    this.stopTicks = every(this.clock, 1000 / this.rateHz, () => this.tick(gen));
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.gen++;
    this.inFlight = false;
    this.stopTicks?.();
    this.unsubscribeLost?.();
    this.stopTicks = this.unsubscribeLost = undefined;
  }

  private fail(gen: number, reason: string): void {
    if (gen !== this.gen) return;
    this.stop();
    this.handlers.failed(reason);
  }

  private tick(gen: number): void {
    if (this.inFlight) {
      this.counts.skipped++;
      return;
    }
    this.inFlight = true;
    const ids = this.arm.arm.motors.map((m) => m.id);
    this.arm.bus.syncRead("Present_Position", ids).then(
      (readings) => {
        if (gen !== this.gen) return;
        this.inFlight = false;
        this.counts.reads++;
        const answered = readings.filter((r) => r.ok).length;
        if (answered < ids.length) this.counts.missing++;
        this.dead = answered === 0 ? this.dead + 1 : 0;
        if (this.dead >= DEAD_READS) return this.fail(gen, `${this.arm.arm.label} stopped answering`);
        toNormalized(
          this.arm,
          ids.map((id) => {
            const r = readings.find((x) => x.id === id);
            return r?.ok ? r.value : NaN;
          }),
          this.values,
        );
        this.handlers.joints(this.values, this.clock.now());
      },
      (e: unknown) => {
        if (gen !== this.gen) return;
        this.inFlight = false;
        this.fail(gen, `${this.arm.arm.label} could not be read (${e instanceof Error ? e.message : String(e)})`);
      },
    );
  }
}
