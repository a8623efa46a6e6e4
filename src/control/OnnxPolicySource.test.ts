import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import type { SavedOnnxPolicy } from "../core/onnxPolicy.ts";
import { SampleFrame } from "../core/LatestSample.ts";
import { ARMS } from "../core/robots.ts";
import { FakeOnnxBackend, type FakeOnnxModel } from "../hardware/policy/onnx/FakeOnnxBackend.ts";
import type { OnnxBackend, OnnxSession } from "../hardware/policy/onnx/OnnxBackend.ts";
import { ACT_TINY, actTinyFake, actTinyStatsJson } from "../hardware/policy/onnx/testing/actTiny.ts";
import { ControlLoop, DEFAULT_LOOP } from "./ControlLoop.ts";
import { OnnxPolicySource } from "./OnnxPolicySource.ts";
import { loopRunner } from "./testing/loopPolicy.ts";
import { drive, simRigArm } from "./testing/simRig.ts";

const JOINTS = ACT_TINY.joints;
const bytes = new Uint8Array(8);

/** act_tiny without its image: state → chunk only (the runner's loop harness feeds no camera). */
function stateOnly(): FakeOnnxModel {
  const m = actTinyFake();
  return { ...m, signature: { ...m.signature, inputs: m.signature.inputs.filter((i) => i.name === "state") } };
}

function memory(): {
  saved: SavedOnnxPolicy[];
  load: () => Promise<SavedOnnxPolicy | undefined>;
  save: (s: SavedOnnxPolicy) => Promise<void>;
} {
  const saved: SavedOnnxPolicy[] = [];
  return { saved, load: () => Promise.resolve(saved.at(-1)), save: (s) => (saved.push(s), Promise.resolve()) };
}

