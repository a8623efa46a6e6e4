/**
 * Import of a LeRobot v3.0 or v2.1 dataset (folder or zip) into the studio's data model.
 * Metadata and every referenced file are checked before the first episode is handed over;
 * the target receives a new dataset (`begin`), its episodes in order (`addEpisode`) and
 * `commit`, or `abort` on any failure, so nothing already stored changes. Video packets are
 * demuxed with mediabunny (no decoding) and split per episode by from/to timestamps.
 */
import * as arrow from "apache-arrow";
import { ALL_FORMATS, BlobSource, EncodedPacketSink, Input, type InputVideoTrack } from "mediabunny";
import type {
  CameraSpec,
  DatasetRecord,
  EncodedFrameRef,
  EpisodeRecord,
  ImageStats,
  JointUnits,
  MediaBatch,
  RowBatch,
  VideoTrackInfo,
} from "../../core/dataset.ts";
import { emptyAnnotations } from "../../core/dataset.ts";
import { ImportError } from "../errors.ts";
import { readParquet } from "../parquet.ts";
import { readBytes, readText, type DatasetFiles } from "./files.ts";

export interface ImportTarget {
  /** A new dataset is about to be imported. */
  begin(dataset: DatasetRecord): Promise<void>;
  /** One episode with all its rows and media (episodes arrive in order). */
  addEpisode(episode: EpisodeRecord, rows: RowBatch[], media: MediaBatch[]): Promise<void>;
  /** Every episode was handed over. */
  commit(): Promise<void>;
  /** The import failed after `begin`: drop what was stored for this dataset. */
  abort(reason: unknown): Promise<void>;
}

export interface ImportOptions {
  /** Dataset name (default: the first task, else "Imported dataset"). */
  name?: string;
  /** Units the joint values are in; LeRobot files do not say (lerobot ≥ 0.4.4 records degrees). */
  units?: JointUnits;
  newId?: () => string;
  nowEpochMs?: number;
  onProgress?: (p: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

export interface ImportSummary {
  dataset: DatasetRecord;
  episodes: number;
  frames: number;
  version: "v3.0" | "v2.1";
}

interface FeatureSpecIn {
  dtype: string;
  shape: number[];
  names?: string[] | null;
}

interface EpisodeMeta {
  index: number;
  length: number;
  tasks: string[];
  dataPath: string;
  from: number;
  to: number;
  videos: Map<string, { path: string; from: number; to: number }>;
  imageStats: Record<string, ImageStats>;
}

const abortCheck = (signal?: AbortSignal) => {
  if (signal?.aborted) throw new ImportError("Import cancelled.", "");
};

function pyFormat(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)(?::0?(\d+)d)?\}/g, (_, k: string, width?: string) => {
    const v = values[k];
    if (v === undefined) throw new Error(`unknown placeholder ${k}`);
    return width ? String(v).padStart(Number(width), "0") : String(v);
  });
}

async function parquet(files: DatasetFiles, path: string): Promise<arrow.Table> {
  const bytes = await readBytes(files, path);
  try {
    return await readParquet(bytes);
  } catch (e) {
    throw new ImportError(
      `${path} is not a readable parquet file (${e instanceof Error ? e.message : String(e)}); it may be truncated. Copy or download the dataset again.`,
      path,
      { cause: e },
    );
  }
}

function column(t: arrow.Table, name: string, path: string): arrow.Vector {
  const c = t.getChild(name);
  if (!c) throw new ImportError(`${path} has no column "${name}", which a LeRobot dataset must have.`, path);
  return c;
}

function ints(t: arrow.Table, name: string, path: string): number[] {
  const c = column(t, name, path);
  if (!arrow.DataType.isInt(c.type))
    throw new ImportError(`${path}: column "${name}" is ${String(c.type)}, expected an integer column.`, path);
  const out = new Array<number>(c.length);
  for (let i = 0; i < c.length; i++) out[i] = Number(c.get(i));
  return out;
}

function floats(t: arrow.Table, name: string, path: string): number[] {
  const c = column(t, name, path);
  if (!arrow.DataType.isFloat(c.type) && !arrow.DataType.isInt(c.type))
    throw new ImportError(`${path}: column "${name}" is ${String(c.type)}, expected numbers.`, path);
  const out = new Array<number>(c.length);
  for (let i = 0; i < c.length; i++) out[i] = Number(c.get(i));
  return out;
}

