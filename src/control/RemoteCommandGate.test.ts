import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { CommandInbox } from "../core/CommandInbox.ts";
import { SampleFrame } from "../core/LatestSample.ts";
import { ARMS } from "../core/robots.ts";
import { ControlLoop, DEFAULT_LOOP } from "./ControlLoop.ts";
import { RemoteCommandGate, type RemoteGateOptions } from "./RemoteCommandGate.ts";
import { drive, simRigArm } from "./testing/simRig.ts";

const OPTS: RemoteGateOptions = { maxAgeMs: 200, watchdogMs: 500, onLinkLoss: "hold" };
const cmd = (seq: number, sentAt: number, v = seq) => ({ seq, sentAt, joints: [v, v, v] });

describe("RemoteCommandGate", () => {
  it("keeps only the newest fresh command: stale and out-of-sequence ones are dropped and counted, never queued", () => {
    const gate = new RemoteCommandGate(3, OPTS);
    const out = new Float64Array(3);
    expect(gate.offer(cmd(1, 0), 10)).toBe("accepted");
    expect(gate.offer(cmd(3, 5), 12)).toBe("accepted");
    expect(gate.offer(cmd(2, 4), 13)).toBe("out-of-order"); // arrived after 3: dropped
    expect(gate.offer(cmd(3, 5), 14)).toBe("out-of-order"); // a duplicate
    expect(gate.offer(cmd(4, 0), 250)).toBe("stale"); // 250 ms old on arrival
    expect(gate.target(20, out)).toBe("track");
    expect(Array.from(out)).toEqual([3, 3, 3]);
    expect(gate.stats()).toMatchObject({ accepted: 2, droppedStale: 1, droppedOutOfOrder: 2, applied: 1, appliedSeq: 3, staleApplied: 0 });
  });

  it("from a shared inbox: commands written while the loop's thread was busy are offered at their arrival and applied at the next tick", () => {
    const buffer = new ArrayBuffer(CommandInbox.bytes);
    const page = new CommandInbox(buffer);
    const origin = 1_000_000; // the loop clock's origin, epoch ms
    const gate = new RemoteCommandGate(3, OPTS, { inbox: new CommandInbox(buffer), timeOrigin: origin });
    const out = new Float64Array(3);
    const write = (seq: number, sentAt: number, arrivedAt: number) =>
      page.write({ seq, sentAtEpochMs: origin + sentAt, arrivedAtEpochMs: origin + arrivedAt, joints: [seq, seq, seq] });
    // No message, no event-loop turn in between: written, then the tick.
    write(1, 0, 2);
    write(3, 4, 6);
    write(2, 3, 7); // arrived after 3: out of sequence
    write(4, 0, 240); // 240 ms old when it arrived: stale, although the tick reads it only later
    expect(gate.target(9, out)).toBe("track");
    expect(Array.from(out)).toEqual([3, 3, 3]);
    expect(gate.stats()).toMatchObject({
      accepted: 2,
      droppedStale: 1,
      droppedOutOfOrder: 1,
      applied: 1,
      appliedSeq: 3,
      ageP50Ms: 5,
      waitP50Ms: 3,
    });
    // Long after the last fresh arrival: hold.
    expect(gate.target(6 + OPTS.watchdogMs + 1, out)).toBe("hold");
    // A new operator: what the last one left in the inbox is not offered.
    write(5, 600, 601);
    gate.reset();
    expect(gate.target(602, out)).toBe("hold");
    expect(gate.stats()).toMatchObject({ accepted: 2, overwritten: 0 });
  });

  it("a command that grew older than the limit is not applied: hold", () => {
    const gate = new RemoteCommandGate(3, OPTS);
    const out = new Float64Array(3);
    gate.offer(cmd(1, 0), 50);
    expect(gate.target(199, out)).toBe("track");
    expect(gate.target(201, out)).toBe("hold");
    expect(gate.stats()).toMatchObject({ holding: true, holds: 1, holdSince: 201 });
  });

  it("watchdog: no fresh command for watchdogMs → hold, or torque off per setting (once something was applied)", () => {
    const hold = new RemoteCommandGate(3, { ...OPTS, maxAgeMs: 10_000 });
    const off = new RemoteCommandGate(3, { ...OPTS, maxAgeMs: 10_000, onLinkLoss: "torque-off" });
    const out = new Float64Array(3);
    expect(off.target(0, out)).toBe("hold"); // nothing applied yet: hold, never drop the arm at connect
    for (const g of [hold, off]) {
      g.offer(cmd(1, 0), 0);
      expect(g.target(500, out)).toBe("track");
    }
    expect(hold.target(501, out)).toBe("hold");
    expect(off.target(501, out)).toBe("torque-off");
  });

  it("a new operator (reset) starts sequence numbers again", () => {
    const gate = new RemoteCommandGate(3, OPTS);
    gate.offer(cmd(100, 0), 0);
    gate.reset();
    expect(gate.offer(cmd(0, 10), 10)).toBe("accepted");
  });

  it("property: whatever the arrival order, delays and ticks, no applied command is superseded or older than the limit", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ delay: fc.integer({ min: 0, max: 400 }), gap: fc.integer({ min: 0, max: 30 }) }), {
          minLength: 1,
          maxLength: 80,
        }),
        fc.integer({ min: 1, max: 20 }),
        (sends, tickMs) => {
          const gate = new RemoteCommandGate(3, OPTS);
          const events: { at: number; seq: number; sentAt: number }[] = [];
          let t = 0;
          sends.forEach((s, seq) => {
            t += s.gap;
            events.push({ at: t + s.delay, seq, sentAt: t });
          });
          events.sort((a, b) => a.at - b.at);
          const out = new Float64Array(3);
          let lastApplied = -1;
          let i = 0;
          for (let now = 0; now <= t + 1000; now += tickMs) {
            while (i < events.length && events[i]!.at <= now) {
              const e = events[i++]!;
              gate.offer(cmd(e.seq, e.sentAt), e.at);
            }
            if (gate.target(now, out) === "track") {
              const seq = out[0]!;
              const sent = sends.slice(0, seq + 1).reduce((a, s) => a + s.gap, 0);
              expect(seq).toBeGreaterThanOrEqual(lastApplied);
              expect(now - sent).toBeLessThanOrEqual(OPTS.maxAgeMs);
              lastApplied = seq;
            }
          }
          expect(gate.stats().staleApplied).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("ControlLoop with source remote (simulated SO-101, manual clock)", () => {
  async function remoteLoop(options: RemoteGateOptions) {
    const clock = new ManualClock(1000);
    const follower = await simRigArm(clock, ARMS.so101_follower, { scripted: false, seed: 2 });
    const loop = new ControlLoop(undefined, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 }, { clock });
    const gate = new RemoteCommandGate(6, options);
    loop.attachRemote(gate);
    await drive(clock, loop.start());
    loop.setSource("remote");
    const frame = new SampleFrame(6);
    const pose = () => (loop.sample.read(frame), Array.from(frame.follower));
    await clock.advance(50);
    return { clock, loop, gate, follower, pose, frame };
  }

  it("tracks fresh commands, holds when they stop (within watchdog + 1 tick), and resumes through the start gate", async () => {
    const { clock, loop, gate, pose, frame } = await remoteLoop(OPTS);
    const start = pose();
    let seq = 0;
    const send = (delta: number) =>
      gate.offer({ seq: seq++, sentAt: clock.now(), joints: start.map((v, i) => (i === 0 ? v + delta : v)) }, clock.now());
    for (let k = 0; k < 100; k++) {
      send(Math.min(20, k * 0.5));
      await clock.advance(20);
    }
    expect(loop.snapshot.state).toBe("tracking");
    expect(Math.abs(pose()[0]! - (start[0]! + 20))).toBeLessThan(3);
    // The link goes quiet: within the age limit (200 ms) + 1 tick the loop holds the last goal.
    const cut = clock.now();
    await clock.until(() => gate.stats().holding, 1000, 1);
    expect(gate.stats().holdSince - cut).toBeLessThanOrEqual(OPTS.maxAgeMs + 10);
    const held = pose();
    await clock.advance(2000);
    loop.sample.read(frame);
    expect(Math.abs(frame.follower[0]! - held[0]!)).toBeLessThan(1);
    expect(
      Array.from(frame.command)
        .slice(0, 5)
        .every((c, i) => Math.abs(c - held[i]!) < 2),
    ).toBe(true);
    // Old commands that arrive after the outage are dropped; a far new one is walked to through the gate.
    expect(gate.offer({ seq: 50, sentAt: cut - 100, joints: start }, clock.now())).toBe("out-of-order");
    const far = start.map((v, i) => (i === 0 ? v - 20 : v));
    const states: string[] = [];
    loop.subscribe((s) => states.at(-1) !== s.state && states.push(s.state));
    for (let k = 0; k < 50; k++) {
      gate.offer({ seq: seq++, sentAt: clock.now(), joints: far }, clock.now());
      await clock.advance(20);
    }
    expect(states[0]).toBe("gating");
    expect(gate.stats().staleApplied).toBe(0);
    await drive(clock, loop.stop());
  });

  it("torque off on link loss, per setting", async () => {
    const { clock, loop, gate, pose, follower } = await remoteLoop({ ...OPTS, onLinkLoss: "torque-off" });
    const start = pose();
    for (let k = 0; k < 20; k++) {
      gate.offer({ seq: k, sentAt: clock.now(), joints: start }, clock.now());
      await clock.advance(20);
    }
    await clock.advance(600);
    expect(loop.snapshot.state).toBe("estopped");
    expect(loop.snapshot.reason).toMatch(/remote operator/);
    await clock.advance(10);
    expect(follower.sim.servos.every((s) => !s.torqueOn)).toBe(true);
  });

  it("a remote source needs a gate; detaching it falls back to manual (the follower holds)", async () => {
    const { loop } = await remoteLoop(OPTS);
    loop.attachRemote(undefined);
    expect(loop.snapshot.source).toBe("manual");
    expect(() => loop.setSource("remote")).toThrow(/remote operator/);
  });
});
