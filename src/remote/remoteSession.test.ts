/**
 * The station and the operator sessions over the fake link (delay, jitter, loss, outages on a
 * manual clock), the station's gate real: commands reach the gate aged on the station's clock,
 * bad peers are disconnected with a reason and the follower holds, an outage ends in a hold with
 * no burst of old commands after it.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { RemoteCommandGate, type RemoteGateOptions } from "../control/RemoteCommandGate.ts";
import type { RecordKey, TakeInfo } from "../protocol/remoteWire.ts";
import { fakeLinkPair, type FakeLinkOptions } from "./link.ts";
import { RemoteOperator } from "./RemoteOperator.ts";
import { RemoteStation, type StationPorts } from "./RemoteStation.ts";

const JOINTS = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"];
const GATE: RemoteGateOptions = { maxAgeMs: 250, watchdogMs: 500, onLinkLoss: "hold" };
/** The operator's clock runs 12 345 ms ahead of the station's: the sessions must not care. */
const SKEW = 12_345;

function skewed(clock: ManualClock) {
  return {
    now: () => clock.now() + SKEW,
    runAt: (t: number, fn: () => void) => clock.runAt(t - SKEW, fn),
    timeout: clock.timeout.bind(clock),
  };
}

/** A station whose "loop" is the real gate ticking at 100 Hz on the manual clock. */
function stationPorts(clock: ManualClock, switchDelayMs = 0) {
  const follower = [0, 0, 0, 0, 0, 50];
  const command = [...follower];
  let gate: RemoteCommandGate | undefined;
  let source = "manual";
  const applied: { seq: number; at: number }[] = [];
  const keys: RecordKey[] = [];
  let take: TakeInfo = { phase: "idle", episode: 0, elapsedMs: 0, message: "", qa: [] };
  const out = new Float64Array(6);
  let lastSeq = -1;
  const tick = () => {
    if (gate && source === "remote" && gate.target(clock.now(), out) === "track") {
      command.splice(0, 6, ...out);
      follower.splice(0, 6, ...out);
      const s = gate.stats().appliedSeq;
      if (s !== lastSeq) applied.push({ seq: s, at: clock.now() });
      lastSeq = s;
    }
    clock.timeout(10, tick);
  };
  clock.timeout(10, tick);
  const ports: StationPorts = {
    name: "bench station",
    info: () => ({ robot: "so101", joints: JOINTS, ranges: JOINTS.map(() => [-100, 100] as const), rateHz: 100, cameras: ["front"] }),
    sample: () => ({ t: clock.now(), follower, command, loop: "tracking", source, gate: gate?.stats() }),
    attach: async (o) => {
      gate = o ? new RemoteCommandGate(6, o) : undefined;
      if (!o) source = "manual";
      await Promise.resolve();
    },
    offer: (cmd) => gate?.offer({ seq: cmd.seq, sentAt: cmd.sentAtEpochMs - 1000, joints: cmd.joints }, clock.now()),
    drive: async () => {
      // The real loop reports the new source a little after the start returns (its status is pushed).
      if (switchDelayMs > 0) clock.timeout(switchDelayMs, () => (source = "remote"));
      else source = "remote";
      await Promise.resolve();
    },
    takeOver: async () => {
      source = "manual";
      await Promise.resolve();
    },
    estop: async () => {
      source = "estopped";
      await Promise.resolve();
    },
    recordKey: async (k) => {
      keys.push(k);
      take = { ...take, phase: k === "start" ? "recording" : "reset" };
      await Promise.resolve();
    },
    take: () => take,
  };
  return { ports, applied, keys, gate: () => gate, source: () => source };
}

