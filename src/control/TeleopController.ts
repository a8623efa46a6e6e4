import { allocateSampleBuffer, LatestSample, SampleFrame } from "../core/LatestSample.ts";
import { CommandInbox } from "../core/CommandInbox.ts";
import { isShared } from "../core/SampleRing.ts";
import { messageOf } from "../core/messages.ts";
import { ARMS } from "../core/robots.ts";
import { clampToRange } from "../core/teleop.ts";
import type { Driving } from "./ArmActivities.ts";
import type { CommandSource, Trajectory } from "./ControlLoop.ts";
import type { LoopChunk } from "./actionChunks.ts";
import { SnapshotEngine } from "./SnapshotEngine.ts";
import type { RemoteGateOptions } from "./RemoteCommandGate.ts";
import type { RemoteCommandIn, TeleopArmSpec, TeleopHost, TeleopStatus } from "./TeleopService.ts";

const NO_TARGETS: readonly number[] = [];

export interface TeleopStartRequest {
  readonly leader?: TeleopArmSpec | undefined;
  readonly follower: TeleopArmSpec;
  readonly rateHz: number;
}

export interface TeleopView {
  /** "starting" from the moment Start is asked for until the loop runs (or fails). */
  readonly phase: "idle" | "starting";
  readonly status: TeleopStatus | undefined;
  /**
   * The loop's newest sample, shared with the loop when the page is cross-origin isolated
   * (read it every frame); undefined otherwise — then use `status.sample` (~10 Hz).
   */
  readonly shared: LatestSample | undefined;
  readonly error: string | undefined;
  /** Manual targets (normalised units), set by the keyboard, the sliders, the 3D drag. */
  readonly targets: readonly number[];
}

export interface TeleopControllerDeps {
  /** The host that runs the loop for this follower bus (the bus worker, or the page). */
  readonly hostFor: (followerBusKey: string) => TeleopHost;
  /** Every host (an emergency stop reaches them all). */
  readonly hosts: () => readonly TeleopHost[];
  /** Torque off on every connected bus, loop or not. */
  readonly torqueOffEverywhere: () => Promise<void>;
  /** Now in epoch ms (performance.timeOrigin + performance.now()): a remote command's arrival. */
  readonly epochMs?: () => number;
}

const epochNow = () => performance.timeOrigin + performance.now();

/** Running: the loop sends commands (gating or tracking). */
export function isDriving(status: TeleopStatus | undefined): boolean {
  return status?.state === "gating" || status?.state === "tracking";
}

/**
 * The page's side of teleoperation: which host runs the loop, its lifecycle as the UI sees it,
 * and the manual targets. Start sets "starting" at once and a second Start returns the same
 * promise; Stop or E-stop during a start cancels it (the host stops the loop it was starting);
 * a start on another host first stops the loop on the old one, so there is never more than one.
 */
export class TeleopController extends SnapshotEngine<TeleopView> {
  private host: TeleopHost | undefined;
  private starting: Promise<void> | undefined;
  private token = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private pendingTargets: number[] | undefined;
  private sending = false;
  private manualEpoch = 0;
  private remoteOptions: RemoteGateOptions | undefined;
  private inbox: CommandInbox | undefined;
  /** The buses the current (or starting) loop drives and reads: follower, then leader. */
  private busKeys: string[] = [];

  constructor(private readonly deps: TeleopControllerDeps) {
    super({ phase: "idle", status: undefined, shared: undefined, error: undefined, targets: [] });
  }

  get driving(): boolean {
    return isDriving(this.snap.status);
  }

  /** What the loop drives now (starting counts), for ArmActivities: a replay when it plays a trajectory. */
  drivingArms(): Driving | undefined {
    if (this.snap.phase !== "starting" && !this.driving) return undefined;
    return this.snap.status?.source === "trajectory"
      ? { busKeys: this.busKeys, what: "A replay", stop: "Episodes → Stop replay, or Teleop → Stop" }
      : { busKeys: this.busKeys, what: "Teleoperation", stop: "Teleop → Stop" };
  }

  start(req: TeleopStartRequest): Promise<void> {
    if (this.starting) return this.starting;
    if (this.driving) return Promise.resolve();
    const token = ++this.token;
    this.busKeys = [req.follower.busKey, ...(req.leader ? [req.leader.busKey] : [])];
    // Targets start again from the follower's pose once the new loop reports it (never stale ones).
    this.update({ phase: "starting", error: undefined, targets: [] });
    this.manualEpoch = 0;
    const p: Promise<void> = this.serial(async () => {
      const host = this.deps.hostFor(req.follower.busKey);
      if (this.host && this.host !== host) await this.host.stopTeleop();
      if (token !== this.token) return;
      this.host = host;
      if (this.remoteOptions) await host.attachRemote(this.remoteOptions, this.inbox?.buffer);
      const joints = ARMS[req.follower.arm].motors.length;
      const buffer = allocateSampleBuffer(joints);
      const shared = isShared(buffer) ? new LatestSample(buffer, joints) : undefined;
      const status = await host.startTeleop({
        ...(req.leader ? { leader: req.leader } : {}),
        follower: req.follower,
        options: { rateHz: req.rateHz },
        sampleBuffer: buffer,
      });
      if (token !== this.token) return;
      this.update({ status, shared, targets: this.targetsFor(status) });
    }).then(
      () => this.settle(p, undefined),
      (e: unknown) => this.settle(p, token === this.token ? messageOf(e) : undefined),
    );
    this.starting = p;
    return p;
  }

