/** The control loop's vocabulary: what it needs of buses and arms, its options, states and snapshot. */
import type { Clock } from "../core/clock.ts";
import type { ArmUnits } from "../core/teleop.ts";
import type { MotorBytes, MotorReading } from "../hardware/index.ts";
import type { MotorHealth } from "./health.ts";
import type { ChunkProgress } from "./actionChunks.ts";
import type { HandoverProgress } from "./leaderHandover.ts";
import type { TrajectoryProgress } from "./trajectory.ts";

/** What the loop needs of a bus (MotorBus has it). */
export interface LoopBus {
  syncRead(register: string, ids: readonly number[]): Promise<MotorReading[]>;
  syncReadBytes(address: number, length: number, ids: readonly number[]): Promise<MotorBytes[]>;
  syncWrite(register: string, values: readonly (readonly [number, number])[]): Promise<void>;
  onLost(fn: () => void): () => void;
}

/** What the loop needs of a leader's bus: its positions, and word when it is lost. */
export type LeaderBus = Pick<LoopBus, "syncRead" | "onLost">;

export interface LoopArm extends ArmUnits {
  readonly bus: LoopBus;
}

export interface LeaderArm extends ArmUnits {
  readonly bus: LeaderBus;
}

export type LoopState =
  | "idle"
  | "starting" // reading the follower and taking torque at its present pose
  | "gating" // the follower ramps toward the command before tracking it
  | "tracking"
  | "stopped" // stopped by the user: follower holds its pose with torque on
  | "estopped" // emergency stop: torque off
  | "fault"; // a port was lost, a motor had to be protected, or the loop stalled: torque off

export interface LoopOptions {
  readonly rateHz: number;
  /** lerobot's max_relative_target per tick, normalised units, per joint (or one for all). */
  readonly maxStep: number | readonly number[];
  /** Start gate: the follower tracks only once every joint is within this distance of the command. */
  readonly gate: number;
  /** While gating, how fast the follower is walked toward the command, units per second. */
  readonly rampPerSecond: number;
  /** Torque off if no tick completes for this long (ms). */
  readonly watchdogMs: number;
}

export const DEFAULT_LOOP: LoopOptions = { rateHz: 100, maxStep: 10, gate: 8, rampPerSecond: 30, watchdogMs: 250 };

/**
 * Where commands come from: the leader arm, targets set by the page (keyboard, sliders, 3D drag),
 * a trajectory played inside the loop (replay of a recorded episode), a remote operator's
 * commands through the station's gate (RemoteCommandGate: stale ones dropped, watchdog hold), or a
 * policy's action chunks played inside the loop (rollouts).
 */
export type CommandSource = "leader" | "manual" | "trajectory" | "remote" | "policy";

export interface LoopSnapshot {
  readonly state: LoopState;
  readonly source: CommandSource;
  readonly hasLeader: boolean;
  readonly reason: string | undefined;
  readonly ticks: number;
  readonly overruns: number;
  /** Measured over the last second. */
  readonly rateHz: number;
  /** p99 of |actual period − nominal period| over the last 6,000 ticks, ms. */
  readonly p99PeriodErrorMs: number;
  readonly clippedSteps: number;
  readonly missingReads: number;
  /** The follower's motors, read every tick with the position. */
  readonly health: readonly MotorHealth[];
  /** Current warnings, for the user ("gripper at 58 °C"). */
  readonly warnings: readonly string[];
  readonly trajectory: TrajectoryProgress | undefined;
  /** The chunk being played (source "policy"). */
  readonly policy?: ChunkProgress | undefined;
  /** The leader being handed over to a person (driven to the follower's pose, then released). */
  readonly handover?: HandoverProgress | undefined;
  /**
   * The follower pose the loop last set its manual targets to (on a switch to manual, a hand-over,
   * a start): `epoch` grows with each reset, so a page adopts these targets instead of its own
   * older reading of the pose (which would make the follower jump at the next nudge).
   */
  readonly manualFrom?: { readonly epoch: number; readonly targets: readonly number[] } | undefined;
}

export interface LoopDeps {
  readonly clock?: Clock;
  /** Where the newest sample is published (a SharedArrayBuffer lets other threads read it). */
  readonly sampleBuffer?: ArrayBufferLike;
}

/** A loop that has not run: the snapshot a new loop starts from (and what a host reports without one). */
export const IDLE_SNAPSHOT: LoopSnapshot = {
  state: "idle",
  source: "leader",
  hasLeader: false,
  reason: undefined,
  ticks: 0,
  overruns: 0,
  rateHz: 0,
  p99PeriodErrorMs: 0,
  clippedSteps: 0,
  missingReads: 0,
  health: [],
  warnings: [],
  trajectory: undefined,
};
