/**
 * An {@link OnnxBackend} in a worker: the worker serves {@link serveOnnxApi} over the studio's RPC
 * (core/rpc.ts), the page wraps the remote with {@link remoteOnnxBackend}. Sessions are kept by id,
 * so a session released while another loads (a rollout restarting) cannot touch the new one.
 * Tensors cross as transferred buffers.
 */
import { transfer } from "../../../core/rpc.ts";
import type { ModelSignature } from "../../../protocol/onnx/actContract.ts";
import type { OnnxBackend, OnnxSession, OnnxTensor } from "./OnnxBackend.ts";

export interface OnnxWorkerApi {
  load(model: Uint8Array): Promise<{ id: number; signature: ModelSignature; provider: string }>;
  run(id: number, feeds: Record<string, OnnxTensor>): Promise<Record<string, OnnxTensor>>;
  release(id: number): Promise<void>;
}

const buffers = (tensors: Record<string, OnnxTensor>): Transferable[] => {
  const out = new Set<ArrayBuffer>();
  for (const t of Object.values(tensors)) if (t.data.buffer instanceof ArrayBuffer) out.add(t.data.buffer);
  return [...out];
};

/** The worker's side: one {@link OnnxBackend}'s sessions by id. */
export function serveOnnxApi(backend: OnnxBackend): OnnxWorkerApi {
  const sessions = new Map<number, OnnxSession>();
  let next = 0;
  return {
    async load(model) {
      const s = await backend.load(model);
      const id = ++next;
      sessions.set(id, s);
      return { id, signature: s.signature, provider: s.provider };
    },
    async run(id, feeds) {
      const s = sessions.get(id);
      if (!s) throw new Error("The model was released.");
      const out = await s.run(feeds);
      return transfer(out, buffers(out));
    },
    release(id) {
      sessions.get(id)?.release();
      sessions.delete(id);
      return Promise.resolve();
    },
  };
}

/** The page's side: the worker's remote as an {@link OnnxBackend}. */
export function remoteOnnxBackend(remote: () => OnnxWorkerApi): OnnxBackend {
  return {
    async load(model) {
      const api = remote();
      const copy = model.slice(); // the caller keeps its bytes (a rollout may load them again)
      const { id, signature, provider } = await api.load(transfer(copy, [copy.buffer]));
      let released = false;
      return {
        signature,
        provider,
        run: (feeds) => (released ? Promise.reject(new Error("The model was released.")) : api.run(id, transfer(feeds, buffers(feeds)))),
        release: () => {
          if (released) return;
          released = true;
          void api.release(id).catch(() => undefined);
        },
      } satisfies OnnxSession;
    },
  };
}
