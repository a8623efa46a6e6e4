/**
 * Storage errors, by what the caller can do about them. One class for the whole studio
 * database (profiles now; episodes and datasets later), so the UI handles a full disk the
 * same way wherever it happens. Every message says what happened and what to do.
 *
 * - quota:       the site's storage is full; the user must delete data.
 * - unavailable: no usable database (no IndexedDB, storage blocked, connection closed by
 *                another tab, data saved by a newer studio); reloading usually helps.
 * - invalid:     a record failed validation (nothing was written), or a stored record is damaged.
 * - unknown:     anything else the browser reported.
 */
export type StorageErrorCode = "quota" | "unavailable" | "invalid" | "unknown";

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StorageError";
  }
}

export function isStorageError(e: unknown): e is StorageError {
  return e instanceof StorageError;
}

const QUOTA_MESSAGE = "The browser's storage for this site is full. Free space by deleting old data, then try again.";

function errorName(e: unknown): string | undefined {
  if (typeof e === "object" && e !== null && "name" in e && typeof e.name === "string") return e.name;
  return undefined;
}

/**
 * Maps whatever IndexedDB (or idb) threw to a StorageError. `action` says what was being
 * attempted, e.g. "save the robot profile", and prefixes the message. Errors that already
 * are StorageErrors pass through unchanged.
 */
export function toStorageError(e: unknown, action?: string): StorageError {
  if (e instanceof StorageError) return e;
  const prefix = action === undefined ? "" : `Could not ${action}. `;
  const detail = e instanceof Error && e.message !== "" ? ` (${e.message})` : "";
  switch (errorName(e) ?? "") {
    case "QuotaExceededError":
    case "NS_ERROR_DOM_QUOTA_REACHED": // older Firefox
      return new StorageError("quota", prefix + QUOTA_MESSAGE, { cause: e });
    case "VersionError":
      return new StorageError(
        "unavailable",
        prefix + "This site's data was saved by a newer version of the studio. Reload the page to get the newest version.",
        { cause: e },
      );
    case "InvalidStateError":
      return new StorageError(
        "unavailable",
        prefix +
          "The connection to the browser's storage is closed: another tab may have upgraded it, or private browsing " +
          "disables storage. Reload the page and try again.",
        { cause: e },
      );
    case "SecurityError":
      return new StorageError(
        "unavailable",
        prefix + "The browser does not allow this site to store data. Allow site data in the browser's settings, then reload.",
        { cause: e },
      );
    case "DataCloneError":
    case "DataError":
      return new StorageError("invalid", prefix + `The data could not be stored as it is${detail}. This is a bug in the studio.`, {
        cause: e,
      });
    case "UnknownError":
      return new StorageError(
        "unknown",
        prefix +
          `The browser could not read or write this site's storage${detail}. Reload the page and try again; ` +
          "if it keeps failing, check that the disk has free space.",
        { cause: e },
      );
    default:
      return new StorageError("unknown", prefix + `The browser's storage reported an error${detail}. Reload the page and try again.`, {
        cause: e,
      });
  }
}
