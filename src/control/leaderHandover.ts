/**
 * Hand-over to a person (lerobot's DAgger pause): an actuated leader (SO-101, Koch leaders have
 * motors) is driven smoothly to the follower's pose, then released (torque off) to the hand, so
 * taking over never makes the follower jump. Runs inside the control loop's tick, after the
 * follower's write, so everything that moves an arm stays serialised.
 */
import { type ArmUnits, maxDistance, toRawGoal } from "../core/teleop.ts";
import type { LoopBus } from "./loopTypes.ts";

export interface HandoverProgress {
  /** "moving": the leader is driven to the follower; "released": there, torque off; "failed": not there in time, torque off. */
  readonly phase: "moving" | "released" | "failed";
  /** Largest |leader − follower| over the joints at the last tick (normalised units). */
  readonly errorDeg: number;
  readonly startedAt: number;
  readonly endedAt: number | undefined;
  readonly message: string | undefined;
}

export interface HandoverOptions {
  /** Released once every joint is within this of the follower (degrees; gripper %). */
  readonly toleranceDeg: number;
  /** Fastest the leader's goal moves, units per second. */
  readonly speed: number;
  readonly timeoutMs: number;
}

export const DEFAULT_HANDOVER: HandoverOptions = { toleranceDeg: 2, speed: 180, timeoutMs: 3000 };

/** A leader arm the loop can also write to (it has motors). */
export interface ActuatedLeader extends ArmUnits {
  readonly bus: Pick<LoopBus, "syncRead" | "syncWrite">;
}

export type LeaderWrite = (register: string, entries: readonly (readonly [number, number])[]) => Promise<boolean>;

/** Whether a leader's bus can be written to (a leader read through another host cannot). */
export function isActuated(leader: ArmUnits & { readonly bus: object }): leader is ActuatedLeader {
  return typeof (leader.bus as Partial<LoopBus>).syncWrite === "function";
}

export class LeaderHandover {
  private readonly ids: number[];
  private readonly n: number;
  private readonly goal: Float64Array;
  private readonly raw: Float64Array;
  private torqued = false;
  private lastAt: number;
  private snap: HandoverProgress;

  constructor(
    private readonly leader: ActuatedLeader,
    now: number,
    private readonly options: HandoverOptions = DEFAULT_HANDOVER,
  ) {
    this.ids = leader.arm.motors.map((m) => m.id);
    this.n = this.ids.length;
    this.goal = new Float64Array(this.n).fill(NaN);
    this.raw = new Float64Array(this.n);
    this.lastAt = now;
    this.snap = { phase: "moving", errorDeg: NaN, startedAt: now, endedAt: undefined, message: undefined };
  }

  get progress(): HandoverProgress {
    return this.snap;
  }

  get done(): boolean {
    return this.snap.phase !== "moving";
  }

  /** One tick: move the leader's goal toward the follower; release once there. */
  async step(write: LeaderWrite, now: number, follower: Float64Array, leader: Float64Array): Promise<void> {
    if (this.done) return;
    const error = maxDistance(leader, follower, this.n);
    if (!this.torqued) {
      // Goal = where the leader is, then torque on: taking torque never makes it jump.
      this.goal.set(leader);
      toRawGoal(this.leader, this.goal, this.raw);
      if (!(await write("Goal_Position", this.entries()))) return;
      if (
        !(await write(
          "Torque_Enable",
          this.ids.map((id) => [id, 1] as const),
        ))
      )
        return;
      this.torqued = true;
      this.lastAt = now;
      this.snap = { ...this.snap, errorDeg: error };
      return;
    }
    if (error <= this.options.toleranceDeg) {
      await this.release(write);
      this.snap = { ...this.snap, phase: "released", errorDeg: error, endedAt: now };
      return;
    }
    if (now - this.snap.startedAt > this.options.timeoutMs) {
      await this.release(write);
      const worst = this.worstJoint(follower, leader);
      this.snap = {
        ...this.snap,
        phase: "failed",
        errorDeg: error,
        endedAt: now,
        message: `The leader did not reach the follower's pose (${worst} is ${error.toFixed(1)} off): it was released where it is. Move it to the follower by hand before correcting.`,
      };
      return;
    }
    const dt = Math.min(100, now - this.lastAt);
    this.lastAt = now;
    const step = (this.options.speed * dt) / 1000;
    for (let i = 0; i < this.n; i++) {
      const to = follower[i]!;
      const from = Number.isNaN(this.goal[i]!) ? leader[i]! : this.goal[i]!;
      if (Number.isNaN(to) || Number.isNaN(from)) continue;
      this.goal[i] = Math.abs(to - from) <= step ? to : from + Math.sign(to - from) * step;
    }
    toRawGoal(this.leader, this.goal, this.raw);
    await write("Goal_Position", this.entries());
    this.snap = { ...this.snap, errorDeg: error };
  }

  /** Torque off on the leader (the person holds it now). */
  async release(write: LeaderWrite): Promise<void> {
    if (!this.torqued) return;
    this.torqued = false;
    await write(
      "Torque_Enable",
      this.ids.map((id) => [id, 0] as const),
    );
  }

  /** Stopped from outside (loop stopped, e-stop): let go of the leader at once. */
  async abort(): Promise<void> {
    if (!this.torqued) return;
    this.torqued = false;
    if (!this.done) this.snap = { ...this.snap, phase: "failed", message: "The hand-over was stopped; the leader is released." };
    try {
      await this.leader.bus.syncWrite(
        "Torque_Enable",
        this.ids.map((id) => [id, 0] as const),
      );
    } catch {
      // the port is gone: nothing holds the leader
    }
  }

  private worstJoint(follower: Float64Array, leader: Float64Array): string {
    let worst = 0;
    for (let i = 1; i < this.n; i++) if (Math.abs(leader[i]! - follower[i]!) > Math.abs(leader[worst]! - follower[worst]!)) worst = i;
    return this.leader.arm.motors[worst]?.name ?? "a joint";
  }

  private entries(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.n; i++) if (!Number.isNaN(this.raw[i]!)) out.push([this.ids[i]!, Math.round(this.raw[i]!)]);
    return out;
  }
}
