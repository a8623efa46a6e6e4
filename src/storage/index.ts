/** Public surface of the storage layer. */
export { StorageError, isStorageError, toStorageError } from "./errors.ts";
export type { StorageErrorCode } from "./errors.ts";
export { PROFILE_SCHEMA_VERSION } from "./ProfileStore.ts";
export type {
  BodyNormMode,
  CalibrationTable,
  MotorCalibration,
  PortIdentity,
  ProfileListing,
  ProfileStore,
  RobotProfile,
  StoredProfile,
  UserUrdf,
} from "./ProfileStore.ts";
export { migrateProfile, validateProfile } from "./profileRecord.ts";
export type { ProfileCheck } from "./profileRecord.ts";
export { DB_NAME, DB_VERSION } from "./schema.ts";
export type { StudioDB, StudioDatabase } from "./schema.ts";
export { openStudioDB } from "./db.ts";
export type { OpenStudioDBEvents } from "./db.ts";
export { IdbProfileStore } from "./IdbProfileStore.ts";
export { MemoryProfileStore } from "./MemoryProfileStore.ts";
export { DATASET_SCHEMA_VERSION, EPISODE_SCHEMA_VERSION } from "./EpisodeStore.ts";
export type {
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
export { migrateDataset } from "./datasetRecord.ts";
export type { StoredDataset } from "./datasetRecord.ts";
export { migrateEpisode } from "./episodeRecord.ts";
export type { StoredEpisode } from "./episodeRecord.ts";
export type { EstimateFn, PersistFn } from "./browserStorage.ts";
export { IdbEpisodeStore } from "./IdbEpisodeStore.ts";
export type { EpisodeStoreOptions } from "./IdbEpisodeStore.ts";
export { MemoryEpisodeStore } from "./MemoryEpisodeStore.ts";
export type { MemoryEpisodeStoreOptions } from "./MemoryEpisodeStore.ts";
