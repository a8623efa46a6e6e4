import { describe, expect, it } from "vitest";
import { addSpan, addTag, setTask } from "../../core/annotations.ts";
import { ManualClock } from "../../core/clock.ts";
import type { DatasetRecord, EpisodeRecord } from "../../core/dataset.ts";
import { MemoryEpisodeStore } from "../../storage/MemoryEpisodeStore.ts";
import type { EpisodePatch } from "../../storage/EpisodeStore.ts";
import { AnnotationSession, SAVE_DELAY_MS, type AnnotationDeps } from "./AnnotationSession.ts";
import { LocalStorageJournal } from "../../storage/EditJournal.ts";
import { memoryKeyValueStorage } from "../../storage/episodeStore.fixtures.ts";
import { seededStore } from "./review.fixtures.ts";

/** A memory store whose episode writes can be held in flight or made to fail. */
class TestStore extends MemoryEpisodeStore {
  fail: Error | undefined;
  writes = 0;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.gate = undefined;
    this.open?.();
  }

  override async updateEpisode(id: string, patch: EpisodePatch): Promise<EpisodeRecord> {
    this.writes++;
    const gate = this.gate;
    if (gate) await gate;
    if (this.fail) throw this.fail;
    return super.updateEpisode(id, patch);
  }
}

/** Every test runs on a manual clock: the debounce waits 400 ms of this clock, not of the machine's. */
async function session(deps: Partial<AnnotationDeps> = {}) {
  const { store, ids, ds } = await seededStore(1, 30, new TestStore());
  const clock = new ManualClock(1000);
  const e = (await store.getEpisode(ids[0]!))!;
  const saved: EpisodeRecord[] = [];
  const datasets: DatasetRecord[] = [];
  const s = new AnnotationSession(
    e.id,
    { task: e.task, annotations: e.annotations },
    { store, clock, onSaved: (r) => saved.push(r), onDataset: (d) => datasets.push(d), ...deps },
  );
  const stored = async () => (await store.getEpisode(e.id))!;
  return { store, clock, s, id: e.id, ds, stored, saved, datasets };
}

