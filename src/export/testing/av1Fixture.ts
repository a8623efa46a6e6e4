/**
 * Test support (node only): real AV1 packets from ffmpeg (libsvtav1, GOP 2), demuxed with
 * mediabunny, and in-memory export sources built from them with synthetic joint rows.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from "mediabunny";
import {
  emptyAnnotations,
  type DatasetRecord,
  type EpisodeRecord,
  type ImageStats,
  type MediaBatch,
  type RowBatch,
  type VideoTrackInfo,
} from "../../core/dataset.ts";
import { MemoryExportSource } from "../source.ts";

export interface DemuxedVideo {
  track: Omit<VideoTrackInfo, "camera">;
  packets: { data: Uint8Array; key: boolean }[];
}

export async function demuxMp4(bytes: Uint8Array): Promise<DemuxedVideo> {
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
  const vt = await input.getPrimaryVideoTrack();
  if (!vt) throw new Error("no video track");
  const cfg = await vt.getDecoderConfig();
  if (!cfg) throw new Error("no decoder config");
  const packets: DemuxedVideo["packets"] = [];
  for await (const p of new EncodedPacketSink(vt).packets()) packets.push({ data: p.data.slice(), key: p.type === "key" });
  const track: DemuxedVideo["track"] = { codec: cfg.codec, codecName: "av1", width: vt.codedWidth, height: vt.codedHeight };
  if (cfg.description) track.description = toArrayBuffer(cfg.description);
  input.dispose();
  return { track, packets };
}

function toArrayBuffer(d: AllowSharedBufferSource): ArrayBuffer {
  const v = ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d);
  return v.slice().buffer;
}

/** An AV1 mp4 made by ffmpeg (libsvtav1 -g 2), `frames` frames at 30 fps. */
export function ffmpegAv1(frames: number, pattern = "testsrc", size = "64x64"): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "av1-"));
  const out = join(dir, "v.mp4");
  execFileSync(
    "ffmpeg",
    [
      "-v",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      `${pattern}=size=${size}:rate=30`,
      "-frames:v",
      String(frames),
      "-c:v",
      "libsvtav1",
      "-g",
      "2",
      "-pix_fmt",
      "yuv420p",
      out,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  return new Uint8Array(readFileSync(out));
}

export const JOINTS = ["shoulder_pan.pos", "shoulder_lift.pos", "elbow_flex.pos", "wrist_flex.pos", "wrist_roll.pos", "gripper.pos"];

export function imageStatsFixture(seed: number): ImageStats {
  const v = (x: number): [number, number, number] => [x, x * 0.9, x * 0.8];
  return {
    min: v(0),
    max: v(1),
    mean: v(0.4 + seed * 0.01),
    std: v(0.2),
    q01: v(0.01),
    q10: v(0.1),
    q50: v(0.4),
    q90: v(0.8),
    q99: v(0.95),
    count: 10 + seed,
  };
}

/** Joint value of row r, joint j of episode e (deterministic, exactly representable in float32). */
export const jointValue = (e: number, r: number, j: number, action: boolean) =>
  Math.fround((action ? 0.5 : 0) + e * 100 + r * 0.25 + j * 10);

export interface SourceSpec {
  lengths: number[];
  cameras?: string[];
  trims?: { start: number; end: number | null }[];
  tasks?: string[];
  /** Media batches to leave out: `${episode}/${camera}/${seq}`. */
  dropMedia?: string[];
  statuses?: EpisodeRecord["status"][];
}

export function buildSource(videos: Record<string, DemuxedVideo>, spec: SourceSpec): MemoryExportSource {
  const cameras = spec.cameras ?? Object.keys(videos);
  const first = videos[cameras[0]!]!;
  const dataset: DatasetRecord = {
    id: "ds1",
    name: "Pick the cube",
    fps: 30,
    robotType: "so101_follower",
    jointNames: JOINTS,
    units: "degrees",
    cameras: cameras.map((key) => ({
      key,
      source: "simulated",
      deviceId: "",
      label: key,
      width: first.track.width,
      height: first.track.height,
      fps: 30,
    })),
    tasks: [...new Set(spec.tasks ?? ["Pick the cube"])],
    createdAtEpochMs: 0,
    updatedAtEpochMs: 0,
  };
  const episodes: EpisodeRecord[] = [];
  const rows: RowBatch[] = [];
  const media: MediaBatch[] = [];
  spec.lengths.forEach((length, e) => {
    const id = `ep${e}`;
    const trim = spec.trims?.[e];
    const annotations = emptyAnnotations();
    if (trim) {
      annotations.trimStart = trim.start;
      annotations.trimEnd = trim.end;
    }
    let mediaBytes = 0;
    for (const cam of cameras) {
      const v = videos[cam]!;
      for (let seq = 0; seq * 10 < length; seq++) {
        const frames = [];
        const parts: Uint8Array[] = [];
        let off = 0;
        for (let r = seq * 10; r < Math.min(length, seq * 10 + 10); r++) {
          const p = v.packets[r % v.packets.length]!;
          frames.push({ row: r, key: p.key, offset: off, size: p.data.length, captureTimeMs: r * 33.3 });
          parts.push(p.data);
          off += p.data.length;
        }
        const data = new Uint8Array(off);
        let o = 0;
        for (const p of parts) {
          data.set(p, o);
          o += p.length;
        }
        mediaBytes += off;
        if (spec.dropMedia?.includes(`${e}/${cam}/${seq}`)) continue;
        media.push({ episodeId: id, camera: cam, seq, frames, data: data.buffer });
      }
    }
    for (let seq = 0; seq * 30 < length; seq++) {
      const firstRow = seq * 30;
      const count = Math.min(30, length - firstRow);
      const state = new Float32Array(count * JOINTS.length);
      const action = new Float32Array(count * JOINTS.length);
      for (let i = 0; i < count; i++)
        for (let j = 0; j < JOINTS.length; j++) {
          state[i * JOINTS.length + j] = jointValue(e, firstRow + i, j, false);
          action[i * JOINTS.length + j] = jointValue(e, firstRow + i, j, true);
        }
      rows.push({
        episodeId: id,
        seq,
        firstRow,
        count,
        state,
        action,
        rowTimeMs: Float64Array.from({ length: count }, (_, i) => (firstRow + i) * 33.3),
        sampleTimeMs: Float64Array.from({ length: count }, (_, i) => (firstRow + i) * 33.3),
      });
    }
    const tasks = spec.tasks ?? ["Pick the cube"];
    episodes.push({
      id,
      datasetId: dataset.id,
      index: e,
      status: spec.statuses?.[e] ?? "complete",
      task: tasks[e % tasks.length]!,
      length,
      fps: 30,
      startedAtEpochMs: 0,
      t0Ms: 0,
      tracks: cameras.map((camera) => ({ ...videos[camera]!.track, camera })),
      sync: null,
      qa: [],
      annotations,
      imageStats: Object.fromEntries(cameras.map((c, i) => [c, imageStatsFixture(e * 2 + i)])),
      mediaBytes,
    });
  });
  return new MemoryExportSource({ dataset, episodes, rows, media });
}
