/**
 * Export jobs: a stored dataset (EpisodeStore) exported to a zip, a folder, the Hugging Face Hub
 * or any DatasetSink, with progress, a message for the user at the end, and cancel.
 *
 * The rules (lifecycles cannot race):
 * - `start` makes the job "running" synchronously, before its first await (the UI disables its
 *   buttons at once);
 * - `start` of the same export (dataset, version, destination) while it runs returns the same run;
 * - `start` of any other export while one runs is refused with an ExportBusyError: one export at a
 *   time, and a click elsewhere never cancels an export the user is waiting for — cancel it first;
 * - `cancel` aborts the running export, also while it is still reading the dataset from storage,
 *   and resolves once it has settled ("cancelled"; nothing is written after that).
 * A run's `finished` never rejects: the outcome is the job's state and message.
 */
import { isCancelled } from "../core/lifecycle.ts";
import { messageOf } from "../core/messages.ts";
import { SnapshotEngine } from "../core/SnapshotEngine.ts";
import type { EpisodeStore } from "../storage/index.ts";
import { ExportAbortedError, ExportError, throwIfAborted } from "./errors.ts";
import { exportDataset } from "./exportDataset.ts";
import type { HubSinkOptions } from "./hub.ts";
import type { DatasetSink, ExportOptions, ExportProgress } from "./layout.ts";
import type { DirectoryHandleLike } from "./sinks.ts";
import type { ExportSource } from "./source.ts";
import { exportSourceFromStore } from "./storageAdapters.ts";
import { exportToFolder, exportToHub, exportToZip } from "./targets.ts";

export type JobState = "running" | "done" | "failed" | "cancelled";
export type ExportVersion = "v3.0" | "v2.1";

export type ExportDestination =
  /** A zip archive, streamed: take it with `ExportRun.takeArchive()` and read it to the end. */
  | { readonly kind: "zip" }
  /** A chosen folder (resumable: complete files are skipped). */
  | { readonly kind: "folder"; readonly dir: DirectoryHandleLike }
  /** A Hub dataset repo, tagged with the version once complete. */
  | { readonly kind: "hub"; readonly hub: HubSinkOptions }
  /** Any sink (tests, tools). */
  | { readonly kind: "sink"; readonly sink: DatasetSink };

export interface ExportRequest {
  readonly datasetId: string;
  readonly version: ExportVersion;
  readonly to: ExportDestination;
}

export interface ExportJobView {
  readonly datasetId: string;
  readonly target: ExportDestination["kind"];
  readonly version: ExportVersion;
  readonly state: JobState;
  readonly progress: ExportProgress | undefined;
  /** What happened, for the user; set when the job ends. */
  readonly message: string | undefined;
}

export interface ExportJobsSnapshot {
  /** The running export, or the last one (with its outcome); undefined before the first. */
  readonly job: ExportJobView | undefined;
}

/** Another export is running; nothing was started. */
export class ExportBusyError extends Error {
  override readonly name = "ExportBusyError";
}

/** One export, as `ExportJobs.start` returns it. */
export class ExportRun {
  readonly request: ExportRequest;
  /** Settles with the job's last view (done, failed or cancelled) once the export has ended; never rejects. */
  readonly finished: Promise<ExportJobView>;
  private archive: Promise<ReadableStream<Uint8Array> | undefined> | undefined;

  constructor(request: ExportRequest, finished: Promise<ExportJobView>, archive: Promise<ReadableStream<Uint8Array> | undefined>) {
    this.request = request;
    this.finished = finished;
    this.archive = archive;
  }

  /**
   * The zip archive once the dataset is read (undefined if the export failed or was cancelled
   * before). An archive has one reader: only the first call gets it, later calls (a second click
   * that got the same run) and other destinations get undefined. Nobody reading it keeps the
   * export waiting.
   */
  takeArchive(): Promise<ReadableStream<Uint8Array> | undefined> {
    const archive = this.archive ?? Promise.resolve(undefined);
    this.archive = undefined;
    return archive;
  }
}

interface Current {
  readonly run: ExportRun;
  readonly abort: AbortController;
  /** Known once the dataset was read (for the busy message). */
  datasetName: string | undefined;
}

export class ExportJobs extends SnapshotEngine<ExportJobsSnapshot> {
  private readonly store: EpisodeStore;
  private current: Current | undefined;

  constructor(store: EpisodeStore) {
    super({ job: undefined });
    this.store = store;
  }

