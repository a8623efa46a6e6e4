import type { IDBPTransaction, StoreNames } from "idb";
import type { RowBatch } from "../core/dataset.ts";
import type { StoredEpisode } from "./episodeRecord.ts";
import { trimMediaBatch, trimRowBatch, type TailStep } from "./episodeTrim.ts";
import type { StudioDB } from "./schema.ts";

/** IdbEpisodeStore's work inside one transaction: deleting an episode's data, trimming its tail. */

export type Tx<S extends StoreNames<StudioDB>[], M extends IDBTransactionMode> = IDBPTransaction<StudioDB, S, M>;
type DataTx = Tx<["episodes", "rows", "media"], "readwrite">;

const rowsOf = (episodeId: string) => IDBKeyRange.bound([episodeId, -Infinity], [episodeId, Infinity]);
/** Every camera's media of an episode: arrays sort after strings, so [id, []] is above every [id, camera, seq]. */
const mediaOf = (episodeId: string) => IDBKeyRange.bound([episodeId], [episodeId, []]);
const cameraMediaOf = (episodeId: string, camera: string) =>
  IDBKeyRange.bound([episodeId, camera, -Infinity], [episodeId, camera, Infinity]);

/** Transactions over several stores chosen at run time (typed loosely so one helper serves them). */
type AnyTx = Tx<StoreNames<StudioDB>[], "readwrite">;
export const EPISODE_STORES: StoreNames<StudioDB>[] = ["episodes", "rows", "media"];
export const DATASET_STORES: StoreNames<StudioDB>[] = ["datasets", "episodes", "rows", "media"];

export async function deleteEpisodeData(tx: AnyTx, id: string): Promise<void> {
  await tx.objectStore("rows").delete(rowsOf(id));
  await tx.objectStore("media").delete(mediaOf(id));
  await tx.objectStore("episodes").delete(id);
}

/** Removes rows and frames beyond `length`, walking each stream back from its end; returns media bytes removed. */
export async function trimTail(tx: DataTx, episode: StoredEpisode, length: number): Promise<number> {
  let removed = 0;
  if (episode.progress.rows.count > length) {
    let cursor = await tx.objectStore("rows").openCursor(rowsOf(episode.id), "prev");
    while (cursor) {
      const step: TailStep<RowBatch> = trimRowBatch(cursor.value, length);
      if (step.action === "keep") break;
      if (step.action === "delete") await cursor.delete();
      else {
        await cursor.update(step.batch);
        break;
      }
      cursor = await cursor.continue();
    }
  }
  for (const [camera, stream] of Object.entries(episode.progress.cameras)) {
    if (stream.count <= length) continue;
    let cursor = await tx.objectStore("media").openCursor(cameraMediaOf(episode.id, camera), "prev");
    while (cursor) {
      const step = trimMediaBatch(cursor.value, length);
      if (step.action === "keep") break;
      removed += step.bytes;
      if (step.action === "delete") await cursor.delete();
      else {
        await cursor.update(step.batch);
        break;
      }
      cursor = await cursor.continue();
    }
  }
  return removed;
}
