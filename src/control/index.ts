export { ArmIoError, motorsMatchCalibration, readCalibrationFromMotors, torqueOff, writeCalibration } from "./armRegisters.ts";
export { configureArm } from "./configureArm.ts";
export type { ConfigureReport } from "./configureArm.ts";
export { CalibrationSession } from "./CalibrationSession.ts";
export type { CalibrationPhase, CalibrationSnapshot, JointLive } from "./CalibrationSession.ts";
export { MotorSetupSession, TARGET_BAUD } from "./MotorSetupSession.ts";
export type { SetupPhase, SetupSnapshot } from "./MotorSetupSession.ts";
export { ControlLoop, DEFAULT_LOOP } from "./ControlLoop.ts";
export type {
  CommandSource,
  LeaderBus,
  LoopBus,
  LoopOptions,
  LoopSnapshot,
  LoopState,
  Trajectory,
  TrajectoryProgress,
} from "./ControlLoop.ts";
export { HEALTH_LIMITS } from "./health.ts";
export { TeleopService } from "./TeleopService.ts";
export type { TeleopArmSpec, TeleopHost, TeleopRequest, TeleopStatus } from "./TeleopService.ts";
export { isDriving, TeleopController } from "./TeleopController.ts";
export type { TeleopControllerDeps, TeleopStartRequest, TeleopView } from "./TeleopController.ts";
export { ReplaySession } from "./ReplaySession.ts";
export type { RecordedActions, ReplayDeps, ReplayView } from "./ReplaySession.ts";
