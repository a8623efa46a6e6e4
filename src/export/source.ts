/**
 * The input seam of export: a dataset, its kept episodes and their stored rows and media.
 * Storage implements it over IndexedDB; `MemoryExportSource` holds everything in memory
 * (tests, benchmarks, import round trips).
 *
 * `planEpisodes` applies the episode annotations' trims ([trimStart, trimEnd) rows) and
 * re-numbers the kept episodes 0..N-1 with a contiguous global index; `readEpisodeRows` and
 * `episodeFrames` read one planned episode and refuse gaps, missing values and a trimmed
 * video that would not start on a key frame, naming the episode and camera.
 */
import type { DatasetRecord, EpisodeRecord, MediaBatch, RowBatch, VideoTrackInfo } from "../core/dataset.ts";
import { ExportError, throwIfAborted } from "./errors.ts";

export interface ExportSource {
  dataset: DatasetRecord;
  /** The kept episodes, in order (status complete or interrupted). */
  episodes: EpisodeRecord[];
  /** The episode's joint rows in row order (batches of consecutive rows). */
  rows(episodeId: string): AsyncIterable<RowBatch>;
  /** One camera's encoded frames in decode order. */
  media(episodeId: string, camera: string): AsyncIterable<MediaBatch>;
}

/** Everything in memory, keyed by episode id (and camera). */
export class MemoryExportSource implements ExportSource {
  readonly dataset: DatasetRecord;
  readonly episodes: EpisodeRecord[];
  private readonly rowBatches: Map<string, RowBatch[]>;
  private readonly mediaBatches: Map<string, MediaBatch[]>;

  constructor(init: { dataset: DatasetRecord; episodes: EpisodeRecord[]; rows: RowBatch[]; media: MediaBatch[] }) {
    this.dataset = init.dataset;
    this.episodes = init.episodes;
    this.rowBatches = new Map();
    this.mediaBatches = new Map();
    for (const b of init.rows) {
      const list = this.rowBatches.get(b.episodeId) ?? [];
      list.push(b);
      this.rowBatches.set(b.episodeId, list);
    }
    for (const b of init.media) {
      const k = `${b.episodeId}\u0000${b.camera}`;
      const list = this.mediaBatches.get(k) ?? [];
      list.push(b);
      this.mediaBatches.set(k, list);
    }
    for (const list of this.rowBatches.values()) list.sort((a, b) => a.seq - b.seq);
    for (const list of this.mediaBatches.values()) list.sort((a, b) => a.seq - b.seq);
  }

  async *rows(episodeId: string): AsyncIterable<RowBatch> {
    for (const b of this.rowBatches.get(episodeId) ?? []) yield await Promise.resolve(b);
  }

  async *media(episodeId: string, camera: string): AsyncIterable<MediaBatch> {
    for (const b of this.mediaBatches.get(`${episodeId}\u0000${camera}`) ?? []) yield await Promise.resolve(b);
  }
}

/** One kept episode as it will be written. */
export interface PlannedEpisode {
  record: EpisodeRecord;
  /** episode_index in the exported dataset (0..N-1). */
  index: number;
  /** First stored row kept (trimStart). */
  start: number;
  /** Rows kept: stored rows [start, start + length). */
  length: number;
  /** Global `index` of the first kept row. */
  globalFrom: number;
  /** task_index in the exported dataset. */
  taskIndex: number;
}

export interface ExportPlan {
  dataset: DatasetRecord;
  episodes: PlannedEpisode[];
  /** Exported task strings; task_index = position. */
  tasks: string[];
  totalFrames: number;
  /** One track description per camera key (the first episode's). */
  tracks: Map<string, VideoTrackInfo>;
  /**
   * Some kept joint value was not read (NaN): the export adds the per-joint validity masks
   * `observation.state_is_valid` and `action_is_valid` (set by {@link withValidityMasks}).
   */
  masks?: boolean;
}