/** A vector column (fixed_size_list or list of floats, every row `width` long) flattened row-major. */
function vectors(t: arrow.Table, name: string, width: number, path: string): Float32Array {
  const c = column(t, name, path);
  const wrong = () => new ImportError(`${path}: column "${name}" is ${String(c.type)}, expected ${width} floats per row.`, path);
  if (!(arrow.DataType.isFixedSizeList(c.type) || arrow.DataType.isList(c.type))) throw wrong();
  const child = (c.type as arrow.List | arrow.FixedSizeList).children[0]!.type;
  if (!arrow.DataType.isFloat(child)) throw wrong();
  const out = new Float32Array(c.length * width);
  for (let row = 0; row < c.length; row++) {
    const v = c.get(row) as { length: number; toArray(): ArrayLike<number> } | null;
    if (!v || v.length !== width)
      throw new ImportError(`${path}: row ${row} of "${name}" has ${v ? v.length : "no"} values, expected ${width}.`, path);
    out.set(v.toArray(), row * width);
  }
  return out;
}

function nestedNumbers(v: unknown): number[] | undefined {
  const flat: number[] = [];
  const walk = (x: unknown): boolean => {
    if (typeof x === "number" || typeof x === "bigint") {
      flat.push(Number(x));
      return true;
    }
    if (x && typeof x === "object" && Symbol.iterator in x) {
      for (const y of x as Iterable<unknown>) if (!walk(y)) return false;
      return true;
    }
    return false;
  };
  return walk(v) ? flat : undefined;
}

function imageStatsFrom(get: (stat: string) => unknown): ImageStats | undefined {
  const three = (stat: string, required: boolean): [number, number, number] | undefined => {
    const v = nestedNumbers(get(stat));
    if (!v || v.length !== 3) return required ? undefined : [NaN, NaN, NaN];
    return [v[0]!, v[1]!, v[2]!];
  };
  const min = three("min", true);
  const max = three("max", true);
  const mean = three("mean", true);
  const std = three("std", true);
  const count = nestedNumbers(get("count"))?.[0];
  if (!min || !max || !mean || !std || count === undefined) return undefined;
  return {
    min,
    max,
    mean,
    std,
    q01: three("q01", false)!,
    q10: three("q10", false)!,
    q50: three("q50", false)!,
    q90: three("q90", false)!,
    q99: three("q99", false)!,
    count,
  };
}

function parseInfo(text: string): Record<string, unknown> {
  try {
    const o = JSON.parse(text) as unknown;
    if (!o || typeof o !== "object") throw new Error("not an object");
    return o as Record<string, unknown>;
  } catch (e) {
    throw new ImportError(`meta/info.json is not valid JSON (${e instanceof Error ? e.message : String(e)}).`, "meta/info.json", {
      cause: e,
    });
  }
}

