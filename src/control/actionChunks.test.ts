import { describe, expect, it } from "vitest";
import { ChunkPlayer } from "./actionChunks.ts";

const chunk = (rows: number[][], ageMs = 0, seq = 1) => ({
  values: Float32Array.from(rows.flat()),
  horizon: rows.length,
  fps: 10,
  ageMs,
  seq,
});

describe("ChunkPlayer", () => {
  it("interpolates between actions at the loop's rate; row i is due (i + 1)/fps after the observation", () => {
    const p = new ChunkPlayer(1);
    const out = new Float64Array(1);
    p.push(chunk([[0], [10], [20]]), 1000);
    p.targets(1100, out); // 0.1 s after the observation: row 0
    expect(out[0]).toBeCloseTo(0);
    p.targets(1150, out);
    expect(out[0]).toBeCloseTo(5);
    p.targets(1250, out);
    expect(out[0]).toBeCloseTo(15);
    expect(p.progress(1250)).toMatchObject({ seq: 1, starved: false, remainingMs: 50 });
  });

  it("a late chunk starts where its observation's time says (rows already past are skipped)", () => {
    const p = new ChunkPlayer(1);
    const out = new Float64Array(1);
    p.push(chunk([[0], [10], [20], [30]], 200), 1000); // observed 200 ms ago: row 1 is due now
    p.targets(1000, out);
    expect(out[0]).toBeCloseTo(10);
  });

  it("past the last action it holds that action and reports starved (never extrapolates)", () => {
    const p = new ChunkPlayer(2);
    const out = new Float64Array(2);
    p.push(
      chunk([
        [1, 2],
        [3, 4],
      ]),
      0,
    );
    p.targets(10_000, out);
    expect(Array.from(out)).toEqual([3, 4]);
    expect(p.progress(10_000)).toMatchObject({ starved: true, remainingMs: 0 });
  });

  it("the newest chunk replaces the one playing; a cleared player holds (NaN)", () => {
    const p = new ChunkPlayer(1);
    const out = new Float64Array(1);
    p.push(chunk([[0], [10]]), 0);
    p.push(chunk([[50], [60]], 0, 2), 50);
    p.targets(150, out);
    expect(out[0]).toBeCloseTo(50);
    p.clear();
    p.targets(150, out);
    expect(out[0]).toBeNaN();
    expect(() => p.push({ values: new Float32Array(3), horizon: 2, fps: 10, ageMs: 0, seq: 3 }, 0)).toThrow(RangeError);
  });
});
