import { LatestSample } from "../core/LatestSample.ts";
import { type ArmUnits, limitStep, maxDistance, toNormalized, toRawGoal } from "../core/teleop.ts";
import type { MotorBytes, MotorReading } from "../hardware/index.ts";
import { PROTOCOL_FAMILIES } from "../protocol/models.ts";
import { decodeValue } from "../protocol/values.ts";
import { runAt } from "../hardware/index.ts";
import { SnapshotEngine } from "./SnapshotEngine.ts";

/** What the loop needs of a bus (MotorBus has it). */
export interface LoopBus {
  syncRead(register: string, ids: readonly number[]): Promise<MotorReading[]>;
  syncReadBytes(address: number, length: number, ids: readonly number[]): Promise<MotorBytes[]>;
  syncWrite(register: string, values: readonly (readonly [number, number])[]): Promise<void>;
  onLost(fn: () => void): () => void;
}

export interface LoopArm extends ArmUnits {
  readonly bus: LoopBus;
}

export type LoopState =
  | "idle"
  | "gating" // the follower ramps toward the command before tracking it
  | "tracking"
  | "stopped" // stopped by the user: follower holds with torque on
  | "estopped" // emergency stop: torque off everywhere
  | "fault"; // a port was lost or the loop stalled: torque off, nothing more is sent

export interface LoopOptions {
  readonly rateHz: number;
  /** lerobot's max_relative_target per tick, normalised units, per joint (or one for all). */
  readonly maxStep: number | readonly number[];
  /** Start gate: the follower tracks only once every joint is within this distance of the command. */
  readonly gate: number;
  /** While gating, how fast the follower is walked toward the command, units per second. */
  readonly rampPerSecond: number;
  /** Torque off if no tick completes for this long (ms). */
  readonly watchdogMs: number;
}

export const DEFAULT_LOOP: LoopOptions = { rateHz: 100, maxStep: 10, gate: 8, rampPerSecond: 30, watchdogMs: 250 };

/** Where commands come from: the leader arm, or targets set by the page (keyboard, sliders…). */
export type CommandSource = "leader" | "manual";

export interface LoopSnapshot {
  readonly state: LoopState;
  readonly source: CommandSource;
  readonly reason: string | undefined;
  readonly ticks: number;
  readonly overruns: number;
  /** Measured over the last second. */
  readonly rateHz: number;
  /** p99 of |actual period − nominal period| over the last 6,000 ticks, ms. */
  readonly p99PeriodErrorMs: number;
  readonly clippedSteps: number;
  readonly missingReads: number;
  /** The follower's motors, read every tick with the position: °C, V, load (%, Feetech) or mA (Dynamixel). */
  readonly health: readonly { readonly temperatureC: number; readonly voltageV: number; readonly load: number }[];
  /** Current warnings, for the user ("gripper at 58 °C"). */
  readonly warnings: readonly string[];
}

/** Servo protection thresholds (STS3215/XL330 limit 70 °C; lerobot keeps the factory limits). */
export const HEALTH_LIMITS = {
  warnTemperatureC: 55,
  stopTemperatureC: 65,
  /** Feetech Present_Load is 0.1 % of max torque: warn above 80 %, stop after a second above 95 %. */
  warnLoadPct: 80,
  stopLoadPct: 95,
  stopLoadMs: 1000,
  minVoltageV: 4.5,
  maxVoltageV: 13,
} as const;

const PERIODS_KEPT = 6000;

/**
 * The teleoperation loop: each tick one SYNC READ per bus (leader, follower), leader →
 * follower in normalised units, safety (start gate, max step, calibrated limits), one
 * SYNC WRITE, and the newest sample published to a shared buffer. It schedules itself
 * against deadlines (tick k at t0 + k·period), never overlaps ticks, and counts overruns.
 */
export class ControlLoop extends SnapshotEngine<LoopSnapshot> {
  readonly sample: LatestSample;
  private running = false;
  private readonly n: number;
  private readonly leaderN: Float64Array;
  private readonly followerN: Float64Array;
  private readonly command: Float64Array;
  private readonly safe: Float64Array;
  private readonly raw: Float64Array;
  private readonly maxSteps: Float64Array;
  private readonly periods = new Float64Array(PERIODS_KEPT);
  private periodCount = 0;
  private lastTickStart = NaN;
  private lastTickEnd = 0;
  private rateWindow: number[] = [];
  private cancelTimer: (() => void) | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly ids: number[];
  private readonly manual: Float64Array;

