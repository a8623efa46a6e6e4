import { describe, expect, it } from "vitest";
import { describeWindows, jointsQa } from "./jointQa.ts";

const names = ["a.pos", "b.pos"];

/** 300 rows at 30 fps: joint a follows a ramp, b a sine; `edit` changes a row. */
function take(edit: (r: number, row: { a: number; b: number; cmdA: number }) => void) {
  const state: number[] = [];
  const action: number[] = [];
  for (let r = 0; r < 300; r++) {
    const row = { a: r * 0.5, b: 10 * Math.sin(r / 20), cmdA: r * 0.5 };
    edit(r, row);
    state.push(row.a, row.b);
    action.push(row.cmdA, row.b);
  }
  return { names, state, action, jumpThreshold: 10, fps: 30 };
}

describe("jointsQa by window", () => {
  it("a healthy take has no flags", () => {
    expect(jointsQa(take(() => undefined))).toEqual([]);
  });

  it("missing reads spread through the take: one flag per joint with each window, and the rows without any joint", () => {
    const f = jointsQa(
      take((r, row) => {
        if (r === 78 || r === 79 || r === 200) row.a = NaN;
        if (r >= 150 && r < 153) Object.assign(row, { a: NaN, b: NaN });
      }),
    );
    expect(f.map((x) => [x.kind, x.subject])).toEqual([
      ["missing_joints", undefined],
      ["missing_joints", "a.pos"],
    ]);
    expect(f[0]!.windows).toEqual([{ from: 5, to: 152 / 30 }]);
    expect(f[1]!.windows).toEqual([
      { from: 78 / 30, to: 79 / 30 },
      { from: 200 / 30, to: 200 / 30 },
    ]);
    expect(f[1]!.message).toContain("3 rows");
  });

  it("a joint frozen for 2 s in the middle while commanded to move, and a jump, with their times", () => {
    const f = jointsQa(
      take((r, row) => {
        if (r >= 90 && r < 150) row.a = 45; // frozen 3.0–4.97 s
        if (r === 250) row.b += 40;
      }),
    );
    const frozen = f.find((x) => x.kind === "stalled_joints");
    expect(frozen?.subject).toBe("a.pos");
    expect(frozen?.windows).toEqual([{ from: 3, to: 149 / 30 }]);
    const jump = f.find((x) => x.kind === "jumping_joints" && x.subject === "b.pos");
    expect(jump?.windows?.[0]?.from).toBeCloseTo(250 / 30);
  });

  it("a joint held still (not commanded) is not frozen", () => {
    expect(jointsQa(take((_, row) => Object.assign(row, { a: 1, cmdA: 1 })))).toEqual([]);
  });

  it("describes windows briefly", () => {
    const w = Array.from({ length: 6 }, (_, i) => ({ from: i, to: i + 0.5 }));
    expect(describeWindows(w)).toBe("0.00–0.50 s, 1.00–1.50 s, 2.00–2.50 s, 3.00–3.50 s and 2 more");
  });
});
