export { ArmIoError, motorsMatchCalibration, readCalibrationFromMotors, torqueOff, writeCalibration } from "./armRegisters.ts";
export { configureArm } from "./configureArm.ts";
export type { ConfigureReport } from "./configureArm.ts";
export { CalibrationSession } from "./CalibrationSession.ts";
export type { CalibrationPhase, CalibrationSnapshot, JointLive } from "./CalibrationSession.ts";
export { MotorSetupSession, TARGET_BAUD } from "./MotorSetupSession.ts";
export type { SetupPhase, SetupSnapshot } from "./MotorSetupSession.ts";
