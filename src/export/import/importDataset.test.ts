/**
 * Import: export → import → export is identical; a dataset made by other tools (ffmpeg +
 * DuckDB) imports; bad input gets an ImportError naming the file and stores nothing.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { ImportError } from "../errors.ts";
import { exportDataset } from "../exportDataset.ts";
import { int64Col, makeTable, readParquet, utf8Col, writeParquet } from "../parquet.ts";
import { MemorySink, ZipSink } from "../sinks.ts";
import { annotate, NOTES } from "../testing/annotate.ts";
import { buildSource, demuxMp4, ffmpegAv1, jointValue, type DemuxedVideo, type SourceSpec } from "../testing/av1Fixture.ts";
import { nodeReadableDir } from "../testing/handles.ts";
import { ffprobePackets } from "../testing/probes.ts";
import { exportV3 } from "../v3.ts";
import { FolderFiles, MemoryFiles, ZipFiles } from "./files.ts";
import { importDataset } from "./importDataset.ts";
import { MemoryImportTarget } from "./memoryTarget.ts";

let videos: Record<string, DemuxedVideo>;
const SPEC: SourceSpec = {
  lengths: [40, 30, 36],
  tasks: ["Pick the cube", "Place the cube"],
  trims: [
    { start: 0, end: null },
    { start: 2, end: 28 },
  ],
};
let original: Map<string, Uint8Array>;
const FIXTURE = fileURLToPath(new URL("../fixtures/other-tools-v3", import.meta.url));

let ids = 0;
const opts = () => ({ name: "Pick the cube", newId: () => `id${ids++}`, nowEpochMs: 0 });

beforeAll(async () => {
  videos = { front: await demuxMp4(ffmpegAv1(40, "testsrc")), wrist: await demuxMp4(ffmpegAv1(40, "smptebars")) };
  const sink = new MemorySink();
  await exportV3(buildSource(videos, SPEC), sink);
  original = sink.files;
}, 60_000);

async function reexport(files: Map<string, Uint8Array> | MemoryFiles | ZipFiles | FolderFiles, version?: "v3.0" | "v2.1") {
  const target = new MemoryImportTarget();
  const f = files instanceof Map ? new MemoryFiles(files) : files;
  const summary = await importDataset(f, target, opts());
  const sink = new MemorySink();
  await exportDataset(target.toSource(), sink, version ? { version } : {});
  return { summary, target, files: sink.files };
}

describe("import", () => {
  it("export → import → export gives identical files (parquet data, packets, metadata)", async () => {
    const { summary, target, files } = await reexport(original);
    expect(summary).toMatchObject({ episodes: 3, frames: 102, version: "v3.0" });
    expect(target.state).toBe("committed");
    expect(target.dataset).toMatchObject({
      fps: 30,
      robotType: "so101_follower",
      tasks: ["Pick the cube", "Place the cube"],
      cameras: [{ key: "front", width: 64, height: 64 }, { key: "wrist" }],
    });
    expect(target.episodes.map((e) => [e.length, e.task])).toEqual([
      [40, "Pick the cube"],
      [26, "Place the cube"],
      [36, "Pick the cube"],
    ]);
    expect([...files.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [p, b] of original) expect(Buffer.compare(files.get(p)!, b), p).toBe(0);
  });

  it("missing joint values: export (masked) → import keeps them missing → export gives identical files", async () => {
    const src = buildSource(videos, SPEC);
    for await (const b of src.rows("ep1")) {
      b.state[5 * 6 + 2] = NaN; // row 5 (kept: the trim starts at 2) lost elbow_flex
      break;
    }
    const sink = new MemorySink();
    await exportV3(src, sink);
    const { target, files } = await reexport(sink.files);
    const state = target.rows.filter((b) => b.episodeId === target.episodes[1]!.id).flatMap((b) => Array.from(b.state));
    expect(state.filter(Number.isNaN)).toHaveLength(1);
    expect(Number.isNaN(state[3 * 6 + 2]!)).toBe(true);
    for (const [p, b] of sink.files) expect(Buffer.compare(files.get(p)!, b), p).toBe(0);
  });

  it("with annotations: spans, events, outcome and tags come back, and export → import → export stays identical", async () => {
    const sink = new MemorySink();
    // QA flags are the recorder's, not stored in the dataset: left out of this round trip.
    await exportV3(
      annotate(
        buildSource(videos, SPEC),
        NOTES.map((n) => ({ ...n, qa: [] })),
      ),
      sink,
    );
    const { summary, target, files } = await reexport(sink.files);
    expect(summary.warnings).toEqual([]);
    const [a0, a1, a2] = target.episodes.map((e) => e.annotations);
    expect(a0!.spans.map((s) => [s.startFrame, s.endFrame, s.text])).toEqual([
      [0, 12, "reach the cube"],
      [12, 30, "grasp it"],
      [30, 40, "lift"],
    ]);
    expect(a0!.events.map((e) => [e.frame, e.kind, e.text])).toEqual([
      [7, "interjection", "a bit more to the left"],
      [7, "interjection", "slower"],
    ]);
    expect(a0).toMatchObject({ tags: ["good", "left side"], success: true, trimStart: 0, trimEnd: null });
    expect(a1!.spans.map((s) => [s.startFrame, s.endFrame, s.text])).toEqual([[3, 26, "place it"]]);
    expect(a1!.events.map((e) => [e.frame, e.text])).toEqual([[25, "last kept row"]]);
    expect(a1).toMatchObject({ tags: [], success: false });
    expect(a2).toMatchObject({ spans: [], events: [], tags: ["night"], success: true });
    expect([...files.keys()].sort()).toEqual([...sink.files.keys()].sort());
    for (const [p, b] of sink.files) expect(Buffer.compare(files.get(p)!, b), p).toBe(0);
  });

  it("reads a zip made by our zip target (stored entries) and a deflated zip made by `zip`", async () => {
    const sink = new ZipSink();
    const bytes = new Response(sink.stream).arrayBuffer();
    await exportV3(buildSource(videos, SPEC), sink);
    sink.close();
    const zipped = await ZipFiles.open(new Blob([await bytes]));
    const { files } = await reexport(zipped);
    for (const [p, b] of original) expect(Buffer.compare(files.get(p)!, b), p).toBe(0);

    const dir = mkdtempSync(join(tmpdir(), "imp-zip-"));
    execFileSync("zip", ["-q", "-r", "-9", join(dir, "d.zip"), "other-tools-v3"], { cwd: join(FIXTURE, "..") });
    const deflated = await ZipFiles.open(new Blob([readFileSync(join(dir, "d.zip"))]));
    expect(deflated.has("meta/info.json")).toBe(true); // found inside the top-level folder
    const target = new MemoryImportTarget();
    await importDataset(deflated, target, opts());
    expect(target.episodes.map((e) => e.length)).toEqual([20, 14]);
  });

  it("a v2.1 export imports and is written as v3.0 with the same data and packets", async () => {
    const v21 = new MemorySink();
    await exportDataset(buildSource(videos, SPEC), v21, { version: "v2.1" });
    const { summary, files } = await reexport(v21.files);
    expect(summary.version).toBe("v2.1");
    for (const p of [
      "data/chunk-000/file-000.parquet",
      "videos/observation.images.front/chunk-000/file-000.mp4",
      "videos/observation.images.wrist/chunk-000/file-000.mp4",
      "meta/tasks.parquet",
      "meta/info.json",
    ]) {
      expect(Buffer.compare(files.get(p)!, original.get(p)!), p).toBe(0);
    }
    // v2.1 has no image quantiles: they are left out rather than invented.
    const stats = JSON.parse(new TextDecoder().decode(files.get("meta/stats.json"))) as Record<string, Record<string, unknown>>;
    expect(Object.keys(stats["observation.images.front"]!).sort()).toEqual(["count", "max", "mean", "min", "std"]);
    expect(Object.keys(stats["action"]!)).toContain("q99");
  });

  it("imports a dataset made by other tools (ffmpeg libsvtav1 -g 2 concat, DuckDB parquet) and re-exports it CFR", async () => {
    const files = await FolderFiles.open(nodeReadableDir(FIXTURE));
    const target = new MemoryImportTarget();
    const s = await importDataset(files, target, opts());
    expect(s).toMatchObject({ episodes: 2, frames: 34, version: "v3.0" });
    expect(target.dataset!.jointNames).toHaveLength(6);
    expect(target.episodes[1]!.tracks[0]).toMatchObject({ codecName: "av1", width: 64, height: 64 });
    expect(target.episodes[1]!.imageStats["front"]!.q99).toEqual([0.8, 0.8, 0.8]);
    const ep1rows = target.rows.filter((r) => r.episodeId === target.episodes[1]!.id);
    expect(ep1rows[0]!.state[6]).toBe(jointValue(1, 1, 0, false));
    expect(ep1rows[0]!.action[0]).toBe(jointValue(1, 0, 0, true));
    const out = new MemorySink();
    await exportV3(target.toSource(), out);
    const dir = mkdtempSync(join(tmpdir(), "imp-other-"));
    const mp4 = join(dir, "f.mp4");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(mp4, out.files.get("videos/observation.images.front/chunk-000/file-000.mp4")!);
    const pk = ffprobePackets(mp4);
    expect(pk).toHaveLength(34);
    pk.forEach((p, k) => expect(Math.abs(p.pts - k / 30)).toBeLessThan(1e-4));
  });
});

describe("import: bad input", () => {
  const fails = async (files: Map<string, Uint8Array>, file: RegExp | string, message: RegExp) => {
    const target = new MemoryImportTarget();
    const err = await importDataset(new MemoryFiles(files), target, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).file).toMatch(file);
    expect((err as Error).message).toMatch(message);
    return target;
  };
  const edit = (f: (m: Map<string, Uint8Array>) => void) => {
    const m = new Map(original);
    f(m);
    return m;
  };

  it("a truncated data parquet names the file and stores nothing", async () => {
    const p = "data/chunk-000/file-000.parquet";
    const t = await fails(
      edit((m) => m.set(p, m.get(p)!.slice(0, 500))),
      p,
      /data\/chunk-000\/file-000.parquet is not a readable parquet file/,
    );
    expect(t.state).toBe("empty");
  });

  it("a wrong schema names the file and column", async () => {
    const p = "data/chunk-000/file-000.parquet";
    const t = await readParquet(original.get(p)!);
    const cols = t.schema.fields.map((f) => ({
      name: f.name,
      data: f.name === "action" ? utf8Col(Array.from({ length: t.numRows }, () => "x")) : t.getChild(f.name)!.data[0]!,
    }));
    const bad = await writeParquet(makeTable(cols));
    await fails(
      edit((m) => m.set(p, bad)),
      p,
      /column "action" is Utf8, expected 6 floats per row/,
    );
    const tasks = await writeParquet(makeTable([{ name: "task_index", data: int64Col([0, 1]) }]));
    await fails(
      edit((m) => m.set("meta/tasks.parquet", tasks)),
      "meta/tasks.parquet",
      /no task string column/,
    );
  });

  it("a missing video names the file before anything is stored", async () => {
    const p = "videos/observation.images.wrist/chunk-000/file-000.mp4";
    const t = await fails(
      edit((m) => m.delete(p)),
      p,
      /video videos\/observation.images.wrist\/chunk-000\/file-000.mp4 is missing/,
    );
    expect(t.state).toBe("empty");
  });

  it("a truncated video names the file; a failure after the first episode aborts the target", async () => {
    const p = "videos/observation.images.wrist/chunk-000/file-000.mp4";
    const t = await fails(
      edit((m) => m.set(p, m.get(p)!.slice(0, Math.floor(m.get(p)!.length * 0.6)))),
      p,
      /observation.images.wrist\/chunk-000\/file-000.mp4/,
    );
    expect(["empty", "aborted"]).toContain(t.state);
    expect(t.episodes).toEqual([]);
    // Data rolled over per episode; the last data file broken ⇒ abort after two episodes were handed over.
    const sink = new MemorySink();
    await exportV3(buildSource(videos, SPEC), sink, { dataFileSizeMb: 0.000001 });
    const last = "data/chunk-000/file-002.parquet";
    const m = new Map(sink.files);
    m.set(last, m.get(last)!.slice(0, 100));
    const t2 = await fails(m, last, /not a readable parquet file/);
    expect(t2.state).toBe("aborted");
    expect(t2.episodes).toEqual([]);
  });

  it("a zip that is not a dataset, and bytes that are not a zip", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imp-nd-"));
    execFileSync("sh", ["-c", `echo hello > ${dir}/hello.txt && cd ${dir} && zip -q x.zip hello.txt`]);
    const z = await ZipFiles.open(new Blob([readFileSync(join(dir, "x.zip"))]));
    await expect(importDataset(z, new MemoryImportTarget())).rejects.toThrow(/not a LeRobot dataset: meta\/info.json is missing/);
    await expect(ZipFiles.open(new Blob([new Uint8Array(1000).fill(7)]), "data.zip")).rejects.toThrow(
      /data.zip is not a readable zip archive/,
    );
  });

  it("metadata fields that are missing or of the wrong type are named, with the file (and line)", async () => {
    const info = JSON.parse(new TextDecoder().decode(original.get("meta/info.json"))) as Record<string, unknown>;
    const withInfo = (change: Record<string, unknown>) =>
      edit((m) => m.set("meta/info.json", new TextEncoder().encode(JSON.stringify({ ...info, ...change }))));
    await fails(withInfo({ fps: 29.97 }), "meta/info.json", /^meta\/info.json: fps: expected an integer ≥ 1, got 29\.97\.$/);
    await fails(
      withInfo({ data_path: undefined }),
      "meta/info.json",
      /^meta\/info.json: data_path: expected a non-empty string, got nothing\.$/,
    );
    await fails(withInfo({ features: [] }), "meta/info.json", /features: expected an object, got an array/);

    const v21 = new MemorySink();
    await exportDataset(buildSource(videos, SPEC), v21, { version: "v2.1" });
    const lines = new TextDecoder().decode(v21.files.get("meta/episodes.jsonl")).split("\n");
    lines[1] = JSON.stringify({ ...(JSON.parse(lines[1]!) as object), length: "30" });
    const m = new Map(v21.files);
    m.set("meta/episodes.jsonl", new TextEncoder().encode(lines.join("\n")));
    await fails(m, "meta/episodes.jsonl", /^meta\/episodes.jsonl: line 2: length: expected an integer ≥ 0, got "30"\.$/);
  });

  it("an unsupported version is refused", async () => {
    const info = JSON.parse(new TextDecoder().decode(original.get("meta/info.json"))) as Record<string, unknown>;
    info["codebase_version"] = "v2.0";
    await fails(
      edit((m) => m.set("meta/info.json", new TextEncoder().encode(JSON.stringify(info)))),
      "meta/info.json",
      /only LeRobot v3.0 and v2.1/,
    );
  });
});
