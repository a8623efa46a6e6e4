import { afterEach, describe, expect, it } from "vitest";
import { type CalibrationTable, HALF_TURN, MAX_RAW } from "../core/calibration.ts";
import { ManualClock } from "../core/clock.ts";
import { ARMS, type ArmId } from "../core/robots.ts";
import type { RigEvent } from "../hardware/index.ts";
import { RigService } from "../hardware/rig/RigService.ts";
import type { SimConnectOptions } from "../hardware/rig/types.ts";
import { JOINT_STOPS, SimHand } from "../hardware/sim/SimHand.ts";
import { readAll, readCalibrationFromMotors } from "./armRegisters.ts";
import { type CalibrationPhase, CalibrationSession } from "./CalibrationSession.ts";

/**
 * lerobot's calibration procedure (servo-protocols.md §2.4, §4.3) run by CalibrationSession
 * on a real in-process RigService with simulated arms moved "by hand", all on a manual clock
 * (the rig, its wire and the session's live polling): "600 ms" is 600 ms of that clock.
 */

const FE = ARMS.so101_follower;
const KOCH = ARMS.koch_follower;
const IDS = [1, 2, 3, 4, 5, 6] as const;

let rig: RigService | undefined;
let raw: RigService | undefined;
let clock = new ManualClock(0);
let events: RigEvent[] = [];
const keys = new Set<string>();
const sessions: CalibrationSession[] = [];

async function connect(key: string, arm: ArmId, options: SimConnectOptions = {}): Promise<RigService> {
  if (!rig) {
    events = [];
    clock = new ManualClock(0);
    raw = new RigService("main", (e) => events.push(e), clock);
    rig = clock.driven(raw);
  }
  await rig.connectSim(key, arm, options);
  keys.add(key);
  return rig;
}

function session(_r: RigService, key: string, arm = FE, previous?: CalibrationTable): CalibrationSession {
  // The session talks to the rig itself (not through the driven proxy); the test drives its calls.
  const s = new CalibrationSession(raw!, key, arm, previous, 50, clock);
  sessions.push(s);
  return clock.driven(s);
}

afterEach(async () => {
  for (const s of sessions.splice(0)) s.dispose();
  if (rig) for (const k of keys) await rig.disconnect(k);
  keys.clear();
  rig = undefined;
  raw = undefined;
});

/** The rig itself (not the driven proxy), for a session built by hand. */
const rawRig = (): RigService => raw!;

/** Lets `ms` of the rig's clock pass (the hand moves, the session polls). */
const sleep = (ms: number) => clock.advance(ms);

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = clock.now() + timeoutMs;
  while (!(await cond())) {
    if (clock.now() > end) throw new Error(`timed out waiting for ${what}`);
    await clock.advance(20);
  }
}

/** Wait until the simulated hand finished its "middle" move (a no-op fault command reports state). */
async function handSettled(r: RigService, key: string): Promise<void> {
  await waitFor(async () => (await r.simulate(key, { kind: "faults", faults: {} })).settled, 3_000, "the hand to settle");
}

async function readEvery(r: RigService, key: string, register: string): Promise<number[]> {
  const readings = await r.syncRead(key, register, IDS);
  return readings.map((x) => {
    if (!x.ok) throw new Error(`motor ${x.id} ${register}: ${x.error.message}`);
    return x.value;
  });
}

/** The offsets a calibrated twin of the arm holds: the simulated servos' mount, as the sim defines it. */
async function mountOffsets(r: RigService, arm: ArmId): Promise<number[]> {
  const key = `twin-${arm}`;
  await connect(key, arm);
  const cal = await readCalibrationFromMotors(r, key, ARMS[arm]);
  await r.disconnect(key);
  keys.delete(key);
  return ARMS[arm].motors.map((m) => cal[m.name]!.homing_offset);
}

