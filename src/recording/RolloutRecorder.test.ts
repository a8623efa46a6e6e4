/**
 * What a policy rollout records (RolloutRecorder), on a manual clock with the real recording
 * session (fake recorder, memory store) and the real live-language engine: corrections only —
 * one episode per correction window, from the hand-over to the hand-back, with that window's
 * prompt and language; or the whole rollout as one episode with the corrected rows flagged.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { allocateSampleBuffer } from "../core/LatestSample.ts";
import type { RolloutPhase } from "../control/RolloutSession.ts";
import { SnapshotEngine } from "../core/SnapshotEngine.ts";
import type { RolloutTimeline } from "../core/rollout.ts";
import { MemoryEpisodeStore } from "../storage/MemoryEpisodeStore.ts";
import { followTakes, LiveLanguage, rowAt, type Interjection } from "./LiveLanguage.ts";
import { RecordingSession } from "./RecordingSession.ts";
import { RolloutRecorder, type RolloutWatch } from "./RolloutRecorder.ts";
import { FakeRecorder } from "./testing/fakes.ts";

type Watched = RolloutWatch["snapshot"];

/** The rollout as the recorder sees it (the session's phases, prompt and timeline), moved by the test. */
class FakeRollout extends SnapshotEngine<Watched> {
  constructor(private readonly clock: ManualClock) {
    super({ phase: "idle", prompt: "reach", timeline: { interventions: [], interjections: [] } });
  }
  set(phase: RolloutPhase): void {
    const t: RolloutTimeline = this.snap.timeline;
    const iv = [...t.interventions];
    if (phase === "paused") iv.push({ startMs: this.clock.now(), endMs: undefined });
    if ((phase === "autonomous" || phase === "stopped") && iv.at(-1)?.endMs === undefined && iv.length > 0)
      iv[iv.length - 1] = { startMs: iv.at(-1)!.startMs, endMs: this.clock.now() };
    this.update({ phase, timeline: { ...t, interventions: iv } });
  }
  prompt(text: string): void {
    this.update({ prompt: text });
  }
}

function setup() {
  const clock = new ManualClock(10_000);
  const store = new MemoryEpisodeStore();
  const recorder = new FakeRecorder(store);
  const takes = new RecordingSession({
    clock,
    episodes: store,
    recorder,
    cameras: () => [{ key: "front", source: "simulated", deviceId: "", label: "front", width: 64, height: 48, fps: 30 }],
    follower: () => ({ arm: "so101_follower", bodyNormMode: "degrees" }),
    joints: () => Promise.resolve({ buffer: allocateSampleBuffer(6), joints: 6, hostOffsetMs: 0 }),
    chooseCodec: () => Promise.resolve({ codec: "vp9", probes: [] }),
    imageStats: () => Promise.resolve({}),
    epochNow: () => 0,
  });
  takes.configure({ episodes: 3, episodeSeconds: 20, resetSeconds: 5, datasetName: "mine" }); // the Record screen's
  const rollout = new FakeRollout(clock);
  const told: Interjection[] = [];
  const live = new LiveLanguage({
    clock,
    store,
    stampAt: "submit",
    onInterjection: (e) => {
      told.push(e);
      rollout.prompt(e.text);
    },
  });
  followTakes(takes, live);
  const rec = new RolloutRecorder({
    takes,
    rollout,
    episodes: store,
    live,
    newId: (() => {
      let n = 0;
      return () => `n${n++}`;
    })(),
  });
  /** The recorder "records" rows up to now (the fake's rows are the test's). */
  const rowsUpToNow = () => {
    const take = takes.snapshot.take;
    if (take) recorder.rows = rowAt(take, clock.now()) + 1;
  };
  const tick = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      await clock.advance(100);
      rowsUpToNow();
    }
  };
  const stored = async () => {
    const ds = (await store.listDatasets()).datasets[0];
    return ds ? (await store.listEpisodes(ds.id)).episodes.filter((e) => e.status === "complete") : [];
  };
  const say = async (text: string) => {
    expect(live.openInterjection()).toBe(true);
    live.submit(text);
    await clock.settle();
  };
  return { clock, store, recorder, takes, rollout, live, rec, told, tick, stored, say };
}

