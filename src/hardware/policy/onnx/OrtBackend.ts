/**
 * {@link OnnxBackend} over onnxruntime (web or its Node build; the module is passed in, so the
 * caller picks the build and sets `env` — wasm paths, threads — before the first load).
 * Execution providers are tried in order (WebGPU where the browser has an adapter, else WASM).
 */
import type * as Ort from "onnxruntime-web";
import type { TensorSpec } from "../../../protocol/onnx/actContract.ts";
import type { OnnxBackend, OnnxSession, OnnxTensor } from "./OnnxBackend.ts";

type OrtModule = Pick<typeof Ort, "InferenceSession" | "Tensor">;

function spec(m: Ort.InferenceSession.ValueMetadata): TensorSpec {
  return m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: "non-tensor", shape: [] };
}

function toFloat(t: Ort.Tensor): OnnxTensor {
  const d = t.data;
  const data =
    d instanceof Float32Array
      ? d
      : typeof d === "string" || Array.isArray(d)
        ? new Float32Array(0)
        : Float32Array.from(d as ArrayLike<number>, Number);
  return { type: t.type, dims: [...t.dims], data };
}

export class OrtBackend implements OnnxBackend {
  constructor(
    private readonly ort: OrtModule,
    private readonly providers: () => Promise<string[]> | string[] = () => ["wasm"],
  ) {}

  async load(model: Uint8Array): Promise<OnnxSession> {
    const providers = await this.providers();
    let session: Ort.InferenceSession | undefined;
    let used = providers[0] ?? "wasm";
    let last: unknown;
    for (const p of providers) {
      try {
        session = await this.ort.InferenceSession.create(model, { executionProviders: [p], graphOptimizationLevel: "all" });
        used = p;
        break;
      } catch (e) {
        last = e;
      }
    }
    if (!session) throw last instanceof Error ? last : new Error(String(last));
    const s = session;
    const signature = { inputs: s.inputMetadata.map(spec), outputs: s.outputMetadata.map(spec) };
    let released = false;
    return {
      signature,
      provider: used,
      run: async (feeds) => {
        if (released) throw new Error("The model was released.");
        const input: Record<string, Ort.Tensor> = {};
        for (const [name, t] of Object.entries(feeds)) input[name] = new this.ort.Tensor("float32", t.data, [...t.dims]);
        const out = await s.run(input);
        const result: Record<string, OnnxTensor> = {};
        for (const [name, t] of Object.entries(out)) result[name] = toFloat(t);
        return result;
      },
      release: () => {
        if (released) return;
        released = true;
        void s.release().catch(() => undefined);
      },
    };
  }
}
