import { createStore, type StoreApi } from "zustand/vanilla";
import type { OnnxPolicySource, OnnxSourceSnapshot } from "../control/OnnxPolicySource.ts";

export interface OnnxPolicyState extends OnnxSourceSnapshot {
  /** A picked .onnx file. */
  setModel(name: string, bytes: Uint8Array): Promise<void>;
  /** A picked stats.json (its text). */
  setStats(name: string, text: string): void;
  configure(patch: Partial<Pick<OnnxSourceSnapshot, "imageNorm" | "cameras" | "fps">>): void;
}

export type OnnxPolicyStore = StoreApi<OnnxPolicyState>;

/** Binds an {@link OnnxPolicySource} (the ONNX model chosen for rollouts) to React. */
export function createOnnxPolicyStore(source: OnnxPolicySource): OnnxPolicyStore {
  const store = createStore<OnnxPolicyState>()(() => ({
    ...source.snapshot,
    setModel: (name, bytes) => source.setModel(name, bytes),
    setStats: (name, text) => source.setStats(name, text),
    configure: (patch) => source.configure(patch),
  }));
  source.subscribe((s) => store.setState(s));
  return store;
}
