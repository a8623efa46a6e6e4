/**
 * Annotations in the v3.0 export, read back by DuckDB: lerobot's language columns (exact types,
 * field order, nullability, one persistent list per episode, events on the exact row), the
 * outcome columns, meta/episodes outcome/tags, and the card's curation section. A dataset
 * without annotations stays byte-identical to the export before annotations were written.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as arrow from "apache-arrow";
import { beforeAll, describe as suite, expect, it } from "vitest";
import { FolderSink, MemorySink } from "./sinks.ts";
import { annotate, NOTES } from "./testing/annotate.ts";
import { buildSource, demuxMp4, ffmpegAv1, type DemuxedVideo, type SourceSpec } from "./testing/av1Fixture.ts";
import { NodeDirectoryHandle } from "./testing/handles.ts";
import { describe, kvMetadata, persistentEntries, query, subtaskEntry } from "./testing/probes.ts";
import { exportV21 } from "./v21.ts";
import { exportV3 } from "./v3.ts";

let videos: Record<string, DemuxedVideo>;
let root: string;
const SPEC: SourceSpec = {
  lengths: [40, 30, 36],
  tasks: ["Pick the cube", "Place the cube"],
  trims: [
    { start: 0, end: null },
    { start: 2, end: 28 },
  ],
};
const data = () => join(root, "data/chunk-000/file-000.parquet");
const text = (p: string) => readFileSync(join(root, p), "utf8");

beforeAll(async () => {
  videos = { front: await demuxMp4(ffmpegAv1(40, "testsrc")), wrist: await demuxMp4(ffmpegAv1(40, "smptebars")) };
  root = mkdtempSync(join(tmpdir(), "lerobot-lang-"));
  await exportV3(annotate(buildSource(videos, SPEC), NOTES), new FolderSink(new NodeDirectoryHandle(root)));
}, 60_000);

/** sha256 of every non-video file of an export made before annotations reached the export (commit afe6e36). */
const GOLDEN: Record<string, string> = {
  "v3:README.md": "4e7a0132df29547ba05e8be803c325b4f2991e9da9ea20c4a49ce307f6bd573f",
  "v3:data/chunk-000/file-000.parquet": "4d9c42c3321823a93629c3b6003ebe80fd4684e591de776442d5ab434ef16a7a",
  "v3:meta/episodes/chunk-000/file-000.parquet": "bece541e63e3e43fa2c916fa3f9ada23772dae77cc0f14d6a1bc642eb53d9a4d",
  "v3:meta/info.json": "4fcdc87972a964ca6ede739cf9b0bcc5983420d8756dae20f42a33057af59b8a",
  "v3:meta/stats.json": "a37e84216fccbf52478384b38f8754d3f1adbd7a0da1526ee4a6d55955324b1f",
  "v3:meta/tasks.parquet": "4971830411c6fc68a5f79a013074114c167bfb2ccec15ceebd19025b651e0886",
  "v21:README.md": "4114ef8853361681378a1eaf809df01ee133ef6dc022840ef3b6f7d9cacb2c50",
  "v21:data/chunk-000/episode_000000.parquet": "c4d47b6f9c9063df4e0f2b1348afc4aa76de4b6afe04e690e659c01bdee92e38",
  "v21:data/chunk-000/episode_000001.parquet": "df6028b839173f41f781f27621b1165109d857f9c38a8136025ca377f7921437",
  "v21:data/chunk-000/episode_000002.parquet": "2b025cd0cdc970a613989ada36669c92ab3a3b58acb3c9f39df984dc1e9584cb",
  "v21:meta/episodes.jsonl": "58579288d790312991ffbbc504110de1ba3cad4bb30a952be4e3c3a3efa7eab9",
  "v21:meta/episodes_stats.jsonl": "6a7e9283c973ddc1e86d2e8da71d9eb78a29cf4d3c3359ae4ed0528e4676d9f3",
  "v21:meta/info.json": "1bdf9923dca1c769ea6493f3dfa8f5f4fb7ad3e44e5d40396f8b7d878b46f72d",
  "v21:meta/tasks.jsonl": "0747535744013c0d60cc136664777c711ccb7a14d25d9a6efd061e7ec589ecfa",
};

const PERSISTENT = 'STRUCT("role" VARCHAR, "content" VARCHAR, style VARCHAR, "timestamp" FLOAT, camera VARCHAR, tool_calls VARCHAR[])[]';
const EVENTS = 'STRUCT("role" VARCHAR, "content" VARCHAR, style VARCHAR, camera VARCHAR, tool_calls VARCHAR[])[]';

