/** Targets to play at `fps`, row by row, from `from` up to (not including) `to`. */
export interface Trajectory {
  /** Row-major, one value per follower joint and row (normalised units; NaN: hold that joint). */
  readonly values: Float32Array | Float64Array;
  readonly fps: number;
  readonly from: number;
  readonly to: number;
}

export interface TrajectoryProgress {
  readonly row: number;
  readonly from: number;
  readonly to: number;
  /** "gating": walking to the first row; "playing"; "done": holding the last row. */
  readonly phase: "gating" | "playing" | "done";
  /** Largest |follower − target| over the joints at the last tick (normalised units); NaN until known. */
  readonly followError: number;
}

/**
 * A trajectory being played by the loop: which row applies at a time on the loop's clock. Its
 * clock starts when the follower has passed the start gate onto the first row.
 */
export class TrajectoryPlayer {
  private t0 = NaN;

  constructor(
    readonly trajectory: Trajectory,
    private readonly joints: number,
  ) {
    const { values, fps, from, to } = trajectory;
    if (!(fps > 0) || !Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to <= from || values.length < to * joints) {
      throw new RangeError(`A trajectory needs 0 ≤ from < to, a positive fps and ${joints} values per row.`);
    }
  }

  /** The follower reached the first row: playing starts now. */
  begin(now: number): void {
    this.t0 = now;
  }

  /** Back behind the start gate (source switched, loop restarted): wait at the first row again. */
  rewind(): void {
    this.t0 = NaN;
  }

  row(now: number, tracking: boolean): number {
    const t = this.trajectory;
    if (!tracking || Number.isNaN(this.t0)) return t.from;
    return Math.min(t.to - 1, t.from + Math.floor(((now - this.t0) * t.fps) / 1000));
  }

  /** Fills `out` with the targets at `now` (NaN where the trajectory holds a joint). */
  targets(now: number, tracking: boolean, out: Float64Array): void {
    const r = this.row(now, tracking);
    for (let i = 0; i < this.joints; i++) out[i] = this.trajectory.values[r * this.joints + i] ?? NaN;
  }

  progress(now: number, tracking: boolean, follower: ArrayLike<number>): TrajectoryProgress {
    const t = this.trajectory;
    const row = this.row(now, tracking);
    const done = tracking && !Number.isNaN(this.t0) && t.from + ((now - this.t0) * t.fps) / 1000 >= t.to;
    let err = NaN;
    for (let i = 0; i < this.joints; i++) {
      const d = Math.abs((follower[i] ?? NaN) - (t.values[row * this.joints + i] ?? NaN));
      if (!Number.isNaN(d)) err = Number.isNaN(err) ? d : Math.max(err, d);
    }
    return { row, from: t.from, to: t.to, phase: !tracking ? "gating" : done ? "done" : "playing", followError: err };
  }
}
