/**
 * Leader → follower mapping and the per-tick safety rules, pure. Values are in each
 * motor's normalised units (degrees, −100..100, or 0..100 for the gripper), so any leader
 * drives any follower with the same joint names.
 */
import { type CalibrationTable, normalize, type NormMode, unnormalize } from "./calibration.ts";
import type { ArmDefinition } from "./robots.ts";
import { motorNormMode } from "./robots.ts";

export interface ArmUnits {
  readonly arm: ArmDefinition;
  readonly calibration: CalibrationTable;
  readonly body: "degrees" | "range_m100_100";
}

function modeOf(u: ArmUnits, i: number): NormMode {
  return motorNormMode(u.arm.motors[i]!, u.body);
}

/** Feetech applies drive_mode in software; Dynamixel's Drive_Mode register does it in the motor. */
function appliesDriveMode(u: ArmUnits): boolean {
  return u.arm.protocol === "feetech";
}

/** Raw positions (NaN = missing) → normalised values (NaN stays NaN). */
export function toNormalized(u: ArmUnits, raw: ArrayLike<number>, out: Float64Array): void {
  u.arm.motors.forEach((m, i) => {
    const cal = u.calibration[m.name];
    const r = raw[i] ?? NaN;
    out[i] = cal === undefined || Number.isNaN(r) ? NaN : normalize(r, cal, modeOf(u, i), appliesDriveMode(u));
  });
}

/**
 * Normalised → raw goal, clamped to the calibrated range (ranged modes clamp in
 * unnormalize; degrees are clamped here). NaN stays NaN: nothing is sent for that motor.
 */
export function toRawGoal(u: ArmUnits, value: ArrayLike<number>, out: Float64Array): void {
  u.arm.motors.forEach((m, i) => {
    const cal = u.calibration[m.name];
    const v = value[i] ?? NaN;
    if (cal === undefined || Number.isNaN(v)) {
      out[i] = NaN;
      return;
    }
    const raw = unnormalize(v, cal, modeOf(u, i), appliesDriveMode(u));
    out[i] = Math.min(cal.range_max, Math.max(cal.range_min, raw));
  });
}

/**
 * lerobot's max_relative_target: move at most `maxStep` (per motor, normalised units)
 * from where the follower is. A joint whose present position is unknown is not moved.
 */
export function limitStep(goal: ArrayLike<number>, present: ArrayLike<number>, maxStep: ArrayLike<number>, out: Float64Array): number {
  let clipped = 0;
  for (let i = 0; i < out.length; i++) {
    const g = goal[i] ?? NaN;
    const p = present[i] ?? NaN;
    const cap = maxStep[i] ?? Infinity;
    if (Number.isNaN(g) || Number.isNaN(p)) {
      out[i] = NaN;
      continue;
    }
    const d = Math.max(-cap, Math.min(cap, g - p));
    if (Math.abs(g - p - d) > 1e-9) clipped++;
    out[i] = p + d;
  }
  return clipped;
}

/** Largest |command − present| over known joints; NaN if a joint is unknown. */
export function maxDistance(command: ArrayLike<number>, present: ArrayLike<number>, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs((command[i] ?? NaN) - (present[i] ?? NaN));
    if (Number.isNaN(d)) return NaN;
    worst = Math.max(worst, d);
  }
  return worst;
}

/** A joint's reachable values in normalised units (from its calibrated range); NaN bounds when uncalibrated. */
export interface JointRange {
  readonly min: number;
  readonly max: number;
}

/** Each motor's calibrated range in normalised units, the bounds every manual target is held to. */
export function jointRanges(u: ArmUnits): JointRange[] {
  return u.arm.motors.map((m, i) => {
    const cal = u.calibration[m.name];
    if (cal === undefined) return { min: NaN, max: NaN };
    const a = normalize(cal.range_min, cal, modeOf(u, i), appliesDriveMode(u));
    const b = normalize(cal.range_max, cal, modeOf(u, i), appliesDriveMode(u));
    return { min: Math.min(a, b), max: Math.max(a, b) };
  });
}

/** `v` held to `range` (NaN stays NaN; an unknown range leaves `v` as it is). */
export function clampToRange(v: number, range: JointRange | undefined): number {
  if (Number.isNaN(v) || !range || Number.isNaN(range.min) || Number.isNaN(range.max)) return v;
  return Math.min(range.max, Math.max(range.min, v));
}

/**
 * The start gate's ramp: moves `point` (the commanded pose on its way to `target`) by at most
 * `ratePerSecond × dtMs` per joint, and never more than `lead` ahead of where the follower
 * measurably is, so a lagging servo is waited for rather than run away from. Speed is set by
 * elapsed time, not by ticks: late ticks do not slow the ramp, and it is never faster.
 * Joints whose target or position is unknown keep their point.
 */
export function rampToward(
  point: Float64Array,
  target: ArrayLike<number>,
  present: ArrayLike<number>,
  ratePerSecond: number,
  dtMs: number,
  lead: number,
): void {
  const step = (ratePerSecond * Math.max(0, dtMs)) / 1000;
  for (let i = 0; i < point.length; i++) {
    const t = target[i] ?? NaN;
    const p = present[i] ?? NaN;
    if (Number.isNaN(t) || Number.isNaN(p)) continue;
    let x = point[i]!;
    if (Number.isNaN(x)) x = p;
    x += Math.max(-step, Math.min(step, t - x));
    point[i] = Math.max(p - lead, Math.min(p + lead, x));
  }
}
