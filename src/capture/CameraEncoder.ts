/**
 * Live encoding of one camera with WebCodecs, in constant frame rate: the caller passes each
 * frame with the dataset row it is for, and the encoded frame gets timestamp round(row·10^6/fps)
 * µs and duration 10^6/fps µs. Encoded frames are collected into {@link MediaBatch}es of about
 * one second (frame refs + one ArrayBuffer) handed to `onBatch`, so memory stays flat however
 * long the episode. Works on the page and in workers (VideoEncoder only, no DOM).
 *
 * Backpressure: a frame offered while the encoder already holds `maxQueue` frames is refused
 * (`encode` returns false, counted in `stats.refused`) instead of queueing without bound. A
 * refused row has no frame in the video: the recorder must count it as dropped and, if it
 * happens at all, tell the operator the codec cannot keep up (see {@link chooseCodec}).
 */

import type { EncodedFrameRef, MediaBatch, VideoTrackInfo } from "../core/dataset.ts";
import { codecStrings, defaultBitrate, rowOfTimestampUs, rowTimestampUs } from "./codecs.ts";
import type { CodecName } from "./codecs.ts";

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
  /** Most frames waiting in the encoder before frames are refused (default: round(fps), about one second). */
  maxQueue?: number;
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
  /** Frames refused because the encoder was behind. */
  refused: number;
  /** Largest encodeQueueSize seen. */
  maxQueueSeen: number;
  /** Encoded bytes so far. */
  bytes: number;
  batches: number;
}

