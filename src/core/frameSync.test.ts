import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mulberry32 } from "./random.ts";
import { ClockMapper, FrameSelector, quantile, syncReport } from "./frameSync.ts";
import type { RowFrame } from "./frameSync.ts";

/** Pushes every frame (its id = its index) and flushes; returns the frame chosen per row. */
function run(times: number[], t0: number, fps: number, rows: number): { chosen: number[]; sel: FrameSelector<number> } {
  const sel = new FrameSelector<number>({ t0Ms: t0, fps, endRow: rows });
  const out: Array<RowFrame<number>> = [];
  times.forEach((t, i) => out.push(...sel.push(i, t)));
  out.push(...sel.flush(rows));
  const chosen: number[] = [];
  for (const r of out) {
    expect(r.row).toBe(chosen.length);
    expect(r.captureTimeMs).toBe(times[r.frame]);
    chosen.push(r.frame);
  }
  return { chosen, sel };
}

describe("FrameSelector", () => {
  it("a 30 fps camera in phase with 30 fps rows uses every frame once", () => {
    const times = Array.from({ length: 30 }, (_, k) => 1000 + (k * 1000) / 30);
    const { chosen, sel } = run(times, 1000, 30, 30);
    expect(chosen).toEqual(times.map((_, i) => i));
    expect(sel.duplicatedFrames).toBe(0);
    expect(sel.droppedFrames).toBe(0);
    expect(Math.max(...sel.skewMs)).toBeLessThan(1e-9);
  });

  it.each([3, 10, 16, 17, 25, 30])(
    "a 30 fps camera with a %d ms phase offset: one frame per row, skew = the offset folded to ≤ half a period",
    (phase) => {
      const period = 1000 / 30;
      const times = Array.from({ length: 100 }, (_, k) => 500 + phase + k * period);
      const { chosen, sel } = run(times, 500, 30, 90);
      const expectedSkew = Math.min(phase, period - phase);
      // row 0 precedes the first frame and takes it (skew = phase); every later row has its own frame
      expect(sel.skewMs[0]).toBeCloseTo(phase, 9);
      for (const s of sel.skewMs.slice(1)) expect(s).toBeCloseTo(expectedSkew, 9);
      expect(new Set(chosen.slice(1)).size).toBe(chosen.length - 1);
      expect(sel.duplicatedFrames).toBe(phase > period / 2 ? 1 : 0);
    },
  );

  it("a gap in the camera's frames is filled with the nearest frames and counted as duplicates", () => {
    const period = 1000 / 30;
    const times: number[] = [];
    for (let k = 0; k < 60; k++) if (k < 20 || k >= 26) times.push(k * period + 1);
    const { chosen, sel } = run(times, 0, 30, 60);
    expect(chosen.length).toBe(60);
    // rows 20..25 have no own frame: rows 20-22 take frame 19 (nearer), rows 23-25 take frame 20 (k=26)
    expect(chosen.slice(18, 28)).toEqual([18, 19, 19, 19, 19, 20, 20, 20, 20, 21]);
    expect(sel.duplicatedFrames).toBe(2);
    expect(sel.repeatedRows).toBe(6);
    expect(sel.droppedFrames).toBe(0);
  });

  it("frames before row 0 or after the last row are outside the take, not dropped", () => {
    const times = Array.from({ length: 20 }, (_, k) => 900 + k * 50); // 20 fps, from 900 to 1850 ms
    const { sel } = run(times, 1000, 10, 5); // rows at 1000…1400 ms
    // 900 precedes row 0 by more than half a period; 1500…1850 follow the last row (1400) by more
    expect(sel.framesOutside).toBe(1 + 8);
    // 950, 1050, 1150, 1250, 1350, 1450: inside the take, used for no row
    expect(sel.droppedFrames).toBe(6);
  });

  it("a camera faster than the rows drops the frames no row needs", () => {
    const times = Array.from({ length: 120 }, (_, k) => (k * 1000) / 60);
    const { sel } = run(times, 0, 30, 60);
    expect(sel.droppedFrames).toBe(60);
    expect(sel.duplicatedFrames).toBe(0);
  });

  it("handles jittery arrivals: the chosen frame is the nearest, ties go to the earlier", () => {
    const rand = mulberry32(3);
    const times: number[] = [];
    let t = 0;
    for (let k = 0; k < 300; k++) {
      t += 33.3 + (rand() - 0.5) * 20;
      times.push(t);
    }
    const rows = 250;
    const { chosen } = run(times, 20, 30, rows);
    expect(chosen.length).toBe(rows);
    chosen.forEach((f, row) => {
      const rowT = 20 + (row * 1000) / 30;
      const best = Math.min(...times.map((x) => Math.abs(x - rowT)));
      expect(Math.abs((times[f] ?? NaN) - rowT)).toBe(best);
    });
    // exact tie: row at 100 ms between frames at 90 and 110 → the earlier
    const tie = new FrameSelector<string>({ t0Ms: 100, fps: 10 });
    expect(tie.push("a", 90)).toEqual([]);
    expect(tie.push("b", 110)).toEqual([{ row: 0, frame: "a", captureTimeMs: 90 }]);
  });

  it("refuses frames out of order and never emits past endRow; flush without frames emits nothing", () => {
    const sel = new FrameSelector<number>({ t0Ms: 0, fps: 10, endRow: 2 });
    expect(sel.push(0, 0).map((r) => r.row)).toEqual([0]);
    expect(sel.push(1, -5)).toEqual([]);
    expect(sel.outOfOrder).toBe(1);
    expect(sel.push(2, 1000).map((r) => r.row)).toEqual([1]);
    expect(sel.heldFrame).toBe(2);
    expect(sel.flush(2)).toEqual([]);
    expect(sel.heldFrame).toBeNull();
    const empty = new FrameSelector<number>({ t0Ms: 0, fps: 30 });
    expect(empty.flush(10)).toEqual([]);
    expect(() => new FrameSelector({ t0Ms: 0, fps: 0 })).toThrow(RangeError);
  });

  it("property: every row gets exactly one frame, the nearest pushed (ties → earlier); counters add up", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 120, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: -200, max: 500, noNaN: true }),
        fc.constantFrom(10, 15, 24, 30, 50, 60),
        fc.integer({ min: 1, max: 150 }),
        (gaps, t0, fps, rows) => {
          const times: number[] = [];
          let t = 0;
          for (const g of gaps) times.push((t += g));
          const { chosen, sel } = run(times, t0, fps, rows);
          expect(chosen.length).toBe(rows);
          const uses = new Map<number, number>();
          // Plain comparisons in the inner loop (one expect per run: 30,000 expect calls a run were most of its time).
          const wrong: string[] = [];
          chosen.forEach((f, row) => {
            uses.set(f, (uses.get(f) ?? 0) + 1);
            const rowT = t0 + (row * 1000) / fps;
            const d = Math.abs((times[f] ?? NaN) - rowT);
            for (let i = 0; i < times.length; i++) {
              const di = Math.abs((times[i] ?? NaN) - rowT);
              if (!(d <= di) || (di === d && f > i)) wrong.push(`row ${row}: frame ${f}, but frame ${i} is at least as near`);
            }
          });
          expect(wrong).toEqual([]);
          const dup = [...uses.values()].filter((u) => u > 1).length;
          expect(sel.duplicatedFrames).toBe(dup);
          // after flush every frame is accounted for: used, dropped, or outside the take
          expect(uses.size + sel.droppedFrames + sel.framesOutside).toBe(times.length);
          expect(sel.skewMs.length).toBe(rows);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("ClockMapper", () => {
  it("estimates the offset from the fastest arrival and maps timestamps onto the page clock", () => {
    const rand = mulberry32(9);
    const m = new ClockMapper();
    const offset = 12345.6;
    for (let k = 0; k < 300; k++) {
      const tsUs = 1_000_000 + k * 33_333;
      const latency = 5 + rand() * 30;
      m.observe(tsUs, tsUs / 1000 + offset + latency);
    }
    expect(m.offsetMs).toBeGreaterThanOrEqual(offset + 5);
    expect(m.offsetMs).toBeLessThan(offset + 7);
    expect(m.map(2_000_000)).toBeCloseTo(2000 + m.offsetMs, 9);
  });

  it("follows a slow clock drift, and never rises faster than the allowance", () => {
    const m = new ClockMapper({ driftPpm: 200 });
    // the page clock runs 100 ppm faster than the camera's: the offset grows 0.1 ms per s
    for (let k = 0; k <= 600 * 30; k++) {
      const tsMs = (k * 1000) / 30;
      m.observe(tsMs * 1000, tsMs * (1 + 100e-6) + 10);
    }
    expect(m.offsetMs).toBeCloseTo(10 + 60, 0);
    const jump = new ClockMapper({ driftPpm: 200 });
    jump.observe(0, 10);
    jump.observe(1_000_000, 1000 + 500); // one late frame after 1 s: may rise by 0.2 ms only
    expect(jump.offsetMs).toBeCloseTo(10.2, 9);
    expect(new ClockMapper().offsetMs).toBeNaN();
  });
});

describe("syncReport", () => {
  it("summarises skew per camera, duplicates, drops, joint age and loop jitter; unknown is NaN", () => {
    const skew = Array.from({ length: 101 }, (_, i) => i / 10);
    const r = syncReport({
      rows: 101,
      cameras: {
        front: { skewMs: skew, duplicatedFrames: 2, droppedFrames: 1 },
        wrist: { skewMs: [], duplicatedFrames: 0, droppedFrames: 0 },
      },
      jointAgeMs: [1, 2, 3, NaN],
      loopPeriodErrorMs: [-3, 0.5, 1],
    });
    expect(r.rows).toBe(101);
    expect(r.skewP50Ms["front"]).toBeCloseTo(5, 9);
    expect(r.skewP99Ms["front"]).toBeCloseTo(9.9, 9);
    expect(r.skewP50Ms["wrist"]).toBeNaN();
    expect(r.duplicatedFrames).toEqual({ front: 2, wrist: 0 });
    expect(r.droppedFrames).toEqual({ front: 1, wrist: 0 });
    expect(r.jointAgeP99Ms).toBeCloseTo(2.98, 9);
    expect(r.loopJitterP99Ms).toBeCloseTo(2.96, 9);
    expect(syncReport({ rows: 0, cameras: {}, jointAgeMs: [], loopPeriodErrorMs: null }).loopJitterP99Ms).toBeNaN();
    expect(quantile([3, 1, 2], 0)).toBe(1);
    expect(quantile([3, 1, 2], 1)).toBe(3);
  });
});