function trackPhases(s: CalibrationSession): CalibrationPhase[] {
  const phases: CalibrationPhase[] = [s.snapshot.phase];
  s.subscribe((snap) => {
    if (phases.at(-1) !== snap.phase) phases.push(snap.phase);
  });
  return phases;
}

function rawPositions(s: CalibrationSession): number[] {
  return s.snapshot.joints.map((j) => {
    if (j.position === undefined) throw new Error(`${j.name} has no live position`);
    return j.position;
  });
}

describe("CalibrationSession — SO-101 follower (Feetech), full flow", () => {
  it("begin → middle → setMiddle → sweep → finishSweep → save, as lerobot's calibrate()", async () => {
    const r = await connect("fe", "so101_follower", { calibrated: false });
    const expectedOffsets = await mountOffsets(r, "so101_follower");
    expect(await readEvery(r, "fe", "Homing_Offset")).toEqual([0, 0, 0, 0, 0, 0]);
    // Torque on beforehand, so "begin takes torque off" is observable.
    await r.syncWrite(
      "fe",
      "Torque_Enable",
      IDS.map((id) => [id, 1] as const),
    );
    await r.syncWrite(
      "fe",
      "Operating_Mode",
      IDS.map((id) => [id, 1] as const),
    );
    expect(await readEvery(r, "fe", "Torque_Enable")).toEqual([1, 1, 1, 1, 1, 1]);

    const s = session(r, "fe");
    const phases = trackPhases(s);
    await s.begin();
    expect(s.snapshot.phase).toBe("middle");
    expect(await readEvery(r, "fe", "Torque_Enable")).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await readEvery(r, "fe", "Lock")).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await readEvery(r, "fe", "Operating_Mode")).toEqual([0, 0, 0, 0, 0, 0]);

    // Move the joints away by hand, then to the middle pose; the live view follows.
    await r.simulate("fe", { kind: "hand", mode: "sweep" });
    await sleep(600);
    await r.simulate("fe", { kind: "hand", mode: "middle" });
    await sleep(200);
    const away = rawPositions(s);
    await handSettled(r, "fe");
    await sleep(150); // a few live polls at rest
    const middleRaw = rawPositions(s);
    // Uncalibrated motors read the raw horn position: offset 0, so raw = mount = 2047 + offset.
    expect(middleRaw.map((p, i) => p - HALF_TURN - expectedOffsets[i]!).every((d) => Math.abs(d) <= 2)).toBe(true);
    expect(away.some((p, i) => Math.abs(p - middleRaw[i]!) > 100)).toBe(true);

    await s.setMiddle();
    expect(s.snapshot.phase).toBe("sweep");
    const present = await readEvery(r, "fe", "Present_Position");
    for (const p of present) expect(Math.abs(p - HALF_TURN)).toBeLessThanOrEqual(2);
    const offsets = await readEvery(r, "fe", "Homing_Offset");
    // Feetech: Present = Actual − Offset ⇒ offset = pos − 2047.
    expect(offsets).toEqual(middleRaw.map((p) => p - HALF_TURN));
    expect(offsets).toEqual(expectedOffsets);
    // reset_calibration opened the limits.
    expect(await readEvery(r, "fe", "Min_Position_Limit")).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await readEvery(r, "fe", "Max_Position_Limit")).toEqual([MAX_RAW, MAX_RAW, MAX_RAW, MAX_RAW, MAX_RAW, MAX_RAW]);

    await r.simulate("fe", { kind: "hand", mode: "sweep" });
    await sleep(SimHand.SWEEP_MS + 300);
    s.finishSweep();
    expect(s.snapshot.phase).toBe("review");
    expect(s.snapshot.issues).toEqual([]);
    for (const [i, m] of FE.motors.entries()) {
      const j = s.snapshot.joints[i]!;
      expect(j.name).toBe(m.name);
      expect(j.fullTurn).toBe(m.name === "wrist_roll");
      if (j.fullTurn) continue;
      expect(j.min).toBeDefined();
      expect(j.max).toBeDefined();
      const [min, max] = [j.min!, j.max!];
      expect(min).toBeLessThanOrEqual(HALF_TURN);
      expect(max).toBeGreaterThanOrEqual(HALF_TURN);
      expect(max - min).toBeGreaterThan(1000);
      // The hand reaches 97 % of each mechanical stop.
      const [lo, hi] = JOINT_STOPS[i]!;
      expect(Math.abs(min - (HALF_TURN + lo * 0.97))).toBeLessThan(40);
      expect(Math.abs(max - (HALF_TURN + hi * 0.97))).toBeLessThan(40);
      expect(j.firstMove).toBe(1);
    }

    const table = await s.save();
    expect(s.snapshot.phase).toBe("saved");
    expect(s.snapshot.result).toEqual(table);
    expect(Object.keys(table)).toEqual(FE.motors.map((m) => m.name));
    expect(table["wrist_roll"]).toMatchObject({ id: 5, range_min: 0, range_max: MAX_RAW });
    for (const [i, m] of FE.motors.entries()) {
      const c = table[m.name]!;
      expect(c.id).toBe(m.id);
      expect(c.drive_mode).toBe(0);
      expect(c.homing_offset).toBe(expectedOffsets[i]);
      if (!m.fullTurn) {
        expect(c.range_min).toBe(s.snapshot.joints[i]!.min);
        expect(c.range_max).toBe(s.snapshot.joints[i]!.max);
      }
    }
    expect(await readCalibrationFromMotors(r, "fe", FE)).toEqual(table);
    expect(phases).toEqual(["ready", "preparing", "middle", "homing", "sweep", "review", "saving", "saved"]);
    // Torque was never taken.
    expect(await readEvery(r, "fe", "Torque_Enable")).toEqual([0, 0, 0, 0, 0, 0]);
  }, 20_000);
});

