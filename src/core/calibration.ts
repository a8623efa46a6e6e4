/**
 * Calibration as lerobot defines it, pure: the JSON file (per motor: id, drive_mode,
 * homing_offset, range_min, range_max), normalisation of raw encoder steps, half-turn
 * homing, and the checks run on a recorded range of motion.
 */
import type { ArmDefinition, JointName, ProtocolName } from "./robots.ts";
import { clip, echo, firstLines, messageOf } from "./messages.ts";

export interface MotorCalibration {
  readonly id: number;
  readonly drive_mode: number;
  readonly homing_offset: number;
  readonly range_min: number;
  readonly range_max: number;
}

/** Keyed by motor name, in the file's order. */
export type CalibrationTable = Readonly<Record<string, MotorCalibration>>;

export type NormMode = "degrees" | "range_m100_100" | "range_0_100";

/** Encoder steps per turn of every supported motor, and the largest raw reading. */
const RESOLUTION = 4096;
export const MAX_RAW = RESOLUTION - 1;
/** Where half-turn homing puts the middle pose. */
export const HALF_TURN = Math.floor(MAX_RAW / 2); // 2047

const FIELDS = ["id", "drive_mode", "homing_offset", "range_min", "range_max"] as const;

/** Homing offset range per protocol (Feetech: sign-magnitude bit 11; Dynamixel: int32). */
export function homingOffsetLimit(protocol: ProtocolName): number {
  return protocol === "feetech" ? 2047 : 2 ** 31 - 1;
}

/**
 * Half-turn homing from a raw position read with a zero offset, so the middle pose reads 2047.
 * Feetech: Present = Actual − Offset ⇒ offset = pos − 2047. Dynamixel: Present = Actual + Offset ⇒ offset = 2047 − pos.
 */
export function halfTurnHomingOffset(protocol: ProtocolName, rawPosition: number): number {
  return protocol === "feetech" ? rawPosition - HALF_TURN : HALF_TURN - rawPosition;
}

// ---- normalisation (lerobot motors_bus._normalize / _unnormalize) --------------------

function rangeOf(cal: MotorCalibration, applyDriveMode: boolean): { min: number; max: number; flip: boolean } {
  if (cal.range_max === cal.range_min) throw new RangeError(`Motor ${cal.id} has range_min == range_max: recalibrate it.`);
  return { min: cal.range_min, max: cal.range_max, flip: applyDriveMode && cal.drive_mode !== 0 };
}

export function normalize(raw: number, cal: MotorCalibration, mode: NormMode, applyDriveMode: boolean): number {
  const { min, max, flip } = rangeOf(cal, applyDriveMode);
  switch (mode) {
    case "range_m100_100": {
      const b = Math.min(max, Math.max(min, raw));
      const n = ((b - min) / (max - min)) * 200 - 100;
      return flip ? -n : n;
    }
    case "range_0_100": {
      const b = Math.min(max, Math.max(min, raw));
      const n = ((b - min) / (max - min)) * 100;
      return flip ? 100 - n : n;
    }
    case "degrees":
      return ((raw - (min + max) / 2) * 360) / MAX_RAW;
  }
}

export function unnormalize(value: number, cal: MotorCalibration, mode: NormMode, applyDriveMode: boolean): number {
  const { min, max, flip } = rangeOf(cal, applyDriveMode);
  switch (mode) {
    case "range_m100_100": {
      const v = Math.min(100, Math.max(-100, flip ? -value : value));
      return Math.trunc(((v + 100) / 200) * (max - min) + min);
    }
    case "range_0_100": {
      const v = Math.min(100, Math.max(0, flip ? 100 - value : value));
      return Math.trunc((v / 100) * (max - min) + min);
    }
    case "degrees":
      return Math.trunc((value * MAX_RAW) / 360 + (min + max) / 2);
  }
}

// ---- the JSON file --------------------------------------------------------------------

export type ParseResult =
  { readonly ok: true; readonly table: CalibrationTable } | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Parse and check a lerobot calibration file for one arm. Every problem is reported with
 * the field it concerns; nothing is accepted unless the whole file is right.
 */
