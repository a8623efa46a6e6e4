import type { EpisodeRecord, ImageStats, MediaBatch, QaFlag, RowBatch, SyncReport, VideoTrackInfo } from "../core/dataset.ts";
import { FrameSelector, syncReport } from "../core/frameSync.ts";
import { takeQa, type CameraQaInput } from "../core/qa.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";
import type { JointRead, LoopFigures } from "./JointHistory.ts";

/** What a camera reports when its part of a take is finished. */
export interface CameraTakeResult {
  track: VideoTrackInfo | undefined;
  qa: Omit<CameraQaInput, "droppedFrames" | "framesDelivered">;
  stats: ImageStats | null;
  /** A small JPEG of the first frame, for the episode browser. */
  thumbnail?: ArrayBuffer;
}

/**
 * One camera's side of a take: encodes the frames the recorder picks for each row and hands
 * ~1 s media batches to `onBatch` (set by the recorder). Frames are owned by the recorder:
 * `encode` must not release them; `release` is called once a frame is no longer needed.
 */
export interface TakeCamera<F> {
  readonly key: string;
  onBatch: (batch: MediaBatch) => void;
  /** Encode `frame` as row `row` (presentation time row / fps). */
  encode(frame: F, row: number, captureTimeMs: number): void;
  release(frame: F): void;
  /** Flushes the encoder; resolves after the last batch went to onBatch. */
  finish(): Promise<CameraTakeResult>;
  /** Stops at once, dropping whatever is pending (discard, failure). */
  abort(): void;
  /** How to decode this camera's media, once the encoder has said (after its first output). */
  track?(): VideoTrackInfo | undefined;
}

/**
 * The joint sample for a row at `rowTimeMs` (page clock): writes state and action (dataset units)
 * unless it is stale, and says which sample it was (JointHistory in the studio).
 */
export type JointReader = (rowTimeMs: number, state: Float32Array, action: Float32Array) => JointRead;

export interface EpisodeRecorderOptions<F> {
  store: EpisodeStore;
  episode: EpisodeRecord;
  jointNames: readonly string[];
  cameras: readonly TakeCamera<F>[];
  readJoints: JointReader;
  /** The take's length in rows, if planned: no row at or after it is sampled or encoded. */
  rows?: number;
  /** Rows per batch written to storage (default: one second of rows). */
  rowsPerBatch?: number;
  /** The control loop's timing during the take, if known (sync report and QA). */
  loop?: () => LoopFigures | null;
  /** A step between rows larger than this (dataset units) is flagged as a jump. */
  jumpThreshold?: number;
  /** Storage failed (e.g. quota): the take stops; what is stored stays. */
  onStorageError?: (error: unknown) => void;
}

export interface TakeResult {
  episode: EpisodeRecord;
  sync: SyncReport;
  qa: QaFlag[];
}

interface CameraState<F> {
  cam: TakeCamera<F>;
  selector: FrameSelector<F>;
  /** The frame the selector holds (may be used again for the next row). */
  held: F | undefined;
  writes: Promise<void>;
}

/**
 * Records one take. Rows are at exactly t0 + k/fps (page clock): the row timer calls
 * {@link sampleRows} and each due row takes the newest joint sample (a take with planned `rows`
 * has exactly that many: {@link complete} says when they are all sampled); each camera's frames go
 * through a {@link FrameSelector} (nearest frame per row) into its encoder with presentation
 * time k/fps. Joint rows and media reach storage about once a second, so a crash loses at most
 * that. Storage errors stop the take; nothing already stored is touched.
 *
 * Frame type F is a VideoFrame in the studio and a plain object in tests.
 */
