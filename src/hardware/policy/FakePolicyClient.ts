/**
 * An in-process policy implementing {@link PolicyClient}: the reference policy without a network,
 * with the reference server's faults (`nan`, `stall`, `close`, `jump`, `error`, `flood`). The
 * contract suite (server/policyClient.contract.test.ts) runs against this and the real server.
 */
import { REFERENCE_JOINTS, REFERENCE_POLICY, referenceChunk, type ReferencePolicyConfig } from "../../core/referencePolicy.ts";
import { NdArray } from "../../protocol/openpi/codec.ts";
import { type ActionChunk, type Observation, type PolicyClient, PolicyError, type PolicyMetadata } from "../../protocol/openpi/policy.ts";

export type FakePolicyFault = "nan" | "stall" | "close" | "flood" | "jump" | "error";

export class FakePolicyClient implements PolicyClient {
  private connected = false;
  private ended = false;
  private busy = false;
  private readonly listeners = new Set<(e: PolicyError) => void>();
  /** Observations received, in order. */
  readonly observations: Observation[] = [];
  /** Settles the requests of a stalled policy (tests). */
  private stalled: ((e: PolicyError) => void)[] = [];

  constructor(
    public fault: FakePolicyFault | undefined = undefined,
    private readonly config: ReferencePolicyConfig = REFERENCE_POLICY,
  ) {}

  connect(): Promise<PolicyMetadata> {
    if (this.ended) return Promise.reject(new PolicyError("closed", "The connection to the policy was closed."));
    this.connected = true;
    return Promise.resolve({
      policy: "studio-reference",
      action_horizon: this.config.horizon,
      action_fps: this.config.fps,
      action_dim: REFERENCE_JOINTS.length,
      joints: [...REFERENCE_JOINTS],
    });
  }

  infer(observation: Observation): Promise<ActionChunk> {
    if (!this.connected || this.ended)
      return Promise.reject(new PolicyError("closed", "Not connected to the policy server: connect first."));
    if (this.busy) return Promise.reject(new PolicyError("busy", "A request to the policy is already in flight."));
    this.observations.push(observation);
    const state = observation["state"];
    if (!(state instanceof NdArray) || state.shape.length !== 1) {
      return Promise.reject(
        this.end(
          new PolicyError("server", "The policy server failed: KeyError/ValueError: observation 'state' must be a 1-D array (code 1011)."),
        ),
      );
    }
    if (this.fault === "error")
      return Promise.reject(this.end(new PolicyError("server", "The policy server failed: RuntimeError (code 1011).")));
    if (this.fault === "close")
      return Promise.reject(this.end(new PolicyError("closed", "The policy server closed the connection (code 1006).")));
    if (this.fault === "flood")
      return Promise.reject(
        this.end(new PolicyError("protocol", "The policy server sent a message nobody asked for (one reply per request): disconnected.")),
      );
    if (this.fault === "stall") {
      this.busy = true;
      return new Promise((_, reject) => this.stalled.push(reject));
    }
    const d = state.data.length;
    const prompt = typeof observation["prompt"] === "string" ? observation["prompt"] : "";
    const actions = referenceChunk(state.data, prompt, this.config);
    if (this.fault === "nan") actions[2 * d + 1] = NaN;
    if (this.fault === "jump") for (let i = 0; i < this.config.horizon; i++) actions[i * d] = state.data[0]! + 90;
    this.busy = true;
    return Promise.resolve().then(() => {
      this.busy = false;
      return { actions, horizon: this.config.horizon, dim: d, serverTiming: { inferMs: 0, prevTotalMs: undefined } };
    });
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.failStalled(new PolicyError("closed", "The connection to the policy was closed."));
  }

  onClosed(fn: (error: PolicyError) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private end(error: PolicyError): PolicyError {
    if (!this.ended) {
      this.ended = true;
      this.failStalled(error);
      for (const fn of this.listeners) fn(error);
    }
    return error;
  }

  private failStalled(error: PolicyError): void {
    for (const r of this.stalled.splice(0)) r(error);
    this.busy = false;
  }
}
