/** The page's side of the ONNX worker (app/onnx.worker.ts): started on first use, one for the page. */
import { connect, type Endpoint } from "../core/rpc.ts";
import type { OnnxBackend } from "../hardware/policy/onnx/OnnxBackend.ts";
import { type OnnxWorkerApi, remoteOnnxBackend } from "../hardware/policy/onnx/onnxWorkerApi.ts";

export function createOnnxBackend(): OnnxBackend {
  let api: OnnxWorkerApi | undefined;
  return remoteOnnxBackend(() => {
    if (!api) {
      const worker = new Worker(new URL("./onnx.worker.ts", import.meta.url), { type: "module", name: "onnx-policy" });
      api = connect<OnnxWorkerApi>(
        worker as unknown as Endpoint,
        worker,
        "The ONNX policy's worker stopped (out of memory?). Reload the page, then load the model again.",
      ) as unknown as OnnxWorkerApi;
    }
    return api;
  });
}
