import type { DatasetRecord, EpisodeRecord, MediaBatch, RowBatch } from "../core/dataset.ts";
import { askPersistence, type PersistFn } from "./browserStorage.ts";
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
import { droppedBy, trimMediaBatch, trimmedProgress, trimRowBatch, type TailStep } from "./episodeTrim.ts";
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

export interface MemoryEpisodeStoreOptions {
  /** Bytes this store may hold; writes beyond it fail as the browser's do (StorageError "quota"). Default: unlimited. */
  quotaBytes?: number;
  now?: () => number;
  newId?: () => string;
  /** Default: granted. */
  persist?: PersistFn;
}

/** Bytes counted for each dataset or episode record (besides its thumbnail), an estimate of its size. */
export const RECORD_BYTES = 1024;

/**
 * In-memory EpisodeStore for tests and the simulator: the same rules as IdbEpisodeStore (every
 * check runs before anything changes, so each call is all-or-nothing; values are structured-cloned
 * in and out) and an optional byte quota counting media data, row arrays and RECORD_BYTES per
 * record, so tests can fill the storage.
 */
export class MemoryEpisodeStore implements EpisodeStore {
  private readonly datasets = new Map<string, unknown>();
  private readonly episodes = new Map<string, unknown>();
  private readonly rows = new Map<string, Map<number, RowBatch>>();
  private readonly media = new Map<string, Map<string, Map<number, MediaBatch>>>();
  private readonly quotaBytes: number;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly persist: PersistFn;
  private closed = false;

  constructor(options: MemoryEpisodeStoreOptions = {}) {
    this.quotaBytes = options.quotaBytes ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.persist = options.persist ?? (() => Promise.resolve(true));
  }

  /** Later calls reject with StorageError("unavailable"), as after IdbEpisodeStore.close(). */
  close(): void {
    this.closed = true;
  }

  async datasetNamed(init: NewDataset): Promise<{ dataset: DatasetRecord; created: boolean }> {
    await this.enter("create the dataset");
    const found = oldestNamed(
      [...this.datasets.values()].map((d) => structuredClone(d)),
      init.name,
    );
    return found ? { dataset: found, created: false } : { dataset: this.addDataset(init), created: true };
  }

  async createDataset(init: NewDataset): Promise<DatasetRecord> {
    await this.enter("create the dataset");
    return this.addDataset(init);
  }

  private addDataset(init: NewDataset): DatasetRecord {
    const stored = toStoredDataset(init, init.id ?? this.newId(), this.now());
    if (this.datasets.has(stored.id))
      throw new StorageError("invalid", `A dataset with id "${stored.id}" already exists; nothing was created.`);
    this.ensureRoom(RECORD_BYTES, "create the dataset");
    this.datasets.set(stored.id, structuredClone(stored));
    return publicDataset(stored);
  }

  async getDataset(id: string): Promise<DatasetRecord | undefined> {
    await this.enter("load the dataset");
    if (!this.datasets.has(id)) return undefined;
    const result = migrateDataset(structuredClone(this.datasets.get(id)));
    if ("error" in result) throw damagedError("dataset", id, result.error);
    return result;
  }

  async listDatasets(): Promise<DatasetListing> {
    await this.enter("load the datasets");
    const listing: DatasetListing = { datasets: [], skipped: [] };
    for (const id of [...this.datasets.keys()].sort(compareKeys)) {
      const result = migrateDataset(structuredClone(this.datasets.get(id)));
      if ("error" in result) listing.skipped.push({ id, error: result.error });
      else listing.datasets.push(result);
    }
    listing.datasets.sort((a, b) => a.createdAtEpochMs - b.createdAtEpochMs || compareKeys(a.id, b.id));
    return listing;
  }

  async updateDataset(id: string, patch: DatasetPatch): Promise<DatasetRecord> {
    await this.enter("change the dataset");
    const dataset = this.dataset(id);
    const hasEpisodes = [...this.episodes.values()].some((e) => datasetIdOf(e) === id);
    const next = applyDatasetPatch(dataset, structuredClone(patch), hasEpisodes, this.now());
    this.datasets.set(id, structuredClone(next));
    return publicDataset(next);
  }

  async deleteDataset(id: string): Promise<void> {
    await this.enter("delete the dataset");
    for (const [episodeId, raw] of [...this.episodes]) if (datasetIdOf(raw) === id) this.deleteEpisodeData(episodeId);
    this.datasets.delete(id);
  }

  async createEpisode(init: NewEpisode): Promise<EpisodeRecord> {
    await this.enter("start the episode");
    const id = init.id ?? this.newId();
    const dataset = this.dataset(init.datasetId);
    if (this.episodes.has(id)) throw new StorageError("invalid", `An episode with id "${id}" already exists; nothing was started.`);
    let index = 0;
    for (const raw of this.episodes.values()) {
      if (datasetIdOf(raw) !== init.datasetId) continue;
      const i = (raw as { index?: unknown }).index;
      if (typeof i === "number") index = Math.max(index, i + 1);
    }
    const record = newEpisodeRecord(dataset, structuredClone(init), id, index);
    this.ensureRoom(RECORD_BYTES, "start the episode");
    this.episodes.set(id, structuredClone(record));
    return publicEpisode(record);
  }

