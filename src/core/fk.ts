/**
 * Pure forward kinematics over a {@link KinematicChain}: no dependencies, no DOM.
 *
 * Matrices are 4x4 homogeneous transforms stored row-major in a Float64Array:
 * element (row r, column c) is at index r * 4 + c, so the translation is at
 * indices 3, 7 and 11.
 *
 * URDF semantics: for every joint,
 *   child = parent · T(origin.xyz) · R(origin.rpy) · R(axis, angle)
 * where R(rpy) is the fixed-axis roll-pitch-yaw rotation Rz(yaw) · Ry(pitch) · Rx(roll).
 */

import type { JointName } from "./robots.ts";
import type { KinematicChain, Vec3 } from "./kinematics.ts";

export type Mat4 = Float64Array;

export type JointAngles = ReadonlyMap<JointName, number> | Readonly<Record<string, number>>;

export function identity(): Mat4 {
  const m = new Float64Array(16);
  m[0] = 1;
  m[5] = 1;
  m[10] = 1;
  m[15] = 1;
  return m;
}

function at(m: Mat4, i: number): number {
  return m[i] ?? 0;
}

/** a · b */
export function multiply(a: Mat4, b: Mat4): Mat4 {
  const out = new Float64Array(16);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += at(a, r * 4 + k) * at(b, k * 4 + c);
      out[r * 4 + c] = s;
    }
  }
  return out;
}

function translation(x: number, y: number, z: number): Mat4 {
  const m = identity();
  m[3] = x;
  m[7] = y;
  m[11] = z;
  return m;
}

/** Builds a transform from a row-major 3x3 rotation (9 numbers) and no translation. */
function fromRotation(r: readonly number[]): Mat4 {
  const m = identity();
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) m[row * 4 + col] = r[row * 3 + col] ?? 0;
  }
  return m;
}

/** URDF rpy: fixed-axis X (roll), then Y (pitch), then Z (yaw), i.e. Rz(yaw)·Ry(pitch)·Rx(roll). */
export function rotationRpy(roll: number, pitch: number, yaw: number): Mat4 {
  const cr = Math.cos(roll);
  const sr = Math.sin(roll);
  const cp = Math.cos(pitch);
  const sp = Math.sin(pitch);
  const cy = Math.cos(yaw);
  const sy = Math.sin(yaw);
  return fromRotation([
    cy * cp,
    cy * sp * sr - sy * cr,
    cy * sp * cr + sy * sr,
    sy * cp,
    sy * sp * sr + cy * cr,
    sy * sp * cr - cy * sr,
    -sp,
    cp * sr,
    cp * cr,
  ]);
}

/** Rotation by `angle` (rad, right-handed) about `axis` (normalised here; a zero axis gives identity). */
export function rotationAxisAngle(axis: Vec3, angle: number): Mat4 {
  const n = Math.hypot(axis[0], axis[1], axis[2]);
  if (n === 0 || angle === 0) return identity();
  const x = axis[0] / n;
  const y = axis[1] / n;
  const z = axis[2] / n;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return fromRotation([
    t * x * x + c,
    t * x * y - s * z,
    t * x * z + s * y,
    t * x * y + s * z,
    t * y * y + c,
    t * y * z - s * x,
    t * x * z - s * y,
    t * y * z + s * x,
    t * z * z + c,
  ]);
}

/** T(xyz) · R(rpy), the URDF `<origin>` transform. */
export function originTransform(xyz: Vec3, rpy: Vec3): Mat4 {
  return multiply(translation(xyz[0], xyz[1], xyz[2]), rotationRpy(rpy[0], rpy[1], rpy[2]));
}

export function getTranslation(m: Mat4): Vec3 {
  return [at(m, 3), at(m, 7), at(m, 11)];
}

/** Applies a transform to a point. */
export function transformPoint(m: Mat4, p: Vec3): Vec3 {
  return [
    at(m, 0) * p[0] + at(m, 1) * p[1] + at(m, 2) * p[2] + at(m, 3),
    at(m, 4) * p[0] + at(m, 5) * p[1] + at(m, 6) * p[2] + at(m, 7),
    at(m, 8) * p[0] + at(m, 9) * p[1] + at(m, 10) * p[2] + at(m, 11),
  ];
}

function angleOf(angles: JointAngles, name: JointName): number {
  const v = angles instanceof Map ? angles.get(name) : (angles as Readonly<Record<string, number>>)[name];
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

export interface FkResult {
  /** World (base-link) transform of every link, keyed by link name; includes the base link. */
  readonly frames: Map<string, Mat4>;
  /** World transform of the chain's tool frame. */
  readonly tool: Mat4;
}

/**
 * Forward kinematics. Angles are URDF joint angles in radians, keyed by joint
 * name; missing or non-finite angles count as 0. Joints are applied in the
 * order listed, each relative to its parent link's frame (so the gripper jaw
 * hangs off the gripper link like in the URDF tree).
 */
export function forwardKinematics(chain: KinematicChain, anglesRad: JointAngles): FkResult {
  const frames = new Map<string, Mat4>();
  frames.set(chain.baseLink, identity());
  for (const j of chain.joints) {
    const parent = frames.get(j.parent);
    if (parent === undefined) throw new Error(`fk: joint ${j.name} has unknown parent link ${j.parent}`);
    const local = multiply(originTransform(j.origin.xyz, j.origin.rpy), rotationAxisAngle(j.axis, angleOf(anglesRad, j.name)));
    frames.set(j.child, multiply(parent, local));
  }
  const toolParent = frames.get(chain.toolFrame.parent);
  if (toolParent === undefined) throw new Error(`fk: tool frame has unknown parent link ${chain.toolFrame.parent}`);
  const tool = multiply(toolParent, originTransform(chain.toolFrame.xyz, chain.toolFrame.rpy));
  return { frames, tool };
}

/** Position of the tool point (between the gripper jaws) in the base-link frame, metres. */
export function toolPosition(chain: KinematicChain, anglesRad: JointAngles): Vec3 {
  return getTranslation(forwardKinematics(chain, anglesRad).tool);
}
