import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { setTrim } from "../../core/annotations.ts";
import { EpisodePlayer, playheadAt, type PlayerView } from "./EpisodePlayer.ts";
import { loadEpisodeData } from "./loadEpisodeData.ts";
import { FakeDecoders, seededStore, type FakeFrame } from "./review.fixtures.ts";

/** Every test runs on a manual clock: "1 s" below is 1 s of the player's clock, however busy the machine is. */
async function opened(rows = 90) {
  const { store, ids } = await seededStore(2, rows);
  const clock = new ManualClock(5000);
  const decoders = new FakeDecoders(30);
  const player = new EpisodePlayer<FakeFrame>({ store, clock, decoders: decoders.factory });
  await player.open(ids[0]!, 6);
  return { store, ids, clock, decoders, player };
}

describe("loadEpisodeData", () => {
  it("loads rows and frames of a stored episode", async () => {
    const { store, ids } = await seededStore(1, 45);
    const d = await loadEpisodeData(store, ids[0]!, 6);
    expect(d.rows).toBe(45);
    expect(d.state[5 * 6 + 2]).toBe(52);
    expect(d.cameras.get("front")!.frames.map((f) => f.row)).toEqual(Array.from({ length: 45 }, (_, i) => i));
    expect(d.cameras.get("front")!.keyframes.slice(0, 3)).toEqual([0, 2, 4]);
    expect(d.cameras.get("front")!.frames[7]!.data[0]).toBe(7);
    expect(d.rowTimeMs[30]).toBeCloseTo(1000);
  });
});

describe("playheadAt", () => {
  it("moves at fps × speed and stays inside the episode", () => {
    expect(playheadAt(0, 1000, 30, 1, 100)).toBe(30);
    expect(playheadAt(10, 500, 30, 2, 100)).toBe(40);
    expect(playheadAt(50, 1000, 30, -1, 100)).toBe(20);
    expect(playheadAt(90, 10_000, 30, 1, 100)).toBe(99);
    expect(playheadAt(5, 10_000, 30, -1, 100)).toBe(0);
  });
});

describe("EpisodePlayer: open and close", () => {
  it("says loading at once, a second open of the same episode is the same promise, then shows the first kept frame", async () => {
    const { store, ids } = await seededStore(1, 30);
    await store.updateEpisode(ids[0]!, {
      annotations: setTrim({ task: "", annotations: (await store.getEpisode(ids[0]!))!.annotations }, 6, 20, 30, [0, 2, 4, 6]).annotations,
    });
    const player = new EpisodePlayer<FakeFrame>({ store, clock: new ManualClock(), decoders: new FakeDecoders().factory });
    const a = player.open(ids[0]!, 6);
    expect(player.snapshot.open).toEqual({ id: ids[0], data: undefined, loading: true, error: undefined });
    expect(player.open(ids[0]!, 6)).toBe(a);
    await a;
    expect(player.snapshot.open?.loading).toBe(false);
    expect(player.snapshot.open?.data?.rows).toBe(30);
    expect(player.snapshot.frame).toBe(6);
  });

  it("opening another episode cancels the first one's load: its data is never shown", async () => {
    const { store, ids } = await seededStore(2, 30);
    const player = new EpisodePlayer<FakeFrame>({ store, clock: new ManualClock(), decoders: new FakeDecoders().factory });
    const seen: PlayerView[] = [];
    player.subscribe((v) => seen.push(v));
    const a = player.open(ids[0]!, 6);
    const b = player.open(ids[1]!, 6);
    expect(player.snapshot.open?.id).toBe(ids[1]);
    await Promise.all([a, b]);
    expect(player.snapshot.open?.data?.episode.id).toBe(ids[1]);
    expect(seen.some((v) => v.open?.id === ids[0] && (v.open?.data !== undefined || v.open?.error !== undefined))).toBe(false);
  });

  it("close during a load cancels it; a missing episode is an error to show, not a rejection", async () => {
    const { store, ids } = await seededStore(1, 30);
    const player = new EpisodePlayer<FakeFrame>({ store, clock: new ManualClock(), decoders: new FakeDecoders().factory });
    const a = player.open(ids[0]!, 6);
    await player.close();
    await a;
    expect(player.snapshot.open).toBeUndefined();
    await player.open("nope", 6);
    expect(player.snapshot.open?.error).toBe(
      "This episode cannot be played: This episode no longer exists (it was discarded or its dataset deleted).",
    );
  });
});