  private settle(p: Promise<void>, error: string | undefined): void {
    if (this.starting !== p) return;
    this.starting = undefined;
    this.update({ phase: "idle", ...(error ? { error } : {}) });
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Shows why a start was refused before it began (nothing connected, not calibrated). */
  fail(message: string): void {
    this.update({ error: message });
  }

  /** Stops the loop (the follower holds with torque on). Takes effect at once, even during a start. */
  stop(): Promise<void> {
    this.token++;
    this.starting = undefined;
    if (this.snap.phase !== "idle") this.update({ phase: "idle" });
    const host = this.host;
    return host ? host.stopTeleop() : Promise.resolve();
  }

  /** Emergency stop: torque off on every follower and every bus, whatever is running. */
  async estop(): Promise<void> {
    this.token++;
    this.starting = undefined;
    if (this.snap.phase !== "idle") this.update({ phase: "idle" });
    await Promise.all(this.deps.hosts().map((h) => h.estop().catch(() => undefined)));
    await this.deps.torqueOffEverywhere().catch(() => undefined);
  }

  /** Status pushed by a host (~10 Hz); a host that does not run the current loop is not listened to. */
  report(from: TeleopHost, status: TeleopStatus): void {
    if (from !== this.host) return;
    this.update({ status, targets: this.targetsFor(status) });
  }

  /** Switching to manual: the targets come from the loop's report of where it holds (see report). */
  async setSource(source: CommandSource): Promise<void> {
    try {
      await this.host?.setSource(source);
    } catch (e) {
      this.update({ error: messageOf(e) });
    }
  }

  /** Plays a trajectory inside the loop (replay): gate to its first row, then at its fps. */
  async playTrajectory(trajectory: Trajectory): Promise<void> {
    const host = this.host;
    if (!host || !this.driving) throw new Error("Start teleoperation first: a replay runs through its safety gate.");
    await host.playTrajectory(trajectory);
  }

  /** Plays a policy's action chunk inside the loop (rollouts): through the same gate, range and max step. */
  async playChunk(chunk: LoopChunk): Promise<void> {
    const host = this.host;
    if (!host || !this.driving) throw new Error("Start teleoperation first: a policy acts through its safety gate.");
    await host.playChunk(chunk);
  }

  /** The follower holds; an actuated leader is driven to its pose and released to the hand. */
  async handOver(): Promise<void> {
    const host = this.host;
    if (!host || !this.driving) throw new Error("Start teleoperation first.");
    await host.handOver();
  }

  /** Sets one joint's manual target, held to the joint's calibrated range. */
  setTarget(joint: number, value: number): void {
    const targets = [...this.snap.targets];
    if (targets.length === 0 || joint < 0 || joint >= targets.length || !Number.isFinite(value)) return;
    targets[joint] = clampToRange(value, this.snap.status?.ranges[joint]);
    this.update({ targets });
    this.send(targets);
  }

  /** Sets several joints' targets at once (3D drag); joints not in `values` keep theirs. */
  setTargets(values: ReadonlyMap<number, number>): void {
    const targets = [...this.snap.targets];
    if (targets.length === 0) return;
    for (const [j, v] of values)
      if (j >= 0 && j < targets.length && Number.isFinite(v)) targets[j] = clampToRange(v, this.snap.status?.ranges[j]);
    this.update({ targets });
    this.send(targets);
  }

  /** Moves one joint's manual target by `delta` (keyboard, gamepad). */
  nudge(joint: number, delta: number): void {
    const t = this.snap.targets[joint];
    if (t === undefined || Number.isNaN(t)) return;
    this.setTarget(joint, t + delta);
  }

  /** At most one targets message in flight: the newest wins. */
  private send(targets: number[]): void {
    this.pendingTargets = targets;
    if (this.sending || !this.host) return;
    this.sending = true;
    const host = this.host;
    void (async () => {
      while (this.pendingTargets) {
        const next = this.pendingTargets;
        this.pendingTargets = undefined;
        await host.setTargets(next).catch(() => undefined);
      }
      this.sending = false;
    })();
  }

  /** Opens (or with undefined closes) the gate for a remote operator's commands, on this loop's host and any later one. */
  async attachRemote(options: RemoteGateOptions | undefined): Promise<void> {
    this.remoteOptions = options;
    // Shared memory: the loop reads each command at its tick (a message would wait for the
    // loop's thread, which sleeps out the last milliseconds before each tick).
    const buffer = options ? CommandInbox.allocate() : undefined;
    this.inbox = buffer && isShared(buffer) ? new CommandInbox(buffer) : undefined;
    await this.host?.attachRemote(options, this.inbox?.buffer);
  }

  /**
   * A remote operator's command, to the host's gate (it drops stale and out-of-sequence ones): into
   * the shared inbox at once, or (no shared memory) as a message; never awaited, never queued here.
   */
  offerRemote(cmd: RemoteCommandIn): void {
    if (this.inbox) this.inbox.write({ ...cmd, arrivedAtEpochMs: (this.deps.epochMs ?? epochNow)() });
    else void this.host?.offerRemote(cmd).catch(() => undefined);
  }

  /**
   * Manual targets for a report: none unless the loop is on manual; the loop's own reset of them
   * (a switch, a hand-over, a start) wins over the page's targets and its older reading of the pose.
   */
  private targetsFor(status: TeleopStatus): readonly number[] {
    if (status.source !== "manual") return NO_TARGETS;
    const reset = status.manualFrom;
    if (reset && reset.epoch !== this.manualEpoch) {
      this.manualEpoch = reset.epoch;
      return [...reset.targets];
    }
    return this.snap.targets.length === 0 ? this.followerPose(status) : this.snap.targets;
  }

  /** Where the follower is, as manual targets (switching to manual never makes it jump). */
  private followerPose(status: TeleopStatus | undefined): number[] {
    const frame = status ? SampleFrame.fromArray(status.sample, status.joints.length) : undefined;
    return frame ? Array.from(frame.follower) : [];
  }
}
