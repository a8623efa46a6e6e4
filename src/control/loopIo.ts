import { maxDistance, rampToward, toNormalized } from "../core/teleop.ts";
import type { MotorReading } from "../hardware/index.ts";
import { decodeHealthSpan, HealthMonitor, healthSpan, TORQUE_CHECK_MS, torqueLost, type MotorHealth } from "./health.ts";
import type { LeaderArm, LoopArm, LoopOptions } from "./loopTypes.ts";

/**
 * The loop's reads and writes of one follower: its position with temperature, voltage and load
 * in one SYNC READ, the torque read back about every TORQUE_CHECK_MS, goals as raw entries.
 * `position` holds the newest reading in normalised units (NaN where a motor did not answer).
 */
export class FollowerIo {
  readonly position: Float64Array;
  readonly ids: readonly number[];
  health: readonly MotorHealth[] = [];
  private readonly raw: Float64Array;
  private readonly span: { start: number; length: number };
  private readonly monitor: HealthMonitor;
  /** Torque_Enable as last read back, per motor (undefined: not read, or no answer). */
  private torque: (boolean | undefined)[] = [];
  private lastTorqueCheck = -Infinity;

  constructor(private readonly follower: LoopArm) {
    const n = follower.arm.motors.length;
    this.ids = follower.arm.motors.map((m) => m.id);
    this.position = new Float64Array(n).fill(NaN);
    this.raw = new Float64Array(n).fill(NaN);
    this.span = healthSpan(follower.arm);
    this.monitor = new HealthMonitor(follower.arm);
  }

  /** Reads position and health; `position` and `health` hold the result. */
  async read(): Promise<MotorReading[]> {
    const bytes = await this.follower.bus.syncReadBytes(this.span.start, this.span.length, this.ids);
    const { readings, health } = decodeHealthSpan(this.follower.arm, this.span.start, bytes, this.raw);
    toNormalized(this.follower, this.raw, this.position);
    this.health = health.map((h, i) => ({ ...h, torque: this.torque[i] }));
    return readings;
  }

  /** Warnings from the newest health, and why to stop (overheating, undervoltage…) if it must. */
  checkHealth(now: number): { warnings: string[]; stop: string | undefined } {
    return this.monitor.check(this.health, now);
  }

  /**
   * About every TORQUE_CHECK_MS, Torque_Enable read back: why to stop when a motor answered "off"
   * (a write from elsewhere, or the motor's own protection), else undefined. `current()` false:
   * the run it was read for has ended, so the answer is not used.
   */
  async checkTorque(now: number, current: () => boolean): Promise<string | undefined> {
    if (now - this.lastTorqueCheck < TORQUE_CHECK_MS) return undefined;
    this.lastTorqueCheck = now;
    const readings = await this.follower.bus.syncRead("Torque_Enable", this.ids);
    if (!current()) return undefined;
    this.torque = readings.map((r) => (r.ok ? r.value !== 0 : undefined));
    return torqueLost(this.follower.arm, this.torque);
  }

  /** Torque off on every motor; a port that is gone is not an error here (the motors lose power or hold). */
  async torqueOff(): Promise<void> {
    try {
      await this.follower.bus.syncWrite(
        "Torque_Enable",
        this.ids.map((id) => [id, 0] as const),
      );
    } catch {
      // the port is gone
    }
  }

  /** Raw goals as SYNC WRITE entries; a NaN goal (no reading to hold) is left out. */
  entries(raw: Float64Array): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.ids.length; i++) {
      const v = raw[i]!;
      if (!Number.isNaN(v)) out.push([this.ids[i]!, Math.round(v)]);
    }
    return out;
  }
}

/** A leader's positions in normalised units into `out` (NaN where a motor did not answer). */
export async function readLeader(arm: LeaderArm, out: Float64Array): Promise<MotorReading[]> {
  const readings = await arm.bus.syncRead(
    "Present_Position",
    arm.arm.motors.map((m) => m.id),
  );
  toNormalized(
    arm,
    readings.map((r) => (r.ok ? r.value : NaN)),
    out,
  );
  return readings;
}

/**
 * The start gate: while the follower is farther than `gate` from the command, the command is
 * replaced by a walk toward it at `rampPerSecond` (by elapsed time, so a late tick does not slow
 * it down); inside the gate the loop tracks.
 */
export class StartGate {
  private readonly ramp: Float64Array;
  private lastAt = NaN;

  constructor(
    private readonly n: number,
    private readonly options: Pick<LoopOptions, "gate" | "rampPerSecond">,
    private readonly periodMs: number,
  ) {
    this.ramp = new Float64Array(n).fill(NaN);
  }

  /** Starts a new walk (from wherever the follower is at the next step). */
  reset(): void {
    this.ramp.fill(NaN);
    this.lastAt = NaN;
  }

  /** True: inside the gate. Otherwise `command` now holds the walk's next step. */
  step(command: Float64Array, follower: Float64Array, now: number): boolean {
    const { gate, rampPerSecond } = this.options;
    if (maxDistance(command, follower, this.n) <= gate) return true;
    const dt = Number.isNaN(this.lastAt) ? this.periodMs : Math.min(100, now - this.lastAt);
    this.lastAt = now;
    rampToward(this.ramp, command, follower, rampPerSecond, dt, Math.max(gate, rampPerSecond * 0.25));
    command.set(this.ramp);
    return false;
  }
}
