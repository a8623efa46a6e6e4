/**
 * Live encoding of one camera with WebCodecs, in constant frame rate: the caller passes each
 * frame with the dataset row it is for, and the encoded frame gets timestamp round(row·10^6/fps)
 * µs and duration 10^6/fps µs. Encoded frames are collected into {@link MediaBatch}es of about
 * one second (frame refs + one ArrayBuffer) handed to `onBatch`, so memory stays flat however
 * long the episode. Works on the page and in workers (VideoEncoder only, no DOM).
 *
 * Falling behind: an {@link EncodeGovernor} decides each row from the frames in flight. It first
 * lowers the encoder's cost (bitrate through a reconfigure, fewer keyframes), then repeats rows:
 * a repeated row's frame is a byte copy of the last encoded frame, a keyframe (the ref carries
 * `repeatOf`), so every row has a frame and the file stays decodable at every row time. Repeats
 * are counted (`stats.repeated`) and their row spans kept for the QA; the take never stops
 * because of the encoder's speed. The coded size never changes.
 */

import type { EncodedFrameRef, MediaBatch, VideoTrackInfo } from "../core/dataset.ts";
import type { Clock } from "../core/clock.ts";
import { otherCodecs } from "../core/encoderQa.ts";
import { codecStrings, defaultBitrate, rowOfTimestampUs, rowTimestampUs } from "./codecs.ts";
import type { CodecName } from "./codecs.ts";
import { EncodeGovernor, type GovernorStats, type RowSpan } from "./EncodeGovernor.ts";

/** An error with a message for the operator. */
export class EncoderError extends Error {
  constructor(
    message: string,
    readonly code: "unsupported" | "encoder_failed" | "closed",
  ) {
    super(message);
    this.name = "EncoderError";
  }
}

export interface CameraEncoderOptions {
  episodeId: string;
  /** Camera key (column name). */
  camera: string;
  codec: CodecName;
  width: number;
  height: number;
  fps: number;
  /** A keyframe every `gop` frames (lerobot's default: 2). */
  gop?: number;
  /** Target bits per second (default {@link defaultBitrate}). */
  bitrate?: number;
  /** Frames per batch (default: round(fps), about one second). */
  batchFrames?: number;
  /** The clock the governor paces its cost steps on (default: performance.now()). */
  clock?: Pick<Clock, "now">;
  /** "realtime" (default, fast, no reordering) or "quality". */
  latencyMode?: LatencyMode;
  /** Called in row order with each full batch, and with the last partial one on flush(). */
  onBatch: (batch: MediaBatch) => void;
  /** Called once if the encoder fails; no more batches follow. */
  onError?: (error: EncoderError) => void;
}

export interface CameraEncoderStats {
  /** Frames handed to the encoder. */
  submitted: number;
  /** Encoded frames received. */
  encoded: number;
  /** Rows whose frame repeats the last encoded one (a keyframe copy) because the encoder was behind. */
  repeated: number;
  /** Most frames in flight (submitted, not yet encoded) seen. */
  maxQueueSeen: number;
  /** Encoded bytes so far. */
  bytes: number;
  batches: number;
}

/** The first supported encoder configuration for a codec, or null. */
export async function supportedEncoderConfig(
  codec: CodecName,
  width: number,
  height: number,
  fps: number,
  extra: { bitrate?: number; latencyMode?: LatencyMode } = {},
): Promise<VideoEncoderConfig | null> {
  if (typeof VideoEncoder === "undefined") return null;
  for (const codecString of codecStrings(codec, width, height, fps)) {
    const config: VideoEncoderConfig = {
      codec: codecString,
      width,
      height,
      framerate: fps,
      bitrate: extra.bitrate ?? defaultBitrate(width, height, fps),
      latencyMode: extra.latencyMode ?? "realtime",
      ...(codec === "h264" ? { avc: { format: "avc" as const } } : {}),
    };
    try {
      const support = await VideoEncoder.isConfigSupported(config);
      if (support.supported === true) return config;
    } catch {
      // a malformed or unknown codec string: try the next
    }
  }
  return null;
}

