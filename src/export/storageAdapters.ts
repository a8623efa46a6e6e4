/**
 * Export and import over the studio's EpisodeStore (storage layer): an ExportSource reading a
 * stored dataset, and an ImportTarget writing an imported one (deleted again on abort).
 */
import { emptyAnnotations, type DatasetRecord, type EpisodeRecord, type MediaBatch, type RowBatch } from "../core/dataset.ts";
import { keptRange } from "../core/annotations.ts";
import type { EpisodeStore } from "../storage/index.ts";
import { ExportError } from "./errors.ts";
import type { ImportTarget } from "./import/importDataset.ts";
import type { ExportSource } from "./source.ts";

/**
 * Whether an export includes the episode: complete or interrupted, with rows, and not deleted in
 * the episode browser (`annotations.deleted`). Recording, discarded, empty and soft-deleted
 * episodes are never exported.
 */
export function isExported(e: EpisodeRecord): boolean {
  return (e.status === "complete" || e.status === "interrupted") && e.length > 0 && e.annotations.deleted !== true;
}

/**
 * The export source of a stored dataset: its exported episodes (see `isExported`) in index order,
 * rows and media read lazily. An episode record storage cannot read stops the export with an
 * ExportError naming it, rather than leaving it out unseen.
 */
export async function exportSourceFromStore(store: EpisodeStore, datasetId: string): Promise<ExportSource & { leftOut: string[] }> {
  const dataset = await store.getDataset(datasetId);
  if (!dataset) throw new ExportError(`Dataset ${datasetId} is not in this browser's storage.`);
  const listing = await store.listEpisodes(datasetId);
  if (listing.skipped.length > 0) {
    const list = listing.skipped.map((s) => `${s.id} (${s.error})`).join(", ");
    throw new ExportError(
      `${listing.skipped.length} episode(s) of "${dataset.name}" could not be read from storage: ${list}. ` +
        "The export stopped rather than leave them out; reload the page (an episode saved by a newer studio needs it).",
      { episode: listing.skipped[0]!.id },
    );
  }
  return {
    dataset,
    episodes: listing.episodes.filter(isExported),
    leftOut: listing.episodes.filter((e) => !isExported(e)).map(leftOutReason),
    rows: (id) => store.readRows(id),
    media: (id, camera) => store.readMedia(id, camera),
  };
}

/** Why an episode is not exported, for the export's message ("episode 3 (still recording …)"). */
function leftOutReason(e: EpisodeRecord): string {
  const why =
    e.annotations.deleted === true
      ? "deleted in the episode browser"
      : e.status === "recording"
        ? "still being recorded, or cut short and not finished yet: it is finished at the next start of the studio"
        : e.status === "discarded"
          ? "discarded"
          : "no complete rows";
  return `episode ${e.index} (${why})`;
}

/** Writes an imported dataset into the store; `abort` deletes it (nothing stored before changes). */
export class StoreImportTarget implements ImportTarget {
  private readonly store: EpisodeStore;
  private datasetId: string | undefined;
  constructor(store: EpisodeStore) {
    this.store = store;
  }
  /** The stored dataset's id once `begin` ran. */
  get id(): string | undefined {
    return this.datasetId;
  }
  async begin(d: DatasetRecord): Promise<void> {
    const created = await this.store.createDataset({
      id: d.id,
      name: d.name,
      fps: d.fps,
      robotType: d.robotType,
      jointNames: d.jointNames,
      units: d.units,
      cameras: d.cameras,
      tasks: d.tasks,
      importing: true,
    });
    this.datasetId = created.id;
  }
  async addEpisode(e: EpisodeRecord, rows: RowBatch[], media: MediaBatch[]): Promise<void> {
    if (!this.datasetId) throw new Error("StoreImportTarget: begin first");
    const ep = await this.store.createEpisode({
      id: e.id,
      datasetId: this.datasetId,
      task: e.task,
      startedAtEpochMs: e.startedAtEpochMs,
      t0Ms: e.t0Ms,
      tracks: e.tracks,
    });
    for (const r of rows) await this.store.appendRows({ ...r, episodeId: ep.id });
    for (const m of media) await this.store.appendMedia({ ...m, episodeId: ep.id });
    await this.store.finishEpisode(ep.id, { length: e.length, tracks: e.tracks, sync: e.sync, qa: e.qa, imageStats: e.imageStats });
    // Annotations read from the dataset (language columns, outcome, tags) are the episode browser's edits to the store.
    if (JSON.stringify(e.annotations) !== JSON.stringify(emptyAnnotations()))
      await this.store.updateEpisode(ep.id, { annotations: e.annotations });
  }
  /** The last step: the dataset is complete (a reload before it finds it "importing" and removes it). */
  async commit(): Promise<void> {
    if (this.datasetId) await this.store.updateDataset(this.datasetId, { importing: false });
  }
  async abort(): Promise<void> {
    if (this.datasetId) await this.store.deleteDataset(this.datasetId);
  }
}

/** A stored dataset as the Datasets screen lists it. */
export interface DatasetSummary {
  readonly dataset: DatasetRecord;
  readonly episodes: readonly EpisodeRecord[];
  /** Episodes an export includes (see `isExported`). */
  readonly exportable: number;
  /** Rows of those episodes an export writes (their trims applied). */
  readonly frames: number;
  /** Media bytes of every stored episode of the dataset. */
  readonly mediaBytes: number;
}

/** Every stored dataset with its episodes and what an export of it would include. */
export async function datasetSummaries(store: EpisodeStore): Promise<DatasetSummary[]> {
  const { datasets } = await store.listDatasets();
  const out: DatasetSummary[] = [];
  for (const dataset of datasets) {
    if (dataset.importing) continue; // not complete yet (or cut off: removed at start-up)
    const { episodes } = await store.listEpisodes(dataset.id);
    const kept = episodes.filter(isExported);
    out.push({
      dataset,
      episodes,
      exportable: kept.length,
      frames: kept.reduce((n, e) => {
        const r = keptRange(e.annotations, e.length);
        return n + r.end - r.start;
      }, 0),
      mediaBytes: episodes.reduce((n, e) => n + e.mediaBytes, 0),
    });
  }
  return out;
}
