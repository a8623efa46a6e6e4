/**
 * One call per target, wiring the sink's life cycle around the export: the zip stream ends
 * (or errors) with the export, the Hub gets its tag only after a complete export.
 */
import { ExportAbortedError } from "./errors.ts";
import { exportDataset } from "./exportDataset.ts";
import { HubSink, type HubSinkOptions } from "./hub.ts";
import type { ExportOptions, ExportSummary } from "./layout.ts";
import { FolderSink, ZipSink, type DirectoryHandleLike } from "./sinks.ts";
import type { ExportSource } from "./source.ts";

/**
 * `stream` is the zip archive (pipe it to a file or a download); it ends after the last file, or
 * errors if the export fails, so a partial archive is never delivered as complete. Aborting
 * `opts.signal`, or cancelling `stream`, ends the export at once (ExportAbortedError, ExportError).
 */
export function exportToZip(
  source: ExportSource,
  opts: ExportOptions = {},
): { stream: ReadableStream<Uint8Array>; result: Promise<ExportSummary> } {
  const sink = new ZipSink();
  // A cancel reaches a write waiting for the archive's reader at once.
  const cancel = () => sink.abort(new ExportAbortedError());
  opts.signal?.addEventListener("abort", cancel);
  const result = exportDataset(source, sink, opts)
    .then(
      (summary) => {
        sink.close();
        return summary;
      },
      (e: unknown) => {
        sink.abort(e);
        throw e;
      },
    )
    .finally(() => opts.signal?.removeEventListener("abort", cancel));
  return { stream: sink.stream, result };
}

/** Into a chosen folder; run it again after an interruption to finish (complete files are skipped). */
export async function exportToFolder(
  source: ExportSource,
  dir: DirectoryHandleLike,
  opts: ExportOptions = {},
): Promise<ExportSummary & { skipped: string[] }> {
  const sink = new FolderSink(dir);
  const summary = await exportDataset(source, sink, opts);
  return { ...summary, skipped: sink.skipped };
}

/** To a Hub dataset repo, then the version tag ("v3.0" or "v2.1"). */
export async function exportToHub(
  source: ExportSource,
  hub: HubSinkOptions,
  opts: ExportOptions = {},
): Promise<ExportSummary & { skipped: string[] }> {
  const version = opts.version ?? "v3.0";
  const sink = new HubSink({ ...hub, tag: hub.tag ?? version, ...(opts.signal && !hub.signal ? { signal: opts.signal } : {}) });
  await sink.open();
  const summary = await exportDataset(source, sink, { ...opts, ...(hub.repo && !opts.repoId ? { repoId: hub.repo } : {}) });
  await sink.close();
  return { ...summary, skipped: sink.skipped };
}
