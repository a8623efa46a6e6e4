import type { Clock } from "../core/clock.ts";
import { LatestSample, type LoopEnd, SAMPLE_TRACKING } from "../core/LatestSample.ts";
import { clampToRange, type JointRange, jointRanges, limitStep, toRawGoal } from "../core/teleop.ts";
import { type MotorReading, realClock } from "../hardware/index.ts";
import { Deadlines } from "./deadlines.ts";
import { FollowerIo, readLeader, StartGate } from "./loopIo.ts";
import { PeriodStats } from "./periodStats.ts";
import { SnapshotEngine } from "./SnapshotEngine.ts";
import { type Trajectory, TrajectoryPlayer, type TrajectoryProgress } from "./trajectory.ts";
import { ChunkPlayer, type LoopChunk } from "./actionChunks.ts";
import { isActuated, LeaderHandover } from "./leaderHandover.ts";
import { DEFAULT_LOOP, IDLE_SNAPSHOT, type CommandSource, type LeaderArm, type LoopArm, type LoopDeps } from "./loopTypes.ts";
import type { LoopOptions, LoopSnapshot, LoopState } from "./loopTypes.ts";
import { messageOf } from "../core/messages.ts";
import type { RemoteCommandGate } from "./RemoteCommandGate.ts";

export type { Trajectory, TrajectoryProgress };
export { DEFAULT_LOOP } from "./loopTypes.ts";
export type { CommandSource, LeaderArm, LeaderBus, LoopArm, LoopBus, LoopDeps, LoopOptions, LoopSnapshot, LoopState } from "./loopTypes.ts";

/**
 * The teleoperation loop: each tick one SYNC READ per bus (leader, follower), the command in
 * normalised units, safety (start gate, calibrated range, max step), one SYNC WRITE, and the
 * newest sample published. Ticks are on deadlines (tick k at t0 + k·period), never overlap, and
 * late ones are counted as overruns.
 *
 * Lifecycle: `start()` sets "starting" at once and returns the same promise until it settles;
 * `stop()`, `estop()` and faults take effect synchronously — every write is checked against the
 * run it belongs to right before it is issued, so nothing moves the arm once a stop was asked for —
 * and `stop()` resolves once the tick in flight has finished.
 */
export class ControlLoop extends SnapshotEngine<LoopSnapshot> {
  readonly sample: LatestSample;
  readonly ranges: readonly JointRange[];
  private readonly clock: Clock;
  /** The current run; a write from any other run is never issued. */
  private gen = 0;
  private starting: Promise<void> | undefined;
  private readonly n: number;
  private readonly leaderN: Float64Array;
  private readonly followerN: Float64Array;
  private readonly command: Float64Array;
  private readonly gate: StartGate;
  private readonly safe: Float64Array;
  private readonly raw: Float64Array;
  private readonly manual: Float64Array;
  private readonly maxSteps: Float64Array;
  private readonly stats: PeriodStats;
  private readonly io: FollowerIo;
  private trajectory: TrajectoryPlayer | undefined;
  private chunks: ChunkPlayer | undefined;
  private handover: LeaderHandover | undefined;
  private readonly deadlines: Deadlines;
  private readonly unsubscribe: (() => void)[] = [];
  /** Source "remote": the operator's commands, through the station's gate (RemoteCommandGate). */
  private remote: RemoteCommandGate | undefined;
  private remoteVerdict: "track" | "hold" | "torque-off" = "hold";

  constructor(
    readonly leader: LeaderArm | undefined,
    readonly follower: LoopArm,
    readonly options: LoopOptions = DEFAULT_LOOP,
    deps: LoopDeps = {},
  ) {
    super({ ...IDLE_SNAPSHOT, source: leader ? "leader" : "manual", hasLeader: leader !== undefined });
    const names = follower.arm.motors.map((m) => m.name);
    if (leader && leader.arm.motors.some((m, i) => m.name !== names[i])) {
      throw new RangeError(`${leader.arm.label} and ${follower.arm.label} do not have the same joints.`);
    }
    this.clock = deps.clock ?? realClock;
    this.n = names.length;
    this.io = new FollowerIo(follower);
    const vec = () => new Float64Array(this.n).fill(NaN);
    this.leaderN = vec();
    this.followerN = this.io.position;
    this.command = vec();
    this.safe = vec();
    this.raw = vec();
    this.manual = vec();
    this.maxSteps = Float64Array.from({ length: this.n }, (_, i) =>
      typeof options.maxStep === "number" ? options.maxStep : (options.maxStep[i] ?? Infinity),
    );
    this.ranges = jointRanges(follower);
    this.gate = new StartGate(this.n, options, this.periodMs);
    this.deadlines = new Deadlines(this.clock, this.periodMs, options.watchdogMs);
    this.stats = new PeriodStats(1000 / options.rateHz);
    this.sample = new LatestSample(deps.sampleBuffer ?? new ArrayBuffer(LatestSample.bytesFor(this.n)), this.n);
  }