/** Applies trims and numbering; checks what can be checked without reading rows or media. */
export function planEpisodes(source: ExportSource): ExportPlan {
  const { dataset } = source;
  if (!Number.isInteger(dataset.fps) || dataset.fps <= 0) {
    throw new ExportError(
      `Dataset "${dataset.name}" has frame rate ${dataset.fps}; LeRobot needs a positive whole number of frames per second.`,
    );
  }
  const kept = source.episodes.filter((e) => e.status === "complete" || e.status === "interrupted");
  if (kept.length === 0)
    throw new ExportError(`Dataset "${dataset.name}" has no kept episodes to export. Record or keep at least one episode.`);
  const tasks: string[] = [];
  const episodes: PlannedEpisode[] = [];
  const tracks = new Map<string, VideoTrackInfo>();
  let globalFrom = 0;
  for (const record of kept) {
    const where = { episode: record.id };
    if (record.fps !== dataset.fps) {
      throw new ExportError(
        `Episode ${record.id} was recorded at ${record.fps} fps but the dataset is ${dataset.fps} fps; export it in a separate dataset.`,
        where,
      );
    }
    const { trimStart, trimEnd } = record.annotations;
    const end = trimEnd ?? record.length;
    if (!Number.isInteger(trimStart) || !Number.isInteger(end) || trimStart < 0 || end > record.length || end <= trimStart) {
      throw new ExportError(
        `Episode ${record.id}: the trim [${trimStart}, ${trimEnd ?? "end"}) does not select any of its ${record.length} rows. Adjust the trim in the episode browser.`,
        where,
      );
    }
    for (const cam of dataset.cameras) {
      const track = record.tracks.find((t) => t.camera === cam.key);
      if (!track)
        throw new ExportError(`Episode ${record.id} has no video track for camera "${cam.key}". Discard the episode or re-record it.`, {
          ...where,
          camera: cam.key,
        });
      const first = tracks.get(cam.key);
      if (!first) tracks.set(cam.key, track);
      else if (first.codec !== track.codec || first.width !== track.width || first.height !== track.height) {
        throw new ExportError(
          `Camera "${cam.key}" changed between episodes (${first.codec} ${first.width}×${first.height} vs ${track.codec} ${track.width}×${track.height} in episode ${record.id}); one dataset needs one video format per camera. Export those episodes separately.`,
          { ...where, camera: cam.key },
        );
      }
    }
    let taskIndex = tasks.indexOf(record.task);
    if (taskIndex < 0) {
      taskIndex = tasks.length;
      tasks.push(record.task);
    }
    const length = end - trimStart;
    episodes.push({ record, index: episodes.length, start: trimStart, length, globalFrom, taskIndex });
    globalFrom += length;
  }
  return { dataset, episodes, tasks, totalFrames: globalFrom, tracks };
}

/** The kept joint rows of one episode, row-major (`jointNames.length` wide). NaN = not read. */
export interface EpisodeRows {
  state: Float32Array;
  action: Float32Array;
  /** 1 where the value was read, 0 where it is missing (NaN), same layout. */
  stateValid: Float32Array;
  actionValid: Float32Array;
  /** Values missing in state and action together. */
  missing: number;
}

/**
 * The plan, knowing whether any kept joint value is missing (reads every episode's rows once):
 * if so, the export carries the validity masks. Missing values are exported as missing — never
 * filled in, never a reason to refuse the dataset.
 */
export async function withValidityMasks(source: ExportSource, plan: ExportPlan, signal?: AbortSignal): Promise<ExportPlan> {
  for (const ep of plan.episodes) if ((await readEpisodeRows(source, ep, signal)).missing > 0) return { ...plan, masks: true };
  return { ...plan, masks: false };
}

