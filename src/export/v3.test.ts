/**
 * The v3.0 writer checked by independent readers: DuckDB (parquet schema, types, values,
 * metadata), ffprobe (codec, frame count, per-frame pts), apache-arrow's IPC reader for the
 * ARROW:schema, `unzip` for the zip target — against the checklist of the format reference.
 */
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import * as arrow from "apache-arrow";
import { beforeAll, describe as suite, expect, it } from "vitest";
import { ExportError } from "./errors.ts";
import { FolderSink, MemorySink, ZipSink } from "./sinks.ts";
import { buildSource, demuxMp4, ffmpegAv1, jointValue, JOINTS, type DemuxedVideo, type SourceSpec } from "./testing/av1Fixture.ts";
import { MemoryDirectoryHandle, NodeDirectoryHandle } from "./testing/handles.ts";
import { describe, ffprobePackets, ffprobeStream, kvMetadata, query } from "./testing/probes.ts";
import { exportV3 } from "./v3.ts";

let videos: Record<string, DemuxedVideo>;
let root: string;
const TASKS = ["Pick the cube", "Place the cube"];
// ep1 trimmed to rows [2, 28); ep3 discarded.
const SPEC: SourceSpec = {
  lengths: [40, 30, 36, 10],
  tasks: TASKS,
  trims: [
    { start: 0, end: null },
    { start: 2, end: 28 },
  ],
  statuses: ["complete", "interrupted", "complete", "discarded"],
};
const KEPT = [
  { stored: 0, start: 0, length: 40, task: 0 },
  { stored: 1, start: 2, length: 26, task: 1 },
  { stored: 2, start: 0, length: 36, task: 0 },
];
const TOTAL = 102;

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(root, join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}

beforeAll(async () => {
  videos = { front: await demuxMp4(ffmpegAv1(40, "testsrc")), wrist: await demuxMp4(ffmpegAv1(40, "smptebars")) };
  root = mkdtempSync(join(tmpdir(), "lerobot-v3-"));
  await exportV3(buildSource(videos, SPEC), new FolderSink(new NodeDirectoryHandle(root)));
}, 60_000);

