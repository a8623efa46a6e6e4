import { createStore, type StoreApi } from "zustand/vanilla";
import type { DatasetRecord, EpisodeRecord } from "../core/dataset.ts";
import {
  exportToFolder,
  exportToHub,
  exportToZip,
  FolderFiles,
  importDataset,
  StoreImportTarget,
  ZipFiles,
  type DirectoryHandleLike,
  type ExportProgress,
  type ExportSource,
  type ReadableDirectoryLike,
} from "../export/index.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";

export interface DatasetSummary {
  readonly dataset: DatasetRecord;
  readonly episodes: readonly EpisodeRecord[];
  /** Episodes an export includes (complete or interrupted). */
  readonly exportable: number;
  readonly frames: number;
  readonly mediaBytes: number;
}

export type ExportTarget = "zip" | "folder" | "hub";

export interface ExportJob {
  readonly datasetId: string;
  readonly target: ExportTarget;
  readonly version: "v3.0" | "v2.1";
  readonly progress: ExportProgress | undefined;
  readonly state: "running" | "done" | "failed" | "cancelled";
  readonly message: string | undefined;
}

export interface DatasetsState {
  readonly datasets: readonly DatasetSummary[];
  readonly job: ExportJob | undefined;
  readonly error: string | undefined;
  refresh(): Promise<void>;
  /** A .zip as a stream (bounded memory); the caller saves it (file picker or download). */
  exportZip(datasetId: string, version: "v3.0" | "v2.1"): Promise<ReadableStream<Uint8Array> | undefined>;
  exportFolder(datasetId: string, version: "v3.0" | "v2.1", dir: DirectoryHandleLike): Promise<void>;
  exportHub(datasetId: string, version: "v3.0" | "v2.1", hub: { token: string; repo: string; private: boolean }): Promise<void>;
  cancel(): void;
  deleteDataset(datasetId: string): Promise<void>;
  /** Imports a LeRobot v3.0 or v2.1 dataset from a .zip or a folder (then browse, annotate, append). */
  importZip(file: Blob, name: string): Promise<void>;
  importFolder(dir: ReadableDirectoryLike): Promise<void>;
  readonly importing: { state: "running" | "done" | "failed"; message: string; done: number; total: number } | undefined;
}

export type DatasetsStore = StoreApi<DatasetsState>;

/** Episodes an export includes: complete or interrupted, with rows, not deleted in the episode browser. */
function exportable(e: EpisodeRecord): boolean {
  return (e.status === "complete" || e.status === "interrupted") && e.length > 0 && e.annotations.deleted !== true;
}

/** The export source of a stored dataset: complete and interrupted episodes, read lazily. */
export async function storeSource(store: EpisodeStore, datasetId: string): Promise<ExportSource> {
  const dataset = await store.getDataset(datasetId);
  if (!dataset) throw new Error("This dataset no longer exists.");
  const { episodes } = await store.listEpisodes(datasetId);
  return {
    dataset,
    episodes: episodes.filter(exportable),
    rows: (id) => store.readRows(id),
    media: (id, camera) => store.readMedia(id, camera),
  };
}

