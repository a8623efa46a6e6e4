/**
 * Action chunks played inside the control loop: open-loop, at the loop's rate, interpolated
 * between the policy's actions. A chunk's row i is where each joint should be (i + 1) / fps after
 * the observation it was inferred from; the newest chunk wins the moment it arrives (its rows
 * already in the past are skipped). Past a chunk's last row the player holds that row and says it
 * is starved (the policy is late): the arm holds, it never extrapolates.
 */

/** A chunk handed to the loop: values in the loop's joint order and normalised units. */
export interface LoopChunk {
  /** Row-major [horizon, joints]. */
  readonly values: Float32Array | Float64Array;
  readonly horizon: number;
  /** Actions per second the policy meant (its action rate). */
  readonly fps: number;
  /** How long ago the observation was taken, ms, when the chunk was handed over (the loop dates it on its own clock). */
  readonly ageMs: number;
  /** The sender's id for it (progress names it). */
  readonly seq: number;
}

export interface ChunkProgress {
  readonly seq: number;
  /** Fractional row being played (0 … horizon − 1). */
  readonly position: number;
  readonly horizon: number;
  /** Time until the last row is reached, ms (0 when starved). */
  readonly remainingMs: number;
  /** Past the last row: holding it, waiting for the next chunk. */
  readonly starved: boolean;
}

export class ChunkPlayer {
  private chunk: LoopChunk | undefined;
  private t0 = NaN;

  constructor(private readonly joints: number) {}

  /** Takes `chunk` now (on the loop's clock): it replaces the one playing. */
  push(chunk: LoopChunk, now: number): void {
    if (chunk.horizon < 1 || !(chunk.fps > 0) || chunk.values.length !== chunk.horizon * this.joints) {
      throw new RangeError(`A chunk needs fps > 0 and ${this.joints} values per action.`);
    }
    this.chunk = chunk;
    this.t0 = now - Math.max(0, chunk.ageMs);
  }

  get active(): boolean {
    return this.chunk !== undefined;
  }

  clear(): void {
    this.chunk = undefined;
  }

  private position(now: number): number {
    const c = this.chunk!;
    return Math.min(c.horizon - 1, Math.max(0, ((now - this.t0) * c.fps) / 1000 - 1));
  }

  /** Fills `out` with the interpolated targets at `now` (NaN where there is no chunk: hold). */
  targets(now: number, out: Float64Array): void {
    const c = this.chunk;
    if (!c) {
      out.fill(NaN);
      return;
    }
    const p = this.position(now);
    const a = Math.floor(p);
    const b = Math.min(c.horizon - 1, a + 1);
    const u = p - a;
    for (let j = 0; j < this.joints; j++) {
      const va = c.values[a * this.joints + j]!;
      const vb = c.values[b * this.joints + j]!;
      out[j] = va + (vb - va) * u;
    }
  }

  progress(now: number): ChunkProgress | undefined {
    const c = this.chunk;
    if (!c) return undefined;
    const endAt = this.t0 + (c.horizon * 1000) / c.fps;
    return {
      seq: c.seq,
      position: this.position(now),
      horizon: c.horizon,
      remainingMs: Math.max(0, endAt - now),
      starved: now >= endAt,
    };
  }
}
