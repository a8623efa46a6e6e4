import type { StoreNames } from "idb";
import type { DatasetRecord, EpisodeRecord, MediaBatch, RowBatch } from "../core/dataset.ts";
import { askPersistence, browserEstimate, browserPersist, readUsage, type EstimateFn, type PersistFn } from "./browserStorage.ts";
import { openStudioDB } from "./db.ts";
import { applyDatasetPatch, migrateDataset, oldestNamed, publicDataset, toStoredDataset } from "./datasetRecord.ts";
import {
  applyEpisodePatch,
  applyFinish,
  applyMediaAppend,
  applyRowAppend,
  completeLength,
  migrateEpisode,
  missingEpisodeError,
  newEpisodeRecord,
  publicEpisode,
  type StoredEpisode,
} from "./episodeRecord.ts";
import { droppedBy, trimmedProgress } from "./episodeTrim.ts";
import { DATASET_STORES, deleteEpisodeData, EPISODE_STORES, trimTail, type Tx } from "./idbEpisodeData.ts";
import { appendError, compactRows, compareKeys, damagedError } from "./storeHelpers.ts";
import { StorageError, toStorageError } from "./errors.ts";
import type {
  DatasetListing,
  DatasetPatch,
  EpisodeListing,
  EpisodePatch,
  EpisodeStore,
  FinishEpisode,
  NewDataset,
  NewEpisode,
  PersistenceResult,
  RecoveredEpisode,
  StorageUsage,
} from "./EpisodeStore.ts";
import { DB_NAME, type StudioDB, type StudioDatabase } from "./schema.ts";

export interface EpisodeStoreOptions {
  /** Default: navigator.storage.estimate. */
  estimate?: EstimateFn;
  /** Default: navigator.storage.persist. */
  persist?: PersistFn;
  /** ms since epoch, for dataset timestamps. Default: Date.now. */
  now?: () => number;
  /** Ids for new datasets and episodes. Default: crypto.randomUUID. */
  newId?: () => string;
}

/** Batches read per transaction when walking an episode's data (bounded memory). */
const ROWS_PER_READ = 32;
const MEDIA_PER_READ = 4;

/**
 * Datasets, episodes, joint rows and encoded video in the studio's IndexedDB database (schema
 * version 2, see schema.ts and docs/storage.md). Media are ArrayBuffers, never Blobs.
 */
export class IdbEpisodeStore implements EpisodeStore {
  private readonly estimate: EstimateFn | undefined;
  private readonly persist: PersistFn | undefined;
  private readonly now: () => number;
  private readonly newId: () => string;