  /** Starts the export, or returns the same run if this very export is running. Throws ExportBusyError if another one is. */
  start(request: ExportRequest): ExportRun {
    const busy = this.current;
    if (busy) {
      if (sameRequest(busy.run.request, request)) return busy.run;
      const what = busy.datasetName === undefined ? "An export" : `The export of "${busy.datasetName}"`;
      throw new ExportBusyError(
        `${what} (${busy.run.request.to.kind}, LeRobot ${busy.run.request.version}) is still running. Wait for it to finish or cancel it, then export again.`,
      );
    }
    const abort = new AbortController();
    let giveArchive!: (stream: ReadableStream<Uint8Array> | undefined) => void;
    const archive = new Promise<ReadableStream<Uint8Array> | undefined>((resolve) => (giveArchive = resolve));
    let finish!: (view: ExportJobView) => void;
    const finished = new Promise<ExportJobView>((resolve) => (finish = resolve));
    const run = new ExportRun(request, finished, archive);
    const current: Current = { run, abort, datasetName: undefined };
    this.current = current;
    this.update({
      job: {
        datasetId: request.datasetId,
        target: request.to.kind,
        version: request.version,
        state: "running",
        progress: undefined,
        message: undefined,
      },
    });
    const end = (change: Pick<ExportJobView, "state" | "message">) => {
      this.current = undefined;
      giveArchive(undefined);
      const view: ExportJobView = { ...this.snap.job!, ...change };
      this.update({ job: view });
      finish(view);
    };
    this.work(current, giveArchive).then(
      (message) => end({ state: "done", message }),
      (e: unknown) =>
        end(
          abort.signal.aborted || isCancelled(e) || e instanceof ExportAbortedError
            ? { state: "cancelled", message: "Export cancelled." }
            : { state: "failed", message: messageOf(e) },
        ),
    );
    return run;
  }

  /** Cancels the running export (if any); resolves once it has settled. */
  async cancel(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.abort.abort();
    await current.run.finished;
  }

  /** Cancels the running export and forgets the subscribers. */
  async dispose(): Promise<void> {
    await this.cancel();
    this.clearListeners();
  }

  /** The export itself; resolves with the message for the user, naming every episode it left out and why. */
  private async work(current: Current, giveArchive: (stream: ReadableStream<Uint8Array>) => void): Promise<string> {
    const { leftOut, ...source } = await exportSourceFromStore(this.store, current.run.request.datasetId);
    const done = await this.write(current, source, giveArchive);
    return leftOut.length === 0 ? done : `${done} Left out: ${leftOut.join("; ")}.`;
  }

  private async write(current: Current, source: ExportSource, giveArchive: (stream: ReadableStream<Uint8Array>) => void): Promise<string> {
    const request = current.run.request;
    const signal = current.abort.signal;
    throwIfAborted(signal);
    current.datasetName = source.dataset.name;
    if (source.episodes.length === 0) {
      throw new ExportError(`"${source.dataset.name}" has no recorded episodes to export yet.`);
    }
    const opts: ExportOptions = {
      version: request.version,
      signal,
      onProgress: (progress) => {
        if (this.current === current) this.update({ job: { ...this.snap.job!, progress } });
      },
    };
    const to = request.to;
    switch (to.kind) {
      case "zip": {
        const { stream, result } = exportToZip(source, opts);
        giveArchive(stream);
        const sum = await result;
        return `Exported ${sum.totalEpisodes} episodes, ${sum.totalFrames} frames (${sum.version}).`;
      }
      case "folder": {
        const sum = await exportToFolder(source, to.dir, opts);
        return `Exported ${sum.totalEpisodes} episodes to the folder (${sum.files.length} files, ${sum.skipped.length} already there).`;
      }
      case "hub": {
        const sum = await exportToHub(source, to.hub, opts);
        return `Uploaded ${sum.totalEpisodes} episodes to ${to.hub.repo} and tagged it ${sum.version}.`;
      }
      case "sink": {
        const sum = await exportDataset(source, to.sink, opts);
        return `Exported ${sum.totalEpisodes} episodes, ${sum.totalFrames} frames (${sum.version}).`;
      }
    }
  }
}

function sameRequest(a: ExportRequest, b: ExportRequest): boolean {
  if (a.datasetId !== b.datasetId || a.version !== b.version) return false;
  switch (a.to.kind) {
    case "zip":
      return b.to.kind === "zip";
    case "folder":
      return b.to.kind === "folder" && b.to.dir === a.to.dir;
    case "hub":
      return b.to.kind === "hub" && b.to.hub.repo === a.to.hub.repo && b.to.hub.accessToken === a.to.hub.accessToken;
    case "sink":
      return b.to.kind === "sink" && b.to.sink === a.to.sink;
  }
}
