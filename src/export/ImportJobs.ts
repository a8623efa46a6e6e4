/**
 * Import jobs: a LeRobot v3.0 or v2.1 dataset (a zip, a folder, or files in memory) imported into
 * the studio's EpisodeStore as a new dataset, with progress, a message for the user and cancel.
 *
 * The same rules as ExportJobs: the job is "running" synchronously at `start`; `start` with the
 * same input while it runs returns the same run; any other import while one runs is refused
 * (ImportBusyError); `cancel` aborts it, also while the input is still being opened, and resolves
 * once it has settled. A failed or cancelled import leaves nothing stored (StoreImportTarget
 * deletes what it had added). A run's `finished` never rejects.
 */
import { isCancelled, throwIfCancelled } from "../core/lifecycle.ts";
import { messageOf } from "../core/messages.ts";
import { SnapshotEngine } from "../core/SnapshotEngine.ts";
import type { EpisodeStore } from "../storage/index.ts";
import { MemoryLocks, type OriginLocks } from "../storage/originLocks.ts";
import type { JobState } from "./ExportJobs.ts";
import { FolderFiles, ZipFiles, type DatasetFiles, type ReadableDirectoryLike } from "./import/files.ts";
import { importDataset } from "./import/importDataset.ts";
import { StoreImportTarget } from "./storageAdapters.ts";

export type ImportInput =
  | { readonly kind: "zip"; readonly file: Blob; readonly name: string }
  | { readonly kind: "folder"; readonly dir: ReadableDirectoryLike & { readonly name?: string } }
  /** Files already opened (tests, tools). */
  | { readonly kind: "files"; readonly files: DatasetFiles };

/**
 * The dataset's own name: its .zip's or folder's name ("pick_cube_v30.zip" → "pick_cube"; the
 * studio's own "_v30"/"_v21" export suffix dropped), not one of its tasks. Undefined: none known.
 */
export function importedName(input: ImportInput): string | undefined {
  const raw = input.kind === "zip" ? input.name : input.kind === "folder" ? input.dir.name : undefined;
  const name = raw
    ?.replace(/\.zip$/i, "")
    .replace(/_v(30|21)$/, "")
    .trim();
  return name ? name : undefined;
}

export interface ImportJobView {
  readonly state: JobState;
  /** What is happening or happened, for the user. */
  readonly message: string;
  /** Episodes imported so far, of `total` (0 of 0 until the dataset's metadata is read). */
  readonly done: number;
  readonly total: number;
  /** The new dataset's id, once imported. */
  readonly datasetId: string | undefined;
}

export interface ImportJobsSnapshot {
  /** The running import, or the last one (with its outcome); undefined before the first. */
  readonly job: ImportJobView | undefined;
}

/** Another import is running; nothing was started. */
export class ImportBusyError extends Error {
  override readonly name = "ImportBusyError";
}

export interface ImportRun {
  readonly input: ImportInput;
  /** Settles with the job's last view (done, failed or cancelled); never rejects. */
  readonly finished: Promise<ImportJobView>;
}

/** Held (origin-wide) while an import runs: start-up clean-up never removes a dataset another tab is importing. */
const IMPORT_LOCK = "robot-studio.import";

export class ImportJobs extends SnapshotEngine<ImportJobsSnapshot> {
  private readonly store: EpisodeStore;
  private readonly locks: OriginLocks;
  private current: { run: ImportRun; abort: AbortController } | undefined;

  /** `locks`: the origin's (the app: Web Locks); default: this engine's alone. */
  constructor(store: EpisodeStore, locks: OriginLocks = new MemoryLocks()) {
    super({ job: undefined });
    this.store = store;
    this.locks = locks;
  }