  get periodMs(): number {
    return 1000 / this.options.rateHz;
  }

  get joints(): readonly string[] {
    return this.follower.arm.motors.map((m) => m.name);
  }

  /** Running: gating or tracking (commands are being sent). */
  get active(): boolean {
    const s = this.snap.state;
    return s === "gating" || s === "tracking";
  }

  /** Takes torque at the follower's present pose and starts (gating first). */
  start(): Promise<void> {
    if (this.starting) return this.starting;
    if (this.active) return Promise.resolve();
    if (this.snap.state === "fault") {
      return Promise.reject(new Error(`The loop stopped: ${this.snap.reason ?? "fault"}. Reconnect, then start again.`));
    }
    const gen = ++this.gen;
    const before = this.snap.state;
    this.update({ state: "starting", reason: undefined });
    const p: Promise<void> = this.begin(gen).then(
      () => {
        if (this.starting === p) this.starting = undefined;
      },
      (e: unknown) => {
        if (this.starting === p) this.starting = undefined;
        if (gen === this.gen) this.update({ state: before === "starting" ? "idle" : before, reason: messageOf(e) });
        throw e;
      },
    );
    this.starting = p;
    return p;
  }

  private async begin(gen: number): Promise<void> {
    const readings = await this.io.read();
    if (gen !== this.gen) return;
    if (readings.some((r) => !r.ok)) throw new Error(`${this.follower.arm.label} did not answer every motor: check it before starting.`);
    // Goal = where it is, then torque on: taking torque never makes the arm jump.
    toRawGoal(this.follower, this.followerN, this.raw);
    if (!(await this.write(gen, "Goal_Position", this.io.entries(this.raw)))) return;
    if (
      !(await this.write(
        gen,
        "Torque_Enable",
        this.io.ids.map((id) => [id, 1] as const),
      ))
    )
      return;
    if (gen !== this.gen) return;
    if (this.snap.source === "manual") this.resetManual();
    this.enterGating();
    this.update({ state: "gating" });
    this.unsubscribe.push(this.follower.bus.onLost(() => void this.fault(`${this.follower.arm.label} was disconnected`, "disconnected")));
    const leader = this.leader;
    if (leader) this.unsubscribe.push(leader.bus.onLost(() => void this.fault(`${leader.arm.label} was disconnected`, "disconnected")));
    this.sample.begin(this.periodMs);
    this.deadlines.start({
      tick: () => this.tick(gen),
      overrun: (late) => this.update({ overruns: this.snap.overruns + late }),
      stalled: () => void this.fault("the control loop stalled"),
    });
  }

  /**
   * Switches the command source without a jump: manual targets start at the follower's pose;
   * going to the leader or a trajectory passes the start gate again.
   */
  setSource(source: CommandSource): void {
    if (source === this.snap.source) return;
    if (source === "leader" && !this.leader)
      throw new RangeError("There is no leader arm in this loop: drive the follower with the keyboard, sliders or a replay.");
    if (source === "trajectory" && !this.trajectory) throw new RangeError("No trajectory to play: use playTrajectory().");
    if (source === "remote" && !this.remote) throw new RangeError("No remote operator is connected.");
    if (source === "policy" && !this.chunks?.active) throw new RangeError("No action chunk to play: use playChunk().");
    if (source === "manual") this.resetManual();
    if (source !== "trajectory") this.trajectory = undefined;
    if (source !== "policy") this.chunks?.clear();
    const gate = source !== "manual" && this.snap.state === "tracking";
    if (gate) this.enterGating();
    this.update({
      source,
      state: gate ? "gating" : this.snap.state,
      trajectory: source === "trajectory" ? this.snap.trajectory : undefined,
    });
  }

  /** Manual targets = the follower's pose (never a jump), published with a new epoch. */
  private resetManual(): void {
    this.manual.set(this.followerN);
    this.update({ manualFrom: { epoch: (this.snap.manualFrom?.epoch ?? 0) + 1, targets: Array.from(this.manual) } });
  }

