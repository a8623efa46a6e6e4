import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { cutShortLabel } from "../core/dataset.ts";
import { allocateSampleBuffer } from "../core/LatestSample.ts";
import { StorageError } from "../storage/errors.ts";
import { MemoryEpisodeStore } from "../storage/MemoryEpisodeStore.ts";
import { MemoryLocks } from "../storage/originLocks.ts";
import { LocalUnfinishedTakes, MemoryUnfinishedTakes, type UnfinishedTakes, withUnfinishedNote } from "../storage/UnfinishedTakes.ts";
import { RecordingSession } from "./RecordingSession.ts";
import { COUNTDOWN_MS } from "./sessionTypes.ts";
import { FakeRecorder } from "./testing/fakes.ts";

/** localStorage's interface over a Map (what the page has), optionally refusing every write. */
function fakeStorage(refuse = false) {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    key: (i: number) => [...m.keys()][i] ?? null,
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => {
      if (refuse) throw new DOMException("full", "QuotaExceededError");
      m.set(k, v);
    },
    removeItem: (k: string) => void m.delete(k),
  };
}

const FLAG = { kind: "recording_failed" as const, message: "Cut short: storage full. The take stopped." };

describe.each([
  ["localStorage", () => new LocalUnfinishedTakes(fakeStorage())],
  ["memory", () => new MemoryUnfinishedTakes()],
])("UnfinishedTakes (%s)", (_name, make: () => UnfinishedTakes) => {
  it("keeps a note per take until removed, and lists the takes it has", () => {
    const notes = make();
    expect(notes.get("a")).toBeUndefined();
    notes.put("a", FLAG);
    notes.put("b", { ...FLAG, message: "other" });
    expect(notes.get("a")).toEqual(FLAG);
    expect(notes.ids().sort()).toEqual(["a", "b"]);
    notes.remove("a");
    expect(notes.get("a")).toBeUndefined();
    expect(notes.ids()).toEqual(["b"]);
  });
});

describe("LocalUnfinishedTakes", () => {
  it("a refused write or a damaged note is not an error (the take is then only 'interrupted')", () => {
    const refusing = new LocalUnfinishedTakes(fakeStorage(true));
    expect(() => refusing.put("a", FLAG)).not.toThrow();
    expect(refusing.get("a")).toBeUndefined();
    const storage = fakeStorage();
    storage.setItem("studio.episodes.unfinished.x", "{not json");
    expect(new LocalUnfinishedTakes(storage).get("x")).toBeUndefined();
  });
});

function session(store: MemoryEpisodeStore, notes: UnfinishedTakes, clock: ManualClock, locks: MemoryLocks) {
  const recorder = new FakeRecorder(store);
  const s = new RecordingSession({
    clock,
    episodes: store,
    recorder,
    cameras: () => [{ key: "front", source: "simulated", deviceId: "", label: "front", width: 64, height: 48, fps: 30 }],
    follower: () => ({ arm: "so101_follower", bodyNormMode: "degrees" }),
    joints: async () => ({ buffer: allocateSampleBuffer(6), joints: 6, hostOffsetMs: 0 }),
    chooseCodec: () => Promise.resolve({ codec: "vp9", probes: [] }),
    imageStats: () => Promise.resolve({}),
    epochNow: () => 0,
    locks,
    unfinished: notes,
  });
  s.configure({ codec: "vp9", episodeSeconds: 0, resetSeconds: 0, episodes: 1, datasetName: "d" });
  return { s, recorder };
}

describe("a take whose finish a full disk refuses", () => {
  it("is noted, listed as 'cut short: storage full' in this session, and the flag is written into it at the next recovery", async () => {
    const clock = new ManualClock(10_000);
    const store = new MemoryEpisodeStore();
    const locks = new MemoryLocks();
    const notes = new MemoryUnfinishedTakes();
    const { s, recorder } = session(store, notes, clock, locks);
    await s.start();
    await clock.advance(COUNTDOWN_MS);
    const id = recorder.take!.episode.id;
    recorder.rows = 20;
    // The disk refuses every write: the finish, and marking the take interrupted.
    recorder.failNext = { method: "stop", error: new StorageError("quota", "The browser's storage for this site is full.") };
    const recover = store.recoverInterrupted.bind(store);
    store.recoverInterrupted = () => Promise.reject(new StorageError("quota", "full"));
    await s.next();
    await clock.settle();
    expect(s.snapshot.phase).toBe("done");
    expect(s.snapshot.error).toMatch(/could not be marked finished.*listed as cut short/);
    const live = (await store.getEpisode(id))!;
    expect(live.status).toBe("recording");
    expect(cutShortLabel(live.qa)).toBeUndefined();
    expect(cutShortLabel(withUnfinishedNote(live, notes).qa)).toBe("cut short: storage full");

    // Space freed, then a reload: recovery keeps the complete rows and writes the flag.
    store.recoverInterrupted = recover;
    const next = session(store, notes, clock, locks).s;
    await next.recover();
    const [r] = next.snapshot.recovered;
    expect(r?.episode.id).toBe(id);
    expect(r?.episode.status).toBe("interrupted");
    expect(cutShortLabel(r!.episode.qa)).toBe("cut short: storage full");
    expect(cutShortLabel((await store.getEpisode(id))!.qa)).toBe("cut short: storage full");
    expect(notes.ids()).toEqual([]);
  });

  it("when marking it interrupted works, the flag goes into the episode at once (no note)", async () => {
    const clock = new ManualClock(10_000);
    const store = new MemoryEpisodeStore();
    const notes = new MemoryUnfinishedTakes();
    const { s, recorder } = session(store, notes, clock, new MemoryLocks());
    await s.start();
    await clock.advance(COUNTDOWN_MS);
    const id = recorder.take!.episode.id;
    recorder.failNext = { method: "stop", error: new StorageError("quota", "full") };
    await s.next();
    await clock.settle();
    const e = (await store.getEpisode(id))!;
    expect(e.status).toBe("interrupted");
    expect(cutShortLabel(e.qa)).toBe("cut short: storage full");
    expect(notes.ids()).toEqual([]);
  });

  it("a note whose take is gone is dropped at recovery", async () => {
    const store = new MemoryEpisodeStore();
    const notes = new MemoryUnfinishedTakes();
    notes.put("gone", FLAG);
    const { s } = session(store, notes, new ManualClock(0), new MemoryLocks());
    await s.recover();
    expect(notes.ids()).toEqual([]);
  });
});