describe("EpisodePlayer: transport on a manual clock", () => {
  it("plays in real time from elapsed clock time, and pause holds the frame", async () => {
    const { clock, player } = await opened();
    player.play(1);
    expect(player.snapshot.speed).toBe(1);
    await clock.advance(510);
    expect(player.snapshot.frame).toBe(15);
    await clock.advance(500);
    expect(player.snapshot.frame).toBe(30);
    player.pause();
    expect(player.snapshot.speed).toBe(0);
    expect(clock.pending).toBe(0);
    await clock.advance(1000);
    expect(player.snapshot.frame).toBe(30);
  });

  it("a late timer skips frames instead of slowing playback down", async () => {
    const { store, ids } = await seededStore(1, 90);
    const clock = new ManualClock(5000);
    // Every timer fires 40 ms late (a busy machine).
    const late = {
      now: () => clock.now(),
      runAt: clock.runAt.bind(clock),
      timeout: (ms: number, fn: () => void) => clock.timeout(ms + 40, fn),
    };
    const player = new EpisodePlayer<FakeFrame>({ store, clock: late, decoders: new FakeDecoders().factory });
    await player.open(ids[0]!, 6);
    const t0 = clock.now();
    const ticks: { at: number; frame: number }[] = [];
    player.subscribe((v) => ticks.push({ at: clock.now() - t0, frame: v.frame }));
    player.play(1);
    await clock.advance(4000);
    const frames = ticks.map((t) => t.frame);
    // Each frame shown is the one due at the time it was shown…
    for (const t of ticks) expect(t.frame).toBe(Math.min(89, Math.floor((t.at * 30) / 1000)));
    // …so frames were skipped, and the end came on time (2.97 s of 30 fps, plus one late timer).
    expect(new Set(frames).size).toBeLessThan(60);
    expect(frames.at(-1)).toBe(89);
    expect(ticks.at(-1)!.at).toBeLessThan(2967 + 40 + 34);
    expect(player.snapshot.speed).toBe(0);
  });

  it("plays at 2× and backwards, and stops by itself at the end", async () => {
    const { clock, player } = await opened();
    player.seek(10);
    player.play(2);
    await clock.advance(510);
    expect(player.snapshot.frame).toBe(40);
    player.play(-1);
    await clock.advance(1010);
    expect(player.snapshot.frame).toBe(10);
    await clock.advance(1000);
    expect(player.snapshot.frame).toBe(0);
    expect(player.snapshot.speed).toBe(0);
    expect(clock.pending).toBe(0);
    // Play at the start going backwards starts from the end.
    player.play(-8);
    expect(player.snapshot.frame).toBe(89);
    await clock.advance(1000);
    expect(player.snapshot.frame).toBe(0);
    expect(player.snapshot.speed).toBe(0);
  });

  it("seek and step stay inside the episode; step pauses", async () => {
    const { clock, player } = await opened();
    player.seek(500);
    expect(player.snapshot.frame).toBe(89);
    player.seek(-3);
    expect(player.snapshot.frame).toBe(0);
    player.play(1);
    await clock.advance(110);
    player.step(10);
    expect(player.snapshot.speed).toBe(0);
    expect(player.snapshot.frame).toBe(13);
    player.step(-100);
    expect(player.snapshot.frame).toBe(0);
  });

  it("opening another episode stops playback", async () => {
    const { clock, player, ids } = await opened();
    player.play(1);
    await player.open(ids[1]!, 6);
    expect(player.snapshot.speed).toBe(0);
    expect(clock.pending).toBe(0);
  });
});

describe("EpisodePlayer: cameras", () => {
  it("draws the player's frame on an attached camera as it seeks and plays; detach lets go", async () => {
    const { clock, player, decoders } = await opened();
    const drawn: number[] = [];
    const detach = player.attachCamera("front", (frame, row) => {
      drawn.push(row);
      frame.close();
    });
    await clock.settle();
    expect(drawn).toEqual([0]);
    player.seek(41);
    await clock.settle();
    expect(drawn.at(-1)).toBe(41);
    expect(decoders.flushes.at(-1)).toEqual([40, 41]);
    player.play(1);
    await clock.advance(200);
    expect(drawn.at(-1)).toBe(player.snapshot.frame);
    player.pause();
    detach();
    player.seek(60);
    await clock.settle();
    expect(drawn).not.toContain(60);
    expect(player.attachCamera("no such camera", () => undefined)()).toBeUndefined();
  });

  it("a camera's decoding error is in the snapshot until a frame of it is shown again", async () => {
    const { clock, player, decoders } = await opened();
    decoders.failing.add(21);
    player.attachCamera("front", (frame) => frame.close());
    await clock.settle();
    player.seek(21);
    await clock.settle();
    expect(player.snapshot.cameraErrors).toEqual({ front: "The front video could not be decoded (bad data at frame 21)." });
    player.seek(30);
    await clock.settle();
    expect(player.snapshot.cameraErrors).toEqual({});
  });
});
