import { STS_BAUD_RATES, STS_CONTROL_TABLE, STS_SCAN_BAUD_RATES } from "./feetech/controlTable.ts";
import { feetechCodec } from "./feetech/codec.ts";
import { DXL_SCAN_BAUD_RATES, X_SERIES_BAUD_RATES, X_SERIES_CONTROL_TABLE } from "./dynamixel/controlTable.ts";
import { dynamixelCodec } from "./dynamixel/codec.ts";
import type { ControlTable, ProtocolCodec, ProtocolId } from "./types.ts";

/**
 * The registers the studio reads for every motor, by role; names differ between
 * families (Feetech Present_Load vs Dynamixel Present_Current, …).
 */
export interface TelemetryRegisters {
  readonly position: string;
  readonly goal: string;
  readonly torque: string;
  readonly temperature: string;
  readonly voltage: string;
  /** Load (Feetech, 0.1 %) or current (Dynamixel, mA). */
  readonly load: string;
  readonly id: string;
  readonly baud: string;
  readonly modelNumber: string;
}

export interface ProtocolFamily {
  readonly id: ProtocolId;
  readonly label: string;
  readonly codec: ProtocolCodec;
  readonly table: ControlTable;
  readonly telemetry: TelemetryRegisters;
  /** Baud index (register value) → baud rate. */
  readonly baudRates: Readonly<Record<number, number>>;
  readonly scanBaudRates: readonly number[];
  readonly defaultBaudRate: number;
  /** Unit labels for the console. */
  readonly units: { readonly voltage: number; readonly load: string; readonly loadScale: number };
}

export const FEETECH: ProtocolFamily = {
  id: "feetech",
  label: "Feetech STS (protocol 0)",
  codec: feetechCodec,
  table: STS_CONTROL_TABLE,
  telemetry: {
    position: "Present_Position",
    goal: "Goal_Position",
    torque: "Torque_Enable",
    temperature: "Present_Temperature",
    voltage: "Present_Voltage",
    load: "Present_Load",
    id: "ID",
    baud: "Baud_Rate",
    modelNumber: "Model_Number",
  },
  baudRates: STS_BAUD_RATES,
  scanBaudRates: STS_SCAN_BAUD_RATES,
  defaultBaudRate: 1_000_000,
  units: { voltage: 0.1, load: "%", loadScale: 0.1 },
};

export const DYNAMIXEL: ProtocolFamily = {
  id: "dynamixel",
  label: "Dynamixel Protocol 2.0",
  codec: dynamixelCodec,
  table: X_SERIES_CONTROL_TABLE,
  telemetry: {
    position: "Present_Position",
    goal: "Goal_Position",
    torque: "Torque_Enable",
    temperature: "Present_Temperature",
    voltage: "Present_Input_Voltage",
    load: "Present_Current",
    id: "ID",
    baud: "Baud_Rate",
    modelNumber: "Model_Number",
  },
  baudRates: X_SERIES_BAUD_RATES,
  scanBaudRates: DXL_SCAN_BAUD_RATES,
  defaultBaudRate: 1_000_000,
  units: { voltage: 0.1, load: "mA", loadScale: 1 },
};

export const PROTOCOL_FAMILIES: Readonly<Record<ProtocolId, ProtocolFamily>> = {
  feetech: FEETECH,
  dynamixel: DYNAMIXEL,
};

export type MotorModelName = "sts3215" | "xl330-m077" | "xl330-m288" | "xl430-w250" | "xm430-w350";

export interface MotorModel {
  readonly name: MotorModelName;
  readonly protocol: ProtocolId;
  readonly modelNumber: number;
  /** Encoder steps per turn. */
  readonly resolution: number;
  /** No-load speed from the datasheet, steps/s, and a plausible acceleration, steps/s² (simulation). */
  readonly maxSpeed: number;
  readonly maxAcceleration: number;
}

export const MOTOR_MODELS: Readonly<Record<MotorModelName, MotorModel>> = {
  sts3215: { name: "sts3215", protocol: "feetech", modelNumber: 777, resolution: 4096, maxSpeed: 3400, maxAcceleration: 25400 },
  "xl330-m077": { name: "xl330-m077", protocol: "dynamixel", modelNumber: 1190, resolution: 4096, maxSpeed: 26000, maxAcceleration: 60000 },
  "xl330-m288": { name: "xl330-m288", protocol: "dynamixel", modelNumber: 1200, resolution: 4096, maxSpeed: 7100, maxAcceleration: 30000 },
  "xl430-w250": { name: "xl430-w250", protocol: "dynamixel", modelNumber: 1060, resolution: 4096, maxSpeed: 3890, maxAcceleration: 20000 },
  "xm430-w350": { name: "xm430-w350", protocol: "dynamixel", modelNumber: 1020, resolution: 4096, maxSpeed: 3140, maxAcceleration: 20000 },
};

export function modelByNumber(protocol: ProtocolId, modelNumber: number): MotorModel | undefined {
  return Object.values(MOTOR_MODELS).find((m) => m.protocol === protocol && m.modelNumber === modelNumber);
}
