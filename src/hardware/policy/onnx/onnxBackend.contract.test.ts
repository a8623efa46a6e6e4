/**
 * One contract suite for {@link OnnxBackend}, run against onnxruntime-web (its Node build, WASM,
 * on the committed fixture models) and the fake: the same signature and the same numbers, and the
 * wrong fixtures refused by the ONNX policy client before any run.
 */
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../core/clock.ts";
import { parseLerobotStats } from "../../../protocol/onnx/actStats.ts";
import { NdArray } from "../../../protocol/openpi/codec.ts";
import { OnnxPolicyClient } from "../OnnxPolicyClient.ts";
import { FakeOnnxBackend } from "./FakeOnnxBackend.ts";
import type { OnnxBackend } from "./OnnxBackend.ts";
import { OrtBackend } from "./OrtBackend.ts";
import { ACT_TINY, actTinyChunk, actTinyFake } from "./testing/actTiny.ts";

ort.env.wasm.numThreads = 1;
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../../fixtures/onnx/${name}`, import.meta.url)));
const stats = () => parseLerobotStats(readFileSync(new URL("../../../../fixtures/onnx/act_tiny.stats.json", import.meta.url), "utf8"));

const backends: [string, () => OnnxBackend][] = [
  ["onnxruntime-web (Node, WASM)", () => new OrtBackend(ort, () => ["wasm"])],
  ["fake", () => new FakeOnnxBackend(actTinyFake())],
];

const client = (backend: OnnxBackend, model = "act_tiny.onnx", joints: readonly string[] = ACT_TINY.joints) =>
  new OnnxPolicyClient({
    backend,
    clock: new ManualClock(0),
    model: fixture(model),
    modelName: model,
    stats: stats(),
    imageNorm: "imagenet",
    joints,
    cameras: 1,
    fps: 30,
  });

const observation = (state: number[]) => ({
  state: NdArray.float32([6], state),
  image_0: NdArray.uint8([3, 32, 32], new Uint8Array(3 * 32 * 32).fill(128)),
});

describe.each(backends)("OnnxBackend contract: %s", (_name, make) => {
  it("loads act_tiny with its declared signature", async () => {
    const s = await make().load(fixture("act_tiny.onnx"));
    expect(s.signature).toEqual({
      inputs: [
        { name: "state", type: "float32", shape: ["batch", 6] },
        { name: "image_0", type: "float32", shape: ["batch", 3, 32, 32] },
      ],
      outputs: [{ name: "action_chunk", type: "float32", shape: ["batch", 10, 6] }],
    });
    s.release();
    await expect(s.run({})).rejects.toThrow();
  });

  it("a rollout's chunk through the ONNX client is act_tiny's function of the state, in the studio's units", async () => {
    const c = client(make());
    const meta = await c.connect();
    expect(meta).toMatchObject({ policy: "onnx-act", action_horizon: 10, action_dim: 6, action_fps: 30 });
    for (const state of [
      [0, 0, 0, 0, 0, 50],
      [-40, 30, 12, -5, 90, 0],
    ]) {
      const chunk = await c.infer(observation(state));
      expect([chunk.horizon, chunk.dim]).toEqual([10, 6]);
      const want = actTinyChunk(state);
      chunk.actions.forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 3));
    }
    c.close();
  });
});

describe("the wrong fixture models are refused before anything runs (onnxruntime-web, Node)", () => {
  it.each([
    ["act_tiny_5dof.onnx", /action_chunk has 5 values per action; this follower has 6 joints/],
    ["act_tiny_misnamed.onnx", /no input "state" \(its inputs: observation\.state, image_0\)/],
    ["act_tiny_uint8.onnx", /input image_0 is uint8; lerobot's ACT export takes images as float32/],
  ])("%s", async (model, message) => {
    const c = client(new OrtBackend(ort), model);
    await expect(c.connect()).rejects.toMatchObject({ kind: "model", message: expect.stringMatching(message) as unknown });
    await expect(c.infer(observation([0, 0, 0, 0, 0, 50]))).rejects.toMatchObject({ kind: "closed" });
  });

  it("a file that is not a model", async () => {
    const c = new OnnxPolicyClient({
      backend: new OrtBackend(ort),
      clock: new ManualClock(0),
      model: new TextEncoder().encode("not a model"),
      modelName: "notes.onnx",
      stats: stats(),
      imageNorm: "imagenet",
      joints: ACT_TINY.joints,
      cameras: 1,
      fps: 30,
    });
    await expect(c.connect()).rejects.toMatchObject({
      kind: "model",
      message: expect.stringMatching(/^notes\.onnx could not be loaded/) as unknown,
    });
  });
});