describe("RolloutRecorder: corrections only", () => {
  it("records one episode per correction window (hand-over → hand-back), with that window's prompt and language; nothing autonomous", async () => {
    const t = setup();
    const begun = t.rec.begin({ mode: "corrections", datasetName: "fixes", task: "reach" });
    expect(t.rec.snapshot.active).toBe(true); // at once, before any await
    await t.clock.drive(begun);
    expect(t.takes.snapshot.phase).toBe("reset"); // no countdown, no take until a correction
    t.rollout.set("starting");
    t.rollout.set("autonomous");
    await t.tick(2000);
    expect(t.recorder.calls.filter((c) => c === "start")).toHaveLength(0);
    // Paused: the leader is brought to the follower; nothing is recorded yet (as lerobot).
    t.rollout.set("paused");
    await t.tick(500);
    expect(t.takes.snapshot.phase).toBe("reset");
    // Correcting: the take begins, its task the prompt of the moment.
    t.rollout.set("correcting");
    await t.tick(200);
    expect(t.takes.snapshot.phase).toBe("recording");
    expect(t.rec.snapshot.taking).toBe(true);
    const first = t.takes.snapshot.take!;
    await t.tick(1000);
    await t.say("a bit lower");
    const saidAt = rowAt(first, t.clock.now());
    expect(t.told.map((e) => [e.episodeId, e.text])).toEqual([[first.episodeId, "a bit lower"]]);
    await t.tick(1000);
    // Hand back: the take ends and is saved, every row of it corrected.
    t.rollout.set("autonomous");
    await t.tick(300);
    expect(t.takes.snapshot.phase).toBe("reset");
    expect(t.rec.snapshot.taking).toBe(false);
    // Between takes the instruction still reaches the policy (prompt only: no take to stamp).
    expect(t.live.snapshot.promptOnly).toBe(true);
    await t.say("now the red one");
    expect(t.told.at(-1)).toEqual({ episodeId: undefined, frame: undefined, text: "now the red one" });
    await t.tick(1500);
    t.rollout.set("paused");
    t.rollout.set("correcting");
    await t.tick(1500);
    t.rollout.set("autonomous");
    await t.tick(1000);
    t.rollout.set("stopped");
    await t.clock.drive(t.rec.end());

    const eps = await t.stored();
    expect(eps.map((e) => e.task)).toEqual(["reach", "now the red one"]);
    for (const e of eps) {
      expect(e.length).toBeGreaterThan(25);
      expect(e.annotations.interventions).toEqual([{ startFrame: 0, endFrame: e.length }]);
    }
    // Rows: ~2 s and ~1.5 s of correction at 30 fps, none of the ~5 s autonomous.
    expect(eps[0]!.length).toBeLessThan(2.2 * 30);
    expect(eps[1]!.length).toBeLessThan(1.7 * 30);
    expect(eps[0]!.annotations.events.map((e) => [e.frame, e.kind, e.text])).toEqual([[saidAt, "interjection", "a bit lower"]]);
    expect(eps[1]!.annotations.events).toEqual([]);
    expect(t.takes.snapshot.phase).toBe("done");
    expect(t.rec.snapshot).toMatchObject({ active: false, taking: false });
    expect(t.rec.snapshot.saved.map((s) => s.corrected)).toEqual(eps.map((e) => e.length));
    expect(t.rec.snapshot.note).toBe(`Saved 2 correction episodes (${eps[0]!.length + eps[1]!.length} rows) in “fixes”.`);
    expect(t.live.snapshot.promptOnly).toBe(false);
    // The Record screen's take settings are given back.
    expect(t.takes.snapshot.settings).toMatchObject({ episodes: 3, episodeSeconds: 20, resetSeconds: 5, datasetName: "mine" });
  });

  it("a stop while correcting keeps the take; a hand-back before the take began still ends it (one episode, no stray take)", async () => {
    const t = setup();
    await t.clock.drive(t.rec.begin({ mode: "corrections", datasetName: "fixes", task: "reach" }));
    t.rollout.set("autonomous");
    await t.tick(500);
    const release = t.recorder.holdNext("start");
    t.rollout.set("paused");
    t.rollout.set("correcting");
    await t.tick(200);
    t.rollout.set("autonomous"); // handed back while the take is still starting
    await t.tick(200);
    release();
    await t.tick(500);
    expect(t.takes.snapshot.phase).toBe("reset");
    t.rollout.set("paused");
    t.rollout.set("correcting");
    await t.tick(1000);
    expect(t.takes.snapshot.phase).toBe("recording");
    t.rollout.set("stopped");
    await t.clock.drive(t.rec.end());
    const eps = await t.stored();
    expect(eps).toHaveLength(2);
    expect(eps[1]!.length).toBeGreaterThan(25);
    expect(t.recorder.calls.filter((c) => c === "start")).toHaveLength(2);
  });

  it("no correction: nothing recorded, and said so", async () => {
    const t = setup();
    await t.clock.drive(t.rec.begin({ mode: "corrections", datasetName: "fixes", task: "reach" }));
    t.rollout.set("autonomous");
    await t.tick(1000);
    t.rollout.set("stopped");
    await t.clock.drive(t.rec.end());
    expect(await t.stored()).toEqual([]);
    expect(t.rec.snapshot.note).toBe("Nothing was recorded: no correction was made (corrections only records the windows you correct).");
  });

  it("an end while the recording is still starting cancels it: nothing recorded, the start says so", async () => {
    const t = setup();
    const begun = t.rec.begin({ mode: "corrections", datasetName: "fixes", task: "reach" });
    const ended = t.rec.end();
    await t.clock.drive(ended, 1000);
    await expect(begun).rejects.toThrow();
    expect(t.takes.snapshot.phase).toBe("idle");
    expect(await t.stored()).toEqual([]);
  });
});

