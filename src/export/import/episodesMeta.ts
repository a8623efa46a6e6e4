/**
 * Episodes and tasks of a LeRobot dataset: meta/tasks.parquet and meta/episodes/*.parquet
 * (v3.0) or meta/tasks.jsonl, episodes.jsonl and episodes_stats.jsonl (v2.1), as one list of
 * episodes with the data and video files (and ranges) holding each.
 */
import * as arrow from "apache-arrow";
import type { CameraSpec, ImageStats } from "../../core/dataset.ts";
import { array, integer, isRecord, object, string, type Raw } from "../../storage/fields.ts";
import { ImportError } from "../errors.ts";
import { floats, ints, parquet } from "./columns.ts";
import { inFile } from "./fields.ts";
import { READ_LIMITS, readText, type DatasetFiles } from "./files.ts";

export interface EpisodeMeta {
  index: number;
  length: number;
  tasks: string[];
  dataPath: string;
  from: number;
  to: number;
  videos: Map<string, { path: string; from: number; to: number }>;
  imageStats: Record<string, ImageStats>;
  /** meta/episodes `outcome` (success → true, failure → false, unknown or absent → null) and `tags`, as our export writes them. */
  success: boolean | null;
  tags: string[];
  /** What could not be read (and was left out), for the import summary. */
  warnings: string[];
}

/** The optional `outcome` and `tags` of row i; anything else there is left out with a warning. */
function curationOf(
  t: arrow.Table,
  i: number,
  episode: number,
  path: string,
): { success: boolean | null; tags: string[]; warnings: string[] } {
  const warnings: string[] = [];
  let success: boolean | null = null;
  const o = t.getChild("outcome")?.get(i) as unknown;
  if (o === "success") success = true;
  else if (o === "failure") success = false;
  else if (o !== undefined && o !== null && o !== "unknown")
    warnings.push(
      `Episode ${episode}: ${path} outcome ${JSON.stringify(String(o))} is not success, failure or unknown; the outcome was left unknown.`,
    );
  const tv = t.getChild("tags")?.get(i) as Iterable<unknown> | null | undefined;
  const tags = tv && typeof tv === "object" && Symbol.iterator in tv ? [...tv].filter((x): x is string => typeof x === "string") : [];
  return { success, tags, warnings };
}

function pyFormat(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)(?::0?(\d+)d)?\}/g, (_, k: string, width?: string) => {
    const v = values[k];
    if (v === undefined) throw new Error(`unknown placeholder ${k}`);
    return width ? String(v).padStart(Number(width), "0") : String(v);
  });
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

export async function readTasksV3(files: DatasetFiles): Promise<string[]> {
  const path = "meta/tasks.parquet";
  const t = await parquet(files, path);
  const idx = ints(t, "task_index", path);
  const names = t.getChild("task") ?? t.getChild("__index_level_0__");
  if (!names || (!arrow.DataType.isUtf8(names.type) && !arrow.DataType.isLargeUtf8(names.type))) {
    throw new ImportError(`${path} has no task string column ("task" or "__index_level_0__").`, path);
  }
  const out: string[] = [];
  idx.forEach((ti, row) => (out[ti] = String(names.get(row))));
  if (out.length !== idx.length || Array.from(out).some((x) => x === undefined))
    throw new ImportError(`${path}: task_index values are not 0..${idx.length - 1}.`, path);
  return out;
}

export async function readEpisodesV3(
  files: DatasetFiles,
  cameras: CameraSpec[],
  dataTpl: string,
  videoTpl: string,
): Promise<EpisodeMeta[]> {
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
        ...curationOf(t, i, epIdx[i]!, path),
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

/** The records of a .jsonl file, each read with field readers; errors name the file and line. */
async function jsonl<T>(files: DatasetFiles, path: string, read: (record: Raw) => T): Promise<T[]> {
  const out: T[] = [];
  (await readText(files, path, READ_LIMITS.jsonl)).split("\n").forEach((line, i) => {
    if (line.trim().length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new ImportError(`${path}: line ${i + 1} is not valid JSON.`, path);
    }
    out.push(inFile(path, () => read(object(parsed, "the line")), `line ${i + 1}`));
  });
  return out;
}

export async function readMetaV21(
  files: DatasetFiles,
  cameras: CameraSpec[],
  dataTpl: string,
  videoTpl: string,
  chunksSize: number,
  fps: number,
): Promise<{ tasks: string[]; episodes: EpisodeMeta[] }> {
  const taskLines = await jsonl(files, "meta/tasks.jsonl", (r) => ({
    index: integer(r["task_index"], "task_index", 0),
    task: string(r["task"], "task"),
  }));
  const tasks: string[] = [];
  for (const t of taskLines) tasks[t.index] = t.task;
  if (tasks.length !== taskLines.length || Array.from(tasks).some((t) => t === undefined))
    throw new ImportError(`meta/tasks.jsonl: task_index values are not 0..${taskLines.length - 1}.`, "meta/tasks.jsonl");
  const stats = new Map<number, Raw>();
  if (files.has("meta/episodes_stats.jsonl")) {
    const lines = await jsonl(files, "meta/episodes_stats.jsonl", (r) => ({
      index: integer(r["episode_index"], "episode_index", 0),
      stats: r["stats"] === undefined ? {} : object(r["stats"], "stats"),
    }));
    for (const l of lines) stats.set(l.index, l.stats);
  }
  const eps = (
    await jsonl(files, "meta/episodes.jsonl", (r) => ({
      index: integer(r["episode_index"], "episode_index", 0),
      length: integer(r["length"], "length", 0),
      tasks: r["tasks"] === undefined ? [] : array(r["tasks"], "tasks").map((t, i) => string(t, `tasks[${i}]`)),
    }))
  ).sort((a, b) => a.index - b.index);
  let from = 0;
  const episodes = eps.map(({ index, length, tasks: episodeTasks }, i): EpisodeMeta => {
    if (index !== i) throw new ImportError(`meta/episodes.jsonl: episode indices are not 0..${eps.length - 1}.`, "meta/episodes.jsonl");
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
      const s = isRecord(st) ? imageStatsFrom((k) => st[k]) : undefined;
      if (s) imageStats[c.key] = s;
    }
    const ep: EpisodeMeta = {
      index,
      length,
      tasks: episodeTasks,
      dataPath: pyFormat(dataTpl, { episode_chunk: chunk, episode_index: index }),
      from,
      to: from + length,
      videos,
      imageStats,
      success: null,
      tags: [],
      warnings: [],
    };
    from += length;
    return ep;
  });
  return { tasks, episodes };
}
