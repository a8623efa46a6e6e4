import type { CalibrationTable } from "../core/calibration.ts";
import type { Clock } from "../core/clock.ts";
import { ARMS, type ArmId } from "../core/robots.ts";
import type { JointRange } from "../core/teleop.ts";
import { realClock } from "../hardware/index.ts";
import {
  type CommandSource,
  ControlLoop,
  DEFAULT_LOOP,
  type LeaderArm,
  type LeaderBus,
  type LoopArm,
  type LoopBus,
  type LoopOptions,
  type LoopSnapshot,
  type Trajectory,
} from "./ControlLoop.ts";
import type { LoopChunk } from "./actionChunks.ts";
import { IDLE_SNAPSHOT } from "./loopTypes.ts";
import { CommandInbox } from "../core/CommandInbox.ts";
import { RemoteCommandGate, type RemoteGateOptions, type RemoteGateStats } from "./RemoteCommandGate.ts";

/** A remote operator's command as the page hands it to the host: `sentAtEpochMs` = performance.timeOrigin + time on the page's clock. */
export interface RemoteCommandIn {
  readonly seq: number;
  readonly sentAtEpochMs: number;
  readonly joints: readonly number[];
}

export interface TeleopArmSpec {
  readonly busKey: string;
  readonly arm: ArmId;
  readonly calibration: CalibrationTable;
  readonly body: "degrees" | "range_m100_100";
}

export interface TeleopRequest {
  /** Without a leader the follower is driven by manual targets or a trajectory. */
  readonly leader?: TeleopArmSpec | undefined;
  readonly follower: TeleopArmSpec;
  readonly options?: Partial<LoopOptions>;
  /** Where the newest sample is published (a SharedArrayBuffer lets the page read it directly). */
  readonly sampleBuffer?: ArrayBufferLike;
}

export interface TeleopStatus extends LoopSnapshot {
  /** The newest sample as plain numbers (SampleFrame.fromArray), for pages without shared memory. */
  readonly sample: readonly number[];
  readonly joints: readonly string[];
  /** Each follower joint's calibrated range in normalised units: manual targets are held to it. */
  readonly ranges: readonly JointRange[];
  /** performance.timeOrigin where the loop runs: sample times + (this − reader's timeOrigin) = reader's clock. */
  readonly clockOriginMs: number;
  /** The remote operator's gate, while one is attached. */
  readonly remote?: RemoteGateStats | undefined;
}

/** Where teleop runs: next to the buses (worker), or on the page. Both implement this. */
export interface TeleopHost {
  startTeleop(req: TeleopRequest): Promise<TeleopStatus>;
  stopTeleop(): Promise<void>;
  estop(): Promise<void>;
  setSource(source: CommandSource): Promise<void>;
  setTargets(values: readonly number[]): Promise<void>;
  playTrajectory(trajectory: Trajectory): Promise<void>;
  /**
   * Opens (options) or closes (undefined) the gate for a remote operator's commands; a new operator
   * starts a new gate. With `inbox` (a {@link CommandInbox}'s shared buffer) the gate reads the
   * page's commands from it at each tick, and {@link offerRemote} is not needed.
   */
  attachRemote(options: RemoteGateOptions | undefined, inbox?: ArrayBufferLike): Promise<void>;
  /** A remote operator's command, into the gate (dropped there if stale or out of sequence). */
  offerRemote(cmd: RemoteCommandIn): Promise<void>;
  /** A policy's action chunk, played inside the loop (rollouts). */
  playChunk(chunk: LoopChunk): Promise<void>;
  /** Drives an actuated leader to the follower's pose and releases it (the follower holds). */
  handOver(): Promise<void>;
}

export interface TeleopServiceDeps {
  /** The follower's bus (a bus on this host). */
  readonly busOf: (key: string) => LoopBus;
  /** The leader's bus: on this host, or a remote one (read through the other host's rig). */
  readonly leaderBusOf?: (key: string) => LeaderBus;
  readonly emit: (status: TeleopStatus) => void;
  readonly clock?: Clock;
  readonly statusPeriodMs?: number;
  /** Builds the loop (tests count them). */
  readonly createLoop?: (
    leader: LeaderArm | undefined,
    follower: LoopArm,
    options: LoopOptions,
    sampleBuffer: ArrayBufferLike | undefined,
  ) => ControlLoop;
}

/**
 * Hosts at most one control loop next to the buses (in the bus worker, or on the page) and
 * reports its status ~10 times a second. Starts and stops are serialised: a start while one is
 * starting returns the same promise; a start while running replaces the loop (old one stopped and
 * settled first); a stop or an emergency stop cancels a start that has not finished.
 */
export class TeleopService implements TeleopHost {
  private loop: ControlLoop | undefined;
  private starting: Promise<TeleopStatus> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped by every stop: a queued or running start of an older token gives up. */
  private token = 0;
  private lastEmit = -Infinity;
  private lastState: string | undefined;
  private readonly clock: Clock;
  private readonly createLoop: NonNullable<TeleopServiceDeps["createLoop"]>;

