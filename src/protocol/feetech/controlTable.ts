import type { RegisterDef } from "../types.ts";

const u = { kind: "unsigned" } as const;
const sm = (bit: number) => ({ kind: "sign-magnitude", bit }) as const;

function reg(
  address: number,
  size: 1 | 2,
  area: "eeprom" | "ram",
  access: "r" | "rw",
  doc: string,
  sign: RegisterDef["sign"] = u,
): RegisterDef {
  return { address, size, area, access, sign, doc };
}

/**
 * STS3215 (Feetech STS/SMS series, protocol 0, little-endian) control table.
 * Names follow lerobot's `STS_SMS_SERIES_CONTROL_TABLE` so calibration files and
 * register names line up with the Python tools.
 */
export const STS_CONTROL_TABLE = {
  Firmware_Major_Version: reg(0, 1, "eeprom", "r", "firmware major version"),
  Firmware_Minor_Version: reg(1, 1, "eeprom", "r", "firmware minor version"),
  Model_Number: reg(3, 2, "eeprom", "r", "model number (777 = STS3215)"),
  ID: reg(5, 1, "eeprom", "rw", "bus id 0..253"),
  Baud_Rate: reg(6, 1, "eeprom", "rw", "baud index: 0=1M 1=500k 2=250k 3=128k 4=115200 …"),
  Return_Delay_Time: reg(7, 1, "eeprom", "rw", "reply delay, ×2 µs"),
  Response_Status_Level: reg(8, 1, "eeprom", "rw", "0: reply to READ/PING only, 1: reply to all"),
  Min_Position_Limit: reg(9, 2, "eeprom", "rw", "steps"),
  Max_Position_Limit: reg(11, 2, "eeprom", "rw", "steps"),
  Max_Temperature_Limit: reg(13, 1, "eeprom", "rw", "°C"),
  Max_Voltage_Limit: reg(14, 1, "eeprom", "rw", "0.1 V"),
  Min_Voltage_Limit: reg(15, 1, "eeprom", "rw", "0.1 V"),
  Max_Torque_Limit: reg(16, 2, "eeprom", "rw", "0.1 % (copied to Torque_Limit at power-on)"),
  Phase: reg(18, 1, "eeprom", "rw", "special bits; bit4 = full-angle feedback"),
  Unloading_Condition: reg(19, 1, "eeprom", "rw", "protection enable bits"),
  LED_Alarm_Condition: reg(20, 1, "eeprom", "rw", "alarm LED bits"),
  P_Coefficient: reg(21, 1, "eeprom", "rw", "position P gain"),
  D_Coefficient: reg(22, 1, "eeprom", "rw", "position D gain"),
  I_Coefficient: reg(23, 1, "eeprom", "rw", "position I gain"),
  Minimum_Startup_Force: reg(24, 2, "eeprom", "rw", "0.1 %"),
  CW_Dead_Zone: reg(26, 1, "eeprom", "rw", "steps"),
  CCW_Dead_Zone: reg(27, 1, "eeprom", "rw", "steps"),
  Protection_Current: reg(28, 2, "eeprom", "rw", "×6.5 mA"),
  Angular_Resolution: reg(30, 1, "eeprom", "rw", "resolution factor"),
  Homing_Offset: reg(31, 2, "eeprom", "rw", "steps, sign bit 11 (Present = Actual − Offset)", sm(11)),
  Operating_Mode: reg(33, 1, "eeprom", "rw", "0 position, 1 velocity, 2 PWM, 3 step"),
  Protective_Torque: reg(34, 1, "eeprom", "rw", "%"),
  Protection_Time: reg(35, 1, "eeprom", "rw", "×10 ms"),
  Overload_Torque: reg(36, 1, "eeprom", "rw", "%"),
  Velocity_closed_loop_P_proportional_coefficient: reg(37, 1, "eeprom", "rw", "speed loop P"),
  Over_Current_Protection_Time: reg(38, 1, "eeprom", "rw", "×10 ms"),
  Velocity_closed_loop_I_integral_coefficient: reg(39, 1, "eeprom", "rw", "speed loop I"),
  Torque_Enable: reg(40, 1, "ram", "rw", "0 off, 1 on"),
  Acceleration: reg(41, 1, "ram", "rw", "×100 step/s²"),
  Goal_Position: reg(42, 2, "ram", "rw", "steps, sign bit 15", sm(15)),
  Goal_Time: reg(44, 2, "ram", "rw", "ms"),
  Goal_Velocity: reg(46, 2, "ram", "rw", "step/s, sign bit 15", sm(15)),
  Torque_Limit: reg(48, 2, "ram", "rw", "0.1 %"),
  Lock: reg(55, 1, "ram", "rw", "0 = EEPROM writable, 1 = locked"),
  Present_Position: reg(56, 2, "ram", "r", "steps, sign bit 15", sm(15)),
  Present_Velocity: reg(58, 2, "ram", "r", "step/s, sign bit 15", sm(15)),
  Present_Load: reg(60, 2, "ram", "r", "0.1 % duty, sign bit 10", sm(10)),
  Present_Voltage: reg(62, 1, "ram", "r", "0.1 V"),
  Present_Temperature: reg(63, 1, "ram", "r", "°C"),
  Status: reg(65, 1, "ram", "r", "error bits: 0 voltage, 1 sensor, 2 temperature, 3 current, 5 load"),
  Moving: reg(66, 1, "ram", "r", "1 while moving"),
  Present_Current: reg(69, 2, "ram", "r", "×6.5 mA"),
  Maximum_Acceleration: reg(85, 1, "ram", "rw", "factory: maximum acceleration"),
} as const satisfies Record<string, RegisterDef>;

/** Baud index (register 6) → baud rate, as lerobot writes it (only index 0 is ever written). */
export const STS_BAUD_RATES: Readonly<Record<number, number>> = {
  0: 1_000_000,
  1: 500_000,
  2: 250_000,
  3: 128_000,
  4: 115_200,
  5: 57_600,
  6: 38_400,
  7: 19_200,
};

/** Baud rates lerobot scans when looking for a motor. */
export const STS_SCAN_BAUD_RATES = [1_000_000, 500_000, 250_000, 128_000, 115_200, 57_600, 38_400, 19_200, 14_400, 9_600, 4_800] as const;

/** Error bits of the Feetech status byte (Feetech SDK). */
export const STS_ERROR_BITS = {
  voltage: 0x01,
  angle_sensor: 0x02,
  overheat: 0x04,
  overcurrent: 0x08,
  /** Not defined for STS; SCS/Dynamixel-1.0 meaning "checksum error", treated as a rejection. */
  checksum: 0x10,
  overload: 0x20,
  /** Not defined for STS; SCS/Dynamixel-1.0 meaning "instruction error", treated as a rejection. */
  instruction: 0x40,
} as const;
