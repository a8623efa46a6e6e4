import { describe, expect, it } from "vitest";
import { ARMS, type ArmDefinition } from "../core/robots.ts";
import { MotorBus } from "../hardware/MotorBus.ts";
import { createSimulatedArm, type SimulatedArm } from "../hardware/sim/simulatedArm.ts";
import { SimTransport } from "../hardware/sim/SimTransport.ts";
import { PROTOCOL_FAMILIES } from "../protocol/models.ts";
import { readCalibrationFromMotors } from "./armRegisters.ts";
import { ControlLoop, DEFAULT_LOOP, type LoopArm } from "./ControlLoop.ts";
import type { RigApi } from "../hardware/index.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function simArm(def: ArmDefinition, scripted: boolean): Promise<{ sim: SimulatedArm; arm: LoopArm; bus: MotorBus }> {
  const sim = createSimulatedArm(def, { usbLatencyMs: 0.3, scripted, scriptStartMs: performance.now() });
  const bus = new MotorBus(new SimTransport(sim.wire, def.label), PROTOCOL_FAMILIES[def.protocol], { timeoutMarginMs: 5, retries: 1 });
  await bus.open(1_000_000);
  // Read the calibration the simulated motors carry, through a minimal RigApi over this bus.
  const api = {
    syncRead: async (_k: string, reg: string, ids: readonly number[]) =>
      (await bus.syncRead(reg, ids)).map((r) =>
        r.ok ? r : { id: r.id, ok: false as const, error: { name: r.error.name, code: r.error.code, message: r.error.message } },
      ),
  } as unknown as RigApi;
  const calibration = await readCalibrationFromMotors(api, "x", def);
  return { sim, bus, arm: { arm: def, calibration, body: "degrees", bus } };
}

/** Every Goal_Position the follower's servos received, per motor, in order. */
function recordGoals(sim: SimulatedArm): number[][] {
  const goals = sim.servos.map(() => [] as number[]);
  sim.servos.forEach((servo, i) => {
    const write = servo.write.bind(servo);
    servo.write = (address, data, now) => {
      const r = write(address, data, now);
      if (address === 42) goals[i]!.push(servo.get("Goal_Position"));
      return r;
    };
  });
  return goals;
}