  constructor(
    readonly leader: LoopArm,
    readonly follower: LoopArm,
    readonly options: LoopOptions = DEFAULT_LOOP,
    sampleBuffer?: ArrayBufferLike,
  ) {
    super({
      state: "idle",
      source: "leader",
      reason: undefined,
      ticks: 0,
      overruns: 0,
      rateHz: 0,
      p99PeriodErrorMs: 0,
      clippedSteps: 0,
      missingReads: 0,
      health: [],
      warnings: [],
    });
    const names = follower.arm.motors.map((m) => m.name);
    if (leader.arm.motors.some((m, i) => m.name !== names[i])) {
      throw new RangeError(`${leader.arm.label} and ${follower.arm.label} do not have the same joints.`);
    }
    this.n = names.length;
    this.ids = follower.arm.motors.map((m) => m.id);
    this.leaderN = new Float64Array(this.n);
    this.followerN = new Float64Array(this.n);
    this.command = new Float64Array(this.n);
    this.safe = new Float64Array(this.n);
    this.raw = new Float64Array(this.n);
    this.manual = new Float64Array(this.n).fill(NaN);
    this.maxSteps = Float64Array.from({ length: this.n }, (_, i) =>
      typeof options.maxStep === "number" ? options.maxStep : (options.maxStep[i] ?? Infinity),
    );
    this.sample = new LatestSample(sampleBuffer ?? new ArrayBuffer(LatestSample.bytesFor(this.n)), this.n);
  }

  get periodMs(): number {
    return 1000 / this.options.rateHz;
  }

  /** Take torque at the follower's present pose and start (gating first). */
  async start(): Promise<void> {
    if (this.running) return;
    if (this.snap.state === "fault") throw new Error(`The loop stopped: ${this.snap.reason ?? "fault"}. Reconnect, then start again.`);
    const follower = await this.readFollower();
    if (follower.some((r) => !r.ok)) throw new Error(`${this.follower.arm.label} did not answer every motor: check it before starting.`);
    // Goal = where it is, then torque on: taking torque never makes the arm jump.
    toRawGoal(this.follower, this.followerN, this.raw);
    await this.follower.bus.syncWrite("Goal_Position", this.entries(this.raw));
    await this.follower.bus.syncWrite(
      "Torque_Enable",
      this.ids.map((id) => [id, 1] as const),
    );
    this.update({ state: "gating", reason: undefined });
    for (const arm of [this.leader, this.follower]) {
      this.unsubscribe.push(arm.bus.onLost(() => void this.fault(`${arm.arm.label} was disconnected`)));
    }
    this.running = true;
    this.lastTickEnd = performance.now();
    this.watchdog = setInterval(
      () => {
        if (this.running && performance.now() - this.lastTickEnd > this.options.watchdogMs) void this.fault("the control loop stalled");
      },
      Math.max(10, this.options.watchdogMs / 4),
    );
    const t0 = performance.now();
    this.schedule(t0, 0);
  }

  /**
   * Switch the command source without a jump: manual targets start at the follower's pose;
   * going back to the leader passes the start gate again.
   */
  setSource(source: CommandSource): void {
    if (source === this.snap.source) return;
    if (source === "manual") this.manual.set(this.followerN);
    const state = this.snap.state === "tracking" && source === "leader" ? "gating" : this.snap.state;
    this.update({ source, state });
  }

  /** Manual targets in normalised units (NaN: hold that joint where it is). */
  setTargets(values: readonly number[]): void {
    for (let i = 0; i < this.n; i++) {
      const v = values[i];
      this.manual[i] = v === undefined || !Number.isFinite(v) ? NaN : v;
    }
  }

  /** Stop sending commands; the follower holds its pose with torque on. */
  stop(): void {
    this.halt();
    if (this.snap.state === "gating" || this.snap.state === "tracking") this.update({ state: "stopped" });
  }

