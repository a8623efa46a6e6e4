/**
 * Loads a stored episode for the player: its joint rows as flat columns and every camera's
 * encoded frames, in row order. Nothing is decoded or re-encoded here; a load can be cancelled
 * between batches (opening another episode does).
 */
import type { EpisodeRecord, VideoTrackInfo } from "../../core/dataset.ts";
import { throwIfCancelled } from "../../core/lifecycle.ts";
import type { EpisodeStore } from "../../storage/EpisodeStore.ts";

export interface StoredFrame {
  readonly row: number;
  readonly key: boolean;
  readonly data: Uint8Array;
}

export interface CameraMedia {
  readonly track: VideoTrackInfo;
  /** One per row, in row order. */
  readonly frames: readonly StoredFrame[];
  /** Rows of the keyframes, ascending. */
  readonly keyframes: readonly number[];
}

/** An episode loaded for playback: joint rows as flat columns, every camera's encoded frames. */
export interface EpisodeData {
  readonly episode: EpisodeRecord;
  readonly joints: number;
  /** Rows loaded (= episode.length for a stored episode). */
  readonly rows: number;
  /** Row-major, `joints` wide. NaN = missing. */
  readonly state: Float32Array;
  readonly action: Float32Array;
  readonly rowTimeMs: Float64Array;
  readonly cameras: ReadonlyMap<string, CameraMedia>;
}

/** What loading reads from the episode store. */
export type EpisodeReader = Pick<EpisodeStore, "getEpisode" | "readRows" | "readMedia">;

/**
 * Reads an episode's rows and media (every batch, in order) into memory. Rejects with a
 * CancelledError once `signal` is aborted (checked after every batch).
 */
export async function loadEpisodeData(store: EpisodeReader, episodeId: string, joints: number, signal?: AbortSignal): Promise<EpisodeData> {
  const episode = await store.getEpisode(episodeId);
  if (signal) throwIfCancelled(signal);
  if (!episode) throw new Error("This episode no longer exists (it was discarded or its dataset deleted).");
  const n = episode.length;
  const state = new Float32Array(n * joints).fill(NaN);
  const action = new Float32Array(n * joints).fill(NaN);
  const rowTimeMs = new Float64Array(n).fill(NaN);
  let rows = 0;
  for await (const b of store.readRows(episodeId)) {
    if (signal) throwIfCancelled(signal);
    const count = Math.min(b.count, n - b.firstRow);
    if (count <= 0) continue;
    state.set(b.state.subarray(0, count * joints), b.firstRow * joints);
    action.set(b.action.subarray(0, count * joints), b.firstRow * joints);
    rowTimeMs.set(b.rowTimeMs.subarray(0, count), b.firstRow);
    rows = Math.max(rows, b.firstRow + count);
  }
  const cameras = new Map<string, CameraMedia>();
  for (const track of episode.tracks) {
    const frames: StoredFrame[] = [];
    const keyframes: number[] = [];
    for await (const m of store.readMedia(episodeId, track.camera)) {
      if (signal) throwIfCancelled(signal);
      for (const f of m.frames) {
        if (f.row >= n) continue;
        frames.push({ row: f.row, key: f.key, data: new Uint8Array(m.data, f.offset, f.size) });
        if (f.key) keyframes.push(f.row);
      }
    }
    cameras.set(track.camera, { track, frames, keyframes });
  }
  return { episode, joints, rows, state, action, rowTimeMs, cameras };
}