export class CameraEncoder {
  readonly options: Readonly<CameraEncoderOptions>;
  readonly config: VideoEncoderConfig;
  readonly stats: CameraEncoderStats = { submitted: 0, encoded: 0, repeated: 0, maxQueueSeen: 0, bytes: 0, batches: 0 };
  private readonly encoder: VideoEncoder;
  private readonly governor: EncodeGovernor;
  private readonly batchFrames: number;
  private readonly captureTimes = new Map<number, number>();
  /** The last row submitted, and rows that repeat it (emitted right after its output). */
  private lastSubmitted = -1;
  private readonly repeatsOf = new Map<number, number[]>();
  /** The last encoded frame, if it was a keyframe (what a repeat copies). */
  private lastKey: { row: number; bytes: Uint8Array; captureTimeMs: number } | null = null;
  private lastOutputRow = -1;
  private info: VideoTrackInfo | null = null;
  private frames: EncodedFrameRef[] = [];
  private chunks: Uint8Array[] = [];
  private batchBytes = 0;
  private seq = 0;
  private failed: EncoderError | null = null;
  private closed = false;

  /** Opens an encoder; rejects with an EncoderError("unsupported") when this browser cannot encode the codec at that size. */
  static async create(options: CameraEncoderOptions): Promise<CameraEncoder> {
    const extra: { bitrate?: number; latencyMode?: LatencyMode } = {};
    if (options.bitrate !== undefined) extra.bitrate = options.bitrate;
    if (options.latencyMode !== undefined) extra.latencyMode = options.latencyMode;
    const config = await supportedEncoderConfig(options.codec, options.width, options.height, options.fps, extra);
    if (config === null) {
      throw new EncoderError(
        `This browser cannot encode ${options.codec.toUpperCase()} video at ${options.width}×${options.height} ${options.fps} fps. Choose another codec (${otherCodecs(options.codec)}) or a smaller resolution.`,
        "unsupported",
      );
    }
    return new CameraEncoder(options, config);
  }

  private constructor(options: CameraEncoderOptions, config: VideoEncoderConfig) {
    this.options = options;
    this.config = config;
    this.batchFrames = Math.max(1, Math.round(options.batchFrames ?? options.fps));
    this.governor = new EncodeGovernor({
      fps: options.fps,
      gop: Math.max(1, Math.floor(options.gop ?? 2)),
      bitrate: config.bitrate ?? defaultBitrate(options.width, options.height, options.fps),
      clock: options.clock ?? { now: () => performance.now() },
      onLevel: (level) => this.reconfigure(level.bitrate),
    });
    this.encoder = new VideoEncoder({
      output: (chunk, metadata) => this.onOutput(chunk, metadata),
      error: (e) =>
        this.fail(
          new EncoderError(
            `The ${options.codec.toUpperCase()} encoder for camera "${options.camera}" failed: ${e.message}. Recording of this camera stopped; try another codec.`,
            "encoder_failed",
          ),
        ),
    });
    this.encoder.configure(config);
  }

  /** The stored track's description; null until the first encoded frame. */
  get trackInfo(): VideoTrackInfo | null {
    return this.info;
  }

  /** Frames in flight: submitted and not yet encoded. */
  get queueSize(): number {
    return this.stats.submitted - this.stats.encoded;
  }

  /** The error that stopped this encoder, if any. */
  get error(): EncoderError | null {
    return this.failed;
  }

  /** The governor's figures: repeated rows, the cost level and when it changed. */
  get governorStats(): GovernorStats {
    return this.governor.stats;
  }

  /** Row spans whose frame repeats an earlier one. */
  get repeatSpans(): RowSpan[] {
    return this.governor.repeatSpans;
  }

  /**
   * Encodes `frame` as row `row` (rows in increasing order; a frame may be passed for several
   * rows), or — when the encoder is behind — repeats the last encoded frame for this row.
   * The caller keeps ownership of `frame` (close it when done). Returns "encoded", "repeated",
   * or false after a failure or close.
   */
  encode(frame: VideoFrame, row: number, captureTimeMs: number): "encoded" | "repeated" | false {
    if (this.closed || this.failed !== null) return false;
    const inFlight = this.queueSize;
    this.stats.maxQueueSeen = Math.max(this.stats.maxQueueSeen, inFlight);
    const step = this.governor.next(row, inFlight);
    if (step.kind === "repeat") {
      this.stats.repeated++;
      if (this.lastOutputRow === this.lastSubmitted) {
        if (this.lastKey?.row === this.lastSubmitted) this.pushRepeat(row);
        else this.fail(this.noKeyframe());
      } else {
        const rows = this.repeatsOf.get(this.lastSubmitted) ?? [];
        rows.push(row);
        this.repeatsOf.set(this.lastSubmitted, rows);
      }
      return "repeated";
    }
    const fps = this.options.fps;
    const stamped = new VideoFrame(frame, { timestamp: rowTimestampUs(row, fps), duration: Math.round(1e6 / fps) });
    this.captureTimes.set(row, captureTimeMs);
    try {
      this.encoder.encode(stamped, { keyFrame: step.keyFrame });
      this.stats.submitted++;
      this.lastSubmitted = row;
    } finally {
      stamped.close();
    }
    return "encoded";
  }

