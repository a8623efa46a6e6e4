import type { DatasetSink, ExportOptions, ExportSummary } from "./layout.ts";
import type { ExportSource } from "./source.ts";
import { exportV21 } from "./v21.ts";
import { exportV3 } from "./v3.ts";

/** Writes the dataset in LeRobot v3.0 (default) or v2.1 into `sink`. */
export function exportDataset(source: ExportSource, sink: DatasetSink, opts: ExportOptions = {}): Promise<ExportSummary> {
  return (opts.version ?? "v3.0") === "v2.1" ? exportV21(source, sink, opts) : exportV3(source, sink, opts);
}
