import { every, type Clock } from "../core/clock.ts";
import { CUT_SHORT_STORAGE_FULL } from "../core/dataset.ts";
import { ClockMapper } from "../core/frameSync.ts";
import { messageOf } from "../core/messages.ts";
import { realClock } from "../hardware/precisionTimer.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";
import { isStorageError } from "../storage/errors.ts";
import { EpisodeRecorder, type TakeCamera } from "./EpisodeRecorder.ts";
import { JointHistory, type JointRead } from "./JointHistory.ts";
import type { RecorderApi, RecorderEvent, SampleSource, TakeOutcome, TakeSpec } from "./recorderApi.ts";
import type { VideoTakeCameraOptions } from "./VideoTakeCamera.ts";

const NO_SAMPLE: JointRead = { t: NaN, seq: 0, stale: true };
/**
 * After a take's last row, how long to wait for each camera's frame nearest it (captured at or
 * after the row, still on its way) before the row takes the camera's last frame instead (counted
 * as a duplicate).
 */
const LAST_FRAME_GRACE_MS = 250;

/** What the recorder needs of a camera frame (a VideoFrame in the studio). */
export interface CameraFrame {
  /** Capture time, µs (the camera's clock, or the page's for `pageClock` cameras). */
  readonly timestamp: number;
  readonly displayWidth: number;
  readonly displayHeight: number;
  close(): void;
}

export interface RecorderHostOptions<F extends CameraFrame> {
  readonly store: EpisodeStore;
  /** A camera's side of a take (the encoder): VideoTakeCamera in the studio. */
  readonly createCamera: (options: VideoTakeCameraOptions) => Promise<TakeCamera<F>>;
  /** This thread's clock; default the real one (performance.now and the precise timer). */
  readonly clock?: Clock;
  /** This thread's performance.timeOrigin: with the page's (setPageOrigin), it maps this clock onto the page's. */
  readonly timeOrigin?: number;
}

interface CameraFeed<F> {
  key: string;
  reader: ReadableStreamDefaultReader<F>;
  clock: ClockMapper;
  /** Frame timestamps are the page clock already (µs). */
  pageClock: boolean;
  fps: number;
  width: number;
  height: number;
  frames: number;
  dropped: number;
  lastTsUs: number;
  ended: boolean;
}

interface Take<F> {
  spec: TakeSpec;
  recorder: EpisodeRecorder<F>;
  /** The loop's samples the take's rows come from (null: no joints). */
  joints: JointHistory | null;
  cancelTimer: () => void;
  failure: { message: string; code?: string } | undefined;
  /** Called after each frame pushed into the take (waiting for the last rows' frames). */
  onFrame: (() => void) | undefined;
  /** The wait for the last rows' frames, once asked for. */
  settling: Promise<void> | undefined;
}

/**
 * The recorder worker: owns the camera frame streams (transferred from the page), the row
 * clock and the encoders of the running take, and writes to storage directly. It is served
 * to the page as a {@link RecorderApi} (app/recorder.worker.ts).
 *
 * The row clock decides a take's length: a take with planned rows ends when its last row is
 * sampled — exactly `rows` of them, however busy the machine — and the page is told
 * ("takeComplete"). Rows are timed on the page's clock: this thread's clock plus an explicit
 * offset (the two threads' time origins).
 */
export class RecorderHost<F extends CameraFrame = VideoFrame> implements RecorderApi<F> {
  private readonly store: EpisodeStore;
  private readonly clock: Clock;
  private readonly timeOrigin: number;
  /** Page clock − this thread's clock, ms. */
  private pageOffsetMs = 0;
  private joints: JointHistory | null = null;
  private readonly feeds = new Map<string, CameraFeed<F>>();
  private readonly listeners = new Set<(e: RecorderEvent) => void>();
  private readonly counted = new Map<string, { frames: number; at: number }>();
  private take: Take<F> | undefined;
  private starting = false;
  private readonly stopStats: () => void;

  constructor(private readonly options: RecorderHostOptions<F>) {
    this.store = options.store;
    this.clock = options.clock ?? realClock;
    this.timeOrigin = options.timeOrigin ?? performance.timeOrigin;
    this.stopStats = every(this.clock, 1000, () => this.reportCameras());
  }

  /** The page's clock (performance.now() of the page), from this thread. */
  private pageNow(): number {
    return this.clock.now() + this.pageOffsetMs;
  }

  private emit(event: RecorderEvent): void {
    for (const fn of this.listeners) fn(event);
  }

  onEvent(listener: (event: RecorderEvent) => void): Promise<void> {
    this.listeners.add(listener);
    return Promise.resolve();
  }

  setPageOrigin(pageTimeOrigin: number): Promise<void> {
    this.pageOffsetMs = this.timeOrigin - pageTimeOrigin;
    return Promise.resolve();
  }

  setSample(source: SampleSource | null): Promise<void> {
    this.joints = source ? new JointHistory(source) : null;
    return Promise.resolve();
  }