describe("RolloutRecorder: a recording session already running", () => {
  it("is refused with a message, and the session is left alone", async () => {
    const t = setup();
    await t.clock.drive(t.takes.start({ waitForFirst: true })); // the Record screen's, waiting between takes
    await expect(t.rec.begin({ mode: "corrections", datasetName: "fixes", task: "reach" })).rejects.toThrow(
      "A recording session is running (Record screen): stop it there first, then start the rollout.",
    );
    expect(t.rec.snapshot.active).toBe(false);
    expect(t.takes.snapshot.settings.datasetName).toBe("mine");
    t.rollout.set("correcting");
    await t.tick(500);
    expect(t.takes.snapshot.phase).toBe("reset"); // no take begun by the rollout
  });
});

describe("RolloutRecorder: the whole rollout", () => {
  it("records one episode with the corrected rows flagged and the interjection on its row", async () => {
    const t = setup();
    await t.clock.drive(t.rec.begin({ mode: "whole", datasetName: "runs", task: "reach" }));
    expect(t.takes.snapshot.phase).toBe("recording");
    const take = t.takes.snapshot.take!;
    t.rollout.set("autonomous");
    await t.tick(1000);
    await t.say("go left");
    const saidAt = rowAt(take, t.clock.now());
    await t.tick(1000);
    t.rollout.set("paused");
    const from = t.rollout.snapshot.timeline.interventions[0]!.startMs;
    t.rollout.set("correcting");
    await t.tick(1000);
    t.rollout.set("autonomous");
    const to = t.rollout.snapshot.timeline.interventions[0]!.endMs!;
    await t.tick(1000);
    t.rollout.set("stopped");
    await t.clock.drive(t.rec.end());
    const [ep, more] = await t.stored();
    expect(more).toBeUndefined();
    const a = Math.ceil(((from - take.t0Ms) * 30) / 1000 - 1e-6);
    const b = Math.ceil(((to - take.t0Ms) * 30) / 1000 - 1e-6);
    expect(ep!.annotations.interventions).toEqual([{ startFrame: a, endFrame: b }]);
    expect(ep!.annotations.events.map((e) => [e.frame, e.text])).toEqual([[saidAt, "go left"]]);
    expect(t.rec.snapshot.note).toBe(`Saved episode 0 (${ep!.length} rows, ${b - a} corrected) in “runs”.`);
  });

  it("a take the recorder cut short keeps its rows and gets its flags; the cut is said at once and at the end", async () => {
    const t = setup();
    await t.clock.drive(t.rec.begin({ mode: "whole", datasetName: "runs", task: "reach" }));
    t.rollout.set("autonomous");
    await t.tick(1000);
    t.rollout.set("paused");
    t.rollout.set("correcting");
    await t.tick(1000);
    t.recorder.cut("the follower was unplugged");
    await t.tick(200);
    expect(t.takes.snapshot.phase).toBe("done");
    expect(t.rec.snapshot.note).toMatch(/^The recording ended early \(The take was cut short: the follower was unplugged\.\)/);
    t.rollout.set("autonomous");
    t.rollout.set("stopped");
    await t.clock.drive(t.rec.end());
    const [ep] = await t.stored();
    expect(ep!.annotations.interventions).toHaveLength(1);
    expect(ep!.annotations.interventions![0]!.endFrame).toBe(ep!.length); // still correcting when it was cut
    expect(t.rec.snapshot.note).toMatch(
      /^Saved episode 0 \(\d+ rows, \d+ corrected\) in “runs”\. The recording ended before the rollout: /,
    );
  });
});