describe("CalibrationSession — Koch follower (Dynamixel), setMiddle", () => {
  it("writes Dynamixel-signed half-turn offsets (2047 − pos): every motor reads 2047 after", async () => {
    const r = await connect("koch", "koch_follower", { calibrated: false });
    const expectedOffsets = await mountOffsets(r, "koch_follower");
    const s = session(r, "koch", KOCH);
    await s.begin();
    expect(await readEvery(r, "koch", "Torque_Enable")).toEqual([0, 0, 0, 0, 0, 0]);
    // lerobot calibrates Koch in extended position mode (4) on every motor.
    expect(await readEvery(r, "koch", "Operating_Mode")).toEqual([4, 4, 4, 4, 4, 4]);

    await r.simulate("koch", { kind: "hand", mode: "middle" });
    await handSettled(r, "koch");
    await sleep(150);
    const middleRaw = rawPositions(s);

    await s.setMiddle();
    expect(s.snapshot.phase).toBe("sweep");
    const present = await readEvery(r, "koch", "Present_Position");
    for (const p of present) expect(Math.abs(p - HALF_TURN)).toBeLessThanOrEqual(2);
    const offsets = await readEvery(r, "koch", "Homing_Offset");
    // Dynamixel: Present = Actual + Offset ⇒ offset = 2047 − pos.
    expect(offsets).toEqual(middleRaw.map((p) => HALF_TURN - p));
    expect(offsets).toEqual(expectedOffsets);
    expect(await readEvery(r, "koch", "Drive_Mode")).toEqual([0, 0, 0, 0, 0, 0]);

    await s.cancel();
    expect(s.snapshot.phase).toBe("cancelled");
  }, 20_000);
});

