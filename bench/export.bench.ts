/**
 * Export and import figures (node): the LeRobot v3.0 writer over a synthetic recording made
 * of real AV1 packet headers padded to a realistic size (~3 KB/frame average at 640×480,
 * key frame every other frame), streamed from a lazy source the way storage would hand it
 * over; files go to a sink that only counts bytes. Import opens a 500-episode dataset from
 * memory into an in-memory target. The annotated variant puts subtask spans, corrections,
 * tags and an outcome on every episode (language columns and next.success/next.done written).
 */
import {
  emptyAnnotations,
  type DatasetRecord,
  type EpisodeAnnotations,
  type EpisodeRecord,
  type MediaBatch,
  type RowBatch,
} from "../src/core/dataset.ts";
import { importDataset } from "../src/export/import/importDataset.ts";
import { MemoryFiles } from "../src/export/import/files.ts";
import { MemoryImportTarget } from "../src/export/import/memoryTarget.ts";
import type { DatasetSink } from "../src/export/layout.ts";
import { MemorySink } from "../src/export/sinks.ts";
import type { ExportSource } from "../src/export/source.ts";
import { demuxMp4, ffmpegAv1, imageStatsFixture, JOINTS } from "../src/export/testing/av1Fixture.ts";
import { exportV3 } from "../src/export/v3.ts";
import type { Benchmark } from "./types.ts";

const FPS = 30;
const HOURS = Number(process.env["BENCH_EXPORT_HOURS"] ?? 1);

interface Templates {
  key: Uint8Array;
  delta: Uint8Array;
  codec: string;
}

let templates: Promise<Templates> | undefined;
function getTemplates(): Promise<Templates> {
  templates ??= (async () => {
    const v = await demuxMp4(ffmpegAv1(2, "testsrc", "640x480"));
    const pad = (d: Uint8Array, size: number) => {
      const out = new Uint8Array(Math.max(size, d.length));
      out.set(d);
      return out;
    };
    return { key: pad(v.packets[0]!.data, 4500), delta: pad(v.packets[1]!.data, 1500), codec: v.track.codec };
  })();
  return templates;
}

/** What an annotator typically adds to a 60 s episode: a subtask every 10 s, four corrections, two tags, the outcome. */
function benchAnnotations(e: number, length: number): EpisodeAnnotations {
  const spans = Array.from({ length: 6 }, (_, k) => ({
    id: `s${k}`,
    startFrame: Math.floor((k * length) / 6),
    endFrame: Math.floor(((k + 1) * length) / 6),
    text: `subtask ${k + 1}: move the gripper to the next waypoint`,
  }));
  const events = Array.from({ length: 4 }, (_, k) => ({
    id: `e${k}`,
    frame: Math.floor(((k + 0.5) * length) / 4),
    kind: "correction" as const,
    text: "a little further to the left",
  }));
  return { ...emptyAnnotations(), spans, events, tags: ["bench", `batch-${e % 3}`], success: e % 5 !== 0 };
}

/** A recording generated on demand: `episodes` × `length` rows, two cameras. */
class SyntheticSource implements ExportSource {
  readonly dataset: DatasetRecord;
  readonly episodes: EpisodeRecord[];
  private readonly t: Templates;
  constructor(t: Templates, episodes: number, length: number, annotated = false) {
    this.t = t;
    const cameras = ["front", "wrist"];
    this.dataset = {
      id: "bench",
      name: "bench",
      fps: FPS,
      robotType: "so101_follower",
      jointNames: JOINTS,
      units: "degrees",
      cameras: cameras.map((key) => ({ key, source: "simulated", deviceId: "", label: key, width: 640, height: 480, fps: FPS })),
      tasks: ["Pick the cube"],
      createdAtEpochMs: 0,
      updatedAtEpochMs: 0,
    };
    this.episodes = Array.from({ length: episodes }, (_, e) => ({
      id: `ep${e}`,
      datasetId: "bench",
      index: e,
      status: "complete",
      task: "Pick the cube",
      length,
      fps: FPS,
      startedAtEpochMs: 0,
      t0Ms: 0,
      tracks: cameras.map((camera) => ({ camera, codec: t.codec, codecName: "av1", width: 640, height: 480 })),
      sync: null,
      qa: [],
      annotations: annotated ? benchAnnotations(e, length) : emptyAnnotations(),
      imageStats: { front: imageStatsFixture(e), wrist: imageStatsFixture(e + 1) },
      mediaBytes: length * 3000 * 2,
    }));
  }
  private length(id: string): number {
    return this.episodes.find((e) => e.id === id)!.length;
  }
  async *rows(episodeId: string): AsyncIterable<RowBatch> {
    const n = this.length(episodeId);
    const w = JOINTS.length;
    for (let first = 0, seq = 0; first < n; first += FPS, seq++) {
      const count = Math.min(FPS, n - first);
      const state = new Float32Array(count * w).map((_, i) => Math.sin((first * w + i) * 0.01) * 90);
      yield await Promise.resolve({
        episodeId,
        seq,
        firstRow: first,
        count,
        state,
        action: state.map((x) => x + 1),
        rowTimeMs: new Float64Array(count),
        sampleTimeMs: new Float64Array(count),
      });
    }
  }
  async *media(episodeId: string, camera: string): AsyncIterable<MediaBatch> {
    const n = this.length(episodeId);
    for (let first = 0, seq = 0; first < n; first += FPS, seq++) {
      const count = Math.min(FPS, n - first);
      const frames = [];
      let size = 0;
      for (let i = 0; i < count; i++) size += (first + i) % 2 === 0 ? this.t.key.length : this.t.delta.length;
      const data = new Uint8Array(size);
      let off = 0;
      for (let i = 0; i < count; i++) {
        const key = (first + i) % 2 === 0;
        const p = key ? this.t.key : this.t.delta;
        data.set(p, off);
        frames.push({ row: first + i, key, offset: off, size: p.length, captureTimeMs: 0 });
        off += p.length;
      }
      yield await Promise.resolve({ episodeId, camera, seq, frames, data: data.buffer });
    }
  }
}