  async getEpisode(id: string): Promise<EpisodeRecord | undefined> {
    await this.enter("load the episode");
    if (!this.episodes.has(id)) return undefined;
    const result = migrateEpisode(structuredClone(this.episodes.get(id)));
    if ("error" in result) throw damagedError("episode", id, result.error);
    return publicEpisode(result);
  }

  async listEpisodes(datasetId: string): Promise<EpisodeListing> {
    await this.enter("load the episodes");
    const listing: EpisodeListing = { episodes: [], skipped: [] };
    for (const id of [...this.episodes.keys()].sort(compareKeys)) {
      const raw = this.episodes.get(id);
      if (datasetIdOf(raw) !== datasetId) continue;
      const result = migrateEpisode(structuredClone(raw));
      if ("error" in result) listing.skipped.push({ id, error: result.error });
      else listing.episodes.push(publicEpisode(result));
    }
    listing.episodes.sort((a, b) => a.index - b.index || compareKeys(a.id, b.id));
    return listing;
  }

  async appendRows(batch: RowBatch): Promise<void> {
    const action = "store the episode's joint rows";
    await this.enter(action, appendError);
    const next = applyRowAppend(this.episode(batch.episodeId, "joint rows"), batch);
    if (batch.count === 0) return; // checked, nothing to keep
    const copy = structuredClone(compactRows(batch));
    try {
      this.ensureRoom(rowBytes(copy), action);
    } catch (e) {
      throw appendError(e, action);
    }
    mapOf(this.rows, batch.episodeId).set(batch.seq, copy);
    this.episodes.set(next.id, structuredClone(next));
  }

  async appendMedia(batch: MediaBatch): Promise<void> {
    const action = `store the video of camera ${batch.camera}`;
    await this.enter(action, appendError);
    const next = applyMediaAppend(this.episode(batch.episodeId, `video frames (camera ${batch.camera})`), batch);
    if (batch.frames.length === 0) return; // checked, nothing to keep
    const copy = structuredClone(batch);
    try {
      this.ensureRoom(copy.data.byteLength, action);
    } catch (e) {
      throw appendError(e, action);
    }
    mapOf(mapOf(this.media, batch.episodeId), batch.camera).set(batch.seq, copy);
    this.episodes.set(next.id, structuredClone(next));
  }

  async finishEpisode(id: string, patch: FinishEpisode): Promise<EpisodeRecord> {
    await this.enter("finish the episode");
    const next = applyFinish(this.episode(id), structuredClone(patch));
    const thumbnailBytes = sizeOf(next.thumbnail) - sizeOf(this.episode(id).thumbnail);
    if (thumbnailBytes > 0) this.ensureRoom(thumbnailBytes, "finish the episode");
    const record = trimmedProgress(next, next.length, this.trimTail(next, next.length));
    this.episodes.set(id, structuredClone(record));
    return publicEpisode(record);
  }

  async updateEpisode(id: string, patch: EpisodePatch): Promise<EpisodeRecord> {
    await this.enter("change the episode");
    const next = applyEpisodePatch(this.episode(id), structuredClone(patch));
    this.episodes.set(id, structuredClone(next));
    return publicEpisode(next);
  }

  async discardEpisode(id: string): Promise<void> {
    await this.enter("discard the episode");
    this.deleteEpisodeData(id);
  }

  async *readRows(episodeId: string): AsyncIterable<RowBatch> {
    await this.enter("read the episode's joint rows");
    const seqs = [...(this.rows.get(episodeId)?.keys() ?? [])].sort((a, b) => a - b);
    for (const seq of seqs) {
      await this.enter("read the episode's joint rows");
      const batch = this.rows.get(episodeId)?.get(seq);
      if (batch !== undefined) yield structuredClone(batch);
    }
  }

  async *readMedia(episodeId: string, camera: string): AsyncIterable<MediaBatch> {
    const action = `read the video of camera ${camera}`;
    await this.enter(action);
    const seqs = [...(this.media.get(episodeId)?.get(camera)?.keys() ?? [])].sort((a, b) => a - b);
    for (const seq of seqs) {
      await this.enter(action);
      const batch = this.media.get(episodeId)?.get(camera)?.get(seq);
      if (batch !== undefined) yield structuredClone(batch);
    }
  }

  async recoverInterrupted(): Promise<RecoveredEpisode[]> {
    await this.enter("look for interrupted episodes");
    const recovered: RecoveredEpisode[] = [];
    for (const id of [...this.episodes.keys()].sort(compareKeys)) {
      const episode = migrateEpisode(structuredClone(this.episodes.get(id)));
      if ("error" in episode || episode.status !== "recording") continue;
      const length = completeLength(episode.progress);
      const dropped = droppedBy(episode, length);
      const record = trimmedProgress({ ...episode, status: "interrupted" }, length, this.trimTail(episode, length));
      this.episodes.set(id, structuredClone(record));
      recovered.push({ episode: publicEpisode(record), ...dropped });
    }
    return recovered;
  }

