import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { SampleFrame } from "../core/LatestSample.ts";
import { REFERENCE_WRIST_ERROR_DEG } from "../core/referencePolicy.ts";
import { ARMS } from "../core/robots.ts";
import { FakePolicyClient, type FakePolicyFault } from "../hardware/policy/FakePolicyClient.ts";
import { ControlLoop, DEFAULT_LOOP } from "./ControlLoop.ts";
import { loopRunner } from "./testing/loopPolicy.ts";
import { drive, goalsOf, simRigArm } from "./testing/simRig.ts";

/** A follower alone on the simulated rig, a loop at 100 Hz, and a runner feeding it from the fake policy (manual clock). */
async function rollout(fault?: FakePolicyFault, prompt = "reach") {
  const clock = new ManualClock(1000);
  const follower = await simRigArm(clock, ARMS.so101_follower, { scripted: false, seed: 2 });
  const loop = new ControlLoop(undefined, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 }, { clock });
  await drive(clock, loop.start());
  await clock.advance(50);
  const frame = new SampleFrame(6);
  const clients: FakePolicyClient[] = [];
  const played: number[] = [];
  const connect = () => {
    const c = new FakePolicyClient(fault);
    clients.push(c);
    return c;
  };
  const runner = loopRunner(loop, clock, connect, prompt, {
    sink: {
      playChunk: async (c) => {
        played.push(clock.now());
        loop.playChunk(c);
        await Promise.resolve();
      },
      hold: async () => {
        loop.setSource("manual");
        await Promise.resolve();
      },
    },
  });
  const pose = () => (loop.sample.read(frame), Array.from(frame.follower));
  return { clock, follower, loop, runner, clients, played, pose };
}

describe("PolicyRunner on the control loop (simulated follower, manual clock)", () => {
  it("plays chunks at the loop's rate, asking for the next before the current runs out", async () => {
    const { clock, loop, runner, played, pose } = await rollout();
    await drive(clock, runner.start());
    let starvedTicks = 0;
    loop.subscribe((s) => {
      if (s.source === "policy" && s.policy?.starved) starvedTicks++;
    });
    await clock.advance(4000);
    expect(runner.snapshot.message).toBeUndefined();
    expect(runner.snapshot.state).toBe("running");
    expect(loop.snapshot.source).toBe("policy");
    // 1 s chunks (30 actions at 30/s) for 4 s: about four of them, and the loop never ran dry.
    expect(runner.snapshot.chunks).toBeGreaterThanOrEqual(4);
    expect(starvedTicks).toBe(0);
    for (let i = 1; i < played.length; i++) expect(played[i]! - played[i - 1]!).toBeLessThan(1000);
    // The reference goal: the wrist overshoots by the deliberate error.
    expect(pose()[3]!).toBeGreaterThan(REFERENCE_WRIST_ERROR_DEG);
    runner.stop();
    expect(runner.snapshot.state).toBe("stopped");
    await clock.advance(50);
    expect(loop.snapshot.source).toBe("manual");
  });

  it("an interjection changes the prompt at once: the next request goes out now with it", async () => {
    const { clock, runner, clients, pose } = await rollout(undefined, "go left");
    await drive(clock, runner.start());
    await clock.advance(1500);
    const sent = clients[0]!.observations.length;
    runner.setPrompt("now go right");
    await clock.advance(20);
    expect(clients[0]!.observations.length).toBe(sent + 1);
    expect(clients[0]!.observations.at(-1)!["prompt"]).toBe("now go right");
    await clock.advance(3000);
    expect(pose()[0]!).toBeLessThan(0);
    runner.stop();
  });

  it.each<[FakePolicyFault, RegExp]>([
    ["nan", /actions\[2\]\[1\] \(shoulder_lift\) is NaN/],
    ["jump", /actions\[0\]\[0\] \(shoulder_pan\) jumps 90\.0/],
    ["stall", /has not answered for 2\.0 s/],
    ["close", /closed the connection/],
    ["error", /failed/],
  ])("fault %s: the runner holds with a message, and the follower holds where it is", async (fault, message) => {
    const { clock, loop, runner, follower, pose } = await rollout(fault);
    const before = pose();
    await drive(clock, runner.start());
    await clock.advance(2500);
    expect(runner.snapshot.state).toBe("held");
    expect(runner.snapshot.message).toMatch(message);
    expect(loop.snapshot.source).toBe("manual");
    const held = pose();
    const writesBefore = follower.writes.length;
    await clock.advance(500);
    for (let j = 0; j < 6; j++) expect(Math.abs(pose()[j]! - held[j]!)).toBeLessThan(1);
    for (let j = 0; j < 6; j++) expect(Math.abs(held[j]! - before[j]!)).toBeLessThan(2);
    // Still driving (holding), and no goal beyond one max step from where it was.
    expect(follower.writes.length).toBeGreaterThan(writesBefore);
    const pan = goalsOf(follower.writes, 0);
    for (let i = 1; i < pan.length; i++)
      expect(Math.abs(pan[i]! - pan[i - 1]!)).toBeLessThanOrEqual((DEFAULT_LOOP.maxStep as number) * (4096 / 360) + 1);
  });

  it("resume after a hold reconnects and acts again", async () => {
    const { clock, runner, clients } = await rollout("close");
    await drive(clock, runner.start());
    await clock.advance(100);
    expect(runner.snapshot.state).toBe("held");
    // The factory makes a new client with the same fault: this one answers.
    const resumed = runner.resume();
    clients.at(-1)!.fault = undefined;
    await drive(clock, resumed);
    await clock.advance(1200);
    expect(clients.length).toBe(2);
    expect(runner.snapshot.state).toBe("running");
    expect(runner.snapshot.chunks).toBeGreaterThan(0);
    runner.stop();
  });
});
