/**
 * LeRobot v3.0 writer (reference §1.2–1.9): data parquet files holding many episodes, one mp4
 * per camera holding many episodes (stored packets concatenated, no re-encoding), the
 * episodes/tasks parquet metadata, stats.json, info.json and the dataset card. Data, each
 * camera's videos and the episodes metadata roll over to new files independently by size.
 *
 * Write order: data, videos, meta/episodes, meta/tasks.parquet, meta/stats.json, README.md,
 * and meta/info.json last, so a folder holding info.json is complete.
 */
import * as arrow from "apache-arrow";
import { imageFeatureKey } from "../core/dataset.ts";
import { episodeStats, episodeTable } from "./episodeData.ts";
import { ExportError } from "./errors.ts";
import {
  annotationExtras,
  curationSection,
  episodeMetaColumns,
  extraBytesPerRow,
  extraColumns,
  extraFeatures,
  extraStats,
  hasStats,
  type AnnotationExtras,
} from "./language.ts";
import {
  buildFeatures,
  datasetCard,
  DEFAULT_CHUNKS_SIZE,
  DEFAULT_DATA_FILE_SIZE_MB,
  DEFAULT_VIDEO_FILE_SIZE_MB,
  json4,
  nextChunkFile,
  Tracker,
  utf8,
  v3DataPath,
  v3EpisodesPath,
  v3VideoPath,
  V3_DATA_PATH,
  V3_VIDEO_PATH,
  type DatasetSink,
  type ExportOptions,
  type ExportSummary,
  type FeatureSpec,
} from "./layout.ts";
import { Mp4FileWriter } from "./mp4.ts";
import { concatTables, float64Col, int64Col, listOf, makeTable, nestedCol, utf8Col, writeParquet, type Column } from "./parquet.ts";
import {
  episodeFrames,
  planEpisodes,
  readEpisodeRows,
  withValidityMasks,
  type ExportPlan,
  type ExportSource,
  type PlannedEpisode,
} from "./source.ts";
import { aggregateStats, STAT_KEYS, statsToJson, type FeatureStats } from "./stats.ts";

interface VideoPlacement {
  chunk: number;
  file: number;
  fromFrame: number;
  toFrame: number;
}

interface EpisodeOut {
  ep: PlannedEpisode;
  dataChunk: number;
  dataFile: number;
  videos: Map<string, VideoPlacement>;
  stats: Record<string, FeatureStats>;
}

const MB = 1024 * 1024;

