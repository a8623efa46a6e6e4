import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { SampleFrame } from "../core/LatestSample.ts";
import { ARMS } from "../core/robots.ts";
import { ControlLoop, DEFAULT_LOOP } from "./ControlLoop.ts";
import { drive, goalsOf, simRigArm } from "./testing/simRig.ts";

describe("hand-over to the leader (simulated SO-101, manual clock)", () => {
  it("drives the leader to the follower's pose within 2°, releases it, and the follower does not move meanwhile", async () => {
    const clock = new ManualClock(1000);
    const leader = await simRigArm(clock, ARMS.so101_leader, { scripted: false });
    const follower = await simRigArm(clock, ARMS.so101_follower, { scripted: false, seed: 2 });
    // The follower stands somewhere else than the leader (the policy moved it).
    follower.sim.servos[0]!.actual += (40 * 4096) / 360;
    follower.sim.servos[3]!.actual -= (25 * 4096) / 360;
    const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 }, { clock });
    await drive(clock, loop.start());
    loop.setSource("manual");
    await clock.advance(50);
    const frame = new SampleFrame(6);
    loop.sample.read(frame);
    const followerAt = Array.from(frame.follower);
    const writesBefore = follower.writes.length;
    const t0 = clock.now();
    loop.handOver();
    expect(loop.snapshot.source).toBe("manual");
    const done = await clock.until(() => loop.snapshot.handover?.phase === "released", 3000, 5);
    expect(done).toBe(true);
    const took = clock.now() - t0;
    expect(took).toBeLessThan(1000);
    loop.sample.read(frame);
    for (let j = 0; j < 6; j++) expect(Math.abs(frame.leader[j]! - frame.follower[j]!)).toBeLessThanOrEqual(2);
    for (let j = 0; j < 6; j++) expect(Math.abs(frame.follower[j]! - followerAt[j]!)).toBeLessThan(1);
    // The follower's goals stayed put during the hand-over; the leader's torque went on, then off.
    const pan = goalsOf(follower.writes.slice(writesBefore), 0);
    expect(Math.max(...pan) - Math.min(...pan)).toBeLessThanOrEqual(2);
    const torque = leader.writes.filter((w) => w.register === "Torque_Enable" && w.motor === 0).map((w) => w.value);
    expect(torque.slice(-2)).toEqual([1, 0]);
    expect(leader.sim.servos.every((s) => !s.torqueOn)).toBe(true);
    // The leader's goals moved smoothly: at most 180°/s × 10 ms per tick (+ rounding).
    const lpan = goalsOf(leader.writes, 0);
    for (let i = 1; i < lpan.length; i++) expect(Math.abs(lpan[i]! - lpan[i - 1]!)).toBeLessThanOrEqual((1.8 * 4096) / 360 + 2);
    // Correcting: the leader drives the follower, and the gate passes at once (no jump).
    loop.setSource("leader");
    await clock.advance(30);
    expect(loop.snapshot.state).toBe("tracking");
    await drive(clock, loop.stop());
  });

  it("a stop during the hand-over releases the leader", async () => {
    const clock = new ManualClock(1000);
    const leader = await simRigArm(clock, ARMS.so101_leader, { scripted: false });
    const follower = await simRigArm(clock, ARMS.so101_follower, { scripted: false, seed: 2 });
    follower.sim.servos[0]!.actual += (60 * 4096) / 360;
    const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 }, { clock });
    await drive(clock, loop.start());
    loop.handOver();
    await clock.advance(100);
    expect(leader.sim.servos[0]!.torqueOn).toBe(true);
    await drive(clock, loop.stop());
    await clock.advance(20);
    expect(leader.sim.servos.every((s) => !s.torqueOn)).toBe(true);
  });

  it("a leader this loop cannot write to is refused with a message", async () => {
    const clock = new ManualClock(1000);
    const leader = await simRigArm(clock, ARMS.so101_leader, { scripted: false });
    const follower = await simRigArm(clock, ARMS.so101_follower, { scripted: false, seed: 2 });
    const readOnly = { ...leader.arm, bus: { syncRead: leader.bus.syncRead.bind(leader.bus), onLost: leader.bus.onLost.bind(leader.bus) } };
    const loop = new ControlLoop(readOnly, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 }, { clock });
    await drive(clock, loop.start());
    expect(() => loop.handOver()).toThrow(/cannot be moved by the studio/);
    await drive(clock, loop.stop());
  });
});