  /**
   * At start-up: datasets still marked "importing" while no import runs in any tab were cut off
   * (a closed or crashed page) and are deleted with everything of them. Their names, for a notice.
   */
  async removeIncomplete(): Promise<string[]> {
    const lease = await this.locks.tryAcquire(IMPORT_LOCK);
    if (!lease) return []; // another tab imports now: its dataset is not cut off
    try {
      const { datasets } = await this.store.listDatasets();
      const cut = datasets.filter((d) => d.importing);
      for (const d of cut) await this.store.deleteDataset(d.id);
      return cut.map((d) => d.name);
    } finally {
      await lease.release();
    }
  }

  /** Starts the import, or returns the same run if this very input is being imported. Throws ImportBusyError if another one is. */
  start(input: ImportInput): ImportRun {
    const busy = this.current;
    if (busy) {
      if (sameInput(busy.run.input, input)) return busy.run;
      throw new ImportBusyError("A dataset is still being imported. Wait for it to finish (or cancel it), then import the next one.");
    }
    const abort = new AbortController();
    let finish!: (view: ImportJobView) => void;
    const run: ImportRun = { input, finished: new Promise<ImportJobView>((resolve) => (finish = resolve)) };
    this.current = { run, abort };
    this.update({ job: { state: "running", message: "Reading the dataset…", done: 0, total: 0, datasetId: undefined } });
    const end = (view: ImportJobView) => {
      this.current = undefined;
      this.update({ job: view });
      finish(view);
    };
    this.work(input, abort.signal).then(end, (e: unknown) =>
      end(
        abort.signal.aborted || isCancelled(e)
          ? { state: "cancelled", message: "Import cancelled; nothing was stored.", done: 0, total: 0, datasetId: undefined }
          : { state: "failed", message: messageOf(e), done: 0, total: 0, datasetId: undefined },
      ),
    );
    return run;
  }

  /** Cancels the running import (if any); resolves once it has settled and its partial dataset is deleted. */
  async cancel(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.abort.abort();
    await current.run.finished;
  }

  /** Cancels the running import and forgets the subscribers. */
  async dispose(): Promise<void> {
    await this.cancel();
    this.clearListeners();
  }

  private async work(input: ImportInput, signal: AbortSignal): Promise<ImportJobView> {
    const lease = await this.locks.tryAcquire(IMPORT_LOCK);
    if (!lease) throw new Error("Another tab of the studio is importing a dataset. Wait until it finishes, then import here.");
    try {
      return await this.importFrom(input, signal);
    } finally {
      await lease.release();
    }
  }

  private async importFrom(input: ImportInput, signal: AbortSignal): Promise<ImportJobView> {
    const files =
      input.kind === "zip"
        ? await ZipFiles.open(input.file, input.name)
        : input.kind === "folder"
          ? await FolderFiles.open(input.dir)
          : input.files;
    throwIfCancelled(signal);
    const name = importedName(input);
    const sum = await importDataset(files, new StoreImportTarget(this.store), {
      ...(name ? { name } : {}),
      signal,
      onProgress: (p) => {
        if (!signal.aborted) this.update({ job: { ...this.snap.job!, message: "Importing…", done: p.done, total: p.total } });
      },
    });
    return {
      state: "done",
      message: `Imported "${sum.dataset.name}" (LeRobot ${sum.version}): ${sum.episodes} episodes, ${sum.frames} frames.${leftOut(sum.warnings)}`,
      done: sum.episodes,
      total: sum.episodes,
      datasetId: sum.dataset.id,
    };
  }
}

function sameInput(a: ImportInput, b: ImportInput): boolean {
  switch (a.kind) {
    case "zip":
      return b.kind === "zip" && b.file === a.file;
    case "folder":
      return b.kind === "folder" && b.dir === a.dir;
    case "files":
      return b.kind === "files" && b.files === a.files;
  }
}

/** The import summary's warnings in the job message: how many annotation entries were left out, and the first. */
function leftOut(warnings: readonly string[]): string {
  if (warnings.length === 0) return "";
  const more = warnings.length > 1 ? ` (and ${warnings.length - 1} more)` : "";
  return ` ${warnings.length} annotation ${warnings.length === 1 ? "entry was" : "entries were"} left out: ${warnings[0]}${more}`;
}
