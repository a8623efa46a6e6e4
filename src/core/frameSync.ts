/**
 * Frame synchronisation: which camera frame goes into which dataset row.
 *
 * Rows are at exactly `t0 + k / fps` on one monotonic clock (the page's performance.now(), ms).
 * Each row takes, per camera, the frame whose capture time is NEAREST the row's time (ties go
 * to the earlier frame). A {@link FrameSelector} does this per camera as frames stream in,
 * holding only one frame; {@link syncReport} summarises a take; {@link ClockMapper} brings a
 * camera's own timestamps onto the page clock.
 */

import type { SyncReport } from "./dataset.ts";

export interface FrameSelectorOptions {
  /** Time of row 0 on the page clock, ms. */
  t0Ms: number;
  /** Rows per second. */
  fps: number;
  /** Rows at or after this index are never emitted (the episode's length), if known. */
  endRow?: number;
}

/** A row decided for a camera: `frame` is the one to encode as row `row`. */
export interface RowFrame<F> {
  row: number;
  frame: F;
  /** The frame's capture time (ms, page clock). */
  captureTimeMs: number;
}

/**
 * Chooses, for each row, the frame nearest the row's time, streaming.
 *
 * A row at time t is decided as soon as a frame with capture time ≥ t arrives: no later frame
 * can be nearer, and the nearest earlier one is the frame before it. Only that previous frame is
 * held. Frames are expected in capture-time order; a frame not later than the previous one is
 * refused (counted in `outOfOrder`, and as dropped).
 *
 * Counters are final for frames no longer held (call {@link flush} at the end of the take):
 * - `duplicatedFrames`: frames used for more than one row (`repeatedRows` counts the extra uses),
 * - `droppedFrames`: frames that arrived during the take but were used for no row (frames more
 *   than half a period before row 0 or after the last row count in `framesOutside` instead).
 * Rows before the first frame take the first frame; rows after the last frame take the last
 * one at `flush` — each such repeat counts as a duplicate.
 */
export class FrameSelector<F> {
  readonly t0Ms: number;
  readonly fps: number;
  private endRow: number;
  private nextRow = 0;
  private held: { frame: F; t: number; uses: number } | null = null;
  duplicatedFrames = 0;
  repeatedRows = 0;
  droppedFrames = 0;
  /** Frames used for no row that lie outside the take's rows (before row 0 or after the last). */
  framesOutside = 0;
  outOfOrder = 0;
  framesPushed = 0;
  /** |capture time − row time| of every decided row, ms, in row order. */
  readonly skewMs: number[] = [];

  constructor(options: FrameSelectorOptions) {
    if (!(options.fps > 0)) throw new RangeError(`FrameSelector: fps must be positive, got ${options.fps}.`);
    this.t0Ms = options.t0Ms;
    this.fps = options.fps;
    this.endRow = options.endRow ?? Infinity;
  }

  /** Time of row `k` on the page clock, ms. */
  rowTimeMs(k: number): number {
    return this.t0Ms + (k * 1000) / this.fps;
  }

  /**
   * The frame the selector still holds (it may be chosen for rows not yet decided), or null.
   * After handling the rows a push or flush returned, every frame pushed so far other than
   * this one is no longer needed: close VideoFrames then.
   */
  get heldFrame(): F | null {
    return this.held === null ? null : this.held.frame;
  }

  /** The next row not yet decided. */
  get pendingRow(): number {
    return this.nextRow;
  }

  /** Stop emitting rows at `row` (exclusive). */
  setEndRow(row: number): void {
    this.endRow = row;
  }

  /** Offers a frame captured at `captureTimeMs`; returns the rows it decides (possibly none). */
  push(frame: F, captureTimeMs: number): Array<RowFrame<F>> {
    this.framesPushed++;
    const held = this.held;
    if (!Number.isFinite(captureTimeMs) || (held !== null && captureTimeMs <= held.t)) {
      this.outOfOrder++;
      this.droppedFrames++;
      return [];
    }
    const out: Array<RowFrame<F>> = [];
    const next = { frame, t: captureTimeMs, uses: 0 };
    while (this.nextRow < this.endRow) {
      const rowT = this.rowTimeMs(this.nextRow);
      if (rowT > captureTimeMs) break;
      const pick = held !== null && rowT - held.t <= captureTimeMs - rowT ? held : next;
      this.emit(out, pick, rowT);
    }
    if (held !== null) this.retire(held);
    this.held = next;
    return out;
  }

  /**
   * Ends the take: decides every row below `untilRow` still pending with the last frame, and
   * finalises the counters. Returns nothing if no frame ever arrived (those rows have no frame).
   */
  flush(untilRow: number): Array<RowFrame<F>> {
    this.endRow = Math.min(this.endRow, untilRow);
    const out: Array<RowFrame<F>> = [];
    const held = this.held;
    if (held === null) return out;
    while (this.nextRow < this.endRow) this.emit(out, held, this.rowTimeMs(this.nextRow));
    this.retire(held);
    this.held = null;
    return out;
  }