  /** Uses an open connection, which may be shared with other stores. */
  constructor(
    private readonly db: StudioDatabase,
    options: EpisodeStoreOptions = {},
  ) {
    this.estimate = options.estimate ?? browserEstimate();
    this.persist = options.persist ?? browserPersist();
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => crypto.randomUUID());
  }

  /** Opens the studio database and a store on it. Rejects with a StorageError. */
  static async open(name: string = DB_NAME, options: EpisodeStoreOptions = {}): Promise<IdbEpisodeStore> {
    return new IdbEpisodeStore(await openStudioDB(name), options);
  }

  /** Closes the connection (for every store sharing it). Later calls reject with StorageError("unavailable"). */
  close(): void {
    this.db.close();
  }

  // -- datasets -------------------------------------------------------------------------------

  async createDataset(init: NewDataset): Promise<DatasetRecord> {
    const stored = toStoredDataset(init, init.id ?? this.newId(), this.now());
    await this.run(["datasets"], "readwrite", "create the dataset", async (tx) => {
      if ((await tx.store.getKey(stored.id)) !== undefined) {
        throw new StorageError("invalid", `A dataset with id "${stored.id}" already exists; nothing was created.`);
      }
      await tx.store.add(stored);
    });
    return publicDataset(stored);
  }

  async datasetNamed(init: NewDataset): Promise<{ dataset: DatasetRecord; created: boolean }> {
    return this.run(["datasets"], "readwrite", "create the dataset", async (tx) => {
      const found = oldestNamed(await tx.store.getAll(), init.name);
      if (found) return { dataset: found, created: false };
      const stored = toStoredDataset(init, init.id ?? this.newId(), this.now());
      await tx.store.add(stored);
      return { dataset: publicDataset(stored), created: true };
    });
  }

  async getDataset(id: string): Promise<DatasetRecord | undefined> {
    const raw = await this.run(["datasets"], "readonly", "load the dataset", (tx) => tx.store.get(id));
    if (raw === undefined) return undefined;
    const result = migrateDataset(raw);
    if ("error" in result) throw damagedError("dataset", id, result.error);
    return result;
  }

  async listDatasets(): Promise<DatasetListing> {
    const [keys, values] = await this.run(["datasets"], "readonly", "load the datasets", (tx) =>
      Promise.all([tx.store.getAllKeys(), tx.store.getAll()]),
    );
    const listing: DatasetListing = { datasets: [], skipped: [] };
    values.forEach((value, i) => {
      const result = migrateDataset(value);
      if ("error" in result) listing.skipped.push({ id: String(keys[i]), error: result.error });
      else listing.datasets.push(result);
    });
    listing.datasets.sort((a, b) => a.createdAtEpochMs - b.createdAtEpochMs || compareKeys(a.id, b.id));
    return listing;
  }

  async updateDataset(id: string, patch: DatasetPatch): Promise<DatasetRecord> {
    return this.run(["datasets", "episodes"], "readwrite", "change the dataset", async (tx) => {
      const dataset = readDataset(id, await tx.objectStore("datasets").get(id));
      const episodes = await tx.objectStore("episodes").index("by-dataset").count(id);
      const next = applyDatasetPatch(dataset, patch, episodes > 0, this.now());
      await tx.objectStore("datasets").put(next);
      return publicDataset(next);
    });
  }

  async deleteDataset(id: string): Promise<void> {
    await this.run(DATASET_STORES, "readwrite", "delete the dataset", async (tx) => {
      const episodeIds = await tx.objectStore("episodes").index("by-dataset").getAllKeys(id);
      for (const episodeId of episodeIds) await deleteEpisodeData(tx, episodeId);
      await tx.objectStore("datasets").delete(id);
    });
  }

  // -- episodes -------------------------------------------------------------------------------

  async createEpisode(init: NewEpisode): Promise<EpisodeRecord> {
    const id = init.id ?? this.newId();
    return this.run(["datasets", "episodes"], "readwrite", "start the episode", async (tx) => {
      const dataset = readDataset(init.datasetId, await tx.objectStore("datasets").get(init.datasetId));
      const episodes = tx.objectStore("episodes");
      if ((await episodes.getKey(id)) !== undefined)
        throw new StorageError("invalid", `An episode with id "${id}" already exists; nothing was started.`);
      const siblings = await episodes.index("by-dataset").getAll(init.datasetId);
      const index = siblings.reduce((max, e) => Math.max(max, typeof e.index === "number" ? e.index + 1 : 0), 0);
      const record = newEpisodeRecord(dataset, init, id, index);
      await episodes.add(record);
      return publicEpisode(record);
    });
  }

  async getEpisode(id: string): Promise<EpisodeRecord | undefined> {
    const raw = await this.run(["episodes"], "readonly", "load the episode", (tx) => tx.store.get(id));
    if (raw === undefined) return undefined;
    const result = migrateEpisode(raw);
    if ("error" in result) throw damagedError("episode", id, result.error);
    return publicEpisode(result);
  }

  async listEpisodes(datasetId: string): Promise<EpisodeListing> {
    const [keys, values] = await this.run(["episodes"], "readonly", "load the episodes", (tx) => {
      const index = tx.store.index("by-dataset");
      return Promise.all([index.getAllKeys(datasetId), index.getAll(datasetId)]);
    });
    const listing: EpisodeListing = { episodes: [], skipped: [] };
    values.forEach((value, i) => {
      const result = migrateEpisode(value);
      if ("error" in result) listing.skipped.push({ id: String(keys[i]), error: result.error });
      else listing.episodes.push(publicEpisode(result));
    });
    listing.episodes.sort((a, b) => a.index - b.index || compareKeys(a.id, b.id));
    return listing;
  }

  async appendRows(batch: RowBatch): Promise<void> {
    await this.run(
      ["episodes", "rows"],
      "readwrite",
      "store the episode's joint rows",
      async (tx) => {
        const episode = readEpisode(batch.episodeId, await tx.objectStore("episodes").get(batch.episodeId), "joint rows");
        const next = applyRowAppend(episode, batch);
        if (batch.count === 0) return; // checked, nothing to keep
        await tx.objectStore("rows").add(compactRows(batch));
        await tx.objectStore("episodes").put(next);
      },
      appendError,
    );
  }

  async appendMedia(batch: MediaBatch): Promise<void> {
    await this.run(
      ["episodes", "media"],
      "readwrite",
      `store the video of camera ${batch.camera}`,
      async (tx) => {
        const episode = readEpisode(
          batch.episodeId,
          await tx.objectStore("episodes").get(batch.episodeId),
          `video frames (camera ${batch.camera})`,
        );
        const next = applyMediaAppend(episode, batch);
        if (batch.frames.length === 0) return; // checked, nothing to keep
        await tx.objectStore("media").add(batch);
        await tx.objectStore("episodes").put(next);
      },
      appendError,
    );
  }

  async finishEpisode(id: string, patch: FinishEpisode): Promise<EpisodeRecord> {
    return this.run(["episodes", "rows", "media"], "readwrite", "finish the episode", async (tx) => {
      const next = applyFinish(readEpisode(id, await tx.objectStore("episodes").get(id)), patch);
      const removed = await trimTail(tx, next, next.length);
      const record = trimmedProgress(next, next.length, removed);
      await tx.objectStore("episodes").put(record);
      return publicEpisode(record);
    });
  }

  async updateEpisode(id: string, patch: EpisodePatch): Promise<EpisodeRecord> {
    return this.run(["episodes"], "readwrite", "change the episode", async (tx) => {
      const next = applyEpisodePatch(readEpisode(id, await tx.store.get(id)), patch);
      await tx.store.put(next);
      return publicEpisode(next);
    });
  }

  async discardEpisode(id: string): Promise<void> {
    await this.run(EPISODE_STORES, "readwrite", "discard the episode", (tx) => deleteEpisodeData(tx, id));
  }

  async *readRows(episodeId: string): AsyncIterable<RowBatch> {
    let lower: [string, number] = [episodeId, -Infinity];
    let open = false;
    for (;;) {
      const range = IDBKeyRange.bound(lower, [episodeId, Infinity], open, false);
      const chunk = await this.run(["rows"], "readonly", "read the episode's joint rows", (tx) => tx.store.getAll(range, ROWS_PER_READ));
      yield* chunk;
      const last = chunk.at(-1);
      if (last === undefined || chunk.length < ROWS_PER_READ) return;
      lower = [episodeId, last.seq];
      open = true;
    }
  }

  async *readMedia(episodeId: string, camera: string): AsyncIterable<MediaBatch> {
    let lower: [string, string, number] = [episodeId, camera, -Infinity];
    let open = false;
    for (;;) {
      const range = IDBKeyRange.bound(lower, [episodeId, camera, Infinity], open, false);
      const chunk = await this.run(["media"], "readonly", `read the video of camera ${camera}`, (tx) =>
        tx.store.getAll(range, MEDIA_PER_READ),
      );
      yield* chunk;
      const last = chunk.at(-1);
      if (last === undefined || chunk.length < MEDIA_PER_READ) return;
      lower = [episodeId, camera, last.seq];
      open = true;
    }
  }

  async recoverInterrupted(): Promise<RecoveredEpisode[]> {
    const ids = await this.run(["episodes"], "readonly", "look for interrupted episodes", (tx) =>
      tx.store.index("by-status").getAllKeys("recording"),
    );
    const recovered: RecoveredEpisode[] = [];
    for (const id of ids) {
      const found = await this.run(["episodes", "rows", "media"], "readwrite", "recover the interrupted episode", async (tx) => {
        const raw = await tx.objectStore("episodes").get(id);
        if (raw === undefined) return undefined;
        const episode = migrateEpisode(raw);
        if ("error" in episode || episode.status !== "recording") return undefined; // damaged records stay as they are
        const length = completeLength(episode.progress);
        const dropped = droppedBy(episode, length);
        const removed = await trimTail(tx, episode, length);
        const record = trimmedProgress({ ...episode, status: "interrupted" }, length, removed);
        await tx.objectStore("episodes").put(record);
        return { episode: publicEpisode(record), ...dropped };
      });
      if (found !== undefined) recovered.push(found);
    }
    return recovered;
  }

  usage(): Promise<StorageUsage> {
    return readUsage(this.estimate);
  }

  requestPersistence(): Promise<PersistenceResult> {
    return askPersistence(this.persist);
  }

  // -- plumbing -------------------------------------------------------------------------------

  /**
   * One transaction: `body` issues requests (awaiting only them), then the commit is awaited.
   * Anything thrown aborts the transaction, so nothing of it is written; errors become StorageErrors.
   */
  private async run<S extends StoreNames<StudioDB>[], M extends IDBTransactionMode, T>(
    stores: [...S],
    mode: M,
    action: string,
    body: (tx: Tx<S, M>) => Promise<T>,
    mapError: (e: unknown, action: string) => StorageError = toStorageError,
  ): Promise<T> {
    let tx: Tx<S, M>;
    try {
      tx = this.db.transaction(stores, mode);
    } catch (e) {
      throw mapError(e, action);
    }
    const done = tx.done;
    done.catch(() => undefined); // observed below, or superseded by the body's error
    try {
      const result = await body(tx);
      await done;
      return result;
    } catch (e) {
      try {
        tx.abort();
      } catch {
        // already committed or aborted
      }
      throw mapError(e, action);
    }
  }
}

function readDataset(id: string, raw: unknown): DatasetRecord {
  if (raw === undefined)
    throw new StorageError("invalid", `The dataset "${id}" does not exist (it may have been deleted). Nothing was changed.`);
  const result = migrateDataset(raw);
  if ("error" in result) throw damagedError("dataset", id, result.error);
  return result;
}

function readEpisode(id: string, raw: unknown, appending?: string): StoredEpisode {
  if (raw === undefined) {
    if (appending !== undefined) throw missingEpisodeError(id, appending);
    throw new StorageError("invalid", `The episode "${id}" does not exist (it may have been discarded). Nothing was changed.`);
  }
  const result = migrateEpisode(raw);
  if ("error" in result) throw damagedError("episode", id, result.error);
  return result;
}
