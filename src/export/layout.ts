/**
 * Pieces shared by the v3.0 and v2.1 writers: the features dict, video info, path templates,
 * chunk/file numbering, the dataset card, and the sink and progress seams.
 */
import { imageFeatureKey, type DatasetRecord, type VideoTrackInfo } from "../core/dataset.ts";
import { ExportError, throwIfAborted } from "./errors.ts";
import { pixFmtOf } from "./mp4.ts";
import type { ExportPlan } from "./source.ts";

/** Where exported files go. `writeFile` resolves once the file is stored (or consumed by the zip). */
export interface DatasetSink {
  writeFile(path: string, data: Uint8Array): Promise<void>;
}

export interface ExportProgress {
  phase: "data" | "video" | "meta" | "done";
  /** Work done / total in units of rows and video frames (data rows + frames per camera). */
  done: number;
  total: number;
  filesWritten: number;
  bytesWritten: number;
  /** The file being produced, if any. */
  file?: string;
}

export interface ExportOptions {
  /** Default "v3.0". */
  version?: "v3.0" | "v2.1";
  /** Rollover sizes (MB) and files per chunk directory; lerobot's defaults. */
  dataFileSizeMb?: number;
  videoFileSizeMb?: number;
  chunksSize?: number;
  /** Dataset card. */
  license?: string;
  repoId?: string;
  onProgress?: (p: ExportProgress) => void;
  signal?: AbortSignal;
}

export interface ExportSummary {
  version: "v3.0" | "v2.1";
  files: { path: string; size: number }[];
  totalEpisodes: number;
  totalFrames: number;
}

export const DEFAULT_CHUNKS_SIZE = 1000;
export const DEFAULT_DATA_FILE_SIZE_MB = 100;
export const DEFAULT_VIDEO_FILE_SIZE_MB = 200;

export const V3_DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet";
export const V3_VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4";
export const V21_DATA_PATH = "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet";
export const V21_VIDEO_PATH = "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4";

const pad = (n: number, w: number) => String(n).padStart(w, "0");
export const v3DataPath = (c: number, f: number) => `data/chunk-${pad(c, 3)}/file-${pad(f, 3)}.parquet`;
export const v3VideoPath = (key: string, c: number, f: number) => `videos/${key}/chunk-${pad(c, 3)}/file-${pad(f, 3)}.mp4`;
export const v3EpisodesPath = (c: number, f: number) => `meta/episodes/chunk-${pad(c, 3)}/file-${pad(f, 3)}.parquet`;
export const v21DataPath = (chunk: number, ep: number) => `data/chunk-${pad(chunk, 3)}/episode_${pad(ep, 6)}.parquet`;
export const v21VideoPath = (key: string, chunk: number, ep: number) => `videos/chunk-${pad(chunk, 3)}/${key}/episode_${pad(ep, 6)}.mp4`;

/** lerobot's update_chunk_file_indices. */
export function nextChunkFile(pos: { chunk: number; file: number }, chunksSize: number): { chunk: number; file: number } {
  return pos.file === chunksSize - 1 ? { chunk: pos.chunk + 1, file: 0 } : { chunk: pos.chunk, file: pos.file + 1 };
}

export interface FeatureSpec {
  dtype: string;
  shape: number[];
  names: string[] | null;
  info?: Record<string, unknown>;
}

function videoInfo(track: VideoTrackInfo, fps: number, camera: string): Record<string, unknown> {
  const pixFmt = pixFmtOf(track);
  if (!pixFmt) {
    throw new ExportError(
      `Camera "${camera}" was recorded as ${track.codec}, which is not 4:2:0 video; LeRobot's decoders expect yuv420p. Re-record with the default encoder settings.`,
      { camera },
    );
  }
  return {
    "video.height": track.height,
    "video.width": track.width,
    "video.codec": track.codecName,
    "video.pix_fmt": pixFmt,
    "video.is_depth_map": false,
    "video.fps": fps,
    "video.channels": 3,
    has_audio: false,
    is_depth_map: false,
  };
}

/** The per-joint validity masks (1 = read, 0 = missing), when the plan has missing values. */
export const STATE_VALID = "observation.state_is_valid";
export const ACTION_VALID = "action_is_valid";

