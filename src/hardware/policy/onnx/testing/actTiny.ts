/**
 * The fixture model fixtures/onnx/act_tiny.onnx (made by scripts/make-act-fixture.py), as numbers
 * the tests can check, and a fake of it for {@link FakeOnnxBackend}. Keep in step with the script.
 */
import type { ModelSignature } from "../../../../protocol/onnx/actContract.ts";
import type { FakeOnnxModel } from "../FakeOnnxBackend.ts";

export const ACT_TINY = {
  horizon: 10,
  k: 0.03,
  goal: [25, 15, -15, 10, 0, 40],
  mean: [0, 0, 0, 0, 0, 50],
  std: [20, 20, 20, 20, 40, 25],
  image: 32,
  joints: ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"],
} as const;

/** The chunk act_tiny gives for `state` (studio units, row-major [horizon, 6]): row i = s + (i + 1)·k·(goal − s). */
export function actTinyChunk(state: readonly number[]): Float32Array {
  const { horizon, k, goal } = ACT_TINY;
  const d = goal.length;
  const out = new Float32Array(horizon * d);
  for (let i = 0; i < horizon; i++) for (let j = 0; j < d; j++) out[i * d + j] = state[j]! + (i + 1) * k * (goal[j]! - state[j]!);
  return out;
}

export const ACT_TINY_SIGNATURE: ModelSignature = {
  inputs: [
    { name: "state", type: "float32", shape: ["batch", 6] },
    { name: "image_0", type: "float32", shape: ["batch", 3, 32, 32] },
  ],
  outputs: [{ name: "action_chunk", type: "float32", shape: ["batch", 10, 6] }],
};

/** act_tiny's function in normalised units: a_n[i] = (1 − (i+1)k)·s_n + (i+1)k·g_n. */
export function actTinyFake(): FakeOnnxModel {
  const { horizon, k, goal, mean, std } = ACT_TINY;
  const d = goal.length;
  return {
    signature: ACT_TINY_SIGNATURE,
    run: (feeds) => {
      const s = feeds["state"]!.data;
      const out = new Float32Array(horizon * d);
      for (let i = 0; i < horizon; i++)
        for (let j = 0; j < d; j++) {
          const w = (i + 1) * k;
          out[i * d + j] = (1 - w) * s[j]! + (w * (goal[j]! - mean[j]!)) / std[j]!;
        }
      return { action_chunk: { type: "float32", dims: [1, horizon, d], data: out } };
    },
  };
}

/** lerobot-style stats.json for act_tiny (the same as fixtures/onnx/act_tiny.stats.json). */
export function actTinyStatsJson(): string {
  const { mean, std } = ACT_TINY;
  const vec = { mean, std };
  const cam = { mean: [[[0.5]], [[0.5]], [[0.5]]], std: [[[0.25]], [[0.25]], [[0.25]]] };
  return JSON.stringify({ action: vec, "observation.state": vec, "observation.images.front": cam });
}