suite("LeRobot v3.0 export, read back by DuckDB and ffprobe", () => {
  it("writes the v3.0 layout", () => {
    expect(listFiles(root)).toEqual([
      "README.md",
      "data/chunk-000/file-000.parquet",
      "meta/episodes/chunk-000/file-000.parquet",
      "meta/info.json",
      "meta/stats.json",
      "meta/tasks.parquet",
      "videos/observation.images.front/chunk-000/file-000.mp4",
      "videos/observation.images.wrist/chunk-000/file-000.mp4",
    ]);
  });

  it("info.json has every key, the five default features and the video info (§1.3, §1.4)", () => {
    const info = JSON.parse(readFileSync(join(root, "meta/info.json"), "utf8")) as Record<string, unknown>;
    expect(Object.keys(info)).toEqual([
      "codebase_version",
      "robot_type",
      "total_episodes",
      "total_frames",
      "total_tasks",
      "chunks_size",
      "data_files_size_in_mb",
      "video_files_size_in_mb",
      "fps",
      "splits",
      "data_path",
      "video_path",
      "features",
    ]);
    expect(info).toMatchObject({
      codebase_version: "v3.0",
      robot_type: "so101_follower",
      total_episodes: 3,
      total_frames: TOTAL,
      total_tasks: 2,
      chunks_size: 1000,
      fps: 30,
      splits: { train: "0:3" },
      data_path: "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet",
      video_path: "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4",
    });
    const features = info["features"] as Record<string, Record<string, unknown>>;
    expect(Object.keys(features)).toEqual([
      "action",
      "observation.state",
      "observation.images.front",
      "observation.images.wrist",
      "timestamp",
      "frame_index",
      "episode_index",
      "index",
      "task_index",
    ]);
    expect(features["action"]).toEqual({ dtype: "float32", shape: [6], names: JOINTS });
    expect(features["timestamp"]).toEqual({ dtype: "float32", shape: [1], names: null });
    expect(features["index"]).toEqual({ dtype: "int64", shape: [1], names: null });
    expect(features["observation.images.front"]).toMatchObject({
      dtype: "video",
      shape: [64, 64, 3],
      names: ["height", "width", "channels"],
      info: {
        "video.height": 64,
        "video.width": 64,
        "video.codec": "av1",
        "video.pix_fmt": "yuv420p",
        "video.is_depth_map": false,
        "video.fps": 30,
        "video.channels": 3,
        has_audio: false,
      },
    });
    expect(Number.isInteger(info["fps"])).toBe(true);
  });

  it("data parquet has exactly the feature columns with the right types (§1.5)", async () => {
    const file = join(root, "data/chunk-000/file-000.parquet");
    expect(await describe(file)).toEqual({
      action: "FLOAT[]",
      "observation.state": "FLOAT[]",
      timestamp: "FLOAT",
      frame_index: "BIGINT",
      episode_index: "BIGINT",
      index: "BIGINT",
      task_index: "BIGINT",
    });
    // Parquet has no fixed-size list; the Arrow schema stored with the file carries fixed_size_list<float>[6].
    const kv = await kvMetadata(file);
    const schemaB64 = kv.get("ARROW:schema");
    expect(schemaB64).toBeDefined();
    const bytes = Uint8Array.from(atob(schemaB64!), (c) => c.charCodeAt(0));
    const msg = new arrow.MessageReader(bytes).readSchema()!;
    const action = msg.fields.find((f) => f.name === "action")!;
    expect(arrow.DataType.isFixedSizeList(action.type)).toBe(true);
    expect((action.type as arrow.FixedSizeList).listSize).toBe(6);
    expect(String((action.type as arrow.FixedSizeList).valueType)).toBe("Float32");
    const [lens] = await query(
      `SELECT min(len(action)) AS lo, max(len(action)) AS hi, min(len("observation.state")) AS slo, max(len("observation.state")) AS shi FROM '${file}'`,
    );
    expect(lens).toEqual({ lo: "6", hi: "6", slo: "6", shi: "6" });
    expect([...kv.keys()]).toEqual(["ARROW:schema"]);
  });

  it("data rows: contiguous global index, per-episode frame_index and timestamp = frame_index/fps, values from the kept rows (§1.5, §1.14.2)", async () => {
    const file = join(root, "data/chunk-000/file-000.parquet");
    const rows = await query(
      `SELECT action, "observation.state" AS state, timestamp, frame_index, episode_index, index, task_index FROM '${file}'`,
    );
    expect(rows).toHaveLength(TOTAL);
    let g = 0;
    for (const [e, k] of KEPT.entries()) {
      for (let i = 0; i < k.length; i++, g++) {
        const r = rows[g]!;
        expect(Number(r["index"])).toBe(g);
        expect(Number(r["episode_index"])).toBe(e);
        expect(Number(r["frame_index"])).toBe(i);
        expect(Number(r["task_index"])).toBe(k.task);
        expect(r["timestamp"]).toBe(Math.fround(i / 30));
        expect(r["state"]).toEqual(JOINTS.map((_, j) => jointValue(k.stored, k.start + i, j, false)));
        expect(r["action"]).toEqual(JOINTS.map((_, j) => jointValue(k.stored, k.start + i, j, true)));
      }
    }
  });

  it("tasks.parquet: task_index then the task index column, with pandas metadata naming it the index (§1.6)", async () => {
    const file = join(root, "meta/tasks.parquet");
    expect(await describe(file)).toEqual({ task_index: "BIGINT", task: "VARCHAR" });
    expect(await query(`SELECT task_index, task FROM '${file}'`)).toEqual([
      { task_index: "0", task: TASKS[0] },
      { task_index: "1", task: TASKS[1] },
    ]);
    const pandas = JSON.parse((await kvMetadata(file)).get("pandas")!) as { index_columns: string[]; columns: { name: string }[] };
    expect(pandas.index_columns).toEqual(["task"]);
    expect(pandas.columns.map((c) => c.name)).toEqual(["task_index", "task"]);
  });

  it("episodes parquet: the loader's columns, integer-frame from/to timestamps, stats columns (§1.7)", async () => {
    const file = join(root, "meta/episodes/chunk-000/file-000.parquet");
    const types = await describe(file);
    const expectedTypes: Record<string, string> = {
      episode_index: "BIGINT",
      tasks: "VARCHAR[]",
      length: "BIGINT",
      "data/chunk_index": "BIGINT",
      "data/file_index": "BIGINT",
      dataset_from_index: "BIGINT",
      dataset_to_index: "BIGINT",
      "meta/episodes/chunk_index": "BIGINT",
      "meta/episodes/file_index": "BIGINT",
    };
    for (const cam of ["front", "wrist"]) {
      const k = `videos/observation.images.${cam}`;
      Object.assign(expectedTypes, {
        [`${k}/chunk_index`]: "BIGINT",
        [`${k}/file_index`]: "BIGINT",
        [`${k}/from_timestamp`]: "DOUBLE",
        [`${k}/to_timestamp`]: "DOUBLE",
      });
    }
    for (const [c, ty] of Object.entries(expectedTypes)) expect(types[c], c).toBe(ty);
    for (const f of [
      "action",
      "observation.state",
      "timestamp",
      "frame_index",
      "episode_index",
      "index",
      "task_index",
      "observation.images.front",
    ]) {
      for (const s of ["min", "max", "mean", "std", "count", "q01", "q10", "q50", "q90", "q99"])
        expect(types[`stats/${f}/${s}`], `stats/${f}/${s}`).toBeDefined();
    }
    expect(types["stats/observation.images.front/mean"]).toBe("DOUBLE[][][]");
    expect(types["stats/action/count"]).toBe("BIGINT[]");
    const rows = await query(
      `SELECT episode_index, tasks, length, dataset_from_index AS f, dataset_to_index AS t, "videos/observation.images.front/from_timestamp" AS vf, "videos/observation.images.front/to_timestamp" AS vt, "videos/observation.images.wrist/from_timestamp" AS wf, "stats/action/count" AS cnt FROM '${file}'`,
    );
    let before = 0;
    expect(rows.map((r) => Number(r["episode_index"]))).toEqual([0, 1, 2]);
    for (const [e, k] of KEPT.entries()) {
      const r = rows[e]!;
      expect(r["tasks"]).toEqual([TASKS[k.task]]);
      expect(Number(r["length"])).toBe(k.length);
      expect([Number(r["f"]), Number(r["t"])]).toEqual([before, before + k.length]);
      expect(r["vf"]).toBe(before / 30);
      expect(r["vt"]).toBe((before + k.length) / 30);
      expect(r["wf"]).toBe(before / 30);
      expect(r["cnt"]).toEqual([String(k.length)]);
      before += k.length;
    }
  });

  it("each mp4: av1, one frame per row, constant frame rate with frame k at k/fps, episodes start on key frames (§1.9, §1.14.5)", () => {
    for (const cam of ["front", "wrist"]) {
      const file = join(root, `videos/observation.images.${cam}/chunk-000/file-000.mp4`);
      const s = ffprobeStream(file);
      expect(s).toMatchObject({ codec: "av1", frames: TOTAL, width: 64, height: 64, pixFmt: "yuv420p", rate: "30/1" });
      const packets = ffprobePackets(file);
      expect(packets).toHaveLength(TOTAL);
      packets.forEach((p, k) => expect(Math.abs(p.pts - k / 30)).toBeLessThan(1e-4));
      let start = 0;
      for (const k of KEPT) {
        expect(packets[start]!.key).toBe(true);
        start += k.length;
      }
    }
  });

  it("the packets are the stored bytes, unchanged (no re-encoding)", async () => {
    const file = join(root, "videos/observation.images.front/chunk-000/file-000.mp4");
    const back = await demuxMp4(readFileSync(file));
    let g = 0;
    for (const k of KEPT) {
      for (let i = 0; i < k.length; i++, g++) {
        const src = videos["front"]!.packets[(k.start + i) % 40]!;
        expect(Buffer.compare(back.packets[g]!.data, src.data)).toBe(0);
      }
    }
  });

  it("stats.json: every feature with min..q99, image stats (3,1,1) in [0,1], counts summed (§1.8)", () => {
    const stats = JSON.parse(readFileSync(join(root, "meta/stats.json"), "utf8")) as Record<string, Record<string, unknown>>;
    expect(Object.keys(stats).sort()).toEqual([
      "action",
      "episode_index",
      "frame_index",
      "index",
      "observation.images.front",
      "observation.images.wrist",
      "observation.state",
      "task_index",
      "timestamp",
    ]);
    for (const s of Object.values(stats))
      expect(Object.keys(s).sort()).toEqual(["count", "max", "mean", "min", "q01", "q10", "q50", "q90", "q99", "std"]);
    expect(stats["action"]!["count"]).toEqual([TOTAL]);
    expect(stats["index"]!["min"]).toEqual([0]);
    expect(stats["index"]!["max"]).toEqual([TOTAL - 1]);
    expect(stats["frame_index"]!["max"]).toEqual([39]);
    expect(stats["episode_index"]!["max"]).toEqual([2]);
    const img = stats["observation.images.front"]!;
    for (const k of ["min", "max", "mean", "std", "q01", "q50", "q99"]) {
      const v = img[k] as number[][][];
      expect(v).toHaveLength(3);
      for (const c of v) {
        expect(c).toHaveLength(1);
        expect(c[0]).toHaveLength(1);
        expect(c[0]![0]).toBeGreaterThanOrEqual(0);
        expect(c[0]![0]).toBeLessThanOrEqual(1);
      }
    }
    const actionMin = stats["action"]!["min"] as number[];
    expect(actionMin[0]).toBe(0.5);
    // ep2 row 35 (stored 2) is the max of joint 0: 0.5 + 200 + 35*0.25
    expect((stats["action"]!["max"] as number[])[0]).toBeCloseTo(0.5 + 200 + 35 * 0.25, 4);
  });

  it("README.md is a dataset card with the LeRobot tag and data_files config", () => {
    const card = readFileSync(join(root, "README.md"), "utf8");
    expect(card.startsWith("---\n")).toBe(true);
    expect(card).toContain("- LeRobot");
    expect(card).toContain("data_files: data/*/*.parquet");
    expect(card).toContain('"codebase_version": "v3.0"');
  });

  it("the zip target streams the same files (unzip reads it)", async () => {
    const zipDir = mkdtempSync(join(tmpdir(), "lerobot-zip-"));
    const zipPath = join(zipDir, "ds.zip");
    const sink = new ZipSink();
    const done = pipeline(Readable.fromWeb(sink.stream as NodeWebStream<Uint8Array>), createWriteStream(zipPath));
    await exportV3(buildSource(videos, SPEC), sink);
    sink.close();
    await done;
    execFileSync("unzip", ["-q", zipPath, "-d", join(zipDir, "out")]);
    const folder = listFiles(root);
    for (const f of folder) {
      if (f === "README.md") continue; // identical too, but kept out of the byte check for clarity below
      expect(Buffer.compare(readFileSync(join(zipDir, "out", f)), readFileSync(join(root, f))), f).toBe(0);
    }
    expect(statSync(join(zipDir, "out", "README.md")).size).toBe(statSync(join(root, "README.md")).size);
  });

  it("rolls data and video files over by size, independently, and keeps from/to consistent", async () => {
    const sink = new MemorySink();
    // Tiny limits: every episode gets its own data and video file.
    await exportV3(buildSource(videos, SPEC), sink, { dataFileSizeMb: 0.000001, videoFileSizeMb: 0.000001 });
    const paths = [...sink.files.keys()].sort();
    expect(paths.filter((p) => p.startsWith("data/"))).toEqual([
      "data/chunk-000/file-000.parquet",
      "data/chunk-000/file-001.parquet",
      "data/chunk-000/file-002.parquet",
    ]);
    expect(paths.filter((p) => p.startsWith("videos/observation.images.front/"))).toHaveLength(3);
    const dir = mkdtempSync(join(tmpdir(), "lerobot-roll-"));
    const h = new NodeDirectoryHandle(dir);
    const fs = new FolderSink(h);
    for (const [p, b] of sink.files) await fs.writeFile(p, b);
    const eps = await query(
      `SELECT "data/file_index" AS df, "videos/observation.images.front/file_index" AS vf, "videos/observation.images.front/from_timestamp" AS f0 FROM '${join(dir, "meta/episodes/*/*.parquet")}' ORDER BY episode_index`,
    );
    expect(eps).toEqual([
      { df: "0", vf: "0", f0: 0 },
      { df: "1", vf: "1", f0: 0 },
      { df: "2", vf: "2", f0: 0 },
    ]);
    expect(ffprobeStream(join(dir, "videos/observation.images.front/chunk-000/file-001.mp4")).frames).toBe(26);
    const [c] = await query(`SELECT count(*) AS n, min(index) AS lo, max(index) AS hi FROM '${join(dir, "data/*/*.parquet")}'`);
    expect(c).toEqual({ n: String(TOTAL), lo: "0", hi: String(TOTAL - 1) });
  });
});