describe("OnnxPolicySource: the ONNX model chosen for rollouts", () => {
  it("checks the model when picked, asks for the stats, and prepares a client and the mapping for a rollout", async () => {
    const source = new OnnxPolicySource(new FakeOnnxBackend(actTinyFake()), new ManualClock(0), undefined, () => ["front", "wrist"]);
    expect(() => source.prepare(JOINTS)).toThrow(/Choose the policy's \.onnx file/);
    await source.setModel("act.onnx", bytes);
    expect(source.snapshot.signature?.outputs[0]?.shape).toEqual(["batch", 10, 6]);
    expect(source.snapshot.problem).toMatch(/Choose the stats\.json of the dataset/);
    source.setStats("stats.json", actTinyStatsJson());
    expect(source.snapshot.problem).toBeUndefined();
    source.configure({ cameras: ["wrist"] });
    const { mapping, connect } = source.prepare(JOINTS);
    expect(mapping).toMatchObject({
      stateKey: "state",
      units: "degrees",
      images: [{ camera: "wrist", key: "image_0" }],
      imageBox: { width: 32, height: 32 },
      imageLayout: "chw",
      promptKey: "",
    });
    await expect(connect().connect()).resolves.toMatchObject({ policy: "onnx-act", action_horizon: 10 });
  });

  it("refuses, naming the field: a model for another arm, stats of another dataset, a camera that is gone", async () => {
    const five: FakeOnnxModel = {
      ...actTinyFake(),
      signature: { ...actTinyFake().signature, outputs: [{ name: "action_chunk", type: "float32", shape: ["batch", 10, 5] }] },
    };
    const source = new OnnxPolicySource(new FakeOnnxBackend(five), new ManualClock(0), undefined, () => ["front"]);
    source.setStats("stats.json", actTinyStatsJson());
    await source.setModel("five.onnx", bytes);
    expect(source.snapshot.problem).toMatch(/five\.onnx does not fit: .*action_chunk has 5 values per action; this follower has 6 joints/);
    expect(() => source.prepare(JOINTS)).toThrow(/action_chunk has 5 values per action/);

    const ok = new OnnxPolicySource(new FakeOnnxBackend(actTinyFake()), new ManualClock(0), undefined, () => ["front"]);
    await ok.setModel("act.onnx", bytes);
    ok.setStats("other.json", JSON.stringify({ ...JSON.parse(actTinyStatsJson()), action: { mean: [0, 0], std: [1, 1] } }));
    expect(ok.snapshot.problem).toMatch(/stats\.json: action has 2 values; the model's action_chunk has 6/);
    ok.setStats("stats.json", actTinyStatsJson());
    ok.configure({ cameras: ["side"] });
    expect(() => ok.prepare(JOINTS)).toThrow(/No camera feeds image_0 \(camera side is not connected\)/);
    expect(() => ok.prepare(JOINTS, [])).toThrow(/takes 1 images .* the studio has 0 cameras/);
  });

  it("a file that is not a model says so", async () => {
    const source = new OnnxPolicySource(new FakeOnnxBackend(actTinyFake(), () => false), new ManualClock(0));
    await source.setModel("notes.txt", bytes);
    expect(source.snapshot.problem).toMatch(/notes\.txt could not be loaded as an ONNX model: failed to load model/);
    source.setStats("stats.json", actTinyStatsJson());
    expect(source.snapshot.problem).toMatch(/notes\.txt could not be loaded/);
  });

  it("a second pick while the first is still being checked wins; the first's result is dropped, and a start waits for the check", async () => {
    const loads: ((s: OnnxSession) => void)[] = [];
    const backend: OnnxBackend = { load: () => new Promise<OnnxSession>((resolve) => loads.push(resolve)) };
    const real = new FakeOnnxBackend(actTinyFake());
    const five = new FakeOnnxBackend({
      ...actTinyFake(),
      signature: { ...actTinyFake().signature, outputs: [{ name: "action_chunk", type: "float32", shape: ["batch", 10, 5] }] },
    });
    const source = new OnnxPolicySource(backend, new ManualClock(0), undefined, () => ["front"]);
    source.setStats("stats.json", actTinyStatsJson());
    const first = source.setModel("five.onnx", bytes);
    const second = source.setModel("act.onnx", bytes);
    expect(source.snapshot).toMatchObject({ modelName: "act.onnx", checking: true });
    expect(() => source.prepare(JOINTS)).toThrow(/still being checked/);
    // Settle in the worst order: the newer pick first, then the older one.
    loads[1]!(await real.load(bytes));
    await second;
    loads[0]!(await five.load(bytes));
    await first;
    expect(source.snapshot).toMatchObject({ modelName: "act.onnx", checking: false, problem: undefined });
    expect(source.snapshot.signature?.outputs[0]?.shape).toEqual(["batch", 10, 6]);
    expect(five.released).toBe(1);
    expect(() => source.prepare(JOINTS)).not.toThrow();
  });

  it("keeps the choice for the next visit", async () => {
    const store = memory();
    const a = new OnnxPolicySource(new FakeOnnxBackend(actTinyFake()), new ManualClock(0), store);
    a.setStats("stats.json", actTinyStatsJson());
    await a.setModel("act.onnx", bytes);
    a.configure({ imageNorm: "dataset", fps: 15 });
    await Promise.resolve();
    expect(store.saved.at(-1)).toMatchObject({ modelName: "act.onnx", statsName: "stats.json", imageNorm: "dataset", fps: 15 });
    const b = new OnnxPolicySource(new FakeOnnxBackend(actTinyFake()), new ManualClock(0), store, () => ["front"]);
    await b.restore();
    expect(b.snapshot).toMatchObject({ modelName: "act.onnx", statsName: "stats.json", imageNorm: "dataset", fps: 15, problem: undefined });
    expect(() => b.prepare(JOINTS)).not.toThrow();
  });
});

describe("a rollout with an ONNX policy on the control loop (simulated follower, manual clock)", () => {
  async function rollout(backend: FakeOnnxBackend) {
    const clock = new ManualClock(1000);
    const follower = await simRigArm(clock, ARMS.so101_follower, { scripted: false, seed: 2 });
    const loop = new ControlLoop(undefined, follower.arm, { ...DEFAULT_LOOP, rateHz: 100 }, { clock });
    await drive(clock, loop.start());
    await clock.advance(50);
    const source = new OnnxPolicySource(backend, clock);
    await source.setModel("act.onnx", bytes);
    source.setStats("stats.json", actTinyStatsJson());
    const { connect, mapping } = source.prepare(loop.joints, []);
    const runner = loopRunner(loop, clock, connect, "", { mapping });
    const frame = new SampleFrame(6);
    const pose = () => (loop.sample.read(frame), Array.from(frame.follower));
    return { clock, loop, runner, pose };
  }

  it("the follower walks to the model's goal, through the same loop as any policy", async () => {
    const { clock, loop, runner, pose } = await rollout(new FakeOnnxBackend(stateOnly()));
    await drive(clock, runner.start());
    await clock.advance(15_000);
    expect(runner.snapshot).toMatchObject({ state: "running", message: undefined });
    expect(loop.snapshot.source).toBe("policy");
    pose().forEach((v, j) => expect(Math.abs(v - ACT_TINY.goal[j]!), `joint ${j}`).toBeLessThan(2));
  });

  it("NaN in the model's output stops the rollout with a message naming the action; nothing of that chunk is played", async () => {
    const backend = new FakeOnnxBackend(stateOnly());
    const { clock, loop, runner, pose } = await rollout(backend);
    backend.override = (out) => {
      out["action_chunk"]!.data[1] = NaN;
      return out;
    };
    const before = pose();
    await drive(clock, runner.start());
    await clock.advance(1000);
    expect(runner.snapshot.state).toBe("held");
    expect(runner.snapshot.message).toMatch(/actions\[0\]\[1\] \(shoulder_lift\) is NaN/);
    expect(loop.snapshot.source).toBe("manual");
    pose().forEach((v, j) => expect(Math.abs(v - before[j]!)).toBeLessThan(1));
  });

  it("a wrong-shaped output holds, naming action_chunk", async () => {
    const backend = new FakeOnnxBackend(stateOnly());
    const { clock, runner } = await rollout(backend);
    backend.override = () => ({ action_chunk: { type: "float32", dims: [1, 3, 6], data: new Float32Array(18) } });
    await drive(clock, runner.start());
    await clock.advance(500);
    expect(runner.snapshot.state).toBe("held");
    expect(runner.snapshot.message).toMatch(/action_chunk came back \[1, 3, 6\]; expected \[1, 10, 6\]/);
  });
});
