/**
 * Stored dataset records: their shape, validation and lazy migration, and the rules of creating
 * and changing a dataset as pure functions, so IdbEpisodeStore and MemoryEpisodeStore apply the
 * very same rules.
 *
 * Record shape (schemaVersion on each record; upgraded on read, never rewritten in bulk):
 *   dataset v1  DatasetRecord + schemaVersion.
 * To change it: bump DATASET_SCHEMA_VERSION in EpisodeStore.ts, append a step to UPGRADES
 * (UPGRADES[n] turns vn+1 into vn+2; version 1 is the first), update readDataset. Never edit a
 * shipped step.
 */
import type { CameraSpec, DatasetRecord, JointUnits } from "../core/dataset.ts";
import { DATASET_SCHEMA_VERSION, type DatasetPatch, type NewDataset } from "./EpisodeStore.ts";
import { StorageError } from "./errors.ts";
import {
  array,
  attempt,
  describe,
  integer,
  Invalid,
  nonEmptyString,
  object,
  oneOf,
  positive,
  string,
  timestamp,
  unique,
  type Checked,
} from "./fields.ts";
import { upgradeRecord, type Upgrade } from "./recordVersions.ts";

export type StoredDataset = DatasetRecord & { schemaVersion: number };

const UPGRADES: readonly Upgrade[] = [];

if (UPGRADES.length !== DATASET_SCHEMA_VERSION - 1) {
  throw new Error("datasetRecord: upgrade steps do not match the schema version");
}

/** Reads a stored dataset record of any known version. Never throws. */
export function migrateDataset(raw: unknown): Checked<DatasetRecord> {
  const upgraded = upgradeRecord(raw, UPGRADES, DATASET_SCHEMA_VERSION, "dataset");
  if ("error" in upgraded) return upgraded;
  return attempt(() => readDataset(upgraded.record));
}

export function toStoredDataset(init: NewDataset, id: string, nowEpochMs: number): StoredDataset {
  const record = {
    id,
    name: init.name,
    fps: init.fps,
    robotType: init.robotType,
    jointNames: init.jointNames,
    units: init.units,
    cameras: init.cameras,
    tasks: init.tasks,
    createdAtEpochMs: nowEpochMs,
    updatedAtEpochMs: nowEpochMs,
    ...(init.importing ? { importing: true } : {}),
  };
  const checked = attempt(() => readDataset(record));
  if ("error" in checked) {
    throw new StorageError(
      "invalid",
      `The dataset "${String(init.name)}" was not created because it is invalid: ${checked.error}. Nothing was saved.`,
    );
  }
  return { ...checked, schemaVersion: DATASET_SCHEMA_VERSION };
}

const SHAPE_FIELDS = ["fps", "robotType", "jointNames", "units", "cameras"] as const;

export function applyDatasetPatch(dataset: DatasetRecord, patch: DatasetPatch, hasEpisodes: boolean, nowEpochMs: number): StoredDataset {
  if (hasEpisodes) {
    const changed = SHAPE_FIELDS.filter((f) => patch[f] !== undefined && JSON.stringify(patch[f]) !== JSON.stringify(dataset[f]));
    if (changed.length > 0) {
      throw new StorageError(
        "invalid",
        `The dataset "${dataset.name}" already has episodes, so its ${changed.join(", ")} cannot change (the episodes were recorded with the old values). ` +
          "Nothing was changed; create a new dataset instead.",
      );
    }
  }
  const next = {
    ...dataset,
    ...definedFields(patch),
    id: dataset.id,
    createdAtEpochMs: dataset.createdAtEpochMs,
    updatedAtEpochMs: nowEpochMs,
  };
  const checked = attempt(() => readDataset(next));
  if ("error" in checked) {
    throw new StorageError("invalid", `The dataset "${dataset.name}" was not changed because the change is invalid: ${checked.error}.`);
  }
  return { ...checked, schemaVersion: DATASET_SCHEMA_VERSION };
}

/** Of stored dataset records, the oldest readable one named `name` (ties by id); damaged records are passed over. */
export function oldestNamed(raws: readonly unknown[], name: string): DatasetRecord | undefined {
  let best: DatasetRecord | undefined;
  for (const raw of raws) {
    const d = migrateDataset(raw);
    if ("error" in d || d.name !== name) continue;
    if (!best || d.createdAtEpochMs < best.createdAtEpochMs || (d.createdAtEpochMs === best.createdAtEpochMs && d.id < best.id)) best = d;
  }
  return best;
}

/** A stored dataset without its schemaVersion. */
export function publicDataset(stored: StoredDataset): DatasetRecord {
  const dataset: Partial<StoredDataset> = { ...stored };
  delete dataset.schemaVersion;
  return dataset as DatasetRecord;
}

/** The patch without keys whose value is undefined (exactOptionalPropertyTypes: absent means unchanged). */
export function definedFields<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const UNITS: readonly JointUnits[] = ["degrees", "range_m100_100"];
const CAMERA_SOURCES: readonly CameraSpec["source"][] = ["usb", "phone", "simulated", "imported"];

function readDataset(raw: unknown): DatasetRecord {
  const r = object(raw, "dataset");
  const jointNames = array(r["jointNames"], "jointNames").map((j, i) => nonEmptyString(j, `jointNames[${i}]`));
  unique(jointNames, "jointNames");
  const cameras = array(r["cameras"], "cameras").map((c, i) => readCamera(c, `cameras[${i}]`));
  unique(
    cameras.map((c) => c.key),
    "cameras (key)",
  );
  return {
    id: nonEmptyString(r["id"], "id"),
    name: nonEmptyString(r["name"], "name"),
    fps: positive(r["fps"], "fps"),
    robotType: string(r["robotType"], "robotType"),
    jointNames,
    units: oneOf(r["units"], UNITS, "units"),
    cameras,
    tasks: array(r["tasks"], "tasks").map((t, i) => string(t, `tasks[${i}]`)),
    createdAtEpochMs: timestamp(r["createdAtEpochMs"], "createdAtEpochMs"),
    updatedAtEpochMs: timestamp(r["updatedAtEpochMs"], "updatedAtEpochMs"),
    ...(r["importing"] === true ? { importing: true as const } : {}),
  };
}

function readCamera(raw: unknown, path: string): CameraSpec {
  const c = object(raw, path);
  const key = string(c["key"], `${path}.key`);
  if (!/^[a-z0-9_]+$/.test(key)) throw new Invalid(`${path}.key: expected lowercase letters, digits and _, got ${describe(key)}`);
  return {
    key,
    source: oneOf(c["source"], CAMERA_SOURCES, `${path}.source`),
    deviceId: string(c["deviceId"], `${path}.deviceId`),
    label: string(c["label"], `${path}.label`),
    width: integer(c["width"], `${path}.width`, 1),
    height: integer(c["height"], `${path}.height`, 1),
    fps: positive(c["fps"], `${path}.fps`),
  };
}
