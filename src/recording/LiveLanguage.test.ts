import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import type { EpisodeRecord } from "../core/dataset.ts";
import { allocateSampleBuffer } from "../core/LatestSample.ts";
import { MemoryEpisodeStore } from "../storage/MemoryEpisodeStore.ts";
import { followTakes, LiveLanguage, rowAt, type Interjection, type LiveLanguageDeps, type TakeClock } from "./LiveLanguage.ts";
import { RecordingSession } from "./RecordingSession.ts";
import { COUNTDOWN_MS } from "./sessionTypes.ts";
import { FakeRecorder, testDataset } from "./testing/fakes.ts";

const FPS = 30;
const T0 = 1000;
/** Page time of row k. */
const at = (k: number) => T0 + (k * 1000) / FPS;

async function setup(deps: Partial<LiveLanguageDeps> = {}) {
  const clock = new ManualClock(T0);
  const store = new MemoryEpisodeStore();
  const ds = await testDataset(store, ["front"], FPS);
  const episode = await store.createEpisode({ datasetId: ds.id, task: "pick", startedAtEpochMs: 0, t0Ms: T0 });
  const told: Interjection[] = [];
  const live = new LiveLanguage({ clock, store, onInterjection: (e) => told.push(e), ...deps });
  const take: TakeClock = { episodeId: episode.id, t0Ms: T0, fps: FPS };
  const to = (k: number) => clock.advance(at(k) - clock.now());
  const stored = async () => (await store.getEpisode(episode.id))!.annotations;
  return { clock, store, live, take, episode, told, to, stored };
}

describe("rowAt (the take's row clock)", () => {
  it("is the last row whose time is at or before now; 0 before row 0; at most rows − 1 for a fixed take", () => {
    const take = { episodeId: "e", t0Ms: T0, fps: FPS, rows: 60 };
    expect(rowAt(take, T0 - 40)).toBe(0);
    expect(rowAt(take, T0)).toBe(0);
    expect(rowAt(take, at(1) - 0.01)).toBe(0);
    expect(rowAt(take, at(1))).toBe(1); // 1000/30 is not exact in floating point
    expect(rowAt(take, at(45) + 5)).toBe(45);
    expect(rowAt(take, at(300))).toBe(59);
    expect(rowAt({ ...take, rows: undefined }, at(300))).toBe(300);
  });
});