export async function importDataset(files: DatasetFiles, target: ImportTarget, opts: ImportOptions = {}): Promise<ImportSummary> {
  if (!files.has("meta/info.json")) {
    throw new ImportError(
      "This is not a LeRobot dataset: meta/info.json is missing. Choose the dataset's folder (the one holding meta/, data/ and videos/) or its zip.",
      "",
    );
  }
  const info = parseInfo(await readText(files, "meta/info.json"));
  const version = String(info["codebase_version"] ?? "");
  if (version !== "v3.0" && version !== "v2.1") {
    throw new ImportError(
      `meta/info.json says codebase_version ${JSON.stringify(info["codebase_version"])}; only LeRobot v3.0 and v2.1 datasets can be imported.`,
      "meta/info.json",
    );
  }
  const fps = Number(info["fps"]);
  if (!Number.isInteger(fps) || fps <= 0)
    throw new ImportError(`meta/info.json has fps ${String(info["fps"])}; a whole positive number is needed.`, "meta/info.json");
  const features = (info["features"] ?? {}) as Record<string, FeatureSpecIn>;
  const action = features["action"];
  const state = features["observation.state"];
  if (!action || !state || action.dtype !== "float32" || state.dtype !== "float32") {
    throw new ImportError(
      "meta/info.json declares no float32 `action` and `observation.state` features; only arm datasets with both can be imported.",
      "meta/info.json",
    );
  }
  const jointNames = action.names ?? [];
  const width = action.shape[0] ?? 0;
  if (jointNames.length !== width || JSON.stringify(state.names) !== JSON.stringify(jointNames)) {
    throw new ImportError(
      "meta/info.json: `action` and `observation.state` must name the same joints, one name per value.",
      "meta/info.json",
    );
  }
  const cameras: CameraSpec[] = [];
  for (const [key, f] of Object.entries(features)) {
    if (f.dtype === "image")
      throw new ImportError(`Feature ${key} stores images as PNG frames; only video datasets can be imported.`, "meta/info.json");
    if (f.dtype !== "video") continue;
    if (!key.startsWith("observation.images."))
      throw new ImportError(`Video feature ${key} is not named observation.images.<camera>.`, "meta/info.json");
    cameras.push({
      key: key.slice("observation.images.".length),
      source: "imported",
      deviceId: "",
      label: key,
      width: f.shape[1] ?? 0,
      height: f.shape[0] ?? 0,
      fps,
    });
  }
  const videoPathTemplate = typeof info["video_path"] === "string" ? info["video_path"] : "";
  const dataPathTemplate = String(info["data_path"] ?? "");
  const chunksSize = Number(info["chunks_size"] ?? 1000);

  // Episodes and tasks.
  let tasks: string[];
  let episodes: EpisodeMeta[];
  if (version === "v3.0") {
    tasks = await readTasksV3(files);
    episodes = await readEpisodesV3(files, cameras, dataPathTemplate, videoPathTemplate);
  } else {
    ({ tasks, episodes } = await readMetaV21(files, cameras, dataPathTemplate, videoPathTemplate, chunksSize, fps));
  }
  // Every referenced file must be there before anything is stored.
  for (const ep of episodes) {
    if (!files.has(ep.dataPath))
      throw new ImportError(`Episode ${ep.index}'s data file ${ep.dataPath} is missing from the dataset.`, ep.dataPath);
    for (const v of ep.videos.values())
      if (!files.has(v.path)) throw new ImportError(`Episode ${ep.index}'s video ${v.path} is missing from the dataset.`, v.path);
  }

  const newId = opts.newId ?? (() => crypto.randomUUID());
  const now = opts.nowEpochMs ?? Date.now();
  const datasetId = newId();
  const dataset: DatasetRecord = {
    id: datasetId,
    name: opts.name ?? tasks[0] ?? "Imported dataset",
    fps,
    robotType: typeof info["robot_type"] === "string" ? info["robot_type"] : "",
    jointNames: [...jointNames],
    units: opts.units ?? "degrees",
    cameras,
    tasks: [...tasks],
    createdAtEpochMs: now,
    updatedAtEpochMs: now,
  };
  const data = new DataCursor(files, width);
  const videos = new Map(cameras.map((c) => [c.key, new VideoCursor(files, fps)]));
  let begun = false;
  let frames = 0;
  try {
    // Read episode 0 fully before `begin`, so a dataset failing at its first file stores nothing.
    for (const ep of episodes) {
      abortCheck(opts.signal);
      const { rows, taskIndex } = await data.episode(ep);
      const task = tasks[taskIndex];
      if (task === undefined)
        throw new ImportError(
          `${ep.dataPath}: episode ${ep.index} uses task_index ${taskIndex}, which meta/tasks does not list.`,
          ep.dataPath,
        );
      const episodeId = newId();
      const media: MediaBatch[] = [];
      const tracks: VideoTrackInfo[] = [];
      let mediaBytes = 0;
      for (const cam of cameras) {
        const v = ep.videos.get(cam.key)!;
        const got = await videos.get(cam.key)!.episode(v.path, v.from, ep.length, episodeId, cam.key, ep.index);
        media.push(...got.batches);
        tracks.push({ ...got.track, camera: cam.key });
        mediaBytes += got.bytes;
      }
      const rowBatches = toRowBatches(episodeId, rows, ep.length, width, fps);
      const record: EpisodeRecord = {
        id: episodeId,
        datasetId,
        index: ep.index,
        status: "complete",
        task,
        length: ep.length,
        fps,
        startedAtEpochMs: now,
        t0Ms: 0,
        tracks,
        sync: null,
        qa: [],
        annotations: emptyAnnotations(),
        imageStats: ep.imageStats,
        mediaBytes,
      };
      if (!begun) {
        await target.begin(dataset);
        begun = true;
      }
      await target.addEpisode(record, rowBatches, media);
      frames += ep.length;
      opts.onProgress?.({ done: ep.index + 1, total: episodes.length });
    }
    if (!begun) await target.begin(dataset);
    begun = true;
    await target.commit();
  } catch (e) {
    if (begun) await target.abort(e);
    throw e;
  } finally {
    for (const v of videos.values()) v.close();
  }
  return { dataset, episodes: episodes.length, frames, version };
}