  private emit(out: Array<RowFrame<F>>, pick: { frame: F; t: number; uses: number }, rowT: number): void {
    out.push({ row: this.nextRow, frame: pick.frame, captureTimeMs: pick.t });
    pick.uses++;
    this.skewMs.push(Math.abs(pick.t - rowT));
    this.nextRow++;
  }

  private retire(f: { t: number; uses: number }): void {
    if (f.uses === 0) {
      // Frames captured more than half a period before row 0 or after the last row are
      // outside the take (pre-roll, or arriving while the take ends), not dropped.
      const half = 500 / this.fps;
      if (f.t < this.t0Ms - half || f.t > this.rowTimeMs(this.endRow - 1) + half) this.framesOutside++;
      else this.droppedFrames++;
    } else if (f.uses > 1) {
      this.duplicatedFrames++;
      this.repeatedRows += f.uses - 1;
    }
  }
}

/**
 * Maps a camera's frame timestamps (VideoFrame.timestamp, µs, on the camera's own clock) onto
 * the page clock (performance.now(), ms).
 *
 * Every frame arrives after it was captured: arrivalMs = captureTs/1000 + offset + latency with
 * latency ≥ 0. So the smallest observed `arrivalMs − ts/1000` is the best estimate of the offset
 * (it equals offset + the smallest latency seen). The mapped times are therefore late by that
 * minimum latency, the same for every frame, which is what matters for ordering and spacing;
 * absolute camera latency cannot be measured from timestamps alone.
 *
 * The two clocks may run at slightly different rates. To follow a slow drift the estimate may
 * rise by at most `driftPpm` (default 200 ppm = 0.2 ms per second) of the elapsed camera time;
 * a lower observation always replaces it at once.
 */
export class ClockMapper {
  private offset = NaN;
  private lastTsMs = NaN;
  readonly driftPpm: number;
  /** Frames observed. */
  samples = 0;

  constructor(options: { driftPpm?: number } = {}) {
    this.driftPpm = options.driftPpm ?? 200;
  }

  /** Records a frame's timestamp (µs) and its arrival on the page clock (ms); returns its mapped time. */
  observe(frameTimestampUs: number, arrivalMs: number): number {
    const tsMs = frameTimestampUs / 1000;
    const d = arrivalMs - tsMs;
    if (Number.isNaN(this.offset)) this.offset = d;
    else if (d < this.offset) this.offset = d;
    else {
      const elapsed = Math.max(0, tsMs - this.lastTsMs);
      this.offset = Math.min(d, this.offset + (elapsed * this.driftPpm) / 1e6);
    }
    this.lastTsMs = Number.isNaN(this.lastTsMs) ? tsMs : Math.max(this.lastTsMs, tsMs);
    this.samples++;
    return tsMs + this.offset;
  }

  /** The current offset estimate (page ms − camera ms), NaN before the first frame. */
  get offsetMs(): number {
    return this.offset;
  }

  /** Maps a timestamp (µs) with the current estimate; NaN before the first frame. */
  map(frameTimestampUs: number): number {
    return frameTimestampUs / 1000 + this.offset;
  }
}

/**
 * The q-quantile (0…1) with linear interpolation between order statistics (numpy's default);
 * NaN values are ignored; NaN when there are none.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Array.from(values).filter((v) => !Number.isNaN(v));
  if (sorted.length === 0) return NaN;
  sorted.sort((a, b) => a - b);
  const pos = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? NaN;
  const b = sorted[hi] ?? NaN;
  return a + (b - a) * (pos - lo);
}

/** What {@link syncReport} needs about one camera (a FrameSelector has all of it). */
export interface CameraSyncInput {
  skewMs: ArrayLike<number>;
  duplicatedFrames: number;
  droppedFrames: number;
}

export interface SyncReportInput {
  rows: number;
  /** Per camera key. */
  cameras: Readonly<Record<string, CameraSyncInput>>;
  /** |joint sample time − row time| per row, ms (NaN for rows without a sample). */
  jointAgeMs: ArrayLike<number>;
  /** Control-loop period errors (actual − target), ms; null if unknown. */
  loopPeriodErrorMs: ArrayLike<number> | null;
}

/** Per-take synchronisation figures. Unknown figures are NaN, never made up. */
export function syncReport(input: SyncReportInput): SyncReport {
  const skewP50Ms: Record<string, number> = {};
  const skewP99Ms: Record<string, number> = {};
  const duplicatedFrames: Record<string, number> = {};
  const droppedFrames: Record<string, number> = {};
  for (const [key, cam] of Object.entries(input.cameras)) {
    skewP50Ms[key] = quantile(cam.skewMs, 0.5);
    skewP99Ms[key] = quantile(cam.skewMs, 0.99);
    duplicatedFrames[key] = cam.duplicatedFrames;
    droppedFrames[key] = cam.droppedFrames;
  }
  const loop = input.loopPeriodErrorMs;
  return {
    rows: input.rows,
    skewP50Ms,
    skewP99Ms,
    duplicatedFrames,
    droppedFrames,
    jointAgeP99Ms: quantile(input.jointAgeMs, 0.99),
    loopJitterP99Ms: loop === null ? NaN : quantile(Array.from(loop, Math.abs), 0.99),
  };
}
