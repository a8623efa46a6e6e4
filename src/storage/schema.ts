import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from "idb";
import type { StoredProfile } from "./ProfileStore.ts";

/**
 * The studio's IndexedDB database: one database, "robot-studio", one object store per kind of
 * record. Later issues add episodes and datasets as further stores here.
 *
 *   version 1
 *     profiles   key: RobotProfile.id (in-line, keyPath "id")   value: StoredProfile
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
export const DB_VERSION = 1;

export interface StudioDB extends DBSchema {
  profiles: {
    key: string;
    value: StoredProfile;
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
  // if (oldVersion < 2) { db.createObjectStore("episodes", …); }
}
