import { describe, expect, it } from "vitest";
import { checkActOutput, checkActSignature, type ModelSignature, ModelRefused, type TensorSpec } from "./actContract.ts";
import { fitStats, IMAGENET, normaliseImage, normaliseState, parseLerobotStats, unnormaliseActions } from "./actStats.ts";

const JOINTS = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"];

const state: TensorSpec = { name: "state", type: "float32", shape: ["batch", 6] };
const image = (i: number, shape: (number | string)[] = ["batch", 3, 96, 128], type = "float32"): TensorSpec => ({
  name: `image_${i}`,
  type,
  shape,
});
const output: TensorSpec = { name: "action_chunk", type: "float32", shape: ["batch", 100, 6] };
const sig = (inputs: TensorSpec[], outputs: TensorSpec[] = [output]): ModelSignature => ({ inputs, outputs });

/** The refusal's field and message (fails the test if the model is accepted). */
function refusal(s: ModelSignature, cameras?: number): { field: string; message: string } {
  try {
    checkActSignature(s, JOINTS, cameras);
  } catch (e) {
    if (e instanceof ModelRefused) return { field: e.field, message: e.message };
    throw e;
  }
  throw new Error("the model was accepted");
}

describe("lerobot's ACT ONNX contract: the model's inputs and outputs", () => {
  it("accepts state + image_0 … image_{N-1} → action_chunk, with a dynamic or fixed batch axis", () => {
    const c = checkActSignature(sig([image(1), state, image(0)]), JOINTS, 2);
    expect(c).toEqual({
      stateDim: 6,
      actionDim: 6,
      horizon: 100,
      images: [
        { name: "image_0", height: 96, width: 128 },
        { name: "image_1", height: 96, width: 128 },
      ],
    });
    const fixedBatch = checkActSignature(sig([{ ...state, shape: [1, 6] }], [{ ...output, shape: [1, "horizon", 6] }]), JOINTS);
    expect(fixedBatch.horizon).toBeUndefined();
    expect(fixedBatch.images).toEqual([]);
  });

  it("refuses a model without `state`, naming it and the inputs it has", () => {
    const r = refusal(sig([{ ...state, name: "observation.state" }, image(0)]));
    expect(r.field).toBe("state");
    expect(r.message).toContain('no input "state"');
    expect(r.message).toContain("observation.state, image_0");
  });

  it("refuses an extra input the studio cannot feed", () => {
    const r = refusal(sig([state, image(0), { name: "task", type: "int64", shape: ["batch", 16] }]));
    expect(r.field).toBe("task");
    expect(r.message).toContain("not in lerobot's ACT contract");
  });

  it("refuses a state of the wrong size or dtype, naming what was expected", () => {
    const wide = refusal(sig([{ ...state, shape: ["batch", 7] }]));
    expect(wide.field).toBe("state");
    expect(wide.message).toContain("takes 7 values; this follower has 6 joints");
    expect(refusal(sig([{ ...state, type: "float16" }])).message).toContain("state is float16");
    expect(refusal(sig([{ ...state, shape: [6] }])).message).toContain("expected [batch, 6]");
  });

  it("refuses images that are not float32 [batch, 3, H, W], numbered from 0, or more than the cameras", () => {
    expect(refusal(sig([state, image(0, undefined, "uint8")]))).toMatchObject({ field: "image_0" });
    expect(refusal(sig([state, image(0, ["batch", 96, 128, 3])])).message).toContain("expected [batch, 3, height, width]");
    expect(refusal(sig([state, image(0, ["batch", 3, "h", "w"])])).field).toBe("image_0");
    expect(refusal(sig([state, image(1)]))).toMatchObject({ field: "image_0" });
    expect(refusal(sig([state, image(0), image(1)]), 1).message).toContain("takes 2 images");
  });

  it("refuses an output other than action_chunk float32 [batch, horizon, joints]", () => {
    expect(refusal(sig([state], [{ ...output, name: "actions" }])).message).toContain('no output "action_chunk"');
    const five = refusal(sig([state], [{ ...output, shape: ["batch", 100, 5] }]));
    expect(five.field).toBe("action_chunk.shape");
    expect(five.message).toContain("5 values per action; this follower has 6 joints");
    expect(refusal(sig([state], [{ ...output, shape: ["batch", 600] }])).message).toContain("expected [batch, horizon, 6]");
    expect(refusal(sig([state], [{ ...output, type: "int64" }])).message).toContain("int64");
  });

  it("checks a run's output: [1, horizon, dim] float32", () => {
    const c = checkActSignature(sig([state]), JOINTS);
    expect(checkActOutput({ type: "float32", dims: [1, 100, 6], data: new Float32Array(600) }, c)).toBe(100);
    expect(() => checkActOutput({ type: "float32", dims: [1, 50, 6], data: new Float32Array(300) }, c)).toThrow(
      /came back \[1, 50, 6\]; expected \[1, 100, 6\]/,
    );
    expect(() => checkActOutput({ type: "float32", dims: [1, 100, 5], data: new Float32Array(500) }, c)).toThrow(ModelRefused);
    expect(() => checkActOutput(undefined, c)).toThrow(/no action_chunk/);
  });
});