  /** Waits for every submitted frame, then hands over the last (partial) batch. */
  async flush(): Promise<void> {
    if (this.closed) return;
    if (this.failed === null) {
      try {
        await this.encoder.flush();
      } catch (e) {
        this.fail(
          new EncoderError(
            `The encoder for camera "${this.options.camera}" failed while finishing: ${(e as Error).message}.`,
            "encoder_failed",
          ),
        );
      }
    }
    if (this.failed !== null) throw this.failed;
    this.emitBatch();
  }

  /** Releases the encoder (pending frames are discarded). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.encoder.state !== "closed") this.encoder.close();
  }

  private onOutput(chunk: EncodedVideoChunk, metadata: EncodedVideoChunkMetadata | undefined): void {
    if (this.closed) return;
    if (this.info === null) {
      const info: VideoTrackInfo = {
        camera: this.options.camera,
        codec: metadata?.decoderConfig?.codec ?? this.config.codec,
        codecName: this.options.codec,
        width: this.options.width,
        height: this.options.height,
      };
      const desc = metadata?.decoderConfig?.description;
      if (desc !== undefined) info.description = copyBuffer(desc);
      this.info = info;
    }
    const bytes = new Uint8Array(chunk.byteLength);
    chunk.copyTo(bytes);
    const row = rowOfTimestampUs(chunk.timestamp, this.options.fps);
    const captureTimeMs = this.captureTimes.get(row) ?? NaN;
    this.captureTimes.delete(row);
    this.pushFrame(row, chunk.type === "key", bytes, captureTimeMs);
    this.stats.encoded++;
    this.lastOutputRow = row;
    this.lastKey = chunk.type === "key" ? { row, bytes, captureTimeMs } : null;
    const repeats = this.repeatsOf.get(row);
    if (repeats !== undefined) {
      this.repeatsOf.delete(row);
      if (this.lastKey === null) {
        // The governor asked for a keyframe before repeating; an encoder that ignored it leaves
        // nothing safe to copy (a copied delta frame would decode wrong).
        this.fail(this.noKeyframe());
        return;
      }
      for (const r of repeats) this.pushRepeat(r);
    }
  }

  private noKeyframe(): EncoderError {
    return new EncoderError(
      `The ${this.options.codec.toUpperCase()} encoder for camera "${this.options.camera}" did not make a requested keyframe. Recording of this camera stopped; record again with the codec set to auto.`,
      "encoder_failed",
    );
  }

  private pushRepeat(row: number): void {
    const key = this.lastKey!;
    this.pushFrame(row, true, key.bytes, key.captureTimeMs, key.row);
  }

  private pushFrame(row: number, key: boolean, bytes: Uint8Array, captureTimeMs: number, repeatOf?: number): void {
    const ref: EncodedFrameRef = { row, key, offset: this.batchBytes, size: bytes.byteLength, captureTimeMs };
    if (repeatOf !== undefined) ref.repeatOf = repeatOf;
    this.frames.push(ref);
    this.chunks.push(bytes);
    this.batchBytes += bytes.byteLength;
    this.stats.bytes += bytes.byteLength;
    if (this.frames.length >= this.batchFrames) this.emitBatch();
  }

  /** A lower bitrate from the governor; an encoder that cannot change it on the fly keeps its own. */
  private reconfigure(bitrate: number): void {
    if (this.closed || this.failed !== null || this.encoder.state !== "configured") return;
    try {
      this.encoder.configure({ ...this.config, bitrate });
    } catch {
      // keep encoding at the configured bitrate: the governor's other steps still apply
    }
  }

  private emitBatch(): void {
    if (this.frames.length === 0) return;
    const data = new Uint8Array(this.batchBytes);
    let at = 0;
    for (const c of this.chunks) {
      data.set(c, at);
      at += c.byteLength;
    }
    const batch: MediaBatch = {
      episodeId: this.options.episodeId,
      camera: this.options.camera,
      seq: this.seq++,
      frames: this.frames,
      data: data.buffer,
    };
    this.frames = [];
    this.chunks = [];
    this.batchBytes = 0;
    this.stats.batches++;
    this.options.onBatch(batch);
  }

  private fail(error: EncoderError): void {
    if (this.failed !== null) return;
    this.failed = error;
    this.options.onError?.(error);
  }
}

function copyBuffer(src: AllowSharedBufferSource): ArrayBuffer {
  const view = ArrayBuffer.isView(src) ? new Uint8Array(src.buffer, src.byteOffset, src.byteLength) : new Uint8Array(src);
  return view.slice().buffer;
}