export async function exportV3(source: ExportSource, sink: DatasetSink, opts: ExportOptions = {}): Promise<ExportSummary> {
  const plan = await withValidityMasks(source, planEpisodes(source), opts.signal);
  const d = plan.dataset;
  const extras = annotationExtras(plan);
  const features = { ...buildFeatures(plan), ...extraFeatures(extras) };
  const chunksSize = opts.chunksSize ?? DEFAULT_CHUNKS_SIZE;
  const dataMb = opts.dataFileSizeMb ?? DEFAULT_DATA_FILE_SIZE_MB;
  const videoMb = opts.videoFileSizeMb ?? DEFAULT_VIDEO_FILE_SIZE_MB;
  const t = new Tracker(sink, opts, plan.totalFrames * (1 + d.cameras.length));
  const out: EpisodeOut[] = plan.episodes.map((ep) => ({ ep, dataChunk: 0, dataFile: 0, videos: new Map(), stats: {} }));

  // Data files.
  // No HF `huggingface` features metadata: the v3 loader passes the features explicitly, and
  // the metadata's type names differ between `datasets` 3 and 4.
  const hf = new Map<string, string>();
  const w = d.jointNames.length;
  const bytesPerRow = (plan.masks ? 4 : 2) * 4 * w + 4 + 4 * 8;
  let pos = { chunk: 0, file: 0 };
  let pending: arrow.Table[] = [];
  let pendingBytes = 0;
  const flushData = async () => {
    if (pending.length === 0) return;
    const path = v3DataPath(pos.chunk, pos.file);
    t.report(path);
    await t.write(path, await writeParquet(concatTables(pending), hf));
    pending = [];
    pendingBytes = 0;
    pos = nextChunkFile(pos, chunksSize);
  };
  for (const [i, o] of out.entries()) {
    t.checkAbort();
    const rows = await readEpisodeRows(source, o.ep, opts.signal);
    const epBytes = o.ep.length * (bytesPerRow + extraBytesPerRow(extras, i));
    if (pendingBytes > 0 && pendingBytes + epBytes >= dataMb * MB) await flushData();
    pending.push(episodeTable(d, o.ep, rows, hf, extraColumns(extras, o.ep, i), plan.masks));
    pendingBytes += epBytes;
    o.dataChunk = pos.chunk;
    o.dataFile = pos.file;
    o.stats = { ...episodeStats(d, o.ep, rows, plan.masks), ...extraStats(extras, o.ep) };
    t.done += o.ep.length;
    t.report();
  }
  await flushData();

  // Videos, one camera at a time (at most one file in memory).
  t.phase = "video";
  for (const cam of d.cameras) {
    const key = imageFeatureKey(cam.key);
    const track = plan.tracks.get(cam.key)!;
    let vpos = { chunk: 0, file: 0 };
    let writer: Mp4FileWriter | undefined;
    const flushVideo = async () => {
      if (!writer) return;
      const path = v3VideoPath(key, vpos.chunk, vpos.file);
      t.report(path);
      const bytes = await writer.finish();
      writer = undefined;
      await t.write(path, bytes);
      vpos = nextChunkFile(vpos, chunksSize);
    };
    try {
      for (const o of out) {
        t.checkAbort();
        const rec = o.ep.record;
        const estimate = rec.length > 0 ? (rec.mediaBytes / Math.max(1, d.cameras.length)) * (o.ep.length / rec.length) : 0;
        if (writer && writer.bytes > 0 && writer.bytes + estimate >= videoMb * MB) await flushVideo();
        writer ??= new Mp4FileWriter(track, d.fps);
        const fromFrame = writer.frames;
        let n = 0;
        for await (const f of episodeFrames(source, o.ep, cam.key, opts.signal)) {
          await writer.add(f.data, f.key);
          n++;
          if ((n & 255) === 0) {
            t.done += 256;
            t.report();
          }
        }
        t.done += n & 255;
        o.videos.set(key, { chunk: vpos.chunk, file: vpos.file, fromFrame, toFrame: writer.frames });
      }
      await flushVideo();
    } finally {
      if (writer) await writer.cancel();
    }
  }

  // Metadata.
  t.phase = "meta";
  const episodeFiles = await episodesParquetFiles(out, plan, extras, features, d.fps, chunksSize, dataMb);
  for (const f of episodeFiles) await t.write(f.path, f.bytes);
  await t.write("meta/tasks.parquet", await tasksParquet(plan.tasks));
  const stats: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(features)) if (hasStats(spec)) stats[k] = statsToJson(aggregateStats(out.map((o) => o.stats[k]!)));
  await t.write("meta/stats.json", json4(stats));
  const info = {
    codebase_version: "v3.0",
    robot_type: d.robotType === "" ? null : d.robotType,
    total_episodes: out.length,
    total_frames: plan.totalFrames,
    total_tasks: plan.tasks.length,
    chunks_size: chunksSize,
    data_files_size_in_mb: dataMb,
    video_files_size_in_mb: videoMb,
    fps: d.fps,
    splits: { train: `0:${out.length}` },
    data_path: V3_DATA_PATH,
    video_path: d.cameras.length > 0 ? V3_VIDEO_PATH : null,
    features,
  };
  const cardOpts: { license?: string; repoId?: string } = {};
  if (opts.license !== undefined) cardOpts.license = opts.license;
  if (opts.repoId !== undefined) cardOpts.repoId = opts.repoId;
  await t.write("README.md", utf8(datasetCard(d, info, cardOpts, curationSection(plan, extras, "v3.0", opts.repoId))));
  await t.write("meta/info.json", json4(info));
  t.phase = "done";
  t.report();
  return { version: "v3.0", files: t.files, totalEpisodes: out.length, totalFrames: plan.totalFrames };
}

/** pandas metadata making the `task` column the DataFrame index (reference §1.6). */
function pandasTasksMetadata(): string {
  return JSON.stringify({
    index_columns: ["task"],
    column_indexes: [{ name: null, field_name: null, pandas_type: "unicode", numpy_type: "object", metadata: { encoding: "UTF-8" } }],
    columns: [
      { name: "task_index", field_name: "task_index", pandas_type: "int64", numpy_type: "int64", metadata: null },
      { name: "task", field_name: "task", pandas_type: "unicode", numpy_type: "object", metadata: null },
    ],
    creator: { library: "pyarrow", version: "21.0.0" },
    pandas_version: "2.2.3",
  });
}

async function tasksParquet(tasks: string[]): Promise<Uint8Array> {
  const meta = new Map([["pandas", pandasTasksMetadata()]]);
  const table = makeTable(
    [
      { name: "task_index", data: int64Col(tasks.map((_, i) => i)) },
      { name: "task", data: utf8Col(tasks) },
    ],
    meta,
  );
  return writeParquet(table, meta);
}

