import type { ArmId } from "../../core/robots.ts";
import type { ProtocolId, StatusCondition } from "../../protocol/types.ts";
import type { BusErrorCode } from "../errors.ts";
import type { BusStats, ScanResult } from "../MotorBus.ts";

/** Structured-cloneable shapes crossing the worker boundary. */

export interface ErrorInfo {
  readonly name: string;
  readonly code: BusErrorCode | "invalid" | "unknown";
  readonly message: string;
}

export interface BusInfo {
  readonly key: string;
  readonly label: string;
  readonly protocol: ProtocolId;
  readonly protocolLabel: string;
  readonly baudRate: number;
  readonly simulated: boolean;
  /** Where the bus runs: a dedicated worker, or the page's main thread (fallback). */
  readonly host: "worker" | "main";
  /** Register names of this family, for the console's register picker. */
  readonly registers: readonly { name: string; address: number; size: number; access: "r" | "rw"; area: "eeprom" | "ram"; doc: string }[];
}

export type MotorTelemetry =
  | {
      readonly id: number;
      readonly ok: true;
      readonly position: number;
      readonly goal: number;
      readonly torque: boolean;
      readonly temperatureC: number;
      readonly voltageV: number;
      /** Load in % (Feetech) or current in mA (Dynamixel); see loadUnit. */
      readonly load: number;
      readonly loadUnit: string;
      readonly conditions: readonly StatusCondition[];
    }
  | { readonly id: number; readonly ok: false; readonly error: ErrorInfo };

export type ReadingInfo =
  | { readonly id: number; readonly ok: true; readonly value: number; readonly conditions: readonly StatusCondition[] }
  | { readonly id: number; readonly ok: false; readonly error: ErrorInfo };

export interface SimFaultSettings {
  readonly corruptRate?: number;
  readonly dropRate?: number;
  /** Status error bits to report from one motor (0 clears). */
  readonly servoError?: { readonly id: number; readonly bits: number };
}

export type SimCommand =
  | { readonly kind: "faults"; readonly faults: SimFaultSettings }
  | { readonly kind: "unplug" }
  | { readonly kind: "plug" }
  /** Move the arm by hand (torque off): the calibration helpers and the leader's script. */
  | { readonly kind: "hand"; readonly mode: "script" | "hold" | "middle" | "sweep" }
  /** Make a joint's encoder count the other way (a motor mounted reversed). */
  | { readonly kind: "reverse"; readonly joint: number; readonly reversed: boolean }
  /** Motor-setup bench: plug one more motor (by joint index) into the line, or unplug all. */
  | { readonly kind: "plug_motor"; readonly joint: number }
  | { readonly kind: "unplug_motors" };

export interface SimState {
  readonly hand: "script" | "hold" | "middle" | "sweep";
  /** True once a "middle" or "sweep" motion has finished. */
  readonly settled: boolean;
  /** Joints currently plugged into the line (setup bench), by index. */
  readonly plugged: readonly number[];
}

export interface SimConnectOptions {
  readonly usbLatencyMs?: number;
  readonly baudRate?: number;
  /** Time origin of the leader script, ms since the epoch (shared by every bus of one rig). */
  readonly scriptEpochMs?: number;
  /** Motors carry a calibration already (default true); false: never calibrated. */
  readonly calibrated?: boolean;
  /** A motor-setup bench: factory-fresh motors, none plugged in. */
  readonly setupBench?: boolean;
}

export interface BusStatsInfo extends BusStats {
  readonly injectedCorrupt?: number;
  readonly injectedDropped?: number;
}

export interface SerialPortRequest {
  readonly usbVendorId: number | undefined;
  readonly usbProductId: number | undefined;
  readonly protocol: ProtocolId;
  readonly baudRate: number;
}

/** The rig's asynchronous API, the same whether it runs in a worker or inline. */
export interface RigApi {
  connectSim(key: string, arm: ArmId, options?: SimConnectOptions): Promise<BusInfo>;
  disconnect(key: string): Promise<void>;
  scan(key: string, baudRates?: readonly number[]): Promise<ScanResult>;
  read(key: string, id: number, register: string): Promise<number>;
  /** Raw bytes of one motor's control table (status flags checked, payload verified). */
  readBytes(key: string, id: number, address: number, length: number): Promise<number[]>;
  write(key: string, id: number, register: string, value: number): Promise<void>;
  syncRead(key: string, register: string, ids: readonly number[]): Promise<ReadingInfo[]>;
  syncWrite(key: string, register: string, entries: readonly (readonly [number, number])[]): Promise<void>;
  telemetry(key: string, ids: readonly number[]): Promise<MotorTelemetry[]>;
  stats(key: string): Promise<BusStatsInfo>;
  simulate(key: string, command: SimCommand): Promise<SimState>;
}

export type RigEvent =
  | { readonly kind: "lost"; readonly key: string; readonly message: string }
  /** Events of services hosted beside the rig (the control loop's status). */
  | { readonly kind: "extra"; readonly topic: string; readonly payload: unknown }
  | { readonly kind: "reconnected"; readonly key: string };