  /** Emergency stop: torque off on the follower, at once. */
  async estop(reason = "emergency stop"): Promise<void> {
    this.halt();
    this.update({ state: "estopped", reason });
    await this.torqueOff();
  }

  private async fault(reason: string): Promise<void> {
    if (this.snap.state === "fault") return;
    this.halt();
    this.update({ state: "fault", reason });
    await this.torqueOff();
  }

  private async torqueOff(): Promise<void> {
    try {
      await this.follower.bus.syncWrite(
        "Torque_Enable",
        this.ids.map((id) => [id, 0] as const),
      );
    } catch {
      // the port is gone: the motors lose power or hold until it comes back
    }
  }

  private halt(): void {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    clearInterval(this.watchdog);
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private schedule(t0: number, k: number): void {
    const due = t0 + k * this.periodMs;
    this.cancelTimer = runAt(due, () => void this.tick(t0, k));
  }

  private async tick(t0: number, k: number): Promise<void> {
    if (!this.running) return;
    const start = performance.now();
    if (!Number.isNaN(this.lastTickStart)) this.recordPeriod(start - this.lastTickStart);
    this.lastTickStart = start;
    try {
      await this.step();
    } catch (e) {
      await this.fault(e instanceof Error ? e.message : String(e));
      return;
    }
    const end = performance.now();
    this.lastTickEnd = end;
    if (!this.running) return;
    // Next deadline in the future; deadlines passed while this tick ran are overruns.
    let next = k + 1;
    const late = Math.floor((end - t0) / this.periodMs) + 1 - next;
    if (late > 0) {
      next += late;
      this.update({ overruns: this.snap.overruns + late });
    }
    this.schedule(t0, next);
  }

  private async step(): Promise<void> {
    // Leader and follower are on different buses: read them at the same time.
    const [leaderReads, followerReads] = await Promise.all([this.readPositions(this.leader, this.leaderN), this.readFollower()]);
    const stop = this.checkHealth();
    if (stop) {
      await this.fault(stop);
      return;
    }
    const missing = leaderReads.filter((r) => !r.ok).length + followerReads.filter((r) => !r.ok).length;
    if (this.snap.source === "leader") this.command.set(this.leaderN);
    else for (let i = 0; i < this.n; i++) this.command[i] = Number.isNaN(this.manual[i]!) ? this.followerN[i]! : this.manual[i]!;
    let state = this.snap.state;
    if (state === "gating") {
      const d = maxDistance(this.command, this.followerN, this.n);
      if (d <= this.options.gate) state = "tracking";
      else {
        // Walk toward the command slowly until inside the gate.
        const ramp = (this.options.rampPerSecond * this.periodMs) / 1000;
        for (let i = 0; i < this.n; i++) {
          const p = this.followerN[i]!;
          const c = this.command[i]!;
          this.command[i] = p + Math.max(-ramp, Math.min(ramp, c - p));
        }
      }
    }
    const clipped = limitStep(this.command, this.followerN, this.maxSteps, this.safe);
    toRawGoal(this.follower, this.safe, this.raw);
    const entries = this.entries(this.raw);
    if (entries.length > 0) await this.follower.bus.syncWrite("Goal_Position", entries);
    this.sample.write(performance.now(), state === "tracking" ? 1 : 0, this.leaderN, this.followerN, this.safe);
    this.update({
      state,
      ticks: this.snap.ticks + 1,
      clippedSteps: this.snap.clippedSteps + (state === "tracking" ? clipped : 0),
      missingReads: this.snap.missingReads + missing,
      rateHz: this.measureRate(),
      health: this.health,
      warnings: this.warnings,
      p99PeriodErrorMs: this.snap.ticks % 50 === 0 ? this.p99() : this.snap.p99PeriodErrorMs,
    });
  }

  private health: { temperatureC: number; voltageV: number; load: number }[] = [];
  private warnings: string[] = [];
  private overloadSince = new Map<number, number>();

  /**
   * The follower's position plus temperature, voltage and load in one SYNC READ of the span
   * that covers them (8 bytes on Feetech, 21 on Dynamixel).
   */
  private async readFollower(): Promise<MotorReading[]> {
    const u = this.follower;
    const fam = PROTOCOL_FAMILIES[u.arm.protocol];
    const t = fam.telemetry;
    const regs = [t.position, t.temperature, t.voltage, t.load].map((n) => fam.table[n]!);
    const start = Math.min(...regs.map((r) => r.address));
    const end = Math.max(...regs.map((r) => r.address + r.size));
    const raw = await u.bus.syncReadBytes(start, end - start, this.ids);
    const [pos, temp, volt, load] = regs as [(typeof regs)[0], (typeof regs)[0], (typeof regs)[0], (typeof regs)[0]];
    const positions = new Float64Array(this.n).fill(NaN);
    const health: { temperatureC: number; voltageV: number; load: number }[] = [];
    const readings: MotorReading[] = raw.map((r, i) => {
      if (!r.ok) {
        health.push({ temperatureC: NaN, voltageV: NaN, load: NaN });
        return r;
      }
      const v = (reg: typeof pos) => decodeValue(reg, r.data, reg.address - start);
      positions[i] = v(pos);
      health.push({ temperatureC: v(temp), voltageV: v(volt) * fam.units.voltage, load: v(load) * fam.units.loadScale });
      return { id: r.id, ok: true, value: v(pos), conditions: r.conditions };
    });
    toNormalized(u, positions, this.followerN);
    this.health = health;
    return readings;
  }

  /** Warnings for the user, and a reason to stop when a motor must be protected. */
  private checkHealth(): string | undefined {
    const L = HEALTH_LIMITS;
    const warnings: string[] = [];
    const now = performance.now();
    const feetech = this.follower.arm.protocol === "feetech";
    for (let i = 0; i < this.health.length; i++) {
      const h = this.health[i]!;
      const name = this.follower.arm.motors[i]!.name;
      if (h.temperatureC >= L.stopTemperatureC)
        return `${name} reached ${h.temperatureC} °C (stop at ${L.stopTemperatureC} °C): let it cool down`;
      if (h.temperatureC >= L.warnTemperatureC) warnings.push(`${name} at ${h.temperatureC} °C`);
      if (h.voltageV < L.minVoltageV || h.voltageV > L.maxVoltageV) warnings.push(`${name} supply ${h.voltageV.toFixed(1)} V`);
      if (feetech && Math.abs(h.load) >= L.warnLoadPct) warnings.push(`${name} load ${Math.abs(h.load).toFixed(0)} %`);
      if (feetech && Math.abs(h.load) >= L.stopLoadPct) {
        const since = this.overloadSince.get(i) ?? now;
        this.overloadSince.set(i, since);
        if (now - since >= L.stopLoadMs)
          return `${name} pushed at ${Math.abs(h.load).toFixed(0)} % load for a second: it is blocked or at its limit`;
      } else {
        this.overloadSince.delete(i);
      }
    }
    this.warnings = warnings;
    return undefined;
  }

  private async readPositions(arm: LoopArm, out: Float64Array): Promise<MotorReading[]> {
    const readings = await arm.bus.syncRead(
      "Present_Position",
      arm.arm.motors.map((m) => m.id),
    );
    const raw = readings.map((r) => (r.ok ? r.value : NaN));
    toNormalized(arm, raw, out);
    return readings;
  }

  private entries(raw: Float64Array): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.n; i++) {
      const v = raw[i]!;
      if (!Number.isNaN(v)) out.push([this.ids[i]!, Math.round(v)]);
    }
    return out;
  }

  private recordPeriod(ms: number): void {
    this.periods[this.periodCount % PERIODS_KEPT] = Math.abs(ms - this.periodMs);
    this.periodCount++;
  }

  /** p99 of the recorded period errors (ms). */
  p99(): number {
    const n = Math.min(this.periodCount, PERIODS_KEPT);
    if (n === 0) return 0;
    const sorted = Float64Array.from(this.periods.subarray(0, n)).sort();
    return sorted[Math.min(n - 1, Math.floor(n * 0.99))]!;
  }

  private measureRate(): number {
    const now = performance.now();
    this.rateWindow.push(now);
    while (this.rateWindow.length > 0 && now - this.rateWindow[0]! > 1000) this.rateWindow.shift();
    return this.rateWindow.length;
  }
}
