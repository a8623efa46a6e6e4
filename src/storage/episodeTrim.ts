/**
 * Trimming the tail of an episode's streams to a length (finish, recovery): which stored batches
 * to keep, delete or cut, and the episode's bookkeeping afterwards. Pure; both stores apply it.
 */
import type { MediaBatch, RowBatch } from "../core/dataset.ts";
import type { EpisodeProgress, StoredEpisode, StreamProgress } from "./episodeRecord.ts";

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