export class EpisodeRecorder<F> {
  readonly episode: EpisodeRecord;
  readonly fps: number;
  readonly t0Ms: number;
  private readonly n: number;
  private readonly cameras = new Map<string, CameraState<F>>();
  private readonly rowsPerBatch: number;
  private nextRow = 0;
  private endRow = Infinity;
  private stopped = false;
  private failed: unknown;
  // Current row batch.
  private batchFirst = 0;
  private batchCount = 0;
  private batchSeq = 0;
  private state: Float32Array;
  private action: Float32Array;
  private rowTime: Float64Array;
  private sampleTime: Float64Array;
  private rowWrites: Promise<void> = Promise.resolve();
  private readonly scratchState: Float32Array;
  private readonly scratchAction: Float32Array;
  // Whole-take joint columns for QA (6 floats × 2 per row: small even for long takes).
  private allState: number[] = [];
  private allAction: number[] = [];
  private readonly jointAge: number[] = [];
  private staleRows = 0;
  private duplicatedRows = 0;
  private prevSeq = 0;
  private cutReason: string | undefined;
  private readonly framesDelivered = new Map<string, number>();
  private mediaSeq = new Map<string, number>();

  constructor(private readonly options: EpisodeRecorderOptions<F>) {
    this.episode = options.episode;
    this.fps = options.episode.fps;
    this.t0Ms = options.episode.t0Ms;
    this.n = options.jointNames.length;
    this.endRow = options.rows ?? Infinity;
    this.rowsPerBatch = options.rowsPerBatch ?? Math.max(1, Math.round(this.fps));
    this.state = new Float32Array(this.rowsPerBatch * this.n);
    this.action = new Float32Array(this.rowsPerBatch * this.n);
    this.rowTime = new Float64Array(this.rowsPerBatch);
    this.sampleTime = new Float64Array(this.rowsPerBatch);
    this.scratchState = new Float32Array(this.n);
    this.scratchAction = new Float32Array(this.n);
    for (const cam of options.cameras) {
      const st: CameraState<F> = {
        cam,
        selector: new FrameSelector<F>({ t0Ms: this.t0Ms, fps: this.fps, endRow: this.endRow }),
        held: undefined,
        writes: Promise.resolve(),
      };
      cam.onBatch = (batch) => this.writeMedia(st, batch);
      this.cameras.set(cam.key, st);
      this.framesDelivered.set(cam.key, 0);
      this.mediaSeq.set(cam.key, 0);
    }
  }

  /** Rows sampled so far. */
  get rows(): number {
    return this.nextRow;
  }

  /** Every planned row is sampled (a take with a planned length): the take is over. */
  get complete(): boolean {
    return this.nextRow >= this.endRow;
  }

  /**
   * Some camera has a sampled row whose frame is not decided yet: the frame nearest it may still
   * be on its way (a row is decided by the first frame captured at or after it).
   */
  get awaitingFrames(): boolean {
    for (const st of this.cameras.values()) if (st.selector.pendingRow < this.nextRow) return true;
    return false;
  }

  /** The storage error that stopped the take, if any. */
  get error(): unknown {
    return this.failed;
  }

  rowTimeMs(k: number): number {
    return this.t0Ms + (k * 1000) / this.fps;
  }

  /** Time of the next row to sample (for the row timer). */
  get nextRowTimeMs(): number {
    return this.rowTimeMs(this.nextRow);
  }

  /**
   * Samples the joints for every row at or before `untilMs` (page clock): each takes the sample
   * nearest its own time; a row without one near enough is stored as missing and counted.
   */
  sampleRows(untilMs: number): void {
    if (this.stopped) return;
    while (this.nextRow < this.endRow && this.rowTimeMs(this.nextRow) <= untilMs) {
      const rowT = this.rowTimeMs(this.nextRow);
      const read = this.options.readJoints(rowT, this.scratchState, this.scratchAction);
      const t = read.stale ? NaN : read.t;
      const i = this.batchCount;
      if (read.stale) this.staleRows++;
      else if (read.seq === this.prevSeq && read.seq > 0) this.duplicatedRows++;
      if (!read.stale) this.prevSeq = read.seq;
      if (Number.isNaN(t)) {
        this.state.fill(NaN, i * this.n, (i + 1) * this.n);
        this.action.fill(NaN, i * this.n, (i + 1) * this.n);
      } else {
        this.state.set(this.scratchState, i * this.n);
        this.action.set(this.scratchAction, i * this.n);
      }
      for (let j = 0; j < this.n; j++) {
        this.allState.push(Number.isNaN(t) ? NaN : this.scratchState[j]!);
        this.allAction.push(Number.isNaN(t) ? NaN : this.scratchAction[j]!);
      }
      this.rowTime[i] = rowT;
      this.sampleTime[i] = t;
      this.jointAge.push(Math.abs(rowT - read.t)); // NaN only without any sample
      this.batchCount++;
      this.nextRow++;
      if (this.batchCount === this.rowsPerBatch) this.flushRows();
    }
  }

