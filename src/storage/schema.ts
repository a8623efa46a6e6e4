import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from "idb";
import type { MediaBatch, RowBatch } from "../core/dataset.ts";
import type { StoredDataset } from "./datasetRecord.ts";
import type { StoredEpisode } from "./episodeRecord.ts";
import type { StoredProfile } from "./ProfileStore.ts";

/**
 * The studio's IndexedDB database: one database, "robot-studio", one object store per kind of
 * record (docs/storage.md).
 *
 *   version 1
 *     profiles   key: RobotProfile.id (in-line, keyPath "id")   value: StoredProfile
 *   version 2
 *     datasets   key: id                                        value: StoredDataset
 *     episodes   key: id                                        value: StoredEpisode (metadata only)
 *                indexes: "by-dataset" (datasetId), "by-status" (status)
 *     rows       key: [episodeId, seq]                          value: RowBatch (~1 s of joint rows)
 *     media      key: [episodeId, camera, seq]                  value: MediaBatch (~1 s of one camera's
 *                                                               encoded video; data is an ArrayBuffer)
 *
 * Rows and media sort by episode first, so one key range holds everything of an episode (or of
 * one camera of it): discarding an episode is two range deletes, reading is a range walk.
 *
 * Two levels of migration:
 *
 * 1. Structure (stores, indexes): DB_VERSION and `upgrade` below. `upgrade` runs one step per
 *    version, `if (oldVersion < N) { … }`, in order, so a database at any older version walks
 *    every step it missed. To change the structure: bump DB_VERSION, append an
 *    `if (oldVersion < N)` block, add the store to StudioDB and to the table above. Never edit
 *    or reorder a step that has shipped: users' databases already ran it.
 *
 * 2. Record shape: each record carries `schemaVersion` and is upgraded lazily when read (see
 *    profileRecord.ts). Structural steps do not rewrite records, so an upgrade stays fast and a
 *    damaged record cannot make the database fail to open.
 */

export const DB_NAME = "robot-studio";
export const DB_VERSION = 2;

export interface StudioDB extends DBSchema {
  profiles: {
    key: string;
    value: StoredProfile;
  };
  datasets: {
    key: string;
    value: StoredDataset;
  };
  episodes: {
    key: string;
    value: StoredEpisode;
    indexes: { "by-dataset": string; "by-status": string };
  };
  rows: {
    key: [string, number];
    value: RowBatch;
  };
  media: {
    key: [string, string, number];
    value: MediaBatch;
  };
}

export type StudioDatabase = IDBPDatabase<StudioDB>;

export function upgrade(
  db: IDBPDatabase<StudioDB>,
  oldVersion: number,
  _newVersion: number | null,
  _tx: IDBPTransaction<StudioDB, StoreNames<StudioDB>[], "versionchange">,
): void {
  if (oldVersion < 1) {
    db.createObjectStore("profiles", { keyPath: "id" });
  }
  if (oldVersion < 2) {
    db.createObjectStore("datasets", { keyPath: "id" });
    const episodes = db.createObjectStore("episodes", { keyPath: "id" });
    episodes.createIndex("by-dataset", "datasetId");
    episodes.createIndex("by-status", "status");
    db.createObjectStore("rows", { keyPath: ["episodeId", "seq"] });
    db.createObjectStore("media", { keyPath: ["episodeId", "camera", "seq"] });
  }
  // if (oldVersion < 3) { … }
}
