import { describe, expect, it } from "vitest";
import { emptyAnnotations } from "../core/dataset.ts";
import { LocalStorageJournal } from "./EditJournal.ts";
import { memoryKeyValueStorage } from "./episodeStore.fixtures.ts";

const doc = (task: string) => ({ task, annotations: { ...emptyAnnotations(), tags: ["t"] } });

describe("LocalStorageJournal", () => {
  it("keeps the newest doc per episode until removed, and reads back what it wrote", () => {
    const storage = memoryKeyValueStorage();
    const j = new LocalStorageJournal(storage);
    j.put("a", doc("first"));
    j.put("a", doc("second"));
    j.put("b", doc("other"));
    storage.setItem("studio.episodes.dataset", "not an entry");
    expect(j.entries()).toEqual([
      { episodeId: "a", doc: doc("second") },
      { episodeId: "b", doc: doc("other") },
    ]);
    j.remove("a");
    expect(new LocalStorageJournal(storage).entries().map((e) => e.episodeId)).toEqual(["b"]);
  });

  it("drops entries that do not read back as a task and annotations", () => {
    const storage = memoryKeyValueStorage();
    storage.setItem("studio.episodes.unsaved.x", "{not json");
    storage.setItem("studio.episodes.unsaved.y", JSON.stringify({ task: 3 }));
    expect(new LocalStorageJournal(storage).entries()).toEqual([]);
    expect(storage.map.size).toBe(0);
  });

  it("a full storage refuses the safety copy without failing the edit", () => {
    const storage = memoryKeyValueStorage();
    storage.failWrites = true;
    const j = new LocalStorageJournal(storage);
    expect(() => j.put("a", doc("x"))).not.toThrow();
    expect(j.entries()).toEqual([]);
  });
});
