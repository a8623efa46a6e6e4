import { describe, expect, it } from "vitest";
import { addTag, setTask } from "../../core/annotations.ts";
import { ManualClock } from "../../core/clock.ts";
import { LocalStorageJournal } from "../../storage/EditJournal.ts";
import { memoryKeyValueStorage } from "../../storage/episodeStore.fixtures.ts";
import type { MemoryEpisodeStore } from "../../storage/MemoryEpisodeStore.ts";
import { StorageError } from "../../storage/errors.ts";
import { recoverEdits } from "./recoverEdits.ts";
import { seededStore } from "./review.fixtures.ts";

async function left() {
  const { store, ids, ds } = await seededStore(2, 30);
  const journal = new LocalStorageJournal(memoryKeyValueStorage());
  const e0 = (await store.getEpisode(ids[0]!))!;
  const doc = setTask(addTag({ task: e0.task, annotations: e0.annotations }, "kept"), "typed before the reload");
  journal.put(ids[0]!, doc);
  return { store, ids, ds, journal, doc, clock: new ManualClock() };
}

describe("recoverEdits", () => {
  it("saves what an earlier page left unsaved (task into the library too) and empties the journal", async () => {
    const { store, ids, ds, journal, clock } = await left();
    journal.put("gone", { task: "x", annotations: (await store.getEpisode(ids[1]!))!.annotations });
    const r = await recoverEdits(journal, { store, clock });
    expect(r).toEqual({ saved: 1, problems: [] });
    const e = (await store.getEpisode(ids[0]!))!;
    expect([e.task, e.annotations.tags]).toEqual(["typed before the reload", ["kept"]]);
    expect((await store.getDataset(ds.id))!.tasks[0]).toBe("typed before the reload");
    expect(journal.entries()).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it("an entry that cannot be saved stays for the next page, and is said", async () => {
    const { store, journal } = await left();
    const failing = Object.assign(Object.create(store) as MemoryEpisodeStore, {
      updateEpisode: () => Promise.reject(new StorageError("unavailable", "Storage is unavailable.")),
    });
    const r = await recoverEdits(journal, { store: failing, clock: new ManualClock() });
    expect(r).toEqual({ saved: 0, problems: ["episode #0: Storage is unavailable."] });
    expect(journal.entries()).toHaveLength(1);
  });

  it("an entry the store refuses as invalid is dropped (trying again cannot help), and said", async () => {
    const { store, journal } = await left();
    const refusing = Object.assign(Object.create(store) as MemoryEpisodeStore, {
      updateEpisode: () => Promise.reject(new StorageError("invalid", "annotations.trimStart: expected an integer.")),
    });
    const r = await recoverEdits(journal, { store: refusing, clock: new ManualClock() });
    expect(r.problems).toEqual(["episode #0: annotations.trimStart: expected an integer."]);
    expect(journal.entries()).toEqual([]);
  });
});
