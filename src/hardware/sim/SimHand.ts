import { leaderAngle } from "./leaderScript.ts";

/**
 * The hand that moves a simulated arm while its torque is off, in joint angles (encoder
 * steps away from each joint's middle pose). Modes:
 * - "script": the leader's scripted motion;
 * - "hold": let go — joints stay where they are;
 * - "middle": move every joint to its middle pose (for half-turn homing), then hold;
 * - "sweep": move each joint to one end stop, the other, then back to the middle
 *   (the calibration sweep), positive end first.
 */
export type HandMode = "script" | "hold" | "middle" | "sweep";

/** Mechanical end stops of each joint, steps from the middle (SO-101-like proportions). */
export const JOINT_STOPS: readonly (readonly [number, number])[] = [
  [-1050, 1050],
  [-1000, 1050],
  [-1000, 1000],
  [-1150, 1150],
  [-2047, 2047],
  [-700, 700],
];

const MOVE_MS = 900;
const SWEEP_LEG_MS = 1100;

function smooth(from: number, to: number, u: number): number {
  const s = Math.min(1, Math.max(0, u));
  return from + (to - from) * (s * s * (3 - 2 * s));
}

export class SimHand {
  private mode: HandMode;
  private since = 0;
  private from: number[] = [];
  /** Joints whose encoder counts the other way (a motor mounted reversed): fault injection. */
  readonly reversed = new Set<number>();

  constructor(
    mode: HandMode,
    private readonly scriptOriginMs = 0,
  ) {
    this.mode = mode;
  }

  get current(): HandMode {
    return this.mode;
  }

  /** Switch mode at `now`, starting from the joints' current angles. */
  set(mode: HandMode, now: number, currentAngles: readonly number[]): void {
    this.mode = mode;
    this.since = now;
    this.from = [...currentAngles];
  }

  /** Whether the hand is moving the joints (otherwise they keep their place). */
  drives(): boolean {
    return this.mode !== "hold";
  }

  /** Once a sweep or a move to the middle has finished, the hand lets go. */
  settled(now: number): boolean {
    const t = now - this.since;
    return (this.mode === "middle" && t >= MOVE_MS) || (this.mode === "sweep" && t >= SimHand.SWEEP_MS);
  }

  /** Time for a full sweep of all joints (the UI shows progress). */
  static readonly SWEEP_MS = SWEEP_LEG_MS * 4;

  angle(i: number, now: number): number {
    const t = now - this.since;
    const from = this.from[i] ?? 0;
    const [lo, hi] = JOINT_STOPS[i % JOINT_STOPS.length]!;
    let a: number;
    switch (this.mode) {
      case "script":
        a = leaderAngle(i, now - this.scriptOriginMs);
        break;
      case "hold":
        a = from;
        break;
      case "middle":
        a = smooth(from, 0, t / MOVE_MS);
        break;
      case "sweep": {
        // middle → positive end → negative end → middle, all joints together.
        const leg = Math.floor(t / SWEEP_LEG_MS);
        const u = (t % SWEEP_LEG_MS) / SWEEP_LEG_MS;
        const hiStop = hi * 0.97;
        const loStop = lo * 0.97;
        if (leg === 0) a = smooth(from, hiStop, u);
        else if (leg === 1) a = smooth(hiStop, loStop, u);
        else if (leg === 2) a = smooth(loStop, 0, u);
        else a = 0;
        break;
      }
    }
    return this.reversed.has(i) ? -a : a;
  }
}