export function parseCalibration(text: string, arm: ArmDefinition): ParseResult {
  const tooLarge = calibrationSizeError(text.length);
  if (tooLarge) return { ok: false, errors: [tooLarge] };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`The file is not valid JSON (${clip(messageOf(e), 120)}).`] };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { ok: false, errors: ["The file must hold one JSON object keyed by motor name (shoulder_pan, …)."] };
  }
  const errors: string[] = [];
  const entries = Object.entries(data as Record<string, unknown>);
  const expected = new Map(arm.motors.map((m) => [m.name as string, m]));
  if (entries.length > CALIBRATION_MAX_MOTORS)
    return {
      ok: false,
      errors: [`The file names ${entries.length} motors; ${arm.label} has ${expected.size}. Choose the calibration file of this arm.`],
    };
  for (const [name] of entries) {
    if (!expected.has(name)) errors.push(`${echo(name)}: unknown motor for ${arm.label} (expected ${[...expected.keys()].join(", ")}).`);
  }
  for (const name of expected.keys()) {
    if (!entries.some(([n]) => n === name)) errors.push(`"${name}": missing from the file.`);
  }
  const limit = homingOffsetLimit(arm.protocol);
  const table: Record<string, MotorCalibration> = {};
  for (const [name, value] of entries) {
    const spec = expected.get(name);
    if (!spec) continue;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      errors.push(`"${name}": must be an object with ${FIELDS.join(", ")}.`);
      continue;
    }
    const v = value as Record<string, unknown>;
    const bad = (field: string, why: string) => errors.push(`"${name}.${field}": ${why}`);
    for (const field of FIELDS) {
      if (!(field in v)) bad(field, "missing.");
      else if (typeof v[field] !== "number" || !Number.isInteger(v[field])) bad(field, `must be an integer, got ${echo(v[field])}.`);
    }
    for (const key of Object.keys(v)) {
      if (!(FIELDS as readonly string[]).includes(key)) bad(clip(key), "unknown field.");
    }
    const n = (field: (typeof FIELDS)[number]) => (typeof v[field] === "number" ? (v[field] as number) : NaN);
    const [id, driveMode, offset, min, max] = [n("id"), n("drive_mode"), n("homing_offset"), n("range_min"), n("range_max")];
    if (Number.isInteger(id) && id !== spec.id)
      bad("id", `is ${id}, but ${arm.label}'s ${name} is motor ${spec.id}: is this file for another robot?`);
    if (Number.isInteger(driveMode) && driveMode !== 0 && driveMode !== 1) bad("drive_mode", `must be 0 or 1, got ${driveMode}.`);
    if (Number.isInteger(offset) && Math.abs(offset) > limit) bad("homing_offset", `${offset} is outside ±${limit}.`);
    for (const [field, x] of [
      ["range_min", min],
      ["range_max", max],
    ] as const) {
      if (Number.isInteger(x) && (x < 0 || x > MAX_RAW)) bad(field, `${x} is outside 0..${MAX_RAW}.`);
    }
    if (Number.isInteger(min) && Number.isInteger(max) && min >= max) bad("range_min", `${min} must be less than range_max ${max}.`);
    table[name] = { id, drive_mode: driveMode, homing_offset: offset, range_min: min, range_max: max };
  }
  return errors.length > 0 ? { ok: false, errors: firstLines(errors) } : { ok: true, table };
}

/** A lerobot calibration file is well under 2 KB; anything past these bounds is refused before it is parsed. */
export const CALIBRATION_MAX_BYTES = 64 * 1024;
const CALIBRATION_MAX_MOTORS = 32;

/** Why a calibration file of `bytes` is refused unread (undefined: small enough to read). */
export function calibrationSizeError(bytes: number): string | undefined {
  if (bytes <= CALIBRATION_MAX_BYTES) return undefined;
  return (
    `The file is ${(bytes / 1024).toFixed(0)} KB; a calibration file is about 1 KB (at most ${CALIBRATION_MAX_BYTES / 1024} KB here). ` +
    "Choose the .json lerobot wrote for this arm."
  );
}

/**
 * The file exactly as lerobot writes it (draccus → json.dump(indent=4)): fields in
 * dataclass order, 4-space indent, no trailing newline. Motors in the table's order.
 */
export function serializeCalibration(table: CalibrationTable): string {
  const motors = Object.entries(table).map(([name, c]) => {
    const fields = FIELDS.map((f) => `        ${JSON.stringify(f)}: ${c[f]}`).join(",\n");
    return `    ${JSON.stringify(name)}: {\n${fields}\n    }`;
  });
  return motors.length === 0 ? "{}" : `{\n${motors.join(",\n")}\n}`;
}

// ---- checking a recorded range of motion ----------------------------------------------

export interface JointSweep {
  readonly name: JointName;
  readonly min: number;
  readonly max: number;
  /** Sign of the first clear move away from the middle pose (+1, −1), or 0 if none. */
  readonly firstMove: number;
}

export interface SweepIssue {
  readonly joint: JointName;
  readonly kind: "never_moved" | "small_range" | "wrong_direction" | "middle_outside_range";
  readonly message: string;
}

/** Steps below which a joint "never moved" (≈1.8°), and the smallest plausible range (≈35°). */
const NEVER_MOVED_STEPS = 20;
const SMALL_RANGE_STEPS = 400;

/**
 * Problems worth explaining before the user saves: a joint that never moved, a range too
 * small to be a full sweep, a joint that first moved against its arrow, or a range that
 * does not contain the middle pose (homing was set somewhere else).
 */
export function reviewSweep(sweeps: readonly JointSweep[], fullTurn: ReadonlySet<string>): SweepIssue[] {
  const issues: SweepIssue[] = [];
  for (const s of sweeps) {
    if (fullTurn.has(s.name)) continue;
    const span = s.max - s.min;
    const label = s.name.replace("_", " ");
    if (span < NEVER_MOVED_STEPS) {
      issues.push({
        joint: s.name,
        kind: "never_moved",
        message: `${label} never moved (${span} steps). Move it through its whole range, or check that its motor is connected.`,
      });
      continue;
    }
    if (span < SMALL_RANGE_STEPS) {
      const deg = Math.round((span * 360) / RESOLUTION);
      issues.push({ joint: s.name, kind: "small_range", message: `${label} moved only ${deg}°. Sweep it from one end stop to the other.` });
    }
    if (s.firstMove < 0) {
      issues.push({
        joint: s.name,
        kind: "wrong_direction",
        message: `${label} first moved against its arrow. If you followed the arrow, this motor counts the other way: check it is mounted as in the assembly guide.`,
      });
    }
    if (s.min > HALF_TURN || s.max < HALF_TURN) {
      issues.push({
        joint: s.name,
        kind: "middle_outside_range",
        message: `${label}'s range does not include its middle pose: set the middle pose again with the arm centred.`,
      });
    }
  }
  return issues;
}
