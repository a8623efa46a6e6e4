/**
 * LeRobot v2.1 writer for older tooling (lerobot ≤ 0.3.x; reference §1.11): one parquet and
 * one mp4 per episode (each video starts at pts 0), JSON-lines metadata (episodes, tasks,
 * per-episode stats with min/max/mean/std/count), info.json with total_videos/total_chunks.
 * lerobot ≥ 0.4 refuses v2.1; prefer v3.0.
 */
import { imageFeatureKey } from "../core/dataset.ts";
import { episodeStats, episodeTable } from "./episodeData.ts";
import { annotationExtras, curationSection } from "./language.ts";
import {
  buildFeatures,
  datasetCard,
  DEFAULT_CHUNKS_SIZE,
  huggingfaceMetadata,
  json4,
  Tracker,
  utf8,
  v21DataPath,
  v21VideoPath,
  V21_DATA_PATH,
  V21_VIDEO_PATH,
  type DatasetSink,
  type ExportOptions,
  type ExportSummary,
} from "./layout.ts";
import { Mp4FileWriter } from "./mp4.ts";
import { writeParquet } from "./parquet.ts";
import { episodeFrames, planEpisodes, readEpisodeRows, withValidityMasks, type ExportSource } from "./source.ts";
import { statsToJson } from "./stats.ts";

const V21_STATS = ["min", "max", "mean", "std", "count"] as const;

export async function exportV21(source: ExportSource, sink: DatasetSink, opts: ExportOptions = {}): Promise<ExportSummary> {
  const plan = await withValidityMasks(source, planEpisodes(source), opts.signal);
  const d = plan.dataset;
  const features = buildFeatures(plan);
  const chunksSize = opts.chunksSize ?? DEFAULT_CHUNKS_SIZE;
  const t = new Tracker(sink, opts, plan.totalFrames * (1 + d.cameras.length));
  const hf = new Map([["huggingface", huggingfaceMetadata(features)]]);
  const episodesLines: string[] = [];
  const statsLines: string[] = [];

  for (const ep of plan.episodes) {
    t.checkAbort();
    const chunk = Math.floor(ep.index / chunksSize);
    t.phase = "data";
    const rows = await readEpisodeRows(source, ep, opts.signal);
    await t.write(v21DataPath(chunk, ep.index), await writeParquet(episodeTable(d, ep, rows, hf, [], plan.masks), hf));
    t.done += ep.length;
    const stats = episodeStats(d, ep, rows, plan.masks);
    t.phase = "video";
    for (const cam of d.cameras) {
      const writer = new Mp4FileWriter(plan.tracks.get(cam.key)!, d.fps);
      try {
        for await (const f of episodeFrames(source, ep, cam.key, opts.signal)) await writer.add(f.data, f.key);
        await t.write(v21VideoPath(imageFeatureKey(cam.key), chunk, ep.index), await writer.finish());
      } catch (e) {
        await writer.cancel();
        throw e;
      }
      t.done += ep.length;
    }
    episodesLines.push(JSON.stringify({ episode_index: ep.index, tasks: [ep.record.task], length: ep.length }));
    statsLines.push(
      JSON.stringify({
        episode_index: ep.index,
        stats: Object.fromEntries(Object.keys(features).map((k) => [k, statsToJson(stats[k]!, V21_STATS)])),
      }),
    );
  }

  t.phase = "meta";
  const jsonl = (lines: string[]) => utf8(lines.map((l) => `${l}\n`).join(""));
  await t.write("meta/episodes.jsonl", jsonl(episodesLines));
  await t.write("meta/episodes_stats.jsonl", jsonl(statsLines));
  await t.write("meta/tasks.jsonl", jsonl(plan.tasks.map((task, i) => JSON.stringify({ task_index: i, task }))));
  const n = plan.episodes.length;
  const info = {
    codebase_version: "v2.1",
    robot_type: d.robotType === "" ? null : d.robotType,
    total_episodes: n,
    total_frames: plan.totalFrames,
    total_tasks: plan.tasks.length,
    total_videos: n * d.cameras.length,
    total_chunks: Math.ceil(n / chunksSize),
    chunks_size: chunksSize,
    fps: d.fps,
    splits: { train: `0:${n}` },
    data_path: V21_DATA_PATH,
    video_path: d.cameras.length > 0 ? V21_VIDEO_PATH : null,
    features,
  };
  const cardOpts: { license?: string; repoId?: string } = {};
  if (opts.license !== undefined) cardOpts.license = opts.license;
  if (opts.repoId !== undefined) cardOpts.repoId = opts.repoId;
  await t.write("README.md", utf8(datasetCard(d, info, cardOpts, curationSection(plan, annotationExtras(plan), "v2.1", opts.repoId))));
  await t.write("meta/info.json", json4(info));
  t.phase = "done";
  t.report();
  return { version: "v2.1", files: t.files, totalEpisodes: n, totalFrames: plan.totalFrames };
}
