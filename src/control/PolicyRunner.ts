/**
 * Runs a policy on the arm: observation → chunk → the control loop, which plays the chunk
 * open-loop at its rate through the same start gate, range clamp and max step as teleop. The next
 * chunk is asked for before the current one runs out (inference overlaps execution), led by the
 * measured round trip. A policy that stalls, disconnects or answers something unusable (NaN, wrong
 * shape, out of range, a huge jump) puts the runner in "held": the follower holds where it is and
 * the message says what happened, naming the field.
 *
 * Lifecycle: every change of state is synchronous; a second start returns the same promise; stop,
 * pause or a hold during a start or a request cancel it (run tokens: a reply to an older run never
 * reaches the arm).
 */
import type { Clock } from "../core/clock.ts";
import { messageOf } from "../core/messages.ts";
import type { JointRange } from "../core/teleop.ts";
import type { PolicyClient, PolicyError, PolicyMetadata } from "../protocol/openpi/policy.ts";
import type { LoopChunk } from "./actionChunks.ts";
import {
  buildObservation,
  type ChunkLimits,
  checkChunk,
  DEFAULT_CHUNK_LIMITS,
  type PolicyMapping,
  type RobotObservation,
} from "./policyIo.ts";
import { SnapshotEngine } from "./SnapshotEngine.ts";

export type RunnerState = "idle" | "connecting" | "running" | "paused" | "held" | "stopped" | "failed";

export interface RunnerSnapshot {
  readonly state: RunnerState;
  /** For the user: why it holds or failed (names the field of a refused chunk), or what it is doing. */
  readonly message: string | undefined;
  readonly metadata: PolicyMetadata | undefined;
  readonly prompt: string;
  /** Chunks accepted and handed to the loop. */
  readonly chunks: number;
  /** Chunks refused (bad output). */
  readonly refused: number;
  /** Observation → chunk, ms: the last one and a smoothed one (it leads the next request). */
  readonly lastRoundTripMs: number;
  readonly roundTripMs: number;
}

/** Where chunks go (the teleop controller: the loop's "policy" source). */
export interface ChunkSink {
  playChunk(chunk: LoopChunk): Promise<void>;
  /** The follower holds where it is (the loop's manual source at its pose). */
  hold(): Promise<void>;
}

export interface PolicyRunnerDeps {
  readonly clock: Clock;
  readonly connect: () => PolicyClient;
  readonly sink: ChunkSink;
  readonly observe: () => Promise<RobotObservation>;
  readonly joints: readonly string[];
  readonly ranges: readonly JointRange[];
  readonly grippers: readonly boolean[];
  readonly mapping: PolicyMapping;
  readonly limits?: ChunkLimits;
  /** No answer for this long: hold (ms). */
  readonly stallMs?: number;
  /** Action rate when the server's metadata does not say (`action_fps`). */
  readonly fps?: number;
}

export class PolicyRunner extends SnapshotEngine<RunnerSnapshot> {
  private token = 0;
  private client: PolicyClient | undefined;
  private clientAlive = false;
  private starting: Promise<void> | undefined;
  /** The client with a request in flight (at most one). */
  private busyClient: PolicyClient | undefined;
  private promptChanged = false;
  private cancelNext: (() => void) | undefined;
  private seq = 0;

  constructor(
    private readonly deps: PolicyRunnerDeps,
    prompt = "",
  ) {
    super({
      state: "idle",
      message: undefined,
      metadata: undefined,
      prompt,
      chunks: 0,
      refused: 0,
      lastRoundTripMs: NaN,
      roundTripMs: NaN,
    });
  }

  get fps(): number {
    const f = this.snap.metadata?.["action_fps"];
    return typeof f === "number" && f > 0 ? f : (this.deps.fps ?? 30);
  }

  /** Connects and starts acting. */
  start(): Promise<void> {
    if (this.starting) return this.starting;
    if (this.snap.state === "running") return Promise.resolve();
    const token = ++this.token;
    this.cancelTimers();
    this.update({ state: "connecting", message: "Connecting to the policy…" });
    const p = this.open(token).finally(() => {
      if (this.starting === p) this.starting = undefined;
    });
    this.starting = p;
    return p;
  }

  private async open(token: number): Promise<void> {
    this.dropClient();
    const client = this.deps.connect();
    this.client = client;
    let metadata: PolicyMetadata;
    try {
      metadata = await client.connect();
    } catch (e) {
      if (token === this.token) {
        this.dropClient();
        this.update({ state: "failed", message: messageOf(e) });
      }
      return;
    }
    if (token !== this.token) {
      if (this.client === client) this.dropClient();
      else client.close();
      return;
    }
    this.clientAlive = true;
    client.onClosed((e) => this.lost(client, e));
    this.update({ state: "running", message: undefined, metadata });
    void this.request(token);
  }

  /** Stops acting; the follower holds. A reply still on its way is dropped. */
  pause(): void {
    if (this.snap.state !== "running" && this.snap.state !== "connecting") return;
    this.token++;
    this.starting = undefined;
    this.cancelTimers();
    this.update({ state: "paused", message: undefined });
    void this.deps.sink.hold().catch(() => undefined);
  }

