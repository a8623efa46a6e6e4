import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { addSpan, setTask } from "../core/annotations.ts";
import { DEFAULT_FILTER, filterEpisodes } from "../core/episodeFilter.ts";
import { MemoryEpisodeStore } from "../storage/MemoryEpisodeStore.ts";
import { DATASET, mediaBatch, rowBatch } from "../storage/episodeStore.fixtures.ts";
import { createEpisodesStore } from "./episodesStore.ts";
import { loadEpisodeData, playheadAt } from "./episodePlayer.ts";

async function seeded(episodes = 3, rows = 30) {
  const store = new MemoryEpisodeStore();
  const ds = await store.createDataset({ ...DATASET, cameras: [DATASET.cameras[0]!] });
  const ids: string[] = [];
  for (let i = 0; i < episodes; i++) {
    const e = await store.createEpisode({ datasetId: ds.id, task: `task ${i}`, startedAtEpochMs: 1000 + i, t0Ms: 0 });
    await store.appendRows(rowBatch(e.id, 0, 0, rows));
    await store.appendMedia(mediaBatch(e.id, "front", 0, 0, rows));
    await store.finishEpisode(e.id, {
      sync: null,
      qa: [],
      imageStats: {},
      tracks: [{ camera: "front", codec: "vp09.00.10.08", codecName: "vp9", width: 640, height: 480 }],
    });
    ids.push(e.id);
  }
  return { store, ds, ids };
}

describe("episodes store", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }));
  afterEach(() => vi.useRealTimers());

  it("lists metadata, bulk-sets the task (remembered in the library), soft-deletes and restores", async () => {
    const { store, ds, ids } = await seeded();
    const s = createEpisodesStore(store, undefined);
    await s.getState().refresh();
    expect(s.getState().datasetId).toBe(ds.id);
    expect(s.getState().episodes.map((e) => e.task)).toEqual(["task 0", "task 1", "task 2"]);
    await s.getState().bulkSetTask(ids, "stack the blocks");
    expect((await store.listEpisodes(ds.id)).episodes.map((e) => e.task)).toEqual([
      "stack the blocks",
      "stack the blocks",
      "stack the blocks",
    ]);
    expect((await store.getDataset(ds.id))!.tasks[0]).toBe("stack the blocks");
    await s.getState().bulkAddTag([ids[0]!], "good");
    expect((await store.getEpisode(ids[0]!))!.annotations.tags).toEqual(["good"]);
    await s.getState().bulkDelete([ids[1]!]);
    expect((await store.getEpisode(ids[1]!))!.annotations.deleted).toBe(true);
    expect(filterEpisodes(s.getState().episodes, DEFAULT_FILTER, "index").map((e) => e.id)).toEqual([ids[0], ids[2]]);
    await s.getState().bulkRestore([ids[1]!]);
    expect((await store.getEpisode(ids[1]!))!.annotations.deleted).toBeUndefined();
    // Rows and media are untouched by these edits.
    expect((await store.getEpisode(ids[1]!))!.length).toBe(30);
  });

  it("opens an episode, saves edits after a pause, and undo is saved too", async () => {
    const { store, ids } = await seeded(1);
    const s = createEpisodesStore(store, undefined);
    await s.getState().refresh();
    await s.getState().openEpisode(ids[0]!);
    const data = s.getState().open!.data!;
    expect(data.rows).toBe(30);
    expect(data.state[5 * 6 + 2]).toBe(52);
    expect(data.cameras.get("front")!.keyframes.slice(0, 3)).toEqual([0, 2, 4]);
    s.getState().edit((d) => setTask(d, "grasp"));
    s.getState().edit((d) => addSpan(d, { id: "a", startFrame: 3, endFrame: 9, text: "reach" }, 30));
    expect(s.getState().save).toBe("unsaved");
    expect((await store.getEpisode(ids[0]!))!.task).toBe("task 0");
    await vi.runAllTimersAsync();
    expect(s.getState().save).toBe("saved");
    const e = (await store.getEpisode(ids[0]!))!;
    expect(e.task).toBe("grasp");
    expect(e.annotations.spans).toEqual([{ id: "a", startFrame: 3, endFrame: 9, text: "reach" }]);
    s.getState().undo();
    await s.getState().flush();
    expect((await store.getEpisode(ids[0]!))!.annotations.spans).toEqual([]);
    expect((await store.getEpisode(ids[0]!))!.task).toBe("grasp");
  });

  it("refuses to replay without the teleoperation loop, saying why", async () => {
    const { store, ids } = await seeded(1);
    const s = createEpisodesStore(store, undefined);
    await s.getState().refresh();
    await s.getState().openEpisode(ids[0]!);
    await s.getState().startReplay();
    expect(s.getState().replay.state).toBe("failed");
    expect(s.getState().replay.message).toMatch(/teleoperation/);
  });
});

describe("player", () => {
  it("loads rows and frames of a stored episode", async () => {
    const { store, ids } = await seeded(1, 45);
    const d = await loadEpisodeData(store, ids[0]!, 6);
    expect(d.rows).toBe(45);
    expect(d.cameras.get("front")!.frames.map((f) => f.row)).toEqual(Array.from({ length: 45 }, (_, i) => i));
    expect(d.cameras.get("front")!.frames[7]!.data[0]).toBe(7);
    expect(d.rowTimeMs[30]).toBeCloseTo(1000);
  });
  it("playhead moves at fps × speed and stays inside the episode", () => {
    expect(playheadAt(0, 1000, 30, 1, 100)).toBe(30);
    expect(playheadAt(10, 500, 30, 2, 100)).toBe(40);
    expect(playheadAt(50, 1000, 30, -1, 100)).toBe(20);
    expect(playheadAt(90, 10_000, 30, 1, 100)).toBe(99);
    expect(playheadAt(5, 10_000, 30, -1, 100)).toBe(0);
  });
});