  /** The gate a remote operator's commands come through (source "remote"); undefined detaches it. */
  attachRemote(gate: RemoteCommandGate | undefined): void {
    this.remote = gate;
    if (!gate && this.snap.source === "remote") this.setSource("manual");
  }

  /** Manual targets in normalised units, held to each joint's calibrated range (NaN: hold that joint). */
  setTargets(values: readonly number[]): void {
    for (let i = 0; i < this.n; i++) {
      const v = values[i];
      this.manual[i] = v === undefined || !Number.isFinite(v) ? NaN : clampToRange(v, this.ranges[i]);
    }
  }

  /** Plays `trajectory` inside the loop: gate to its first row, then row by row at its fps; then hold the last row. */
  playTrajectory(trajectory: Trajectory): void {
    const { from, to } = trajectory;
    this.trajectory = new TrajectoryPlayer(trajectory, this.n);
    if (this.snap.state === "tracking" || this.snap.source !== "trajectory") this.enterGating();
    this.update({
      source: "trajectory",
      state: this.snap.state === "tracking" ? "gating" : this.snap.state,
      trajectory: { row: from, from, to, phase: "gating", followError: NaN },
    });
  }

  /**
   * Plays a policy's action chunk inside the loop (it replaces the one playing). The first chunk
   * after another source passes the start gate, like a trajectory.
   */
  playChunk(chunk: LoopChunk): void {
    this.chunks ??= new ChunkPlayer(this.n);
    this.chunks.push(chunk, this.clock.now());
    if (this.handover) {
      void this.handover.abort();
      this.handover = undefined;
      this.update({ handover: undefined });
    }
    if (this.snap.source === "policy") return;
    this.trajectory = undefined;
    const gate = this.snap.state === "tracking";
    if (gate) this.enterGating();
    this.update({ source: "policy", state: gate ? "gating" : this.snap.state, trajectory: undefined });
  }

  /**
   * Hands over to a person: the follower holds where it is (manual), and the leader — which must
   * have motors on a bus of this host — is driven to the follower's pose, then released.
   */
  handOver(): void {
    const leader = this.leader;
    if (!leader || !isActuated(leader))
      throw new RangeError(
        "This leader cannot be moved by the studio (no leader, or it runs on another host): move it to the follower's pose by hand.",
      );
    if (!this.active) throw new RangeError("Start teleoperation first.");
    this.setSource("manual");
    void this.handover?.abort();
    this.handover = new LeaderHandover(leader, this.clock.now());
    this.update({ handover: this.handover.progress });
  }

  /** Stops sending commands; the follower holds its pose with torque on. Resolves once the tick in flight has finished. */
  stop(): Promise<void> {
    const s = this.snap.state;
    this.halt();
    if (s === "starting" || s === "gating" || s === "tracking") {
      this.update({ state: "stopped" });
      this.sample.end("stopped", "teleoperation was stopped");
    }
    return this.settled();
  }

  /** Emergency stop: torque off on the follower, at once. */
  async estop(reason = "emergency stop"): Promise<void> {
    this.halt();
    this.update({ state: "estopped", reason });
    this.sample.end("estopped", reason);
    await this.io.torqueOff();
  }

  /** Resolves when no start and no tick of this loop is in flight. */
  settled(): Promise<void> {
    return Promise.all([this.starting, this.deadlines.inFlight]).then(
      () => undefined,
      () => undefined,
    );
  }

  private async fault(reason: string, kind: LoopEnd = "fault"): Promise<void> {
    if (this.snap.state === "fault") return;
    this.halt();
    this.update({ state: "fault", reason });
    this.sample.end(kind, reason);
    await this.io.torqueOff();
  }