describe("CalibrationSession — failures and cancel", () => {
  it("unplugging during the sweep fails the session, says the previous calibration is kept; cancel after re-plugging restores it", async () => {
    const r = await connect("fe", "so101_follower");
    const previous = await readCalibrationFromMotors(r, "fe", FE);
    const s = session(r, "fe", FE, previous);
    await s.begin();
    await s.setMiddle();
    expect(s.snapshot.phase).toBe("sweep");
    await r.simulate("fe", { kind: "hand", mode: "sweep" });
    await sleep(300);

    await r.simulate("fe", { kind: "unplug" });
    await waitFor(() => s.snapshot.phase === "failed", 3_000, "the session to fail");
    expect(s.snapshot.error).toMatch(/^Calibration stopped: /);
    expect(s.snapshot.error).toMatch(/previous calibration is kept/);
    expect(s.snapshot.result).toBeUndefined();
    expect(events).toContainEqual(expect.objectContaining({ kind: "lost", key: "fe" }));
    await expect(s.save()).rejects.toThrow(/while failed/);

    await r.simulate("fe", { kind: "plug" });
    expect(events).toContainEqual({ kind: "reconnected", key: "fe" });
    // The half-turn reset left the motors with open limits: not the previous calibration.
    const now = await readCalibrationFromMotors(r, "fe", FE);
    expect(now["shoulder_pan"]?.range_min).toBe(0);
    expect(now).not.toEqual(previous);

    await s.cancel();
    expect(s.snapshot.phase).toBe("cancelled");
    expect(await readCalibrationFromMotors(r, "fe", FE)).toEqual(previous);
  }, 20_000);

  it("unplugging while setMiddle writes: failed, previous calibration kept (written back when reconnected)", async () => {
    const r = await connect("fe", "so101_follower");
    const previous = await readCalibrationFromMotors(r, "fe", FE);
    const s = session(r, "fe", FE, previous);
    await s.begin();
    const pending = s.setMiddle();
    await r.simulate("fe", { kind: "unplug" });
    await pending; // guard turns the failure into a snapshot, not a rejection
    expect(s.snapshot.phase).toBe("failed");
    expect(s.snapshot.error).toMatch(/previous calibration is kept and will be written back/);
  }, 20_000);

  it("without a previous calibration, a failure says nothing was saved", async () => {
    const r = await connect("fe", "so101_follower", { calibrated: false });
    const s = session(r, "fe");
    await s.begin();
    const pending = s.setMiddle();
    await r.simulate("fe", { kind: "unplug" });
    await pending;
    expect(s.snapshot.phase).toBe("failed");
    expect(s.snapshot.error).toMatch(/Nothing was saved\./);
  }, 20_000);

  it("cancel() after begin writes the previous table back onto the motors", async () => {
    const r = await connect("fe", "so101_follower");
    const held = await readCalibrationFromMotors(r, "fe", FE);
    // A previous table that differs from what the motors hold, so the write-back is visible.
    const previous: CalibrationTable = Object.fromEntries(
      Object.entries(held).map(([name, c]) => [
        name,
        { ...c, homing_offset: c.homing_offset + 10, range_min: c.range_min + 5, range_max: c.range_max - 5 },
      ]),
    );
    const s = session(r, "fe", FE, previous);
    await s.begin();
    expect(await readCalibrationFromMotors(r, "fe", FE)).toEqual(held);
    await s.cancel();
    expect(s.snapshot.phase).toBe("cancelled");
    expect(await readCalibrationFromMotors(r, "fe", FE)).toEqual(previous);
    // A second cancel is a no-op.
    await s.cancel();
    expect(s.snapshot.phase).toBe("cancelled");
  }, 20_000);

  it("cancel() during the sweep restores the previous table after setMiddle reset the limits", async () => {
    const r = await connect("fe", "so101_follower");
    const previous = await readCalibrationFromMotors(r, "fe", FE);
    const s = session(r, "fe", FE, previous);
    await s.begin();
    await s.setMiddle();
    expect((await readAll(r, "fe", FE, "Max_Position_Limit")).get("gripper")).toBe(MAX_RAW);
    await s.cancel();
    expect(await readCalibrationFromMotors(r, "fe", FE)).toEqual(previous);
  }, 20_000);

  it("cancel() before begin touches nothing", async () => {
    const r = await connect("fe", "so101_follower");
    const held = await readCalibrationFromMotors(r, "fe", FE);
    const previous: CalibrationTable = Object.fromEntries(
      Object.entries(held).map(([name, c]) => [name, { ...c, range_min: c.range_min + 5 }]),
    );
    const s = session(r, "fe", FE, previous);
    await s.cancel();
    expect(s.snapshot.phase).toBe("cancelled");
    expect(await readCalibrationFromMotors(r, "fe", FE)).toEqual(held);
  }, 20_000);

  it("illegal calls throw and leave the session where it was", async () => {
    const r = await connect("fe", "so101_follower");
    const s = session(r, "fe");
    await expect(s.setMiddle()).rejects.toThrow(/Calibration cannot do that while ready \(expected middle\)/);
    await expect(s.save()).rejects.toThrow(/while ready \(expected review\)/);
    expect(() => s.finishSweep()).toThrow(/while ready \(expected sweep\)/);
    expect(() => s.resumeSweep()).toThrow(/while ready \(expected review\)/);
    expect(s.snapshot.phase).toBe("ready");

    await s.begin();
    await expect(s.begin()).rejects.toThrow(/while middle \(expected ready\)/);
    await expect(s.save()).rejects.toThrow(/while middle \(expected review\)/);
    expect(() => s.finishSweep()).toThrow(/while middle/);
    expect(s.snapshot.phase).toBe("middle");

    await s.setMiddle();
    await expect(s.save()).rejects.toThrow(/while sweep \(expected review\)/);
    await expect(s.setMiddle()).rejects.toThrow(/while sweep \(expected middle\)/);
    expect(s.snapshot.phase).toBe("sweep");

    s.finishSweep();
    // The arm never moved: the review explains it, and review ↔ sweep is allowed.
    expect(s.snapshot.issues.map((i) => i.kind)).toEqual(["never_moved", "never_moved", "never_moved", "never_moved", "never_moved"]);
    s.resumeSweep();
    expect(s.snapshot.phase).toBe("sweep");
    expect(s.snapshot.issues).toEqual([]);
    s.finishSweep();
    // Saving a joint with no range is refused: save rejects, the session fails, no table.
    await expect(s.save()).rejects.toThrow(/has no range of motion recorded/);
    expect(s.snapshot.phase).toBe("failed");
    expect(s.snapshot.result).toBeUndefined();
    expect(s.snapshot.error).toMatch(/has no range of motion recorded/);
  }, 20_000);
});

