import { afterEach, describe, expect, it } from "vitest";
import type { CalibrationTable } from "../core/calibration.ts";
import { ARMS, type ArmDefinition, type ArmId } from "../core/robots.ts";
import type { RigEvent } from "../hardware/index.ts";
import { RigService } from "../hardware/rig/RigService.ts";
import type { SimConnectOptions } from "../hardware/rig/types.ts";
import { ArmIoError, readAll, readCalibrationFromMotors } from "./armRegisters.ts";
import { configureArm } from "./configureArm.ts";

/**
 * configureArm against a real in-process RigService and simulated arms: what lerobot
 * writes on connect (servo-protocols.md §2.3 Feetech, §4.3 Koch), read back over the bus.
 */

const IDS = [1, 2, 3, 4, 5, 6] as const;

let rig: RigService | undefined;
let events: RigEvent[] = [];

async function connect(key: string, arm: ArmId, options: SimConnectOptions = {}): Promise<RigService> {
  events = [];
  rig = new RigService("main", (e) => events.push(e));
  await rig.connectSim(key, arm, options);
  return rig;
}

afterEach(async () => {
  if (rig) {
    for (const key of ["fe", "fe-leader", "koch-f", "koch-l", "missing", "bench"]) await rig.disconnect(key);
  }
  rig = undefined;
});

/** One register of motors 1..6, read back over the bus. */
async function readEvery(r: RigService, key: string, register: string): Promise<number[]> {
  const readings = await r.syncRead(key, register, IDS);
  return readings.map((x) => {
    if (!x.ok) throw new Error(`motor ${x.id} ${register}: ${x.error.message}`);
    return x.value;
  });
}

async function writeEvery(r: RigService, key: string, register: string, value: number): Promise<void> {
  for (const id of IDS) await r.write(key, id, register, value);
}

function table(
  arm: ArmDefinition,
  rows: readonly (readonly [number, number, number])[],
  driveModes: Partial<Record<string, number>> = {},
): CalibrationTable {
  const t: Record<string, CalibrationTable[string]> = {};
  arm.motors.forEach((m, i) => {
    const [homing_offset, range_min, range_max] = rows[i]!;
    t[m.name] = { id: m.id, drive_mode: driveModes[m.name] ?? m.driveMode, homing_offset, range_min, range_max };
  });
  return t;
}