export async function readEpisodeRows(source: ExportSource, ep: PlannedEpisode, signal?: AbortSignal): Promise<EpisodeRows> {
  const names = source.dataset.jointNames;
  const w = names.length;
  const state = new Float32Array(ep.length * w);
  const action = new Float32Array(ep.length * w);
  const stateValid = new Float32Array(ep.length * w);
  const actionValid = new Float32Array(ep.length * w);
  let missing = 0;
  const end = ep.start + ep.length;
  const id = ep.record.id;
  let next = 0; // next stored row expected
  for await (const b of source.rows(id)) {
    throwIfAborted(signal);
    if (b.firstRow !== next) {
      throw new ExportError(
        b.firstRow > next
          ? `Episode ${id}: joint rows ${next}..${b.firstRow - 1} are missing from storage. Trim them away or discard the episode.`
          : `Episode ${id}: joint rows from ${b.firstRow} are stored twice. The episode's storage is inconsistent; discard it.`,
        { episode: id },
      );
    }
    if (b.state.length !== b.count * w || b.action.length !== b.count * w) {
      throw new ExportError(
        `Episode ${id}: a row batch at row ${b.firstRow} is not ${w} joints wide. The episode does not match the dataset's joints.`,
        { episode: id },
      );
    }
    const lo = Math.max(b.firstRow, ep.start);
    const hi = Math.min(b.firstRow + b.count, end);
    for (let r = lo; r < hi; r++) {
      const src = (r - b.firstRow) * w;
      const dst = (r - ep.start) * w;
      for (let j = 0; j < w; j++) {
        const s = b.state[src + j]!;
        const a = b.action[src + j]!;
        state[dst + j] = s;
        action[dst + j] = a;
        stateValid[dst + j] = Number.isNaN(s) ? 0 : 1;
        actionValid[dst + j] = Number.isNaN(a) ? 0 : 1;
        if (Number.isNaN(s)) missing++;
        if (Number.isNaN(a)) missing++;
      }
    }
    next = b.firstRow + b.count;
    if (next >= end) break;
  }
  if (next < end) {
    throw new ExportError(
      `Episode ${id}: storage holds joint rows up to ${next} but the episode keeps rows up to ${end}. Trim the end or discard the episode.`,
      { episode: id },
    );
  }
  return { state, action, stateValid, actionValid, missing };
}

export interface EpisodeFrame {
  /** Frame position inside the kept episode (0-based). */
  frame: number;
  key: boolean;
  data: Uint8Array;
}

/**
 * One camera's kept encoded frames in order: exactly one per kept row, the first a key frame.
 * Frames outside the trim are skipped (the UI snaps trimStart to key frames).
 */
export async function* episodeFrames(
  source: ExportSource,
  ep: PlannedEpisode,
  camera: string,
  signal?: AbortSignal,
): AsyncGenerator<EpisodeFrame> {
  const id = ep.record.id;
  const where = { episode: id, camera };
  const end = ep.start + ep.length;
  let expected = ep.start;
  let lastRow = -1;
  outer: for await (const b of source.media(id, camera)) {
    throwIfAborted(signal);
    const bytes = new Uint8Array(b.data);
    for (const f of b.frames) {
      if (f.row <= lastRow) {
        throw new ExportError(
          `Episode ${id}, camera "${camera}": frame for row ${f.row} comes after row ${lastRow}; stored frames must be in order, one per row.`,
          where,
        );
      }
      lastRow = f.row;
      if (f.row < ep.start) continue;
      if (f.row >= end) break outer;
      if (f.row !== expected) {
        throw new ExportError(
          `Episode ${id}, camera "${camera}": the video frame for row ${expected} is missing from storage. Trim it away or discard the episode.`,
          where,
        );
      }
      if (f.row === ep.start && !f.key) {
        throw new ExportError(
          ep.start === 0
            ? `Episode ${id}, camera "${camera}": the first stored frame is not a key frame, so the video cannot start there without re-encoding. Trim the start to the first key frame.`
            : `Episode ${id}, camera "${camera}": the trim starts at row ${ep.start}, which is not a key frame, so the video cannot be cut there without re-encoding. Move the trim start to a key frame (every other frame with the default GOP of 2).`,
          where,
        );
      }
      if (f.offset < 0 || f.offset + f.size > bytes.length) {
        throw new ExportError(
          `Episode ${id}, camera "${camera}": the stored frame for row ${f.row} points outside its media batch; the episode's storage is damaged.`,
          where,
        );
      }
      yield { frame: f.row - ep.start, key: f.key, data: bytes.subarray(f.offset, f.offset + f.size) };
      expected++;
    }
  }
  if (expected < end) {
    throw new ExportError(
      `Episode ${id}, camera "${camera}": storage holds video frames up to row ${expected} but the episode keeps rows up to ${end}. Trim the end or discard the episode.`,
      where,
    );
  }
}
