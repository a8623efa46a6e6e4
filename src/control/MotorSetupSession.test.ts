import { afterEach, describe, expect, it } from "vitest";
import { ARMS, type ArmId } from "../core/robots.ts";
import { ManualClock } from "../core/clock.ts";
import { RigService } from "../hardware/rig/RigService.ts";
import { PROTOCOL_FAMILIES } from "../protocol/models.ts";
import { MotorSetupSession, setupOptionsFor, type SetupOptions, type SetupPhase, TARGET_BAUD } from "./MotorSetupSession.ts";

/**
 * lerobot's setup_motors (servo-protocols.md §2.8) on a simulated setup bench: factory-fresh
 * motors (id 1; STS3215 at 1 Mbaud, XL330/XL430 at 57,600) plugged in one at a time.
 */

const FE_BAUDS = [1_000_000, 500_000, 115_200] as const;
const DXL_BAUDS = [1_000_000, 57_600] as const;

let rig: RigService | undefined;
let raw: RigService | undefined;
let clock = new ManualClock(0);
const keys = new Set<string>();

/** The bench's rig on a manual clock: calls through `rig` let clock time pass until they settle. */
async function bench(key: string, arm: ArmId): Promise<RigService> {
  if (!rig) {
    clock = new ManualClock(0);
    raw = new RigService("main", () => undefined, clock);
    rig = clock.driven(raw);
  }
  await rig.connectSim(key, arm, { setupBench: true });
  keys.add(key);
  return rig;
}

afterEach(async () => {
  if (rig) for (const k of keys) await rig.disconnect(k);
  keys.clear();
  rig = undefined;
  raw = undefined;
});

/** A session on the bench's rig (it calls the rig itself); the test's calls to it are driven on the clock. */
function setup(key: string, arm: (typeof ARMS)[ArmId], options: SetupOptions): MotorSetupSession {
  return clock.driven(new MotorSetupSession(raw!, key, arm, options));
}

/** The options exactly as the rig store builds them (setupOptionsFor), with a shorter baud list. */
function optionsFor(arm: ArmId, baudRates: readonly number[]): SetupOptions {
  return setupOptionsFor(ARMS[arm], baudRates);
}

function trackPhases(s: MotorSetupSession): SetupPhase[] {
  const phases: SetupPhase[] = [s.snapshot.phase];
  s.subscribe((snap) => {
    if (phases.at(-1) !== snap.phase) phases.push(snap.phase);
  });
  return phases;
}

async function idsAt(r: RigService, key: string, baud: number): Promise<{ id: number; model: string | undefined }[]> {
  const found = await r.scan(key, [baud]);
  return found.motors.map((m) => ({ id: m.id, model: m.modelName }));
}

describe("MotorSetupSession — the options the store builds", () => {
  it("Feetech: target index 0, probes around Present_Position (address 56, size 2)", () => {
    const o = optionsFor("so101_follower", FE_BAUDS);
    expect(o.targetBaudIndex).toBe(0);
    expect(o.collisionProbes).toEqual([
      [56, 2],
      [54, 4],
      [56, 6],
      [55, 3],
      [52, 8],
    ]);
  });

  it("Dynamixel: target index 3 (1 Mbaud)", () => {
    expect(optionsFor("koch_follower", DXL_BAUDS).targetBaudIndex).toBe(3);
    expect(PROTOCOL_FAMILIES.dynamixel.baudRates[3]).toBe(TARGET_BAUD);
  });
});

