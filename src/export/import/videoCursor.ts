/**
 * Video of imported episodes: a camera's video file demuxed lazily with mediabunny (no
 * decoding), and one episode's packets at a time, checked to start on a key frame and to be
 * constant frame rate in presentation order.
 */
import { ALL_FORMATS, BlobSource, EncodedPacketSink, Input, type InputVideoTrack } from "mediabunny";
import type { EncodedFrameRef, MediaBatch, VideoTrackInfo } from "../../core/dataset.ts";
import { ImportError } from "../errors.ts";
import type { DatasetFiles } from "./files.ts";

const CODEC_NAMES: Record<string, VideoTrackInfo["codecName"]> = { av1: "av1", avc: "h264", vp9: "vp9" };

/** One camera's current video file (demuxed lazily) and the packets of one episode at a time. */
export class VideoCursor {
  private path = "";
  private input: Input | undefined;
  private track: InputVideoTrack | undefined;
  private sink: EncodedPacketSink | undefined;
  private info: Omit<VideoTrackInfo, "camera"> | undefined;
  private readonly files: DatasetFiles;
  private readonly fps: number;
  constructor(files: DatasetFiles, fps: number) {
    this.files = files;
    this.fps = fps;
  }

  close(): void {
    this.input?.dispose();
    this.input = undefined;
  }

  private async open(path: string): Promise<void> {
    this.close();
    const blob = await this.files.blob(path);
    const bad = (why: string, cause?: unknown) =>
      new ImportError(`${path} is not a usable video: ${why}.`, path, cause === undefined ? undefined : { cause });
    try {
      this.input = new Input({ source: new BlobSource(blob), formats: ALL_FORMATS });
      this.track = (await this.input.getPrimaryVideoTrack()) ?? undefined;
    } catch (e) {
      throw bad(`it could not be read (${e instanceof Error ? e.message : String(e)}); it may be truncated`, e);
    }
    if (!this.track) throw bad("it has no video track");
    const name = this.track.codec ? CODEC_NAMES[this.track.codec] : undefined;
    if (!name) throw bad(`its codec ${String(this.track.codec)} is not AV1, H.264 or VP9`);
    const cfg = await this.track.getDecoderConfig();
    const codec = await this.track.getCodecParameterString();
    if (!cfg || !codec) throw bad("its decoder configuration is missing");
    const info: Omit<VideoTrackInfo, "camera"> = { codec, codecName: name, width: this.track.codedWidth, height: this.track.codedHeight };
    if (cfg.description) {
      const d = cfg.description;
      info.description = (ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d)).slice().buffer;
    }
    this.info = info;
    this.sink = new EncodedPacketSink(this.track);
    this.path = path;
  }

  async episode(
    path: string,
    from: number,
    length: number,
    episodeId: string,
    camera: string,
    epIndex: number,
  ): Promise<{ batches: MediaBatch[]; track: Omit<VideoTrackInfo, "camera">; bytes: number }> {
    if (path !== this.path) await this.open(path);
    const half = 0.5 / this.fps;
    const sink = this.sink!;
    const err = (why: string) => new ImportError(`${path}: episode ${epIndex} (camera ${camera}) ${why}.`, path);
    let start;
    try {
      start = await sink.getPacket(from + half);
    } catch (e) {
      throw new ImportError(`${path} could not be read (${e instanceof Error ? e.message : String(e)}); it may be truncated.`, path, {
        cause: e,
      });
    }
    if (!start || Math.abs(start.timestamp - from) > half) throw err(`has no frame at its start time ${from.toFixed(4)} s`);
    if (start.type !== "key") throw err("does not start on a key frame, so it cannot be kept without re-encoding");
    const batches: MediaBatch[] = [];
    let frames: EncodedFrameRef[] = [];
    let parts: Uint8Array[] = [];
    let offset = 0;
    let bytes = 0;
    let row = 0;
    let lastTs = -Infinity;
    const flush = () => {
      if (frames.length === 0) return;
      const data = new Uint8Array(offset);
      let o = 0;
      for (const p of parts) {
        data.set(p, o);
        o += p.length;
      }
      batches.push({ episodeId, camera, seq: batches.length, frames, data: data.buffer });
      frames = [];
      parts = [];
      offset = 0;
    };
    for await (const p of sink.packets(start)) {
      if (row === length) break;
      if (p.timestamp <= lastTs) throw err("has frames out of presentation order (B-frames), which are not supported");
      const expected = from + row / this.fps;
      if (Math.abs(p.timestamp - expected) > half)
        throw err(
          `has a frame at ${p.timestamp.toFixed(4)} s where frame ${row} (${expected.toFixed(4)} s) was expected; the video is not constant frame rate`,
        );
      lastTs = p.timestamp;
      frames.push({ row, key: p.type === "key", offset, size: p.byteLength, captureTimeMs: NaN });
      parts.push(p.data.slice());
      offset += p.byteLength;
      bytes += p.byteLength;
      row++;
      if (frames.length === this.fps) flush();
    }
    flush();
    if (row !== length) throw err(`has ${row} frames but the episode has ${length} rows`);
    return { batches, track: this.info!, bytes };
  }
}
