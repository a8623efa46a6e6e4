import type { CameraSpec, DatasetRecord, EpisodeRecord, EpisodeStatus, JointUnits, MediaBatch, RowBatch } from "../core/dataset.ts";
import { emptyAnnotations } from "../core/dataset.ts";
import {
  DATASET_SCHEMA_VERSION,
  EPISODE_SCHEMA_VERSION,
  type DatasetPatch,
  type EpisodePatch,
  type FinishEpisode,
  type NewDataset,
  type NewEpisode,
} from "./EpisodeStore.ts";
import { StorageError, toStorageError } from "./errors.ts";
import { describe, Invalid, isRecord, nonEmptyString, object, timestamp, type Raw } from "./fields.ts";

/**
 * Stored shapes of datasets and episodes, their validation and lazy migration, and the rules of
 * every episode mutation as pure functions, so IdbEpisodeStore and MemoryEpisodeStore apply the
 * very same rules and differ only in how bytes are kept.
 *
 * Record shapes (schemaVersion on each record; upgraded on read, never rewritten in bulk):
 *   dataset v1  DatasetRecord + schemaVersion.
 *   episode v1  EpisodeRecord + schemaVersion + progress (what the store needs to check appends
 *               and compute `length`; never returned to callers). Its row and media batches are
 *               RowBatch / MediaBatch as in core/dataset.ts.
 * To change a shape: bump its version in EpisodeStore.ts, append a step to its UPGRADES (UPGRADES[n]
 * turns vn+1 into vn+2; version 1 is the first), update the reader below. Never edit a shipped step.
 */

/** Per stream: the last seq stored (-1: none yet) and how many rows/frames are stored, contiguous from 0. */
export interface StreamProgress {
  lastSeq: number;
  count: number;
}

export interface EpisodeProgress {
  /** Values per row in state and action (the dataset's joint count when the episode started). */
  joints: number;
  rows: StreamProgress;
  /** One entry per camera of the dataset when the episode started. */
  cameras: Record<string, StreamProgress>;
}

export type StoredDataset = DatasetRecord & { schemaVersion: number };
export type StoredEpisode = EpisodeRecord & { schemaVersion: number; progress: EpisodeProgress };

type Upgrade = (record: Raw) => Raw;

const DATASET_UPGRADES: readonly Upgrade[] = [];
const EPISODE_UPGRADES: readonly Upgrade[] = [];

if (DATASET_UPGRADES.length !== DATASET_SCHEMA_VERSION - 1 || EPISODE_UPGRADES.length !== EPISODE_SCHEMA_VERSION - 1) {
  throw new Error("episodeRecord: upgrade steps do not match the schema versions");
}

export type Checked<T> = T | { error: string };

// ---------------------------------------------------------------------------------------------
// Datasets

