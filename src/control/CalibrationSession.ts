import type { Clock } from "../core/clock.ts";
import { CancelledError, isCancelled } from "../core/lifecycle.ts";
import {
  type CalibrationTable,
  HALF_TURN,
  halfTurnHomingOffset,
  homingOffsetLimit,
  type JointSweep,
  MAX_RAW,
  type MotorCalibration,
  reviewSweep,
  type SweepIssue,
} from "../core/calibration.ts";
import type { ArmDefinition, JointName } from "../core/robots.ts";
import { realClock, type RigApi } from "../hardware/index.ts";
import { SnapshotEngine } from "./SnapshotEngine.ts";
import { motorIds, readAll, torqueOff, writeCalibration, writeEach } from "./armRegisters.ts";
import { messageOf } from "../core/messages.ts";

export type CalibrationPhase =
  | "ready" // nothing touched yet
  | "preparing" // torque off, modes set
  | "middle" // waiting for the user to centre the arm
  | "homing" // writing homing offsets
  | "sweep" // recording the range of motion, live
  | "review" // ranges recorded, issues explained
  | "saving"
  | "saved"
  | "failed"
  | "cancelled";

export interface JointLive {
  readonly name: JointName;
  /** Raw Present_Position now, or undefined when the last read failed. */
  readonly position: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly firstMove: number;
  readonly fullTurn: boolean;
}

export interface CalibrationSnapshot {
  readonly phase: CalibrationPhase;
  readonly joints: readonly JointLive[];
  readonly issues: readonly SweepIssue[];
  readonly error: string | undefined;
  readonly result: CalibrationTable | undefined;
}

/** A clear move away from the middle pose, steps (≈13°). */
const FIRST_MOVE_STEPS = 150;

/**
 * lerobot's calibration procedure as a plain engine the UI binds to:
 * begin (torque off) → setMiddle (half-turn homing) → live sweep → finishSweep (review) → save.
 * Nothing is stored by the session itself: the caller persists `result` after `save()`.
 * If anything fails before saving, the previous calibration is written back to the motors
 * when possible, and the stored one is never touched.
 */
export class CalibrationSession extends SnapshotEngine<CalibrationSnapshot> {
  private polling = false;
  private cancelPoll: (() => void) | undefined;
  /** The step in progress (begin, setMiddle, save). */
  private working: Promise<void> | undefined;
  private offsets = new Map<string, number>();

  constructor(
    private readonly api: RigApi,
    private readonly key: string,
    readonly arm: ArmDefinition,
    private readonly previous: CalibrationTable | undefined,
    private readonly pollMs = 50,
    private readonly clock: Clock = realClock,
  ) {
    super({
      phase: "ready",
      joints: arm.motors.map((m) => ({
        name: m.name,
        position: undefined,
        min: undefined,
        max: undefined,
        firstMove: 0,
        fullTurn: m.fullTurn,
      })),
      issues: [],
      error: undefined,
      result: undefined,
    });
  }

  private expect(...phases: CalibrationPhase[]): void {
    if (!phases.includes(this.snap.phase)) {
      throw new Error(`Calibration cannot do that while ${this.snap.phase} (expected ${phases.join(" or ")}).`);
    }
  }

  /** Torque off and position mode on every motor; live positions start. */
  async begin(): Promise<void> {
    this.expect("ready");
    await this.guard("preparing", async (live) => {
      await torqueOff(this.api, this.key, this.arm);
      live();
      // Position mode: Feetech 0; Dynamixel extended position (4), as lerobot calibrates Koch.
      await writeEach(this.api, this.key, this.arm, "Operating_Mode", () => (this.arm.protocol === "feetech" ? 0 : 4));
      live();
      this.startPolling(false);
      this.update({ phase: "middle" });
    });
  }

  /** The arm is centred: reset, read, and write half-turn homing offsets. */
  async setMiddle(): Promise<void> {
    this.expect("middle");
    this.stopPolling();
    await this.guard("homing", async (live) => {
      const { api, key, arm } = this;
      // reset_calibration: offset 0 and full limits, so the raw position reads through.
      if (arm.protocol === "dynamixel")
        await writeEach(api, key, arm, "Drive_Mode", (n) => arm.motors.find((m) => m.name === n)?.driveMode);
      live();
      await writeEach(api, key, arm, "Homing_Offset", () => 0);
      live();
      await writeEach(api, key, arm, "Min_Position_Limit", () => 0);
      live();
      await writeEach(api, key, arm, "Max_Position_Limit", () => MAX_RAW);
      live();
      const raw = await readAll(api, key, arm, "Present_Position");
      live();
      const limit = homingOffsetLimit(arm.protocol);
      this.offsets = new Map(
        [...raw].map(([name, pos]) => [name, Math.max(-limit, Math.min(limit, halfTurnHomingOffset(arm.protocol, pos)))]),
      );
      await writeEach(api, key, arm, "Homing_Offset", (n) => this.offsets.get(n));
      live();
      this.update({
        phase: "sweep",
        joints: this.snap.joints.map((j) => ({ ...j, min: undefined, max: undefined, firstMove: 0 })),
      });
      this.startPolling(true);
    });
  }

