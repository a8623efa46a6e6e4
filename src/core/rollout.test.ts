import { describe, expect, it } from "vitest";
import { emptyAnnotations } from "./dataset.ts";
import { interventionMask, rolloutAnnotations, rowAt } from "./rollout.ts";

describe("rollout timeline onto rows", () => {
  it("a window covers the rows at or after its start, up to (not including) the row at or after its end", () => {
    // 10 fps, t0 = 1000: row k at 1000 + 100k.
    expect(rowAt(1000, 1000, 10)).toBe(0);
    expect(rowAt(1001, 1000, 10)).toBe(1);
    expect(rowAt(1300, 1000, 10)).toBe(3);
    let n = 0;
    const a = rolloutAnnotations(
      emptyAnnotations(),
      {
        interventions: [
          { startMs: 1250, endMs: 1600 },
          { startMs: 1550, endMs: 1800 }, // overlaps: merged
          { startMs: 2500, endMs: undefined }, // still correcting at the end
        ],
        interjections: [
          { tMs: 1420, text: " go left " },
          { tMs: 9999, text: "after the end" },
        ],
      },
      1000,
      10,
      20,
      () => `id${n++}`,
    );
    expect(a.interventions).toEqual([
      { startFrame: 3, endFrame: 8 },
      { startFrame: 15, endFrame: 20 },
    ]);
    expect(a.events).toEqual([{ id: "id0", frame: 5, kind: "interjection", text: "go left" }]);
    const mask = interventionMask(a, 20);
    expect(mask.flatMap((v, i) => (v ? [i] : []))).toEqual([3, 4, 5, 6, 7, 15, 16, 17, 18, 19]);
    expect(interventionMask({ ...a, trimStart: 4, trimEnd: 16 }, 20).flatMap((v, i) => (v ? [i] : []))).toEqual([0, 1, 2, 3, 11]);
  });
});
