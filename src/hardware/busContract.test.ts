import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { ARMS, type ArmDefinition } from "../core/robots.ts";
import { BusCorruptError, BusTimeoutError, DeviceLostError, ServoStatusError } from "./errors.ts";
import { MotorBus } from "./MotorBus.ts";
import { SimTransport } from "./sim/SimTransport.ts";
import { createSimulatedArm, type SimulatedArm } from "./sim/simulatedArm.ts";
import { SimulatedSerialPort } from "./sim/SimulatedSerialPort.ts";
import type { Transport } from "./Transport.ts";
import { WebSerialTransport } from "./WebSerialTransport.ts";

/**
 * One contract suite, two transports: the simulated rig's own transport, and the
 * WebSerial transport driving a fake `SerialPort` backed by the same simulated wire.
 */
const TRANSPORTS: Record<string, (arm: SimulatedArm) => Transport> = {
  SimTransport: (arm) => new SimTransport(arm.wire, "sim"),
  "WebSerialTransport(SimulatedSerialPort)": (arm) => new WebSerialTransport(new SimulatedSerialPort(arm.wire)),
};

const ARMS_UNDER_TEST: Record<string, ArmDefinition> = {
  feetech: ARMS.so101_follower,
  dynamixel: ARMS.koch_follower,
};

async function setup(def: ArmDefinition, makeTransport: (arm: SimulatedArm) => Transport, chunking = true) {
  const clock = new ManualClock(0);
  const arm = createSimulatedArm(def, { usbLatencyMs: 0.2, chunking, seed: 7, scripted: false, clock });
  const bus = clock.driven(new MotorBus(makeTransport(arm), arm.bus.family, { timeoutMarginMs: 10, clock }));
  await bus.open(1_000_000);
  return { arm, bus, clock };
}
const IDS = [1, 2, 3, 4, 5, 6];

for (const [transportName, makeTransport] of Object.entries(TRANSPORTS)) {
  for (const [protocol, def] of Object.entries(ARMS_UNDER_TEST)) {
    describe(`MotorBus contract: ${protocol} over ${transportName}`, () => {
      it("scans ids and models at the right baud rate", async () => {
        const { arm, bus } = await setup(def, makeTransport);
        // Move motor 6 to another baud rate: it must be found there, and only there.
        const otherBaud = protocol === "feetech" ? 500_000 : 57_600;
        const index = Number(Object.entries(arm.bus.family.baudRates).find(([, b]) => b === otherBaud)?.[0]);
        arm.servos[5]!.set("Baud_Rate", index);
        const result = await bus.scan([1_000_000, otherBaud]);
        expect(result.motors.map((m) => [m.id, m.baudRate])).toEqual([
          [1, 1_000_000],
          [2, 1_000_000],
          [3, 1_000_000],
          [4, 1_000_000],
          [5, 1_000_000],
          [6, otherBaud],
        ]);
        expect(result.motors.map((m) => m.modelName)).toEqual(def.motors.map((m) => m.model));
        expect(bus.baudRate).toBe(1_000_000);
        await bus.close();
      });

      it("reads and writes registers by name, and the servo moves", async () => {
        const { arm, bus, clock } = await setup(def, makeTransport);
        const start = await bus.read(2, "Present_Position");
        expect(start).toBe(arm.servos[1]!.get("Present_Position"));
        await bus.write(2, "Torque_Enable", 1);
        await bus.write(2, "Goal_Position", start + 300);
        expect(await bus.read(2, "Goal_Position")).toBe(start + 300);
        await clock.advance(400);
        expect(Math.abs((await bus.read(2, "Present_Position")) - (start + 300))).toBeLessThanOrEqual(1);
        await bus.close();
      });

      it("sync reads and sync writes six motors in one transaction each", async () => {
        const { arm, bus, clock } = await setup(def, makeTransport);
        const before = bus.stats.transactions;
        await bus.syncWrite(
          "Torque_Enable",
          IDS.map((id) => [id, 1] as const),
        );
        await bus.syncWrite(
          "Goal_Position",
          IDS.map((id) => [id, 1800 + id * 20] as const),
        );
        expect(bus.stats.transactions - before).toBe(2);
        await clock.advance(500);
        const readings = await bus.syncRead("Present_Position", IDS);
        expect(bus.stats.transactions - before).toBe(3);
        expect(readings.map((r) => (r.ok ? r.value : NaN))).toEqual(IDS.map((id) => 1800 + id * 20));
        expect(readings.map((r) => (r.ok ? r.value : NaN))).toEqual(arm.servos.map((s) => s.get("Present_Position")));
        await bus.close();
      });

      it("reports a missing motor as a typed error, never a number", async () => {
        const { bus } = await setup(def, makeTransport);
        const readings = await bus.syncRead("Present_Position", [1, 2, 42]);
        expect(readings[0]?.ok).toBe(true);
        const missing = readings[2];
        expect(missing?.ok).toBe(false);
        if (missing && !missing.ok) expect(missing.error).toBeInstanceOf(BusTimeoutError);
        expect(missing).not.toHaveProperty("value");
        await expect(bus.read(42, "Present_Position")).rejects.toBeInstanceOf(BusTimeoutError);
        await bus.close();
      });

      it("keeps the payload on servo conditions and refuses it on rejections", async () => {
        const { arm, bus } = await setup(def, makeTransport);
        const overload = protocol === "feetech" ? 0x20 : 0x80;
        arm.servos[0]!.injectedError = overload;
        expect(await bus.read(1, "Present_Position")).toBe(arm.servos[0]!.get("Present_Position"));
        expect(bus.stats.conditions).toBeGreaterThan(0);
        const rejection = protocol === "feetech" ? 0x40 : 0x02;
        arm.servos[1]!.injectedError = rejection;
        await expect(bus.read(2, "Present_Position")).rejects.toBeInstanceOf(ServoStatusError);
        const readings = await bus.syncRead("Present_Position", [1, 2]);
        expect(readings[0]?.ok).toBe(true);
        expect(readings[1]?.ok).toBe(false);
        await bus.close();
      });

      it("reports an unplugged device once and refuses further work", async () => {
        const { arm, bus, clock } = await setup(def, makeTransport);
        const lost: DeviceLostError[] = [];
        bus.onLost((e) => lost.push(e));
        const pending = bus.syncRead("Present_Position", IDS);
        arm.wire.unplug();
        const outcome = await pending.then(
          () => "resolved",
          (e: unknown) => e,
        );
        expect(outcome === "resolved" || outcome instanceof DeviceLostError).toBe(true);
        await clock.advance(5);
        expect(lost).toHaveLength(1);
        expect(bus.isLost).toBe(true);
        await expect(bus.read(1, "Present_Position")).rejects.toBeInstanceOf(DeviceLostError);
        await bus.close();
      });
    });
  }
}

