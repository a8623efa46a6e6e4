export { createRigStore } from "./rigStore.ts";
export type { BusEntry, BusStatus, Problem, RigBackends, RigState, RigStore } from "./rigStore.ts";
export { TelemetryPoller } from "./TelemetryPoller.ts";
export type { TelemetrySnapshot } from "./TelemetryPoller.ts";
export type { BusInfo, FoundMotor, MotorTelemetry, SimCommand, BusStatsInfo } from "../hardware/index.ts";
