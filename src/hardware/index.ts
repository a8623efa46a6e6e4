/** Public surface of the hardware layer. */
export * from "./errors.ts";
export type { Transport, TransportListener } from "./Transport.ts";
export { MotorBus } from "./MotorBus.ts";
export type { BusStats, FoundMotor, MotorBytes, MotorReading, ScanResult } from "./MotorBus.ts";
export { WebSerialTransport } from "./WebSerialTransport.ts";
export type { SerialPortLike } from "./SerialPortLike.ts";
export { RigService, toErrorInfo } from "./rig/RigService.ts";
export * from "./rig/types.ts";
export { WorkerRigClient, serveRig } from "./rig/workerRpc.ts";
export { SimulatedSerialPort } from "./sim/SimulatedSerialPort.ts";
export { createSimulatedArm } from "./sim/simulatedArm.ts";
export { runAt } from "./precisionTimer.ts";
