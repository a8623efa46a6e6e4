import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { SampleFrame } from "../core/LatestSample.ts";
import { ARMS } from "../core/robots.ts";
import { FakePolicyClient } from "../hardware/policy/FakePolicyClient.ts";
import { ControlLoop, DEFAULT_LOOP } from "./ControlLoop.ts";
import { type RolloutPhase, RolloutSession, type RolloutTeleop } from "./RolloutSession.ts";
import type { TeleopStatus } from "./TeleopService.ts";
import { loopRunner } from "./testing/loopPolicy.ts";
import { drive, simRigArm } from "./testing/simRig.ts";

async function setup() {
  const clock = new ManualClock(1000);
  const leader = await simRigArm(clock, ARMS.so101_leader, { scripted: false });
  const follower = await simRigArm(clock, ARMS.so101_follower, { scripted: false, seed: 2 });
  const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 }, { clock });
  await drive(clock, loop.start());
  await clock.advance(50);
  const status = () => loop.snapshot as unknown as TeleopStatus;
  const teleop: RolloutTeleop = {
    get snapshot() {
      return { status: status() };
    },
    subscribe: (fn) => loop.subscribe(() => fn({ status: status() })),
    handOver: async () => loop.handOver(),
    setSource: async (s) => loop.setSource(s),
  };
  const runner = loopRunner(loop, clock, () => new FakePolicyClient());
  const session = new RolloutSession(clock, teleop);
  const phases: RolloutPhase[] = [];
  session.subscribe((s) => {
    if (phases.at(-1) !== s.phase) phases.push(s.phase);
  });
  return { clock, loop, leader, runner, session, phases };
}

describe("RolloutSession: AUTONOMOUS → PAUSED → CORRECTING → AUTONOMOUS (simulated SO-101, manual clock)", () => {
  it("pauses, hands the leader over, corrects from the leader, hands back, and keeps the timeline", async () => {
    const { clock, loop, leader, runner, session, phases } = await setup();
    await drive(clock, session.start(runner));
    await clock.advance(1500);
    expect(session.snapshot.phase).toBe("autonomous");
    expect(loop.snapshot.source).toBe("policy");
    session.interject("go left");
    expect(session.snapshot.prompt).toBe("go left");
    await clock.advance(500);
    const pausedAt = clock.now();
    session.toggle(); // space
    expect(session.snapshot.phase).toBe("paused");
    await clock.until(() => session.snapshot.phase === "correcting", 2000, 5);
    expect(session.snapshot.phase).toBe("correcting");
    expect(clock.now() - pausedAt).toBeLessThan(1000);
    expect(loop.snapshot.source).toBe("leader");
    expect(leader.sim.servos.every((s) => !s.torqueOn)).toBe(true);
    // The person moves the leader (a slow 20° turn of the pan): the follower follows it.
    const frame = new SampleFrame(6);
    loop.sample.read(frame);
    const panBefore = frame.follower[0]!;
    for (let i = 0; i < 20; i++) {
      leader.sim.servos[0]!.actual += (1 * 4096) / 360;
      await clock.advance(50);
    }
    await clock.advance(300);
    expect(loop.snapshot.state).toBe("tracking");
    loop.sample.read(frame);
    expect(frame.follower[0]! - panBefore).toBeGreaterThan(15);
    const resumedAt = clock.now();
    session.toggle();
    await clock.advance(1200);
    expect(session.snapshot.phase).toBe("autonomous");
    expect(loop.snapshot.source).toBe("policy");
    session.stop();
    await clock.advance(20);
    expect(loop.snapshot.source).toBe("manual");
    expect(phases).toEqual(["idle", "starting", "autonomous", "paused", "correcting", "autonomous", "stopped"].slice(1));
    const t = session.snapshot.timeline;
    expect(t.interventions).toEqual([{ startMs: pausedAt, endMs: resumedAt }]);
    expect(t.interjections.map((j) => j.text)).toEqual(["go left"]);
    await drive(clock, loop.stop());
  });

  it("a policy that holds (bad output) can be taken over with the same key", async () => {
    const { clock, loop, session } = await setup();
    const bad = loopRunner(loop, clock, () => new FakePolicyClient("nan"));
    await drive(clock, session.start(bad));
    await clock.advance(200);
    expect(session.snapshot.phase).toBe("held");
    expect(session.snapshot.message).toMatch(/actions\[2\]\[1\] \(shoulder_lift\) is NaN/);
    session.toggle();
    await clock.until(() => session.snapshot.phase === "correcting", 2000, 5);
    expect(session.snapshot.phase).toBe("correcting");
    session.stop();
    await drive(clock, loop.stop());
  });
});
