/**
 * A policy that runs in this browser: an ONNX model in lerobot's ACT export contract
 * (protocol/onnx), behind the same {@link PolicyClient} as a remote server, so the runner does not
 * care which it has.
 *
 * connect() loads the model and checks it against the contract and the follower (inputs, shapes,
 * dtypes, the action size, the stats) — a model that does not fit is refused there, naming the
 * input or field, before any chunk exists. infer() takes the observation the runner built (`state`
 * in the dataset's units, `image_i` uint8 [3, H, W]), normalises it with the stats, runs the model
 * and un-normalises `action_chunk`; a reply of the wrong shape is an error naming it, and NaN
 * reaches the runner's chunk check (which refuses it, naming the action).
 */
import type { Clock } from "../../core/clock.ts";
import { type ActContract, checkActOutput, checkActSignature, ModelRefused } from "../../protocol/onnx/actContract.ts";
import { type ActStats, fitStats, type ImageNorm, normaliseImage, normaliseState, type NormStats } from "../../protocol/onnx/actStats.ts";
import { unnormaliseActions } from "../../protocol/onnx/actStats.ts";
import { NdArray } from "../../protocol/openpi/codec.ts";
import { type ActionChunk, type Observation, type PolicyClient, PolicyError, type PolicyMetadata } from "../../protocol/openpi/policy.ts";
import type { OnnxBackend, OnnxSession, OnnxTensor } from "./onnx/OnnxBackend.ts";

export interface OnnxPolicyConfig {
  readonly backend: OnnxBackend;
  readonly clock: Clock;
  /** The .onnx file's bytes and name (for messages). */
  readonly model: Uint8Array;
  readonly modelName: string;
  readonly stats: ActStats;
  readonly imageNorm: ImageNorm;
  /** The follower's joints, in the loop's order: `state` and each action have this many values. */
  readonly joints: readonly string[];
  /** How many cameras the studio feeds (the model may not take more images). */
  readonly cameras: number;
  /** Rate the actions are played at (lerobot: the dataset's fps). */
  readonly fps: number;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class OnnxPolicyClient implements PolicyClient {
  private session: OnnxSession | undefined;
  private contract: ActContract | undefined;
  private images: NormStats[] = [];
  private connecting: Promise<PolicyMetadata> | undefined;
  private closed = false;
  private busy = false;
  private readonly listeners = new Set<(e: PolicyError) => void>();

  constructor(private readonly config: OnnxPolicyConfig) {}

  connect(): Promise<PolicyMetadata> {
    this.connecting ??= this.open();
    return this.connecting;
  }

  private async open(): Promise<PolicyMetadata> {
    const c = this.config;
    if (this.closed) throw new PolicyError("closed", "The ONNX policy was closed.");
    let session: OnnxSession;
    try {
      session = await c.backend.load(c.model);
    } catch (e) {
      throw new PolicyError("model", `${c.modelName} could not be loaded as an ONNX model: ${messageOf(e)}`);
    }
    if (this.closed) {
      session.release();
      throw new PolicyError("closed", "The ONNX policy was closed.");
    }
    try {
      const contract = checkActSignature(session.signature, c.joints, c.cameras);
      this.images = fitStats(c.stats, contract, c.imageNorm).images;
      this.contract = contract;
    } catch (e) {
      session.release();
      if (e instanceof ModelRefused) throw new PolicyError("model", `${c.modelName} was refused: ${e.message} Nothing was moved.`);
      throw e;
    }
    this.session = session;
    const k = this.contract;
    return {
      policy: "onnx-act",
      model: c.modelName,
      provider: session.provider,
      ...(k.horizon === undefined ? {} : { action_horizon: k.horizon }),
      action_dim: k.actionDim,
      action_fps: c.fps,
      images: k.images.map((i) => `${i.name} [3, ${i.height}, ${i.width}]`),
    };
  }

  async infer(observation: Observation): Promise<ActionChunk> {
    const session = this.session;
    const k = this.contract;
    if (!session || !k || this.closed) throw new PolicyError("closed", "The ONNX policy is not loaded: connect first.");
    if (this.busy) throw new PolicyError("busy", "A request to the policy is already in flight.");
    const feeds = this.feeds(observation, k);
    this.busy = true;
    const t0 = this.config.clock.now();
    let out: Record<string, OnnxTensor>;
    try {
      out = await session.run(feeds);
    } catch (e) {
      throw new PolicyError("model", `The model failed to run: ${messageOf(e)}`);
    } finally {
      this.busy = false;
    }
    if (this.closed) throw new PolicyError("closed", "The ONNX policy was closed.");
    const inferMs = this.config.clock.now() - t0;
    const chunk = out["action_chunk"];
    let horizon: number;
    try {
      horizon = checkActOutput(chunk, k);
    } catch (e) {
      throw new PolicyError("model", `${messageOf(e)} The model's output is not usable.`);
    }
    return {
      actions: unnormaliseActions(chunk!.data, this.config.stats.action),
      horizon,
      dim: k.actionDim,
      serverTiming: { inferMs, prevTotalMs: undefined },
    };
  }

  private feeds(observation: Observation, k: ActContract): Record<string, OnnxTensor> {
    const state = observation["state"];
    if (!(state instanceof NdArray) || state.shape.length !== 1 || state.shape[0] !== k.stateDim)
      throw new PolicyError("protocol", `The observation's state must be ${k.stateDim} joint values.`);
    const feeds: Record<string, OnnxTensor> = {
      state: { type: "float32", dims: [1, k.stateDim], data: normaliseState(state.data, this.config.stats.state) },
    };
    k.images.forEach((img, i) => {
      const a = observation[img.name];
      const [c, h, w] = a instanceof NdArray ? a.shape : [];
      if (!(a instanceof NdArray) || a.dtype !== "|u1" || c !== 3 || h !== img.height || w !== img.width)
        throw new PolicyError("protocol", `The observation has no ${img.name} of [3, ${img.height}, ${img.width}]: map a camera to it.`);
      feeds[img.name] = {
        type: "float32",
        dims: [1, 3, img.height, img.width],
        data: normaliseImage(a.data as Uint8Array, this.images[i]!),
      };
    });
    return feeds;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session?.release();
    this.session = undefined;
  }

  onClosed(fn: (error: PolicyError) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
