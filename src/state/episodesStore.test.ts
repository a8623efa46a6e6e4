import { describe, expect, it } from "vitest";
import { addSpan, addTag, setTask } from "../core/annotations.ts";
import { ManualClock } from "../core/clock.ts";
import type { EpisodeRecord } from "../core/dataset.ts";
import { DEFAULT_FILTER, filterEpisodes } from "../core/episodeFilter.ts";
import { SAVE_DELAY_MS } from "../recording/review/AnnotationSession.ts";
import type { DecoderFactory } from "../recording/review/FrameSeeker.ts";
import { FakeDecoders, seededStore } from "../recording/review/review.fixtures.ts";
import { LocalStorageJournal } from "../storage/EditJournal.ts";
import { memoryKeyValueStorage } from "../storage/episodeStore.fixtures.ts";
import { MemoryEpisodeStore } from "../storage/MemoryEpisodeStore.ts";
import type { EpisodePatch } from "../storage/EpisodeStore.ts";
import { createEpisodesStore } from "./episodesStore.ts";

/** A memory store whose episode writes can be made to fail. */
class FlakyStore extends MemoryEpisodeStore {
  fail: Error | undefined;
  failReads: Error | undefined;
  override updateEpisode(id: string, patch: EpisodePatch): Promise<EpisodeRecord> {
    return this.fail ? Promise.reject(this.fail) : super.updateEpisode(id, patch);
  }
  override getEpisode(id: string): Promise<EpisodeRecord | undefined> {
    return this.failReads ? Promise.reject(this.failReads) : super.getEpisode(id);
  }
}

/** The store on a manual clock (no sleeps, no fake timers) and fake decoders. */
async function studio(episodes = 3) {
  const seeded = await seededStore(episodes, 30, new FlakyStore());
  const clock = new ManualClock(1000);
  // The store's sinks take VideoFrames; these tests attach none, so fake frames never reach one.
  const decoders = new FakeDecoders().factory as unknown as DecoderFactory;
  const s = createEpisodesStore(seeded.store, undefined, { clock, decoders, journal: undefined });
  await s.getState().refresh();
  return { ...seeded, clock, s };
}

