import type { RegisterDef } from "../types.ts";

const u = { kind: "unsigned" } as const;
const tc = { kind: "twos-complement" } as const;

/** Addresses below 64 are EEPROM (writable only with torque off); 64 and up are RAM. */
function reg(address: number, size: 1 | 2 | 4, access: "r" | "rw", doc: string, sign: RegisterDef["sign"] = u): RegisterDef {
  return { address, size, area: address < 64 ? "eeprom" : "ram", access, sign, doc };
}

/**
 * Dynamixel X-series (XL330, XL430, XM430; Protocol 2.0, little-endian) control table.
 * Names follow lerobot's `X_SERIES_CONTROL_TABLE` so calibration files and register
 * names line up with the Python tools. Units are the XL330/XL430 ones.
 */
export const X_SERIES_CONTROL_TABLE = {
  Model_Number: reg(0, 2, "r", "model number (1190 XL330-M077, 1200 XL330-M288, 1060 XL430-W250, 1020 XM430-W350)"),
  Model_Information: reg(2, 4, "r", "model information"),
  Firmware_Version: reg(6, 1, "r", "firmware version"),
  ID: reg(7, 1, "rw", "bus id 0..252"),
  Baud_Rate: reg(8, 1, "rw", "baud index: 0=9600 1=57600 2=115200 3=1M 4=2M 5=3M 6=4M"),
  Return_Delay_Time: reg(9, 1, "rw", "reply delay, ×2 µs"),
  Drive_Mode: reg(10, 1, "rw", "bit0 reverse direction, bit2 time-based profile"),
  Operating_Mode: reg(11, 1, "rw", "0 current, 1 velocity, 3 position, 4 extended position, 5 current-based position, 16 PWM"),
  Secondary_ID: reg(12, 1, "rw", "shared group id 0..252 (255 = off)"),
  Protocol_Type: reg(13, 1, "rw", "1 = protocol 1.0, 2 = protocol 2.0"),
  Homing_Offset: reg(20, 4, "rw", "steps (Present = Actual + Offset)", tc),
  Moving_Threshold: reg(24, 4, "rw", "×0.229 rev/min"),
  Temperature_Limit: reg(31, 1, "rw", "°C"),
  Max_Voltage_Limit: reg(32, 2, "rw", "0.1 V"),
  Min_Voltage_Limit: reg(34, 2, "rw", "0.1 V"),
  PWM_Limit: reg(36, 2, "rw", "×0.113 % (885 = 100 %)"),
  Current_Limit: reg(38, 2, "rw", "current units (1 mA on XL330)"),
  Acceleration_Limit: reg(40, 4, "rw", "×214.577 rev/min²"),
  Velocity_Limit: reg(44, 4, "rw", "×0.229 rev/min"),
  Max_Position_Limit: reg(48, 4, "rw", "steps (4096 per turn)"),
  Min_Position_Limit: reg(52, 4, "rw", "steps (4096 per turn)"),
  Shutdown: reg(63, 1, "rw", "hardware error bits that switch torque off"),
  Torque_Enable: reg(64, 1, "rw", "0 off, 1 on (locks the EEPROM area)"),
  LED: reg(65, 1, "rw", "0 off, 1 on"),
  Status_Return_Level: reg(68, 1, "rw", "0: reply to PING only, 1: PING and READ, 2: all"),
  Registered_Instruction: reg(69, 1, "r", "1 while a REG_WRITE waits for ACTION"),
  Hardware_Error_Status: reg(70, 1, "r", "bits: 0 voltage, 2 overheat, 3 encoder, 4 electrical shock, 5 overload"),
  Velocity_I_Gain: reg(76, 2, "rw", "velocity loop I gain"),
  Velocity_P_Gain: reg(78, 2, "rw", "velocity loop P gain"),
  Position_D_Gain: reg(80, 2, "rw", "position loop D gain"),
  Position_I_Gain: reg(82, 2, "rw", "position loop I gain"),
  Position_P_Gain: reg(84, 2, "rw", "position loop P gain"),
  Feedforward_2nd_Gain: reg(88, 2, "rw", "acceleration feedforward gain"),
  Feedforward_1st_Gain: reg(90, 2, "rw", "velocity feedforward gain"),
  Bus_Watchdog: reg(98, 1, "rw", "×20 ms, 0 = off"),
  Goal_PWM: reg(100, 2, "rw", "×0.113 %", tc),
  Goal_Current: reg(102, 2, "rw", "current units (1 mA on XL330)", tc),
  Goal_Velocity: reg(104, 4, "rw", "×0.229 rev/min", tc),
  Profile_Acceleration: reg(108, 4, "rw", "×214.577 rev/min² (ms in time-based profile), 0 = unlimited"),
  Profile_Velocity: reg(112, 4, "rw", "×0.229 rev/min (ms in time-based profile), 0 = unlimited"),
  Goal_Position: reg(116, 4, "rw", "steps (4096 per turn)", tc),
  Realtime_Tick: reg(120, 2, "r", "ms, wraps at 32767"),
  Moving: reg(122, 1, "r", "1 while moving"),
  Moving_Status: reg(123, 1, "r", "bits: 0 in position, 1 profile ongoing, 3 following error, 4-5 profile type"),
  Present_PWM: reg(124, 2, "r", "×0.113 %", tc),
  Present_Current: reg(126, 2, "r", "current units (1 mA on XL330)", tc),
  Present_Velocity: reg(128, 4, "r", "×0.229 rev/min", tc),
  Present_Position: reg(132, 4, "r", "steps (4096 per turn)", tc),
  Velocity_Trajectory: reg(136, 4, "r", "profile's target velocity, ×0.229 rev/min"),
  Position_Trajectory: reg(140, 4, "r", "profile's target position, steps"),
  Present_Input_Voltage: reg(144, 2, "r", "0.1 V"),
  Present_Temperature: reg(146, 1, "r", "°C"),
} as const satisfies Record<string, RegisterDef>;

/** Bytes that cover every register of the table (Present_Temperature ends at 147). */
export const X_SERIES_MEMORY_SIZE = 147;

/** Baud index (register 8) → baud rate (lerobot `X_SERIES_BAUDRATE_TABLE`). */
export const X_SERIES_BAUD_RATES: Readonly<Record<number, number>> = {
  0: 9_600,
  1: 57_600,
  2: 115_200,
  3: 1_000_000,
  4: 2_000_000,
  5: 3_000_000,
  6: 4_000_000,
};

/**
 * Baud rates to scan when looking for a motor: every rate of the baud table, the likely
 * ones first (lerobot's bus default 1M, then the XL330 factory default 57600).
 */
export const DXL_SCAN_BAUD_RATES = [1_000_000, 57_600, 115_200, 2_000_000, 3_000_000, 4_000_000, 9_600] as const;
