import type { CalibrationTable } from "../core/calibration.ts";
import type { ArmDefinition } from "../core/robots.ts";
import type { RigApi } from "../hardware/index.ts";
import { readAll, torqueOff, writeCalibration, writeEach } from "./armRegisters.ts";

export interface ConfigureReport {
  /** Register writes made, in order: "ID 3 Return_Delay_Time = 0". */
  readonly writes: readonly string[];
  readonly calibrationWritten: boolean;
}

/**
 * Configure an arm on connect as lerobot does, with torque off while EEPROM registers are
 * written, and write its calibration to the motors. Torque stays off: the follower takes
 * torque only when teleoperation starts (behind the safety gate).
 *
 * Feetech (SO-100/SO-101): Return_Delay_Time 0, Maximum_Acceleration 254, Acceleration 254,
 * Operating_Mode 0 (position), P/I/D 16/0/32; gripper Max_Torque_Limit 500,
 * Protection_Current 250, Overload_Torque 25 (followers); then Lock = 1.
 * Dynamixel (Koch): Return_Delay_Time 0; Operating_Mode 4 (extended position), follower
 * gripper 5 (current-based position); follower elbow Position P/I/D 1500/0/600.
 */
export async function configureArm(
  api: RigApi,
  key: string,
  arm: ArmDefinition,
  calibration: CalibrationTable | undefined,
): Promise<ConfigureReport> {
  const writes: string[] = [];
  const each = async (register: string, value: (name: string, id: number) => number | undefined) => {
    await writeEach(api, key, arm, register, (n, id) => {
      const v = value(n, id);
      if (v !== undefined) writes.push(`ID ${id} ${register} = ${v}`);
      return v;
    });
  };
  await torqueOff(api, key, arm);
  writes.push("all Torque_Enable = 0");
  const follower = arm.role === "follower";
  if (arm.protocol === "feetech") {
    await each("Return_Delay_Time", () => 0);
    await each("Maximum_Acceleration", () => 254);
    await each("Acceleration", () => 254);
    await each("Operating_Mode", () => 0);
    // lerobot ≥ 0.6: STS3215 single-turn angle feedback (clear Phase bit 4) keeps positions in 0..4095.
    for (const m of arm.motors) {
      if (m.model !== "sts3215") continue;
      const phase = await api.read(key, m.id, "Phase");
      if (phase & 0x10) {
        await api.write(key, m.id, "Phase", phase & ~0x10);
        writes.push(`ID ${m.id} Phase = ${phase & ~0x10}`);
      }
    }
    if (follower) {
      await each("P_Coefficient", () => 16);
      await each("I_Coefficient", () => 0);
      await each("D_Coefficient", () => 32);
      await each("Max_Torque_Limit", (n) => (n === "gripper" ? 500 : undefined));
      await each("Protection_Current", (n) => (n === "gripper" ? 250 : undefined));
      await each("Overload_Torque", (n) => (n === "gripper" ? 25 : undefined));
    }
  } else {
    await each("Return_Delay_Time", () => 0);
    await each("Operating_Mode", (n) => (follower && n === "gripper" ? 5 : 4));
    if (follower) {
      await each("Position_P_Gain", (n) => (n === "elbow_flex" ? 1500 : undefined));
      await each("Position_I_Gain", (n) => (n === "elbow_flex" ? 0 : undefined));
      await each("Position_D_Gain", (n) => (n === "elbow_flex" ? 600 : undefined));
    }
  }
  if (calibration) {
    await writeCalibration(api, key, arm, calibration);
    writes.push("calibration: Homing_Offset, Min_Position_Limit, Max_Position_Limit");
  }
  if (arm.protocol === "feetech") {
    await api.syncWrite(
      key,
      "Lock",
      arm.motors.map((m) => [m.id, 1] as const),
    );
    writes.push("all Lock = 1");
  }
  // Read back one register to prove every motor took the configuration.
  const delays = await readAll(api, key, arm, "Return_Delay_Time");
  for (const [name, v] of delays) if (v !== 0) throw new Error(`${arm.label}: ${name} kept Return_Delay_Time ${v} after configuration.`);
  return { writes, calibrationWritten: calibration !== undefined };
}
