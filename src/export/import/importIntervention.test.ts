/**
 * Import of a policy rollout's `intervention` column: the corrected rows come back as the
 * episodes' intervention spans (re-based on the export's trim), an episode of the same dataset
 * that was no rollout gets none corrected, and export → import → export is byte-identical.
 * Another tool's column (a one-element list with a null) still reads, with a warning.
 */
import * as arrow from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";
import { exportDataset } from "../exportDataset.ts";
import { listOf, makeTable, readParquet, writeParquet } from "../parquet.ts";
import { MemorySink } from "../sinks.ts";
import { annotate } from "../testing/annotate.ts";
import { buildSource, demuxMp4, ffmpegAv1, type SourceSpec } from "../testing/av1Fixture.ts";
import { exportV3 } from "../v3.ts";
import { MemoryFiles } from "./files.ts";
import { importDataset } from "./importDataset.ts";
import { MemoryImportTarget } from "./memoryTarget.ts";

const SPEC: SourceSpec = {
  lengths: [40, 30, 20],
  cameras: ["front"],
  trims: [
    { start: 0, end: null },
    { start: 2, end: 28 },
  ],
};
const DATA = "data/chunk-000/file-000.parquet";
const INFO = "meta/info.json";
let exported: Map<string, Uint8Array>;

let ids = 0;
const run = async (files: Map<string, Uint8Array>) => {
  const target = new MemoryImportTarget();
  const summary = await importDataset(new MemoryFiles(files), target, { name: "Pick the cube", newId: () => `id${ids++}`, nowEpochMs: 0 });
  return { summary, target };
};

beforeAll(async () => {
  const videos = { front: await demuxMp4(ffmpegAv1(40, "testsrc")) };
  const source = annotate(buildSource(videos, SPEC), [{ events: [[12, "interjection", "go left"]] }, {}, {}]);
  const [a, b] = source.episodes;
  source.episodes[0] = {
    ...a!,
    annotations: {
      ...a!.annotations,
      interventions: [
        { startFrame: 10, endFrame: 20 },
        { startFrame: 35, endFrame: 40 },
      ],
    },
  };
  source.episodes[1] = { ...b!, annotations: { ...b!.annotations, interventions: [{ startFrame: 0, endFrame: 5 }] } };
  // Episode 2 is no rollout: its rows are exported with intervention = false.
  const sink = new MemorySink();
  await exportV3(source, sink);
  exported = sink.files;
}, 60_000);

describe("import: intervention", () => {
  it("reads the corrected rows back as spans (on the kept rows), and export → import → export is byte-identical", async () => {
    const { summary, target } = await run(exported);
    expect(summary.warnings).toEqual([]);
    expect(target.episodes.map((e) => e.annotations.interventions)).toEqual([
      [
        { startFrame: 10, endFrame: 20 },
        { startFrame: 35, endFrame: 40 },
      ],
      [{ startFrame: 0, endFrame: 3 }], // stored rows 2–4 of the corrected 0–4 are the kept rows 0–2
      [],
    ]);
    expect(target.episodes[0]!.annotations.events.map((e) => [e.frame, e.text])).toEqual([[12, "go left"]]);
    const sink = new MemorySink();
    await exportDataset(target.toSource(), sink, {});
    expect([...sink.files.keys()].sort()).toEqual([...exported.keys()].sort());
    for (const [p, bytes] of exported) expect(Buffer.compare(sink.files.get(p)!, bytes), p).toBe(0);
  });

  it("a dataset without the column imports without interventions", async () => {
    const t = await readParquet(exported.get(DATA)!);
    const cols = t.schema.fields
      .filter((f) => f.name !== "intervention")
      .map((f) => ({ name: f.name, data: t.getChild(f.name)!.data[0]! }));
    const info = JSON.parse(new TextDecoder().decode(exported.get(INFO)!)) as { features: Record<string, unknown> };
    delete info.features["intervention"];
    const files = new Map(exported).set(DATA, await writeParquet(makeTable(cols)));
    const { target } = await run(files.set(INFO, new TextEncoder().encode(JSON.stringify(info))));
    expect(target.episodes.map((e) => e.annotations.interventions)).toEqual([undefined, undefined, undefined]);
  });

  it("another tool's list<bool> column with a null reads the same, with a warning naming the episode and row", async () => {
    const t = await readParquet(exported.get(DATA)!);
    const flags = t.getChild("intervention")!;
    const values = Array.from({ length: t.numRows }, (_, r) => (r === 41 ? null : [flags.get(r) as boolean]));
    const cols = t.schema.fields.map((f) => ({
      name: f.name,
      data: f.name === "intervention" ? arrow.vectorFromArray(values, listOf(new arrow.Bool())).data[0]! : t.getChild(f.name)!.data[0]!,
    }));
    const { summary, target } = await run(new Map(exported).set(DATA, await writeParquet(makeTable(cols))));
    expect(target.episodes.map((e) => e.annotations.interventions)).toEqual([
      [
        { startFrame: 10, endFrame: 20 },
        { startFrame: 35, endFrame: 40 },
      ],
      [
        { startFrame: 0, endFrame: 1 },
        { startFrame: 2, endFrame: 3 },
      ],
      [],
    ]);
    expect(summary.warnings).toEqual(["Episode 1: intervention has no value on 1 row (first: row 1); they were taken as not corrected."]);
  });

  it("a column of another type is left out with a warning", async () => {
    const t = await readParquet(exported.get(DATA)!);
    const cols = t.schema.fields.map((f) => ({
      name: f.name,
      data:
        f.name === "intervention"
          ? arrow.vectorFromArray(
              Array.from({ length: t.numRows }, () => "yes"),
              new arrow.Utf8(),
            ).data[0]!
          : t.getChild(f.name)!.data[0]!,
    }));
    const { summary, target } = await run(new Map(exported).set(DATA, await writeParquet(makeTable(cols))));
    expect(target.episodes.map((e) => e.annotations.interventions)).toEqual([undefined, undefined, undefined]);
    expect(summary.warnings[0]).toBe("Episode 0: intervention is Utf8, not a bool per row; the corrected rows were left out.");
  });
});