describe("configureArm — Feetech SO-101 follower", () => {
  const arm = ARMS.so101_follower;

  it("writes lerobot's connect configuration, leaves torque off and EEPROM locked", async () => {
    const r = await connect("fe", "so101_follower");
    // Start from registers that differ from the targets, so every write is observable.
    await writeEvery(r, "fe", "Return_Delay_Time", 250);
    await writeEvery(r, "fe", "Acceleration", 0);
    await writeEvery(r, "fe", "Maximum_Acceleration", 100);
    await writeEvery(r, "fe", "Operating_Mode", 1);
    await writeEvery(r, "fe", "P_Coefficient", 32);
    await writeEvery(r, "fe", "I_Coefficient", 5);
    await writeEvery(r, "fe", "D_Coefficient", 10);
    await writeEvery(r, "fe", "Lock", 0);
    await writeEvery(r, "fe", "Torque_Enable", 1);
    expect(await readEvery(r, "fe", "Return_Delay_Time")).toEqual([250, 250, 250, 250, 250, 250]);
    const before = await readCalibrationFromMotors(r, "fe", arm);

    const report = await configureArm(r, "fe", arm, undefined);

    const all = (v: number) => [v, v, v, v, v, v];
    expect(await readEvery(r, "fe", "Return_Delay_Time")).toEqual(all(0));
    expect(await readEvery(r, "fe", "Acceleration")).toEqual(all(254));
    expect(await readEvery(r, "fe", "Maximum_Acceleration")).toEqual(all(254));
    expect(await readEvery(r, "fe", "Operating_Mode")).toEqual(all(0));
    expect(await readEvery(r, "fe", "P_Coefficient")).toEqual(all(16));
    expect(await readEvery(r, "fe", "I_Coefficient")).toEqual(all(0));
    expect(await readEvery(r, "fe", "D_Coefficient")).toEqual(all(32));
    // Gripper only; the other motors keep the factory defaults (1000, 500, 80).
    expect(await readEvery(r, "fe", "Max_Torque_Limit")).toEqual([1000, 1000, 1000, 1000, 1000, 500]);
    expect(await readEvery(r, "fe", "Protection_Current")).toEqual([500, 500, 500, 500, 500, 250]);
    expect(await readEvery(r, "fe", "Overload_Torque")).toEqual([80, 80, 80, 80, 80, 25]);
    expect(await readEvery(r, "fe", "Lock")).toEqual(all(1));
    expect(await readEvery(r, "fe", "Torque_Enable")).toEqual(all(0));
    // No table: the motors' calibration is untouched.
    expect(await readCalibrationFromMotors(r, "fe", arm)).toEqual(before);

    expect(report.calibrationWritten).toBe(false);
    expect(report.writes[0]).toBe("all Torque_Enable = 0");
    expect(report.writes.at(-1)).toBe("all Lock = 1");
    for (const id of IDS) {
      for (const [reg, v] of [
        ["Return_Delay_Time", 0],
        ["Maximum_Acceleration", 254],
        ["Acceleration", 254],
        ["Operating_Mode", 0],
        ["P_Coefficient", 16],
        ["I_Coefficient", 0],
        ["D_Coefficient", 32],
      ] as const) {
        expect(report.writes).toContain(`ID ${id} ${reg} = ${v}`);
      }
    }
    expect(report.writes).toContain("ID 6 Max_Torque_Limit = 500");
    expect(report.writes).toContain("ID 6 Protection_Current = 250");
    expect(report.writes).toContain("ID 6 Overload_Torque = 25");
    expect(report.writes.filter((w) => /Max_Torque_Limit|Protection_Current|Overload_Torque/.test(w))).toHaveLength(3);
    expect(report.writes.some((w) => w.startsWith("calibration"))).toBe(false);
  }, 20_000);

  it("writes a calibration table: the motors then hold its Homing_Offset and limits", async () => {
    const r = await connect("fe", "so101_follower");
    const cal = table(arm, [
      [-500, 1000, 3000],
      [321, 900, 3100],
      [-1, 1020, 3050],
      [0, 800, 3300],
      [1200, 0, 4095],
      [-2047, 2000, 3500],
    ]);
    const report = await configureArm(r, "fe", arm, cal);
    expect(report.calibrationWritten).toBe(true);
    expect(report.writes).toContain("calibration: Homing_Offset, Min_Position_Limit, Max_Position_Limit");
    // The calibration is written before the lock.
    expect(report.writes.indexOf("all Lock = 1")).toBeGreaterThan(
      report.writes.indexOf("calibration: Homing_Offset, Min_Position_Limit, Max_Position_Limit"),
    );
    expect(await readCalibrationFromMotors(r, "fe", arm)).toEqual(cal);
    expect(await readEvery(r, "fe", "Homing_Offset")).toEqual([-500, 321, -1, 0, 1200, -2047]);
    expect(await readEvery(r, "fe", "Min_Position_Limit")).toEqual([1000, 900, 1020, 800, 0, 2000]);
    expect(await readEvery(r, "fe", "Max_Position_Limit")).toEqual([3000, 3100, 3050, 3300, 4095, 3500]);
    expect(await readEvery(r, "fe", "Torque_Enable")).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await readEvery(r, "fe", "Lock")).toEqual([1, 1, 1, 1, 1, 1]);
  }, 20_000);

  it("leader: same bus settings and position mode, but no follower gains or gripper limits", async () => {
    const r = await connect("fe-leader", "so101_leader");
    await writeEvery(r, "fe-leader", "Return_Delay_Time", 250);
    const report = await configureArm(r, "fe-leader", ARMS.so101_leader, undefined);
    expect(await readEvery(r, "fe-leader", "Return_Delay_Time")).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await readEvery(r, "fe-leader", "Operating_Mode")).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await readEvery(r, "fe-leader", "P_Coefficient")).toEqual([32, 32, 32, 32, 32, 32]);
    expect(await readEvery(r, "fe-leader", "Max_Torque_Limit")).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
    expect(await readEvery(r, "fe-leader", "Torque_Enable")).toEqual([0, 0, 0, 0, 0, 0]);
    expect(report.writes.some((w) => /Coefficient|Max_Torque_Limit|Protection_Current|Overload_Torque/.test(w))).toBe(false);
  }, 20_000);
});

