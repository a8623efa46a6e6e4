/**
 * What a live camera encoder does when it falls behind: lower its cost first, then repeat rows —
 * never end the take, never leave a row without a frame.
 *
 * Called once per row with the frames in flight (submitted, not yet output), it answers
 * "encode this row (as a keyframe or not)" or "repeat": the row's video frame is a byte copy of
 * the last encoded frame, which is then always a keyframe. A copied keyframe decodes to the same
 * picture and leaves the decoder exactly where the encoder is (a keyframe resets every reference),
 * so the file stays constant-frame-rate and decodable at every row time, and a repeat costs the
 * encoder nothing. Repeated rows are counted and kept as row spans for the QA.
 *
 * The ladder (each step at most once per `settleMs` of clock time, and kept for the rest of the take):
 * - level 0: the configured bitrate and keyframe interval (`gop`, 2 like lerobot);
 * - level 1: ×0.6 bitrate, a keyframe a second (keyframes cost VP9 ~3× a delta frame);
 * - level 2: ×0.4 bitrate, a keyframe every two seconds.
 * The coded size never changes (one coded size per file: the export concatenates takes into
 * files that declare one width × height), so resolution is not on the ladder.
 * Independently of the level, when `dropAt` frames are in flight (0.4 s), rows repeat until the
 * queue is down to `resumeAt` (0.1 s): that bounds the encoder's latency, hence how long a stop
 * waits for the last frames.
 */

import type { Clock } from "../core/clock.ts";

export type EncodeStep = { kind: "encode"; keyFrame: boolean } | { kind: "repeat" };

export interface CostLevel {
  level: number;
  bitrate: number;
  /** Keyframe interval, in encoded frames. */
  gop: number;
}

export interface EncodeGovernorOptions {
  fps: number;
  /** Keyframe interval at full quality, in frames. */
  gop: number;
  /** The configured target bits per second. */
  bitrate: number;
  clock: Pick<Clock, "now">;
  /** Frames in flight at which the cost is lowered one step (default: 0.2 s of frames). */
  lowerAt?: number;
  /** Frames in flight at which rows are repeated (default: 0.4 s of frames). */
  dropAt?: number;
  /** Frames in flight at or below which repeating stops (default: 0.1 s of frames). */
  resumeAt?: number;
  /** Least clock time between two cost steps, ms (default 1000). */
  settleMs?: number;
  /** A new cost level: the encoder reconfigures its bitrate (the keyframe interval is the governor's). */
  onLevel?: (level: CostLevel) => void;
}

export interface GovernorStats {
  repeatedRows: number;
  level: number;
  /** Each cost step: the row it applied from and the level reached. */
  levelChanges: Array<{ row: number; level: number }>;
}

/** Rows `from`…`to` (both included) repeat an earlier frame. */
export interface RowSpan {
  from: number;
  to: number;
}

const BITRATE_SCALE = [1, 0.6, 0.4];

export class EncodeGovernor {
  private readonly levels: CostLevel[];
  private readonly lowerAt: number;
  private readonly dropAt: number;
  private readonly resumeAt: number;
  private readonly settleMs: number;
  private current = 0;
  private lastChangeMs = -Infinity;
  private encoded = 0;
  private sinceKey = 0;
  private lastWasKey = false;
  private repeating = false;
  private repeated = 0;
  private readonly changes: GovernorStats["levelChanges"] = [];
  private readonly spans: RowSpan[] = [];

  constructor(private readonly options: EncodeGovernorOptions) {
    const fps = options.fps;
    const gop = Math.max(1, Math.floor(options.gop));
    this.levels = BITRATE_SCALE.map((scale, level) => ({
      level,
      bitrate: Math.round(options.bitrate * scale),
      gop: level === 0 ? gop : Math.max(gop, Math.round(fps * level)),
    }));
    this.lowerAt = options.lowerAt ?? Math.max(2, Math.round(fps * 0.2));
    this.dropAt = Math.max(this.lowerAt, options.dropAt ?? Math.max(3, Math.round(fps * 0.4)));
    this.resumeAt = Math.min(this.dropAt - 1, options.resumeAt ?? Math.max(1, Math.round(fps * 0.1)));
    this.settleMs = options.settleMs ?? 1000;
  }

  /** The cost level now (0 = as configured). */
  get level(): number {
    return this.current;
  }

  /** The settings of the current level. */
  get costLevel(): CostLevel {
    return this.levels[this.current]!;
  }

  get stats(): GovernorStats {
    return { repeatedRows: this.repeated, level: this.current, levelChanges: [...this.changes] };
  }

  /** The spans of repeated rows so far, in row order. */
  get repeatSpans(): RowSpan[] {
    return this.spans.map((s) => ({ ...s }));
  }

  /** What to do for row `row` (rows in increasing order), with `inFlight` frames submitted and not yet output. */
  next(row: number, inFlight: number): EncodeStep {
    if (this.repeating) {
      if (inFlight > this.resumeAt) return this.repeat(row);
      this.repeating = false;
    }
    const now = this.options.clock.now();
    if (inFlight >= this.lowerAt && this.current < this.levels.length - 1 && now - this.lastChangeMs >= this.settleMs) {
      this.current++;
      this.lastChangeMs = now;
      this.changes.push({ row, level: this.current });
      this.options.onLevel?.(this.costLevel);
    }
    if (inFlight >= this.dropAt && this.encoded > 0) {
      this.repeating = true;
      // Repeats copy a keyframe: the last encoded frame if it was one, else this row's, encoded as one.
      if (this.lastWasKey) return this.repeat(row);
      return this.encode(true);
    }
    return this.encode(this.encoded === 0 || this.sinceKey >= this.costLevel.gop);
  }

  private encode(keyFrame: boolean): EncodeStep {
    this.encoded++;
    this.sinceKey = keyFrame ? 1 : this.sinceKey + 1;
    this.lastWasKey = keyFrame;
    return { kind: "encode", keyFrame };
  }

  private repeat(row: number): EncodeStep {
    this.repeated++;
    const last = this.spans[this.spans.length - 1];
    if (last !== undefined && last.to === row - 1) last.to = row;
    else this.spans.push({ from: row, to: row });
    return { kind: "repeat" };
  }
}
