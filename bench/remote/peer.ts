/**
 * One process of the remote-teleop benchmark (bench/remote.bench.ts), run inside a network
 * namespace: `station` (a ControlLoop at 100 Hz on a simulated SO-101 follower, the real
 * RemoteCommandGate and RemoteStation), `operator` (RemoteOperator sending a moving target at
 * 50 Hz), or `relay` (a userspace impairment: delay ± jitter and loss per datagram, and an
 * outage during which every datagram is held and then released at once — a lagging link).
 * Settings come as JSON in argv[3]; the station prints its figures as JSON on stdout.
 */
import { createSocket } from "node:dgram";
import { ARMS } from "../../src/core/robots.ts";
import { ControlLoop } from "../../src/control/ControlLoop.ts";
import { DEFAULT_LOOP } from "../../src/control/loopTypes.ts";
import { RemoteCommandGate, type RemoteGateOptions } from "../../src/control/RemoteCommandGate.ts";
import { readCalibrationFromMotors } from "../../src/control/armRegisters.ts";
import { realClock, type RigApi } from "../../src/hardware/index.ts";
import { MotorBus } from "../../src/hardware/MotorBus.ts";
import { createSimulatedArm } from "../../src/hardware/sim/simulatedArm.ts";
import { SimTransport } from "../../src/hardware/sim/SimTransport.ts";
import { PROTOCOL_FAMILIES } from "../../src/protocol/models.ts";
import { RemoteOperator } from "../../src/remote/RemoteOperator.ts";
import { RemoteStation } from "../../src/remote/RemoteStation.ts";
import { connectOperatorUdp, listenStation } from "./udpLink.ts";

type Addr = { host: string; port: number };
const epoch = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function follower() {
  const def = ARMS.so101_follower;
  const sim = createSimulatedArm(def, { usbLatencyMs: 0.3, scripted: false, clock: realClock, seed: 2 });
  const bus = new MotorBus(new SimTransport(sim.wire, def.label), PROTOCOL_FAMILIES[def.protocol], { timeoutMarginMs: 5, retries: 1 });
  await bus.open(1_000_000);
  const api = { syncRead: async (_k: string, reg: string, ids: readonly number[]) => bus.syncRead(reg, ids) } as unknown as RigApi;
  const calibration = await readCalibrationFromMotors(api, "x", def);
  return { arm: def, calibration, body: "degrees" as const, bus };
}

async function station(o: { listen: Addr; peerUdp: Addr; runMs: number; cutAt: number; cutMs: number; gate: RemoteGateOptions }) {
  const arm = await follower();
  const loop = new ControlLoop(undefined, arm, { ...DEFAULT_LOOP, rateHz: 100 });
  const gate = new RemoteCommandGate(6, o.gate);
  loop.attachRemote(gate);
  await loop.start();
  // What the loop applied, checked here independently of the gate's own count.
  const sentAt = new Map<number, number>();
  const arrivedAt = new Map<number, number>();
  const arrivedEpoch: [number, number][] = [];
  const applied: { seq: number; at: number; age: number; transit: number }[] = [];
  let last = -1;
  const cutAt = o.cutAt - performance.timeOrigin;
  const restoreAt = cutAt + o.cutMs;
  let holdAt = NaN;
  loop.subscribe(() => {
    const s = gate.stats();
    if (s.holding && Number.isNaN(holdAt) && realClock.now() >= cutAt) holdAt = s.holdSince;
    if (s.appliedSeq !== last && s.appliedSeq >= 0) {
      last = s.appliedSeq;
      const sent = sentAt.get(s.appliedSeq) ?? NaN;
      applied.push({ seq: s.appliedSeq, at: s.appliedAt, age: s.appliedAt - sent, transit: (arrivedAt.get(s.appliedSeq) ?? NaN) - sent });
    }
  });
  const link = await listenStation(o.listen.host, o.listen.port, o.peerUdp);
  const names = loop.joints;
  const remote = new RemoteStation({
    clock: realClock,
    timeOrigin: performance.timeOrigin,
    gate: o.gate,
    connector: { open: (h) => (h.peer(link), () => undefined) },
    ports: {
      name: "bench station",
      info: () => ({ robot: "so101", joints: names, ranges: loop.ranges.map((r) => [r.min, r.max] as const), rateHz: 100, cameras: [] }),
      sample: () => {
        const f = loop.sample.frame();
        loop.sample.read(f);
        return {
          t: f.t,
          follower: f.follower,
          command: f.command,
          loop: loop.snapshot.state,
          source: loop.snapshot.source,
          gate: gate.stats(),
        };
      },
      attach: async () => undefined,
      offer: (cmd) => {
        const at = cmd.sentAtEpochMs - performance.timeOrigin;
        sentAt.set(cmd.seq, at);
        arrivedAt.set(cmd.seq, realClock.now());
        arrivedEpoch.push([cmd.seq, epoch()]);
        gate.offer({ seq: cmd.seq, sentAt: at, joints: cmd.joints }, realClock.now());
      },
      drive: async () => loop.setSource("remote"),
      takeOver: async () => loop.setSource("manual"),
      estop: () => loop.estop(),
      recordKey: async () => undefined,
      take: () => ({ phase: "idle", episode: 0, elapsedMs: 0, message: "", qa: [] }),
    },
  });
  remote.open();
  await sleep(Math.max(0, o.cutAt + o.cutMs + 3000 - epoch()));
  await loop.stop();
  const steady = applied.filter((a) => a.at < cutAt);
  let stale = 0;
  let maxSeq = -1;
  for (const a of applied) {
    if (!(a.age <= o.gate.maxAgeMs) || a.seq < maxSeq) stale++;
    maxSeq = Math.max(maxSeq, a.seq);
  }
  const resumed = applied.find((a) => a.at >= restoreAt);
  const lastBefore = [...applied].reverse().find((a) => a.at < restoreAt && a.at >= 0);
  const s = gate.stats();
  process.stdout.write(
    JSON.stringify({
      ages: steady.map((a) => a.age),
      // Where the age goes: sent → arrived at the station (the link), arrived → applied by the loop (the tick wait).
      transits: steady.map((a) => a.transit),
      arrivedEpoch,
      applied: applied.length,
      staleApplied: stale,
      // Commands the lagging link released at once when it came back, applied although older than the limit (goal 0).
      outageOldApplied: applied.filter((a) => a.at >= restoreAt && !(a.age <= o.gate.maxAgeMs)).length,
      // Cut → the gate holds (it lets go of the last command once that is older than the limit, or the link is quiet for the watchdog).
      holdMs: holdAt - cutAt,
      lastAppliedBeforeCutMs: lastBefore ? lastBefore.at - cutAt : NaN,
      resumedAfterMs: resumed ? resumed.at - restoreAt : NaN,
      droppedStale: s.droppedStale,
      droppedOutOfOrder: s.droppedOutOfOrder,
      holds: s.holds,
    }) + "\n",
  );
  process.exit(0);
}

