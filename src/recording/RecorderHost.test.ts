import { describe, expect, it } from "vitest";
import { every, ManualClock, type Clock } from "../core/clock.ts";
import { allocateSampleBuffer, LatestSample } from "../core/LatestSample.ts";
import { MemoryEpisodeStore } from "../storage/MemoryEpisodeStore.ts";
import type { RecorderEvent } from "./recorderApi.ts";
import { RecorderHost } from "./RecorderHost.ts";
import { FakeFrame, FakeTakeCamera, frameStream, testDataset } from "./testing/fakes.ts";

const FPS = 30;
const PERIOD = 1000 / FPS;
const T0 = 1000;

/** A clock whose precise timer fires `lateMs` after each deadline: a thread that is always busy. */
function lateClock(inner: ManualClock, lateMs: number): Clock {
  return {
    now: () => inner.now(),
    runAt: (t, fn) => inner.runAt(t + lateMs, fn),
    timeout: (ms, fn) => inner.timeout(ms, fn),
  };
}

async function setup(options: { lateMs?: number; cameras?: string[]; frameDelayMs?: number; quotaBytes?: number } = {}) {
  const clock = new ManualClock(0);
  const store = new MemoryEpisodeStore(options.quotaBytes === undefined ? {} : { quotaBytes: options.quotaBytes });
  const keys = options.cameras ?? ["front"];
  const dataset = await testDataset(store, keys, FPS);
  const cams: FakeTakeCamera[] = [];
  const host = new RecorderHost<FakeFrame>({
    store,
    clock: options.lateMs ? lateClock(clock, options.lateMs) : clock,
    timeOrigin: 0,
    createCamera: (o) => {
      const cam = new FakeTakeCamera(o.key);
      cams.push(cam);
      return Promise.resolve(cam);
    },
  });
  await host.setPageOrigin(0);
  const events: RecorderEvent[] = [];
  await host.onEvent((e) => events.push(e));
  const feeds = new Map(keys.map((k) => [k, frameStream()]));
  for (const [k, f] of feeds) await host.addCamera(k, f.stream, FPS, true);
  // The joints: a loop at 100 Hz writing its sample into a buffer the host reads.
  const buffer = allocateSampleBuffer(2);
  const sample = new LatestSample(buffer, 2);
  await host.setSample({ buffer, joints: 2, hostOffsetMs: 0 });
  sample.begin(10);
  const loopOn = { value: true };
  /** The follower stops answering: the loop still runs, every read fails. */
  const readsFail = { value: false };
  const stopLoop = every(clock, 10, () => {
    const follower = readsFail.value ? [NaN, NaN] : [clock.now(), 1];
    if (loopOn.value) sample.write({ t: clock.now(), flags: 0, leader: [0, 0], follower, command: [2, 3] });
  });
  // Each camera draws at the rows' times (page clock, µs timestamps); its frames reach the
  // recorder `frameDelayMs` later (delivery through the page).
  const camerasOn = { value: true };
  const stopFrames = every(clock, PERIOD, () => {
    if (!camerasOn.value) return;
    const captured = clock.now();
    const deliver = () => {
      for (const f of feeds.values()) f.push(new FakeFrame(Math.round(captured * 1000)));
    };
    if (options.frameDelayMs) clock.runAt(captured + options.frameDelayMs, deliver);
    else deliver();
  });
  const episode = await store.createEpisode({ datasetId: dataset.id, task: "pick", startedAtEpochMs: 0, t0Ms: T0 });
  const spec = (rows?: number) => ({
    episode,
    jointNames: ["a", "b"],
    codec: "vp9" as const,
    gop: 2,
    ...(rows !== undefined ? { rows } : {}),
    expectedRows: rows ?? 60,
    cameras: keys.map((key) => ({ key, width: 64, height: 48 })),
  });
  /** Stops the take, letting the clock run while the recorder waits for the last rows' frames. */
  const stop = async () => {
    const outcome = host.stop();
    await clock.advance(300);
    return outcome;
  };
  const dispose = () => {
    stopLoop();
    stopFrames();
    host.dispose();
  };
  return { clock, store, host, events, cams, feeds, episode, spec, stop, dispose, camerasOn, loopOn, readsFail, sample };
}

async function jointA(store: MemoryEpisodeStore, id: string): Promise<number[]> {
  const a: number[] = [];
  for await (const b of store.readRows(id)) a.push(...b.state.filter((_, i) => i % 2 === 0));
  return a;
}

const completions = (events: RecorderEvent[]) => events.filter((e) => e.type === "takeComplete");