  addCamera(key: string, stream: ReadableStream<F>, fps: number, pageClock: boolean): Promise<void> {
    const feed: CameraFeed<F> = {
      key,
      reader: stream.getReader(),
      clock: new ClockMapper(),
      pageClock,
      fps,
      width: 0,
      height: 0,
      frames: 0,
      dropped: 0,
      lastTsUs: NaN,
      ended: false,
    };
    const old = this.feeds.get(key);
    if (old) void old.reader.cancel().catch(() => undefined);
    this.feeds.set(key, feed);
    void this.pump(feed);
    return Promise.resolve();
  }

  async removeCamera(key: string): Promise<void> {
    const feed = this.feeds.get(key);
    if (!feed) return;
    this.feeds.delete(key);
    this.counted.delete(key);
    await feed.reader.cancel().catch(() => undefined);
  }

  private async pump(feed: CameraFeed<F>): Promise<void> {
    for (;;) {
      let r: ReadableStreamReadResult<F>;
      try {
        r = await feed.reader.read();
      } catch {
        break;
      }
      if (r.done) break;
      const frame = r.value;
      const arrival = this.pageNow();
      const captureMs = feed.pageClock ? frame.timestamp / 1000 : feed.clock.observe(frame.timestamp, arrival);
      feed.frames++;
      feed.width = frame.displayWidth;
      feed.height = frame.displayHeight;
      // Gaps in the camera's own timestamps longer than 1.5 periods are frames it never delivered.
      if (!Number.isNaN(feed.lastTsUs)) {
        const gap = (frame.timestamp - feed.lastTsUs) / (1e6 / feed.fps);
        if (gap > 1.5) feed.dropped += Math.round(gap) - 1;
      }
      feed.lastTsUs = frame.timestamp;
      if (this.feeds.get(feed.key) !== feed) {
        frame.close();
        break;
      }
      const take = this.take;
      if (take) {
        take.recorder.pushFrame(feed.key, frame, captureMs);
        take.onFrame?.();
      } else frame.close();
    }
    feed.ended = true;
    if (this.feeds.get(feed.key) === feed) this.reportCamera(feed);
  }

  private reportCameras(): void {
    for (const feed of this.feeds.values()) this.reportCamera(feed);
  }

  private reportCamera(feed: CameraFeed<F>): void {
    const now = this.clock.now();
    const prev = this.counted.get(feed.key) ?? { frames: 0, at: now - 1000 };
    const fps = ((feed.frames - prev.frames) * 1000) / Math.max(1, now - prev.at);
    this.counted.set(feed.key, { frames: feed.frames, at: now });
    this.emit({
      type: "camera",
      key: feed.key,
      fps: Math.round(fps * 10) / 10,
      dropped: feed.dropped,
      width: feed.width,
      height: feed.height,
      ended: feed.ended,
    });
  }

  async start(spec: TakeSpec): Promise<void> {
    if (this.take || this.starting) throw new Error("A take is already being recorded.");
    for (const c of spec.cameras) if (!this.feeds.has(c.key)) throw new Error(`Camera "${c.key}" is not connected to the recorder.`);
    if (spec.rows !== undefined && !(Number.isInteger(spec.rows) && spec.rows > 0))
      throw new RangeError(`A take's planned rows must be a positive whole number, got ${spec.rows}.`);
    this.starting = true;
    try {
      this.take = await this.createTake(spec);
    } finally {
      this.starting = false;
    }
    this.armRowClock(this.take);
  }

  private async createTake(spec: TakeSpec): Promise<Take<F>> {
    const episodeId = spec.episode.id;
    const ref: { take?: Take<F> } = {};
    const onFailure = (message: string, code?: string) => {
      const take = ref.take;
      if (!take || take.failure !== undefined) return;
      take.failure = { message, ...(code ? { code } : {}) };
      take.cancelTimer();
      take.recorder.abort();
      this.emit({ type: "takeFailed", episodeId, message, ...(code ? { code } : {}) });
    };
    const made = await Promise.allSettled(
      spec.cameras.map((c) =>
        this.options.createCamera({
          episodeId,
          key: c.key,
          codec: spec.codec,
          width: c.width,
          height: c.height,
          fps: spec.episode.fps,
          gop: spec.gop,
          expectedRows: spec.expectedRows,
          clock: this.clock,
          onFailure: (m) => onFailure(m),
        }),
      ),
    );
    const cameras = made.flatMap((m) => (m.status === "fulfilled" ? [m.value] : []));
    const refused = made.find((m) => m.status === "rejected");
    if (refused) {
      for (const c of cameras) c.abort();
      throw refused.reason;
    }
    const joints = this.joints;
    joints?.beginTake(spec.episode.t0Ms);
    const recorder: EpisodeRecorder<F> = new EpisodeRecorder<F>({
      store: this.store,
      episode: spec.episode,
      jointNames: spec.jointNames,
      cameras,
      readJoints: (rowT, state, action) => joints?.read(rowT, state, action) ?? NO_SAMPLE,
      loop: () => joints?.figures(recorder.nextRowTimeMs) ?? null,
      ...(spec.rows !== undefined ? { rows: spec.rows } : {}),
      onStorageError: (e) => onFailure(messageOf(e), isStorageError(e) ? e.code : undefined),
    });
    ref.take = { spec, recorder, joints, cancelTimer: () => undefined, failure: undefined, onFrame: undefined, settling: undefined };
    return ref.take;
  }

