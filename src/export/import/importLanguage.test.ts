/**
 * Import of language columns that are not ours: entries the annotator cannot show (plan, vqa,
 * speech) and malformed ones (unknown style, missing role or timestamp, a timestamp matching no
 * row) are left out with a warning naming the episode and field; everything else imports.
 */
import * as arrow from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";
import { listOf, makeTable, nestedCol, readParquet, writeParquet } from "../parquet.ts";
import { MemorySink } from "../sinks.ts";
import { annotate, NOTES } from "../testing/annotate.ts";
import { buildSource, demuxMp4, ffmpegAv1, type SourceSpec } from "../testing/av1Fixture.ts";
import { exportV3 } from "../v3.ts";
import { MemoryFiles } from "./files.ts";
import { importDataset } from "./importDataset.ts";
import { MemoryImportTarget } from "./memoryTarget.ts";

const SPEC: SourceSpec = { lengths: [40, 30], cameras: ["front"] };
const DATA = "data/chunk-000/file-000.parquet";
let exported: Map<string, Uint8Array>;

const s = (name: string, nullable = true) => new arrow.Field(name, new arrow.Utf8(), nullable);
const calls = () => new arrow.Field("tool_calls", listOf(new arrow.Utf8()), true);
/** As lerobot-annotate may write them: every field nullable (pyarrow infers the struct from values). */
const LOOSE_PERSISTENT = new arrow.Struct([
  s("role"),
  s("content"),
  s("style"),
  new arrow.Field("timestamp", new arrow.Float32(), true),
  s("camera"),
  calls(),
]);
const LOOSE_EVENT = new arrow.Struct([s("role"), s("content"), s("style"), s("camera"), calls()]);
const NO_TIMESTAMP = new arrow.Struct([s("role"), s("content"), s("style"), s("camera"), calls()]);

type E = Record<string, unknown>;
const p = (role: string | null, content: string | null, style: string | null, timestamp: number | null): E => ({
  role,
  content,
  style,
  timestamp,
  camera: null,
  tool_calls: null,
});
const say = JSON.stringify({ type: "function", function: { name: "say", arguments: { text: "hello" } } });

/** The export with its data file's language columns replaced (rows: ep0 0..39, ep1 40..69). */
async function withLanguage(persistent: (ep: number) => E[], type: arrow.Struct, events: (row: number) => E[]): Promise<MemoryFiles> {
  const t = await readParquet(exported.get(DATA)!);
  const ep = (row: number) => (row < 40 ? 0 : 1);
  const cols = t.schema.fields.map((f) => {
    if (f.name === "language_persistent")
      return {
        name: f.name,
        data: nestedCol(
          Array.from({ length: t.numRows }, (_, r) => persistent(ep(r))),
          listOf(type),
        ),
      };
    if (f.name === "language_events")
      return {
        name: f.name,
        data: nestedCol(
          Array.from({ length: t.numRows }, (_, r) => events(r)),
          listOf(LOOSE_EVENT),
        ),
      };
    return { name: f.name, data: t.getChild(f.name)!.data[0]! };
  });
  const m = new Map(exported);
  m.set(DATA, await writeParquet(makeTable(cols)));
  return new MemoryFiles(m);
}

let ids = 0;
const run = async (files: MemoryFiles) => {
  const target = new MemoryImportTarget();
  const summary = await importDataset(files, target, { newId: () => `id${ids++}`, nowEpochMs: 0 });
  return { summary, target };
};

beforeAll(async () => {
  const videos = { front: await demuxMp4(ffmpegAv1(40, "testsrc")) };
  const sink = new MemorySink();
  await exportV3(annotate(buildSource(videos, SPEC), NOTES.slice(0, 1)), sink);
  exported = sink.files;
}, 60_000);