describe("MotorSetupSession — SO-101 follower bench (Feetech)", () => {
  const arm = ARMS.so101_follower;

  it("starts with the gripper, in reverse motor order", async () => {
    await bench("b", "so101_follower");
    const s = setup("b", arm, optionsFor("so101_follower", FE_BAUDS));
    expect(s.snapshot.phase).toBe("connect");
    expect(s.snapshot.order.map((m) => m.name)).toEqual([
      "gripper",
      "wrist_roll",
      "wrist_flex",
      "elbow_flex",
      "shoulder_lift",
      "shoulder_pan",
    ]);
    expect(s.current?.name).toBe("gripper");
  });

  it("nothing plugged: error 'No motor answered', naming the motor to plug", async () => {
    await bench("b", "so101_follower");
    const s = setup("b", arm, optionsFor("so101_follower", FE_BAUDS));
    await s.setupCurrent();
    expect(s.snapshot.phase).toBe("error");
    expect(s.snapshot.message).toMatch(/No motor answered at any baud rate \(1000000, 500000, 115200\)/);
    expect(s.snapshot.message).toMatch(/gripper/);
    expect(s.snapshot.step).toBe(0);
    expect(s.snapshot.done).toEqual([]);
    s.retry();
    expect(s.snapshot.phase).toBe("connect");
    expect(s.snapshot.message).toBeUndefined();
  }, 20_000);

  it("the gripper alone: id 6 at 1 Mbaud, then asks for the wrist_roll", async () => {
    const r = await bench("b", "so101_follower");
    await r.simulate("b", { kind: "plug_motor", joint: 5 });
    expect(await idsAt(r, "b", 1_000_000)).toEqual([{ id: 1, model: "sts3215" }]);
    const s = setup("b", arm, optionsFor("so101_follower", FE_BAUDS));
    const phases = trackPhases(s);
    await s.setupCurrent();
    expect(s.snapshot.message).toMatch(/gripper is now id 6 at 1 Mbaud/);
    expect(s.snapshot.phase).toBe("assigned");
    expect(phases).toEqual(["connect", "searching", "assigning", "assigned"]);
    expect(s.snapshot.done).toEqual([{ name: "gripper", id: 6, from: "id 1 @ 1000000 baud" }]);
    expect(s.snapshot.step).toBe(1);
    expect(s.current?.name).toBe("wrist_roll");
    expect(s.snapshot.message).toMatch(/connect only the wrist_roll motor/);
    expect(await idsAt(r, "b", 1_000_000)).toEqual([{ id: 6, model: "sts3215" }]);
    expect(await r.read("b", 6, "Baud_Rate")).toBe(0);
  }, 20_000);

  it("finds a motor at another baud rate (115,200) and moves it to 1 Mbaud", async () => {
    const r = await bench("b", "so101_follower");
    await r.simulate("b", { kind: "plug_motor", joint: 5 });
    await r.write("b", 1, "Baud_Rate", 4); // 115,200
    expect(await idsAt(r, "b", 1_000_000)).toEqual([]);
    expect(await idsAt(r, "b", 115_200)).toEqual([{ id: 1, model: "sts3215" }]);
    const s = setup("b", arm, optionsFor("so101_follower", FE_BAUDS));
    await s.setupCurrent();
    expect(s.snapshot.phase).toBe("assigned");
    expect(s.snapshot.done).toEqual([{ name: "gripper", id: 6, from: "id 1 @ 115200 baud" }]);
    expect(await idsAt(r, "b", 1_000_000)).toEqual([{ id: 6, model: "sts3215" }]);
    expect(await idsAt(r, "b", 115_200)).toEqual([]);
  }, 20_000);

  it("two factory motors plugged (both id 1): error, two motors share an id", async () => {
    const r = await bench("b", "so101_follower");
    await r.simulate("b", { kind: "plug_motor", joint: 5 });
    const state = await r.simulate("b", { kind: "plug_motor", joint: 4 });
    expect(state.plugged).toEqual([4, 5]);
    const s = setup("b", arm, optionsFor("so101_follower", FE_BAUDS));
    await s.setupCurrent();
    expect(s.snapshot.phase).toBe("error");
    // Same model: identical pings survive, the position probes come out garbled.
    expect(s.snapshot.message).toMatch(/Replies from id 1 are garbled: two motors share this id/);
    expect(s.snapshot.message).toMatch(/Connect only the gripper motor/);
    expect(s.snapshot.done).toEqual([]);
    // Nothing was written: both still answer (identically) as id 1, at 1 Mbaud.
    expect(await idsAt(r, "b", 1_000_000)).toEqual([{ id: 1, model: "sts3215" }]);

    // Fix the wiring, retry: the gripper alone is set up.
    await r.simulate("b", { kind: "unplug_motors" });
    await r.simulate("b", { kind: "plug_motor", joint: 5 });
    s.retry();
    await s.setupCurrent();
    expect(s.snapshot.phase).toBe("assigned");
    expect(s.snapshot.done.map((d) => d.id)).toEqual([6]);
  }, 20_000);

  it("all six motors one after another: finished, and the daisy chain answers as ids 1..6 at 1 Mbaud", async () => {
    const r = await bench("b", "so101_follower");
    const s = setup("b", arm, optionsFor("so101_follower", FE_BAUDS));
    for (let step = 0; step < 6; step++) {
      const joint = 5 - step;
      await r.simulate("b", { kind: "unplug_motors" });
      await r.simulate("b", { kind: "plug_motor", joint });
      expect(s.current?.name).toBe(arm.motors[joint]!.name);
      await s.setupCurrent();
      expect(s.snapshot.phase, s.snapshot.message).toBe(step < 5 ? "assigned" : "finished");
    }
    expect(s.snapshot.message).toMatch(/All 6 motors are set up/);
    expect(s.snapshot.done.map((d) => [d.name, d.id])).toEqual([
      ["gripper", 6],
      ["wrist_roll", 5],
      ["wrist_flex", 4],
      ["elbow_flex", 3],
      ["shoulder_lift", 2],
      ["shoulder_pan", 1],
    ]);
    expect(s.current).toBeUndefined();
    // Finished: another call does nothing.
    await s.setupCurrent();
    expect(s.snapshot.phase).toBe("finished");

    for (let joint = 0; joint < 6; joint++) await r.simulate("b", { kind: "plug_motor", joint });
    const found = await idsAt(r, "b", 1_000_000);
    expect(found.map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(found.every((m) => m.model === "sts3215")).toBe(true);
    // Each id went to the right joint's motor: positions (horn mounts, offset 0) match an
    // uncalibrated arm of the same kind, joint by joint.
    await r.connectSim("twin", "so101_follower", { calibrated: false });
    keys.add("twin");
    const value = (x: { ok: boolean; value?: number }) => (x.ok ? x.value : undefined);
    const onBench = (await r.syncRead("b", "Present_Position", [1, 2, 3, 4, 5, 6])).map(value);
    const reference = (await r.syncRead("twin", "Present_Position", [1, 2, 3, 4, 5, 6])).map(value);
    expect(new Set(reference).size).toBe(6);
    expect(onBench).toEqual(reference);
  }, 30_000);
});

describe("MotorSetupSession — Koch follower bench (Dynamixel)", () => {
  const arm = ARMS.koch_follower;

  it("a motor of the wrong model: error naming both models", async () => {
    const r = await bench("k", "koch_follower");
    await r.simulate("k", { kind: "plug_motor", joint: 0 }); // shoulder_pan: xl430-w250
    const s = setup("k", arm, optionsFor("koch_follower", DXL_BAUDS));
    await s.setupCurrent();
    expect(s.snapshot.phase).toBe("error");
    expect(s.snapshot.message).toMatch(/xl430-w250/);
    expect(s.snapshot.message).toMatch(/xl330-m288/);
    expect(s.snapshot.message).toMatch(/Koch v1\.1 follower's gripper/);
    expect(s.snapshot.done).toEqual([]);
    // Untouched: still the factory id at the factory baud.
    expect(await idsAt(r, "k", 57_600)).toEqual([{ id: 1, model: "xl430-w250" }]);
  }, 20_000);

  it("two factory motors of different models on id 1: their pings collide", async () => {
    const r = await bench("k", "koch_follower");
    await r.simulate("k", { kind: "plug_motor", joint: 0 });
    await r.simulate("k", { kind: "plug_motor", joint: 5 });
    const s = setup("k", arm, optionsFor("koch_follower", DXL_BAUDS));
    await s.setupCurrent();
    expect(s.snapshot.phase).toBe("error");
    // Different models: even the ping replies differ, so the scan itself sees the collision.
    expect(s.snapshot.message).toMatch(/Replies collided at 57600 baud: two motors share an id/);
  }, 20_000);

  it("factory motors start at 57,600 baud and end at 1 Mbaud with ids 1..6", async () => {
    const r = await bench("k", "koch_follower");
    await r.simulate("k", { kind: "plug_motor", joint: 5 });
    expect(await idsAt(r, "k", 1_000_000)).toEqual([]);
    expect(await idsAt(r, "k", 57_600)).toEqual([{ id: 1, model: "xl330-m288" }]);

    const s = setup("k", arm, optionsFor("koch_follower", DXL_BAUDS));
    for (let step = 0; step < 6; step++) {
      const joint = 5 - step;
      await r.simulate("k", { kind: "unplug_motors" });
      await r.simulate("k", { kind: "plug_motor", joint });
      await s.setupCurrent();
      expect(s.snapshot.phase, s.snapshot.message).toBe(step < 5 ? "assigned" : "finished");
      expect(s.snapshot.done.at(-1)).toEqual({ name: arm.motors[joint]!.name, id: joint + 1, from: "id 1 @ 57600 baud" });
    }

    for (let joint = 0; joint < 6; joint++) await r.simulate("k", { kind: "plug_motor", joint });
    expect(await idsAt(r, "k", 57_600)).toEqual([]);
    expect(await idsAt(r, "k", 1_000_000)).toEqual([
      { id: 1, model: "xl430-w250" },
      { id: 2, model: "xl430-w250" },
      { id: 3, model: "xl330-m288" },
      { id: 4, model: "xl330-m288" },
      { id: 5, model: "xl330-m288" },
      { id: 6, model: "xl330-m288" },
    ]);
    const bauds = await r.syncRead("k", "Baud_Rate", [1, 2, 3, 4, 5, 6]);
    expect(bauds.map((b) => (b.ok ? b.value : undefined))).toEqual([3, 3, 3, 3, 3, 3]);
  }, 30_000);
});