  constructor(private readonly deps: TeleopServiceDeps) {
    this.clock = deps.clock ?? realClock;
    const clock = this.clock;
    this.createLoop = deps.createLoop ?? ((l, f, o, b) => new ControlLoop(l, f, o, { clock, ...(b ? { sampleBuffer: b } : {}) }));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  startTeleop(req: TeleopRequest): Promise<TeleopStatus> {
    if (this.starting) return this.starting;
    const token = this.token;
    const p = this.serial(async () => {
      if (token !== this.token) return this.status();
      await this.retire();
      if (token !== this.token) return this.status();
      const options: LoopOptions = { ...DEFAULT_LOOP, ...req.options };
      const leader: LeaderArm | undefined = req.leader
        ? {
            arm: ARMS[req.leader.arm],
            calibration: req.leader.calibration,
            body: req.leader.body,
            bus: (this.deps.leaderBusOf ?? this.deps.busOf)(req.leader.busKey),
          }
        : undefined;
      const follower: LoopArm = {
        arm: ARMS[req.follower.arm],
        calibration: req.follower.calibration,
        body: req.follower.body,
        bus: this.deps.busOf(req.follower.busKey),
      };
      const loop = this.createLoop(leader, follower, options, req.sampleBuffer);
      this.loop = loop;
      this.attachGate(loop);
      loop.subscribe((s) => this.onSnapshot(loop, s));
      await loop.start();
      return this.status();
    });
    const tracked = p.finally(() => {
      if (this.starting === tracked) this.starting = undefined;
    });
    this.starting = tracked;
    return tracked;
  }

  /** Stops the loop of the last start, and waits until its tick in flight has finished. */
  private async retire(): Promise<void> {
    const old = this.loop;
    if (!old) return;
    await old.stop();
  }

  stopTeleop(): Promise<void> {
    this.token++;
    this.starting = undefined;
    const loop = this.loop;
    const halted = loop ? loop.stop() : Promise.resolve(); // takes effect now, not after the queue
    if (loop) this.deps.emit(this.status());
    return this.serial(() => halted);
  }

  async estop(): Promise<void> {
    this.token++;
    this.starting = undefined;
    const loop = this.loop;
    if (loop) {
      await loop.estop();
      this.deps.emit(this.status(loop));
    }
  }

  async setSource(source: CommandSource): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    loop.setSource(source);
    this.deps.emit(this.status(loop));
    await Promise.resolve();
  }

  async setTargets(values: readonly number[]): Promise<void> {
    this.loop?.setTargets(values);
    await Promise.resolve();
  }

  async playTrajectory(trajectory: Trajectory): Promise<void> {
    const loop = this.loop;
    if (!loop) throw new Error("Start teleoperation first: a replay runs through its safety gate.");
    loop.playTrajectory(trajectory);
    this.deps.emit(this.status(loop));
    await Promise.resolve();
  }

  async playChunk(chunk: LoopChunk): Promise<void> {
    const loop = this.loop;
    if (!loop || !loop.active) throw new Error("Teleoperation is not running: a policy acts through its safety gate.");
    const before = loop.snapshot.source;
    loop.playChunk(chunk);
    if (before !== "policy") this.deps.emit(this.status(loop));
    await Promise.resolve();
  }

  async handOver(): Promise<void> {
    const loop = this.loop;
    if (!loop) throw new Error("Start teleoperation first.");
    loop.handOver();
    this.deps.emit(this.status(loop));
    await Promise.resolve();
  }

  private onSnapshot(loop: ControlLoop, s: LoopSnapshot): void {
    if (loop !== this.loop) return;
    const now = this.clock.now();
    const changed =
      s.state !== this.lastState ||
      s.source !== this.lastSource ||
      s.trajectory?.phase !== this.lastPhase ||
      s.handover?.phase !== this.lastHandover ||
      s.policy?.starved !== this.lastStarved;
    if (changed || now - this.lastEmit >= (this.deps.statusPeriodMs ?? 100)) {
      this.lastEmit = now;
      this.lastState = s.state;
      this.lastSource = s.source;
      this.lastPhase = s.trajectory?.phase;
      this.lastHandover = s.handover?.phase;
      this.lastStarved = s.policy?.starved;
      this.deps.emit(this.status(loop));
    }
  }

  private lastSource: string | undefined;
  private lastPhase: string | undefined;
  private remoteOptions: RemoteGateOptions | undefined;
  private gate: RemoteCommandGate | undefined;

  private inbox: ArrayBufferLike | undefined;

  async attachRemote(options: RemoteGateOptions | undefined, inbox?: ArrayBufferLike): Promise<void> {
    this.remoteOptions = options;
    this.inbox = options ? inbox : undefined;
    this.attachGate(this.loop);
    await Promise.resolve();
  }

  private attachGate(loop: ControlLoop | undefined): void {
    const from = this.inbox ? { inbox: new CommandInbox(this.inbox), timeOrigin: performance.timeOrigin } : undefined;
    this.gate = this.remoteOptions && loop ? new RemoteCommandGate(loop.joints.length, this.remoteOptions, from) : undefined;
    loop?.attachRemote(this.gate);
  }

  async offerRemote(cmd: RemoteCommandIn): Promise<void> {
    this.gate?.offer({ seq: cmd.seq, sentAt: cmd.sentAtEpochMs - performance.timeOrigin, joints: cmd.joints }, this.clock.now());
    await Promise.resolve();
  }
  private lastHandover: string | undefined;
  private lastStarved: boolean | undefined;

  status(loop = this.loop): TeleopStatus {
    if (!loop) return { ...IDLE_SNAPSHOT, sample: [], joints: [], ranges: [], clockOriginMs: performance.timeOrigin };
    const frame = loop.sample.frame();
    const ok = loop.sample.read(frame);
    return {
      ...loop.snapshot,
      sample: ok ? frame.toArray() : [],
      joints: loop.joints,
      ranges: loop.ranges,
      clockOriginMs: performance.timeOrigin,
      remote: this.gate?.stats(),
    };
  }
}