suite("annotations in the v3.0 export", () => {
  it("a dataset without annotations is byte-identical to the export before annotations (v3.0 and v2.1)", async () => {
    const got: Record<string, string> = {};
    for (const [v, f] of [
      ["v3", exportV3],
      ["v21", exportV21],
    ] as const) {
      const sink = new MemorySink();
      await f(buildSource(videos, SPEC), sink);
      for (const [p, b] of sink.files) if (!p.endsWith(".mp4")) got[`${v}:${p}`] = createHash("sha256").update(b).digest("hex");
    }
    expect(got).toEqual(GOLDEN);
  });

  it("declares the language and outcome features in info.json, with no stats entry for language", () => {
    const info = JSON.parse(text("meta/info.json")) as { features: Record<string, unknown> };
    const keys = Object.keys(info.features);
    expect(keys.slice(-9)).toEqual([
      "timestamp",
      "frame_index",
      "episode_index",
      "index",
      "task_index",
      "next.success",
      "next.done",
      "language_persistent",
      "language_events",
    ]);
    expect(info.features["language_persistent"]).toEqual({ dtype: "language", shape: [1], names: null });
    expect(info.features["language_events"]).toEqual({ dtype: "language", shape: [1], names: null });
    expect(info.features["next.success"]).toEqual({ dtype: "bool", shape: [1], names: null });
    expect(info.features["next.done"]).toEqual({ dtype: "bool", shape: [1], names: null });
    const stats = JSON.parse(text("meta/stats.json")) as Record<string, Record<string, unknown>>;
    expect(Object.keys(stats)).not.toContain("language_persistent");
    expect(Object.keys(stats)).not.toContain("language_events");
    expect(stats["next.done"]!["max"]).toEqual([1]);
    expect(stats["next.done"]!["count"]).toEqual([102]);
  });

  it("data parquet: exact column types and struct field order, role and timestamp required (DuckDB, ARROW:schema)", async () => {
    const types = await describe(data());
    expect(Object.keys(types)).toEqual([
      "action",
      "observation.state",
      "timestamp",
      "frame_index",
      "episode_index",
      "index",
      "task_index",
      "next.success",
      "next.done",
      "language_persistent",
      "language_events",
    ]);
    expect(types["language_persistent"]).toBe(PERSISTENT);
    expect(types["language_events"]).toBe(EVENTS);
    expect(types["next.success"]).toBe("BOOLEAN");
    const schema = await query(`SELECT name, repetition_type FROM parquet_schema('${data()}')`);
    const rep = schema.map((r) => `${String(r["name"])}:${String(r["repetition_type"])}`);
    // Persistent struct then events struct: role REQUIRED in both, timestamp REQUIRED in the persistent one.
    expect(rep.filter((r) => /^(role|content|style|timestamp|camera):/.test(r))).toEqual([
      "timestamp:OPTIONAL",
      "role:REQUIRED",
      "content:OPTIONAL",
      "style:OPTIONAL",
      "timestamp:REQUIRED",
      "camera:OPTIONAL",
      "role:REQUIRED",
      "content:OPTIONAL",
      "style:OPTIONAL",
      "camera:OPTIONAL",
    ]);
    const b64 = (await kvMetadata(data())).get("ARROW:schema")!;
    const msg = new arrow.MessageReader(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))).readSchema()!;
    const lp = msg.fields.find((f) => f.name === "language_persistent")!.type as arrow.List<arrow.Struct>;
    expect(lp.children[0]!.type.children.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`)).toEqual([
      "role:Utf8:false",
      "content:Utf8:true",
      "style:Utf8:true",
      "timestamp:Float32:false",
      "camera:Utf8:true",
      "tool_calls:List<Utf8>:true",
    ]);
    // tool_calls is list<json>: its item carries arrow's canonical json extension (storage utf8), as lerobot's pa.json_().
    for (const name of ["language_persistent", "language_events"]) {
      const row = (msg.fields.find((f) => f.name === name)!.type as arrow.List<arrow.Struct>).children[0]!.type;
      const calls = row.children.find((f) => f.name === "tool_calls")!.type as arrow.List;
      expect(String(calls.children[0]!.type)).toBe("Utf8");
      expect(Object.fromEntries(calls.children[0]!.metadata)).toEqual({
        "ARROW:extension:name": "arrow.json",
        "ARROW:extension:metadata": "",
      });
    }
    const le = msg.fields.find((f) => f.name === "language_events")!.type as arrow.List<arrow.Struct>;
    expect(le.children[0]!.type.children.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`)).toEqual([
      "role:Utf8:false",
      "content:Utf8:true",
      "style:Utf8:true",
      "camera:Utf8:true",
      "tool_calls:List<Utf8>:true",
    ]);
  });

  it("language_persistent: one list per episode on every frame, spans re-based on the trim, timestamps = row timestamps", async () => {
    const rows = await query(
      `SELECT episode_index AS e, count(*) AS n, count(DISTINCT language_persistent::VARCHAR) AS lists FROM '${data()}' GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { e: "0", n: "40", lists: "1" },
      { e: "1", n: "26", lists: "1" },
      { e: "2", n: "36", lists: "1" },
    ]);
    const entries = await persistentEntries(data());
    // ep1 keeps rows [2, 28): its span starting at stored row 5 starts at exported row 3.
    expect(entries).toEqual([
      subtaskEntry(0, "reach the cube", 0),
      subtaskEntry(0, "grasp it", 12),
      subtaskEntry(0, "lift", 30),
      subtaskEntry(1, "place it", 3),
    ]);
  });

  it("language_events: on the exact row, notes left out, events outside the trim left out, empty lists elsewhere", async () => {
    const ev = await query(
      `SELECT episode_index AS e, frame_index AS f, timestamp AS t, u.role, u.content, u.style FROM
       (SELECT *, unnest(language_events) AS u FROM '${data()}') ORDER BY e, f`,
    );
    expect(ev).toEqual([
      { e: "0", f: "7", t: Math.fround(7 / 30), role: "user", content: "a bit more to the left", style: "interjection" },
      { e: "0", f: "7", t: Math.fround(7 / 30), role: "user", content: "slower", style: "interjection" },
      { e: "1", f: "25", t: Math.fround(25 / 30), role: "user", content: "last kept row", style: "interjection" },
    ]);
    const [empty] = await query(`SELECT count(*) AS n FROM '${data()}' WHERE len(language_events) = 0`);
    expect(empty).toEqual({ n: String(102 - 2) });
  });

  it("next.success / next.done: done on each last frame, success on the last frame of successful episodes only", async () => {
    const r = await query(`SELECT episode_index AS e, frame_index AS f, "next.success" AS s FROM '${data()}' WHERE "next.done" ORDER BY 1`);
    expect(r).toEqual([
      { e: "0", f: "39", s: true },
      { e: "1", f: "25", s: false },
      { e: "2", f: "35", s: true },
    ]);
    const [n] = await query(
      `SELECT count(*) FILTER (WHERE "next.success") AS s, count(*) FILTER (WHERE "next.done") AS d FROM '${data()}'`,
    );
    expect(n).toEqual({ s: "2", d: "3" });
  });

  it("meta/episodes carries outcome and tags; the card lists failed and QA-flagged episodes with an exclude line", async () => {
    const ep = join(root, "meta/episodes/chunk-000/file-000.parquet");
    expect((await describe(ep))["outcome"]).toBe("VARCHAR");
    expect((await describe(ep))["tags"]).toBe("VARCHAR[]");
    const rows = await query(`SELECT episode_index AS e, outcome, tags FROM '${ep}' ORDER BY 1`);
    expect(rows).toEqual([
      { e: "0", outcome: "success", tags: ["good", "left side"] },
      { e: "1", outcome: "failure", tags: [] },
      { e: "2", outcome: "success", tags: ["night"] },
    ]);
    const card = text("README.md");
    expect(card).toContain("- Failed episodes: 1\n");
    expect(card).toContain("- Episode 2 has QA flags: dropped_frames (lost frames)\n");
    expect(card).toContain("--dataset.exclude_episodes='[1,2]'");
    expect(card).toContain("`language_persistent`");
  });

  it("outcome columns are left out when an episode's outcome is unknown; v2.1 says language is v3.0-only", async () => {
    const notes = NOTES.map((n, i) => (i === 2 ? { ...n, success: null } : n));
    const sink = new MemorySink();
    await exportV3(annotate(buildSource(videos, SPEC), notes), sink);
    const info = JSON.parse(new TextDecoder().decode(sink.files.get("meta/info.json"))) as { features: Record<string, unknown> };
    expect(Object.keys(info.features)).not.toContain("next.success");
    expect(Object.keys(info.features)).toContain("language_events");
    expect(new TextDecoder().decode(sink.files.get("README.md"))).toContain("1 episode(s) have no known outcome");
    const v21 = new MemorySink();
    await exportV21(annotate(buildSource(videos, SPEC), NOTES), v21);
    const v21info = new TextDecoder().decode(v21.files.get("meta/info.json"));
    expect(v21info).not.toContain("language");
    expect(v21info).not.toContain("next.success");
    expect(new TextDecoder().decode(v21.files.get("README.md"))).toContain("written by the v3.0 export only");
  });
});