describe("episodes store", () => {
  it("lists metadata, bulk-sets the task (remembered in the library), soft-deletes and restores", async () => {
    const { store, ds, ids, s } = await studio();
    expect(s.getState().datasetId).toBe(ds.id);
    expect(s.getState().episodes.map((e) => e.task)).toEqual(["task 0", "task 1", "task 2"]);
    await s.getState().bulkSetTask(ids, "stack the blocks");
    expect((await store.listEpisodes(ds.id)).episodes.map((e) => e.task)).toEqual([
      "stack the blocks",
      "stack the blocks",
      "stack the blocks",
    ]);
    expect((await store.getDataset(ds.id))!.tasks[0]).toBe("stack the blocks");
    expect(s.getState().datasets[0]!.tasks[0]).toBe("stack the blocks");
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
    const { store, ids, s, clock } = await studio(1);
    await s.getState().openEpisode(ids[0]!);
    expect(s.getState().open!.data!.rows).toBe(30);
    s.getState().edit((d) => setTask(d, "grasp"));
    s.getState().edit((d) => addSpan(d, { id: "a", startFrame: 3, endFrame: 9, text: "reach" }, 30));
    expect(s.getState().save).toBe("unsaved");
    expect((await store.getEpisode(ids[0]!))!.task).toBe("task 0");
    await clock.advance(SAVE_DELAY_MS);
    expect(s.getState().save).toBe("saved");
    const e = (await store.getEpisode(ids[0]!))!;
    expect(e.task).toBe("grasp");
    expect(e.annotations.spans).toEqual([{ id: "a", startFrame: 3, endFrame: 9, text: "reach" }]);
    // The listing shows what was saved.
    expect(s.getState().episodes[0]!.task).toBe("grasp");
    s.getState().undo();
    await s.getState().flush();
    expect((await store.getEpisode(ids[0]!))!.annotations.spans).toEqual([]);
    expect((await store.getEpisode(ids[0]!))!.task).toBe("grasp");
  });

  it("flush (the page is hidden or closed) saves an edit at once, without waiting for the debounce", async () => {
    const { store, ids, s, clock } = await studio(1);
    await s.getState().openEpisode(ids[0]!);
    s.getState().edit((d) => addTag(d, "flushed"));
    await s.getState().flush();
    expect((await store.getEpisode(ids[0]!))!.annotations.tags).toEqual(["flushed"]);
    expect(clock.pending).toBe(0);
  });

  it("opening another episode saves the first one's edits; a save that fails keeps them, says so, and reopening finds them", async () => {
    const { store, ids, s } = await studio(2);
    await s.getState().openEpisode(ids[0]!);
    s.getState().edit((d) => setTask(d, "saved on switch"));
    await s.getState().openEpisode(ids[1]!);
    expect((await store.getEpisode(ids[0]!))!.task).toBe("saved on switch");
    expect(s.getState().history!.present.task).toBe("task 1");

    store.fail = new Error("The browser's storage is full.");
    s.getState().edit((d) => setTask(d, "not lost"));
    await s.getState().closeEpisode();
    expect(s.getState().error).toBe(
      "Your edits to episode #1 are not saved (The browser's storage is full.). They are kept: open the episode again to save them (the studio also tries again the next time it opens).",
    );
    store.fail = undefined;
    await s.getState().openEpisode(ids[1]!);
    expect(s.getState().history!.present.task).toBe("not lost");
    await s.getState().flush();
    expect((await store.getEpisode(ids[1]!))!.task).toBe("not lost");
  });

  it("an edit the page had no time to save (a reload) is saved by the next page, from the journal", async () => {
    const { store, ids, clock } = await studio(1);
    const journal = new LocalStorageJournal(memoryKeyValueStorage());
    const decoders = new FakeDecoders().factory as unknown as DecoderFactory;
    const first = createEpisodesStore(store, undefined, { clock, decoders, journal });
    await first.getState().refresh();
    await first.getState().openEpisode(ids[0]!);
    first.getState().edit((d) => setTask(d, "typed just before the reload"));
    // The page goes away here: no debounce, no flush.
    const next = createEpisodesStore(store, undefined, { clock: new ManualClock(), decoders, journal });
    await next.getState().refresh();
    expect(next.getState().episodes[0]!.task).toBe("typed just before the reload");
    expect((await store.getEpisode(ids[0]!))!.task).toBe("typed just before the reload");
    expect(journal.entries()).toEqual([]);
    expect(next.getState().error).toBeUndefined();
  });

  it("a bulk edit of the open episode saves its pending edits first, and its annotation follows", async () => {
    const { store, ids, s } = await studio(2);
    await s.getState().openEpisode(ids[0]!);
    s.getState().edit((d) => addTag(d, "mine"));
    await s.getState().bulkSetTask(ids, "bulk");
    const e = (await store.getEpisode(ids[0]!))!;
    expect([e.task, e.annotations.tags]).toEqual(["bulk", ["mine"]]);
    expect(s.getState().history!.present.task).toBe("bulk");
    expect(s.getState().save).toBe("saved");
  });

  it("an episode whose load failed says why, and opening it again loads it with its annotation", async () => {
    const { store, ids, s } = await studio(1);
    store.failReads = new Error("The browser's storage is unavailable.");
    await s.getState().openEpisode(ids[0]!);
    expect(s.getState().open!.error).toBe("This episode cannot be played: The browser's storage is unavailable.");
    expect(s.getState().history).toBeUndefined();
    store.failReads = undefined;
    await s.getState().openEpisode(ids[0]!);
    expect(s.getState().open!.data!.rows).toBe(30);
    expect(s.getState().history!.present.task).toBe("task 0");
  });

  it("refuses to replay without the teleoperation loop, saying why", async () => {
    const { ids, s } = await studio(1);
    await s.getState().openEpisode(ids[0]!);
    await s.getState().startReplay();
    expect(s.getState().replay.state).toBe("failed");
    expect(s.getState().replay.message).toMatch(/teleoperation/);
  });

  it("plays on the given clock", async () => {
    const { ids, s, clock } = await studio(1);
    await s.getState().openEpisode(ids[0]!);
    s.getState().play(1);
    await clock.advance(510);
    expect(s.getState().frame).toBe(15);
    s.getState().pause();
    expect(s.getState().speed).toBe(0);
  });
});
