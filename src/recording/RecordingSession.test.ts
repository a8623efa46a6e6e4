import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import type { CameraSpec } from "../core/dataset.ts";
import { allocateSampleBuffer } from "../core/LatestSample.ts";
import { MemoryEpisodeStore } from "../storage/MemoryEpisodeStore.ts";
import { MemoryLocks } from "../storage/originLocks.ts";
import { RECORDING_ELSEWHERE } from "./RecordingGuard.ts";
import { RecordingSession } from "./RecordingSession.ts";
import { COUNTDOWN_MS, type RecordingSettings } from "./sessionTypes.ts";
import { FakeRecorder, testDataset } from "./testing/fakes.ts";
import type { ImageStats } from "../core/dataset.ts";

const c3 = (v: number): [number, number, number] => [v, v, v];
const STATS: ImageStats = {
  min: c3(0),
  max: c3(1),
  mean: c3(0.5),
  std: c3(0.1),
  q01: c3(0),
  q10: c3(0.1),
  q50: c3(0.5),
  q90: c3(0.9),
  q99: c3(1),
  count: 1,
};

const camera = (key: string): CameraSpec => ({ key, source: "simulated", deviceId: "", label: key, width: 64, height: 48, fps: 30 });

/** `tab`: the origin another tab shares (its clock, storage and locks). */
function setup(settings: Partial<RecordingSettings> = {}, tab?: { clock: ManualClock; store: MemoryEpisodeStore; locks: MemoryLocks }) {
  const clock = tab?.clock ?? new ManualClock(10_000);
  const store = tab?.store ?? new MemoryEpisodeStore();
  const locks = tab?.locks ?? new MemoryLocks();
  const recorder = new FakeRecorder(store);
  let cameras = [camera("front")];
  let jointsGate: Promise<void> | undefined;
  let jointsCalls = 0;
  const session = new RecordingSession({
    clock,
    episodes: store,
    recorder,
    cameras: () => cameras,
    follower: () => ({ arm: "so101_follower", bodyNormMode: "degrees" }),
    joints: async () => {
      jointsCalls++;
      await jointsGate;
      return { buffer: allocateSampleBuffer(6), joints: 6, hostOffsetMs: 0 };
    },
    chooseCodec: (_cams, only) =>
      Promise.resolve(
        only
          ? {
              codec: only,
              probes: [],
              warning: `${only.toUpperCase()} can encode only about 70 % of this camera's frames on this computer right now.`,
            }
          : { codec: "h264", probes: [], warning: "AV1 cannot keep up; recording in H.264 instead." },
      ),
    imageStats: () => Promise.resolve({ front: STATS }),
    epochNow: () => 0,
    locks,
  });
  session.configure({ codec: "vp9", episodeSeconds: 2, resetSeconds: 1, episodes: 2, datasetName: "d", ...settings });
  const phase = () => session.snapshot.phase;
  /** The recorder's row clock reached the take's planned rows. */
  const complete = async (rows = recorder.take?.rows ?? 60) => {
    const id = recorder.take!.episode.id;
    recorder.rows = rows;
    recorder.emit({ type: "takeComplete", episodeId: id, rows });
    await clock.settle();
  };
  const stored = async () => {
    const ds = (await store.listDatasets()).datasets[0];
    return ds ? (await store.listEpisodes(ds.id)).episodes : [];
  };
  return {
    clock,
    store,
    locks,
    recorder,
    session,
    phase,
    complete,
    stored,
    setCameras: (c: CameraSpec[]) => (cameras = c),
    holdJoints: () => {
      let release!: () => void;
      jointsGate = new Promise((r) => (release = r));
      return release;
    },
    jointsCalls: () => jointsCalls,
  };
}

