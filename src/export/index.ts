/**
 * What the rest of the studio uses of dataset export and import (see docs/dataset-format.md);
 * tests, benchmarks and tools import the modules themselves.
 */
export { configureParquetWasm } from "./parquet.ts";
export type { DirectoryHandleLike } from "./sinks.ts";
export type { ReadableDirectoryLike } from "./import/files.ts";
export { datasetSummaries, type DatasetSummary } from "./storageAdapters.ts";
export { ExportJobs, type ExportJobView, type ExportRequest, type ExportRun } from "./ExportJobs.ts";
export { ImportJobs, type ImportInput, type ImportJobView } from "./ImportJobs.ts";