describe("LiveLanguage", () => {
  it("an interjection is stamped at the row when its input opened, as an interjection event of the take, and told", async () => {
    const t = await setup();
    expect(t.live.openInterjection()).toBe(false); // no take recording
    t.live.beginTake(t.take);
    await t.to(42);
    expect(t.live.openInterjection()).toBe(true);
    expect(t.live.snapshot.input).toEqual({ mode: "interjection", episodeId: t.episode.id, frame: 42 });
    await t.to(100); // typing takes a while
    t.live.submit("  a bit more to the left ");
    expect(t.live.snapshot.input).toBeUndefined();
    await t.live.flush();
    expect((await t.stored()).events).toEqual([
      { id: expect.any(String), frame: 42, kind: "interjection", text: "a bit more to the left" },
    ]);
    expect(t.told).toEqual([{ episodeId: t.episode.id, frame: 42, text: "a bit more to the left" }]);
    expect(t.live.snapshot.entries.map((e) => [e.kind, e.frame, e.text])).toEqual([["interjection", 42, "a bit more to the left"]]);
  });

  it("stampAt 'submit' (a rollout: the prompt changes when Enter is pressed) stamps at the row of Enter", async () => {
    const t = await setup({ stampAt: "submit" });
    t.live.beginTake(t.take);
    await t.to(10);
    t.live.openInterjection();
    await t.to(75);
    t.live.submit("now the red one");
    await t.live.flush();
    expect((await t.stored()).events.map((e) => e.frame)).toEqual([75]);
    expect(t.told[0]?.frame).toBe(75);
  });

  it("prompt only (a rollout between takes): the input opens without a take and only tells; a take begun meanwhile gets it at submit", async () => {
    const t = await setup({ stampAt: "submit" });
    expect(t.live.openInterjection()).toBe(false);
    t.live.setPromptOnly(true);
    expect(t.live.snapshot.promptOnly).toBe(true);
    expect(t.live.openInterjection()).toBe(true);
    expect(t.live.snapshot.input).toEqual({ mode: "interjection", episodeId: undefined, frame: 0 });
    t.live.submit("go left");
    expect(t.told).toEqual([{ episodeId: undefined, frame: undefined, text: "go left" }]);
    expect(t.live.markSubtask()).toBe(false); // subtasks need a take
    expect(t.live.openInterjection()).toBe(true);
    t.live.beginTake(t.take); // the person took over while typing
    expect(t.live.snapshot.promptOnly).toBe(false);
    await t.to(20);
    t.live.submit("lower");
    await t.live.flush();
    expect(t.told.at(-1)).toEqual({ episodeId: t.episode.id, frame: 20, text: "lower" });
    expect((await t.stored()).events.map((e) => [e.frame, e.text])).toEqual([[20, "lower"]]);
    expect((await t.stored()).events.some((e) => e.text === "go left")).toBe(false);
  });

  it("after(fn) runs another writer's change between this engine's writes, never across one", async () => {
    const t = await setup();
    t.live.beginTake(t.take);
    t.live.openInterjection();
    t.live.submit("one");
    const order: string[] = [];
    const other = t.live.after(async () => {
      order.push(`other sees ${(await t.stored()).events.length}`);
      const a = await t.stored();
      await t.store.updateEpisode(t.episode.id, { annotations: { ...a, interventions: [{ startFrame: 0, endFrame: 3 }] } });
    });
    t.live.openInterjection();
    t.live.submit("two");
    await other;
    await t.live.flush();
    expect(order).toEqual(["other sees 2"]); // after the write queued before it (which wrote both entries)
    const a = await t.stored();
    expect(a.events.map((e) => e.text)).toEqual(["one", "two"]);
    expect(a.interventions).toEqual([{ startFrame: 0, endFrame: 3 }]);
  });

  it("Esc cancels the input: nothing stamped; empty text stamps nothing either", async () => {
    const t = await setup();
    t.live.beginTake(t.take);
    t.live.openInterjection();
    t.live.cancel();
    expect(t.live.snapshot.input).toBeUndefined();
    t.live.openInterjection();
    t.live.submit("   ");
    t.live.submit("no input open");
    await t.live.flush();
    expect((await t.stored()).events).toEqual([]);
    expect(t.told).toEqual([]);
  });

  it("next subtask closes the current span and opens one at the row; the first mark closes the implicit first one; the last ends with the take", async () => {
    const t = await setup();
    t.live.beginTake(t.take);
    await t.to(30);
    expect(t.live.markSubtask()).toBe(true);
    expect(t.live.snapshot.input).toEqual({ mode: "subtask", episodeId: t.episode.id, frame: 30 });
    t.live.submit("grasp the cube");
    await t.to(50);
    t.live.markSubtask();
    await t.live.flush();
    // While recording, the open span reaches the current row.
    expect((await t.stored()).spans.map((s) => [s.startFrame, s.endFrame, s.text])).toEqual([
      [0, 30, ""],
      [30, 50, "grasp the cube"],
      [50, 51, ""],
    ]);
    t.live.cancel(); // left unnamed: named later on the timeline
    await t.to(61);
    t.live.markSubtask();
    t.live.submit("lift");
    t.live.markSubtask(); // a second mark on the same row names the same span
    t.live.submit("lift it");
    t.live.takeEnded(t.episode.id);
    expect(t.live.snapshot.recording).toBe(false);
    expect(t.live.markSubtask()).toBe(false);
    await t.live.takeSaved(t.episode.id, 90);
    expect((await t.stored()).spans.map((s) => [s.startFrame, s.endFrame, s.text])).toEqual([
      [0, 30, ""],
      [30, 50, "grasp the cube"],
      [50, 61, ""],
      [61, 90, "lift it"],
    ]);
    expect(t.live.snapshot.entries.map((e) => [e.kind, e.frame, e.text])).toEqual([
      ["subtask", 0, ""],
      ["subtask", 30, "grasp the cube"],
      ["subtask", 50, ""],
      ["subtask", 61, "lift it"],
    ]);
  });

  it("a take without live entries is not written to", async () => {
    const t = await setup();
    let writes = 0;
    const real = t.store.updateEpisode.bind(t.store);
    t.store.updateEpisode = (id, patch) => (writes++, real(id, patch));
    t.live.beginTake(t.take);
    await t.to(30);
    t.live.takeEnded(t.episode.id);
    await t.live.takeSaved(t.episode.id, 30);
    expect(writes).toBe(0);
  });

  it("a mark at row 0 makes no empty first span", async () => {
    const t = await setup();
    t.live.beginTake(t.take);
    t.live.markSubtask();
    t.live.submit("reach");
    await t.live.takeSaved(t.episode.id, 20);
    expect((await t.stored()).spans.map((s) => [s.startFrame, s.endFrame, s.text])).toEqual([[0, 20, "reach"]]);
  });

  it("an input opened during the take still goes to it after the take ended, at the row captured; frames are clamped to the saved length", async () => {
    const t = await setup();
    t.live.beginTake(t.take);
    await t.to(95); // the page clock is a little ahead of the recorder's last row
    t.live.openInterjection();
    t.live.takeEnded(t.episode.id);
    await t.live.takeSaved(t.episode.id, 90);
    t.live.submit("too fast");
    await t.live.flush();
    expect((await t.stored()).events.map((e) => [e.frame, e.text])).toEqual([[89, "too fast"]]);
  });

  it("keeps the episode's other annotations; a second write replaces its own entries, not duplicates them", async () => {
    const t = await setup();
    await t.store.updateEpisode(t.episode.id, {
      annotations: {
        ...t.episode.annotations,
        tags: ["night"],
        spans: [{ id: "mine", startFrame: 0, endFrame: 5, text: "typed before" }],
      },
    });
    t.live.beginTake(t.take);
    await t.to(12);
    t.live.openInterjection();
    t.live.submit("slower");
    await t.to(20);
    t.live.openInterjection();
    t.live.submit("stop");
    await t.live.takeSaved(t.episode.id, 40);
    const a = await t.stored();
    expect(a.tags).toEqual(["night"]);
    expect(a.events.map((e) => e.text)).toEqual(["slower", "stop"]);
    expect(a.spans.map((s) => s.text)).toEqual(["typed before"]);
  });

  it("a take thrown away takes its entries with it: nothing written, a late Enter stamps nothing", async () => {
    const t = await setup();
    t.live.beginTake(t.take);
    t.live.openInterjection();
    t.live.takeDropped(t.episode.id);
    expect(t.live.snapshot.input).toBeUndefined();
    expect(t.live.snapshot.entries).toEqual([]);
    t.live.submit("x");
    await t.live.flush();
    expect((await t.stored()).events).toEqual([]);
  });

  it("entries made while a write is on its way, and the take's end, are all in the last write (one write at a time)", async () => {
    const t = await setup();
    const real = t.store.updateEpisode.bind(t.store);
    const held: (() => void)[] = [];
    let inFlight = 0;
    let most = 0;
    t.store.updateEpisode = async (id, patch) => {
      most = Math.max(most, ++inFlight);
      await new Promise<void>((r) => held.push(r));
      inFlight--;
      return real(id, patch);
    };
    const release = async () => {
      while (held.length > 0 || inFlight > 0) {
        held.shift()?.();
        await t.clock.settle();
      }
    };
    t.live.beginTake(t.take);
    await t.to(10);
    t.live.openInterjection();
    t.live.submit("one");
    await t.clock.settle(); // its write is held in the store
    expect(held).toHaveLength(1);
    await t.to(20);
    t.live.markSubtask();
    t.live.submit("two");
    const saved = t.live.takeSaved(t.episode.id, 30);
    await release();
    await saved;
    expect(most).toBe(1);
    const a = await t.stored();
    expect(a.events.map((e) => [e.frame, e.text])).toEqual([[10, "one"]]);
    expect(a.spans.map((s) => [s.startFrame, s.endFrame, s.text])).toEqual([
      [0, 20, ""],
      [20, 30, "two"],
    ]);
  });

  it("a write refused because the take was thrown away meanwhile is not shown as an error", async () => {
    const t = await setup();
    t.store.updateEpisode = async (id) => {
      await t.store.discardEpisode(id);
      throw new Error("The episode is gone.");
    };
    t.live.beginTake(t.take);
    t.live.openInterjection();
    t.live.submit("x");
    await t.live.flush();
    expect(t.live.snapshot.error).toBeUndefined();
  });

  it("a failed write is shown and retried with the next entry; nothing stamped is lost", async () => {
    const t = await setup();
    const real = t.store.updateEpisode.bind(t.store);
    let fail = true;
    t.store.updateEpisode = (id, patch) => {
      if (fail) {
        fail = false;
        return Promise.reject(new Error("The disk is full."));
      }
      return real(id, patch);
    };
    t.live.beginTake(t.take);
    t.live.openInterjection();
    t.live.submit("first");
    await t.live.flush();
    expect(t.live.snapshot.error).toMatch(/not saved yet: The disk is full\. .*saved with your next entry/);
    expect((await t.stored()).events).toEqual([]);
    t.live.openInterjection();
    t.live.submit("second");
    await t.live.flush();
    expect(t.live.snapshot.error).toBeUndefined();
    expect((await t.stored()).events.map((e) => e.text)).toEqual(["first", "second"]);
  });
});

