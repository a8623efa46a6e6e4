import { StorageError } from "./errors.ts";
import type { PersistenceResult, StorageUsage } from "./EpisodeStore.ts";

/**
 * The two calls into navigator.storage, as small functions so tests (and the memory store) can
 * pass fakes instead.
 */
export type EstimateFn = () => Promise<StorageEstimate>;
export type PersistFn = () => Promise<boolean>;

function storageManager(): StorageManager | undefined {
  return typeof navigator !== "undefined" && "storage" in navigator ? navigator.storage : undefined;
}

/** navigator.storage.estimate(), or undefined when the browser has none. */
export function browserEstimate(): EstimateFn | undefined {
  const manager = storageManager();
  return manager?.estimate === undefined ? undefined : () => manager.estimate();
}

/** navigator.storage.persist(), or undefined when the browser has none. */
export function browserPersist(): PersistFn | undefined {
  const manager = storageManager();
  return manager?.persist === undefined ? undefined : () => manager.persist();
}

/** Usage and quota from an estimate; StorageError("unavailable") when the browser does not say. */
export async function readUsage(estimate: EstimateFn | undefined): Promise<StorageUsage> {
  const unknown = () =>
    new StorageError(
      "unavailable",
      "This browser does not report how much storage the studio uses or may use, so the free space cannot be shown.",
    );
  if (estimate === undefined) throw unknown();
  let result: StorageEstimate;
  try {
    result = await estimate();
  } catch (e) {
    throw new StorageError("unavailable", "The browser could not say how much storage the studio uses. Reload the page and try again.", {
      cause: e,
    });
  }
  const { usage, quota } = result;
  if (typeof usage !== "number" || typeof quota !== "number") throw unknown();
  return { usageBytes: usage, quotaBytes: quota };
}

/** Asks the browser not to evict this site's data under storage pressure. */
export async function askPersistence(persist: PersistFn | undefined): Promise<PersistenceResult> {
  if (persist === undefined) return "unsupported";
  try {
    return (await persist()) ? "granted" : "denied";
  } catch (e) {
    throw new StorageError(
      "unknown",
      "The browser refused to answer whether the studio's data may be kept. Reload the page and try again.",
      { cause: e },
    );
  }
}
