import { LatestSample, SampleFrame } from "../core/LatestSample.ts";
import { ClockMapper } from "../core/frameSync.ts";
import { runAt } from "../hardware/precisionTimer.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";
import { isStorageError } from "../storage/errors.ts";
import { EpisodeRecorder } from "./EpisodeRecorder.ts";
import type { RecorderCall, RecorderEvent, SampleSource, TakeOutcome, TakeSpec } from "./recorderProtocol.ts";
import { VideoTakeCamera } from "./VideoTakeCamera.ts";

/** A joint sample older than this at a row's time means the loop is not running: the row's joints are missing. */
const STALE_SAMPLE_MS = 200;

interface CameraFeed {
  key: string;
  reader: ReadableStreamDefaultReader<VideoFrame>;
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

interface Take {
  recorder: EpisodeRecorder<VideoFrame>;
  cancelTimer: () => void;
  failure: { message: string; code?: string } | undefined;
}

/**
 * The recorder worker: owns the camera frame streams (transferred from the page), the row
 * clock and the encoders of the running take, and writes to storage directly. The page sends
 * commands (recorderProtocol.ts) and gets replies and events.
 */
export class RecorderHost {
  private pageOrigin = performance.timeOrigin;
  private sample: { latest: LatestSample; hostOffsetMs: number; frame: SampleFrame } | null = null;
  private readonly feeds = new Map<string, CameraFeed>();
  private take: Take | undefined;
  private statsTimer: ReturnType<typeof setInterval>;

  constructor(
    private readonly store: EpisodeStore,
    private readonly emit: (event: RecorderEvent, transfer?: Transferable[]) => void,
  ) {
    this.statsTimer = setInterval(() => this.reportCameras(), 1000);
  }

  /** The page's clock (performance.now() of the page), from this worker. */
  private pageNow(): number {
    return performance.now() + performance.timeOrigin - this.pageOrigin;
  }

  async handle(call: RecorderCall): Promise<void> {
    try {
      const value = await this.dispatch(call);
      this.emit({ type: "reply", id: call.id, ok: true, value });
    } catch (e) {
      const code = isStorageError(e) ? e.code : undefined;
      this.emit({ type: "reply", id: call.id, ok: false, error: e instanceof Error ? e.message : String(e), ...(code ? { code } : {}) });
    }
  }

  private async dispatch(call: RecorderCall): Promise<unknown> {
    switch (call.type) {
      case "init":
        this.pageOrigin = call.pageOrigin;
        return undefined;
      case "sample":
        this.setSample(call.source);
        return undefined;
      case "addCamera":
        this.addCamera(call.key, call.stream, call.fps, call.pageClock);
        return undefined;
      case "removeCamera":
        await this.removeCamera(call.key);
        return undefined;
      case "start":
        await this.start(call.take);
        return undefined;
      case "stop":
        return this.stop();
      case "discard":
        await this.discard();
        return undefined;
    }
  }

  private setSample(source: SampleSource | null): void {
    this.sample = source
      ? {
          latest: new LatestSample(source.buffer, source.joints),
          hostOffsetMs: source.hostOffsetMs,
          frame: new SampleFrame(source.joints),
        }
      : null;
  }

