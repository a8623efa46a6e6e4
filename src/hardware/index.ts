/** Public surface of the hardware layer. */
export * from "./errors.ts";
export type { FoundMotor, MotorBytes, MotorReading } from "./MotorBus.ts";
export type { SerialPortLike } from "./SerialPortLike.ts";
export { RigService } from "./rig/RigService.ts";
export * from "./rig/types.ts";
export { createRigWorkerApi } from "./rig/rigWorker.ts";
export type { RigWorkerApi } from "./rig/rigWorker.ts";
export { RigRouter } from "./rig/RigRouter.ts";
export { remoteReadBus } from "./rig/remoteBus.ts";
export { SimulatedSerialPort } from "./sim/SimulatedSerialPort.ts";
export { createSimulatedArm } from "./sim/simulatedArm.ts";
export { realClock } from "./precisionTimer.ts";
