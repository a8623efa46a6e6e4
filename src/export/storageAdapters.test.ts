import { beforeAll, describe, expect, it } from "vitest";
import { MemoryEpisodeStore } from "../storage/index.ts";
import { MemoryFiles } from "./import/files.ts";
import { importDataset } from "./import/importDataset.ts";
import { MemorySink } from "./sinks.ts";
import { datasetSummaries, exportSourceFromStore, StoreImportTarget } from "./storageAdapters.ts";
import { buildSource, demuxMp4, ffmpegAv1, type DemuxedVideo } from "./testing/av1Fixture.ts";
import { storeWith } from "./testing/storeFixture.ts";
import { exportV3 } from "./v3.ts";

let videos: Record<string, DemuxedVideo>;
let original: Map<string, Uint8Array>;
beforeAll(async () => {
  videos = { front: await demuxMp4(ffmpegAv1(30)), wrist: await demuxMp4(ffmpegAv1(30, "smptebars")) };
  const sink = new MemorySink();
  await exportV3(buildSource(videos, { lengths: [30, 24], tasks: ["a", "b"] }), sink);
  original = sink.files;
}, 60_000);

describe("EpisodeStore adapters", () => {
  it("import into a MemoryEpisodeStore, export from it: identical files", async () => {
    const store = new MemoryEpisodeStore();
    const target = new StoreImportTarget(store);
    await importDataset(new MemoryFiles(original), target, { name: "Pick the cube" });
    const source = await exportSourceFromStore(store, target.id!);
    expect(source.episodes.map((e) => [e.length, e.status])).toEqual([
      [30, "complete"],
      [24, "complete"],
    ]);
    const out = new MemorySink();
    await exportV3(source, out);
    for (const [p, b] of original) expect(Buffer.compare(out.files.get(p)!, b), p).toBe(0);
  });

  it("a failed import leaves the store as it was", async () => {
    const store = new MemoryEpisodeStore();
    const before = await store.createDataset({
      name: "mine",
      fps: 30,
      robotType: "so101_follower",
      jointNames: ["a.pos"],
      units: "degrees",
      cameras: [],
      tasks: [],
    });
    const broken = new Map(original);
    const p = "videos/observation.images.wrist/chunk-000/file-000.mp4";
    broken.set(p, broken.get(p)!.slice(0, Math.floor(broken.get(p)!.length * 0.7)));
    await expect(importDataset(new MemoryFiles(broken), new StoreImportTarget(store))).rejects.toMatchObject({
      name: "ImportError",
      file: p,
    });
    const { datasets } = await store.listDatasets();
    expect(datasets.map((d) => d.id)).toEqual([before.id]);
  });

  it("a soft-deleted episode is never exported, nor a recording or an empty one", async () => {
    const { store, datasetId } = await storeWith(buildSource(videos, { lengths: [30, 24, 20] }));
    const deleted = (await store.getEpisode("ep1"))!;
    await store.updateEpisode("ep1", { annotations: { ...deleted.annotations, deleted: true } });
    await store.createEpisode({ datasetId, task: "still recording", startedAtEpochMs: 0, t0Ms: 0 });
    const empty = await store.createEpisode({ datasetId, task: "no rows", startedAtEpochMs: 0, t0Ms: 0 });
    await store.finishEpisode(empty.id, { sync: null, qa: [], imageStats: {} });
    expect((await store.listEpisodes(datasetId)).episodes).toHaveLength(5);

    const source = await exportSourceFromStore(store, datasetId);
    expect(source.episodes.map((e) => e.id)).toEqual(["ep0", "ep2"]);
    const out = new MemorySink();
    await exportV3(source, out);
    const info = JSON.parse(new TextDecoder().decode(out.files.get("meta/info.json"))) as Record<string, unknown>;
    expect(info).toMatchObject({ total_episodes: 2, total_frames: 50 });
    const [summary] = await datasetSummaries(store);
    expect(summary).toMatchObject({ exportable: 2, frames: 50 });
    expect(summary!.episodes).toHaveLength(5);
  });

  it("an episode record storage cannot read stops the export, naming it", async () => {
    const { store, datasetId } = await storeWith(buildSource(videos, { lengths: [30] }));
    const damaged = Object.assign(Object.create(store) as MemoryEpisodeStore, {
      listEpisodes: async (id: string) => ({ ...(await store.listEpisodes(id)), skipped: [{ id: "ep9", error: "status: expected …" }] }),
    });
    await expect(exportSourceFromStore(damaged, datasetId)).rejects.toMatchObject({
      name: "ExportError",
      message: expect.stringMatching(/1 episode\(s\) of "Pick the cube" could not be read from storage: ep9/) as unknown,
    });
  });

  it("an unknown dataset id is a clear error", async () => {
    await expect(exportSourceFromStore(new MemoryEpisodeStore(), "nope")).rejects.toThrow(/Dataset nope is not in this browser's storage/);
  });
});
