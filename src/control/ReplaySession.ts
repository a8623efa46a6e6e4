import { isCancelled } from "../core/lifecycle.ts";
import { messageOf } from "../core/messages.ts";
import { SnapshotEngine } from "./SnapshotEngine.ts";
import { isDriving, type TeleopController } from "./TeleopController.ts";
import type { TeleopStatus } from "./TeleopService.ts";

export interface ReplayView {
  readonly state: "idle" | "starting" | "running" | "done" | "stopped" | "failed";
  /** The row the loop plays (from its status, ~10 Hz). */
  readonly row: number;
  readonly message: string | undefined;
  /**
   * Largest |follower position − recorded action| over the joints at the last tick (degrees,
   * gripper 0..100), from the loop's status; undefined until known.
   */
  readonly followErrorDeg?: number;
}

/** A recorded episode's actions, as the episode player holds them. */
export interface RecordedActions {
  /** Row-major, `width` values per row, in the dataset's joint order. NaN: missing. */
  readonly action: Float32Array;
  readonly width: number;
  readonly rows: number;
  readonly fps: number;
  /** The dataset's joint columns ("shoulder_pan.pos", …). */
  readonly jointNames: readonly string[];
  /** Rows to play: from up to (not including) to. */
  readonly from: number;
  readonly to: number;
}

export interface ReplayDeps {
  readonly controller: TeleopController;
  /** Starts teleoperation with the rig's current arms (the store knows which). */
  readonly startTeleop: () => Promise<void>;
}

/**
 * Replay on the robot: the episode's actions go to the control loop as a trajectory, which plays
 * them inside the loop (next to the buses, on its own clock) through the same start gate, range
 * clamp and max step as every other source. This engine only hands the trajectory over and
 * follows the loop's progress; stopping holds the follower where it is.
 */
export class ReplaySession extends SnapshotEngine<ReplayView> {
  private token = 0;
  private starting: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: ReplayDeps) {
    super({ state: "idle", row: 0, message: undefined });
  }

  start(input: RecordedActions): Promise<void> {
    if (this.starting) return this.starting;
    if (this.snap.state === "running") return Promise.resolve();
    const token = ++this.token;
    this.update({
      state: "starting",
      row: input.from,
      message: "Starting teleoperation (the follower first walks slowly to where it should be)…",
    });
    const p = this.begin(token, input).catch((e: unknown) => {
      if (token === this.token && !isCancelled(e)) this.update({ state: "failed", message: messageOf(e) });
    });
    const tracked = p.finally(() => {
      if (this.starting === tracked) this.starting = undefined;
    });
    this.starting = tracked;
    return tracked;
  }

  private async begin(token: number, input: RecordedActions): Promise<void> {
    const { controller } = this.deps;
    if (!controller.driving) {
      await this.deps.startTeleop();
      if (token !== this.token) return;
      if (!controller.driving) {
        throw new Error(controller.snapshot.error ?? "Teleoperation did not start: connect and calibrate a follower (Rig screen).");
      }
    }
    const status = controller.snapshot.status!;
    const joints = status.joints;
    // Dataset columns are "<motor>.pos"; the loop's joints are motor names.
    const columns = joints.map((j) => input.jointNames.findIndex((n) => n === `${j}.pos` || n === j));
    if (columns.every((c) => c < 0)) {
      throw new Error(`None of the follower's joints (${joints.join(", ")}) is in this dataset (${input.jointNames.join(", ")}).`);
    }
    const n = joints.length;
    const values = new Float32Array(input.rows * n).fill(NaN);
    for (let r = 0; r < input.rows; r++) {
      columns.forEach((c, j) => {
        if (c >= 0) values[r * n + j] = input.action[r * input.width + c] ?? NaN;
      });
    }
    this.unsubscribe?.();
    // Statuses from before this trajectory reached the loop (a previous replay's "done") are not
    // ours: follow only once the loop reports this one gating or playing.
    let armed = false;
    this.unsubscribe = controller.subscribe((v) => {
      const t = v.status?.trajectory;
      if (!armed && t && t.phase !== "done" && t.from === input.from && t.to === input.to) armed = true;
      if (armed || (v.status !== undefined && !isDriving(v.status))) this.follow(token, v.status);
    });
    await controller.playTrajectory({ values, fps: input.fps, from: input.from, to: input.to });
    if (token !== this.token) return;
    this.update({ state: "running", message: undefined });
  }

  private follow(token: number, status: TeleopStatus | undefined): void {
    if (token !== this.token) return;
    if (!status) return;
    if (!isDriving(status)) {
      if (this.snap.state === "running" || this.snap.state === "starting")
        this.end("stopped", `Teleoperation stopped (${status.state}); replay stopped.`);
      return;
    }
    const t = status.trajectory;
    if (status.source !== "trajectory" || !t) {
      if (this.snap.state === "running") this.end("stopped", "Replay stopped; the follower holds where it is.");
      return;
    }
    const followErrorDeg = Number.isNaN(t.followError) ? undefined : t.followError;
    if (t.phase === "done") {
      this.end("done", `Replayed frames ${t.from}–${t.to - 1}; the follower holds the last position.`, t.to - 1, followErrorDeg);
      return;
    }
    this.update({ row: t.row, ...(followErrorDeg === undefined ? {} : { followErrorDeg }) });
  }

  private end(state: ReplayView["state"], message: string, row = this.snap.row, followErrorDeg = this.snap.followErrorDeg): void {
    this.token++;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.update({ state, message, row, ...(followErrorDeg === undefined ? {} : { followErrorDeg }) });
  }

  /** Stops the replay: the follower holds where it is (teleop stays on, driven manually). */
  stop(message = "Replay stopped; the follower holds where it is."): void {
    const was = this.snap.state;
    this.starting = undefined;
    if (was !== "running" && was !== "starting") return;
    this.end("stopped", message);
    if (this.deps.controller.driving) void this.deps.controller.setSource("manual");
  }
}
