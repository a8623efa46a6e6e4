import { beforeAll, describe, expect, it } from "vitest";
import { buildSource, demuxMp4, ffmpegAv1, type DemuxedVideo } from "../export/testing/av1Fixture.ts";
import { storeWith } from "../export/testing/storeFixture.ts";
import { MemorySink, ZipSink } from "../export/sinks.ts";
import { exportV3 } from "../export/v3.ts";
import { createDatasetsStore, type DatasetsState, type DatasetsStore } from "./datasetsStore.ts";

/** Resolves once the store's state satisfies `ok` (now or at a later change). */
function until(s: DatasetsStore, ok: (st: DatasetsState) => boolean): Promise<DatasetsState> {
  return new Promise((resolve) => {
    if (ok(s.getState())) return resolve(s.getState());
    const stop = s.subscribe((st) => {
      if (!ok(st)) return;
      stop();
      resolve(st);
    });
  });
}

let videos: Record<string, DemuxedVideo>;
beforeAll(async () => {
  videos = { front: await demuxMp4(ffmpegAv1(20)) };
}, 60_000);

describe("datasets store (binding of the export and import jobs)", () => {
  it("lists datasets with what an export includes, and a soft-deleted episode is not counted", async () => {
    const { store, datasetId } = await storeWith(buildSource(videos, { lengths: [20, 10] }));
    const ep = (await store.getEpisode("ep1"))!;
    await store.updateEpisode("ep1", { annotations: { ...ep.annotations, deleted: true } });
    const s = createDatasetsStore(store);
    await s.getState().refresh();
    expect(s.getState().datasets.map((d) => [d.dataset.id, d.exportable, d.frames, d.episodes.length])).toEqual([[datasetId, 1, 20, 2]]);
    // Frames are what an export writes: a trim counts.
    const ep0 = (await store.getEpisode("ep0"))!;
    await store.updateEpisode("ep0", { annotations: { ...ep0.annotations, trimStart: 3, trimEnd: 15 } });
    await s.getState().refresh();
    expect(s.getState().datasets[0]?.frames).toBe(12);
  });

  it("renames a dataset (refusing an empty or taken name) and deletes one", async () => {
    const { store, datasetId } = await storeWith(buildSource(videos, { lengths: [10] }));
    const s = createDatasetsStore(store);
    await s.getState().refresh();
    await s.getState().renameDataset(datasetId, "  cube picks ");
    expect(s.getState().datasets[0]?.dataset.name).toBe("cube picks");
    await s.getState().renameDataset(datasetId, " ");
    expect(s.getState().error).toMatch(/needs a name/);
    expect(s.getState().datasets[0]?.dataset.name).toBe("cube picks");
    await s.getState().deleteDataset(datasetId);
    expect(s.getState().datasets).toEqual([]);
    expect(s.getState().error).toBeUndefined();
  });

  it("exportZip: the job is running at once, a second click gets no second stream, and the job ends done", async () => {
    const { store, datasetId } = await storeWith(buildSource(videos, { lengths: [20, 10] }));
    const s = createDatasetsStore(store);
    const first = s.getState().exportZip(datasetId, "v3.0");
    expect(s.getState().job).toMatchObject({ datasetId, target: "zip", state: "running" });
    const second = s.getState().exportZip(datasetId, "v3.0");
    expect(await second).toBeUndefined();
    const stream = await first;
    await new Response(stream).arrayBuffer();
    const end = await until(s, (st) => st.job?.state !== "running");
    expect(end.job).toMatchObject({ state: "done", message: "Exported 2 episodes, 30 frames (v3.0)." });
  });

  it("an export of another dataset while one runs is refused with a message; cancel ends the running one", async () => {
    const { store, datasetId } = await storeWith(buildSource(videos, { lengths: [20] }));
    const other = await storeWith(buildSource(videos, { lengths: [10] }), store, "b-");
    const s = createDatasetsStore(store);
    const stream = await s.getState().exportZip(datasetId, "v3.0");
    expect(stream).toBeDefined();
    expect(await s.getState().exportZip(other.datasetId, "v3.0")).toBeUndefined();
    expect(s.getState().error).toMatch(/still running\. Wait for it to finish or cancel it/);
    expect(s.getState().job).toMatchObject({ datasetId, state: "running" });
    s.getState().cancel();
    expect((await until(s, (st) => st.job?.state !== "running")).job?.state).toBe("cancelled");
    await expect(new Response(stream).arrayBuffer()).rejects.toThrow();
  });

  it("importZip: imports, then lists the new dataset", async () => {
    const files = new MemorySink();
    await exportV3(buildSource(videos, { lengths: [20, 10] }), files);
    const zip = new ZipSink();
    const blob = new Response(zip.stream).blob();
    for (const [path, bytes] of files.files) await zip.writeFile(path, bytes);
    zip.close();
    const { store } = await storeWith(buildSource(videos, { lengths: [10] }));
    const s = createDatasetsStore(store);
    const importing = s.getState().importZip(await blob, "pick.zip");
    expect(s.getState().importing).toMatchObject({ state: "running" });
    await importing;
    expect(s.getState().importing).toMatchObject({ state: "done", done: 2, total: 2 });
    expect(s.getState().datasets).toHaveLength(2);
    expect(s.getState().datasets.map((d) => d.dataset.name)).toContain("pick");
  });
});
