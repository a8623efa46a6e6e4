import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { SampleFrame } from "../core/LatestSample.ts";
import { ARMS } from "../core/robots.ts";
import { ControlLoop, DEFAULT_LOOP } from "./ControlLoop.ts";
import { drive, goalsOf, movingWrites, simRigArm } from "./testing/simRig.ts";

/** Every test runs on a manual clock: "3 s" below is 3 s of the loop's clock, however busy the machine is. */
async function rig(opts: { followerOffsetDeg?: number } = {}) {
  const clock = new ManualClock(1000);
  const leader = await simRigArm(clock, ARMS.so101_leader, { scripted: true });
  const follower = await simRigArm(clock, ARMS.so101_follower, { scripted: false, seed: 2 });
  if (opts.followerOffsetDeg) follower.sim.servos[0]!.actual += (opts.followerOffsetDeg * 4096) / 360;
  return { clock, leader, follower };
}

describe("ControlLoop on the simulated SO-101 (manual clock)", () => {
  it("gates, then the follower tracks the scripted leader", async () => {
    const { clock, leader, follower } = await rig();
    const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 }, { clock });
    const states: string[] = [];
    loop.subscribe((s) => {
      if (states.at(-1) !== s.state) states.push(s.state);
    });
    await drive(clock, loop.start());
    await clock.advance(3000);
    expect(loop.snapshot.state).toBe("tracking");
    expect(states.slice(0, 3)).toEqual(["starting", "gating", "tracking"]);
    const frame = new SampleFrame(6);
    expect(loop.sample.read(frame)).toBe(true);
    for (let i = 0; i < 5; i++) expect(Math.abs(frame.leader[i]! - frame.follower[i]!)).toBeLessThan(12);
    // Every sample is kept (the last 5 s) with its read time, one period apart; the period is published.
    expect(loop.sample.periodMs).toBe(10);
    const older = new SampleFrame(6);
    expect(loop.sample.readSeq(loop.sample.count - 100, older)).toBe(true);
    expect(frame.t - older.t).toBeCloseTo(1000, -1);
    expect(loop.sample.ended).toBeUndefined();
    // 3 s at 100 Hz on the loop's own clock: every deadline met.
    expect(loop.snapshot.ticks).toBeGreaterThanOrEqual(295);
    expect(loop.snapshot.overruns).toBe(0);
    await drive(clock, loop.stop());
    expect(loop.snapshot.state).toBe("stopped");
    expect(loop.sample.ended?.kind).toBe("stopped");
    expect(follower.sim.servos.every((s) => s.torqueOn)).toBe(true);
  });

  it("torque is read back with the health; torque lost mid-teleop stops the loop with a message and writes no more goals", async () => {
    const { clock, leader, follower } = await rig();
    const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 }, { clock });
    await drive(clock, loop.start());
    await clock.advance(1000);
    expect(loop.snapshot.state).toBe("tracking");
    expect(loop.snapshot.health.map((h) => h.torque)).toEqual([true, true, true, true, true, true]);
    // Something else turns the elbow's torque off (a register write, a motor protecting itself).
    const servo = follower.sim.servos[2]!;
    servo.write(40, new Uint8Array([0]), clock.now());
    expect(servo.torqueOn).toBe(false);
    await clock.advance(150);
    expect(loop.snapshot.state).toBe("fault");
    expect(loop.snapshot.reason).toMatch(/^SO-101 follower lost torque \(elbow_flex\): .* Teleoperation stopped/);
    const goals = follower.writes.filter((w) => w.register === "Goal_Position").length;
    await clock.advance(500);
    expect(follower.writes.filter((w) => w.register === "Goal_Position").length).toBe(goals);
  });

  it("start gate: a 400-step gap at 30 units/s closes in about (gap − gate)/rate, never faster", async () => {
    const { clock, leader, follower } = await rig();
    // Hold the leader still so the gap is known: 400 steps ≈ 35.2° on the shoulder pan.
    leader.sim.setHand("hold", clock.now());
    follower.sim.servos[0]!.actual += 400;
    const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, rateHz: 100, rampPerSecond: 30 }, { clock });
    await drive(clock, loop.start());
    const gateStart = clock.now();
    const tracked = await clock.until(() => loop.snapshot.state === "tracking", 5000, 10);
    expect(tracked).toBe(true);
    const took = (clock.now() - gateStart) / 1000;
    const gapDeg = (400 * 360) / 4096;
    const ideal = (gapDeg - DEFAULT_LOOP.gate) / 30;
    expect(took).toBeGreaterThan(ideal * 0.9);
    expect(took).toBeLessThan(ideal + 0.6); // was ~8 s with the per-tick ramp
    // Never faster than the ramp: goals on the pan move at most 30°/s × 10 ms per tick (+ rounding).
    const pan = goalsOf(follower.writes, 0);
    const perTick = (30 / 100) * (4096 / 360);
    for (let i = 2; i < pan.length - 1; i++) expect(Math.abs(pan[i]! - pan[i - 1]!)).toBeLessThanOrEqual(perTick + 1.01);
    await drive(clock, loop.estop());
    expect(loop.snapshot.state).toBe("estopped");
    await clock.advance(10);
    expect(follower.sim.servos.every((s) => !s.torqueOn)).toBe(true);
  });

  it("a stop while starting cancels the start: no goal and no torque-on reaches the follower after it", async () => {
    const { clock, leader, follower } = await rig();
    const loop = new ControlLoop(leader.arm, follower.arm, DEFAULT_LOOP, { clock });
    const started = loop.start();
    expect(loop.snapshot.state).toBe("starting"); // synchronously
    expect(loop.start()).toBe(started); // a second start is the same one
    const stopped = loop.stop();
    expect(loop.snapshot.state).toBe("stopped");
    const before = follower.writes.length;
    await drive(clock, Promise.all([started, stopped]));
    await clock.advance(500);
    expect(movingWrites(follower.writes.slice(before))).toEqual([]);
  });

  it("a stop while a tick is in flight: that tick writes nothing, and stop resolves after it", async () => {
    const { clock, leader, follower } = await rig();
    const loop = new ControlLoop(leader.arm, follower.arm, DEFAULT_LOOP, { clock });
    await drive(clock, loop.start());
    await clock.advance(200);
    // Stop exactly while a tick waits for the follower's reply, before its goal write.
    const read = follower.bus.syncReadBytes.bind(follower.bus);
    let stopped: Promise<void> | undefined;
    let at = NaN;
    follower.bus.syncReadBytes = (...args) => {
      const reply = read(...args);
      if (!stopped) {
        at = clock.now();
        stopped = loop.stop();
      }
      return reply;
    };
    await clock.advance(20);
    expect(stopped).toBeDefined();
    await drive(clock, stopped!);
    await clock.advance(1000);
    expect(follower.writes.filter((w) => w.at >= at && w.register === "Goal_Position")).toEqual([]);
  });

  it("an unplugged follower stops the loop within a tick and nothing is sent after", async () => {
    const { clock, leader, follower } = await rig();
    const loop = new ControlLoop(leader.arm, follower.arm, DEFAULT_LOOP, { clock });
    await drive(clock, loop.start());
    await clock.advance(500);
    follower.sim.wire.unplug();
    await clock.advance(15);
    expect(loop.snapshot.state).toBe("fault");
    expect(loop.snapshot.reason).toMatch(/disconnected/);
    // The recorder learns why the samples stopped: the take is cut there, labelled.
    expect(loop.sample.ended).toMatchObject({ kind: "disconnected", reason: loop.snapshot.reason });
    const sent = follower.writes.length;
    follower.sim.wire.plug();
    await clock.advance(300);
    expect(follower.writes.length).toBe(sent);
  });

  it("with 1% corrupt and 1% dropped replies the follower never moves more than the max step in a tick", async () => {
    const { clock, leader, follower } = await rig();
    for (const s of [leader, follower]) {
      s.sim.wire.faults.corruptRate = 0.01;
      s.sim.wire.faults.dropRate = 0.01;
    }
    const maxStepDeg = 3;
    const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, maxStep: maxStepDeg, watchdogMs: 500 }, { clock });
    await drive(clock, loop.start());
    const positions: number[][] = [];
    for (let t = 0; t < 3000; t += 10) {
      positions.push(follower.sim.servos.map((s) => s.presentFromActual(s.actual)));
      await clock.advance(10);
    }
    expect(loop.active).toBe(true);
    expect(loop.snapshot.missingReads).toBeGreaterThan(0);
    const capSteps = (maxStepDeg * 4095) / 360;
    for (let i = 1; i < positions.length; i++) {
      for (let j = 0; j < 5; j++) expect(Math.abs(positions[i]![j]! - positions[i - 1]![j]!)).toBeLessThanOrEqual(capSteps * 2 + 4);
    }
    await drive(clock, loop.stop());
  });

  it("reports motor health, warns when hot and stops before a motor overheats", async () => {
    const { clock, leader, follower } = await rig();
    const loop = new ControlLoop(leader.arm, follower.arm, DEFAULT_LOOP, { clock });
    await drive(clock, loop.start());
    await clock.advance(300);
    expect(loop.snapshot.health).toHaveLength(6);
    expect(loop.snapshot.health[0]!.voltageV).toBeCloseTo(7.4, 0);
    expect(loop.snapshot.warnings).toEqual([]);
    follower.sim.servos[2]!.temperatureC = 58;
    await clock.advance(50);
    expect(loop.snapshot.warnings).toContain("elbow_flex at 58 °C");
    follower.sim.servos[2]!.temperatureC = 66;
    await clock.advance(50);
    expect(loop.snapshot.state).toBe("fault");
    expect(loop.snapshot.reason).toMatch(/elbow_flex reached 66 °C/);
    expect(follower.sim.servos.every((s) => !s.torqueOn)).toBe(true);
  });

  it("the watchdog takes torque off when ticks stop completing", async () => {
    const { clock, leader, follower } = await rig();
    const loop = new ControlLoop(leader.arm, follower.arm, DEFAULT_LOOP, { clock });
    await drive(clock, loop.start());
    await clock.advance(100);
    // The leader's replies stop coming (but its port is not lost): reads hang until the bus times out… forever here.
    leader.bus.syncRead = () => new Promise(() => undefined);
    await clock.advance(DEFAULT_LOOP.watchdogMs + 100);
    expect(loop.snapshot.state).toBe("fault");
    expect(loop.snapshot.reason).toMatch(/stalled/);
    expect(follower.sim.servos.every((s) => !s.torqueOn)).toBe(true);
  });
});

