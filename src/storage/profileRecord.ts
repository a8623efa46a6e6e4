import { ARMS, type ArmId } from "../core/robots.ts";
import { StorageError } from "./errors.ts";
import {
  PROFILE_SCHEMA_VERSION,
  type BodyNormMode,
  type CalibrationTable,
  type MotorCalibration,
  type PortIdentity,
  type RobotProfile,
  type StoredProfile,
  type UserUrdf,
} from "./ProfileStore.ts";
import { array, attempt, bool, describe, integer, Invalid, isRecord, nonEmptyString, object, oneOf, string, timestamp } from "./fields.ts";
import { upgradeRecord, type Upgrade } from "./recordVersions.ts";

/**
 * Validation and migration of stored profile records.
 *
 * Records carry `schemaVersion`. Reading runs the upgrade steps from the record's version to
 * PROFILE_SCHEMA_VERSION, then validates the result. Records are upgraded lazily, on read, and
 * not rewritten: the next `put` stores the current shape. Steps work on unvalidated data and must
 * not throw; validation afterwards reports whatever is still wrong.
 *
 * Shapes:
 *   v0  (never shipped; kept to prove the mechanism) as v1, but the norm mode is `normMode`.
 *   v1  RobotProfile + schemaVersion.
 *
 * To change the shape: bump PROFILE_SCHEMA_VERSION, append a step to UPGRADES (UPGRADES[n]
 * turns vn into vn+1), update validateProfile. Never edit a step that has shipped.
 */

const UPGRADES: readonly Upgrade[] = [
  // v0 → v1: `normMode` renamed to `bodyNormMode`.
  ({ normMode, ...rest }) => ({ ...rest, bodyNormMode: normMode, schemaVersion: 1 }),
];

if (UPGRADES.length !== PROFILE_SCHEMA_VERSION) {
  throw new Error(`profileRecord: ${UPGRADES.length} upgrade steps for schema version ${PROFILE_SCHEMA_VERSION}`);
}

export type ProfileCheck = RobotProfile | { error: string };

/** Reads a stored record of any known schemaVersion. Never throws: a bad record yields `{ error }`. */
export function migrateProfile(raw: unknown): ProfileCheck {
  const upgraded = upgradeRecord(raw, UPGRADES, PROFILE_SCHEMA_VERSION, "profile", 0);
  if ("error" in upgraded) return upgraded;
  return validateProfile(upgraded.record);
}

/**
 * Checks a current-shape profile (schemaVersion, if present, is ignored) and returns a fresh
 * object holding exactly the RobotProfile fields; unknown fields are dropped. Never throws.
 */
export function validateProfile(raw: unknown): ProfileCheck {
  return attempt(() => readProfile(raw));
}

/** The record `put` writes: validated, current schema. Throws StorageError("invalid"). */
export function toStoredProfile(profile: RobotProfile): StoredProfile {
  const checked = validateProfile(profile);
  if ("error" in checked) {
    const label = isRecord(profile) && typeof profile["name"] === "string" ? ` "${profile["name"]}"` : "";
    throw new StorageError(
      "invalid",
      `The robot profile${label} was not saved because it is invalid: ${checked.error}. Nothing was changed; fix the profile (or recalibrate the arm) and save again.`,
    );
  }
  return { ...checked, schemaVersion: PROFILE_SCHEMA_VERSION };
}

/** The error for `get` of a record that cannot be read. */
export function damagedProfileError(id: string, error: string): StorageError {
  return new StorageError(
    "invalid",
    `The saved robot profile "${id}" is damaged and cannot be loaded: ${error}. Delete it and set the arm up again.`,
  );
}

// ---------------------------------------------------------------------------------------------

const NORM_MODES: readonly BodyNormMode[] = ["degrees", "range_m100_100"];

function readProfile(raw: unknown): RobotProfile {
  const r = object(raw, "profile");
  return {
    id: nonEmptyString(r["id"], "id"),
    name: nonEmptyString(r["name"], "name"),
    arm: armId(r["arm"]),
    bodyNormMode: oneOf(r["bodyNormMode"], NORM_MODES, "bodyNormMode"),
    simulated: r["simulated"] === undefined ? false : bool(r["simulated"], "simulated"),
    port: r["port"] === undefined ? undefined : port(r["port"]),
    calibration: r["calibration"] === undefined ? undefined : calibration(r["calibration"]),
    calibratedAt: r["calibratedAt"] === undefined ? undefined : timestamp(r["calibratedAt"], "calibratedAt"),
    createdAt: timestamp(r["createdAt"], "createdAt"),
    updatedAt: timestamp(r["updatedAt"], "updatedAt"),
    ...(r["urdf"] === undefined ? {} : { urdf: userUrdf(r["urdf"]) }),
  };
}

function userUrdf(x: unknown): UserUrdf {
  const r = object(x, "urdf");
  const main = nonEmptyString(r["main"], "urdf.main");
  const files = array(r["files"], "urdf.files", "a list").map((f, i) => {
    const o = object(f, `urdf.files[${i}]`);
    if (!(o["data"] instanceof ArrayBuffer)) throw new Invalid(`urdf.files[${i}].data: expected bytes, got ${describe(o["data"])}`);
    return { path: nonEmptyString(o["path"], `urdf.files[${i}].path`), data: o["data"] };
  });
  if (!files.some((f) => f.path === main)) throw new Invalid(`urdf.main: "${main}" is not among the files`);
  return { main, files };
}

function armId(x: unknown): ArmId {
  if (typeof x === "string" && Object.hasOwn(ARMS, x)) return x as ArmId;
  throw new Invalid(`arm: expected one of ${Object.keys(ARMS).join(", ")}, got ${describe(x)}`);
}

function port(x: unknown): PortIdentity {
  const r = object(x, "port");
  const out: PortIdentity = {};
  if (r["usbVendorId"] !== undefined) out.usbVendorId = integer(r["usbVendorId"], "port.usbVendorId", 0, 0xffff);
  if (r["usbProductId"] !== undefined) out.usbProductId = integer(r["usbProductId"], "port.usbProductId", 0, 0xffff);
  if (r["serialNumber"] !== undefined) out.serialNumber = string(r["serialNumber"], "port.serialNumber");
  return out;
}

function calibration(x: unknown): CalibrationTable {
  const table = object(x, "calibration");
  // Object.fromEntries defines own properties, so a motor called "__proto__" cannot reach the prototype.
  return Object.fromEntries(
    Object.entries(table).map(([motor, entry]): [string, MotorCalibration] => {
      if (motor === "") throw new Invalid("calibration: empty motor name");
      const e = object(entry, `calibration.${motor}`);
      const field = (f: keyof MotorCalibration) => integer(e[f], `calibration.${motor}.${f}`);
      return [
        motor,
        {
          id: field("id"),
          drive_mode: field("drive_mode"),
          homing_offset: field("homing_offset"),
          range_min: field("range_min"),
          range_max: field("range_max"),
        },
      ];
    }),
  );
}
