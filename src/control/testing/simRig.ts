/**
 * Test rig for engines that drive arms: simulated SO-101 (or Koch) arms on MotorBuses, all on
 * one manual clock, with every Goal_Position and Torque_Enable write the servos receive recorded
 * with its time. Nothing here sleeps: tests advance the clock.
 */
import type { ManualClock } from "../../core/clock.ts";
import type { CalibrationTable } from "../../core/calibration.ts";
import type { ArmDefinition } from "../../core/robots.ts";
import type { RigApi } from "../../hardware/index.ts";
import { MotorBus } from "../../hardware/MotorBus.ts";
import { createSimulatedArm, type SimulatedArm } from "../../hardware/sim/simulatedArm.ts";
import { SimTransport } from "../../hardware/sim/SimTransport.ts";
import { PROTOCOL_FAMILIES } from "../../protocol/models.ts";
import { readCalibrationFromMotors } from "../armRegisters.ts";
import type { LoopArm } from "../ControlLoop.ts";

export interface ServoWrite {
  readonly at: number;
  readonly motor: number;
  readonly register: "Goal_Position" | "Torque_Enable";
  readonly value: number;
}

export interface SimRigArm {
  readonly sim: SimulatedArm;
  readonly bus: MotorBus;
  readonly calibration: CalibrationTable;
  readonly arm: LoopArm;
  /** Every goal and torque write the servos received, in order, with the clock's time. */
  readonly writes: ServoWrite[];
}

export async function simRigArm(
  clock: ManualClock,
  def: ArmDefinition,
  opts: { scripted?: boolean; seed?: number } = {},
): Promise<SimRigArm> {
  const sim = createSimulatedArm(def, {
    usbLatencyMs: 0.3,
    scripted: opts.scripted ?? def.role === "leader",
    scriptStartMs: clock.now(),
    clock,
    seed: opts.seed ?? 1,
  });
  const bus = new MotorBus(new SimTransport(sim.wire, def.label), PROTOCOL_FAMILIES[def.protocol], {
    timeoutMarginMs: 5,
    retries: 1,
    clock,
  });
  const opening = bus.open(1_000_000);
  await clock.advance(1);
  await opening;
  const api = {
    syncRead: async (_k: string, reg: string, ids: readonly number[]) =>
      (await bus.syncRead(reg, ids)).map((r) =>
        r.ok ? r : { id: r.id, ok: false as const, error: { name: r.error.name, code: r.error.code, message: r.error.message } },
      ),
  } as unknown as RigApi;
  const reading = readCalibrationFromMotors(api, "x", def);
  await clock.advance(50);
  const calibration = await reading;
  const writes: ServoWrite[] = [];
  const fam = PROTOCOL_FAMILIES[def.protocol];
  const goal = fam.table["Goal_Position"]!.address;
  const torque = fam.table["Torque_Enable"]!.address;
  sim.servos.forEach((servo, i) => {
    const write = servo.write.bind(servo);
    servo.write = (address, data, now) => {
      const r = write(address, data, now);
      if (address === goal) writes.push({ at: clock.now(), motor: i, register: "Goal_Position", value: servo.get("Goal_Position") });
      if (address === torque) writes.push({ at: clock.now(), motor: i, register: "Torque_Enable", value: servo.get("Torque_Enable") });
      return r;
    };
  });
  return { sim, bus, calibration, writes, arm: { arm: def, calibration, body: "degrees", bus } };
}

export function goalsOf(writes: readonly ServoWrite[], motor: number): number[] {
  return writes.filter((w) => w.register === "Goal_Position" && w.motor === motor).map((w) => w.value);
}

/** Writes that move or power the arm: goals, and torque on. */
export function movingWrites(writes: readonly ServoWrite[]): ServoWrite[] {
  return writes.filter((w) => w.register === "Goal_Position" || w.value !== 0);
}

/** Runs `p` to completion while advancing the clock (I/O on the manual clock needs time to pass). */
export function drive<T>(clock: ManualClock, p: Promise<T>, limitMs = 5_000): Promise<T> {
  return clock.drive(p, limitMs, 1);
}
