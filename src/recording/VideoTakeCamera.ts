import type { MediaBatch, VideoTrackInfo } from "../core/dataset.ts";
import { ImageStatsAccumulator, LiveFrameSampler } from "../core/imageStats.ts";
import { frameHash } from "../core/qa.ts";
import { CameraEncoder, type EncoderError } from "../capture/CameraEncoder.ts";
import type { CodecName } from "../capture/codecs.ts";
import type { Clock } from "../core/clock.ts";
import type { CameraTakeResult, TakeCamera } from "./EpisodeRecorder.ts";

/** Size of the small copy each encoded frame is analysed at (QA, image stats, thumbnail). */
const PROBE_W = 160;
const PROBE_H = 120;
/** Frames analysed for QA and statistics: one in this many (10 a second at 30 fps). */
const ANALYSE_EVERY = 3;

export interface VideoTakeCameraOptions {
  episodeId: string;
  key: string;
  codec: CodecName;
  width: number;
  height: number;
  fps: number;
  gop: number;
  /** Planned rows (for the image-stats sampling stride). */
  expectedRows: number;
  /** The clock the encoder's degrade steps are paced on (default: the real one). */
  clock?: Pick<Clock, "now">;
  /** The encoder failed: the take must stop (falling behind does not stop it: rows repeat, counted). */
  onFailure: (message: string) => void;
}

/**
 * A camera's side of a take in the recorder worker: WebCodecs encoding with constant frame
 * rate (CameraEncoder), plus a 160×120 copy of each encoded frame for the per-take QA (mean
 * luma, a frame hash), the image statistics (sampled frames) and the thumbnail.
 */
export class VideoTakeCamera implements TakeCamera<VideoFrame> {
  onBatch: (batch: MediaBatch) => void = () => undefined;
  readonly key: string;
  private readonly probe = new OffscreenCanvas(PROBE_W, PROBE_H);
  private readonly ctx: OffscreenCanvasRenderingContext2D;
  private readonly luma: number[] = [];
  private readonly hashes: number[] = [];
  private readonly stats = new ImageStatsAccumulator();
  private readonly sampler: LiveFrameSampler;
  private readonly lumaPlane = new Uint8Array(PROBE_W * PROBE_H);
  private thumbnail: Promise<ArrayBuffer> | undefined;
  private failed = false;
  private inFlight = 0;
  private pending: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: VideoTakeCameraOptions,
    private readonly encoder: CameraEncoder,
  ) {
    this.key = options.key;
    const ctx = this.probe.getContext("2d", { willReadFrequently: true });
    if (!ctx) throw new Error("No 2D canvas in this worker.");
    this.ctx = ctx;
    this.sampler = new LiveFrameSampler(options.expectedRows);
  }

  static async create(options: VideoTakeCameraOptions): Promise<VideoTakeCamera> {
    const ref: { self?: VideoTakeCamera } = {};
    const encoder = await CameraEncoder.create({
      episodeId: options.episodeId,
      camera: options.key,
      codec: options.codec,
      width: options.width,
      height: options.height,
      fps: options.fps,
      gop: options.gop,
      ...(options.clock ? { clock: options.clock } : {}),
      onBatch: (b) => ref.self?.onBatch(b),
      onError: (e: EncoderError) => ref.self?.fail(e.message),
    });
    ref.self = new VideoTakeCamera(options, encoder);
    return ref.self;
  }

  encode(frame: VideoFrame, row: number, captureTimeMs: number): void {
    if (this.failed) return;
    // Behind, the encoder repeats the last frame for this row (counted): nothing new to analyse.
    if (this.encoder.encode(frame, row, captureTimeMs) !== "encoded") return;
    // A small copy of every ANALYSE_EVERY-th frame, scaled off this thread (createImageBitmap):
    // reading a full frame's pixels synchronously costs tens of ms and would stall the worker.
    if ((row % ANALYSE_EVERY === 0 || row === 0) && this.inFlight < 2) {
      this.inFlight++;
      const copy = frame.clone();
      const job = createImageBitmap(copy, { resizeWidth: PROBE_W, resizeHeight: PROBE_H, resizeQuality: "low" })
        .then((bmp) => {
          this.analyse(bmp, row);
          bmp.close();
        })
        .catch(() => undefined)
        .finally(() => {
          copy.close();
          this.inFlight--;
        });
      this.pending = Promise.all([this.pending, job]).then(() => undefined);
    }
  }

  track(): VideoTrackInfo | undefined {
    return this.encoder.trackInfo ?? undefined;
  }

  release(frame: VideoFrame): void {
    frame.close();
  }

  async finish(): Promise<CameraTakeResult> {
    await this.encoder.flush();
    await this.pending;
    const track = this.encoder.trackInfo ?? undefined;
    this.encoder.close();
    const thumbnail = this.thumbnail ? await this.thumbnail.catch(() => undefined) : undefined;
    const gov = this.encoder.governorStats;
    const encoder = {
      codec: this.options.codec,
      rows: this.encoder.stats.submitted + gov.repeatedRows,
      repeatedRows: gov.repeatedRows,
      repeatSpans: this.encoder.repeatSpans,
      levelChanges: gov.levelChanges,
    };
    return {
      track,
      qa: { lumaMean: this.luma, hash: this.hashes, encoder },
      stats: this.stats.result(),
      ...(thumbnail ? { thumbnail } : {}),
    };
  }

  abort(): void {
    this.failed = true;
    this.encoder.close();
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.options.onFailure(message);
  }

  private analyse(frame: ImageBitmap, row: number): void {
    const ctx = this.ctx;
    ctx.drawImage(frame, 0, 0, PROBE_W, PROBE_H);
    const rgba = ctx.getImageData(0, 0, PROBE_W, PROBE_H).data;
    let sum = 0;
    const plane = this.lumaPlane;
    for (let i = 0, p = 0; p < plane.length; i += 4, p++) {
      const y = (77 * rgba[i]! + 150 * rgba[i + 1]! + 29 * rgba[i + 2]!) >> 8;
      plane[p] = y;
      sum += y;
    }
    this.luma.push(sum / plane.length);
    this.hashes.push(frameHash(plane, PROBE_W, PROBE_H));
    if (this.sampler.shouldSample(row)) this.stats.addRgba(rgba, PROBE_W, PROBE_H);
    if (row === 0 && !this.thumbnail)
      this.thumbnail = this.probe.convertToBlob({ type: "image/jpeg", quality: 0.7 }).then((b) => b.arrayBuffer());
  }
}