describe("a follower alone", () => {
  it("needs no leader: manual targets drive it, held to the calibrated range", async () => {
    const clock = new ManualClock(1000);
    const follower = await simRigArm(clock, ARMS.so101_follower, { scripted: false });
    const loop = new ControlLoop(undefined, follower.arm, DEFAULT_LOOP, { clock });
    expect(loop.snapshot.source).toBe("manual");
    expect(() => loop.setSource("leader")).toThrow(/no leader/);
    await drive(clock, loop.start());
    await clock.advance(100);
    expect(loop.snapshot.state).toBe("tracking"); // targets start at its pose: nothing to gate
    // The pose manual targets started from is published (the page adopts it, never its own older reading).
    const from = loop.snapshot.manualFrom!;
    expect(from.epoch).toBe(1);
    const range = loop.ranges[1]!;
    expect(range.max).toBeGreaterThan(range.min);
    const frame = new SampleFrame(6);
    loop.sample.read(frame);
    const targets = Array.from(frame.follower);
    targets.forEach((v, i) => expect(Math.abs(v - from.targets[i]!)).toBeLessThan(1));
    targets[1] = range.max + 500; // far past the end of the joint
    loop.setTargets(targets);
    await clock.advance(2000);
    loop.sample.read(frame);
    expect(frame.command[1]).toBeCloseTo(range.max, 3);
    expect(Math.abs(frame.follower[1]! - range.max)).toBeLessThan(3);
    // At the range's end nothing is clipped any more: the target itself is in range.
    const clipped = loop.snapshot.clippedSteps;
    await clock.advance(500);
    expect(loop.snapshot.clippedSteps).toBe(clipped);
    await drive(clock, loop.stop());
  });

  it("plays a trajectory inside the loop: gate to its first row, then row by row at its fps, then hold", async () => {
    const clock = new ManualClock(1000);
    const follower = await simRigArm(clock, ARMS.so101_follower, { scripted: false });
    const loop = new ControlLoop(undefined, follower.arm, DEFAULT_LOOP, { clock });
    await drive(clock, loop.start());
    await clock.advance(50);
    const frame = new SampleFrame(6);
    loop.sample.read(frame);
    const rows = 60;
    const values = new Float32Array(rows * 6);
    for (let r = 0; r < rows; r++) for (let j = 0; j < 6; j++) values[r * 6 + j] = frame.follower[j]! + (j === 0 ? 20 + r * 0.2 : 0);
    loop.playTrajectory({ values, fps: 30, from: 0, to: rows });
    expect(loop.snapshot.trajectory?.phase).toBe("gating");
    expect(await clock.until(() => loop.snapshot.trajectory?.phase === "playing", 3000, 10)).toBe(true);
    const playStart = clock.now();
    expect(await clock.until(() => loop.snapshot.trajectory?.phase === "done", 5000, 10)).toBe(true);
    expect(clock.now() - playStart).toBeGreaterThan(1900); // 60 rows at 30 fps
    expect(clock.now() - playStart).toBeLessThan(2100);
    expect(loop.snapshot.trajectory?.row).toBe(rows - 1);
    await clock.advance(500);
    expect(loop.snapshot.trajectory!.followError).toBeLessThan(2);
    await drive(clock, loop.stop());
  });
});