async function readTasksV3(files: DatasetFiles): Promise<string[]> {
  const path = "meta/tasks.parquet";
  const t = await parquet(files, path);
  const idx = ints(t, "task_index", path);
  const names = t.getChild("task") ?? t.getChild("__index_level_0__");
  if (!names || (!arrow.DataType.isUtf8(names.type) && !arrow.DataType.isLargeUtf8(names.type))) {
    throw new ImportError(`${path} has no task string column ("task" or "__index_level_0__").`, path);
  }
  const out: string[] = [];
  idx.forEach((ti, row) => (out[ti] = String(names.get(row))));
  if (out.length !== idx.length || out.some((x) => x === undefined))
    throw new ImportError(`${path}: task_index values are not 0..${idx.length - 1}.`, path);
  return out;
}

async function readEpisodesV3(files: DatasetFiles, cameras: CameraSpec[], dataTpl: string, videoTpl: string): Promise<EpisodeMeta[]> {
  const paths = files.paths.filter((p) => /^meta\/episodes\/[^/]+\/[^/]+\.parquet$/.test(p));
  if (paths.length === 0) throw new ImportError("The dataset has no meta/episodes/*/*.parquet files.", "meta/episodes");
  const out: EpisodeMeta[] = [];
  for (const path of paths) {
    const t = await parquet(files, path);
    const n = t.numRows;
    const epIdx = ints(t, "episode_index", path);
    const length = ints(t, "length", path);
    const dc = ints(t, "data/chunk_index", path);
    const df = ints(t, "data/file_index", path);
    const from = ints(t, "dataset_from_index", path);
    const to = ints(t, "dataset_to_index", path);
    const tasksCol = t.getChild("tasks");
    const cams = cameras.map((c) => {
      const k = `videos/observation.images.${c.key}`;
      return {
        key: c.key,
        chunk: ints(t, `${k}/chunk_index`, path),
        file: ints(t, `${k}/file_index`, path),
        from: floats(t, `${k}/from_timestamp`, path),
        to: floats(t, `${k}/to_timestamp`, path),
      };
    });
    for (let i = 0; i < n; i++) {
      const videos = new Map<string, { path: string; from: number; to: number }>();
      const imageStats: Record<string, ImageStats> = {};
      for (const c of cams) {
        videos.set(c.key, {
          path: pyFormat(videoTpl, { video_key: `observation.images.${c.key}`, chunk_index: c.chunk[i]!, file_index: c.file[i]! }),
          from: c.from[i]!,
          to: c.to[i]!,
        });
        const s = imageStatsFrom((stat) => t.getChild(`stats/observation.images.${c.key}/${stat}`)?.get(i));
        if (s) imageStats[c.key] = s;
      }
      const tv = tasksCol?.get(i) as Iterable<unknown> | null | undefined;
      out.push({
        index: epIdx[i]!,
        length: length[i]!,
        tasks: tv ? [...tv].map(String) : [],
        dataPath: pyFormat(dataTpl, { chunk_index: dc[i]!, file_index: df[i]! }),
        from: from[i]!,
        to: to[i]!,
        videos,
        imageStats,
      });
      if (to[i]! - from[i]! !== length[i])
        throw new ImportError(`${path}: episode ${epIdx[i]} has length ${length[i]} but index range [${from[i]}, ${to[i]}).`, path);
    }
  }
  out.sort((a, b) => a.index - b.index);
  out.forEach((e, i) => {
    if (e.index !== i)
      throw new ImportError(
        `meta/episodes: episode indices are not 0..${out.length - 1} (found ${e.index} at position ${i}).`,
        "meta/episodes",
      );
  });
  return out;
}

