import { describe, expect, it } from "vitest";
import { ManualClock, type Clock } from "../core/clock.ts";
import { FrameScheduler } from "./FrameScheduler.ts";

const PERIOD = 1000 / 30;

function setup(options: { pageOffsetMs?: number; lateMs?: number; maxInFlight?: number; hold?: boolean } = {}) {
  const manual = new ManualClock(1000);
  const clock: Clock = options.lateMs
    ? { now: () => manual.now(), runAt: (t, fn) => manual.runAt(t + options.lateMs!, fn), timeout: (ms, fn) => manual.timeout(ms, fn) }
    : manual;
  const captures: number[] = [];
  const waiting: (() => void)[] = [];
  const scheduler = new FrameScheduler({
    clock,
    pageOffsetMs: options.pageOffsetMs ?? 0,
    fps: 30,
    phaseOriginMs: 0,
    maxInFlight: options.maxInFlight ?? 6,
    produce: (captureMs) => {
      captures.push(captureMs);
      return options.hold ? new Promise<void>((r) => waiting.push(r)) : Promise.resolve();
    },
  });
  return { manual, scheduler, captures, waiting };
}

describe("FrameScheduler", () => {
  it("draws frames on the page clock's whole frame periods", async () => {
    const t = setup({ pageOffsetMs: 250 });
    t.scheduler.start();
    await t.manual.advance(1000);
    expect(t.captures).toHaveLength(30);
    for (const c of t.captures) expect(Math.abs(c / PERIOD - Math.round(c / PERIOD))).toBeLessThan(1e-9);
    // The first frame is the first deadline at or after the start (page time 1250 ms).
    expect(t.captures[0]).toBeCloseTo(38 * PERIOD, 6);
    expect(t.scheduler.skipped).toBe(0);
    t.scheduler.stop();
    await t.manual.advance(1000);
    expect(t.captures).toHaveLength(30);
  });

  it("a timer late by more than a period skips the missed slots (counted) instead of drawing a burst", async () => {
    const t = setup({ lateMs: 80 });
    t.scheduler.start();
    await t.manual.advance(1000);
    // Each tick is 80 ms late: it skips two slots and draws one.
    expect(t.scheduler.frames).toBeGreaterThan(0);
    expect(t.scheduler.skipped).toBeGreaterThanOrEqual(2 * (t.scheduler.frames - 1));
    expect(t.scheduler.frames + t.scheduler.skipped).toBeGreaterThanOrEqual(29);
    for (let i = 1; i < t.captures.length; i++) expect(t.captures[i]! - t.captures[i - 1]!).toBeGreaterThan(PERIOD * 2);
  });

  it("a consumer that takes no frames gets at most maxInFlight; the rest are skipped, and frames flow again once it takes them", async () => {
    const t = setup({ maxInFlight: 3, hold: true });
    t.scheduler.start();
    await t.manual.advance(1000);
    expect(t.scheduler.frames).toBe(3);
    expect(t.scheduler.skipped).toBe(28); // 31 slots from 1000 to 2000 ms inclusive
    t.waiting.splice(0).forEach((r) => r());
    await t.manual.advance(PERIOD * 2);
    expect(t.scheduler.frames).toBe(5);
  });
});
