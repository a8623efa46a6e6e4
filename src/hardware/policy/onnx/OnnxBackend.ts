/**
 * The seam between an ONNX policy and the runtime that runs it: onnxruntime-web in a worker in
 * the browser (app/onnx.worker.ts), onnxruntime-web's Node build in tests ({@link OrtBackend}), or
 * a fake ({@link FakeOnnxBackend}). One contract suite runs against the real and the fake.
 */
import type { ModelSignature } from "../../../protocol/onnx/actContract.ts";

/** A tensor crossing the seam (float32 in; whatever the model gives out, as float32). */
export interface OnnxTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export interface OnnxSession {
  readonly signature: ModelSignature;
  /** Which execution provider runs it ("webgpu", "wasm"). */
  readonly provider: string;
  run(feeds: Readonly<Record<string, OnnxTensor>>): Promise<Record<string, OnnxTensor>>;
  /** Frees the session; runs after this fail. */
  release(): void;
}

export interface OnnxBackend {
  /** Loads a model; bytes that are not a model onnxruntime can load reject with its reason. */
  load(model: Uint8Array): Promise<OnnxSession>;
}