const STATS = JSON.stringify({
  "observation.state": { mean: [1, 2, 3, 4, 5, 50], std: [2, 2, 2, 2, 2, 10], min: [0, 0, 0, 0, 0, 0], max: [9, 9, 9, 9, 9, 100] },
  action: { mean: [10, 20, 30, 40, 50, 60], std: [1, 2, 3, 4, 5, 6] },
  "observation.images.front": { mean: [[[0.5]], [[0.4]], [[0.3]]], std: [[[0.25]], [[0.2]], [[0.1]]] },
  "observation.images.wrist": { mean: [[[0.1]], [[0.1]], [[0.1]]], std: [[[0.1]], [[0.1]], [[0.1]]] },
});

describe("ACT normalisation with lerobot's stats.json", () => {
  const contract = checkActSignature(sig([state, image(0), image(1)]), JOINTS, 2);

  it("normalises the state (x − mean) / std and un-normalises actions a·std + mean", () => {
    const s = parseLerobotStats(STATS);
    const n = normaliseState([3, 2, 1, 4, 5, 70], s.state);
    expect(Array.from(n).map((v) => +v.toFixed(6))).toEqual([1, 0, -1, 0, 0, 2]);
    const a = unnormaliseActions([0, 1, -1, 0.5, 2, 1, 1, 0, 0, 0, 0, 0], s.action);
    expect(Array.from(a)).toEqual([10, 22, 27, 42, 60, 66, 11, 20, 30, 40, 50, 60]);
  });

  it("normalises images per channel on pixels / 255, with ImageNet's stats by default or the dataset's camera stats in file order", () => {
    const s = parseLerobotStats(STATS);
    const px = Uint8Array.of(255, 0, 51, 102, 255, 255); // [3, 1, 2]
    const dataset = fitStats(s, contract, "dataset").images;
    expect(dataset.map((d) => Array.from(d.mean).map((v) => +v.toFixed(2)))).toEqual([
      [0.5, 0.4, 0.3],
      [0.1, 0.1, 0.1],
    ]);
    const img = normaliseImage(px, dataset[0]!);
    expect(Array.from(img).map((v) => +v.toFixed(4) || 0)).toEqual([2, -2, -1, 0, 7, 7]);
    const imagenet = fitStats(s, contract, "imagenet").images;
    expect(imagenet).toEqual([IMAGENET, IMAGENET]);
    expect(normaliseImage(Uint8Array.of(0, 0, 0), IMAGENET)[0]).toBeCloseTo(-0.485 / 0.229, 5);
  });

  it("refuses stats that do not fit the model, naming the key", () => {
    const s = parseLerobotStats(STATS);
    const seven = checkActSignature(sig([{ ...state, shape: ["batch", 6] }]), JOINTS);
    const short = parseLerobotStats(JSON.stringify({ ...JSON.parse(STATS), action: { mean: [0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1] } }));
    expect(() => fitStats(short, seven, "imagenet")).toThrow(/action has 5 values; the model's action_chunk has 6/);
    const three = checkActSignature(sig([state, image(0), image(1), image(2)]), JOINTS);
    expect(() => fitStats(s, three, "dataset")).toThrow(/the model's image_2 needs one/);
    expect(() => parseLerobotStats("{")).toThrow(/not JSON/);
    expect(() => parseLerobotStats(JSON.stringify({ action: { mean: [0], std: [1] } }))).toThrow(/no "observation.state"/);
    expect(() => parseLerobotStats(JSON.stringify({ "observation.state": { mean: [0, "x"], std: [1, 1] }, action: {} }))).toThrow(
      /observation.state.mean must be numbers/,
    );
    expect(() => parseLerobotStats(JSON.stringify({ "observation.state": { mean: [0], std: [1, 1] }, action: {} }))).toThrow(
      /mean has 1 values but observation.state.std has 2/,
    );
  });
});