/** Reads a stored dataset record of any known version. Never throws. */
export function migrateDataset(raw: unknown): Checked<DatasetRecord> {
  const upgraded = upgradeRecord(raw, DATASET_UPGRADES, DATASET_SCHEMA_VERSION, "dataset");
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

// ---------------------------------------------------------------------------------------------
// Episodes

/** Reads a stored episode record of any known version (progress included). Never throws. */
export function migrateEpisode(raw: unknown): Checked<StoredEpisode> {
  const upgraded = upgradeRecord(raw, EPISODE_UPGRADES, EPISODE_SCHEMA_VERSION, "episode");
  if ("error" in upgraded) return upgraded;
  return attempt(() => readStoredEpisode(upgraded.record));
}

/** The caller's view: the record without the store's bookkeeping. */
export function publicEpisode(stored: StoredEpisode): EpisodeRecord {
  const episode: Partial<StoredEpisode> = { ...stored };
  delete episode.schemaVersion;
  delete episode.progress;
  return episode as EpisodeRecord;
}

/** A stored dataset without its schemaVersion. */
export function publicDataset(stored: StoredDataset): DatasetRecord {
  const dataset: Partial<StoredDataset> = { ...stored };
  delete dataset.schemaVersion;
  return dataset as DatasetRecord;
}

export function damagedError(kind: "dataset" | "episode", id: string, error: string): StorageError {
  return new StorageError(
    "invalid",
    `The saved ${kind} "${id}" is damaged and cannot be loaded: ${error}. Delete it (or reload the page if it was saved by a newer studio).`,
  );
}

export function newEpisodeRecord(dataset: DatasetRecord, init: NewEpisode, id: string, index: number): StoredEpisode {
  const record: StoredEpisode = {
    id,
    datasetId: dataset.id,
    index,
    status: "recording",
    task: init.task,
    length: 0,
    fps: dataset.fps,
    startedAtEpochMs: init.startedAtEpochMs,
    t0Ms: init.t0Ms,
    tracks: init.tracks ?? [],
    sync: null,
    qa: [],
    annotations: emptyAnnotations(),
    imageStats: {},
    mediaBytes: 0,
    schemaVersion: EPISODE_SCHEMA_VERSION,
    progress: {
      joints: dataset.jointNames.length,
      rows: { lastSeq: -1, count: 0 },
      cameras: Object.fromEntries(dataset.cameras.map((c) => [c.key, { lastSeq: -1, count: 0 }])),
    },
  };
  const checked = attempt(() => readStoredEpisode(record));
  if ("error" in checked)
    throw new StorageError("invalid", `The episode was not started because it is invalid: ${checked.error}. Nothing was saved.`);
  return checked;
}

/** Rows for which joints and every camera's frame are stored. */
export function completeLength(progress: EpisodeProgress): number {
  return Math.min(progress.rows.count, ...Object.values(progress.cameras).map((c) => c.count));
}

function notRecording(episode: StoredEpisode, what: string): StorageError {
  return new StorageError(
    "invalid",
    `The episode ${episode.index + 1} is ${episode.status}, not recording, so its ${what} were not stored.` +
      " This happens when data arrives after the take was stopped; nothing of it was kept.",
  );
}

export function missingEpisodeError(id: string, what: string): StorageError {
  return new StorageError(
    "invalid",
    `The episode "${id}" does not exist (it was discarded or never started), so its ${what} were not stored. Nothing was kept.`,
  );
}

/** Checks a row batch against the episode and returns the episode after it. Throws StorageError("invalid"). */
export function applyRowAppend(episode: StoredEpisode, batch: RowBatch): StoredEpisode {
  const what = "joint rows";
  if (episode.status !== "recording") throw notRecording(episode, what);
  const p = episode.progress;
  const fail = (why: string) =>
    new StorageError(
      "invalid",
      `The episode's joint rows (batch ${String(batch.seq)}) were not stored: ${why}. This is a bug in the recorder.`,
    );
  if (!isSafeInt(batch.seq) || batch.seq <= p.rows.lastSeq)
    throw fail(`seq ${String(batch.seq)} does not follow the last stored seq ${p.rows.lastSeq}`);
  if (!isSafeInt(batch.count) || batch.count < 0) throw fail(`count ${String(batch.count)} is not a row count`);
  if (batch.firstRow !== p.rows.count) throw fail(`it starts at row ${String(batch.firstRow)} but ${p.rows.count} rows are stored`);
  const width = p.joints;
  if (!isTyped(batch.state, "Float32Array") || batch.state.length !== batch.count * width)
    throw fail(`state must be a Float32Array of ${batch.count}×${width} values`);
  if (!isTyped(batch.action, "Float32Array") || batch.action.length !== batch.count * width)
    throw fail(`action must be a Float32Array of ${batch.count}×${width} values`);
  if (!isTyped(batch.rowTimeMs, "Float64Array") || batch.rowTimeMs.length !== batch.count)
    throw fail(`rowTimeMs must be a Float64Array of ${batch.count} values`);
  if (!isTyped(batch.sampleTimeMs, "Float64Array") || batch.sampleTimeMs.length !== batch.count)
    throw fail(`sampleTimeMs must be a Float64Array of ${batch.count} values`);
  const progress: EpisodeProgress = { ...p, rows: { lastSeq: batch.seq, count: p.rows.count + batch.count } };
  return { ...episode, progress, length: completeLength(progress) };
}

/** Checks a media batch against the episode and returns the episode after it. Throws StorageError("invalid"). */
export function applyMediaAppend(episode: StoredEpisode, batch: MediaBatch): StoredEpisode {
  const what = `video frames (camera ${batch.camera})`;
  if (episode.status !== "recording") throw notRecording(episode, what);
  const fail = (why: string) =>
    new StorageError(
      "invalid",
      `The episode's ${what}, batch ${String(batch.seq)}, were not stored: ${why}. This is a bug in the recorder.`,
    );
  const stream = Object.hasOwn(episode.progress.cameras, batch.camera) ? episode.progress.cameras[batch.camera] : undefined;
  if (stream === undefined)
    throw fail(`the dataset has no camera "${batch.camera}" (it has ${Object.keys(episode.progress.cameras).join(", ") || "none"})`);
  if (!isSafeInt(batch.seq) || batch.seq <= stream.lastSeq)
    throw fail(`seq ${String(batch.seq)} does not follow the last stored seq ${stream.lastSeq}`);
  if (!isArrayBuffer(batch.data)) throw fail("data must be an ArrayBuffer");
  if (!Array.isArray(batch.frames)) throw fail("frames must be an array");
  const size = batch.data.byteLength;
  batch.frames.forEach((f, i) => {
    const row = stream.count + i;
    if (f.row !== row) throw fail(`frame ${i} is for row ${String(f.row)}, expected row ${row} (one frame per row, in order)`);
    if (!isSafeInt(f.offset) || !isSafeInt(f.size) || f.offset < 0 || f.size < 0 || f.offset + f.size > size) {
      throw fail(`frame ${i} (offset ${String(f.offset)}, size ${String(f.size)}) lies outside the ${size} data bytes`);
    }
  });
  const cameras = { ...episode.progress.cameras, [batch.camera]: { lastSeq: batch.seq, count: stream.count + batch.frames.length } };
  const progress: EpisodeProgress = { ...episode.progress, cameras };
  return { ...episode, progress, length: completeLength(progress), mediaBytes: episode.mediaBytes + size };
}

/** What finishing does: the record to store and the length to trim the data to. Throws StorageError("invalid"). */
export function applyFinish(episode: StoredEpisode, patch: FinishEpisode): StoredEpisode {
  if (episode.status !== "recording" && episode.status !== "interrupted") {
    throw new StorageError("invalid", `The episode ${episode.index + 1} is already ${episode.status}; it was not changed.`);
  }
  const complete = episode.length;
  const length = patch.length ?? complete;
  if (!isSafeInt(length) || length < 0 || length > complete) {
    throw new StorageError(
      "invalid",
      `The episode ${episode.index + 1} cannot be kept with ${String(length)} rows: only ${complete} rows have joints and a frame from every camera. ` +
        "Nothing was changed.",
    );
  }
  const next: StoredEpisode = {
    ...episode,
    status: "complete",
    length,
    sync: patch.sync,
    qa: patch.qa,
    imageStats: patch.imageStats,
    ...(patch.tracks !== undefined ? { tracks: patch.tracks } : {}),
    ...(patch.thumbnail !== undefined ? { thumbnail: patch.thumbnail } : {}),
  };
  return checkedEpisode(next, "was not finished");
}

export function applyEpisodePatch(episode: StoredEpisode, patch: EpisodePatch): StoredEpisode {
  return checkedEpisode({ ...episode, ...definedFields(patch) }, "was not changed");
}

function checkedEpisode(record: StoredEpisode, outcome: string): StoredEpisode {
  const checked = attempt(() => readStoredEpisode(record));
  if ("error" in checked)
    throw new StorageError("invalid", `The episode ${record.index + 1} ${outcome} because the change is invalid: ${checked.error}.`);
  return checked;
}

// ---------------------------------------------------------------------------------------------
// Trimming the tail of a stream to a length (finish, recovery)

export type TailStep<T> = { action: "keep" } | { action: "delete"; bytes: number } | { action: "replace"; batch: T; bytes: number };

/** For a row batch seen walking back from the end: keep it (and stop), delete it, or replace it by its first rows. */
export function trimRowBatch(batch: RowBatch, length: number): TailStep<RowBatch> {
  if (batch.firstRow + batch.count <= length) return { action: "keep" };
  if (batch.firstRow >= length) return { action: "delete", bytes: 0 };
  const n = length - batch.firstRow;
  const width = batch.count === 0 ? 0 : batch.state.length / batch.count;
  return {
    action: "replace",
    bytes: 0,
    batch: {
      ...batch,
      count: n,
      state: batch.state.slice(0, n * width),
      action: batch.action.slice(0, n * width),
      rowTimeMs: batch.rowTimeMs.slice(0, n),
      sampleTimeMs: batch.sampleTimeMs.slice(0, n),
    },
  };
}

/** For a media batch seen walking back from the end: keep it (and stop), delete it, or replace it by its first frames. `bytes`: media bytes removed. */
export function trimMediaBatch(batch: MediaBatch, length: number): TailStep<MediaBatch> {
  const kept = batch.frames.filter((f) => f.row < length);
  if (kept.length === batch.frames.length && kept.length > 0) return { action: "keep" };
  if (kept.length === 0) return { action: "delete", bytes: batch.data.byteLength };
  const end = Math.max(...kept.map((f) => f.offset + f.size));
  return { action: "replace", bytes: batch.data.byteLength - end, batch: { ...batch, frames: kept, data: batch.data.slice(0, end) } };
}

/** The episode record after its data was trimmed to `length`. */
export function trimmedProgress(episode: StoredEpisode, length: number, bytesRemoved: number): StoredEpisode {
  const cap = (s: StreamProgress): StreamProgress => ({ lastSeq: s.lastSeq, count: Math.min(s.count, length) });
  const progress: EpisodeProgress = {
    joints: episode.progress.joints,
    rows: cap(episode.progress.rows),
    cameras: Object.fromEntries(Object.entries(episode.progress.cameras).map(([k, s]) => [k, cap(s)])),
  };
  return { ...episode, length, progress, mediaBytes: episode.mediaBytes - bytesRemoved };
}

/** How much a trim to `length` drops, from the bookkeeping alone. */
export function droppedBy(episode: StoredEpisode, length: number): { droppedRows: number; droppedFrames: Record<string, number> } {
  return {
    droppedRows: Math.max(0, episode.progress.rows.count - length),
    droppedFrames: Object.fromEntries(Object.entries(episode.progress.cameras).map(([k, s]) => [k, Math.max(0, s.count - length)])),
  };
}

// ---------------------------------------------------------------------------------------------
// Reading stored episodes

const STATUSES: readonly EpisodeStatus[] = ["recording", "complete", "interrupted", "discarded"];

function readStoredEpisode(raw: unknown): StoredEpisode {
  const r = object(raw, "episode");
  const thumbnail = r["thumbnail"];
  if (thumbnail !== undefined && !isArrayBuffer(thumbnail) && !(typeof Blob !== "undefined" && thumbnail instanceof Blob)) {
    throw new Invalid(`thumbnail: expected an ArrayBuffer or a Blob, got ${describe(thumbnail)}`);
  }
  const annotations = object(r["annotations"], "annotations");
  array(annotations["spans"], "annotations.spans");
  array(annotations["events"], "annotations.events");
  array(annotations["tags"], "annotations.tags").forEach((t, i) => string(t, `annotations.tags[${i}]`));
  const trimStart = integer(annotations["trimStart"], "annotations.trimStart", 0);
  if (annotations["trimEnd"] !== null) integer(annotations["trimEnd"], "annotations.trimEnd", trimStart);
  if (annotations["success"] !== null && typeof annotations["success"] !== "boolean")
    throw new Invalid(`annotations.success: expected true, false or null, got ${describe(annotations["success"])}`);
  if (r["sync"] !== null) object(r["sync"], "sync");
  const record: StoredEpisode = {
    id: nonEmptyString(r["id"], "id"),
    datasetId: nonEmptyString(r["datasetId"], "datasetId"),
    index: integer(r["index"], "index", 0),
    status: oneOf(r["status"], STATUSES, "status"),
    task: string(r["task"], "task"),
    length: integer(r["length"], "length", 0),
    fps: positive(r["fps"], "fps"),
    startedAtEpochMs: timestamp(r["startedAtEpochMs"], "startedAtEpochMs"),
    t0Ms: finite(r["t0Ms"], "t0Ms"),
    tracks: array(r["tracks"], "tracks").map((t, i) => object(t, `tracks[${i}]`)) as unknown as EpisodeRecord["tracks"],
    sync: r["sync"] as EpisodeRecord["sync"],
    qa: array(r["qa"], "qa").map((q, i) => object(q, `qa[${i}]`)) as unknown as EpisodeRecord["qa"],
    annotations: annotations as unknown as EpisodeRecord["annotations"],
    imageStats: object(r["imageStats"], "imageStats") as unknown as EpisodeRecord["imageStats"],
    mediaBytes: integer(r["mediaBytes"], "mediaBytes", 0),
    schemaVersion: EPISODE_SCHEMA_VERSION,
    progress: readProgress(r["progress"]),
  };
  if (thumbnail !== undefined) record.thumbnail = thumbnail as ArrayBuffer | Blob;
  return record;
}

function readProgress(raw: unknown): EpisodeProgress {
  const p = object(raw, "progress");
  const stream = (x: unknown, path: string): StreamProgress => {
    const s = object(x, path);
    return { lastSeq: integer(s["lastSeq"], `${path}.lastSeq`, -1), count: integer(s["count"], `${path}.count`, 0) };
  };
  const cameras = object(p["cameras"], "progress.cameras");
  return {
    joints: integer(p["joints"], "progress.joints", 0),
    rows: stream(p["rows"], "progress.rows"),
    cameras: Object.fromEntries(Object.entries(cameras).map(([k, s]) => [k, stream(s, `progress.cameras.${k}`)])),
  };
}

// ---------------------------------------------------------------------------------------------
// Shared by both stores

/** Quota errors during an append say that what was stored before is kept. */
export function appendError(e: unknown, action: string): StorageError {
  const error = toStorageError(e, action);
  if (error.code !== "quota") return error;
  return new StorageError("quota", `${error.message} Recording has to stop; everything the episode stored before this point is kept.`, {
    cause: error.cause,
  });
}

/**
 * Typed arrays that view a larger buffer would be stored with the whole buffer (structured
 * clone copies the buffer); store exact copies instead.
 */
export function compactRows(batch: RowBatch): RowBatch {
  const exact = (a: ArrayBufferView) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
  if (exact(batch.state) && exact(batch.action) && exact(batch.rowTimeMs) && exact(batch.sampleTimeMs)) return batch;
  return {
    ...batch,
    state: batch.state.slice(),
    action: batch.action.slice(),
    rowTimeMs: batch.rowTimeMs.slice(),
    sampleTimeMs: batch.sampleTimeMs.slice(),
  };
}

/** IndexedDB orders string keys by UTF-16 code units, as `<` does. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function attempt<T>(read: () => T): Checked<T> {
  try {
    return read();
  } catch (e) {
    if (e instanceof Invalid) return { error: e.message };
    throw e;
  }
}

function upgradeRecord(raw: unknown, upgrades: readonly Upgrade[], current: number, kind: string): { record: Raw } | { error: string } {
  if (!isRecord(raw)) return { error: `expected a ${kind} object, got ${describe(raw)}` };
  const version = raw["schemaVersion"];
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    return { error: `schemaVersion: expected a positive integer, got ${describe(version)}` };
  }
  if (version > current) {
    return {
      error: `saved by a newer version of the studio (${kind} schema ${version}, this page reads up to ${current}); reload the page`,
    };
  }
  let record: Raw = raw;
  for (let v = version; v < current; v++) record = upgrades[v - 1]!(record);
  return { record };
}

/** The patch without keys whose value is undefined (exactOptionalPropertyTypes: absent means unchanged). */
function definedFields<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function isSafeInt(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x);
}