  /**
   * Samples each row once the loop has published a sample at or after the row's time (so the
   * nearest one is known), or as stale; a planned take ends at its last row. If the loop ends
   * its run with a fault (an arm disconnected) or goes silent, the take ends at its last sample.
   */
  private armRowClock(take: Take<F>): void {
    const { recorder, joints } = take;
    const episodeId = take.spec.episode.id;
    const fps = take.spec.episode.fps;
    let reported = 0;
    const ended = (event: "takeComplete" | "takeCut", reason?: string) => {
      // Every row is sampled; the page is told once every camera has its frame for the last one.
      void this.framesSettled(take).then(() => {
        if (this.take !== take || take.failure !== undefined) return;
        this.emit({ type: "progress", episodeId, rows: recorder.rows });
        if (event === "takeCut") this.emit({ type: "takeCut", episodeId, rows: recorder.rows, reason: reason ?? "" });
        else this.emit({ type: "takeComplete", episodeId, rows: recorder.rows });
      });
    };
    const tick = () => {
      if (this.take !== take || take.failure !== undefined) return;
      const now = this.pageNow();
      if (joints) {
        joints.collect(now);
        const cut = joints.cutReason(now, recorder.t0Ms);
        if (cut !== undefined) {
          // Rows up to the last sample that read the arm (and within the stale bound after it) keep their joints.
          recorder.sampleRows(Math.min(now, joints.cutAtMs()));
          recorder.cut(cut);
          ended("takeCut", cut);
          return;
        }
        recorder.sampleRows(Math.min(now, joints.horizonMs()));
      } else recorder.sampleRows(now);
      if (recorder.complete) return ended("takeComplete");
      if (recorder.rows - reported >= fps / 2) {
        reported = recorder.rows;
        this.emit({ type: "progress", episodeId, rows: recorder.rows });
      }
      arm();
    };
    const arm = () => {
      // A row is decided once the loop's next sample after it is out: about a period later.
      const period = joints?.periodMs ?? NaN;
      const lag = Number.isFinite(period) ? period + 3 : 0;
      const at = Math.max(recorder.nextRowTimeMs + lag, this.pageNow() + (Number.isFinite(period) ? period / 2 : 5));
      take.cancelTimer = this.clock.runAt(at - this.pageOffsetMs, tick);
    };
    take.cancelTimer = this.clock.runAt(recorder.nextRowTimeMs - this.pageOffsetMs, tick);
  }

  /** Resolves once every camera has a frame for every sampled row, or LAST_FRAME_GRACE_MS after the first time it was asked. */
  private framesSettled(take: Take<F>): Promise<void> {
    if (!take.recorder.awaitingFrames) return Promise.resolve();
    if (take.settling) return take.settling;
    take.settling = new Promise((resolve) => {
      const done = () => {
        cancel();
        if (take.onFrame === check) take.onFrame = undefined;
        resolve();
      };
      const check = () => {
        if (!take.recorder.awaitingFrames) done();
      };
      const cancel = this.clock.timeout(LAST_FRAME_GRACE_MS, done);
      take.onFrame = check;
    });
    return take.settling;
  }

  async stop(): Promise<TakeOutcome> {
    const take = this.take;
    if (!take) throw new Error("No take is being recorded.");
    take.cancelTimer(); // no more rows
    try {
      if (take.failure === undefined) {
        // The rows the loop's samples already cover are decided before the take ends.
        if (take.recorder.cutShort === undefined) take.recorder.sampleRows(Math.min(this.pageNow(), take.joints?.horizonMs() ?? Infinity));
        await this.framesSettled(take);
        take.joints?.collect(this.pageNow());
        const result = await take.recorder.stop();
        const cut = take.recorder.cutShort;
        return cut === undefined
          ? result
          : {
              ...result,
              failure: {
                message: `The take was cut short at ${(result.episode.length / take.spec.episode.fps).toFixed(1)} s: ${cut}.`,
                code: "cut_short",
              },
            };
      }
      // Failed: keep what reached storage (complete rows only) and say why.
      const failure = take.failure;
      await take.recorder.settled();
      const message = failure.code === "quota" ? `${CUT_SHORT_STORAGE_FULL} ${failure.message}` : failure.message;
      const qa = [{ kind: "recording_failed" as const, message }];
      const episode = await this.store.finishEpisode(take.recorder.episode.id, { sync: null, qa, imageStats: {} });
      return { episode, sync: null, qa, failure };
    } finally {
      this.take = undefined;
    }
  }

  async discard(): Promise<void> {
    const take = this.take;
    if (!take) return;
    take.cancelTimer();
    take.recorder.abort();
    this.take = undefined;
    await take.recorder.settled();
    await this.store.discardEpisode(take.recorder.episode.id);
  }

  dispose(): void {
    this.stopStats();
    this.take?.cancelTimer();
    this.take?.recorder.abort();
    for (const f of this.feeds.values()) void f.reader.cancel().catch(() => undefined);
    this.listeners.clear();
  }
}
