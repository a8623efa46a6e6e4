import { describe, expect, it } from "vitest";
import { mulberry32 } from "./random.ts";
import { toolPosition } from "./fk.ts";
import { solveIk } from "./ik.ts";
import { KINEMATIC_CHAINS } from "./kinematics.ts";

describe("damped least squares IK", () => {
  for (const robot of ["so101", "so100", "koch"] as const) {
    it(`${robot}: reaches targets produced by the forward kinematics from other poses`, () => {
      const chain = KINEMATIC_CHAINS[robot];
      const rand = mulberry32(42);
      const zero: Record<string, number> = {};
      for (const j of chain.joints) zero[j.name] = Math.min(j.upper, Math.max(j.lower, 0));
      let solved = 0;
      for (let k = 0; k < 20; k++) {
        // A reachable target: FK of a random pose near the middle of the ranges.
        const pose: Record<string, number> = { ...zero };
        for (const j of chain.joints) {
          if (j.name === "gripper" || j.name === "wrist_roll") continue;
          const mid = (Math.max(j.lower, -1.5) + Math.min(j.upper, 1.5)) / 2;
          pose[j.name] = mid + (rand() - 0.5) * 0.8;
        }
        const target = toolPosition(chain, pose);
        // Start from a nearby pose (as when dragging) and solve.
        const start: Record<string, number> = { ...pose };
        for (const name of ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex"])
          start[name] = (start[name] ?? 0) + (rand() - 0.5) * 0.3;
        const r = solveIk(chain, start, target);
        const reached = toolPosition(chain, r.angles);
        const d = Math.hypot(reached[0] - target[0], reached[1] - target[1], reached[2] - target[2]);
        if (d < 1e-3) solved++;
        for (const j of chain.joints) {
          const a = r.angles[j.name] ?? 0;
          expect(a).toBeGreaterThanOrEqual(j.lower - 1e-12);
          expect(a).toBeLessThanOrEqual(j.upper + 1e-12);
        }
      }
      expect(solved).toBeGreaterThanOrEqual(18);
    });
  }

  it("an unreachable target ends at the closest reach, reporting the distance", () => {
    const chain = KINEMATIC_CHAINS.so101;
    const r = solveIk(chain, {}, [2, 0, 0.2]);
    expect(r.error).toBeGreaterThan(1);
    const p = toolPosition(chain, r.angles);
    expect(Number.isFinite(p[0])).toBe(true);
  });

  it("leaves wrist_roll and the gripper alone", () => {
    const chain = KINEMATIC_CHAINS.so101;
    const start = { wrist_roll: 0.3, gripper: 0.2 };
    const r = solveIk(chain, start, toolPosition(chain, { shoulder_lift: 0.2 }));
    expect(r.angles["wrist_roll"]).toBe(0.3);
    expect(r.angles["gripper"]).toBe(0.2);
  });
});
