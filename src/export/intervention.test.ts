/**
 * A policy rollout in the v3.0 export: the per-frame `intervention` feature (lerobot's DAgger
 * field, bool [1]) true on exactly the corrected rows (re-based on the trim), false elsewhere,
 * declared in info.json with stats, next to the interjection on its row. Read back by DuckDB.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FolderSink } from "./sinks.ts";
import { annotate } from "./testing/annotate.ts";
import { buildSource, demuxMp4, ffmpegAv1, type SourceSpec } from "./testing/av1Fixture.ts";
import { NodeDirectoryHandle } from "./testing/handles.ts";
import { query } from "./testing/probes.ts";
import { exportV3 } from "./v3.ts";

let root: string;
const SPEC: SourceSpec = {
  lengths: [40, 30],
  tasks: ["Pick the cube"],
  trims: [
    { start: 0, end: null },
    { start: 2, end: 28 },
  ],
};

beforeAll(async () => {
  const videos = { front: await demuxMp4(ffmpegAv1(40, "testsrc")), wrist: await demuxMp4(ffmpegAv1(40, "smptebars")) };
  root = mkdtempSync(join(tmpdir(), "lerobot-intervention-"));
  const source = annotate(buildSource(videos, SPEC), [{ events: [[12, "interjection", "go left"]] }, {}]);
  const [a, b] = source.episodes;
  source.episodes[0] = { ...a!, annotations: { ...a!.annotations, interventions: [{ startFrame: 10, endFrame: 20 }] } };
  source.episodes[1] = { ...b!, annotations: { ...b!.annotations, interventions: [{ startFrame: 0, endFrame: 5 }] } };
  await exportV3(source, new FolderSink(new NodeDirectoryHandle(root)));
}, 60_000);

describe("rollouts in the v3.0 export", () => {
  it("declares intervention as lerobot does: bool [1], with stats", () => {
    const info = JSON.parse(readFileSync(join(root, "meta/info.json"), "utf8")) as { features: Record<string, unknown> };
    expect(info.features["intervention"]).toEqual({ dtype: "bool", shape: [1], names: null });
    const stats = JSON.parse(readFileSync(join(root, "meta/stats.json"), "utf8")) as Record<string, { mean: number[] }>;
    expect(stats["intervention"]!.mean[0]).toBeCloseTo((10 + 3) / (40 + 26), 5);
  });

  it("is true on exactly the corrected rows (trim re-based), with the interjection on its row", async () => {
    const file = join(root, "data/chunk-000/file-000.parquet");
    const rows = await query(
      `SELECT episode_index AS e, frame_index AS f, intervention AS i, len(language_events) AS n FROM '${file}' ORDER BY "index"`,
    );
    const on = (e: number) => rows.filter((r) => Number(r["e"]) === e && r["i"] === true).map((r) => Number(r["f"]));
    expect(on(0)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(on(1)).toEqual([0, 1, 2]); // stored rows 2–4 of the corrected 0–4 are kept
    expect(rows.filter((r) => r["i"] === null)).toEqual([]);
    const types = await query(`SELECT typeof(intervention) AS t FROM '${file}' LIMIT 1`);
    expect(types[0]!["t"]).toBe("BOOLEAN");
    expect(rows.filter((r) => Number(r["n"]) > 0).map((r) => [Number(r["e"]), Number(r["f"])])).toEqual([[0, 12]]);
  });
});
