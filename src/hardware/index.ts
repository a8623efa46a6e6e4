/** Public surface of the hardware layer. */
export * from "./errors.ts";
export type { Transport, TransportListener } from "./Transport.ts";
export { MotorBus } from "./MotorBus.ts";
export type { BusStats, FoundMotor, MotorBytes, MotorReading, ScanResult } from "./MotorBus.ts";
export { WebSerialTransport } from "./WebSerialTransport.ts";
export type { SerialPortLike } from "./SerialPortLike.ts";
export { RigService, toErrorInfo } from "./rig/RigService.ts";
export * from "./rig/types.ts";
export { createRigWorkerApi } from "./rig/rigWorker.ts";
export type { RigWorkerApi } from "./rig/rigWorker.ts";
export { RigRouter } from "./rig/RigRouter.ts";
export type { RigHost, WorkerRig } from "./rig/RigRouter.ts";
export { remoteReadBus } from "./rig/remoteBus.ts";
export type { RemoteReadBus } from "./rig/remoteBus.ts";
export { SimulatedSerialPort } from "./sim/SimulatedSerialPort.ts";
export { createSimulatedArm } from "./sim/simulatedArm.ts";
export { realClock, runAt } from "./precisionTimer.ts";