describe("AnnotationSession", () => {
  it("saves an edit once the user paused for the debounce, not before", async () => {
    const { clock, s, stored, saved } = await session();
    s.edit((d) => setTask(d, "grasp"));
    await clock.advance(SAVE_DELAY_MS - 100);
    s.edit((d) => addSpan(d, { id: "a", startFrame: 3, endFrame: 9, text: "reach" }, 30));
    expect(s.snapshot.save).toBe("unsaved");
    await clock.advance(SAVE_DELAY_MS - 1);
    expect((await stored()).task).toBe("task 0"); // the second edit restarted the wait
    await clock.advance(1);
    expect(s.snapshot.save).toBe("saved");
    const e = await stored();
    expect(e.task).toBe("grasp");
    expect(e.annotations.spans).toEqual([{ id: "a", startFrame: 3, endFrame: 9, text: "reach" }]);
    expect(saved.map((r) => r.task)).toEqual(["grasp"]);
    expect(clock.pending).toBe(0);
  });

  it("undo and redo are edits too (saved), and an edit that changes nothing is none", async () => {
    const { clock, s, stored, store } = await session();
    s.edit((d) => addTag(d, "good"));
    await clock.advance(SAVE_DELAY_MS);
    s.undo();
    await clock.advance(SAVE_DELAY_MS);
    expect((await stored()).annotations.tags).toEqual([]);
    s.redo();
    await s.flush();
    expect((await stored()).annotations.tags).toEqual(["good"]);
    const writes = store.writes;
    s.edit((d) => d);
    expect(s.snapshot.history.past).toHaveLength(1);
    await clock.advance(SAVE_DELAY_MS);
    expect(store.writes).toBe(writes);
  });

  it("flush saves at once and cancels the debounce", async () => {
    const { clock, s, stored, store } = await session();
    s.edit((d) => setTask(d, "now"));
    await s.flush();
    expect((await stored()).task).toBe("now");
    expect(s.snapshot.save).toBe("saved");
    expect(clock.pending).toBe(0);
    expect(store.writes).toBe(1);
  });

  it("a failed save keeps the edit and says so; the next edit saves it", async () => {
    const { clock, s, stored, store } = await session();
    store.fail = new Error("The browser's storage is full.");
    s.edit((d) => setTask(d, "kept"));
    await clock.advance(SAVE_DELAY_MS);
    expect(s.snapshot.save).toBe("failed");
    expect(s.snapshot.saveError).toBe(
      "Your last edits are not saved: The browser's storage is full. They stay here; the studio tries again with your next edit.",
    );
    expect(s.snapshot.history.present.task).toBe("kept");
    expect((await stored()).task).toBe("task 0");
    store.fail = undefined;
    s.edit((d) => addTag(d, "later"));
    await clock.advance(SAVE_DELAY_MS);
    expect(s.snapshot.save).toBe("saved");
    expect(s.snapshot.saveError).toBeUndefined();
    const e = await stored();
    expect([e.task, e.annotations.tags]).toEqual(["kept", ["later"]]);
  });

  it("an edit made while a save is in flight is saved after it", async () => {
    const { clock, s, stored, store } = await session();
    s.edit((d) => setTask(d, "first"));
    store.hold();
    await clock.advance(SAVE_DELAY_MS);
    expect(s.snapshot.save).toBe("saving");
    s.edit((d) => addTag(d, "second"));
    // Its debounce ends while the first save is still in flight.
    await clock.advance(SAVE_DELAY_MS);
    expect(store.writes).toBe(1);
    store.release();
    await clock.settle();
    expect(s.snapshot.save).toBe("saved");
    const e = await stored();
    expect([e.task, e.annotations.tags]).toEqual(["first", ["second"]]);
    expect(store.writes).toBe(2);
  });

  it("a flush asked for while a save is in flight resolves once the newest edit is saved too", async () => {
    const { clock, s, stored, store } = await session();
    s.edit((d) => setTask(d, "first"));
    store.hold();
    const inFlight = s.flush();
    s.edit((d) => addTag(d, "second"));
    const flushed = s.flush();
    expect(flushed).toBe(inFlight);
    store.release();
    await flushed;
    const e = await stored();
    expect([e.task, e.annotations.tags]).toEqual(["first", ["second"]]);
    expect(s.snapshot.save).toBe("saved");
    expect(clock.pending).toBe(0);
  });

  it("a changed task goes into the dataset's task library; a library that cannot be written is said, the episode stays saved", async () => {
    const errors: string[] = [];
    const { s, store, ds, datasets } = await session({ onLibraryError: (m) => errors.push(m) });
    s.edit((d) => setTask(d, "stack the blocks"));
    await s.flush();
    expect((await store.getDataset(ds.id))!.tasks[0]).toBe("stack the blocks");
    expect(datasets.at(-1)!.tasks[0]).toBe("stack the blocks");
    store.updateDataset = () => Promise.reject(new Error("Storage is unavailable."));
    s.edit((d) => setTask(d, "sort the cups"));
    await s.flush();
    expect(s.snapshot.save).toBe("saved");
    expect(errors).toEqual(["The task is saved, but it could not be added to the dataset's task library: Storage is unavailable."]);
  });

  it("adopts what a bulk edit stored: undoable, and known to be saved", async () => {
    const { clock, s, store, id, stored } = await session();
    const rec = await store.updateEpisode(id, { task: "bulk task" });
    s.adopt({ task: rec.task, annotations: rec.annotations });
    expect(s.snapshot.save).toBe("saved");
    expect(s.snapshot.history.present.task).toBe("bulk task");
    const writes = store.writes;
    await s.flush();
    expect(store.writes).toBe(writes);
    s.undo();
    await clock.advance(SAVE_DELAY_MS);
    expect((await stored()).task).toBe("task 0");
  });

  it("keeps each edit in the journal at once (a closing page cannot lose it) until it is saved", async () => {
    const journal = new LocalStorageJournal(memoryKeyValueStorage());
    const { clock, s, store, id } = await session({ journal });
    s.edit((d) => setTask(d, "typed"));
    // Synchronously: nothing has been awaited since the edit.
    expect(journal.entries()).toEqual([{ episodeId: id, doc: s.snapshot.history.present }]);
    store.fail = new Error("Storage is unavailable.");
    await clock.advance(SAVE_DELAY_MS);
    expect(journal.entries()).toHaveLength(1); // not saved: still kept
    store.fail = undefined;
    store.hold();
    const saving = s.flush();
    s.edit((d) => addTag(d, "newer"));
    store.release();
    await saving;
    // The save in flight did not hold the newest edit: its entry stays, and is the newest.
    expect(journal.entries().map((e) => e.doc.annotations.tags)).toEqual([["newer"]]);
    await s.flush();
    expect(journal.entries()).toEqual([]);
  });
});
