/**
 * Bench page for bench/onnx.bench.ts: an ONNX policy as a rollout runs it — the studio's worker
 * (app/onnxBackend.ts → app/onnx.worker.ts, onnxruntime-web) behind OnnxPolicyClient — timing
 * observation → chunk (normalise on the page, transfer, run in the worker, back, un-normalise).
 */
import { createOnnxBackend } from "../../src/app/onnxBackend.ts";
import { realClock } from "../../src/hardware/index.ts";
import { OnnxPolicyClient } from "../../src/hardware/policy/OnnxPolicyClient.ts";
import { parseLerobotStats } from "../../src/protocol/onnx/actStats.ts";
import { NdArray } from "../../src/protocol/openpi/codec.ts";

export interface OnnxBenchOptions {
  /** The .onnx file, as numbers (page.evaluate carries no binary). */
  model: number[];
  stats: string;
  images: number;
  size: number;
  runs: number;
  warmup: number;
}

export interface OnnxBenchResult {
  provider: string;
  /** Observation → chunk, ms, after warm-up. */
  inferMs: number[];
  /** First load (the runtime's wasm compiled, the session created), ms. */
  loadMs: number;
}

async function run(o: OnnxBenchOptions): Promise<OnnxBenchResult> {
  const joints = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"];
  const client = new OnnxPolicyClient({
    backend: createOnnxBackend(),
    clock: realClock,
    model: Uint8Array.from(o.model),
    modelName: "bench.onnx",
    stats: parseLerobotStats(o.stats),
    imageNorm: "imagenet",
    joints,
    cameras: o.images,
    fps: 30,
  });
  const t0 = performance.now();
  const meta = await client.connect();
  const loadMs = performance.now() - t0;
  const inferMs: number[] = [];
  const pixels = Uint8Array.from({ length: 3 * o.size * o.size }, (_, i) => (i * 7) & 255);
  for (let i = 0; i < o.warmup + o.runs; i++) {
    const obs: Record<string, NdArray> = { state: NdArray.float32([6], [i % 10, 0, 0, 0, 0, 50]) };
    for (let k = 0; k < o.images; k++) obs[`image_${k}`] = NdArray.uint8([3, o.size, o.size], pixels);
    const t = performance.now();
    await client.infer(obs);
    if (i >= o.warmup) inferMs.push(performance.now() - t);
  }
  client.close();
  return { provider: String(meta["provider"]), inferMs, loadMs };
}

(window as unknown as { __runOnnxBench: typeof run }).__runOnnxBench = run;
document.getElementById("status")!.textContent = "ready";
