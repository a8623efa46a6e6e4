/** Public surface of the control layer (what the stores and the app use). */
export { readCalibrationFromMotors } from "./armRegisters.ts";
export { configureArm } from "./configureArm.ts";
export { CalibrationSession } from "./CalibrationSession.ts";
export type { CalibrationSnapshot, JointLive } from "./CalibrationSession.ts";
export { MotorSetupSession, setupOptionsFor } from "./MotorSetupSession.ts";
export type { CommandSource } from "./ControlLoop.ts";
export { TeleopService } from "./TeleopService.ts";
export type { RemoteCommandIn, TeleopArmSpec, TeleopHost, TeleopStatus } from "./TeleopService.ts";
export { DEFAULT_REMOTE_GATE } from "./RemoteCommandGate.ts";
export type { RemoteGateOptions } from "./RemoteCommandGate.ts";
export { isDriving, TeleopController } from "./TeleopController.ts";
export type { TeleopView } from "./TeleopController.ts";
export { ReplaySession } from "./ReplaySession.ts";
export type { ReplayView } from "./ReplaySession.ts";
export { ArmActivities } from "./ArmActivities.ts";
export { LeaderReader } from "./LeaderReader.ts";
export type { LeaderArm } from "./loopTypes.ts";