/** features: action, observation.state, (their validity masks), cameras, then lerobot's five default features. */
export function buildFeatures(plan: ExportPlan): Record<string, FeatureSpec> {
  const d = plan.dataset;
  for (const n of [...d.jointNames, ...d.cameras.map((c) => c.key)]) {
    if (n.includes("/"))
      throw new ExportError(`Feature name "${n}" contains "/", which LeRobot does not allow. Rename the joint or camera.`);
  }
  const w = d.jointNames.length;
  const f: Record<string, FeatureSpec> = {
    action: { dtype: "float32", shape: [w], names: [...d.jointNames] },
    "observation.state": { dtype: "float32", shape: [w], names: [...d.jointNames] },
  };
  if (plan.masks) {
    f[STATE_VALID] = { dtype: "float32", shape: [w], names: [...d.jointNames] };
    f[ACTION_VALID] = { dtype: "float32", shape: [w], names: [...d.jointNames] };
  }
  for (const cam of d.cameras) {
    const track = plan.tracks.get(cam.key)!;
    f[imageFeatureKey(cam.key)] = {
      dtype: "video",
      shape: [track.height, track.width, 3],
      names: ["height", "width", "channels"],
      info: videoInfo(track, d.fps, cam.key),
    };
  }
  f["timestamp"] = { dtype: "float32", shape: [1], names: null };
  f["frame_index"] = { dtype: "int64", shape: [1], names: null };
  f["episode_index"] = { dtype: "int64", shape: [1], names: null };
  f["index"] = { dtype: "int64", shape: [1], names: null };
  f["task_index"] = { dtype: "int64", shape: [1], names: null };
  return f;
}

/** HF `datasets` features metadata for the data parquet (lets v2.1 loaders restore types). */
export function huggingfaceMetadata(features: Record<string, FeatureSpec>): string {
  const hf: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(features)) {
    if (s.dtype === "video") continue;
    const value = { dtype: s.dtype, _type: "Value" };
    hf[k] =
      s.shape.length === 1 && s.shape[0] === 1 && s.names === null ? value : { feature: value, length: s.shape[0], _type: "Sequence" };
  }
  return JSON.stringify({ info: { features: hf } });
}

export function datasetCard(
  d: DatasetRecord,
  info: Record<string, unknown>,
  opts: { license?: string; repoId?: string },
  sections: readonly string[] = [],
): string {
  const license = opts.license ?? "apache-2.0";
  const tags = ["LeRobot", d.robotType].filter((t) => t.length > 0);
  const lines = [
    "---",
    `license: ${license}`,
    "task_categories:",
    "- robotics",
    "tags:",
    ...tags.map((t) => `- ${t}`),
    "configs:",
    "- config_name: default",
    "  data_files: data/*/*.parquet",
    "---",
    "",
    `# ${d.name}`,
    "",
    `Recorded with Robot Studio (a browser studio for teaching robots) and exported in the LeRobot ${String(info["codebase_version"])} format.`,
    "",
    `- Robot type: ${d.robotType || "unknown"}`,
    `- Episodes: ${String(info["total_episodes"])}, frames: ${String(info["total_frames"])} at ${d.fps} fps`,
    `- Cameras: ${d.cameras.map((c) => c.key).join(", ") || "none"}`,
    `- Joint units: ${d.units === "degrees" ? "degrees" : "−100..100 (range-normalised), gripper 0..100"}`,
    `- Tasks: ${d.tasks.length > 0 ? d.tasks.map((t) => JSON.stringify(t)).join(", ") : "see meta/tasks"}`,
    "",
    ...(opts.repoId
      ? [
          "Load it with:",
          "",
          "```python",
          "from lerobot.datasets.lerobot_dataset import LeRobotDataset",
          `ds = LeRobotDataset("${opts.repoId}")`,
          "```",
          "",
        ]
      : []),
    ...sections,
    "## Dataset structure",
    "",
    "[meta/info.json](meta/info.json):",
    "```json",
    JSON.stringify(info, null, 4),
    "```",
    "",
  ];
  return lines.join("\n");
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const json4 = (o: unknown): Uint8Array => utf8(JSON.stringify(o, null, 4));

/** Wraps a sink to count files and bytes, report progress and honour the abort signal. */
export class Tracker {
  filesWritten = 0;
  bytesWritten = 0;
  done = 0;
  readonly files: { path: string; size: number }[] = [];
  private readonly sink: DatasetSink;
  private readonly opts: ExportOptions;
  readonly total: number;
  phase: ExportProgress["phase"] = "data";

  constructor(sink: DatasetSink, opts: ExportOptions, total: number) {
    this.sink = sink;
    this.opts = opts;
    this.total = total;
  }

  checkAbort(): void {
    throwIfAborted(this.opts.signal);
  }

  report(file?: string): void {
    const p: ExportProgress = {
      phase: this.phase,
      done: this.done,
      total: this.total,
      filesWritten: this.filesWritten,
      bytesWritten: this.bytesWritten,
    };
    if (file !== undefined) p.file = file;
    this.opts.onProgress?.(p);
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    this.checkAbort();
    this.report(path);
    await this.sink.writeFile(path, data);
    this.filesWritten++;
    this.bytesWritten += data.byteLength;
    this.files.push({ path, size: data.byteLength });
    this.report();
  }
}