describe("ControlLoop on the simulated SO-101", () => {
  it("gates, then the follower tracks the scripted leader", async () => {
    const leader = await simArm(ARMS.so101_leader, true);
    const follower = await simArm(ARMS.so101_follower, false);
    const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 });
    const states: string[] = [];
    loop.subscribe((s) => {
      if (states.at(-1) !== s.state) states.push(s.state);
    });
    await loop.start();
    await sleep(3000);
    expect(loop.snapshot.state).toBe("tracking");
    expect(states.slice(0, 2)).toEqual(["gating", "tracking"]);
    // Tracking error in degrees between leader and follower now (same sample).
    const out = new Float64Array(2 + 18);
    expect(loop.sample.read(out)).toBe(true);
    for (let i = 0; i < 5; i++) expect(Math.abs(out[2 + i]! - out[8 + i]!)).toBeLessThan(12);
    // The loop runs (its timing figures — rate, jitter, overruns — are benchmarks, not tests).
    expect(loop.snapshot.rateHz).toBeGreaterThan(30);
    loop.stop();
    expect(loop.snapshot.state).toBe("stopped");
    expect(follower.sim.servos.every((s) => s.torqueOn)).toBe(true);
    await leader.bus.close();
    await follower.bus.close();
  }, 10_000);

  it("start gate: a far follower is walked over slowly, never more than the ramp per tick", async () => {
    const leader = await simArm(ARMS.so101_leader, true);
    const follower = await simArm(ARMS.so101_follower, false);
    // Put the follower 60° away on the shoulder pan.
    follower.sim.servos[0]!.actual += (60 * 4096) / 360;
    const goals = recordGoals(follower.sim);
    const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, rateHz: 100, rampPerSecond: 30 });
    await loop.start();
    await sleep(600);
    expect(loop.snapshot.state).toBe("gating");
    const pan = goals[0]!;
    const stepsPerTick = (30 / 100) * (4095 / 360); // 30°/s at 100 Hz, in raw steps
    for (let i = 2; i < pan.length; i++) expect(Math.abs(pan[i]! - pan[i - 1]!)).toBeLessThanOrEqual(stepsPerTick * 2 + 2);
    await loop.estop();
    expect(loop.snapshot.state).toBe("estopped");
    expect(follower.sim.servos.every((s) => !s.torqueOn)).toBe(true);
    await leader.bus.close();
    await follower.bus.close();
  }, 10_000);

  it("an unplugged follower stops the loop within a tick and nothing is sent after", async () => {
    const leader = await simArm(ARMS.so101_leader, true);
    const follower = await simArm(ARMS.so101_follower, false);
    const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 });
    await loop.start();
    await sleep(500);
    const goals = recordGoals(follower.sim);
    follower.sim.wire.unplug();
    await sleep(50);
    expect(loop.snapshot.state).toBe("fault");
    expect(loop.snapshot.reason).toMatch(/disconnected/);
    const sent = goals.map((g) => g.length);
    follower.sim.wire.plug();
    await sleep(200);
    expect(goals.map((g) => g.length)).toEqual(sent);
    await leader.bus.close();
    await follower.bus.close();
  }, 10_000);

  it("with 1% corrupt and 1% dropped replies the follower never moves more than the max step in a tick", async () => {
    const leader = await simArm(ARMS.so101_leader, true);
    const follower = await simArm(ARMS.so101_follower, false);
    for (const s of [leader, follower]) {
      s.sim.wire.faults.corruptRate = 0.01;
      s.sim.wire.faults.dropRate = 0.01;
    }
    const maxStepDeg = 3;
    const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, rateHz: 100, maxStep: maxStepDeg, watchdogMs: 500 });
    const positions: number[][] = [];
    const readTruth = () => follower.sim.servos.map((s) => s.presentFromActual(s.actual));
    await loop.start();
    const end = performance.now() + 3000;
    while (performance.now() < end) {
      positions.push(readTruth());
      await sleep(10);
    }
    expect(loop.snapshot.state === "tracking" || loop.snapshot.state === "gating").toBe(true);
    expect(loop.snapshot.missingReads).toBeGreaterThan(0);
    // Compare goal writes: each goal is within maxStep of the follower's position read that tick.
    const capSteps = (maxStepDeg * 4095) / 360;
    for (let i = 1; i < positions.length; i++) {
      for (let j = 0; j < 5; j++) expect(Math.abs(positions[i]![j]! - positions[i - 1]![j]!)).toBeLessThanOrEqual(capSteps * 2 + 4);
    }
    loop.stop();
    await leader.bus.close();
    await follower.bus.close();
  }, 10_000);

  it("reports motor health, warns when hot and stops before a motor overheats", async () => {
    const leader = await simArm(ARMS.so101_leader, true);
    const follower = await simArm(ARMS.so101_follower, false);
    const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 });
    await loop.start();
    await sleep(300);
    expect(loop.snapshot.health).toHaveLength(6);
    expect(loop.snapshot.health[0]!.voltageV).toBeCloseTo(7.4, 0);
    expect(loop.snapshot.warnings).toEqual([]);
    follower.sim.servos[2]!.temperatureC = 58;
    await sleep(100);
    expect(loop.snapshot.warnings).toContain("elbow_flex at 58 °C");
    follower.sim.servos[2]!.temperatureC = 66;
    await sleep(100);
    expect(loop.snapshot.state).toBe("fault");
    expect(loop.snapshot.reason).toMatch(/elbow_flex reached 66 °C/);
    expect(follower.sim.servos.every((s) => !s.torqueOn)).toBe(true);
    await leader.bus.close();
    await follower.bus.close();
  }, 10_000);
});