describe("RecorderHost", () => {
  it("a full disk ends the take at once: finished with its complete rows and labelled 'Cut short: storage full'", async () => {
    const t = await setup({ quotaBytes: 5000 });
    await t.host.start(t.spec());
    await t.clock.advanceTo(T0 + 5000);
    const failed = t.events.find((e) => e.type === "takeFailed");
    expect(failed).toMatchObject({ type: "takeFailed", episodeId: t.episode.id, code: "quota" });
    const outcome = await t.stop();
    expect(outcome.episode.status).toBe("complete");
    expect(outcome.episode.length).toBeGreaterThan(0);
    expect(outcome.qa).toEqual([{ kind: "recording_failed", message: expect.stringMatching(/^Cut short: storage full\. /) as unknown }]);
    expect((await t.store.getEpisode(t.episode.id))!.qa).toEqual(outcome.qa);
    t.dispose();
  });

  it("a 2 s take has exactly 60 rows: the row clock ends it and tells the page", async () => {
    const t = await setup({ cameras: ["front", "wrist"] });
    await t.host.start(t.spec(2 * FPS));
    await t.clock.advanceTo(T0 + 5000); // long after the take's end: nothing more is recorded
    expect(completions(t.events)).toEqual([{ type: "takeComplete", episodeId: t.episode.id, rows: 60 }]);
    const outcome = await t.stop();
    expect(outcome.failure).toBeUndefined();
    expect(outcome.episode.length).toBe(60);
    expect(outcome.sync?.rows).toBe(60);
    for (const cam of t.cams) expect(cam.encoded.map((e) => e.row)).toEqual([...Array(60).keys()]);
    // Each row took the loop's sample nearest its time (the loop writes its own time as joint a, every 10 ms).
    const a = await jointA(t.store, t.episode.id);
    expect(a).toHaveLength(60);
    a.forEach((v, k) => expect(Math.abs(T0 + k * PERIOD - v)).toBeLessThanOrEqual(5.01));
    expect(outcome.sync).toMatchObject({ staleJointRows: 0, duplicatedJointRows: 0 });
    expect(outcome.sync?.loopRateHz).toBeCloseTo(100, 0);
    expect(outcome.sync?.loopJitterP99Ms).toBe(0);
    expect(outcome.qa.map((f) => f.kind)).toEqual(["jumping_joints"]); // joint a is the clock: 33 units a row
    t.dispose();
  });

  it("the take ends when its last row is due, on the page clock", async () => {
    const t = await setup();
    await t.host.start(t.spec(60));
    const lastRowAt = T0 + 59 * PERIOD;
    const done = await t.clock.until(() => completions(t.events).length > 0, 5000);
    expect(done).toBe(true);
    expect(t.clock.now()).toBeGreaterThanOrEqual(lastRowAt);
    // a row is decided once the loop's sample after it is out (one loop period, plus a margin)
    expect(t.clock.now()).toBeLessThan(lastRowAt + 15);
    await t.stop();
    t.dispose();
  });

  it("the last row gets its own frame when frames arrive after the row clock: the take's end waits for it", async () => {
    const t = await setup({ frameDelayMs: 20 });
    await t.host.start(t.spec(60));
    const lastRowAt = T0 + 59 * PERIOD;
    expect(await t.clock.until(() => completions(t.events).length > 0, 5000)).toBe(true);
    expect(t.clock.now()).toBeGreaterThanOrEqual(lastRowAt + 20);
    const outcome = await t.stop();
    expect(outcome.sync?.duplicatedFrames["front"]).toBe(0);
    const ids = t.cams[0]!.encoded.map((e) => e.id);
    expect(new Set(ids).size).toBe(60);
    t.dispose();
  });

  it("a camera that stops delivering does not hold the take's end for long: its last frame is used again (counted)", async () => {
    const t = await setup();
    await t.host.start(t.spec(60));
    await t.clock.advanceTo(T0 + 50 * PERIOD);
    t.camerasOn.value = false;
    const lastRowAt = T0 + 59 * PERIOD;
    expect(await t.clock.until(() => completions(t.events).length > 0, 5000)).toBe(true);
    expect(t.clock.now()).toBeGreaterThan(lastRowAt);
    expect(t.clock.now()).toBeLessThanOrEqual(lastRowAt + 300);
    const outcome = await t.stop();
    expect(outcome.episode.length).toBe(60);
    expect(outcome.sync?.duplicatedFrames["front"]).toBe(1); // the last frame, for rows 50…59
    t.dispose();
  });

  it("a thread whose timer is always late still records exactly the planned rows (it catches up, never cuts short)", async () => {
    const t = await setup({ lateMs: 170 });
    await t.host.start(t.spec(60));
    await t.clock.advanceTo(T0 + 5000);
    expect(completions(t.events)).toHaveLength(1);
    const outcome = await t.stop();
    expect(outcome.episode.length).toBe(60);
    expect(t.cams[0]!.encoded).toHaveLength(60);
    // Late rows take their own samples from the ring, not the newest one.
    const a = await jointA(t.store, t.episode.id);
    a.forEach((v, k) => expect(Math.abs(T0 + k * PERIOD - v)).toBeLessThanOrEqual(5.01));
    expect(outcome.sync).toMatchObject({ staleJointRows: 0, duplicatedJointRows: 0 });
    t.dispose();
  });

  it("→ ends a planned take early with the rows sampled so far, and no completion is reported", async () => {
    const t = await setup();
    await t.host.start(t.spec(300));
    await t.clock.advanceTo(T0 + 1000);
    const outcome = await t.stop();
    expect(outcome.episode.length).toBe(31); // rows at 1000, 1033.3, …, 2000
    await t.clock.advance(20_000);
    expect(completions(t.events)).toEqual([]);
    t.dispose();
  });

  it("an open-ended take runs until stopped; progress is reported about twice a second", async () => {
    const t = await setup();
    await t.host.start(t.spec());
    await t.clock.advanceTo(T0 + 3000);
    const progress = t.events.filter((e) => e.type === "progress");
    expect(progress.length).toBeGreaterThanOrEqual(5);
    expect(progress.at(-1)).toMatchObject({ episodeId: t.episode.id });
    const outcome = await t.stop();
    expect(outcome.episode.length).toBe(91);
    expect(completions(t.events)).toEqual([]);
    t.dispose();
  });

  it("a loop that stalls leaves its rows missing (counted, and a QA window), never a copy of the last sample", async () => {
    const t = await setup();
    await t.host.start(t.spec(90));
    await t.clock.advanceTo(T0 + 1000);
    t.loopOn.value = false;
    await t.clock.advanceTo(T0 + 1300); // a 300 ms stall (shorter than a cut)
    t.loopOn.value = true;
    await t.clock.until(() => completions(t.events).length > 0, 5000);
    const outcome = await t.stop();
    expect(outcome.episode.length).toBe(90);
    const a = await jointA(t.store, t.episode.id);
    const missing = a.flatMap((v, k) => (Number.isNaN(v) ? [k] : []));
    // rows farther than 20 ms (two periods) from a sample: 1033.3 … 1266.7 after T0
    expect(missing).toEqual([31, 32, 33, 34, 35, 36, 37, 38]);
    expect(outcome.sync?.staleJointRows).toBe(8);
    const flag = outcome.qa.find((f) => f.kind === "missing_joints");
    expect(flag?.windows).toEqual([{ from: 31 / FPS, to: 38 / FPS }]);
    expect(outcome.qa.find((f) => f.kind === "off_rate_loop")?.windows).toEqual([{ from: 1, to: 2 }]);
    t.dispose();
  });

  it("an arm disconnected mid-take ends the take at its last sample, labelled; a silent loop too", async () => {
    for (const how of ["disconnected", "silent", "reads fail, then disconnected"] as const) {
      const t = await setup();
      await t.host.start(t.spec(300));
      await t.clock.advanceTo(T0 + 1000);
      if (how === "reads fail, then disconnected") {
        // the port goes away: reads time out for 600 ms before the loop hears the device is lost
        t.readsFail.value = true;
        await t.clock.advanceTo(T0 + 1600);
      }
      t.loopOn.value = false;
      if (how !== "silent") t.sample.end("disconnected", "SO-101 follower was disconnected");
      expect(await t.clock.until(() => t.events.some((e) => e.type === "takeCut"), 3000)).toBe(true);
      const outcome = await t.stop();
      expect(outcome.failure?.code).toBe("cut_short");
      expect(outcome.episode.length).toBe(31); // up to the last sample that read the arm, at T0 + 1000
      expect(outcome.qa[0]?.kind).toBe("cut_short");
      expect(outcome.qa[0]?.message).toMatch(how === "silent" ? /stopped coming/ : /SO-101 follower was disconnected/);
      expect((await jointA(t.store, t.episode.id)).some(Number.isNaN)).toBe(false);
      expect(completions(t.events)).toEqual([]);
      t.dispose();
    }
  });

  it("joints come from the loop's sample on the page clock; a stale sample is a missing row (NaN)", async () => {
    const t = await setup();
    await t.host.setSample(null);
    await t.host.start(t.spec(10));
    await t.clock.advanceTo(T0 + 1000);
    await t.stop();
    for await (const b of t.store.readRows(t.episode.id)) expect([...b.state].every(Number.isNaN)).toBe(true);
    t.dispose();
  });

  it("refuses a take with a camera it has no stream for, and a second take at once", async () => {
    const t = await setup();
    await expect(t.host.start({ ...t.spec(10), cameras: [{ key: "side", width: 64, height: 48 }] })).rejects.toThrow(/side/);
    const first = t.host.start(t.spec(10));
    await expect(t.host.start(t.spec(10))).rejects.toThrow(/already/);
    await first;
    await t.host.discard();
    expect(await t.store.getEpisode(t.episode.id)).toBeUndefined();
    t.dispose();
  });

  it("reports each camera's rate and drops about once a second, and a stream that ended", async () => {
    const t = await setup();
    await t.clock.advance(2000);
    const cams = t.events.filter((e) => e.type === "camera");
    expect(cams.length).toBeGreaterThanOrEqual(2);
    expect(cams.at(-1)).toMatchObject({ key: "front", dropped: 0, ended: false, width: 64, height: 48 });
    const last = cams.at(-1);
    expect(last?.type === "camera" ? last.fps : 0).toBeCloseTo(30, 0);
    t.feeds.get("front")!.end();
    await t.clock.settle();
    expect(t.events.at(-1)).toMatchObject({ type: "camera", key: "front", ended: true });
    t.dispose();
  });
});
