/** LeRobot dataset export (v3.0, v2.1) and import. See docs/dataset-format.md. */
export { ExportAbortedError, ExportError, ImportError } from "./errors.ts";
export type { DatasetSink, ExportOptions, ExportProgress, ExportSummary } from "./layout.ts";
export { MemoryExportSource, planEpisodes, type ExportSource } from "./source.ts";
export { FolderSink, MemorySink, ZipSink, type DirectoryHandleLike } from "./sinks.ts";
export { configureParquetWasm } from "./parquet.ts";
export { exportV3 } from "./v3.ts";
export { exportV21 } from "./v21.ts";
export { exportDataset } from "./exportDataset.ts";
export { HubSink, type HubSinkOptions } from "./hub.ts";
export { importDataset, type ImportOptions, type ImportSummary, type ImportTarget } from "./import/importDataset.ts";
export { FolderFiles, MemoryFiles, ZipFiles, type DatasetFiles, type ReadableDirectoryLike } from "./import/files.ts";
export { MemoryImportTarget } from "./import/memoryTarget.ts";
export { exportToFolder, exportToHub, exportToZip } from "./targets.ts";
export { datasetSummaries, exportSourceFromStore, isExported, StoreImportTarget, type DatasetSummary } from "./storageAdapters.ts";
export { ExportBusyError, ExportJobs, ExportRun, type ExportJobView, type ExportRequest, type JobState } from "./ExportJobs.ts";
export { ImportBusyError, ImportJobs, type ImportInput, type ImportJobView, type ImportRun } from "./ImportJobs.ts";