/** Datasets on this computer and their export (zip, folder, Hugging Face Hub) with progress and cancel. */
export function createDatasetsStore(store: EpisodeStore): DatasetsStore {
  let abort: AbortController | undefined;
  const run = async <T>(
    datasetId: string,
    target: ExportTarget,
    version: "v3.0" | "v2.1",
    fn: (
      source: ExportSource,
      opts: { onProgress: (p: ExportProgress) => void; signal: AbortSignal; version: "v3.0" | "v2.1" },
    ) => Promise<T>,
  ): Promise<T | undefined> => {
    abort?.abort();
    abort = new AbortController();
    const signal = abort.signal;
    s.setState({ job: { datasetId, target, version, progress: undefined, state: "running", message: undefined }, error: undefined });
    const progress = (p: ExportProgress) => s.setState((st) => (st.job ? { job: { ...st.job, progress: p } } : {}));
    try {
      const source = await storeSource(store, datasetId);
      if (source.episodes.length === 0) throw new Error("This dataset has no recorded episodes to export yet.");
      const out = await fn(source, { onProgress: progress, signal, version });
      return out;
    } catch (e) {
      const cancelled = signal.aborted;
      s.setState((st) =>
        st.job
          ? {
              job: {
                ...st.job,
                state: cancelled ? "cancelled" : "failed",
                message: cancelled ? "Export cancelled." : e instanceof Error ? e.message : String(e),
              },
            }
          : {},
      );
      return undefined;
    }
  };
  const finish = (message: string) => s.setState((st) => (st.job ? { job: { ...st.job, state: "done", message } } : {}));

  const doImport = async (open: () => Promise<ZipFiles | FolderFiles>) => {
    s.setState({ importing: { state: "running", message: "Reading the dataset…", done: 0, total: 0 } });
    try {
      const files = await open();
      const sum = await importDataset(files, new StoreImportTarget(store), {
        onProgress: (p) => s.setState({ importing: { state: "running", message: "Importing…", done: p.done, total: p.total } }),
      });
      s.setState({
        importing: {
          state: "done",
          message: `Imported "${sum.dataset.name}" (LeRobot ${sum.version}): ${sum.episodes} episodes, ${sum.frames} frames.`,
          done: 1,
          total: 1,
        },
      });
    } catch (e) {
      s.setState({ importing: { state: "failed", message: e instanceof Error ? e.message : String(e), done: 0, total: 0 } });
    }
    await s.getState().refresh();
  };

  const s = createStore<DatasetsState>()((set) => ({
    datasets: [],
    importing: undefined,
    importZip: (file, name) => doImport(() => ZipFiles.open(file, name)),
    importFolder: (dir) => doImport(() => FolderFiles.open(dir)),
    job: undefined,
    error: undefined,
    async refresh() {
      try {
        const { datasets } = await store.listDatasets();
        const out: DatasetSummary[] = [];
        for (const dataset of datasets) {
          const { episodes } = await store.listEpisodes(dataset.id);
          const kept = episodes.filter(exportable);
          out.push({
            dataset,
            episodes,
            exportable: kept.length,
            frames: kept.reduce((n, e) => n + e.length, 0),
            mediaBytes: episodes.reduce((n, e) => n + e.mediaBytes, 0),
          });
        }
        set({ datasets: out, error: undefined });
      } catch (e) {
        set({ error: e instanceof Error ? e.message : String(e) });
      }
    },
    exportZip: (datasetId, version) =>
      run(datasetId, "zip", version, (source, opts) => {
        const { stream, result } = exportToZip(source, opts);
        result
          .then((sum) => finish(`Exported ${sum.totalEpisodes} episodes, ${sum.totalFrames} frames (${sum.version}).`))
          .catch((e: unknown) => {
            const cancelled = opts.signal.aborted;
            s.setState((st) =>
              st.job
                ? {
                    job: {
                      ...st.job,
                      state: cancelled ? "cancelled" : "failed",
                      message: cancelled ? "Export cancelled." : e instanceof Error ? e.message : String(e),
                    },
                  }
                : {},
            );
          });
        return Promise.resolve(stream);
      }),
    async exportFolder(datasetId, version, dir) {
      await run(datasetId, "folder", version, async (source, opts) => {
        const sum = await exportToFolder(source, dir, opts);
        finish(`Exported ${sum.totalEpisodes} episodes to the folder (${sum.files.length} files, ${sum.skipped.length} already there).`);
      });
    },
    async exportHub(datasetId, version, hub) {
      await run(datasetId, "hub", version, async (source, opts) => {
        const sum = await exportToHub(source, { accessToken: hub.token, repo: hub.repo, private: hub.private }, opts);
        finish(`Uploaded ${sum.totalEpisodes} episodes to ${hub.repo} and tagged it ${sum.version}.`);
      });
    },
    cancel() {
      abort?.abort();
    },
    async deleteDataset(datasetId) {
      await store.deleteDataset(datasetId);
      await s.getState().refresh();
    },
  }));
  return s;
}
