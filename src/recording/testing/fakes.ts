/**
 * Test doubles for the recording engines: camera frames as plain objects, a camera's side of a
 * take that "encodes" a frame as its id, a frame stream the test feeds, and a recorder that
 * implements the recorder worker's API on the page side without a worker.
 */
import type { MediaBatch } from "../../core/dataset.ts";
import type { DatasetRecord } from "../../core/dataset.ts";
import type { EpisodeStore } from "../../storage/EpisodeStore.ts";
import type { CameraTakeResult, TakeCamera } from "../EpisodeRecorder.ts";
import type { RecorderApi, RecorderEvent, SampleSource, TakeOutcome, TakeSpec } from "../recorderApi.ts";
import type { CameraFrame } from "../RecorderHost.ts";

export class FakeFrame implements CameraFrame {
  static nextId = 0;
  readonly id = FakeFrame.nextId++;
  closed = 0;
  constructor(
    /** µs */
    readonly timestamp: number,
    readonly displayWidth = 64,
    readonly displayHeight = 48,
  ) {}
  close(): void {
    this.closed++;
  }
}

/** Encodes a frame as 4 bytes (its id), one batch per `perBatch` frames; keyframe every 2 rows. */
export class FakeTakeCamera implements TakeCamera<FakeFrame> {
  onBatch: (batch: MediaBatch) => void = () => undefined;
  readonly encoded: { row: number; id: number }[] = [];
  aborted = false;
  private pending: { row: number; id: number; t: number }[] = [];
  constructor(
    readonly key: string,
    private readonly perBatch = 30,
  ) {}
  encode(frame: FakeFrame, row: number, captureTimeMs: number): void {
    if (frame.closed > 0) throw new Error(`frame ${frame.id} encoded after it was closed`);
    this.encoded.push({ row, id: frame.id });
    this.pending.push({ row, id: frame.id, t: captureTimeMs });
    if (this.pending.length >= this.perBatch) this.emit();
  }
  release(frame: FakeFrame): void {
    frame.close();
  }
  private emit(): void {
    const frames = this.pending.splice(0);
    if (frames.length === 0) return;
    const data = new Uint8Array(frames.length * 4);
    frames.forEach((f, i) => new DataView(data.buffer).setUint32(i * 4, f.id));
    this.onBatch({
      episodeId: "",
      camera: this.key,
      seq: 0,
      frames: frames.map((f, i) => ({ row: f.row, key: f.row % 2 === 0, offset: i * 4, size: 4, captureTimeMs: f.t })),
      data: data.buffer,
    });
  }
  finish(): Promise<CameraTakeResult> {
    this.emit();
    return Promise.resolve({
      track: { camera: this.key, codec: "vp09.00.10.08", codecName: "vp9", width: 64, height: 48 },
      qa: { lumaMean: this.encoded.map(() => 120), hash: this.encoded.map((e) => e.id) },
      stats: null,
    });
  }
  abort(): void {
    this.aborted = true;
    this.pending = [];
  }
  track() {
    return { camera: this.key, codec: "vp09.00.10.08", codecName: "vp9" as const, width: 64, height: 48 };
  }
}

/** A camera's frame stream the test writes into. */
export function frameStream(): { stream: ReadableStream<FakeFrame>; push(frame: FakeFrame): void; end(): void; cancelled: () => boolean } {
  let controller!: ReadableStreamDefaultController<FakeFrame>;
  let cancelled = false;
  const stream = new ReadableStream<FakeFrame>({
    start: (c) => {
      controller = c;
    },
    cancel: () => {
      cancelled = true;
    },
  });
  return {
    stream,
    push: (f) => {
      if (!cancelled) controller.enqueue(f);
    },
    end: () => controller.close(),
    cancelled: () => cancelled,
  };
}

/** A dataset with two joints and the given cameras (64×48 at `fps`), in `store`. */
export function testDataset(store: EpisodeStore, cameras: readonly string[], fps = 30): Promise<DatasetRecord> {
  return store.createDataset({
    name: "t",
    fps,
    robotType: "so101_follower",
    jointNames: ["a.pos", "b.pos"],
    units: "degrees",
    cameras: cameras.map((key) => ({ key, source: "simulated" as const, deviceId: "", label: key, width: 64, height: 48, fps })),
    tasks: [],
  });
}

/**
 * The recorder worker's API without a worker, for page engines: every call is recorded; a take
 * is "recorded" by the test (rows()), finished into `store` on stop, and the test emits events.
 */
