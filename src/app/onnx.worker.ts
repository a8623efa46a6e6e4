/// <reference lib="webworker" />
/**
 * The ONNX policy worker: onnxruntime-web runs the model off the page's thread (WebGPU where the
 * browser has an adapter, else WASM). The runtime's .wasm is bundled by Vite (`?url`), never
 * fetched from a CDN; one thread (the worker is already off the main thread, and onnxruntime's own
 * thread pool would need its glue script at a URL the bundle does not keep).
 */
import * as ort from "onnxruntime-web/webgpu";
import wasmUrl from "onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url";
import { serve } from "../core/rpc.ts";
import { serveOnnxApi } from "../hardware/policy/onnx/onnxWorkerApi.ts";
import { OrtBackend } from "../hardware/policy/onnx/OrtBackend.ts";

ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, self.location.href).href };
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.logLevel = "error";

interface Gpu {
  requestAdapter(): Promise<unknown>;
}

async function providers(): Promise<string[]> {
  const gpu = (navigator as unknown as { gpu?: Gpu }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  return adapter ? ["webgpu", "wasm"] : ["wasm"];
}

serve(serveOnnxApi(new OrtBackend(ort, providers)));
