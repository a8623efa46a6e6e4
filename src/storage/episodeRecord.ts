import type { DatasetRecord, EpisodeRecord, EpisodeStatus, MediaBatch, RowBatch } from "../core/dataset.ts";
import { emptyAnnotations } from "../core/dataset.ts";
import { definedFields } from "./datasetRecord.ts";
import { EPISODE_SCHEMA_VERSION, type EpisodePatch, type FinishEpisode, type NewEpisode } from "./EpisodeStore.ts";
import { StorageError } from "./errors.ts";
import {
  array,
  attempt,
  describe,
  finite,
  integer,
  Invalid,
  nonEmptyString,
  object,
  oneOf,
  positive,
  string,
  timestamp,
  type Checked,
} from "./fields.ts";
import { upgradeRecord, type Upgrade } from "./recordVersions.ts";

/**
 * Stored episode records: their shape, validation and lazy migration, and the rules of every
 * episode mutation (start, appends, finish, edits) as pure functions, so IdbEpisodeStore and
 * MemoryEpisodeStore apply the very same rules and differ only in how bytes are kept.
 *
 * Record shape (schemaVersion on each record; upgraded on read, never rewritten in bulk):
 *   episode v1  EpisodeRecord + schemaVersion + progress (what the store needs to check appends
 *               and compute `length`; never returned to callers). Its row and media batches are
 *               RowBatch / MediaBatch as in core/dataset.ts.
 * To change it: bump EPISODE_SCHEMA_VERSION in EpisodeStore.ts, append a step to UPGRADES
 * (UPGRADES[n] turns vn+1 into vn+2; version 1 is the first), update readStoredEpisode. Never
 * edit a shipped step.
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

export type StoredEpisode = EpisodeRecord & { schemaVersion: number; progress: EpisodeProgress };

const UPGRADES: readonly Upgrade[] = [];

if (UPGRADES.length !== EPISODE_SCHEMA_VERSION - 1) {
  throw new Error("episodeRecord: upgrade steps do not match the schema version");
}

/** Reads a stored episode record of any known version (progress included). Never throws. */
export function migrateEpisode(raw: unknown): Checked<StoredEpisode> {
  const upgraded = upgradeRecord(raw, UPGRADES, EPISODE_SCHEMA_VERSION, "episode");
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
  if (annotations["interventions"] !== undefined)
    array(annotations["interventions"], "annotations.interventions").forEach((v, i) => {
      const span = object(v, `annotations.interventions[${i}]`);
      const a = integer(span["startFrame"], `annotations.interventions[${i}].startFrame`, 0);
      integer(span["endFrame"], `annotations.interventions[${i}].endFrame`, a);
    });
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
// Helpers

function isSafeInt(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x);
}

function isArrayBuffer(x: unknown): x is ArrayBuffer {
  return Object.prototype.toString.call(x) === "[object ArrayBuffer]";
}

function isTyped(x: unknown, tag: "Float32Array" | "Float64Array"): boolean {
  return Object.prototype.toString.call(x) === `[object ${tag}]`;
}