async function pair(options: FakeLinkOptions = {}, switchDelayMs = 0) {
  const clock = new ManualClock(0);
  const wire = fakeLinkPair(clock, options);
  const st = stationPorts(clock, switchDelayMs);
  const station = new RemoteStation({
    clock,
    ports: st.ports,
    gate: GATE,
    timeOrigin: 1000,
    connector: {
      open: (h) => {
        h.paired({ code: "abc", link: "http://x/?remote=abc", qrSvg: "<svg/>" });
        h.peer(wire.station);
        return () => undefined;
      },
    },
  });
  const operator = new RemoteOperator({
    clock: skewed(clock),
    connector: {
      join: (_code, h) => {
        h.peer(wire.operator);
        return () => undefined;
      },
    },
  });
  station.open();
  operator.join("abc");
  wire.open();
  await clock.advance(300);
  return { clock, wire, station, operator, st };
}

describe("remote sessions over the fake link", () => {
  it("pairs, syncs clocks, and the operator's targets drive the station's gate; the link view fills in", async () => {
    const { clock, station, operator, st } = await pair({ delayMs: 25, jitterMs: 10, loss: 0.01 });
    expect(station.snapshot.status).toBe("connected");
    expect(operator.snapshot.status).toBe("connected");
    expect(operator.snapshot.session?.joints).toEqual(JOINTS);
    expect(operator.snapshot.targets).toEqual([0, 0, 0, 0, 0, 50]); // starts at the follower's pose
    await clock.drive(operator.start(), 2000, 1);
    await clock.advance(100);
    expect(st.source()).toBe("remote");
    for (let k = 0; k < 100; k++) {
      operator.setTarget(0, k * 0.2);
      await clock.advance(10);
    }
    await clock.advance(1500);
    expect(operator.follower()?.[0]).toBeCloseTo(19.8, 5);
    const gate = st.gate()!.stats();
    expect(gate.staleApplied).toBe(0);
    // one way 25–35 ms + up to one 20 ms command period + one 10 ms tick
    expect(gate.ageP99Ms).toBeLessThanOrEqual(35 + 10 + 1);
    expect(operator.snapshot.link.cmdAgeP50Ms).toBeGreaterThan(20);
    expect(operator.snapshot.link.cmdAgeP99Ms).toBeLessThan(100);
    expect(operator.snapshot.link.rttMs).toBeGreaterThanOrEqual(50);
  });

  it("a leader on the operator's browser: each reading goes out at once, by joint name, without doubling the command rate", async () => {
    const { clock, operator, st } = await pair({ delayMs: 5 });
    await clock.drive(operator.start(), 2000, 1);
    await clock.advance(100);
    const offered: { seq: number; at: number; joints: readonly number[] }[] = [];
    const offer = st.ports.offer;
    (st.ports as { offer: typeof offer }).offer = (cmd) => {
      offered.push({ seq: cmd.seq, at: clock.now(), joints: cmd.joints });
      offer(cmd);
    };
    const sentBefore = operator.snapshot.link.commandsSent;
    // The leader reads at 50 Hz, out of phase with the operator's own 50 Hz tick; names in another order.
    await clock.advance(7);
    for (let k = 0; k < 50; k++) {
      const at = clock.now();
      operator.follow(["gripper", "wrist_roll", "shoulder_pan", "no_such_joint"], [40, 3, k * 0.5, 99]);
      await clock.advance(5.5);
      const last = offered[offered.length - 1]!;
      expect(last.at - at).toBeLessThanOrEqual(5.5); // arrived one link delay after the reading, not at the next tick
      expect([last.joints[0], last.joints[4], last.joints[5]]).toEqual([k * 0.5, 3, 40]);
      await clock.advance(20 - 5.5);
    }
    const sent = operator.snapshot.link.commandsSent - sentBefore;
    expect(sent).toBeGreaterThanOrEqual(50);
    expect(sent).toBeLessThanOrEqual(52);
    await clock.advance(100);
    expect(operator.snapshot.targets.slice(0, 6)).toEqual([24.5, 0, 0, 0, 3, 40]);
    expect(st.gate()!.stats().staleApplied).toBe(0);
  });

  it("the operator learns it drives when the station's loop reports the switch, even after the start's reply", async () => {
    const { clock, operator, st } = await pair({ delayMs: 5 }, 200);
    await clock.drive(operator.start(), 2000, 1);
    expect(st.source()).toBe("manual");
    expect(operator.snapshot.session?.driver).toBe("local");
    await clock.advance(400);
    expect(st.source()).toBe("remote");
    expect(operator.snapshot.session?.driver).toBe("remote");
  });

  it("recording keys and e-stop reach the station; the operator sees the take state", async () => {
    const { clock, operator, st } = await pair({ delayMs: 5 });
    await clock.drive(operator.key("start"), 2000, 1);
    await clock.advance(100);
    expect(st.keys).toEqual(["start"]);
    expect(operator.snapshot.take?.phase).toBe("recording");
    await clock.drive(operator.estop(), 2000, 1);
    await clock.advance(20);
    expect(st.source()).toBe("estopped");
  });

  it("the person at the station takes over: the operator's start is refused until they hand back", async () => {
    const { clock, station, operator, st } = await pair({ delayMs: 5 });
    await clock.drive(operator.start(), 2000, 1);
    await clock.drive(station.takeOver(), 2000, 1);
    expect(st.source()).toBe("manual");
    await clock.advance(50);
    expect(operator.snapshot.session?.driver).toBe("local");
    await clock.drive(operator.start(), 2000, 1);
    expect(operator.snapshot.error).toMatch(/taken over/);
    station.handBack();
    await clock.drive(operator.start(), 2000, 1);
    expect(st.source()).toBe("remote");
  });

  it("a malformed, oversized or flooding peer is disconnected with the reason and the station holds", async () => {
    for (const bad of [
      (send: (t: string) => void) => send("{nope"),
      (send: (t: string) => void) => send(JSON.stringify({ t: 0, seq: 1, goal: { "a.pos": 1 }, obs_seq: 0, pad: "x".repeat(4000) })),
      (send: (t: string) => void) => {
        for (let i = 0; i < 5000; i++) send(JSON.stringify({ t: 0, seq: 10_000 + i, goal: {}, obs_seq: 0 }));
      },
    ]) {
      const { clock, wire, station, operator, st } = await pair({ delayMs: 5 });
      await clock.drive(operator.start(), 2000, 1);
      bad((t) => wire.operator.send("action", t));
      await clock.advance(50);
      expect(station.snapshot.status).toBe("ended");
      expect(station.snapshot.message).toMatch(/disconnected: (malformed|oversized|flooding)/);
      expect(st.gate()).toBeUndefined(); // gate closed: the loop falls back to holding
      expect(st.source()).toBe("manual");
      expect(operator.snapshot.status).toBe("ended");
    }
  });

  it("a 2 s outage ends in a hold (within watchdog + 1 tick) and no old command is applied after it", async () => {
    const { clock, wire, operator, st } = await pair({ delayMs: 25, jitterMs: 10 });
    await clock.drive(operator.start(), 2000, 1);
    for (let k = 0; k < 50; k++) {
      operator.setTarget(0, k);
      await clock.advance(20);
    }
    const cut = clock.now();
    wire.setCut(true);
    await clock.until(() => st.gate()!.stats().holding, 1000, 1);
    const holdMs = clock.now() - cut;
    expect(holdMs).toBeLessThanOrEqual(GATE.watchdogMs + 10);
    await clock.advance(2000 - holdMs);
    const before = st.applied.length;
    const lastSeqBefore = st.applied.at(-1)!.seq;
    wire.setCut(false);
    const restored = clock.now();
    for (let k = 0; k < 20; k++) {
      operator.setTarget(0, 50 + k);
      await clock.advance(20);
    }
    const after = st.applied.slice(before);
    expect(after.length).toBeGreaterThan(5);
    // Every command applied after the outage was sent after it (no burst of queued old ones).
    const firstSeqSentAfter = lastSeqBefore + Math.floor(2000 / 20) - 2;
    for (const a of after) expect(a.seq).toBeGreaterThanOrEqual(firstSeqSentAfter);
    expect(after[0]!.at - restored).toBeLessThan(60);
    expect(st.gate()!.stats().staleApplied).toBe(0);
  });
});
