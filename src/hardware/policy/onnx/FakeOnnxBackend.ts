/**
 * An in-process {@link OnnxBackend}: "loads" a model whose signature and function are given (the
 * bytes are ignored unless `accepts` says they are not a model), counts runs, and can answer NaN
 * or a wrong shape on demand.
 */
import type { ModelSignature } from "../../../protocol/onnx/actContract.ts";
import type { OnnxBackend, OnnxSession, OnnxTensor } from "./OnnxBackend.ts";

export interface FakeOnnxModel {
  readonly signature: ModelSignature;
  readonly run: (feeds: Readonly<Record<string, OnnxTensor>>) => Record<string, OnnxTensor>;
}

export class FakeOnnxBackend implements OnnxBackend {
  runs = 0;
  loads = 0;
  released = 0;
  /** The next runs answer this instead (tests: NaN, wrong shape). */
  override: ((out: Record<string, OnnxTensor>) => Record<string, OnnxTensor>) | undefined;

  constructor(
    private readonly model: FakeOnnxModel,
    private readonly accepts: (bytes: Uint8Array) => boolean = () => true,
  ) {}

  load(bytes: Uint8Array): Promise<OnnxSession> {
    if (!this.accepts(bytes)) return Promise.reject(new Error("failed to load model: protobuf parsing failed"));
    this.loads++;
    let released = false;
    return Promise.resolve({
      signature: this.model.signature,
      provider: "fake",
      run: (feeds) => {
        if (released) return Promise.reject(new Error("The model was released."));
        this.runs++;
        const out = this.model.run(feeds);
        return Promise.resolve(this.override ? this.override(out) : out);
      },
      release: () => {
        if (!released) this.released++;
        released = true;
      },
    });
  }
}
