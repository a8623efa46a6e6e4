import { openDB } from "idb";
import { StorageError, toStorageError } from "./errors.ts";
import { DB_NAME, DB_VERSION, upgrade, type StudioDatabase, type StudioDB } from "./schema.ts";

export interface OpenStudioDBEvents {
  /** Another tab holds an older version open and has not closed it; opening waits until it does. */
  blocked?: () => void;
  /** This connection was closed so another tab could upgrade the database; further calls fail with "unavailable". */
  closedForUpgrade?: () => void;
  /** The browser closed the connection abnormally (storage cleared, disk error). */
  terminated?: () => void;
}

/**
 * Opens (creating or upgrading) the studio database. One connection can serve every store
 * (profiles, and later episodes and datasets). Rejects with a StorageError.
 */
export async function openStudioDB(name: string = DB_NAME, events: OpenStudioDBEvents = {}): Promise<StudioDatabase> {
  if (typeof indexedDB === "undefined") {
    throw new StorageError(
      "unavailable",
      "This browser does not offer storage to this site (IndexedDB is missing; some private modes disable it). " +
        "Use a normal window of a current Chrome or Edge.",
    );
  }
  try {
    const db = await openDB<StudioDB>(name, DB_VERSION, {
      upgrade,
      blocked: () => events.blocked?.(),
      blocking: () => {
        // A newer page wants to upgrade: step aside rather than block it.
        db.close();
        events.closedForUpgrade?.();
      },
      terminated: () => events.terminated?.(),
    });
    return db;
  } catch (e) {
    throw toStorageError(e, "open the studio's storage");
  }
}
