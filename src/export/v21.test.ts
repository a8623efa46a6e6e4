/** The v2.1 option read back with DuckDB and ffprobe (reference §1.11). */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe as suite, expect, it } from "vitest";
import { exportDataset } from "./exportDataset.ts";
import { FolderSink } from "./sinks.ts";
import { buildSource, demuxMp4, ffmpegAv1, type DemuxedVideo } from "./testing/av1Fixture.ts";
import { NodeDirectoryHandle } from "./testing/handles.ts";
import { describe, ffprobePackets, ffprobeStream, kvMetadata, query } from "./testing/probes.ts";

let root: string;
let files: string[];
beforeAll(async () => {
  const videos: Record<string, DemuxedVideo> = { front: await demuxMp4(ffmpegAv1(30)), wrist: await demuxMp4(ffmpegAv1(30, "smptebars")) };
  root = mkdtempSync(join(tmpdir(), "lerobot-v21-"));
  const summary = await exportDataset(
    buildSource(videos, { lengths: [30, 20], tasks: ["a", "b"], trims: [{ start: 4, end: 24 }] }),
    new FolderSink(new NodeDirectoryHandle(root)),
    { version: "v2.1" },
  );
  files = summary.files.map((f) => f.path).sort();
}, 60_000);

suite("LeRobot v2.1 export", () => {
  it("writes one parquet and one mp4 per episode and the JSON-lines metadata", () => {
    expect(files).toEqual([
      "README.md",
      "data/chunk-000/episode_000000.parquet",
      "data/chunk-000/episode_000001.parquet",
      "meta/episodes.jsonl",
      "meta/episodes_stats.jsonl",
      "meta/info.json",
      "meta/tasks.jsonl",
      "videos/chunk-000/observation.images.front/episode_000000.mp4",
      "videos/chunk-000/observation.images.front/episode_000001.mp4",
      "videos/chunk-000/observation.images.wrist/episode_000000.mp4",
      "videos/chunk-000/observation.images.wrist/episode_000001.mp4",
    ]);
    const info = JSON.parse(readFileSync(join(root, "meta/info.json"), "utf8")) as Record<string, unknown>;
    expect(info).toMatchObject({
      codebase_version: "v2.1",
      total_episodes: 2,
      total_frames: 40,
      total_tasks: 2,
      total_videos: 4,
      total_chunks: 1,
      chunks_size: 1000,
      data_path: "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet",
      video_path: "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4",
    });
    const lines = (f: string) =>
      readFileSync(join(root, f), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines("meta/episodes.jsonl")).toEqual([
      { episode_index: 0, tasks: ["a"], length: 20 },
      { episode_index: 1, tasks: ["b"], length: 20 },
    ]);
    expect(lines("meta/tasks.jsonl")).toEqual([
      { task_index: 0, task: "a" },
      { task_index: 1, task: "b" },
    ]);
    const st = lines("meta/episodes_stats.jsonl")[1]!["stats"] as Record<string, Record<string, unknown>>;
    expect(Object.keys(st["action"]!).sort()).toEqual(["count", "max", "mean", "min", "std"]);
    expect(st["index"]!["min"]).toEqual([20]);
    expect((st["observation.images.wrist"]!["mean"] as unknown[]).length).toBe(3);
  });

  it("per-episode parquet: feature columns, index continues across episodes, timestamps restart", async () => {
    const f1 = join(root, "data/chunk-000/episode_000001.parquet");
    expect(await describe(f1)).toEqual({
      action: "FLOAT[]",
      "observation.state": "FLOAT[]",
      timestamp: "FLOAT",
      frame_index: "BIGINT",
      episode_index: "BIGINT",
      index: "BIGINT",
      task_index: "BIGINT",
    });
    // lerobot 0.3 loads v2.1 parquet without explicit features: the HF metadata gives the types.
    expect(JSON.parse((await kvMetadata(f1)).get("huggingface")!)).toMatchObject({
      info: { features: { action: { _type: "Sequence", length: 6, feature: { dtype: "float32" } } } },
    });
    const rows = await query(`SELECT index, frame_index, episode_index, timestamp, task_index FROM '${f1}'`);
    expect(rows).toHaveLength(20);
    rows.forEach((r, i) => {
      expect(r).toEqual({
        index: String(20 + i),
        frame_index: String(i),
        episode_index: "1",
        timestamp: Math.fround(i / 30),
        task_index: "1",
      });
    });
  });

  it("each episode's mp4 starts at pts 0 on a key frame with frame k at k/fps", () => {
    for (const f of files.filter((p) => p.endsWith(".mp4"))) {
      expect(ffprobeStream(join(root, f))).toMatchObject({ codec: "av1", frames: 20 });
      const pk = ffprobePackets(join(root, f));
      expect(pk[0]!.key).toBe(true);
      pk.forEach((p, k) => expect(Math.abs(p.pts - k / 30)).toBeLessThan(1e-4));
    }
  });
});
