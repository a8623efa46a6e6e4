import type { CalibrationTable, MotorCalibration } from "../core/calibration.ts";
import type { ArmDefinition } from "../core/robots.ts";
import type { ReadingInfo, RigApi } from "../hardware/index.ts";
import { messageOf } from "../core/messages.ts";

/** Thrown when some motors of an arm did not answer: names them, says what to check. */
export class ArmIoError extends Error {
  constructor(
    readonly arm: ArmDefinition,
    readonly failures: readonly { readonly name: string; readonly message: string }[],
  ) {
    super(
      `${arm.label}: ${failures.map((f) => f.name).join(", ")} did not answer (${failures[0]?.message ?? "no reply"}). ` +
        "Check the arm's power and cable, then try again.",
    );
    this.name = "ArmIoError";
  }
}

export function motorIds(arm: ArmDefinition): number[] {
  return arm.motors.map((m) => m.id);
}

/** Sync read one register of every motor; throws ArmIoError naming the motors that failed. */
export async function readAll(api: RigApi, key: string, arm: ArmDefinition, register: string): Promise<Map<string, number>> {
  const readings: ReadingInfo[] = await api.syncRead(key, register, motorIds(arm));
  const out = new Map<string, number>();
  const failures: { name: string; message: string }[] = [];
  arm.motors.forEach((m, i) => {
    const r = readings[i];
    if (r?.ok) out.set(m.name, r.value);
    else failures.push({ name: m.name, message: r && !r.ok ? r.error.message : "no reply" });
  });
  if (failures.length > 0) throw new ArmIoError(arm, failures);
  return out;
}

/** Write one register on every motor, one acknowledged WRITE each (EEPROM settings). */
export async function writeEach(
  api: RigApi,
  key: string,
  arm: ArmDefinition,
  register: string,
  value: (name: string, id: number) => number | undefined,
): Promise<void> {
  for (const m of arm.motors) {
    const v = value(m.name, m.id);
    if (v === undefined) continue;
    try {
      await api.write(key, m.id, register, v);
    } catch (e) {
      throw new ArmIoError(arm, [{ name: m.name, message: messageOf(e) }]);
    }
  }
}

export async function torqueOff(api: RigApi, key: string, arm: ArmDefinition): Promise<void> {
  await api.syncWrite(
    key,
    "Torque_Enable",
    arm.motors.map((m) => [m.id, 0] as const),
  );
  // Feetech: EEPROM writes persist only with Lock = 0 (lerobot's disable_torque writes both).
  if (arm.protocol === "feetech")
    await api.syncWrite(
      key,
      "Lock",
      arm.motors.map((m) => [m.id, 0] as const),
    );
}

/** Write homing offsets and position limits (lerobot's write_calibration). Torque must be off. */
export async function writeCalibration(api: RigApi, key: string, arm: ArmDefinition, table: CalibrationTable): Promise<void> {
  const cal = (name: string): MotorCalibration | undefined => table[name];
  if (arm.protocol === "dynamixel") await writeEach(api, key, arm, "Drive_Mode", (n) => cal(n)?.drive_mode);
  await writeEach(api, key, arm, "Homing_Offset", (n) => cal(n)?.homing_offset);
  await writeEach(api, key, arm, "Min_Position_Limit", (n) => cal(n)?.range_min);
  await writeEach(api, key, arm, "Max_Position_Limit", (n) => cal(n)?.range_max);
}

/** The calibration the motors hold now (homing offsets and limits), with drive modes from the definition. */
export async function readCalibrationFromMotors(api: RigApi, key: string, arm: ArmDefinition): Promise<CalibrationTable> {
  const offsets = await readAll(api, key, arm, "Homing_Offset");
  const mins = await readAll(api, key, arm, "Min_Position_Limit");
  const maxs = await readAll(api, key, arm, "Max_Position_Limit");
  const table: Record<string, MotorCalibration> = {};
  for (const m of arm.motors) {
    table[m.name] = {
      id: m.id,
      drive_mode: m.driveMode,
      homing_offset: offsets.get(m.name)!,
      range_min: mins.get(m.name)!,
      range_max: maxs.get(m.name)!,
    };
  }
  return table;
}