describe("followTakes (with a RecordingSession)", () => {
  async function session() {
    const clock = new ManualClock(10_000);
    const store = new MemoryEpisodeStore();
    const recorder = new FakeRecorder(store);
    const s = new RecordingSession({
      clock,
      episodes: store,
      recorder,
      cameras: () => [{ key: "front", source: "simulated", deviceId: "", label: "front", width: 64, height: 48, fps: 30 }],
      follower: () => ({ arm: "so101_follower", bodyNormMode: "degrees" }),
      joints: () => Promise.resolve({ buffer: allocateSampleBuffer(6), joints: 6, hostOffsetMs: 0 }),
      imageStats: () => Promise.resolve({}),
      chooseCodec: () => Promise.resolve({ codec: "vp9", probes: [] }),
      epochNow: () => 0,
    });
    s.configure({ codec: "vp9", episodeSeconds: 0, resetSeconds: 0, episodes: 3, datasetName: "d" });
    const live = new LiveLanguage({ clock, store });
    followTakes(s, live);
    const rowNow = () => rowAt(s.snapshot.take!, clock.now());
    const episodes = async (): Promise<EpisodeRecord[]> => {
      const ds = (await store.listDatasets()).datasets[0]!;
      return (await store.listEpisodes(ds.id)).episodes;
    };
    return { clock, store, recorder, s, live, rowNow, episodes };
  }

  it("stamps on the session's row clock; a kept take gets its entries; a re-recorded take's entries are gone with it", async () => {
    const t = await session();
    await t.s.start();
    await t.clock.advance(COUNTDOWN_MS + 100);
    expect(t.s.snapshot.phase).toBe("recording");
    expect(t.live.snapshot.recording).toBe(true);
    await t.clock.advance(1000);
    const row = t.rowNow();
    t.live.openInterjection();
    t.live.submit("thrown away");
    await t.s.rerecord(); // ← while recording: the take is discarded
    expect(t.live.snapshot.recording).toBe(false);
    await t.clock.advance(COUNTDOWN_MS + 100);
    expect(t.s.snapshot.phase).toBe("recording");
    expect(t.live.snapshot.entries).toEqual([]);
    await t.clock.advance(1000);
    const r2 = t.rowNow();
    t.live.openInterjection();
    t.live.submit("slower");
    await t.clock.advance(500);
    t.live.markSubtask();
    t.live.submit("place");
    t.recorder.rows = r2 + 40;
    await t.s.next(); // → keeps the take
    await t.live.flush();
    const [ep] = await t.episodes();
    expect(ep!.length).toBe(r2 + 40);
    expect(ep!.annotations.events.map((e) => [e.frame, e.kind, e.text])).toEqual([[r2, "interjection", "slower"]]);
    expect(ep!.annotations.spans.map((s) => [s.startFrame, s.endFrame, s.text])).toEqual([
      [0, r2 + 15, ""],
      [r2 + 15, r2 + 40, "place"],
    ]);
    expect(row).toBeGreaterThan(0);
  });
});