  private addCamera(key: string, stream: ReadableStream<VideoFrame>, fps: number, pageClock: boolean): void {
    const feed: CameraFeed = {
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
    if (old) void old.reader.cancel();
    this.feeds.set(key, feed);
    void this.pump(feed);
  }

  private async removeCamera(key: string): Promise<void> {
    const feed = this.feeds.get(key);
    if (!feed) return;
    this.feeds.delete(key);
    await feed.reader.cancel().catch(() => undefined);
  }

  private async pump(feed: CameraFeed): Promise<void> {
    for (;;) {
      let r: ReadableStreamReadResult<VideoFrame>;
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
      if (take) take.recorder.pushFrame(feed.key, frame, captureMs);
      else frame.close();
    }
    feed.ended = true;
    this.reportCamera(feed);
  }

  private readonly counted = new Map<string, { frames: number; at: number }>();

  private reportCameras(): void {
    for (const feed of this.feeds.values()) this.reportCamera(feed);
  }

  private reportCamera(feed: CameraFeed): void {
    const now = performance.now();
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

  private readJoints = (state: Float32Array, action: Float32Array): number => {
    const s = this.sample;
    if (!s || !s.latest.read(s.frame)) return NaN;
    const t = s.frame.t + s.hostOffsetMs;
    if (this.pageNow() - t > STALE_SAMPLE_MS) return NaN;
    state.set(s.frame.follower);
    action.set(s.frame.command);
    return t;
  };

  private async start(spec: TakeSpec): Promise<void> {
    if (this.take) throw new Error("A take is already being recorded.");
    for (const c of spec.cameras) if (!this.feeds.has(c.key)) throw new Error(`Camera "${c.key}" is not connected to the recorder.`);
    const ref: { take?: Take } = {};
    const onFailure = (message: string, code?: string) => {
      const take = ref.take;
      if (!take || take.failure !== undefined) return;
      take.failure = { message, ...(code ? { code } : {}) };
      take.cancelTimer();
      take.recorder.abort();
      this.emit({ type: "takeFailed", message, ...(code ? { code } : {}) });
    };
    const cameras = await Promise.all(
      spec.cameras.map((c) =>
        VideoTakeCamera.create({
          episodeId: spec.episode.id,
          key: c.key,
          codec: spec.codec,
          width: c.width,
          height: c.height,
          fps: spec.episode.fps,
          gop: spec.gop,
          expectedRows: spec.expectedRows,
          onFailure: (m) => onFailure(m),
        }),
      ),
    );
    const recorder = new EpisodeRecorder<VideoFrame>({
      store: this.store,
      episode: spec.episode,
      jointNames: spec.jointNames,
      cameras,
      readJoints: this.readJoints,
      onStorageError: (e) => onFailure(e instanceof Error ? e.message : String(e), isStorageError(e) ? e.code : undefined),
    });
    const take: Take = { recorder, cancelTimer: () => undefined, failure: undefined };
    ref.take = take;
    this.take = take;
    const offset = performance.timeOrigin - this.pageOrigin; // page time − this worker's time
    let reported = 0;
    const tick = () => {
      if (this.take !== take || take.failure !== undefined) return;
      recorder.sampleRows(this.pageNow());
      if (recorder.rows - reported >= spec.episode.fps / 2) {
        reported = recorder.rows;
        this.emit({ type: "progress", rows: recorder.rows });
      }
      take.cancelTimer = runAt(recorder.nextRowTimeMs - offset, tick);
    };
    take.cancelTimer = runAt(recorder.nextRowTimeMs - offset, tick);
  }

  private async stop(): Promise<TakeOutcome> {
    const take = this.take;
    if (!take) throw new Error("No take is being recorded.");
    take.cancelTimer();
    try {
      if (take.failure === undefined) return await take.recorder.stop();
      // Failed: keep what reached storage (complete rows only) and say why.
      const failure = take.failure;
      await take.recorder.settled();
      const qa = [{ kind: "recording_failed" as const, message: failure.message }];
      const episode = await this.store.finishEpisode(take.recorder.episode.id, { sync: null, qa, imageStats: {} });
      return { episode, sync: null, qa, failure };
    } finally {
      this.take = undefined;
    }
  }

  private async discard(): Promise<void> {
    const take = this.take;
    if (take) {
      take.cancelTimer();
      take.recorder.abort();
      this.take = undefined;
      await take.recorder.settled();
      await this.store.discardEpisode(take.recorder.episode.id);
    }
  }

  dispose(): void {
    clearInterval(this.statsTimer);
    this.take?.recorder.abort();
    for (const f of this.feeds.values()) void f.reader.cancel();
  }
}