  /** Acts again (after a pause or a hold): from a fresh observation, reconnecting if the connection is gone. */
  resume(): Promise<void> {
    const s = this.snap.state;
    if (s !== "paused" && s !== "held" && s !== "failed" && s !== "stopped") return this.starting ?? Promise.resolve();
    if (!this.clientAlive || this.busyClient) return this.start();
    const token = ++this.token;
    this.update({ state: "running", message: undefined });
    void this.request(token);
    return Promise.resolve();
  }

  /** Stops acting and disconnects; the follower holds. */
  stop(): void {
    const s = this.snap.state;
    this.token++;
    this.starting = undefined;
    this.cancelTimers();
    this.dropClient();
    if (s === "idle" || s === "stopped") return;
    this.update({ state: "stopped", message: undefined });
    void this.deps.sink.hold().catch(() => undefined);
  }

  /** The instruction sent as the prompt; a change reaches the policy with the next request, asked for at once. */
  setPrompt(prompt: string): void {
    if (prompt === this.snap.prompt) return;
    this.update({ prompt });
    if (this.snap.state !== "running") return;
    if (this.busyClient) {
      this.promptChanged = true;
      return;
    }
    this.cancelTimers();
    void this.request(this.token);
  }

  private async request(token: number): Promise<void> {
    const client = this.client;
    if (token !== this.token || this.snap.state !== "running" || !client || this.busyClient === client) return;
    this.busyClient = client;
    try {
      await this.exchange(token, client);
    } finally {
      if (this.busyClient === client) this.busyClient = undefined;
    }
  }

  private async exchange(token: number, client: PolicyClient): Promise<void> {
    let robot: RobotObservation;
    try {
      robot = await this.deps.observe();
    } catch (e) {
      this.hold(token, `Could not read the follower for the policy: ${messageOf(e)}`);
      return;
    }
    if (token !== this.token) return;
    const unread = this.deps.joints.filter((_, i) => !Number.isFinite(robot.state[i] ?? NaN));
    if (unread.length > 0) {
      this.hold(
        token,
        `The follower's ${unread.join(", ")} could not be read: nothing was sent to the policy. Check the arm, then resume.`,
      );
      return;
    }
    const { observation, missing } = buildObservation(robot, this.deps.mapping, this.snap.prompt, this.deps.grippers);
    if (missing.length > 0) {
      this.hold(token, `No frame from camera ${missing.join(", ")}: the policy needs it. Check the camera, then resume.`);
      return;
    }
    this.promptChanged = false;
    const stallMs = this.deps.stallMs ?? 2000;
    const cancelStall = this.deps.clock.timeout(stallMs, () => {
      this.hold(
        token,
        `The policy has not answered for ${(stallMs / 1000).toFixed(1)} s: the arm holds where it is. Check the policy server, then resume.`,
      );
    });
    try {
      const chunk = await client.infer(observation);
      cancelStall();
      if (token !== this.token) return;
      const rtt = this.deps.clock.now() - robot.t;
      const check = checkChunk(
        chunk,
        this.deps.joints,
        this.deps.ranges,
        robot.state,
        this.deps.mapping,
        this.deps.grippers,
        this.deps.limits ?? DEFAULT_CHUNK_LIMITS,
      );
      if (!check.ok) {
        this.update({ refused: this.snap.refused + 1 });
        this.hold(token, `The policy's output was refused: ${check.message} The arm holds; nothing beyond the safety limits was sent.`);
        return;
      }
      const fps = this.fps;
      await this.deps.sink.playChunk({
        values: check.values,
        horizon: chunk.horizon,
        fps,
        ageMs: this.deps.clock.now() - robot.t,
        seq: ++this.seq,
      });
      if (token !== this.token) return;
      const smooth = Number.isNaN(this.snap.roundTripMs) ? rtt : 0.8 * this.snap.roundTripMs + 0.2 * rtt;
      this.update({ chunks: this.snap.chunks + 1, lastRoundTripMs: rtt, roundTripMs: smooth });
      // Ask again before this chunk runs out, by the round trip (and at least one action) ahead.
      const end = robot.t + (chunk.horizon * 1000) / fps;
      const lead = Math.max(1.5 * Math.max(smooth, rtt), 1000 / fps);
      const at = this.promptChanged ? this.deps.clock.now() : Math.max(this.deps.clock.now(), end - lead);
      this.busyClient = undefined;
      this.cancelNext = this.deps.clock.runAt(at, () => void this.request(token));
    } catch (e) {
      cancelStall();
      if (token === this.token) this.hold(token, `${messageOf(e)} The arm holds where it is.`);
    }
  }

  private lost(client: PolicyClient, e: PolicyError): void {
    if (client !== this.client) return;
    this.clientAlive = false;
    if (this.snap.state === "running") this.hold(this.token, `${e.message} The arm holds where it is; resume to reconnect.`);
  }

  private hold(token: number, message: string): void {
    if (token !== this.token) return;
    this.token++;
    this.cancelTimers();
    this.dropClient();
    this.update({ state: "held", message });
    void this.deps.sink.hold().catch(() => undefined);
  }

  private dropClient(): void {
    const c = this.client;
    this.client = undefined;
    this.clientAlive = false;
    c?.close();
  }

  private cancelTimers(): void {
    this.cancelNext?.();
    this.cancelNext = undefined;
  }
}