suite("export errors and resume", () => {
  it("a missing media batch names the episode and camera, and info.json is never written", async () => {
    const handle = new MemoryDirectoryHandle();
    const err = await exportV3(buildSource(videos, { ...SPEC, dropMedia: ["2/wrist/1"] }), new FolderSink(handle)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as ExportError).message).toContain("Episode ep2");
    expect((err as ExportError).message).toContain('camera "wrist"');
    expect((err as ExportError).where).toMatchObject({ episode: "ep2", camera: "wrist" });
    expect(handle.files.has("meta/info.json")).toBe(false);
    expect([...handle.files.keys()].some((p) => p.includes("wrist"))).toBe(false);
  });

  it("a trim start that is not a key frame is refused with a clear message", async () => {
    const spec = {
      ...SPEC,
      trims: [
        { start: 0, end: null },
        { start: 3, end: 28 },
      ],
    };
    const err = await exportV3(buildSource(videos, spec), new MemorySink()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as Error).message).toMatch(/Episode ep1, camera "front": the trim starts at row 3, which is not a key frame/);
  });

  it("an empty trim is refused", async () => {
    await expect(exportV3(buildSource(videos, { ...SPEC, trims: [{ start: 5, end: 5 }] }), new MemorySink())).rejects.toThrow(
      /Episode ep0: the trim \[5, 5\)/,
    );
  });

  it("missing joint values are exported as missing (NaN) with per-joint validity masks, never refused or filled in", async () => {
    const src = buildSource(videos, SPEC);
    // ep2 (exported as episode 2, global rows 66…): row 1 lost shoulder_lift's reading, row 20 the whole row's action.
    const batches = src.rows("ep2");
    for await (const b of batches) {
      b.state[1 * JOINTS.length + 1] = NaN;
      b.action.fill(NaN, 20 * JOINTS.length, 21 * JOINTS.length);
      break;
    }
    const dir = mkdtempSync(join(tmpdir(), "lerobot-v3-mask-"));
    await exportV3(src, new FolderSink(new NodeDirectoryHandle(dir)));
    const info = JSON.parse(readFileSync(join(dir, "meta/info.json"), "utf8")) as { features: Record<string, { names: string[] }> };
    expect(Object.keys(info.features).slice(0, 4)).toEqual([
      "action",
      "observation.state",
      "observation.state_is_valid",
      "action_is_valid",
    ]);
    expect(info.features["observation.state_is_valid"]!.names).toEqual(JOINTS);
    const file = join(dir, "data/chunk-000/file-000.parquet");
    const rows = await query(
      `SELECT isnan("observation.state"[2]) AS lost, "observation.state_is_valid" AS sv, action_is_valid AS av, index FROM '${file}' WHERE index IN (66, 67, 86)`,
    );
    const ones = JOINTS.map(() => 1);
    expect(rows.map((r) => [Number(r["index"]), r["lost"], r["sv"], r["av"]])).toEqual([
      [66, false, ones, ones],
      [67, true, JOINTS.map((_, j) => (j === 1 ? 0 : 1)), ones],
      [86, false, ones, JOINTS.map(() => 0)],
    ]);
    // Stats leave the missing values out (finite, JSON-valid).
    const stats = JSON.parse(readFileSync(join(dir, "meta/stats.json"), "utf8")) as Record<string, { mean: number[]; count: number[] }>;
    expect(stats["observation.state"]!.mean.every(Number.isFinite)).toBe(true);
    expect(stats["observation.state_is_valid"]!.mean[1]).toBeCloseTo(1 - 1 / TOTAL, 6);
  });

  it("cancel: an aborted signal stops the export with nothing further written", async () => {
    const handle = new MemoryDirectoryHandle();
    const ac = new AbortController();
    const p = exportV3(buildSource(videos, SPEC), new FolderSink(handle), {
      signal: ac.signal,
      onProgress: (pr) => {
        if (pr.phase === "video") ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ name: "ExportAbortedError" });
    expect([...handle.files.keys()]).toEqual(["data/chunk-000/file-000.parquet"]);
  });

  it("progress reaches total; a folder export interrupted by a failing write resumes, skipping complete files", async () => {
    const handle = new MemoryDirectoryHandle();
    handle.failOn = "meta/stats.json";
    await expect(exportV3(buildSource(videos, SPEC), new FolderSink(handle))).rejects.toThrow(/Could not write meta\/stats.json/);
    expect(handle.files.has("meta/info.json")).toBe(false);
    const firstWrites = [...handle.writes];
    handle.failOn = undefined;
    const sink = new FolderSink(handle);
    let last = { done: 0, total: -1 };
    await exportV3(buildSource(videos, SPEC), sink, { onProgress: (p) => (last = p) });
    expect(last.done).toBe(last.total);
    expect(sink.skipped.sort()).toEqual(firstWrites.sort());
    expect(sink.written.sort()).toEqual(["README.md", "meta/info.json", "meta/stats.json"]);
  });
});