  /**
   * Ends the take after the rows sampled so far, because `reason` (the arm was disconnected…):
   * no later row is sampled or encoded, and the take is labelled "cut short".
   */
  cut(reason: string): void {
    if (this.stopped || this.cutReason !== undefined) return;
    this.cutReason = reason;
    this.endRow = this.nextRow;
    for (const st of this.cameras.values()) st.selector.setEndRow?.(this.endRow);
  }

  /** Why the take was cut short, if it was. */
  get cutShort(): string | undefined {
    return this.cutReason;
  }

  /** A camera frame captured at `captureTimeMs` (page clock). The recorder owns it from now on. */
  pushFrame(key: string, frame: F, captureTimeMs: number): void {
    const st = this.cameras.get(key);
    if (!st || this.stopped) {
      st?.cam.release(frame);
      return;
    }
    this.framesDelivered.set(key, (this.framesDelivered.get(key) ?? 0) + 1);
    const decided = st.selector.push(frame, captureTimeMs);
    for (const d of decided) st.cam.encode(d.frame, d.row, d.captureTimeMs);
    // The selector keeps one frame for the next row; every other frame is done with.
    const held = st.selector.heldFrame ?? undefined;
    if (st.held !== undefined && st.held !== held) st.cam.release(st.held);
    if (frame !== held && frame !== st.held) st.cam.release(frame);
    st.held = held;
  }

  /**
   * Ends the take: no rows after those already sampled; every camera encodes its frames for
   * them, everything is written, and the episode is finished in storage.
   */
  async stop(): Promise<TakeResult> {
    if (!this.stopped) {
      this.endRow = this.nextRow;
      this.stopped = true;
      for (const st of this.cameras.values()) {
        for (const d of st.selector.flush(this.endRow)) st.cam.encode(d.frame, d.row, d.captureTimeMs);
        if (st.held !== undefined) st.cam.release(st.held);
        st.held = undefined;
      }
      this.flushRows();
    }
    const results = new Map<string, CameraTakeResult>();
    for (const [key, st] of this.cameras) results.set(key, await st.cam.finish());
    await this.rowWrites;
    for (const st of this.cameras.values()) await st.writes;
    if (this.failed !== undefined) throw this.failed;
    const sync = this.report(results);
    const qa = this.qa(results);
    const imageStats: Record<string, ImageStats> = {};
    for (const [key, r] of results) if (r.stats) imageStats[key] = r.stats;
    const tracks = [...results.values()].flatMap((r) => (r.track ? [r.track] : []));
    const thumbnail = [...results.values()].find((r) => r.thumbnail)?.thumbnail;
    const episode = await this.options.store.finishEpisode(this.episode.id, {
      tracks,
      sync,
      qa,
      imageStats,
      ...(thumbnail ? { thumbnail } : {}),
    });
    return { episode, sync, qa };
  }

  /** Stops without saving more (discard or failure): encoders dropped, frames released. */
  abort(): void {
    this.stopped = true;
    this.endRow = this.nextRow;
    for (const st of this.cameras.values()) {
      st.cam.abort();
      if (st.held !== undefined) st.cam.release(st.held);
      st.held = undefined;
    }
  }

  /** Waits for every write issued so far (rows and media). */
  async settled(): Promise<void> {
    await this.rowWrites;
    for (const st of this.cameras.values()) await st.writes;
  }