async function readMetaV21(
  files: DatasetFiles,
  cameras: CameraSpec[],
  dataTpl: string,
  videoTpl: string,
  chunksSize: number,
  fps: number,
): Promise<{ tasks: string[]; episodes: EpisodeMeta[] }> {
  const jsonl = async (path: string) => {
    const text = await readText(files, path);
    return text
      .split("\n")
      .filter((l) => l.trim().length > 0)
      .map((l, i) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          throw new ImportError(`${path}: line ${i + 1} is not valid JSON.`, path);
        }
      });
  };
  const tasks: string[] = [];
  for (const t of await jsonl("meta/tasks.jsonl")) tasks[Number(t["task_index"])] = String(t["task"]);
  const stats = new Map<number, Record<string, Record<string, unknown>>>();
  if (files.has("meta/episodes_stats.jsonl")) {
    for (const s of await jsonl("meta/episodes_stats.jsonl"))
      stats.set(Number(s["episode_index"]), (s["stats"] ?? {}) as Record<string, Record<string, unknown>>);
  }
  const eps = (await jsonl("meta/episodes.jsonl")).sort((a, b) => Number(a["episode_index"]) - Number(b["episode_index"]));
  let from = 0;
  const episodes = eps.map((e, i): EpisodeMeta => {
    const index = Number(e["episode_index"]);
    if (index !== i) throw new ImportError(`meta/episodes.jsonl: episode indices are not 0..${eps.length - 1}.`, "meta/episodes.jsonl");
    const length = Number(e["length"]);
    const chunk = Math.floor(index / chunksSize);
    const videos = new Map<string, { path: string; from: number; to: number }>();
    const imageStats: Record<string, ImageStats> = {};
    for (const c of cameras) {
      videos.set(c.key, {
        path: pyFormat(videoTpl, { episode_chunk: chunk, video_key: `observation.images.${c.key}`, episode_index: index }),
        from: 0,
        to: length / fps,
      });
      const st = stats.get(index)?.[`observation.images.${c.key}`];
      const s = st ? imageStatsFrom((k) => st[k]) : undefined;
      if (s) imageStats[c.key] = s;
    }
    const ep: EpisodeMeta = {
      index,
      length,
      tasks: (e["tasks"] as string[] | undefined) ?? [],
      dataPath: pyFormat(dataTpl, { episode_chunk: chunk, episode_index: index }),
      from,
      to: from + length,
      videos,
      imageStats,
    };
    from += length;
    return ep;
  });
  return { tasks, episodes };
}

/** Reads data files once each and hands out one episode's rows at a time. */
class DataCursor {
  private path = "";
  private table: arrow.Table | undefined;
  private index: number[] = [];
  private readonly files: DatasetFiles;
  private readonly width: number;
  constructor(files: DatasetFiles, width: number) {
    this.files = files;
    this.width = width;
  }

  async episode(ep: EpisodeMeta): Promise<{ rows: { state: Float32Array; action: Float32Array; timestamp: number[] }; taskIndex: number }> {
    if (ep.dataPath !== this.path) {
      this.table = await parquet(this.files, ep.dataPath);
      this.path = ep.dataPath;
      this.index = ints(this.table, "index", ep.dataPath);
    }
    const t = this.table!;
    const path = this.path;
    const first = this.index.indexOf(ep.from);
    if (first < 0) throw new ImportError(`${path} does not hold episode ${ep.index}'s rows (index ${ep.from}..${ep.to - 1}).`, path);
    const sub = t.slice(first, first + ep.length);
    if (sub.numRows !== ep.length)
      throw new ImportError(`${path}: episode ${ep.index} has ${sub.numRows} rows, metadata says ${ep.length}.`, path);
    const frameIndex = ints(sub, "frame_index", path);
    const epIndex = ints(sub, "episode_index", path);
    const taskIdx = ints(sub, "task_index", path);
    const timestamp = floats(sub, "timestamp", path);
    for (let i = 0; i < ep.length; i++) {
      if (this.index[first + i] !== ep.from + i || frameIndex[i] !== i || epIndex[i] !== ep.index) {
        throw new ImportError(
          `${path}: episode ${ep.index}'s rows are not contiguous (row ${i}: index ${this.index[first + i]}, frame_index ${frameIndex[i]}, episode_index ${epIndex[i]}).`,
          path,
        );
      }
      if (taskIdx[i] !== taskIdx[0])
        throw new ImportError(`${path}: episode ${ep.index} changes task inside the episode; one task per episode is supported.`, path);
    }
    return {
      rows: { state: vectors(sub, "observation.state", this.width, path), action: vectors(sub, "action", this.width, path), timestamp },
      taskIndex: taskIdx[0] ?? 0,
    };
  }
}

function toRowBatches(
  episodeId: string,
  rows: { state: Float32Array; action: Float32Array; timestamp: number[] },
  length: number,
  width: number,
  fps: number,
): RowBatch[] {
  const out: RowBatch[] = [];
  for (let first = 0, seq = 0; first < length; first += fps, seq++) {
    const count = Math.min(fps, length - first);
    out.push({
      episodeId,
      seq,
      firstRow: first,
      count,
      state: rows.state.slice(first * width, (first + count) * width),
      action: rows.action.slice(first * width, (first + count) * width),
      rowTimeMs: Float64Array.from({ length: count }, (_, i) => rows.timestamp[first + i]! * 1000),
      sampleTimeMs: new Float64Array(count).fill(NaN),
    });
  }
  return out;
}

const CODEC_NAMES: Record<string, VideoTrackInfo["codecName"]> = { av1: "av1", avc: "h264", vp9: "vp9" };

/** One camera's current video file (demuxed lazily) and the packets of one episode at a time. */
class VideoCursor {
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