describe("RecordingSession", () => {
  it("counts down on the clock, records takes whose end the recorder decides, resets between them, and ends after the last", async () => {
    const t = setup();
    const started = t.session.start();
    expect(t.phase()).toBe("preparing"); // at once, before any await
    await started;
    expect(t.phase()).toBe("countdown");
    expect(t.session.snapshot.phaseEndsAt).toBe(10_000 + COUNTDOWN_MS);
    expect(t.recorder.sample).not.toBeNull();
    await t.clock.advance(COUNTDOWN_MS - 1);
    expect(t.phase()).toBe("countdown");
    await t.clock.advance(1);
    expect(t.phase()).toBe("recording");
    // A 2 s take at 30 fps is 60 rows, planned with the recorder; row 0 is on the frame grid.
    const take = t.recorder.take!;
    expect(take.rows).toBe(60);
    expect(take.codec).toBe("vp9");
    // A forced codec is measured too (pre-flight), and what it measured is shown.
    expect(t.session.snapshot.codecWarning).toMatch(/VP9 can encode only about 70 %/);
    expect(take.episode.t0Ms % (1000 / 30)).toBeCloseTo(0, 6);
    expect(t.session.snapshot.phaseEndsAt).toBeCloseTo(take.episode.t0Ms + 2000, 6);
    // The page never ends a take on its own timer: however long the recorder takes, it is still recording.
    await t.clock.advance(60_000);
    expect(t.phase()).toBe("recording");
    await t.complete();
    expect(t.phase()).toBe("reset");
    expect(t.session.snapshot.kept).toBe(1);
    expect(t.session.snapshot.lastTake?.episode.length).toBe(60);
    await t.clock.advance(1000);
    expect(t.phase()).toBe("recording");
    await t.complete();
    expect(t.phase()).toBe("done");
    expect(t.session.snapshot.kept).toBe(2);
    expect((await t.stored()).map((e) => [e.status, e.length])).toEqual([
      ["complete", 60],
      ["complete", 60],
    ]);
    expect(t.recorder.calls.filter((c) => c === "start")).toHaveLength(2);
  });

  it("a second start while preparing returns the same promise and prepares once", async () => {
    const t = setup();
    const release = t.holdJoints();
    const a = t.session.start();
    const b = t.session.start();
    expect(b).toBe(a);
    release();
    await a;
    expect(t.jointsCalls()).toBe(1);
    expect(t.recorder.calls.filter((c) => c === "setSample")).toHaveLength(1);
    expect(t.phase()).toBe("countdown");
  });

  it("stop while preparing cancels the start: back to idle, no countdown, nothing recorded", async () => {
    const t = setup();
    const release = t.holdJoints();
    const started = t.session.start();
    await t.clock.settle();
    const stopped = t.session.stop();
    release();
    await Promise.all([started, stopped]);
    expect(t.phase()).toBe("idle");
    expect(t.session.snapshot.error).toBeUndefined();
    await t.clock.advance(10_000);
    expect(t.phase()).toBe("idle");
    expect(t.recorder.calls).not.toContain("start");
    expect(t.recorder.calls).not.toContain("setSample");
    // …and a new start works.
    await t.session.start();
    expect(t.phase()).toBe("countdown");
  });

  it("stop in the same turn as start (before its first await): idle, nothing recorded", async () => {
    const t = setup();
    const started = t.session.start();
    const stopped = t.session.stop();
    await Promise.all([started, stopped]);
    expect(t.phase()).toBe("idle");
    expect(t.recorder.calls).not.toContain("setSample");
  });

  it("waitForFirst: no countdown, the session waits until → begins the first take", async () => {
    const t = setup({ episodeSeconds: 0, resetSeconds: 0, episodes: 5 });
    await t.session.start({ waitForFirst: true });
    expect(t.phase()).toBe("reset");
    await t.clock.advance(60_000);
    expect(t.phase()).toBe("reset");
    expect(t.recorder.calls).not.toContain("start");
    await t.session.next();
    expect(t.phase()).toBe("recording");
  });

  it("→ ends the countdown, the take (kept, early) and the reset; pressed twice it never starts two takes", async () => {
    const t = setup({ episodeSeconds: 20, resetSeconds: 30, episodes: 3 });
    await t.session.start();
    // Twice at once during the countdown: the first starts the take, the second ends it.
    await Promise.all([t.session.next(), t.session.next()]);
    expect(t.recorder.calls.filter((c) => c === "start")).toHaveLength(1);
    expect(t.phase()).toBe("reset");
    expect(t.session.snapshot.error).toBeUndefined();
    await t.session.next();
    expect(t.phase()).toBe("recording");
    t.recorder.rows = 12;
    await t.session.next();
    expect(t.phase()).toBe("reset");
    expect(t.session.snapshot.lastTake?.episode.length).toBe(12);
    expect(t.session.snapshot.phaseEndsAt).toBe(t.clock.now() + 30_000);
    await t.session.next();
    expect(t.phase()).toBe("recording");
    // A completion for a take that is no longer current changes nothing.
    t.recorder.emit({ type: "takeComplete", episodeId: "another", rows: 600 });
    await t.clock.settle();
    expect(t.phase()).toBe("recording");
  });

  it("← while recording throws the take away and counts down again; ← in the reset throws away the take just kept", async () => {
    const t = setup({ episodes: 2 });
    await t.session.start();
    await t.clock.advance(COUNTDOWN_MS);
    const first = t.recorder.take!.episode.id;
    await t.session.rerecord();
    expect(t.phase()).toBe("countdown");
    expect(await t.store.getEpisode(first)).toBeUndefined();
    await t.clock.advance(COUNTDOWN_MS);
    expect(t.phase()).toBe("recording");
    await t.complete();
    expect(t.phase()).toBe("reset");
    const kept = t.session.snapshot.lastTake!.episode.id;
    await t.session.rerecord();
    expect(t.phase()).toBe("countdown");
    expect(t.session.snapshot.kept).toBe(0);
    expect(t.session.snapshot.discarded).toBe(2); // the one re-recorded while running, and the one just kept
    expect(t.session.snapshot.lastTake?.discarded).toBe(true);
    expect(await t.store.getEpisode(kept)).toBeUndefined();
    // The reset's timer was cancelled: only the countdown leads on.
    await t.clock.advance(COUNTDOWN_MS);
    expect(t.phase()).toBe("recording");
  });

  it("D discards the take under review; after the session's last take it goes on for one more", async () => {
    const t = setup({ episodes: 1 });
    await t.session.start();
    await t.clock.advance(COUNTDOWN_MS);
    await t.complete();
    expect(t.phase()).toBe("done");
    const id = t.session.snapshot.lastTake!.episode.id;
    await t.session.discardLast();
    expect(await t.store.getEpisode(id)).toBeUndefined();
    expect(t.session.snapshot.kept).toBe(0);
    expect(t.phase()).toBe("reset");
    await t.clock.advance(1000);
    expect(t.phase()).toBe("recording");
    await t.complete();
    expect(t.phase()).toBe("done");
    expect(await t.stored()).toHaveLength(1);
    // The session's summary: one kept, one discarded; a new session counts from zero.
    expect([t.session.snapshot.kept, t.session.snapshot.discarded]).toEqual([1, 1]);
    await t.session.start();
    expect([t.session.snapshot.kept, t.session.snapshot.discarded]).toEqual([0, 0]);
  });

  it("Escape during a take keeps it for review and ends the session; no timer acts afterwards; D after it does not resume", async () => {
    const t = setup({ episodes: 5 });
    await t.session.start();
    await t.clock.advance(COUNTDOWN_MS);
    t.recorder.rows = 7;
    await t.session.stop();
    expect(t.phase()).toBe("done");
    expect(t.session.snapshot.lastTake?.episode.length).toBe(7);
    await t.clock.advance(60_000);
    expect(t.phase()).toBe("done");
    await t.session.discardLast();
    expect(t.phase()).toBe("done");
    // Stop during the countdown: the countdown never fires.
    await t.session.start();
    await t.session.stop();
    await t.clock.advance(COUNTDOWN_MS * 2);
    expect(t.phase()).toBe("done");
    expect(t.recorder.calls.filter((c) => c === "start")).toHaveLength(1);
  });

  it("a stop asked for while a take starts waits for it, then keeps that take", async () => {
    const t = setup();
    await t.session.start();
    const release = t.recorder.holdNext("start");
    const next = t.session.next();
    await t.clock.settle();
    const stop = t.session.stop();
    release();
    await Promise.all([next, stop]);
    expect(t.phase()).toBe("done");
    expect(t.recorder.take).toBeUndefined(); // stopped, not left running
    expect(t.session.snapshot.lastTake).toBeDefined();
  });

  it("a take the recorder refuses: the error is shown, its episode removed, the session ends", async () => {
    const t = setup();
    await t.session.start();
    t.recorder.failNext = { method: "start", error: new Error('Camera "front" is not connected to the recorder.') };
    await t.clock.advance(COUNTDOWN_MS);
    expect(t.phase()).toBe("done");
    expect(t.session.snapshot.error).toMatch(/front/);
    expect(await t.stored()).toEqual([]);
  });

  it("a take whose episode cannot be created (disk full): the error is shown and the session ends, never stuck", async () => {
    const t = setup();
    await t.session.start();
    t.store.close(); // every later call fails as a closed database does
    await t.clock.advance(COUNTDOWN_MS);
    expect(t.phase()).toBe("done");
    expect(t.session.snapshot.error).toBeDefined();
    expect(t.recorder.calls).not.toContain("start");
  });

  it("a take that failed in the recorder (disk full) ends the session with the reason; what was stored is kept", async () => {
    const t = setup();
    await t.session.start();
    await t.clock.advance(COUNTDOWN_MS);
    t.recorder.rows = 20;
    t.recorder.fail("The storage is full.", "quota");
    await t.clock.settle();
    expect(t.phase()).toBe("done");
    expect(t.session.snapshot.error).toBe("The storage is full.");
    expect((await t.stored()).map((e) => e.length)).toEqual([20]);
  });

  it("a take cut short by the recorder (arm unplugged) is kept, labelled, and ends the session with the reason", async () => {
    const t = setup();
    await t.session.start();
    await t.clock.advance(COUNTDOWN_MS);
    t.recorder.rows = 25;
    t.recorder.cut("SO-101 follower was disconnected");
    await t.clock.settle();
    expect(t.phase()).toBe("done");
    expect(t.session.snapshot.lastTake?.failure).toMatch(/cut short: SO-101 follower was disconnected/);
    expect(t.session.snapshot.lastTake?.discarded).toBe(false);
    expect((await t.stored()).map((e) => e.length)).toEqual([25]);
  });

  it("refuses to start without a camera, and says why", async () => {
    const t = setup();
    t.setCameras([]);
    await t.session.start();
    expect(t.phase()).toBe("idle");
    expect(t.session.snapshot.error).toMatch(/camera/i);
  });

  it("auto codec: the check's choice and its warning", async () => {
    const t = setup({ codec: "auto" });
    await t.session.start();
    expect(t.session.snapshot.codec).toBe("h264");
    expect(t.session.snapshot.codecWarning).toMatch(/H\.264/);
  });

  it("records again into a dataset of the same shape, refuses one of another shape", async () => {
    const t = setup({ episodes: 1 });
    await t.session.start();
    await t.clock.advance(COUNTDOWN_MS);
    await t.complete();
    t.session.configure({ fps: 15 });
    await t.session.start();
    expect(t.phase()).toBe("idle");
    expect(t.session.snapshot.error).toMatch(/other settings/);
    t.session.configure({ fps: 30, task: "another task" });
    await t.session.start();
    expect(t.phase()).toBe("countdown");
    expect(t.session.snapshot.dataset?.tasks[0]).toBe("another task");
  });

  it("recovers takes interrupted by a crash (complete rows kept) and fills their image statistics", async () => {
    const store = new MemoryEpisodeStore();
    const ds = await testDataset(store, ["front"]);
    const ep = await store.createEpisode({ datasetId: ds.id, task: "pick", startedAtEpochMs: 0, t0Ms: 0 });
    const rows = 9;
    await store.updateEpisode(ep.id, { tracks: [{ camera: "front", codec: "vp09.00.10.08", codecName: "vp9", width: 64, height: 48 }] });
    await store.appendRows({
      episodeId: ep.id,
      seq: 0,
      firstRow: 0,
      count: rows,
      state: new Float32Array(rows * 2),
      action: new Float32Array(rows * 2),
      rowTimeMs: new Float64Array(rows),
      sampleTimeMs: new Float64Array(rows),
    });
    await store.appendMedia({
      episodeId: ep.id,
      camera: "front",
      seq: 0,
      frames: Array.from({ length: rows - 2 }, (_, row) => ({ row, key: true, offset: row, size: 1, captureTimeMs: row })),
      data: new ArrayBuffer(rows),
    });
    const session = new RecordingSession({
      clock: new ManualClock(),
      episodes: store,
      recorder: new FakeRecorder(store),
      cameras: () => [],
      follower: () => undefined,
      joints: () => Promise.reject(new Error("no joints")),
      imageStats: () => Promise.resolve({ front: STATS }),
    });
    await session.recover();
    expect(session.snapshot.recovered.map((r) => [r.episode.id, r.episode.status, r.episode.length])).toEqual([[ep.id, "interrupted", 7]]);
    expect(Object.keys((await store.getEpisode(ep.id))!.imageStats)).toEqual(["front"]);
    session.dismissRecovered();
    expect(session.snapshot.recovered).toEqual([]);
  });

  it("a second tab never recovers a live take: it says recording runs elsewhere, cannot start, and recovers once the first tab is gone", async () => {
    const a = setup({ episodeSeconds: 0, episodes: 1 });
    await a.session.start();
    await a.clock.advance(COUNTDOWN_MS);
    expect(a.phase()).toBe("recording");
    const live = a.recorder.take!.episode.id;
    const b = setup({ episodeSeconds: 0, episodes: 1 }, { clock: a.clock, store: a.store, locks: a.locks });
    await b.session.recover();
    expect((await a.store.getEpisode(live))!.status).toBe("recording");
    expect(b.session.snapshot.recovered).toEqual([]);
    expect(b.session.snapshot.elsewhere).toBe(true);
    await b.session.start();
    expect(b.phase()).toBe("idle");
    expect(b.session.snapshot.error).toBe(RECORDING_ELSEWHERE);
    // The first tab's take goes on and is kept; its session ends and the lock is free again.
    await a.session.next();
    expect(a.phase()).toBe("done");
    expect((await a.store.getEpisode(live))!.status).toBe("complete");
    await a.clock.advance(2000);
    expect(b.session.snapshot.elsewhere).toBe(false);
    await b.session.start();
    expect(b.phase()).toBe("countdown");
    // Now the second tab records and "crashes" (its locks are dropped, as the browser does for a dead tab).
    await b.clock.advance(COUNTDOWN_MS);
    const crashed = b.recorder.take!.episode.id;
    const c = setup({}, { clock: a.clock, store: a.store, locks: a.locks });
    await c.session.recover();
    expect(c.session.snapshot.elsewhere).toBe(true);
    b.session.dispose();
    await a.clock.advance(2000);
    await a.clock.settle();
    expect(c.session.snapshot.elsewhere).toBe(false);
    expect(c.session.snapshot.recovered.map((r) => r.episode.id)).toEqual([crashed]);
    expect((await a.store.getEpisode(crashed))!.status).toBe("interrupted");
  });
});
