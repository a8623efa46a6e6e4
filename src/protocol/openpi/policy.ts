/**
 * A policy as the studio sees it: something that, given an observation, answers a chunk of
 * actions. Two implementations: a remote openpi websocket server (hardware/policy) and an
 * in-browser ONNX model; tests use a fake. One contract suite runs against them.
 */
import { asMap, NdArray, type WireValue, WireError } from "./codec.ts";

/** What the server sent on connect (openpi: the policy's metadata map). */
export type PolicyMetadata = { readonly [key: string]: WireValue };

/** openpi's observation: policy-specific keys ("state", "images.cam_high", "prompt", …). */
export type Observation = { readonly [key: string]: WireValue };

export interface ServerTiming {
  readonly inferMs: number | undefined;
  readonly prevTotalMs: number | undefined;
}

export interface ActionChunk {
  /** Row-major [horizon, dim]. */
  readonly actions: Float32Array;
  readonly horizon: number;
  readonly dim: number;
  readonly serverTiming: ServerTiming | undefined;
}

export type PolicyErrorKind = "connect" | "closed" | "server" | "protocol" | "busy" | "model";

/** A policy that failed: `kind` says how (closed mid-request, the server's own error, a bad reply…). */
export class PolicyError extends Error {
  override readonly name = "PolicyError";
  constructor(
    readonly kind: PolicyErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface PolicyClient {
  /** Opens the connection; resolves with the policy's metadata. */
  connect(): Promise<PolicyMetadata>;
  /** One observation → one chunk. One request at a time (a second while one is in flight is refused). */
  infer(observation: Observation): Promise<ActionChunk>;
  close(): void;
  /** Called once when the connection ends for any reason other than close(). */
  onClosed(fn: (error: PolicyError) => void): () => void;
}

function num(v: WireValue | undefined): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** The reply's `actions` as a chunk; a malformed reply is a {@link WireError} naming the field. */
export function parseActionReply(reply: WireValue, expectedDim?: number): ActionChunk {
  const map = asMap(reply, "The policy's reply");
  const a = map["actions"];
  if (a === undefined) throw new WireError("actions", "missing from the reply.");
  if (!(a instanceof NdArray)) throw new WireError("actions", "must be an array.");
  if (a.shape.length !== 2) throw new WireError("actions.shape", `must be [horizon, action_dim], not [${a.shape.join(", ")}].`);
  const [horizon, dim] = a.shape as [number, number];
  if (horizon < 1) throw new WireError("actions.shape", "the chunk has no actions.");
  if (expectedDim !== undefined && dim !== expectedDim)
    throw new WireError("actions.shape", `has ${dim} values per action; this arm needs ${expectedDim}.`);
  if (a.dtype !== "<f4" && a.dtype !== "<f8") throw new WireError("actions.dtype", `must be float32 or float64, not ${a.dtype}.`);
  const actions = Float32Array.from(a.data);
  const timing = map["server_timing"];
  const t =
    timing && typeof timing === "object" && !Array.isArray(timing) && !(timing instanceof Uint8Array)
      ? (timing as Record<string, WireValue>)
      : undefined;
  return {
    actions,
    horizon,
    dim,
    serverTiming: t ? { inferMs: num(t["infer_ms"]), prevTotalMs: num(t["prev_total_ms"]) } : undefined,
  };
}

/** The actions of `chunk` for the wire (float32 [horizon, dim]), with openpi's `server_timing`. */
export function actionReply(
  actions: Float32Array,
  horizon: number,
  dim: number,
  timing: { inferMs: number; prevTotalMs?: number },
): Observation {
  return {
    actions: NdArray.float32([horizon, dim], actions),
    server_timing: { infer_ms: timing.inferMs, ...(timing.prevTotalMs === undefined ? {} : { prev_total_ms: timing.prevTotalMs }) },
  };
}