async function operator(o: { local: Addr; udp: Addr; tcp: Addr; runUntil: number }) {
  const udp = await connectOperatorUdp(o.local.host, o.local.port, o.udp, o.tcp);
  // Each command's send time on the wall clock both processes share (the station compares its arrival with it).
  const sentEpoch: [number, number][] = [];
  const link: typeof udp = {
    listen: (h) => udp.listen(h),
    close: (r) => udp.close(r),
    stats: () => udp.stats(),
    send: (channel, text) => {
      if (channel === "action") sentEpoch.push([(JSON.parse(text) as { seq: number }).seq, epoch()]);
      return udp.send(channel, text);
    },
  };
  const op = new RemoteOperator({ clock: realClock, connector: { join: (_c, h) => (h.peer(link), () => undefined) } });
  op.join("bench");
  while (!op.snapshot.session || op.snapshot.targets.length === 0) await sleep(20);
  await op.start();
  const t0 = performance.now();
  const base = op.snapshot.targets[0]!;
  while (epoch() < o.runUntil) {
    op.setTarget(0, base + 15 * Math.sin((performance.now() - t0) / 500));
    await sleep(10);
  }
  process.stdout.write(JSON.stringify({ sentEpoch }) + "\n", () => process.exit(0));
}

function relay(o: {
  opSide: Addr;
  toStation: Addr;
  stSide: Addr;
  toOperator: Addr;
  delayMs: number;
  jitterMs: number;
  loss: number;
  cutAt: number;
  cutMs: number;
}) {
  const a = createSocket("udp4");
  const b = createSocket("udp4");
  a.bind(o.opSide.port, o.opSide.host);
  b.bind(o.stSide.port, o.stSide.host);
  const held: (() => void)[] = [];
  setTimeout(() => held.splice(0).forEach((f) => f()), Math.max(0, o.cutAt + o.cutMs - epoch()));
  const forward = (out: typeof a, to: Addr) => (msg: Buffer) => {
    const send = () => out.send(msg, to.port, to.host);
    const now = epoch();
    if (now >= o.cutAt && now < o.cutAt + o.cutMs) return void held.push(send); // a lagging link: queued, then all at once
    if (Math.random() < o.loss) return;
    // No delay asked (loopback): forward now, not on a timer (≥ 1 ms and a wake-up more per datagram).
    if (o.delayMs <= 0 && o.jitterMs <= 0) return void send();
    setTimeout(send, o.delayMs + (Math.random() * 2 - 1) * o.jitterMs);
  };
  a.on("message", forward(b, o.toStation));
  b.on("message", forward(a, o.toOperator));
}

const [, , role, json] = process.argv;
const o = JSON.parse(json ?? "{}");
if (role === "station") void station(o);
else if (role === "operator") void operator(o);
else if (role === "relay") relay(o);
