import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { parseLerobotStats } from "../../protocol/onnx/actStats.ts";
import { NdArray } from "../../protocol/openpi/codec.ts";
import { FakeOnnxBackend } from "./onnx/FakeOnnxBackend.ts";
import type { OnnxTensor } from "./onnx/OnnxBackend.ts";
import { ACT_TINY, actTinyChunk, actTinyFake, actTinyStatsJson } from "./onnx/testing/actTiny.ts";
import { OnnxPolicyClient } from "./OnnxPolicyClient.ts";

const setup = (opts: { joints?: readonly string[]; cameras?: number; stats?: string } = {}) => {
  const backend = new FakeOnnxBackend(actTinyFake());
  const client = new OnnxPolicyClient({
    backend,
    clock: new ManualClock(0),
    model: new Uint8Array(4),
    modelName: "act.onnx",
    stats: parseLerobotStats(opts.stats ?? actTinyStatsJson()),
    imageNorm: "dataset",
    joints: opts.joints ?? ACT_TINY.joints,
    cameras: opts.cameras ?? 1,
    fps: 30,
  });
  return { backend, client };
};

const image = (v = 128) => NdArray.uint8([3, 32, 32], new Uint8Array(3 * 32 * 32).fill(v));
const obs = (state = [0, 0, 0, 0, 0, 50]) => ({ state: NdArray.float32([6], state), image_0: image() });

describe("OnnxPolicyClient (fake backend)", () => {
  it("feeds the model normalised state and images, and un-normalises its chunk", async () => {
    const { backend, client } = setup();
    let fed: Record<string, OnnxTensor> = {};
    const fake = actTinyFake();
    Object.assign(backend, { model: { ...fake, run: (f: Record<string, OnnxTensor>) => ((fed = f), fake.run(f)) } });
    await client.connect();
    const chunk = await client.infer({ state: NdArray.float32([6], [20, -20, 0, 0, 40, 75]), image_0: image(255) });
    expect(Array.from(fed["state"]!.data).map((v) => +v.toFixed(5))).toEqual([1, -1, 0, 0, 1, 1]);
    expect(fed["state"]!.dims).toEqual([1, 6]);
    expect(fed["image_0"]!.dims).toEqual([1, 3, 32, 32]);
    expect(fed["image_0"]!.data[0]).toBeCloseTo((1 - 0.5) / 0.25, 5); // the dataset's camera stats
    const want = actTinyChunk([20, -20, 0, 0, 40, 75]);
    chunk.actions.forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 4));
  });

  it("refuses, at connect, a model for another arm or more cameras than the studio has, and releases it", async () => {
    const five = setup({ joints: ACT_TINY.joints.slice(0, 5) });
    await expect(five.client.connect()).rejects.toThrow(
      /act\.onnx was refused: .*state takes 6 values; this follower has 5 joints.*Nothing was moved/,
    );
    expect(five.backend.released).toBe(1);
    const blind = setup({ cameras: 0 });
    await expect(blind.client.connect()).rejects.toThrow(/takes 1 images .* the studio has 0 cameras/);
  });

  it("refuses stats of another dataset (wrong sizes), naming the key", async () => {
    const s = JSON.parse(actTinyStatsJson()) as Record<string, unknown>;
    const { client } = setup({ stats: JSON.stringify({ ...s, "observation.state": { mean: [0, 0], std: [1, 1] } }) });
    await expect(client.connect()).rejects.toThrow(/observation\.state has 2 values; the model's state has 6/);
  });

  it("a wrong-shaped run is an error naming action_chunk; NaN passes to the runner's chunk check", async () => {
    const { backend, client } = setup();
    await client.connect();
    backend.override = () => ({ action_chunk: { type: "float32", dims: [1, 10, 5], data: new Float32Array(50) } });
    await expect(client.infer(obs())).rejects.toMatchObject({
      kind: "model",
      message: expect.stringMatching(/action_chunk came back \[1, 10, 5\]; expected \[1, 10, 6\]/) as unknown,
    });
    backend.override = (out) => {
      out["action_chunk"]!.data[7] = NaN;
      return out;
    };
    const chunk = await client.infer(obs());
    expect(chunk.actions[7]).toBeNaN();
  });

  it("one request at a time; a missing image or a closed client is refused", async () => {
    const { backend, client } = setup();
    await client.connect();
    const first = client.infer(obs());
    await expect(client.infer(obs())).rejects.toMatchObject({ kind: "busy" });
    await first;
    await expect(client.infer({ state: NdArray.float32([6], [0, 0, 0, 0, 0, 0]) })).rejects.toThrow(
      /no image_0 of \[3, 32, 32\]: map a camera/,
    );
    client.close();
    expect(backend.released).toBe(1);
    await expect(client.infer(obs())).rejects.toMatchObject({ kind: "closed" });
  });

  it("closed during its load: the session is released and connect fails", async () => {
    const { backend, client } = setup();
    const connecting = client.connect();
    client.close();
    await expect(connecting).rejects.toMatchObject({ kind: "closed" });
    expect(backend.released).toBe(1);
  });
});