class CountingSink implements DatasetSink {
  bytes = 0;
  writeFile(_path: string, data: Uint8Array): Promise<void> {
    this.bytes += data.byteLength;
    return Promise.resolve();
  }
}

interface ExportFigures {
  realtime: number;
  peakMb: number;
}
const exportRuns = new Map<boolean, Promise<ExportFigures>>();
function measureExport(annotated = false): Promise<ExportFigures> {
  const run =
    exportRuns.get(annotated) ??
    (async () => {
      const t = await getTemplates();
      const episodeSeconds = 60;
      const episodes = Math.round((HOURS * 3600) / episodeSeconds);
      const source = new SyntheticSource(t, episodes, episodeSeconds * FPS, annotated);
      (globalThis as { gc?: () => void }).gc?.();
      const base = process.memoryUsage().rss;
      let peak = base;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const start = performance.now();
      await exportV3(source, new CountingSink());
      const seconds = (performance.now() - start) / 1000;
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return { realtime: (HOURS * 3600) / seconds, peakMb: (peak - base) / (1024 * 1024) };
    })();
  exportRuns.set(annotated, run);
  return run;
}

async function measureImport(): Promise<number> {
  const t = await getTemplates();
  // 500 episodes of 5 s, two cameras; small packets keep the dataset in memory (≈ 2 × 75k frames).
  const small: Templates = { key: t.key.slice(0, Math.max(600, t.key.length >> 3)), delta: t.delta.slice(0, 200), codec: t.codec };
  const sink = new MemorySink();
  await exportV3(new SyntheticSource(small, 500, 5 * FPS), sink);
  const start = performance.now();
  const target = new MemoryImportTarget();
  await importDataset(new MemoryFiles(sink.files), target);
  const seconds = (performance.now() - start) / 1000;
  if (target.episodes.length !== 500) throw new Error(`imported ${target.episodes.length} episodes`);
  return seconds;
}

export const benchmarks: Benchmark[] = [
  {
    id: "export.realtime_factor",
    unit: "× real time",
    goal: ">= 60",
    what: `LeRobot v3.0 export of ${HOURS} h of 2-camera 30 fps recording (synthetic AV1 packets ~3 KB/frame, 60 s episodes): recording seconds written per wall-clock second, no re-encoding`,
    run: async () => (await measureExport()).realtime,
  },
  {
    id: "export.realtime_factor_annotated",
    unit: "× real time",
    goal: ">= 60",
    what: `the same export with annotations on every episode (6 subtask spans, 4 corrections, 2 tags, an outcome per 60 s episode): language_persistent/language_events and next.success/next.done written`,
    run: async () => (await measureExport(true)).realtime,
  },
  {
    id: "export.peak_memory_mb",
    unit: "MB",
    goal: "<= 512",
    what: "peak resident memory growth (RSS above the baseline) during that export; one video file (≤ 200 MB) is built in memory at a time",
    run: async () => (await measureExport()).peakMb,
  },
  {
    id: "import.open_500_s",
    unit: "s",
    goal: "<= 30",
    what: "import of a 500-episode v3.0 dataset (5 s episodes, 2 cameras) from memory: parquet metadata and data, mp4 demux and per-episode split",
    run: measureImport,
  },
];