describe("configureArm — Dynamixel Koch v1.1", () => {
  it("follower: Return_Delay_Time 0, extended position (gripper current-based), elbow PID 1500/0/600", async () => {
    const arm = ARMS.koch_follower;
    const r = await connect("koch-f", "koch_follower");
    await writeEvery(r, "koch-f", "Return_Delay_Time", 250);
    await writeEvery(r, "koch-f", "Position_I_Gain", 100);
    expect(await readEvery(r, "koch-f", "Operating_Mode")).toEqual([3, 3, 3, 3, 3, 3]);
    // Dynamixel refuses EEPROM writes with torque on: configureArm must take torque off first.
    await writeEvery(r, "koch-f", "Torque_Enable", 1);

    const report = await configureArm(r, "koch-f", arm, undefined);

    expect(await readEvery(r, "koch-f", "Return_Delay_Time")).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await readEvery(r, "koch-f", "Operating_Mode")).toEqual([4, 4, 4, 4, 4, 5]);
    expect(await readEvery(r, "koch-f", "Position_P_Gain")).toEqual([400, 400, 1500, 400, 400, 400]);
    expect(await readEvery(r, "koch-f", "Position_I_Gain")).toEqual([100, 100, 0, 100, 100, 100]);
    expect(await readEvery(r, "koch-f", "Position_D_Gain")).toEqual([0, 0, 600, 0, 0, 0]);
    expect(await readEvery(r, "koch-f", "Torque_Enable")).toEqual([0, 0, 0, 0, 0, 0]);

    expect(report.writes[0]).toBe("all Torque_Enable = 0");
    expect(report.writes).toContain("ID 6 Operating_Mode = 5");
    expect(report.writes).toContain("ID 1 Operating_Mode = 4");
    expect(report.writes).toContain("ID 3 Position_P_Gain = 1500");
    expect(report.writes).toContain("ID 3 Position_I_Gain = 0");
    expect(report.writes).toContain("ID 3 Position_D_Gain = 600");
    for (const id of IDS) expect(report.writes).toContain(`ID ${id} Return_Delay_Time = 0`);
    expect(report.writes.some((w) => w.includes("Lock"))).toBe(false);
    expect(report.calibrationWritten).toBe(false);
  }, 20_000);

  it("leader with a table whose elbow drive_mode is 1: Drive_Mode register 1 on motor 3", async () => {
    const arm = ARMS.koch_leader;
    const r = await connect("koch-l", "koch_leader");
    expect(await readEvery(r, "koch-l", "Drive_Mode")).toEqual([0, 0, 0, 0, 0, 0]);
    const cal = table(
      arm,
      [
        [-300, 0, 4095],
        [1500, 800, 3300],
        [-2500, 1000, 3000],
        [12, 900, 3100],
        [7, 0, 4095],
        [-800, 1900, 3000],
      ],
      { elbow_flex: 1 },
    );
    expect(cal["elbow_flex"]?.drive_mode).toBe(1);

    const report = await configureArm(r, "koch-l", arm, cal);

    expect(report.calibrationWritten).toBe(true);
    expect(await readEvery(r, "koch-l", "Drive_Mode")).toEqual([0, 0, 1, 0, 0, 0]);
    expect(await readEvery(r, "koch-l", "Homing_Offset")).toEqual([-300, 1500, -2500, 12, 7, -800]);
    expect(await readCalibrationFromMotors(r, "koch-l", arm)).toEqual(cal);
    expect(await readEvery(r, "koch-l", "Return_Delay_Time")).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await readEvery(r, "koch-l", "Operating_Mode")).toEqual([4, 4, 4, 4, 4, 4]);
    expect(await readEvery(r, "koch-l", "Torque_Enable")).toEqual([0, 0, 0, 0, 0, 0]);
    // Leader: no follower elbow gains.
    expect(report.writes.some((w) => w.includes("Position_P_Gain"))).toBe(false);
  }, 20_000);
});

describe("configureArm — motors that do not answer", () => {
  // KNOWN FAILURE (bug kept on purpose): configureArm's per-motor writes (writeEach → api.write)
  // let the bare BusTimeoutError escape ("No reply from motor 6 within 20.1 ms. …"); only the
  // final read-back goes through readAll's ArmIoError, which names the arm and the joint.
  it("a motor missing from the bus (id changed away) makes it reject, naming the arm and the motor", async () => {
    const r = await connect("missing", "so101_follower");
    // Motor 6 now answers as id 16: for the arm, the gripper is missing.
    await r.write("missing", 6, "ID", 16);
    expect((await r.scan("missing", [1_000_000])).motors.map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 16]);
    const err = await configureArm(r, "missing", ARMS.so101_follower, undefined).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/\b6\b|gripper/);
    expect(message).toContain("SO-101 follower");
  }, 20_000);

  // The two cases below pin that configureArm fails loudly (no hang, no silent success);
  // whether the message names the arm is checked by the test above.
  it("every reply dropped makes it reject", async () => {
    const r = await connect("missing", "so101_follower");
    await r.simulate("missing", { kind: "faults", faults: { dropRate: 1 } });
    await expect(configureArm(r, "missing", ARMS.so101_follower, undefined)).rejects.toThrow(/No reply from motor 1|SO-101 follower/);
  }, 20_000);

  it("an empty setup bench (no motor plugged) makes it reject", async () => {
    const r = await connect("bench", "koch_follower", { setupBench: true });
    await expect(configureArm(r, "bench", ARMS.koch_follower, undefined)).rejects.toThrow(/No reply from motor 1|Koch v1\.1 follower/);
  }, 20_000);

  it("readAll's ArmIoError names the arm and every silent motor (the read-back path)", async () => {
    const r = await connect("missing", "so101_follower");
    await r.write("missing", 6, "ID", 16);
    const err = await readAll(r, "missing", ARMS.so101_follower, "Return_Delay_Time").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ArmIoError);
    expect((err as ArmIoError).failures.map((f) => f.name)).toEqual(["gripper"]);
    expect((err as Error).message).toMatch(/^SO-101 follower: gripper did not answer/);
  }, 20_000);
});
