import { createStore, type StoreApi } from "zustand/vanilla";
import { clip, messageOf } from "../core/messages.ts";
import {
  datasetSummaries,
  ExportJobs,
  ImportJobs,
  type DatasetSummary,
  type DirectoryHandleLike,
  type ExportJobView,
  type ExportRequest,
  type ExportRun,
  type ImportInput,
  type ImportJobView,
  type ReadableDirectoryLike,
} from "../export/index.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";
import type { OriginLocks } from "../storage/originLocks.ts";

export type { DatasetSummary } from "../export/index.ts";
export type ExportJob = ExportJobView;

export interface DatasetsState {
  readonly datasets: readonly DatasetSummary[];
  /** The running export, or the last one with its outcome. */
  readonly job: ExportJob | undefined;
  /** The last refresh failure, or an export or import that was refused because another one runs. */
  readonly error: string | undefined;
  refresh(): Promise<void>;
  /**
   * A .zip as a stream (bounded memory); the caller saves it (file picker or download). Undefined
   * when the export failed or was refused, or for a second click on an export already running.
   */
  exportZip(datasetId: string, version: "v3.0" | "v2.1"): Promise<ReadableStream<Uint8Array> | undefined>;
  exportFolder(datasetId: string, version: "v3.0" | "v2.1", dir: DirectoryHandleLike): Promise<void>;
  exportHub(datasetId: string, version: "v3.0" | "v2.1", hub: { token: string; repo: string; private: boolean }): Promise<void>;
  cancel(): void;
  deleteDataset(datasetId: string): Promise<void>;
  /** Renames a dataset (the default repo name on export); a name already used, or empty, is refused in `error`. */
  renameDataset(datasetId: string, name: string): Promise<void>;
  /** Imports a LeRobot v3.0 or v2.1 dataset from a .zip or a folder (then browse, annotate, append). */
  importZip(file: Blob, name: string): Promise<void>;
  importFolder(dir: ReadableDirectoryLike): Promise<void>;
  readonly importing: ImportJobView | undefined;
  /** At start-up: imports cut off by a closed or crashed page are removed; a notice names them. */
  removeIncompleteImports(): Promise<void>;
  /** What the start-up clean-up removed (undefined: nothing). */
  readonly removedImports: string | undefined;
}

export type DatasetsStore = StoreApi<DatasetsState>;

/**
 * Datasets on this computer and their export (zip, folder, Hugging Face Hub) and import: binds
 * the ExportJobs and ImportJobs engines (src/export/) to React. One export and one import at a
 * time; a second one is refused with a message in `error`.
 */
export function createDatasetsStore(store: EpisodeStore, locks?: OriginLocks): DatasetsStore {
  const exports = new ExportJobs(store);
  const imports = new ImportJobs(store, locks);

  const s = createStore<DatasetsState>()((set, get) => {
    const startExport = (request: ExportRequest): ExportRun | undefined => {
      try {
        const run = exports.start(request);
        set({ error: undefined });
        return run;
      } catch (e) {
        set({ error: messageOf(e) });
        return undefined;
      }
    };
    const startImport = async (input: ImportInput): Promise<void> => {
      let finished;
      try {
        finished = imports.start(input).finished;
      } catch (e) {
        set({ error: messageOf(e) });
        return;
      }
      await finished;
      await get().refresh();
    };
    return {
      datasets: [],
      job: exports.snapshot.job,
      importing: imports.snapshot.job,
      error: undefined,
      removedImports: undefined,
      async removeIncompleteImports() {
        try {
          const names = await imports.removeIncomplete();
          if (names.length > 0)
            set({
              removedImports:
                `${names.length === 1 ? "An import" : `${names.length} imports`} cut off by a closed or crashed page ` +
                `(${names.map((n) => `"${clip(n)}"`).join(", ")}) ${names.length === 1 ? "was" : "were"} removed: nothing of ${names.length === 1 ? "it" : "them"} is kept. Import the dataset again.`,
            });
        } catch (e) {
          set({ error: messageOf(e) });
        }
        await get().refresh();
      },
      async refresh() {
        try {
          set({ datasets: await datasetSummaries(store), error: undefined });
        } catch (e) {
          set({ error: messageOf(e) });
        }
      },
      exportZip: (datasetId, version) =>
        startExport({ datasetId, version, to: { kind: "zip" } })?.takeArchive() ?? Promise.resolve(undefined),
      async exportFolder(datasetId, version, dir) {
        await startExport({ datasetId, version, to: { kind: "folder", dir } })?.finished;
      },
      async exportHub(datasetId, version, hub) {
        const to = { kind: "hub", hub: { accessToken: hub.token, repo: hub.repo, private: hub.private } } as const;
        await startExport({ datasetId, version, to })?.finished;
      },
      cancel() {
        void exports.cancel();
      },
      async deleteDataset(datasetId) {
        try {
          await store.deleteDataset(datasetId);
          set({ error: undefined });
        } catch (e) {
          set({ error: `The dataset could not be deleted: ${messageOf(e)}` });
        }
        await get().refresh();
      },
      async renameDataset(datasetId, name) {
        const clean = name.trim();
        if (clean === "") return set({ error: "A dataset needs a name." });
        if (get().datasets.some((d) => d.dataset.id !== datasetId && d.dataset.name === clean))
          return set({ error: `There is already a dataset named "${clean}". Choose another name.` });
        try {
          await store.updateDataset(datasetId, { name: clean });
          set({ error: undefined });
        } catch (e) {
          set({ error: `The dataset could not be renamed: ${messageOf(e)}` });
        }
        await get().refresh();
      },
      importZip: (file, name) => startImport({ kind: "zip", file, name }),
      importFolder: (dir) => startImport({ kind: "folder", dir }),
    };
  });
  exports.subscribe(({ job }) => s.setState({ job }));
  imports.subscribe(({ job }) => s.setState({ importing: job }));
  return s;
}