/** The first supported encoder configuration for a codec, or null. */
async function supportedEncoderConfig(
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
  readonly stats: CameraEncoderStats = { submitted: 0, encoded: 0, refused: 0, maxQueueSeen: 0, bytes: 0, batches: 0 };
  private readonly encoder: VideoEncoder;
  private readonly gop: number;
  private readonly batchFrames: number;
  private readonly maxQueue: number;
  private readonly captureTimes = new Map<number, number>();
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
        `This browser cannot encode ${options.codec.toUpperCase()} video at ${options.width}×${options.height} ${options.fps} fps. Choose another codec (H.264 or VP9) or a smaller resolution.`,
        "unsupported",
      );
    }
    return new CameraEncoder(options, config);
  }

  private constructor(options: CameraEncoderOptions, config: VideoEncoderConfig) {
    this.options = options;
    this.config = config;
    this.gop = Math.max(1, Math.floor(options.gop ?? 2));
    this.batchFrames = Math.max(1, Math.round(options.batchFrames ?? options.fps));
    this.maxQueue = Math.max(1, Math.round(options.maxQueue ?? options.fps));
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

  /** Frames waiting in the encoder. */
  get queueSize(): number {
    return this.encoder.encodeQueueSize;
  }

  /** The error that stopped this encoder, if any. */
  get error(): EncoderError | null {
    return this.failed;
  }

  /**
   * Encodes `frame` as row `row` (rows in increasing order; a frame may be passed for several
   * rows). The caller keeps ownership of `frame` (close it when done). Returns false when the
   * frame was refused because the encoder is behind (counted), or after a failure.
   */
  encode(frame: VideoFrame, row: number, captureTimeMs: number): boolean {
    if (this.closed || this.failed !== null) return false;
    const queue = this.encoder.encodeQueueSize;
    this.stats.maxQueueSeen = Math.max(this.stats.maxQueueSeen, queue);
    if (queue >= this.maxQueue) {
      this.stats.refused++;
      return false;
    }
    const fps = this.options.fps;
    const stamped = new VideoFrame(frame, { timestamp: rowTimestampUs(row, fps), duration: Math.round(1e6 / fps) });
    this.captureTimes.set(row, captureTimeMs);
    try {
      this.encoder.encode(stamped, { keyFrame: this.stats.submitted % this.gop === 0 });
      this.stats.submitted++;
    } finally {
      stamped.close();
    }
    return true;
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
    this.frames.push({ row, key: chunk.type === "key", offset: this.batchBytes, size: bytes.byteLength, captureTimeMs });
    this.chunks.push(bytes);
    this.batchBytes += bytes.byteLength;
    this.stats.encoded++;
    this.stats.bytes += bytes.byteLength;
    if (this.frames.length >= this.batchFrames) this.emitBatch();
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

interface ProbeResult {
  codecName: CodecName;
  /** The codec string used, or null when unsupported. */
  codec: string | null;
  width: number;
  height: number;
  /** Frames per second the encoder achieved on noisy frames; 0 when unsupported or failed. */
  fps: number;
  error?: string;
}

/**
 * Measures how fast this machine encodes a codec at a size: encodes about `seconds`·fps frames
 * of synthetic camera-like content (a gradient with strong noise, harder than a real scene) as
 * fast as the encoder takes them (at most 8 queued), and returns the frames per second achieved between the first and the last encoded
 * frame (the encoder's start-up is not counted). Other load on the machine lowers the figure.
 */
async function probeEncoder(codecName: CodecName, width: number, height: number, fps: number, seconds = 1): Promise<ProbeResult> {
  const base: ProbeResult = { codecName, codec: null, width, height, fps: 0 };
  const config = await supportedEncoderConfig(codecName, width, height, fps);
  if (config === null) return { ...base, error: `${codecName} is not supported at ${width}×${height}` };
  const count = Math.max(10, Math.round(fps * seconds));
  const frameBytes = width * height * 1.5;
  // Camera-like hard content: a diagonal gradient with strong sensor-like noise (±16 levels).
  // One buffer; frame k is a window shifted by k·97 bytes, so every frame differs (pure white
  // noise would be far harder than any camera picture and understate the speed ~4×).
  const noise = new Uint8Array(frameBytes + 97 * count);
  let x = 0x9e3779b9;
  for (let i = 0; i < noise.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const base = 64 + (((i % width) + Math.floor(i / width)) & 255) / 2;
    noise[i] = Math.max(0, Math.min(255, base + ((x & 31) - 16)));
  }
  let outputs = 0;
  let firstOutput = NaN;
  let lastOutput = NaN;
  let error: string | undefined;
  let wake: (() => void) | null = null;
  const encoder = new VideoEncoder({
    output: () => {
      outputs++;
      lastOutput = performance.now();
      if (outputs === 1) firstOutput = lastOutput;
      wake?.();
    },
    error: (e) => {
      error = e.message;
      wake?.();
    },
  });
  try {
    encoder.configure(config);
    for (let k = 0; k < count && error === undefined; k++) {
      while (encoder.encodeQueueSize >= 8 && error === undefined) await new Promise<void>((r) => (wake = r));
      wake = null;
      const frame = new VideoFrame(noise.subarray(97 * k, 97 * k + frameBytes), {
        format: "I420",
        codedWidth: width,
        codedHeight: height,
        timestamp: rowTimestampUs(k, fps),
        duration: Math.round(1e6 / fps),
      });
      encoder.encode(frame, { keyFrame: k % 2 === 0 });
      frame.close();
    }
    if (error === undefined) await encoder.flush();
    if (error !== undefined) return { ...base, codec: config.codec, error };
    // Steady-state throughput: from the first encoded frame to the last (start-up excluded).
    const elapsed = (lastOutput - firstOutput) / 1000;
    if (!(outputs >= 2 && elapsed > 0)) return { ...base, codec: config.codec, error: "the encoder produced too few frames to measure" };
    return { ...base, codec: config.codec, fps: (outputs - 1) / elapsed };
  } catch (e) {
    return { ...base, codec: config.codec, error: (e as Error).message };
  } finally {
    if (encoder.state !== "closed") encoder.close();
  }
}

export interface CameraLoad {
  width: number;
  height: number;
  fps: number;
}

export interface CodecChoice {
  codec: CodecName;
  probes: ProbeResult[];
  /** Set when no codec keeps up with every camera (the fastest is returned) or the preferred one was replaced. */
  warning?: string;
}

/**
 * Chooses the first codec of [preferred, "h264", "vp9"] that keeps up with all cameras with a
 * 20 % margin: Σ over cameras of (camera fps / achieved fps at its size) ≤ 1/1.2 (for identical
 * cameras: achieved ≥ 1.2 × the summed fps). If none does, returns the fastest with a warning.
 * Rejects only when no codec can encode at all.
 */
export async function chooseCodec(cameras: readonly CameraLoad[], preferred: CodecName = "av1", seconds = 1): Promise<CodecChoice> {
  const order = [...new Set<CodecName>([preferred, "h264", "vp9"])];
  const probes: ProbeResult[] = [];
  let best: { codec: CodecName; load: number } | null = null;
  for (const codec of order) {
    let load = 0;
    const seen = new Map<string, ProbeResult>();
    for (const cam of cameras) {
      const key = `${cam.width}x${cam.height}@${cam.fps}`;
      let probe = seen.get(key);
      if (probe === undefined) {
        probe = await probeEncoder(codec, cam.width, cam.height, cam.fps, seconds);
        seen.set(key, probe);
        probes.push(probe);
      }
      load += probe.fps > 0 ? cam.fps / probe.fps : Infinity;
    }
    if (load <= 1 / 1.2) {
      const choice: CodecChoice = { codec, probes };
      if (codec !== preferred)
        choice.warning = `${preferred.toUpperCase()} cannot keep up with ${cameras.length === 1 ? "this camera" : `these ${cameras.length} cameras`} on this computer; recording in ${codec.toUpperCase()} instead.`;
      return choice;
    }
    if (Number.isFinite(load) && (best === null || load < best.load)) best = { codec, load };
  }
  if (best === null)
    throw new EncoderError("This browser cannot encode video in AV1, H.264 or VP9. Use a recent Chrome or Edge.", "unsupported");
  return {
    codec: best.codec,
    probes,
    warning: `No codec keeps up with ${cameras.length === 1 ? "this camera" : `these ${cameras.length} cameras`} on this computer (${best.codec.toUpperCase()} needs ${Math.round(best.load * 100)} % of the encoder's speed): frames will be dropped. Lower the resolution or frame rate, or record fewer cameras.`,
  };
}
