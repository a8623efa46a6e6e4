export { createRigStore } from "./rigStore.ts";
export type { BusEntry, BusStatus, RigBackends, RigState, RigStore, SerialLike, SimRigKind } from "./rigStore.ts";
export { createProblemsStore } from "./problemsStore.ts";
export type { Notice, NoticeSeverity, ProblemsState, ProblemsStore } from "./problemsStore.ts";
export { simProfileId } from "./rigStore.ts";
export { TelemetryPoller } from "./TelemetryPoller.ts";
export type { TelemetrySnapshot } from "./TelemetryPoller.ts";
export type { BusInfo, FoundMotor, MotorTelemetry, SimCommand, BusStatsInfo } from "../hardware/index.ts";
export type { RobotProfile, PortIdentity, UserUrdf } from "../storage/index.ts";
export type {
  CalibrationSession,
  CalibrationSnapshot,
  CalibrationPhase,
  JointLive,
  MotorSetupSession,
  SetupSnapshot,
} from "../control/index.ts";
export { createTeleopStore, NO_LEADER, teleopArms } from "./teleopStore.ts";
export type { TeleopState, TeleopStore } from "./teleopStore.ts";
export type { TeleopStatus, LoopState } from "../control/index.ts";
export { createCameraStore, validCameraKey } from "./cameraStore.ts";
export type { CameraEntry, CameraState, CameraStore } from "./cameraStore.ts";
export { createRecordingStore, DEFAULT_SETTINGS } from "./recordingStore.ts";
export type { RecordingBackends, RecordingPhase, RecordingSettings, RecordingState, RecordingStore } from "./recordingStore.ts";
export type { DatasetRecord, EpisodeRecord, QaFlag, SyncReport } from "../core/dataset.ts";
export type { PhoneLinkState } from "../capture/phone/PhoneCameraLink.ts";
export { createDatasetsStore, storeSource } from "./datasetsStore.ts";
export type { DatasetSummary, DatasetsState, DatasetsStore, ExportJob, ExportTarget } from "./datasetsStore.ts";
export { createEpisodesStore } from "./episodesStore.ts";
export type { EpisodesState, EpisodesStore, OpenEpisode, ReplayState, SaveState } from "./episodesStore.ts";
export type { EpisodeData } from "../recording/review/loadEpisodeData.ts";
