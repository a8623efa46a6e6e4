/**
 * LeaderReader: the operator's leader read at a fixed rate (the simulated SO-101 leader on a
 * manual clock), and its lifecycle against reads that return late.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { ARMS } from "../core/robots.ts";
import type { MotorReading } from "../hardware/MotorBus.ts";
import { LeaderReader } from "./LeaderReader.ts";
import type { LeaderArm } from "./loopTypes.ts";
import { simRigArm } from "./testing/simRig.ts";

/** The simulated leader's bus, with its replies held until the test releases them. */
async function heldLeader(clock: ManualClock) {
  const rig = await simRigArm(clock, ARMS.so101_leader, { scripted: true });
  const held: (() => void)[] = [];
  let lost: (() => void) | undefined;
  let hold = false;
  const arm: LeaderArm = {
    ...rig.arm,
    bus: {
      syncRead: async (reg, ids) => {
        const r = await rig.bus.syncRead(reg, ids);
        if (!hold) return r;
        return new Promise<MotorReading[]>((resolve) => held.push(() => resolve(r)));
      },
      onLost: (fn) => {
        lost = fn;
        return () => (lost = undefined);
      },
    },
  };
  return { arm, held, setHold: (h: boolean) => (hold = h), lose: () => lost?.() };
}

describe("LeaderReader", () => {
  it("reads the moving leader at its rate, in normalised units and the arm's joint order", async () => {
    const clock = new ManualClock(0);
    const { arm } = await heldLeader(clock);
    const got: { at: number; v: number[] }[] = [];
    const r = new LeaderReader(arm, clock, 50, { joints: (v, at) => got.push({ at, v: [...v] }), failed: () => undefined });
    expect(r.joints).toEqual(ARMS.so101_leader.motors.map((m) => m.name));
    r.start();
    await clock.advance(2000);
    r.stop();
    expect(got.length).toBeGreaterThanOrEqual(95);
    expect(got.length).toBeLessThanOrEqual(100);
    expect(got.every((g) => g.v.length === 6 && g.v.every(Number.isFinite))).toBe(true);
    // The scripted leader moves: the readings are not one pose repeated.
    const pans = got.map((g) => g.v[0]!);
    expect(Math.max(...pans) - Math.min(...pans)).toBeGreaterThan(1);
  });

  it("a second start is the same run; a read pending at the next period is skipped, not doubled", async () => {
    const clock = new ManualClock(0);
    const leader = await heldLeader(clock);
    let readings = 0;
    const r = new LeaderReader(leader.arm, clock, 50, { joints: () => readings++, failed: () => undefined });
    leader.setHold(true);
    r.start();
    r.start();
    await clock.advance(100); // five periods, the first read never returns
    expect(leader.held.length).toBe(1);
    expect(r.stats().skipped).toBe(4);
    leader.setHold(false);
    leader.held.shift()!();
    await clock.advance(21);
    expect(readings).toBe(2);
    r.stop();
  });

  it("a read that returns after stop is never delivered, and a restart starts clean", async () => {
    const clock = new ManualClock(0);
    const leader = await heldLeader(clock);
    let readings = 0;
    const r = new LeaderReader(leader.arm, clock, 50, { joints: () => readings++, failed: () => undefined });
    leader.setHold(true);
    r.start();
    await clock.advance(25);
    r.stop();
    leader.held.shift()!();
    await clock.advance(100);
    expect(readings).toBe(0);
    leader.setHold(false);
    r.start();
    await clock.advance(45);
    expect(readings).toBe(2);
    r.stop();
  });

  it("a lost leader ends the run with the reason; nothing is read after", async () => {
    const clock = new ManualClock(0);
    const leader = await heldLeader(clock);
    const failures: string[] = [];
    let readings = 0;
    const r = new LeaderReader(leader.arm, clock, 50, { joints: () => readings++, failed: (m) => failures.push(m) });
    r.start();
    await clock.advance(100);
    const before = readings;
    leader.lose();
    await clock.advance(200);
    expect(failures).toEqual([`${ARMS.so101_leader.label} was disconnected`]);
    expect(r.active).toBe(false);
    expect(readings).toBe(before);
  });
});
