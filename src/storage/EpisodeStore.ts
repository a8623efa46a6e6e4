import type {
  CameraSpec,
  DatasetRecord,
  EpisodeRecord,
  ImageStats,
  JointUnits,
  MediaBatch,
  QaFlag,
  RowBatch,
  SyncReport,
  VideoTrackInfo,
} from "../core/dataset.ts";

export { StorageError } from "./errors.ts";

/**
 * Datasets, episodes and their recorded data (docs/storage.md). The data model is core/dataset.ts;
 * this file is the storage contract that IdbEpisodeStore (the studio) and MemoryEpisodeStore
 * (tests, simulator) both implement, checked by one contract suite.
 *
 * Rules every implementation keeps:
 * - Each mutation is atomic: it happens entirely or not at all. A failed append (quota, closed
 *   connection) leaves what the episode already stored untouched.
 * - Rows and frames arrive in order: a RowBatch continues at the episode's stored row count, a
 *   MediaBatch's frames continue that camera's frames one per row; seq grows per stream. An empty
 *   batch (no rows, no frames) is checked and then not stored.
 * - An episode's `length` is the number of rows for which the joint row AND every camera's frame
 *   are stored. When an episode stops being "recording" (finish, recovery), rows and frames beyond
 *   its length are removed, so a stored non-recording episode has exactly `length` rows and
 *   `length` frames per camera.
 * - Methods return copies. Failures reject with a StorageError (quota, unavailable, invalid, unknown).
 */

/** Version of the stored dataset record's shape (see episodeRecord.ts). */
export const DATASET_SCHEMA_VERSION = 1;
/** Version of the stored episode record's shape; it also covers the shape of its row and media batches. */
export const EPISODE_SCHEMA_VERSION = 1;

/** What createDataset needs; id, when absent, is a fresh uuid; timestamps are set by the store. */
export interface NewDataset {
  id?: string;
  name: string;
  fps: number;
  robotType: string;
  jointNames: string[];
  units: JointUnits;
  cameras: CameraSpec[];
  tasks: string[];
  /** An import's dataset, until its last episode is stored (see DatasetRecord.importing). */
  importing?: true;
}

/**
 * Dataset fields that may change. fps, robotType, jointNames, units and cameras shape every
 * episode, so they may change only while the dataset has no episodes (else StorageError "invalid").
 */
export type DatasetPatch = Partial<Pick<DatasetRecord, "name" | "tasks" | "fps" | "robotType" | "jointNames" | "units" | "cameras">> & {
  /** false: the import is complete (the marker is removed). */
  importing?: boolean;
};

export interface NewEpisode {
  id?: string;
  datasetId: string;
  task: string;
  startedAtEpochMs: number;
  /** Row 0's time on the page clock (ms). */
  t0Ms: number;
  /** Known once each camera's encoder is configured; may also be set by updateEpisode or finishEpisode. */
  tracks?: VideoTrackInfo[];
}

/** What finishEpisode records; the episode becomes "complete". */
export interface FinishEpisode {
  /**
   * Rows to keep. Absent: every complete row (joints and every camera's frame stored). Larger than
   * that: StorageError "invalid" (rows are never made up). Smaller: the rest is removed.
   */
  length?: number;
  tracks?: VideoTrackInfo[];
  sync: SyncReport | null;
  qa: QaFlag[];
  imageStats: Record<string, ImageStats>;
  thumbnail?: ArrayBuffer | Blob;
}

/** Edits from the episode browser or the recording session (status and data are not editable here). */
export type EpisodePatch = Partial<Pick<EpisodeRecord, "task" | "annotations" | "index" | "tracks" | "qa" | "imageStats">>;

export interface DatasetListing {
  /** Ordered by creation time, then id. */
  datasets: DatasetRecord[];
  /** Stored records that could not be read (damaged, or saved by a newer studio); they stay stored. */
  skipped: { id: string; error: string }[];
}

export interface EpisodeListing {
  /** Ordered by index, then id. Metadata only: no rows, no media. */
  episodes: EpisodeRecord[];
  skipped: { id: string; error: string }[];
}

export interface RecoveredEpisode {
  /** The episode, now "interrupted", with `length` = its complete rows. */
  episode: EpisodeRecord;
  /** Rows stored beyond `length` (not every camera had its frame) that were removed. */
  droppedRows: number;
  /** Per camera, frames stored beyond `length` that were removed. */
  droppedFrames: Record<string, number>;
}

export interface StorageUsage {
  /** Bytes this site stores (the browser's estimate). */
  usageBytes: number;
  /** Bytes this site may store (the browser's estimate). */
  quotaBytes: number;
}

/** navigator.storage.persist(): "unsupported" when the browser has no such API. */
export type PersistenceResult = "granted" | "denied" | "unsupported";

export interface EpisodeStore {
  createDataset(init: NewDataset): Promise<DatasetRecord>;
  /**
   * The dataset named `init.name` (the oldest, if several), or a new one — checked and created in
   * one transaction, so two tabs asking for the same new name at once get one dataset.
   */
  datasetNamed(init: NewDataset): Promise<{ dataset: DatasetRecord; created: boolean }>;
  getDataset(id: string): Promise<DatasetRecord | undefined>;
  listDatasets(): Promise<DatasetListing>;
  /** Rejects with StorageError "invalid" if the dataset is absent or the patch is not allowed. */
  updateDataset(id: string, patch: DatasetPatch): Promise<DatasetRecord>;
  /** Deletes the dataset with every episode, row and frame of it, in one transaction. Absent: not an error. */
  deleteDataset(id: string): Promise<void>;

  /** A new episode, status "recording", index after the dataset's last episode. */
  createEpisode(init: NewEpisode): Promise<EpisodeRecord>;
  getEpisode(id: string): Promise<EpisodeRecord | undefined>;
  listEpisodes(datasetId: string): Promise<EpisodeListing>;
  /** One transaction. The episode must be "recording" and the batch must continue its rows. */
  appendRows(batch: RowBatch): Promise<void>;
  /** One transaction. The episode must be "recording" and the frames must continue the camera's frames. */
  appendMedia(batch: MediaBatch): Promise<void>;
  /** "recording" or "interrupted" → "complete"; trims rows/frames beyond the kept length. */
  finishEpisode(id: string, patch: FinishEpisode): Promise<EpisodeRecord>;
  updateEpisode(id: string, patch: EpisodePatch): Promise<EpisodeRecord>;
  /** Removes the episode record and every row and frame of it in one transaction. Absent: not an error. */
  discardEpisode(id: string): Promise<void>;
  /** Row batches in seq order, read a few at a time (memory stays bounded). */
  readRows(episodeId: string): AsyncIterable<RowBatch>;
  /** One camera's media batches in seq order, read a few at a time. */
  readMedia(episodeId: string, camera: string): AsyncIterable<MediaBatch>;
  /**
   * At startup: every episode still "recording" (its page crashed or reloaded) becomes
   * "interrupted", keeping its complete rows; anything beyond is removed. Call it only when no
   * recording is running in this origin (another tab's live episode would be marked too).
   */
  recoverInterrupted(): Promise<RecoveredEpisode[]>;
  usage(): Promise<StorageUsage>;
  requestPersistence(): Promise<PersistenceResult>;
}