  private report(results: ReadonlyMap<string, CameraTakeResult>): SyncReport {
    const cameras: Record<string, { skewMs: number[]; duplicatedFrames: number; droppedFrames: number }> = {};
    for (const [key, st] of this.cameras)
      cameras[key] = {
        skewMs: st.selector.skewMs,
        duplicatedFrames: st.selector.duplicatedFrames,
        droppedFrames: st.selector.droppedFrames,
      };
    const loop = this.options.loop?.() ?? null;
    return {
      ...syncReport({
        rows: this.endRow === Infinity ? this.nextRow : this.endRow,
        cameras,
        jointAgeMs: this.jointAge,
        loopPeriodErrorMs: loop?.periodErrorsMs ?? null,
      }),
      encoderRepeatedRows: Object.fromEntries([...results].map(([key, r]) => [key, r.qa.encoder?.repeatedRows ?? 0])),
      loopRateHz: loop?.achievedHz ?? NaN,
      staleJointRows: this.staleRows,
      duplicatedJointRows: this.duplicatedRows,
    };
  }

  private qa(results: ReadonlyMap<string, CameraTakeResult>): QaFlag[] {
    const cameras: Record<string, CameraQaInput> = {};
    for (const [key, st] of this.cameras) {
      const r = results.get(key);
      cameras[key] = {
        lumaMean: r?.qa.lumaMean ?? [],
        hash: r?.qa.hash ?? [],
        framesDelivered: this.framesDelivered.get(key) ?? 0,
        droppedFrames: st.selector.droppedFrames,
        ...(r?.qa.encoder ? { encoder: r.qa.encoder } : {}),
      };
    }
    const names = this.options.jointNames.map((j) => `${j}.pos`);
    const cut: QaFlag[] =
      this.cutReason === undefined
        ? []
        : [
            {
              kind: "cut_short",
              message: `Cut short at ${(this.endRow / this.fps).toFixed(1)} s: ${this.cutReason}. The rows up to then are kept; reconnect the arm, then record again.`,
              windows: [{ from: this.endRow / this.fps, to: this.endRow / this.fps }],
            },
          ];
    const loop = this.options.loop?.() ?? null;
    return [
      ...cut,
      ...takeQa({
        fps: this.fps,
        cameras,
        joints:
          this.n > 0 ? { names, state: this.allState, action: this.allAction, jumpThreshold: this.options.jumpThreshold ?? 30 } : null,
        loop: loop && {
          targetHz: loop.targetHz,
          achievedHz: loop.achievedHz,
          periodErrorP99Ms: loop.periodErrorP99Ms,
          spans: loop.offRate,
        },
      }),
    ];
  }

  private flushRows(): void {
    const count = this.batchCount;
    if (count === 0) return;
    const batch: RowBatch = {
      episodeId: this.episode.id,
      seq: this.batchSeq++,
      firstRow: this.batchFirst,
      count,
      state: this.state.slice(0, count * this.n),
      action: this.action.slice(0, count * this.n),
      rowTimeMs: this.rowTime.slice(0, count),
      sampleTimeMs: this.sampleTime.slice(0, count),
    };
    this.batchFirst += count;
    this.batchCount = 0;
    this.rowWrites = this.rowWrites.then(() => this.write(() => this.options.store.appendRows(batch)));
  }

  private writeMedia(st: CameraState<F>, batch: MediaBatch): void {
    const seq = this.mediaSeq.get(st.cam.key) ?? 0;
    this.mediaSeq.set(st.cam.key, seq + 1);
    const stored: MediaBatch = { ...batch, episodeId: this.episode.id, camera: st.cam.key, seq };
    // Before a camera's first media, the episode learns how to decode it: an episode
    // interrupted by a crash is then playable and exportable.
    if (seq === 0) st.writes = st.writes.then(() => this.write(() => this.storeTracks()));
    st.writes = st.writes.then(() => this.write(() => this.options.store.appendMedia(stored)));
  }

  private async storeTracks(): Promise<void> {
    const tracks = [...this.cameras.values()].flatMap((st) => {
      const t = st.cam.track?.();
      return t ? [t] : [];
    });
    if (tracks.length > 0) await this.options.store.updateEpisode(this.episode.id, { tracks });
  }

  private async write(fn: () => Promise<void>): Promise<void> {
    if (this.failed !== undefined) return;
    try {
      await fn();
    } catch (e) {
      if (this.failed !== undefined) return;
      this.failed = e;
      this.abort();
      this.options.onStorageError?.(e);
    }
  }
}