  private halt(): void {
    this.gen++;
    const h = this.handover;
    this.handover = undefined;
    if (h && !h.done) void h.abort();
    this.deadlines.stop();
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** Issues a write that moves the arm only if `gen` is still the current run; false if it was not issued. */
  private async write(gen: number, register: string, entries: readonly (readonly [number, number])[]): Promise<boolean> {
    if (gen !== this.gen) return false;
    if (entries.length > 0) await this.follower.bus.syncWrite(register, entries);
    return true;
  }

  private enterGating(): void {
    this.gate.reset();
    this.trajectory?.rewind();
  }

  /** One tick of run `gen`; false once that run has ended (or this tick ended it). */
  private async tick(gen: number): Promise<boolean> {
    if (gen !== this.gen) return false;
    this.stats.tickStarted(this.clock.now());
    try {
      await this.step(gen);
    } catch (e) {
      if (gen === this.gen) await this.fault(messageOf(e));
      return false;
    }
    return true;
  }

  private async step(gen: number): Promise<void> {
    // Leader and follower are on different buses: read them at the same time.
    const leader = this.leader;
    const [leaderReads, followerReads] = await Promise.all([
      leader ? readLeader(leader, this.leaderN) : Promise.resolve([] as MotorReading[]),
      this.io.read(),
    ]);
    if (gen !== this.gen) return;
    const now = this.clock.now();
    const { warnings, stop } = this.io.checkHealth(now);
    const lost = await this.io.checkTorque(now, () => gen === this.gen);
    if (stop || lost) {
      await this.fault((stop ?? lost)!);
      return;
    }
    if (gen !== this.gen) return;
    const missing = leaderReads.filter((r) => !r.ok).length + followerReads.filter((r) => !r.ok).length;
    let state = this.snap.state;
    const held = this.remoteVerdict !== "track";
    const target = this.target(now, state);
    if (this.snap.source === "remote") {
      if (this.remoteVerdict === "torque-off") {
        await this.estop(`no command from the remote operator for ${this.remote?.options.watchdogMs ?? 0} ms: torque off`);
        return;
      }
      // Commands resume after a hold: through the start gate again, never a jump.
      if (held && this.remoteVerdict === "track" && state === "tracking") {
        this.enterGating();
        state = "gating";
      }
    }
    for (let i = 0; i < this.n; i++) this.command[i] = clampToRange(target[i]!, this.ranges[i]);
    if (state === "gating" && this.gate.step(this.command, this.followerN, now)) {
      state = "tracking";
      this.trajectory?.begin(now);
    }
    const clipped = limitStep(this.command, this.followerN, this.maxSteps, this.safe);
    toRawGoal(this.follower, this.safe, this.raw);
    if (!(await this.write(gen, "Goal_Position", this.io.entries(this.raw)))) return;
    if (gen !== this.gen) return;
    const handover = this.handover;
    if (handover && leader && isActuated(leader)) {
      await handover.step(
        (reg, entries) => (gen === this.gen ? leader.bus.syncWrite(reg, entries).then(() => true) : Promise.resolve(false)),
        now,
        this.followerN,
        this.leaderN,
      );
      if (gen !== this.gen) return;
    }
    this.sample.write({
      t: now, // when the joints were read
      flags: state === "tracking" ? SAMPLE_TRACKING : 0,
      leader: this.leaderN,
      follower: this.followerN,
      command: this.safe,
    });
    this.update({
      state,
      ticks: this.snap.ticks + 1,
      clippedSteps: this.snap.clippedSteps + (state === "tracking" ? clipped : 0),
      missingReads: this.snap.missingReads + missing,
      rateHz: this.stats.rate(now),
      health: this.io.health,
      warnings,
      p99PeriodErrorMs: this.snap.ticks % 50 === 0 ? this.stats.p99() : this.snap.p99PeriodErrorMs,
      trajectory: this.progress(now, state),
      policy: this.snap.source === "policy" ? this.chunks?.progress(now) : undefined,
      handover: handover?.progress,
    });
  }

  /** The command before safety, per source (NaN: hold that joint where it is). */
  private target(now: number, state: LoopState): Float64Array {
    const out = this.command;
    const source = this.snap.source;
    this.remote?.pull(); // commands arrive whatever drives the arm (the gate counts and drops as they come)
    if (source === "leader") out.set(this.leaderN);
    else if (source === "trajectory" && this.trajectory) this.trajectory.targets(now, state === "tracking", out);
    else if (source === "remote" && this.remote) {
      // Hold: the last goal sent (NaN before any: where the follower is).
      this.remoteVerdict = this.remote.target(now, out);
      if (this.remoteVerdict !== "track") out.set(this.safe);
    } else if (source === "policy" && this.chunks) this.chunks.targets(now, out);
    else out.set(this.manual);
    for (let i = 0; i < this.n; i++) if (Number.isNaN(out[i]!)) out[i] = this.followerN[i]!;
    return out;
  }

  private progress(now: number, state: LoopState): TrajectoryProgress | undefined {
    if (!this.trajectory || this.snap.source !== "trajectory") return undefined;
    return this.trajectory.progress(now, state === "tracking", this.followerN);
  }
}
