/**
 * Muxes stored encoded frames into an MP4 without re-encoding (mediabunny). Constant frame
 * rate: the track timescale is the frame rate, and frame k of the file is at exactly k/fps.
 *
 * Memory: one file is built in memory (BufferTarget, "fast start": moov before mdat, like
 * lerobot's `movflags=faststart`) and handed to the sink when finished, so the export holds
 * at most about one output video file. MP4 needs the sample tables (and the mdat size) before
 * or after the media, which a forward-only stream (zip) cannot patch; building each file in
 * memory is the price, bounded by `video_files_size_in_mb`.
 */
import { BufferTarget, EncodedPacket, EncodedVideoPacketSource, Mp4OutputFormat, Output, type VideoCodec } from "mediabunny";
import type { VideoTrackInfo } from "../core/dataset.ts";
import { decoderConfigFor } from "../core/videoTrack.ts";

function mediabunnyCodec(name: VideoTrackInfo["codecName"]): VideoCodec {
  switch (name) {
    case "av1":
      return "av1";
    case "h264":
      return "avc";
    case "vp9":
      return "vp9";
  }
}

/** pix_fmt as ffmpeg names it, from the WebCodecs codec string (profile and bit depth). */
export function pixFmtOf(track: VideoTrackInfo): string | undefined {
  const parts = track.codec.split(".");
  if (track.codecName === "av1") {
    // av01.<profile>.<level><tier>.<bitDepth>[.mono.subx.suby...]
    const profile = parts[1];
    const depth = parts[3] ?? "08";
    if (profile !== "0" || parts[4] === "1") return undefined;
    return depth === "08" ? "yuv420p" : depth === "10" ? "yuv420p10le" : undefined;
  }
  if (track.codecName === "vp9") {
    // vp09.<profile>.<level>.<bitDepth>[.<chroma>...]
    const profile = parts[1];
    const depth = parts[3] ?? "08";
    if (profile !== "00" && profile !== "02") return undefined;
    return depth === "08" ? "yuv420p" : depth === "10" ? "yuv420p10le" : undefined;
  }
  // avc1.PPCCLL: 4:2:0 8-bit for Baseline (42), Main (4D), High (64).
  const profile = parts[1]?.slice(0, 2).toUpperCase();
  return profile === "42" || profile === "4D" || profile === "64" ? "yuv420p" : undefined;
}

export class Mp4FileWriter {
  private readonly output: Output<Mp4OutputFormat, BufferTarget>;
  private readonly source: EncodedVideoPacketSource;
  private readonly fps: number;
  private readonly track: VideoTrackInfo;
  private started = false;
  /** Frames added so far (the next frame's index in the file). */
  frames = 0;
  /** Encoded bytes added so far (excluding container overhead). */
  bytes = 0;

  constructor(track: VideoTrackInfo, fps: number) {
    this.track = track;
    this.fps = fps;
    this.output = new Output({ format: new Mp4OutputFormat({ fastStart: "in-memory" }), target: new BufferTarget() });
    this.source = new EncodedVideoPacketSource(mediabunnyCodec(track.codecName));
    this.output.addVideoTrack(this.source, { frameRate: fps });
  }

  async add(data: Uint8Array, key: boolean): Promise<void> {
    if (!this.started) {
      await this.output.start();
      this.started = true;
    }
    const packet = new EncodedPacket(data, key ? "key" : "delta", this.frames / this.fps, 1 / this.fps);
    if (this.frames === 0) {
      await this.source.add(packet, { decoderConfig: decoderConfigFor(this.track) });
    } else {
      await this.source.add(packet);
    }
    this.frames++;
    this.bytes += data.byteLength;
  }

  async finish(): Promise<Uint8Array> {
    if (this.frames === 0) throw new Error("Mp4FileWriter: no frames");
    await this.output.finalize();
    const buf = this.output.target.buffer;
    if (!buf) throw new Error("Mp4FileWriter: no output buffer");
    const bytes = new Uint8Array(buf);
    zeroMp4Times(bytes);
    return bytes;
  }

  async cancel(): Promise<void> {
    if (this.started) await this.output.cancel();
  }
}

/**
 * Sets the creation/modification times of mvhd, tkhd and mdhd to 0 so the same frames always
 * give the same file (resume by size+hash, export → import → export identity).
 */
function zeroMp4Times(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const walk = (start: number, end: number) => {
    let p = start;
    while (p + 8 <= end) {
      let size = view.getUint32(p);
      const type = String.fromCharCode(bytes[p + 4]!, bytes[p + 5]!, bytes[p + 6]!, bytes[p + 7]!);
      let header = 8;
      if (size === 1) {
        size = Number(view.getBigUint64(p + 8));
        header = 16;
      } else if (size === 0) size = end - p;
      if (size < header || p + size > end) return;
      if (type === "moov" || type === "trak" || type === "mdia") walk(p + header, p + size);
      else if (type === "mvhd" || type === "tkhd" || type === "mdhd") {
        const version = bytes[p + header]!;
        const fieldBytes = version === 1 ? 16 : 8;
        bytes.fill(0, p + header + 4, p + header + 4 + fieldBytes);
      }
      p += size;
    }
  };
  walk(0, bytes.length);
}
