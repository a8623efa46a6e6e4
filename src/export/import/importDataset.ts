/**
 * Import of a LeRobot v3.0 or v2.1 dataset (folder or zip) into the studio's data model.
 * Metadata and every referenced file are checked before the first episode is handed over;
 * the target receives a new dataset (`begin`), its episodes in order (`addEpisode`) and
 * `commit`, or `abort` on any failure, so nothing already stored changes. Video packets are
 * demuxed with mediabunny (no decoding) and split per episode by from/to timestamps.
 */
import type { DatasetRecord, EpisodeRecord, JointUnits, MediaBatch, RowBatch, VideoTrackInfo } from "../../core/dataset.ts";
import { emptyAnnotations } from "../../core/dataset.ts";
import { ImportError } from "../errors.ts";
import { DataCursor, toRowBatches } from "./dataCursor.ts";
import { readEpisodesV3, readMetaV21, readTasksV3, type EpisodeMeta } from "./episodesMeta.ts";
import type { DatasetFiles } from "./files.ts";
import { readInfo, type DatasetInfo } from "./info.ts";
import { readInterventions } from "./intervention.ts";
import { readEpisodeLanguage } from "./language.ts";
import { VideoCursor } from "./videoCursor.ts";

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
  /** Annotation entries that could not be read and were left out (the rest imported), each naming the episode and field. */
  warnings: string[];
}

const abortCheck = (signal?: AbortSignal) => {
  if (signal?.aborted) throw new ImportError("Import cancelled.", "");
};

export async function importDataset(files: DatasetFiles, target: ImportTarget, opts: ImportOptions = {}): Promise<ImportSummary> {
  const info = await readInfo(files);
  const { version, fps, robotType, jointNames, cameras, dataPath, videoPath, chunksSize } = info;
  const width = jointNames.length;

  // Episodes and tasks.
  let tasks: string[];
  let episodes: EpisodeMeta[];
  if (version === "v3.0") {
    tasks = await readTasksV3(files);
    episodes = await readEpisodesV3(files, cameras, dataPath, videoPath);
  } else {
    ({ tasks, episodes } = await readMetaV21(files, cameras, dataPath, videoPath, chunksSize, fps));
  }
  checkTotals(info, episodes);
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
    robotType,
    jointNames: [...jointNames],
    units: opts.units ?? "degrees",
    cameras,
    tasks: [...tasks],
    createdAtEpochMs: now,
    updatedAtEpochMs: now,
  };
  const data = new DataCursor(files, width, info.columns);
  const videos = new Map(cameras.map((c) => [c.key, new VideoCursor(files, fps)]));
  let begun = false;
  let frames = 0;
  const warnings: string[] = [];
  try {
    // Read episode 0 fully before `begin`, so a dataset failing at its first file stores nothing.
    for (const ep of episodes) {
      abortCheck(opts.signal);
      const { rows, taskIndex, table } = await data.episode(ep);
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
      const language = readEpisodeLanguage(table, rows.timestamp, ep.index, episodeId);
      const corrected = readInterventions(table, ep.index);
      warnings.push(...ep.warnings, ...language.warnings, ...corrected.warnings);
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
        annotations: {
          ...emptyAnnotations(),
          spans: language.spans,
          events: language.events,
          tags: ep.tags,
          success: ep.success,
          ...(corrected.spans ? { interventions: corrected.spans } : {}),
        },
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
  return { dataset, episodes: episodes.length, frames, version, warnings };
}

/** An empty dataset, or info.json totals the episodes' metadata do not add up to, is refused before anything is stored. */
function checkTotals(info: DatasetInfo, episodes: readonly EpisodeMeta[]): void {
  if (episodes.length === 0)
    throw new ImportError("The dataset has no episodes (its meta/episodes lists none): there is nothing to import.", "meta/episodes");
  const frames = episodes.reduce((n, e) => n + e.length, 0);
  const wrong: string[] = [];
  if (info.totalEpisodes !== undefined && info.totalEpisodes !== episodes.length)
    wrong.push(`${info.totalEpisodes} episodes (meta/episodes lists ${episodes.length})`);
  if (info.totalFrames !== undefined && info.totalFrames !== frames) wrong.push(`${info.totalFrames} frames (the episodes hold ${frames})`);
  if (wrong.length > 0)
    throw new ImportError(
      `meta/info.json says ${wrong.join(" and ")}: part of the dataset is missing or its metadata is wrong. ` +
        "Copy or download the dataset again; nothing was imported.",
      "meta/info.json",
    );
}
