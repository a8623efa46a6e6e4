/**
 * A policy rollout with a person in the loop (lerobot's DAgger session): AUTONOMOUS → (pause)
 * PAUSED: the policy stops, the follower holds, an actuated leader is driven to the follower's pose
 * and released → CORRECTING: the leader drives the follower → (resume) AUTONOMOUS again. One key
 * toggles (space; a gamepad button or a foot pedal's key do the same). The timeline (page clock)
 * records each correction window and each instruction typed mid-rollout, for the episode's
 * `intervention` rows and interjection events (core/rollout.ts).
 */
import type { Clock } from "../core/clock.ts";
import { messageOf } from "../core/messages.ts";
import type { RolloutTimeline } from "../core/rollout.ts";
import type { CommandSource } from "./loopTypes.ts";
import type { PolicyRunner, RunnerSnapshot } from "./PolicyRunner.ts";
import { SnapshotEngine } from "./SnapshotEngine.ts";
import type { TeleopStatus } from "./TeleopService.ts";

export type RolloutPhase = "idle" | "starting" | "autonomous" | "held" | "paused" | "correcting" | "stopped";

export interface RolloutSnapshot {
  readonly phase: RolloutPhase;
  readonly message: string | undefined;
  readonly prompt: string;
  readonly runner: RunnerSnapshot | undefined;
  readonly timeline: RolloutTimeline;
}

/** What the session needs of teleoperation (TeleopController has it). */
export interface RolloutTeleop {
  readonly snapshot: { readonly status: TeleopStatus | undefined };
  subscribe(fn: (v: { readonly status: TeleopStatus | undefined }) => void): () => void;
  handOver(): Promise<void>;
  setSource(source: CommandSource): Promise<void>;
}

export class RolloutSession extends SnapshotEngine<RolloutSnapshot> {
  private runner: PolicyRunner | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private handoverSeen = false;

  constructor(
    private readonly clock: Clock,
    private readonly teleop: RolloutTeleop,
  ) {
    super({ phase: "idle", message: undefined, prompt: "", runner: undefined, timeline: { interventions: [], interjections: [] } });
  }

  get active(): boolean {
    const p = this.snap.phase;
    return p !== "idle" && p !== "stopped";
  }

  /** Starts a rollout with `runner` (its prompt is the current instruction). A rollout in progress is kept. */
  start(runner: PolicyRunner): Promise<void> {
    if (this.active && this.runner) return Promise.resolve();
    this.detach();
    this.runner = runner;
    this.update({
      phase: "starting",
      message: undefined,
      prompt: runner.snapshot.prompt,
      runner: runner.snapshot,
      timeline: { interventions: [], interjections: [] },
    });
    this.unsubscribe.push(runner.subscribe((s) => this.onRunner(runner, s)));
    this.unsubscribe.push(this.teleop.subscribe((v) => this.onTeleop(v.status)));
    return runner.start();
  }

  /** The one key: pause (take over) while the policy acts; resume (hand back) while paused or correcting. */
  toggle(): void {
    const p = this.snap.phase;
    if (p === "autonomous" || p === "held" || p === "starting") this.pause();
    else if (p === "paused" || p === "correcting") void this.resume();
  }

  /** Take over: the policy stops, the follower holds, the leader comes to the follower's pose. */
  pause(): void {
    const runner = this.runner;
    const p = this.snap.phase;
    if (!runner || (p !== "autonomous" && p !== "held" && p !== "starting")) return;
    runner.pause();
    this.handoverSeen = false;
    const t = this.snap.timeline;
    this.update({
      phase: "paused",
      message: "Paused: the leader is brought to the follower's pose, then released to your hand.",
      timeline: { ...t, interventions: [...t.interventions, { startMs: this.clock.now(), endMs: undefined }] },
    });
    this.teleop.handOver().catch((e: unknown) => {
      if (this.snap.phase !== "paused") return;
      if (!this.teleop.snapshot.status?.hasLeader) {
        this.update({ message: `Paused: the follower holds. ${messageOf(e)}` });
        return;
      }
      // A leader without motors the studio can drive: the follower walks slowly to it through the start gate.
      this.update({
        phase: "correcting",
        message: "Correcting: the follower first walks slowly to the leader's pose (this leader cannot be moved by the studio).",
      });
      void this.teleop.setSource("leader");
    });
  }

  /** Hand back to the policy: from a fresh observation, through the start gate. */
  async resume(): Promise<void> {
    const runner = this.runner;
    const p = this.snap.phase;
    if (!runner || (p !== "paused" && p !== "correcting")) return;
    this.closeWindow();
    this.update({ phase: "autonomous", message: undefined });
    await runner.resume();
  }

  /** Ends the rollout; the follower holds. */
  stop(): void {
    if (!this.active) return;
    this.closeWindow();
    this.runner?.stop();
    this.update({ phase: "stopped", message: undefined });
    this.detach();
  }

  /** A new instruction mid-rollout: the policy's prompt at once, and an interjection on this row. */
  interject(text: string): void {
    const prompt = text.trim();
    if (!prompt || !this.runner) return;
    this.runner.setPrompt(prompt);
    const t = this.snap.timeline;
    const interjections = this.active ? [...t.interjections, { tMs: this.clock.now(), text: prompt }] : t.interjections;
    this.update({ prompt, timeline: { ...t, interjections } });
  }

  private closeWindow(): void {
    const t = this.snap.timeline;
    const last = t.interventions[t.interventions.length - 1];
    if (!last || last.endMs !== undefined) return;
    this.update({
      timeline: { ...t, interventions: [...t.interventions.slice(0, -1), { startMs: last.startMs, endMs: this.clock.now() }] },
    });
  }

  private onRunner(runner: PolicyRunner, s: RunnerSnapshot): void {
    if (runner !== this.runner) return;
    const p = this.snap.phase;
    const patch: { -readonly [K in keyof RolloutSnapshot]?: RolloutSnapshot[K] } = { runner: s };
    if (p === "starting" && s.state === "running") patch.phase = "autonomous";
    if ((p === "starting" || p === "autonomous") && (s.state === "held" || s.state === "failed")) {
      patch.phase = "held";
      patch.message = `${s.message ?? "The policy stopped."} Press space to take over, or resume.`;
    }
    if (p === "held" && s.state === "running") {
      patch.phase = "autonomous";
      patch.message = undefined;
    }
    this.update(patch);
  }

  private onTeleop(status: TeleopStatus | undefined): void {
    if (this.snap.phase !== "paused") return;
    const h = status?.handover;
    // Only this pause's hand-over counts: seen moving first (a previous one may still be reported "released").
    if (h?.phase === "moving") this.handoverSeen = true;
    if (!h || h.phase === "moving" || !this.handoverSeen) return;
    this.update({
      phase: "correcting",
      message: h.phase === "released" ? "Correcting: the leader is yours; the follower follows it. Press space to hand back." : h.message,
    });
    void this.teleop.setSource("leader");
  }

  private detach(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }
}