  /** Stop recording; compute ranges and explain anything suspicious. */
  finishSweep(): void {
    this.expect("sweep");
    this.stopPolling();
    const sweeps: JointSweep[] = this.snap.joints.map((j) => ({
      name: j.name,
      min: j.min ?? HALF_TURN,
      max: j.max ?? HALF_TURN,
      firstMove: j.firstMove,
    }));
    const fullTurn = new Set(this.arm.motors.filter((m) => m.fullTurn).map((m) => m.name as string));
    this.update({ phase: "review", issues: reviewSweep(sweeps, fullTurn) });
  }

  /** Back to recording (after reading the review). */
  resumeSweep(): void {
    this.expect("review");
    this.update({ phase: "sweep", issues: [] });
    this.startPolling(true);
  }

  /** Write the limits to the motors and produce the calibration table (lerobot's file). */
  async save(): Promise<CalibrationTable> {
    this.expect("review");
    let table: CalibrationTable | undefined;
    await this.guard("saving", async (live) => {
      const t: Record<string, MotorCalibration> = {};
      for (const m of this.arm.motors) {
        const j = this.snap.joints.find((x) => x.name === m.name)!;
        if (!m.fullTurn && (j.min === undefined || j.max === undefined || j.min === j.max)) {
          throw new Error(`${m.name} has no range of motion recorded: sweep it, then save.`);
        }
        t[m.name] = {
          id: m.id,
          drive_mode: m.driveMode,
          homing_offset: this.offsets.get(m.name) ?? 0,
          range_min: m.fullTurn ? 0 : j.min!,
          range_max: m.fullTurn ? MAX_RAW : j.max!,
        };
      }
      await writeCalibration(this.api, this.key, this.arm, t);
      live();
      table = t;
      this.update({ phase: "saved", result: t });
    });
    if (table === undefined) throw new Error(this.snap.error ?? "Calibration was not saved.");
    return table;
  }

  /**
   * Give up: the previous calibration goes back onto the motors — once a step in progress has
   * stopped (it checks after every write), so its writes never land after the restore.
   */
  async cancel(): Promise<void> {
    this.stopPolling();
    if (this.snap.phase === "saved" || this.snap.phase === "cancelled") return;
    const touched = this.snap.phase !== "ready";
    this.update({ phase: "cancelled" });
    await this.working?.catch(() => undefined);
    if (touched && this.previous) {
      try {
        await writeCalibration(this.api, this.key, this.arm, this.previous);
      } catch {
        // Disconnected: the stored calibration is written again on the next connect.
      }
    }
  }

  dispose(): void {
    this.stopPolling();
    this.clearListeners();
  }

  /**
   * Runs one step in `phase`. `live()` throws once the session left that phase (cancelled):
   * the step calls it after every await and stops without touching the motors again.
   */
  private async guard(phase: CalibrationPhase, work: (live: () => void) => Promise<void>): Promise<void> {
    this.update({ phase, error: undefined });
    const live = () => {
      if (this.snap.phase !== phase) throw new CancelledError("The calibration was cancelled.");
    };
    const run = work(live);
    this.working = run;
    try {
      await run;
    } catch (e) {
      if (isCancelled(e) || this.snap.phase !== phase) return;
      this.stopPolling();
      const why = messageOf(e);
      const kept = this.previous
        ? "Your previous calibration is kept and will be written back to the motors when the arm is connected again."
        : "Nothing was saved.";
      this.update({ phase: "failed", error: `Calibration stopped: ${why} ${kept}` });
      if (this.previous) {
        try {
          await writeCalibration(this.api, this.key, this.arm, this.previous);
        } catch {
          // the arm is gone; the profile still holds the previous calibration
        }
      }
    }
  }

  private startPolling(track: boolean): void {
    this.stopPolling();
    if (this.snap.phase === "cancelled") return;
    this.polling = true;
    const ids = motorIds(this.arm);
    const tick = async () => {
      if (!this.polling) return;
      try {
        const readings = await this.api.syncRead(this.key, "Present_Position", ids);
        if (!this.polling) return;
        this.update({
          joints: this.snap.joints.map((j, i) => {
            const r = readings[i];
            if (!r?.ok) return { ...j, position: undefined };
            const p = r.value;
            if (!track) return { ...j, position: p };
            const firstMove = j.firstMove !== 0 ? j.firstMove : Math.abs(p - HALF_TURN) > FIRST_MOVE_STEPS ? Math.sign(p - HALF_TURN) : 0;
            return { ...j, position: p, min: Math.min(j.min ?? p, p), max: Math.max(j.max ?? p, p), firstMove };
          }),
        });
      } catch (e) {
        if (!this.polling) return; // a read that outlived its polling: the step that stopped it reports
        this.stopPolling();
        const why = messageOf(e);
        const kept = this.previous ? " Your previous calibration is kept." : "";
        this.update({ phase: "failed", error: `Calibration stopped: ${why}${kept}` });
        return;
      }
      if (this.polling) this.cancelPoll = this.clock.timeout(this.pollMs, () => void tick());
    };
    void tick();
  }

  private stopPolling(): void {
    this.polling = false;
    this.cancelPoll?.();
    this.cancelPoll = undefined;
  }
}