export function isArrayBuffer(x: unknown): x is ArrayBuffer {
  return Object.prototype.toString.call(x) === "[object ArrayBuffer]";
}

function isTyped(x: unknown, tag: "Float32Array" | "Float64Array"): boolean {
  return Object.prototype.toString.call(x) === `[object ${tag}]`;
}

function array(x: unknown, path: string): unknown[] {
  if (!Array.isArray(x)) throw new Invalid(`${path}: expected an array, got ${describe(x)}`);
  return x;
}

function string(x: unknown, path: string): string {
  if (typeof x !== "string") throw new Invalid(`${path}: expected a string, got ${describe(x)}`);
  return x;
}

function oneOf<T extends string>(x: unknown, options: readonly T[], path: string): T {
  const found = options.find((o) => o === x);
  if (found === undefined) throw new Invalid(`${path}: expected ${options.join(" or ")}, got ${describe(x)}`);
  return found;
}

function unique(values: string[], path: string): void {
  const dup = values.find((v, i) => values.indexOf(v) !== i);
  if (dup !== undefined) throw new Invalid(`${path}: ${describe(dup)} appears twice`);
}

function integer(x: unknown, path: string, min = Number.MIN_SAFE_INTEGER): number {
  if (!isSafeInt(x) || x < min)
    throw new Invalid(`${path}: expected an integer${min === Number.MIN_SAFE_INTEGER ? "" : ` ≥ ${min}`}, got ${describe(x)}`);
  return x;
}

function finite(x: unknown, path: string): number {
  if (typeof x !== "number" || !Number.isFinite(x)) throw new Invalid(`${path}: expected a number, got ${describe(x)}`);
  return x;
}

function positive(x: unknown, path: string): number {
  if (typeof x !== "number" || !Number.isFinite(x) || x <= 0) throw new Invalid(`${path}: expected a positive number, got ${describe(x)}`);
  return x;
}
