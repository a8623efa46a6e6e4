/**
 * Policy rollout figures (issue 16): the openpi websocket round trip against the reference server
 * on loopback, the leader hand-over on the simulated rig, and the loop's period error while it
 * executes chunks at 100 Hz.
 */
import { WebSocket } from "ws";
import { readCalibrationFromMotors } from "../src/control/armRegisters.ts";
import { ControlLoop, DEFAULT_LOOP, type LoopArm } from "../src/control/ControlLoop.ts";
import { loopRunner } from "../src/control/testing/loopPolicy.ts";
import { simRigArm } from "../src/control/testing/simRig.ts";
import { ManualClock } from "../src/core/clock.ts";
import { SampleFrame } from "../src/core/LatestSample.ts";
import { ARMS, type ArmDefinition } from "../src/core/robots.ts";
import { realClock, type RigApi } from "../src/hardware/index.ts";
import { MotorBus } from "../src/hardware/MotorBus.ts";
import { FakePolicyClient } from "../src/hardware/policy/FakePolicyClient.ts";
import { type WebSocketLike, WebSocketPolicyClient } from "../src/hardware/policy/WebSocketPolicyClient.ts";
import { createSimulatedArm } from "../src/hardware/sim/simulatedArm.ts";
import { SimTransport } from "../src/hardware/sim/SimTransport.ts";
import { PROTOCOL_FAMILIES } from "../src/protocol/models.ts";
import { NdArray } from "../src/protocol/openpi/codec.ts";
import { startPolicyServer } from "../server/policyServer.ts";
import type { Benchmark } from "./types.ts";

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

let roundTrips: Promise<number[]> | undefined;
/** 500 observations (two 224×224 RGB images + 6 joints + prompt) → chunks, one after another, on loopback. */
function measureRoundTrips(): Promise<number[]> {
  roundTrips ??= (async () => {
    const server = await startPolicyServer({ port: 0 });
    const client = new WebSocketPolicyClient(server.url, (u) => new WebSocket(u) as unknown as WebSocketLike);
    await client.connect();
    const img = () =>
      NdArray.uint8(
        [224, 224, 3],
        Uint8Array.from({ length: 224 * 224 * 3 }, (_, i) => (i * 7) & 255),
      );
    const out: number[] = [];
    for (let i = 0; i < 520; i++) {
      const obs = { state: NdArray.float32([6], [i % 10, 0, 0, 0, 0, 50]), "images.front": img(), "images.wrist": img(), prompt: "reach" };
      const t0 = performance.now();
      await client.infer(obs);
      if (i >= 20) out.push(performance.now() - t0); // after warm-up
    }
    client.close();
    await server.close();
    return out;
  })();
  return roundTrips;
}

/** Pause → the leader within 2° of the follower on every joint, on the simulated rig's clock (follower 45°/30°/20° away). */
async function handoverSeconds(): Promise<number> {
  const clock = new ManualClock(1000);
  const leader = await simRigArm(clock, ARMS.so101_leader, { scripted: false });
  const follower = await simRigArm(clock, ARMS.so101_follower, { scripted: false, seed: 2 });
  const deg = 4096 / 360;
  follower.sim.servos[0]!.actual += 45 * deg;
  follower.sim.servos[2]!.actual -= 30 * deg;
  follower.sim.servos[3]!.actual += 20 * deg;
  const loop = new ControlLoop(leader.arm, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 }, { clock });
  const starting = loop.start();
  await clock.until(() => loop.active, 2000, 1);
  await starting;
  loop.setSource("manual");
  await clock.advance(50);
  const frame = new SampleFrame(6);
  loop.sample.read(frame);
  const before = Array.from(frame.follower);
  const t0 = clock.now();
  loop.handOver();
  await clock.until(() => loop.snapshot.handover?.phase !== "moving", 5000, 1);
  const took = (loop.snapshot.handover?.endedAt ?? NaN) - t0;
  loop.sample.read(frame);
  const moved = Math.max(...before.map((v, i) => Math.abs(v - frame.follower[i]!)));
  if (loop.snapshot.handover?.phase !== "released")
    throw new Error(`hand-over ${loop.snapshot.handover?.phase}: ${loop.snapshot.handover?.message}`);
  if (moved > 1) throw new Error(`the follower moved ${moved.toFixed(2)} during the hand-over`);
  await clock.drive(loop.stop(), 1000, 1);
  return took / 1000;
}

/** A simulated follower on the real clock (the precision timer), calibrated from its motors. */
async function realTimeFollower(def: ArmDefinition): Promise<LoopArm> {
  const sim = createSimulatedArm(def, { usbLatencyMs: 0.3, scripted: false, scriptStartMs: realClock.now(), clock: realClock, seed: 2 });
  const bus = new MotorBus(new SimTransport(sim.wire, def.label), PROTOCOL_FAMILIES[def.protocol], {
    timeoutMarginMs: 5,
    retries: 1,
    clock: realClock,
  });
  await bus.open(1_000_000);
  const api = { syncRead: async (_k: string, reg: string, ids: readonly number[]) => bus.syncRead(reg, ids) } as unknown as RigApi;
  const calibration = await readCalibrationFromMotors(api, "x", def);
  return { arm: def, calibration, body: "degrees", bus };
}

/** The loop's p99 period error while it plays chunks from the (in-process) reference policy at 100 Hz for 15 s. */
async function execJitterMs(): Promise<number> {
  const follower = await realTimeFollower(ARMS.so101_follower);
  const loop = new ControlLoop(undefined, follower, { ...DEFAULT_LOOP, rateHz: 100 }, { clock: realClock });
  await loop.start();
  await new Promise((r) => setTimeout(r, 200));
  const runner = loopRunner(loop, realClock, () => new FakePolicyClient(), "go left");
  await runner.start();
  let prompt = 0;
  const flip = setInterval(() => runner.setPrompt(++prompt % 2 ? "go right" : "go left"), 3000);
  await new Promise((r) => setTimeout(r, 15_000));
  clearInterval(flip);
  const p99 = loop.snapshot.p99PeriodErrorMs;
  if (runner.snapshot.state !== "running" || loop.snapshot.source !== "policy")
    throw new Error(`runner ${runner.snapshot.state}: ${runner.snapshot.message}`);
  runner.stop();
  await loop.stop();
  return p99;
}

export const benchmarks: Benchmark[] = [
  {
    id: "policy.ws_roundtrip_ms_p50",
    unit: "ms",
    goal: "",
    what: "observation (two 224×224 images + state) → action chunk, reference server, loopback",
    run: async () => quantile(await measureRoundTrips(), 0.5),
  },
  {
    id: "policy.ws_roundtrip_ms_p99",
    unit: "ms",
    goal: "",
    what: "as above, p99",
    run: async () => quantile(await measureRoundTrips(), 0.99),
  },
  {
    id: "policy.handover_s",
    unit: "s",
    goal: "<= 1",
    what: "pause → simulated leader within 2° of the follower on every joint (follower still)",
    run: handoverSeconds,
  },
  {
    id: "policy.exec_jitter_p99_ms",
    unit: "ms",
    goal: "",
    what: "loop period error p99 while executing chunks at 100 Hz (simulated follower, real clock)",
    run: execJitterMs,
  },
];