describe("import: language columns that are not ours", () => {
  it("keeps what it can show, leaves the rest out with a warning naming episode, column, entry and field", async () => {
    const files = await withLanguage(
      (ep) =>
        ep === 0
          ? [
              p("assistant", "reach", "subtask", 0),
              p("assistant", "the whole plan", "plan", 0),
              p("assistant", "off the grid", "subtask", 0.0123),
              p("assistant", "odd", "weird", 0.1),
              p(null, "nobody", "subtask", Math.fround(5 / 30)),
              p("assistant", "grasp", "subtask", Math.fround(12 / 30)),
            ]
          : [p("assistant", "place", "subtask", Math.fround(3 / 30))],
      LOOSE_PERSISTENT,
      (row) =>
        row === 7
          ? [
              { role: "user", content: "slower", style: "interjection", camera: null, tool_calls: null },
              { role: "assistant", content: null, style: null, camera: null, tool_calls: [say] },
              { role: "user", content: "what is left?", style: "vqa", camera: "observation.images.front", tool_calls: null },
              { role: "user", content: "x", style: "bogus", camera: null, tool_calls: null },
            ]
          : [],
    );
    const { summary, target } = await run(files);
    expect(target.state).toBe("committed");
    expect(summary.episodes).toBe(2);
    const [a0, a1] = target.episodes.map((e) => e.annotations);
    expect(a0!.spans.map((x) => [x.startFrame, x.endFrame, x.text])).toEqual([
      [0, 12, "reach"],
      [12, 40, "grasp"],
    ]);
    expect(a0!.events.map((x) => [x.frame, x.kind, x.text])).toEqual([[7, "interjection", "slower"]]);
    expect(a1!.spans.map((x) => [x.startFrame, x.endFrame, x.text])).toEqual([[3, 30, "place"]]);
    expect(summary.warnings).toEqual([
      'Episode 0: language_persistent entry 1 has style "plan", which the annotator does not show; it was left out.',
      "Episode 0: language_persistent entry 2: its timestamp 0.012299999594688416 matches no row of the episode; it was left out.",
      'Episode 0: language_persistent entry 3 has unknown style "weird"; it was left out.',
      "Episode 0: language_persistent entry 4 has no role (a required field); it was left out.",
      "Episode 0: language_events row 7 entry 1 is a tool call (speech), which the annotator does not show; it was left out.",
      'Episode 0: language_events row 7 entry 2 has style "vqa", which the annotator does not show; it was left out.',
      'Episode 0: language_events row 7 entry 3 has unknown style "bogus"; it was left out.',
    ]);
  });

  it("a persistent column without the required timestamp field imports without spans, with one warning per entry", async () => {
    const files = await withLanguage(
      () => [{ role: "assistant", content: "reach", style: "subtask", camera: null, tool_calls: null }],
      NO_TIMESTAMP,
      () => [],
    );
    const { summary, target } = await run(files);
    expect(target.episodes.map((e) => e.annotations.spans)).toEqual([[], []]);
    expect(summary.warnings).toEqual([
      "Episode 0: language_persistent entry 0 has no timestamp (a required field); it was left out.",
      "Episode 1: language_persistent entry 0 has no timestamp (a required field); it was left out.",
    ]);
  });

  it("an unknown outcome string in meta/episodes is named and left unknown", async () => {
    const path = "meta/episodes/chunk-000/file-000.parquet";
    const t = await readParquet(exported.get(path)!);
    const cols = t.schema.fields.map((f) => ({
      name: f.name,
      data: f.name === "outcome" ? arrow.vectorFromArray(["maybe", "failure"], new arrow.Utf8()).data[0]! : t.getChild(f.name)!.data[0]!,
    }));
    const m = new Map(exported);
    m.set(path, await writeParquet(makeTable(cols)));
    const { summary, target } = await run(new MemoryFiles(m));
    expect(target.episodes.map((e) => e.annotations.success)).toEqual([null, false]);
    expect(summary.warnings).toEqual([
      `Episode 0: ${path} outcome "maybe" is not success, failure or unknown; the outcome was left unknown.`,
    ]);
  });
});
