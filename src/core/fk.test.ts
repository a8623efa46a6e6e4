import { describe, expect, it } from "vitest";
import { JOINT_NAMES } from "./robots.ts";
import type { JointName } from "./robots.ts";
import { ARM_JOINTS, KINEMATIC_CHAINS, calibratedToUrdfRad, urdfToCalibratedRad } from "./kinematics.ts";
import type { KinematicChain, Vec3 } from "./kinematics.ts";
import { forwardKinematics, getTranslation, multiply, rotationAxisAngle, rotationRpy, toolPosition, transformPoint } from "./fk.ts";
import type { Mat4 } from "./fk.ts";

const CHAINS = Object.values(KINEMATIC_CHAINS);

function expectVec(actual: Vec3, expected: Vec3, tol = 1e-9): void {
  for (let i = 0; i < 3; i++) expect(Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN))).toBeLessThan(tol);
}

function expectRot(m: Mat4, rows: readonly (readonly number[])[], tol = 1e-12): void {
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) expect(Math.abs((m[r * 4 + c] ?? NaN) - (rows[r]?.[c] ?? NaN))).toBeLessThan(tol);
  }
}

const H = Math.PI / 2;

describe("rotation helpers (URDF rpy = Rz(yaw)·Ry(pitch)·Rx(roll))", () => {
  it("single-axis rpy rotations are the textbook matrices", () => {
    // roll +90° about x: y → z, z → −y
    expectRot(rotationRpy(H, 0, 0), [
      [1, 0, 0],
      [0, 0, -1],
      [0, 1, 0],
    ]);
    // pitch +90° about y: z → x, x → −z
    expectRot(rotationRpy(0, H, 0), [
      [0, 0, 1],
      [0, 1, 0],
      [-1, 0, 0],
    ]);
    // yaw +90° about z: x → y, y → −x
    expectRot(rotationRpy(0, 0, H), [
      [0, -1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
  });

  it("rpy composes as fixed axes: roll first, then pitch, then yaw", () => {
    // rpy (90°, 0, 90°): x → (yaw) y; y → (roll) z → (yaw) z; z → (roll) −y → (yaw) x
    const m = rotationRpy(H, 0, H);
    expectVec(transformPoint(m, [1, 0, 0]), [0, 1, 0], 1e-12);
    expectVec(transformPoint(m, [0, 1, 0]), [0, 0, 1], 1e-12);
    expectVec(transformPoint(m, [0, 0, 1]), [1, 0, 0], 1e-12);
    // and equals Rz·Ry·Rx built from axis-angle rotations
    const composed = multiply(
      rotationAxisAngle([0, 0, 1], 0.3),
      multiply(rotationAxisAngle([0, 1, 0], -0.7), rotationAxisAngle([1, 0, 0], 1.1)),
    );
    const rpy = rotationRpy(1.1, -0.7, 0.3);
    for (let i = 0; i < 16; i++) expect(Math.abs((rpy[i] ?? NaN) - (composed[i] ?? NaN))).toBeLessThan(1e-12);
  });

  it("axis-angle normalises the axis and is right-handed", () => {
    expectVec(transformPoint(rotationAxisAngle([0, 0, 2], H), [1, 0, 0]), [0, 1, 0], 1e-12);
    expectVec(transformPoint(rotationAxisAngle([0, 0, -1], H), [1, 0, 0]), [0, -1, 0], 1e-12);
  });
});

describe("chain data", () => {
  it("has the five arm joints in order, then the gripper", () => {
    for (const c of CHAINS) {
      expect(c.joints.map((j) => j.name)).toEqual([...JOINT_NAMES]);
      expect(c.joints.slice(0, 5).map((j) => j.name)).toEqual([...ARM_JOINTS]);
    }
  });

  it("every joint has lower < upper and a unit-length axis", () => {
    for (const c of CHAINS) {
      for (const j of c.joints) {
        expect(j.lower, `${c.robot}.${j.name}`).toBeLessThan(j.upper);
        expect(Math.hypot(...j.axis)).toBeCloseTo(1, 12);
      }
    }
  });

  it("links form a chain: each arm joint's parent is the previous joint's child, the jaw and tool hang off the gripper link", () => {
    for (const c of CHAINS) {
      let link = c.baseLink;
      for (const name of ARM_JOINTS) {
        const j = c.joints.find((x) => x.name === name);
        expect(j?.parent).toBe(link);
        link = j?.child ?? "";
      }
      expect(c.toolFrame.parent).toBe(link);
      expect(c.joints.find((x) => x.name === "gripper")?.parent).toBe(link);
      expect(c.links.length).toBe(7);
      for (const l of c.links) expect(l.length).toBeGreaterThan(0);
    }
  });

  it("calibrated ↔ URDF angle mapping round-trips", () => {
    for (const c of CHAINS) {
      for (const j of c.joints) expect(urdfToCalibratedRad(j, calibratedToUrdfRad(j, 0.37))).toBeCloseTo(0.37, 12);
    }
  });

  it("the calibrated middle (lerobot 0°) lies inside the URDF limits", () => {
    for (const c of CHAINS) {
      for (const j of c.joints) {
        const mid = calibratedToUrdfRad(j, 0);
        expect(mid, `${c.robot}.${j.name}`).toBeGreaterThanOrEqual(j.lower);
        expect(mid, `${c.robot}.${j.name}`).toBeLessThanOrEqual(j.upper);
      }
    }
  });
});

describe("forward kinematics at zero angles, against hand-composed URDF origins", () => {
  it("SO-101 (so101_new_calib.urdf)", () => {
    // Rotations of the origins, rounding 3.14159 → π and 1.5708 → π/2 (error ~1e-5 rad):
    //   R1 = Rz(−π)Rx(π) = diag(−1, 1, −1)
    //   R1R2 (R2 = Ry(−π/2)Rx(−π/2) = [[0,1,0],[0,0,1],[1,0,0]]) = [[0,−1,0],[0,0,1],[−1,0,0]]
    //   R1R2R3 (R3 = Rz(π/2)) = [[−1,0,0],[0,0,1],[0,1,0]]
    //   R1R2R3R4 (R4 = Rz(−π/2)) = [[0,−1,0],[0,0,1],[−1,0,0]]
    // gripper_link origin = o1 + R1·o2 + R1R2·o3 + R1R2R3·o4 + R1R2R3R4·o5:
    //   o1 = (0.0388353, 0, 0.0624); R1·o2 = (0.0303992, −0.0182778, 0.0542)
    //   R1R2·o3 = (0.028, 0, 0.11257); R1R2R3·o4 = (0.1349, 0, 0.0052); R1R2R3R4·o5 = (0.0611, 0.0181, 0)
    const wrist: Vec3 = [0.0388353 + 0.0303992 + 0.028 + 0.1349 + 0.0611, -0.0182778 + 0.0181, 0.0624 + 0.0542 + 0.11257 + 0.0052];
    const fk = forwardKinematics(KINEMATIC_CHAINS.so101, {});
    const grip = fk.frames.get("gripper_link");
    expect(grip).toBeDefined();
    if (grip !== undefined) expectVec(getTranslation(grip), wrist, 2e-5);
    // tool t = (tx, ty, tz) = (−0.0079, −0.000218121, −0.0981274) in gripper_link; R5 = Rz(π)Ry(β)Rx(π/2), β = 0.0486795:
    //   Rx(π/2)·t = (tx, −tz, ty); Ry(β)·that = (c·tx + s·ty, −tz, −s·tx + c·ty); Rz(π) negates x and y
    //   ⇒ R5·t = (−c·tx − s·ty, tz, −s·tx + c·ty); R1234·(u, v, w) = (−v, w, −u)
    //   ⇒ R1234·R5·t = (−tz, −s·tx + c·ty, c·tx + s·ty) = (0.0981274, 0.0079·s − 0.000218121·c, −0.0079·c − 0.000218121·s)
    const b = 0.0486795;
    const s = Math.sin(b);
    const c = Math.cos(b);
    const tool: Vec3 = [wrist[0] + 0.0981274, wrist[1] + 0.0079 * s - 0.000218121 * c, wrist[2] - 0.0079 * c - 0.000218121 * s];
    expectVec(toolPosition(KINEMATIC_CHAINS.so101, {}), tool, 2e-5);
    // ≈ (0.3914, 0.0000, 0.2265): the "L" pose, gripper pointing forward (+x)
    expectVec(tool, [0.39136, -0.00001, 0.22647], 1e-5);
    // tool z (approach) points forward
    expectVec([fk.tool[2] ?? NaN, fk.tool[6] ?? NaN, fk.tool[10] ?? NaN], [1, 0, 0], 1e-3);
  });

  it("Koch v1.1 (follower.urdf): all origin rotations are zero, so positions are plain sums", () => {
    const roll: Vec3 = [
      0.012 + 0 - 0.0148 - 0.10048 - 0.045,
      0 - 0.0209 + 0.0065 + 5e-5 + 0.013097,
      0.0409 + 0.0154 + 0.1083 + 0.0026999 + 0,
    ];
    const fk = forwardKinematics(KINEMATIC_CHAINS.koch, new Map<JointName, number>());
    const l5 = fk.frames.get("link_5");
    expect(l5).toBeDefined();
    if (l5 !== undefined) expectVec(getTranslation(l5), roll, 1e-12);
    expectVec(getTranslation(fk.tool), [roll[0] - 0.0625, roll[1] + 0.007, roll[2]], 1e-12);
  });

  it("SO-100 (so100.urdf) at its calibrated middle: the planar chain composed by hand", () => {
    const chain = KINEMATIC_CHAINS.so100;
    const mid = calibratedAngles(chain, 0);
    // shoulder = T(0, −0.0452, 0.0165)·Rx(1.57079); then lift/elbow/wrist only rotate about x.
    // Cumulative x-angle: upper_arm −1.8 + 1.8 = 0, lower_arm 1.57079 − 1.57079 = 0, wrist −1 − 0.57005.
    const phi = -1 - 0.57005;
    const rx = (a: number, v: Vec3): Vec3 => [v[0], v[1] * Math.cos(a) - v[2] * Math.sin(a), v[1] * Math.sin(a) + v[2] * Math.cos(a)];
    // in the shoulder frame:
    const wristPos: Vec3 = [0, 0.1025 + 0.11257 + 0.0052, 0.0306 + 0.028 + 0.1349];
    const rollOff = rx(phi, [0, -0.0601, 0]);
    // gripper = Rx(phi)·Ry(π/2): tool (0.0079, −0.1, 0) → Ry(π/2) → (0, −0.1, −0.0079) → Rx(phi)
    const toolOff = rx(phi, [0, -0.1, -0.0079]);
    const inShoulder: Vec3 = [0, wristPos[1] + rollOff[1] + toolOff[1], wristPos[2] + rollOff[2] + toolOff[2]];
    const world = rx(1.57079, inShoulder);
    const expected: Vec3 = [world[0], world[1] - 0.0452, world[2] + 0.0165];
    expectVec(toolPosition(chain, mid), expected, 1e-6);
    // and it is the same "L" pose as the SO-101 zero: tool ≈ 0.32 m forward (−y) of the shoulder_lift axis, ≈ 0.11 m above it
    const lift = getTranslation(forwardKinematics(chain, mid).frames.get("upper_arm") ?? new Float64Array(16));
    const so101 = forwardKinematics(KINEMATIC_CHAINS.so101, {});
    const so101Lift = getTranslation(so101.frames.get("upper_arm_link") ?? new Float64Array(16));
    const so101Tool = getTranslation(so101.tool);
    expect(Math.abs(-(expected[1] - lift[1]) - (so101Tool[0] - so101Lift[0]))).toBeLessThan(0.002);
    expect(Math.abs(expected[2] - lift[2] - (so101Tool[2] - so101Lift[2]))).toBeLessThan(0.002);
  });
});

function calibratedAngles(chain: KinematicChain, calibratedRad: number): Map<JointName, number> {
  return new Map(chain.joints.map((j) => [j.name, calibratedToUrdfRad(j, calibratedRad)] as const));
}

/** The pan axis in world coordinates and a point on it. */
function panAxis(chain: KinematicChain): { point: Vec3; dir: Vec3 } {
  const fk = forwardKinematics(chain, calibratedAngles(chain, 0));
  const pan = chain.joints[0];
  const frame = pan === undefined ? undefined : fk.frames.get(pan.child);
  if (pan === undefined || frame === undefined) throw new Error("no pan");
  const o = getTranslation(frame);
  const tip = transformPoint(frame, pan.axis);
  return { point: o, dir: [tip[0] - o[0], tip[1] - o[1], tip[2] - o[2]] };
}

function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

describe("shoulder_pan +90°", () => {
  it.each(CHAINS.map((c) => [c.robot, c] as const))(
    "%s: rotates the tool about the pan axis, keeping height and distance",
    (_name, chain) => {
      const { point, dir } = panAxis(chain);
      // the pan axis is vertical for all three arms
      expectVec(dir, [0, 0, Math.sign(dir[2])], 1e-4);
      const base = calibratedAngles(chain, 0);
      const p0 = toolPosition(chain, base);
      const turned = new Map(base);
      turned.set("shoulder_pan", (base.get("shoulder_pan") ?? 0) + H);
      const p1 = toolPosition(chain, turned);
      const r0 = sub(p0, point);
      const r1 = sub(p1, point);
      // height along the axis preserved
      expect(dot(r1, dir)).toBeCloseTo(dot(r0, dir), 9);
      // distance from the axis preserved
      const radial = (r: Vec3): Vec3 => sub(r, [dir[0] * dot(r, dir), dir[1] * dot(r, dir), dir[2] * dot(r, dir)]);
      const q0 = radial(r0);
      const q1 = radial(r1);
      expect(Math.hypot(...q1)).toBeCloseTo(Math.hypot(...q0), 9);
      // turned by +90° in the right-handed sense about the joint axis: q0 × q1 ∥ +axis, q0 ⟂ q1
      expect(dot(q0, q1)).toBeCloseTo(0, 9);
      const n = cross(q0, q1);
      expect(dot(n, dir) / Math.hypot(...q0) ** 2).toBeCloseTo(1, 6);
    },
  );
});

describe("reach", () => {
  /**
   * Expected ranges, all from the URDF numbers (no outside spec sheet):
   * - lower bound: the calibrated-middle "L" pose is already reachable (SO-101 |tool| ≈ 0.45 m),
   *   and stretching the arm must do at least as well;
   * - upper bound: triangle inequality — |pan origin| + Σ|joint origins after the pan| + |tool offset|.
   * SO-100/SO-101: upper arm 0.116 m, forearm 0.135 m, wrist+gripper ≈ 0.16 m ⇒ reach from the
   * shoulder ≈ 0.41 m, from the base origin (which adds the ≈ 0.12 m shoulder height when the arm
   * points straight up) ≲ 0.6 m. Koch v1.1: 0.109 + 0.100 + 0.045 + 0.063 ⇒ ≈ 0.33 m from the shoulder.
   * The brief's "roughly 0.3–0.5 m" is the reach from the shoulder, checked by REACH_FROM_SHOULDER.
   */
  const EXPECTED: Record<KinematicChain["robot"], readonly [number, number]> = {
    so101: [0.4, 0.6],
    so100: [0.4, 0.6],
    koch: [0.3, 0.45],
  };

  const REACH_FROM_SHOULDER: Record<KinematicChain["robot"], readonly [number, number]> = {
    so101: [0.35, 0.45],
    so100: [0.35, 0.45],
    koch: [0.28, 0.38],
  };

  function upperBound(chain: KinematicChain): number {
    let s = Math.hypot(...chain.toolFrame.xyz);
    for (const j of chain.joints) if (j.name !== "gripper") s += Math.hypot(...j.origin.xyz);
    return s;
  }

  it.each(CHAINS.map((c) => [c.robot, c] as const))("%s: max |tool| over the joint limits is plausible", (_name, chain) => {
    // deterministic pseudo-random sampling inside the limits
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    let maxReach = 0;
    let maxFromShoulder = 0;
    const liftLink = chain.joints[1]?.child ?? "";
    for (let i = 0; i < 4000; i++) {
      const angles: Record<string, number> = {};
      for (const j of chain.joints) angles[j.name] = j.lower + (j.upper - j.lower) * rnd();
      const fk = forwardKinematics(chain, angles);
      const tool = getTranslation(fk.tool);
      maxReach = Math.max(maxReach, Math.hypot(...tool));
      const shoulder = getTranslation(fk.frames.get(liftLink) ?? new Float64Array(16));
      maxFromShoulder = Math.max(maxFromShoulder, Math.hypot(...sub(tool, shoulder)));
    }
    const [slo, shi] = REACH_FROM_SHOULDER[chain.robot];
    expect(maxFromShoulder).toBeGreaterThan(slo);
    expect(maxFromShoulder).toBeLessThan(shi);
    const [lo, hi] = EXPECTED[chain.robot];
    expect(maxReach).toBeGreaterThan(lo);
    expect(maxReach).toBeLessThan(hi);
    expect(maxReach).toBeLessThanOrEqual(upperBound(chain) + 1e-9);
  });
});