  async usage(): Promise<StorageUsage> {
    await this.enter("read the storage usage");
    return { usageBytes: this.usedBytes(), quotaBytes: this.quotaBytes };
  }

  requestPersistence(): Promise<PersistenceResult> {
    return askPersistence(this.persist);
  }

  /** Bytes held, as the quota counts them. */
  usedBytes(): number {
    let bytes = 0;
    for (const raw of this.datasets.values()) bytes += RECORD_BYTES + sizeOf((raw as { thumbnail?: unknown }).thumbnail);
    for (const raw of this.episodes.values()) bytes += RECORD_BYTES + sizeOf((raw as { thumbnail?: unknown }).thumbnail);
    for (const batches of this.rows.values()) for (const b of batches.values()) bytes += rowBytes(b);
    for (const cameras of this.media.values())
      for (const batches of cameras.values()) for (const b of batches.values()) bytes += b.data.byteLength;
    return bytes;
  }

  /** Test only: stores a dataset or episode record as-is, without validation (damaged or old-shape records). */
  putRaw(store: "datasets" | "episodes", record: { id: string }): void {
    (store === "datasets" ? this.datasets : this.episodes).set(record.id, structuredClone(record));
  }

  // -- plumbing -------------------------------------------------------------------------------

  private async enter(action: string, mapError: (e: unknown, action: string) => StorageError = toStorageError): Promise<void> {
    await Promise.resolve();
    if (this.closed) throw mapError(new DOMException("The database connection is closing.", "InvalidStateError"), action);
  }

  private ensureRoom(bytes: number, action: string): void {
    if (this.usedBytes() + bytes > this.quotaBytes) {
      throw toStorageError(new DOMException("The quota has been exceeded.", "QuotaExceededError"), action);
    }
  }

  private dataset(id: string): DatasetRecord {
    if (!this.datasets.has(id))
      throw new StorageError("invalid", `The dataset "${id}" does not exist (it may have been deleted). Nothing was changed.`);
    const result = migrateDataset(structuredClone(this.datasets.get(id)));
    if ("error" in result) throw damagedError("dataset", id, result.error);
    return result;
  }

  private episode(id: string, appending?: string): StoredEpisode {
    if (!this.episodes.has(id)) {
      if (appending !== undefined) throw missingEpisodeError(id, appending);
      throw new StorageError("invalid", `The episode "${id}" does not exist (it may have been discarded). Nothing was changed.`);
    }
    const result = migrateEpisode(structuredClone(this.episodes.get(id)));
    if ("error" in result) throw damagedError("episode", id, result.error);
    return result;
  }

  private deleteEpisodeData(id: string): void {
    this.rows.delete(id);
    this.media.delete(id);
    this.episodes.delete(id);
  }

  /** As IdbEpisodeStore's trimTail: walks each stream back from its end. Returns media bytes removed. */
  private trimTail(episode: StoredEpisode, length: number): number {
    let removed = 0;
    const walk = <T>(batches: Map<number, T> | undefined, trim: (b: T) => TailStep<T>) => {
      if (batches === undefined) return;
      for (const seq of [...batches.keys()].sort((a, b) => b - a)) {
        const step = trim(batches.get(seq)!);
        if (step.action === "keep") return;
        removed += step.bytes;
        if (step.action === "delete") batches.delete(seq);
        else {
          batches.set(seq, step.batch);
          return;
        }
      }
    };
    if (episode.progress.rows.count > length) walk(this.rows.get(episode.id), (b) => trimRowBatch(b, length));
    for (const [camera, stream] of Object.entries(episode.progress.cameras)) {
      if (stream.count > length) walk(this.media.get(episode.id)?.get(camera), (b) => trimMediaBatch(b, length));
    }
    return removed;
  }
}

function datasetIdOf(raw: unknown): unknown {
  return typeof raw === "object" && raw !== null ? (raw as { datasetId?: unknown }).datasetId : undefined;
}

function mapOf<K, V extends Map<unknown, unknown>>(outer: Map<K, V>, key: K): V {
  let inner = outer.get(key);
  if (inner === undefined) {
    inner = new Map() as V;
    outer.set(key, inner);
  }
  return inner;
}

function rowBytes(b: RowBatch): number {
  return b.state.byteLength + b.action.byteLength + b.rowTimeMs.byteLength + b.sampleTimeMs.byteLength;
}

function sizeOf(thumbnail: unknown): number {
  if (thumbnail instanceof ArrayBuffer) return thumbnail.byteLength;
  if (typeof Blob !== "undefined" && thumbnail instanceof Blob) return thumbnail.size;
  return 0;
}
