export { createRigStore } from "./rigStore.ts";
export type { BusEntry, BusStatus, Problem, RigBackends, RigState, RigStore, SerialLike, SimRigKind } from "./rigStore.ts";
export { simProfileId } from "./rigStore.ts";
export { TelemetryPoller } from "./TelemetryPoller.ts";
export type { TelemetrySnapshot } from "./TelemetryPoller.ts";
export type { BusInfo, FoundMotor, MotorTelemetry, SimCommand, BusStatsInfo } from "../hardware/index.ts";
export type { RobotProfile, PortIdentity } from "../storage/index.ts";
export type { CalibrationSession, CalibrationSnapshot, CalibrationPhase, JointLive, MotorSetupSession, SetupSnapshot } from "../control/index.ts";