export class FakeRecorder implements RecorderApi<unknown> {
  readonly calls: string[] = [];
  readonly cameras = new Map<string, { fps: number; pageClock: boolean }>();
  sample: SampleSource | null = null;
  take: TakeSpec | undefined;
  /** Rows the running take has (set by the test). */
  rows = 0;
  /** Makes the next start, stop or addCamera wait for the test (resolve with release()). */
  hold: { method: "start" | "stop" | "addCamera"; gate?: Promise<void>; release?: () => void } | undefined;
  /** Makes the next call of this method fail. */
  failNext: { method: string; error: Error } | undefined;
  private readonly listeners = new Set<(e: RecorderEvent) => void>();

  constructor(private readonly store: EpisodeStore) {}

  /** Holds the next call of `method` until the returned function is called. */
  holdNext(method: "start" | "stop" | "addCamera"): () => void {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    this.hold = { method, gate, release };
    return release;
  }

  private async enter(method: string): Promise<void> {
    this.calls.push(method);
    if (this.failNext?.method === method) {
      const e = this.failNext.error;
      this.failNext = undefined;
      throw e;
    }
    if (this.hold?.method === method) {
      const gate = this.hold.gate;
      this.hold = undefined;
      await gate;
    }
  }

  /** The running take fails in the "worker" (storage full, encoder): it is told, and stop() reports it. */
  fail(message: string, code?: string): void {
    const take = this.take;
    if (!take) throw new Error("No take to fail.");
    this.failure = { message, ...(code ? { code } : {}) };
    this.emit({ type: "takeFailed", episodeId: take.episode.id, message, ...(code ? { code } : {}) });
  }

  /** The loop ended mid-take (an arm unplugged): the "worker" ends the take there, and stop() labels it. */
  cut(reason: string): void {
    const take = this.take;
    if (!take) throw new Error("No take to cut.");
    this.failure = { message: `The take was cut short: ${reason}.`, code: "cut_short" };
    this.emit({ type: "takeCut", episodeId: take.episode.id, rows: this.rows, reason });
  }

  private failure: { message: string; code?: string } | undefined;

  emit(e: RecorderEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  async setPageOrigin(): Promise<void> {
    await this.enter("setPageOrigin");
  }
  async setSample(source: SampleSource | null): Promise<void> {
    await this.enter("setSample");
    this.sample = source;
  }
  async addCamera(key: string, _stream: ReadableStream<unknown>, fps: number, pageClock: boolean): Promise<void> {
    await this.enter("addCamera");
    this.cameras.set(key, { fps, pageClock });
  }
  async removeCamera(key: string): Promise<void> {
    await this.enter("removeCamera");
    this.cameras.delete(key);
  }
  async start(take: TakeSpec): Promise<void> {
    await this.enter("start");
    if (this.take) throw new Error("A take is already being recorded.");
    this.take = take;
    this.rows = 0;
  }
  async stop(): Promise<TakeOutcome> {
    await this.enter("stop");
    const take = this.take;
    if (!take) throw new Error("No take is being recorded.");
    this.take = undefined;
    const id = take.episode.id;
    const n = take.jointNames.length;
    if (this.rows > 0) {
      await this.store.appendRows({
        episodeId: id,
        seq: 0,
        firstRow: 0,
        count: this.rows,
        state: new Float32Array(this.rows * n),
        action: new Float32Array(this.rows * n),
        rowTimeMs: new Float64Array(this.rows),
        sampleTimeMs: new Float64Array(this.rows),
      });
      for (const c of take.cameras)
        await this.store.appendMedia({
          episodeId: id,
          camera: c.key,
          seq: 0,
          frames: Array.from({ length: this.rows }, (_, row) => ({ row, key: row % 2 === 0, offset: row, size: 1, captureTimeMs: row })),
          data: new ArrayBuffer(this.rows),
        });
    }
    const failure = this.failure;
    this.failure = undefined;
    const qa = failure ? [{ kind: "recording_failed" as const, message: failure.message }] : [];
    const episode = await this.store.finishEpisode(id, { sync: null, qa, imageStats: {} });
    return { episode, sync: null, qa, ...(failure ? { failure } : {}) };
  }
  async discard(): Promise<void> {
    await this.enter("discard");
    const take = this.take;
    this.take = undefined;
    if (take) await this.store.discardEpisode(take.episode.id);
  }
  onEvent(listener: (event: RecorderEvent) => void): Promise<void> {
    this.listeners.add(listener);
    return Promise.resolve();
  }
}
