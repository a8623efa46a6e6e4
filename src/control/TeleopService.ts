import type { CalibrationTable } from "../core/calibration.ts";
import { ARMS, type ArmId } from "../core/robots.ts";
import { ControlLoop, DEFAULT_LOOP, type LoopBus, type LoopOptions, type LoopSnapshot } from "./ControlLoop.ts";

export interface TeleopArmSpec {
  readonly busKey: string;
  readonly arm: ArmId;
  readonly calibration: CalibrationTable;
  readonly body: "degrees" | "range_m100_100";
}

export interface TeleopRequest {
  readonly leader: TeleopArmSpec;
  readonly follower: TeleopArmSpec;
  readonly options?: Partial<LoopOptions>;
  /** Where the newest sample is published (a SharedArrayBuffer lets the page read it directly). */
  readonly sampleBuffer?: ArrayBufferLike;
}

export interface TeleopStatus extends LoopSnapshot {
  /** The newest sample (t, flags, leader, follower, command), for pages without shared memory. */
  readonly sample: readonly number[];
  readonly joints: readonly string[];
  /** performance.timeOrigin where the loop runs: sample times + (this − reader's timeOrigin) = reader's clock. */
  readonly clockOriginMs: number;
}

/**
 * Hosts the control loop next to the buses (in the bus worker, or on the page as a
 * fallback) and reports its status ~10 times a second.
 */
export class TeleopService {
  private loop: ControlLoop | undefined;
  private lastEmit = 0;
  private readonly scratch = new Float64Array(2 + 3 * 6);

  constructor(
    private readonly busOf: (key: string) => LoopBus,
    private readonly emit: (status: TeleopStatus) => void,
    private readonly statusPeriodMs = 100,
  ) {}

  async startTeleop(req: TeleopRequest): Promise<TeleopStatus> {
    await this.stopTeleop();
    const options: LoopOptions = { ...DEFAULT_LOOP, ...req.options };
    const loop = new ControlLoop(
      { arm: ARMS[req.leader.arm], calibration: req.leader.calibration, body: req.leader.body, bus: this.busOf(req.leader.busKey) },
      { arm: ARMS[req.follower.arm], calibration: req.follower.calibration, body: req.follower.body, bus: this.busOf(req.follower.busKey) },
      options,
      req.sampleBuffer,
    );
    this.loop = loop;
    loop.subscribe((s) => {
      const now = performance.now();
      const changed = s.state !== this.lastState;
      if (changed || now - this.lastEmit >= this.statusPeriodMs) {
        this.lastEmit = now;
        this.lastState = s.state;
        this.emit(this.status());
      }
    });
    await loop.start();
    return this.status();
  }

  private lastState: string | undefined;

  async stopTeleop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    loop.stop();
    this.emit(this.status());
    this.loop = undefined;
    await Promise.resolve();
  }

  async setSource(source: "leader" | "manual"): Promise<void> {
    this.loop?.setSource(source);
    if (this.loop) this.emit(this.status());
    await Promise.resolve();
  }

  async setTargets(values: readonly number[]): Promise<void> {
    this.loop?.setTargets(values);
    await Promise.resolve();
  }

  /** Emergency stop: torque off on the follower. Safe to call with no loop running. */
  async estop(): Promise<void> {
    const loop = this.loop;
    if (loop) {
      await loop.estop();
      this.emit(this.status(loop));
    }
  }

  status(loop = this.loop): TeleopStatus {
    if (!loop) {
      return {
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
        sample: [],
        joints: [],
        clockOriginMs: performance.timeOrigin,
      };
    }
    const ok = loop.sample.read(this.scratch);
    return {
      ...loop.snapshot,
      sample: ok ? Array.from(this.scratch) : [],
      joints: loop.follower.arm.motors.map((m) => m.name),
      clockOriginMs: performance.timeOrigin,
    };
  }
}