describe("MotorBus under injected faults", () => {
  it("keeps a 6-motor sync loop running for 10 s with 1% corrupt and 1% dropped replies, never returning a wrong position", async () => {
    const clock = new ManualClock(0);
    const arm = createSimulatedArm(ARMS.so101_follower, { usbLatencyMs: 0.5, chunking: true, seed: 11, scripted: false, clock });
    arm.wire.faults.corruptRate = 0.01;
    arm.wire.faults.dropRate = 0.01;
    const bus = clock.driven(new MotorBus(new SimTransport(arm.wire, "sim"), arm.bus.family, { timeoutMarginMs: 3, retries: 0, clock }));
    await bus.open(1_000_000);
    await bus.syncWrite(
      "Torque_Enable",
      IDS.map((id) => [id, 1] as const),
    );
    // Log the position each servo actually put into its reply, before the wire corrupts it.
    const reported = arm.servos.map(() => new Set<number>());
    arm.servos.forEach((servo, i) => {
      const read = servo.read.bind(servo);
      servo.read = (address, length, now) => {
        const data = read(address, length, now);
        if (data) reported[i]!.add(servo.get("Present_Position"));
        return data;
      };
    });
    let cycles = 0;
    let good = 0;
    let failed = 0;
    let wrong = 0;
    // 10 s of the bus's clock, however long that takes the machine.
    const end = clock.now() + 10_000;
    while (clock.now() < end) {
      const goal = 2048 + Math.round(400 * Math.sin(cycles / 50));
      await bus.syncWrite(
        "Goal_Position",
        IDS.map((id) => [id, goal] as const),
      );
      const readings = await bus.syncRead("Present_Position", IDS);
      for (const r of readings) {
        if (!r.ok) {
          failed++;
          expect(r.error instanceof BusTimeoutError || r.error instanceof BusCorruptError).toBe(true);
          continue;
        }
        good++;
        // Exactly a value the servo reported: nothing corrupt got through, nothing was made up.
        if (!reported[r.id - 1]!.has(r.value)) wrong++;
      }
      cycles++;
    }
    await bus.close();
    expect(cycles).toBeGreaterThan(1000); // ~1.4 ms per write + read at 1 Mbaud with 0.5 ms USB latency
    expect(wrong).toBe(0);
    expect(arm.wire.injected.corrupted + arm.wire.injected.dropped).toBeGreaterThan(0);
    expect(failed).toBeGreaterThanOrEqual(1);
    expect(bus.stats.timeouts + bus.stats.corrupt).toBeGreaterThan(0);
    expect(good + failed).toBe(cycles * 6);
  }, 60_000);
});