describe("CalibrationSession — cancel during a step", () => {
  for (const step of ["begin", "setMiddle"] as const) {
    it(`cancel while ${step} is writing: the step stops, the previous calibration is what the motors hold, nothing polls`, async () => {
      const r = await connect("fe", "so101_follower");
      const previous = await readCalibrationFromMotors(r, "fe", FE);
      const raw = new CalibrationSession(rawRig(), "fe", FE, previous, 50, clock);
      sessions.push(raw);
      if (step === "setMiddle") {
        await clock.drive(raw.begin());
        expect(raw.snapshot.phase).toBe("middle");
      }
      // Start the step and cancel it right away, before its writes have finished.
      const running = raw[step]();
      const cancelled = raw.cancel();
      expect(raw.snapshot.phase).toBe("cancelled");
      await clock.drive(Promise.all([running.catch(() => undefined), cancelled]));
      await clock.advance(500);
      expect(raw.snapshot.phase).toBe("cancelled");
      expect(await readCalibrationFromMotors(r, "fe", FE)).toEqual(previous);
      // No live polling after the cancel: the joints' shown positions stay as they were.
      const shown = raw.snapshot.joints.map((j) => j.position);
      await clock.advance(300);
      expect(raw.snapshot.joints.map((j) => j.position)).toEqual(shown);
    });
  }
});