/** Columns of meta/episodes parquet files (reference §1.7), rolled over by size. */
async function episodesParquetFiles(
  out: EpisodeOut[],
  plan: ExportPlan,
  extras: AnnotationExtras,
  features: Record<string, FeatureSpec>,
  fps: number,
  chunksSize: number,
  sizeMb: number,
): Promise<{ path: string; bytes: Uint8Array }[]> {
  // ~ 8 bytes per stat number; rows are small, so this only rolls over for huge datasets.
  const numbersPerRow =
    Object.values(features)
      .filter(hasStats)
      .reduce((a, f) => a + (f.dtype === "video" ? 3 : (f.shape[0] ?? 1)) * 9 + 1, 0) + 20;
  const perFile = Math.max(1, Math.floor((sizeMb * MB) / (numbersPerRow * 8)));
  const files: { path: string; bytes: Uint8Array }[] = [];
  let pos = { chunk: 0, file: 0 };
  for (let i = 0; i < out.length; i += perFile) {
    const rows = out.slice(i, i + perFile);
    const cols: Column[] = [
      { name: "episode_index", data: int64Col(rows.map((o) => o.ep.index)) },
      {
        name: "tasks",
        data: nestedCol(
          rows.map((o) => [o.ep.record.task]),
          listOf(new arrow.Utf8()),
        ),
      },
      { name: "length", data: int64Col(rows.map((o) => o.ep.length)) },
      { name: "data/chunk_index", data: int64Col(rows.map((o) => o.dataChunk)) },
      { name: "data/file_index", data: int64Col(rows.map((o) => o.dataFile)) },
      { name: "dataset_from_index", data: int64Col(rows.map((o) => o.ep.globalFrom)) },
      { name: "dataset_to_index", data: int64Col(rows.map((o) => o.ep.globalFrom + o.ep.length)) },
    ];
    for (const cam of plan.dataset.cameras) {
      const key = imageFeatureKey(cam.key);
      const v = (o: EpisodeOut) => {
        const p = o.videos.get(key);
        if (!p)
          throw new ExportError(`Episode ${o.ep.record.id} has no video placement for camera "${cam.key}".`, {
            episode: o.ep.record.id,
            camera: cam.key,
          });
        return p;
      };
      cols.push(
        { name: `videos/${key}/chunk_index`, data: int64Col(rows.map((o) => v(o).chunk)) },
        { name: `videos/${key}/file_index`, data: int64Col(rows.map((o) => v(o).file)) },
        { name: `videos/${key}/from_timestamp`, data: float64Col(rows.map((o) => v(o).fromFrame / fps)) },
        { name: `videos/${key}/to_timestamp`, data: float64Col(rows.map((o) => v(o).toFrame / fps)) },
      );
    }
    for (const [feature, spec] of Object.entries(features)) {
      if (!hasStats(spec)) continue;
      const image = spec.dtype === "video";
      const integer = spec.dtype === "int64" || spec.dtype === "bool";
      for (const stat of STAT_KEYS) {
        const name = `stats/${feature}/${stat}`;
        const values = rows.map((o) => {
          const st = o.stats[feature]!;
          // NaN (unknown) stays NaN in parquet; JSON would drop it.
          return stat === "count" ? [st.count] : image ? st.values[stat].map((x) => [[x]]) : st.values[stat];
        });
        const type =
          stat === "count"
            ? listOf(new arrow.Int64())
            : image
              ? listOf(listOf(listOf(new arrow.Float64())))
              : integer && (stat === "min" || stat === "max")
                ? listOf(new arrow.Int64())
                : listOf(new arrow.Float64());
        const conv = type.children[0]!.type instanceof arrow.Int64 ? (values as number[][]).map((a) => a.map((x) => BigInt(x))) : values;
        cols.push({ name, data: nestedCol(conv, type) });
      }
    }
    cols.push(
      { name: "meta/episodes/chunk_index", data: int64Col(rows.map(() => pos.chunk)) },
      { name: "meta/episodes/file_index", data: int64Col(rows.map(() => pos.file)) },
      ...episodeMetaColumns(
        extras,
        rows.map((o) => o.ep),
      ),
    );
    files.push({ path: v3EpisodesPath(pos.chunk, pos.file), bytes: await writeParquet(makeTable(cols)) });
    pos = nextChunkFile(pos, chunksSize);
  }
  return files;
}

export type { ExportSource };
