/** What IdbEpisodeStore and MemoryEpisodeStore share besides the record rules: error messages, batch copies, key order. */
import type { RowBatch } from "../core/dataset.ts";
import { StorageError, toStorageError } from "./errors.ts";

export function damagedError(kind: "dataset" | "episode", id: string, error: string): StorageError {
  return new StorageError(
    "invalid",
    `The saved ${kind} "${id}" is damaged and cannot be loaded: ${error}. Delete it (or reload the page if it was saved by a newer studio).`,
  );
}

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
