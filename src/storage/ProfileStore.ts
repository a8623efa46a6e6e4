import type { ArmId } from "../core/robots.ts";

export { StorageError } from "./errors.ts";

/**
 * Robot profiles: an arm the user owns, its name, the USB port it was last seen on and its
 * calibration. These domain types live here until a second layer needs them (then: core).
 */

/** What the Web Serial API tells us about a port, to find the same adapter again. */
export interface PortIdentity {
  usbVendorId?: number;
  usbProductId?: number;
  serialNumber?: string;
}

/** One motor's calibration, in lerobot's JSON shape (all integers). */
import type { CalibrationTable } from "../core/calibration.ts";
export type { CalibrationTable, MotorCalibration } from "../core/calibration.ts";

export type BodyNormMode = "degrees" | "range_m100_100";

export interface RobotProfile {
  /** Stable uuid; the store's key. */
  id: string;
  /** The user's name for the arm: "left follower". Non-empty. */
  name: string;
  /** Which arm definition in core/robots.ts ARMS this is. */
  arm: ArmId;
  bodyNormMode: BodyNormMode;
  /** A simulated arm (the demo rig): no port to remember. */
  simulated: boolean;
  port: PortIdentity | undefined;
  calibration: CalibrationTable | undefined;
  /** ms since epoch. */
  calibratedAt: number | undefined;
  createdAt: number;
  updatedAt: number;
  /** The user's own URDF for the 3D view (with its meshes), replacing the built-in one. */
  urdf?: UserUrdf;
}

/** A URDF and the files it references (meshes, textures), by their path inside the chosen folder. */
export interface UserUrdf {
  /** Path of the .urdf file among `files`. */
  main: string;
  files: { path: string; data: ArrayBuffer }[];
}

/** Version of the stored record's shape. Bump it and add a step in profileRecord.ts. */
export const PROFILE_SCHEMA_VERSION = 1;

/** What the `profiles` object store holds. */
export type StoredProfile = RobotProfile & { schemaVersion: number };

export interface ProfileListing {
  /** Valid profiles, migrated to the current shape, ordered by id. */
  profiles: RobotProfile[];
  /** Stored records that could not be read, with the reason; they stay in the store. */
  skipped: { id: string; error: string }[];
}

/**
 * Where robot profiles live. Every method returns copies: mutating a returned profile never
 * changes the store. Failures reject with a StorageError.
 */
export interface ProfileStore {
  list(): Promise<ProfileListing>;
  /** undefined if absent; rejects with StorageError("invalid") if the stored record is damaged. */
  get(id: string): Promise<RobotProfile | undefined>;
  /** Validates, then inserts or replaces by id. An invalid profile rejects with StorageError("invalid") and writes nothing. */
  put(profile: RobotProfile): Promise<void>;
  /** Deleting an absent id is not an error. */
  delete(id: string): Promise<void>;
}
