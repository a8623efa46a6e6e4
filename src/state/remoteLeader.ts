/**
 * "Leader arm on this browser" for the remote operator: the Rig's connected, calibrated leader
 * (the simulated rig's under `npm start`, a real one over Web Serial) read at the station's loop
 * rate by a LeaderReader, each reading sent to the station as a command (RemoteOperator.follow).
 * The station treats them as any remote command: its gate, start gate, limits and max step apply.
 */
import { LeaderReader, type LeaderArm } from "../control/index.ts";
import type { Clock } from "../core/clock.ts";
import { ARMS } from "../core/robots.ts";
import type { MotorReading } from "../hardware/index.ts";
import type { RemoteOperator } from "../remote/RemoteOperator.ts";
import type { RigStore } from "./rigStore.ts";
import { teleopArms, type TeleopStore } from "./teleopStore.ts";

export interface OperatorLeaderView {
  /** "on": its readings drive the station; "off": the keyboard, sliders and 3D drag do. */
  readonly status: "off" | "on";
  /** The leader that would be (or is) used; undefined when there is none ready. */
  readonly name: string | undefined;
  /** What happened last (why it stopped, or why it cannot start), for the user. */
  readonly message: string;
}

/** The leader a Start on this browser would use, ready to read — or why there is none. */
function leaderArm(rig: RigStore, teleop: TeleopStore): { arm: LeaderArm; name: string } | string {
  const { leader, connected } = teleopArms(rig, teleop.getState().leaderId, teleop.getState().followerId);
  if (!leader) return "No leader arm on this browser: connect one on the Rig screen (or use the keyboard and sliders).";
  if (!connected(leader.id)) return `${leader.name} is not connected: reconnect it on the Rig screen.`;
  if (!leader.calibration) return `Calibrate ${leader.name} first (Rig screen → Calibrate).`;
  const key = leader.id;
  const arm: LeaderArm = {
    arm: ARMS[leader.arm],
    calibration: leader.calibration,
    body: leader.bodyNormMode,
    bus: {
      // Only `ok` and `value` are read; a failed motor's error stays as the rig reported it.
      syncRead: async (register, ids) => (await rig.getState().api(key).syncRead(key, register, ids)) as unknown as MotorReading[],
      onLost: (fn) =>
        rig.subscribe((s) => {
          if (s.buses.find((b) => b.key === key)?.status !== "connected") fn();
        }),
    },
  };
  return { arm, name: leader.name };
}

/** The operator's leader toggle: at most one reader, stopped when the session ends. */
export class OperatorLeader {
  private reader: LeaderReader | undefined;

  constructor(
    private readonly deps: { rig: RigStore; teleop: TeleopStore; clock: Clock; operator: RemoteOperator },
    private readonly publish: (view: OperatorLeaderView) => void,
  ) {
    deps.operator.subscribe((s) => {
      if (s.status !== "connected" && this.reader) this.stop("The session ended: the leader no longer drives.");
    });
  }

  /** The leader that would be used now (for the button's label). */
  available(): string | undefined {
    const found = leaderArm(this.deps.rig, this.deps.teleop);
    return typeof found === "string" ? undefined : found.name;
  }

  start(): void {
    if (this.reader) return;
    const { operator, clock } = this.deps;
    const session = operator.snapshot.session;
    if (operator.snapshot.status !== "connected" || !session)
      return this.publish({ status: "off", name: undefined, message: "Join a station first." });
    const found = leaderArm(this.deps.rig, this.deps.teleop);
    if (typeof found === "string") return this.publish({ status: "off", name: undefined, message: found });
    // The station's loop rate (at most 100 Hz): each reading goes out as one command.
    const rateHz = Math.min(100, Math.max(10, session.rateHz || 50));
    const reader = new LeaderReader(found.arm, clock, rateHz, {
      joints: (values) => operator.follow(reader.joints, values),
      failed: (reason) => {
        this.reader = undefined;
        this.publish({ status: "off", name: found.name, message: `${reason}. The station holds; use the keyboard or sliders.` });
      },
    });
    this.reader = reader;
    reader.start();
    this.publish({ status: "on", name: found.name, message: `${found.name} drives the station (${rateHz} readings a second).` });
  }

  stop(message = "The leader no longer drives: the keyboard, sliders and 3D drag do."): void {
    const reader = this.reader;
    this.reader = undefined;
    reader?.stop();
    this.publish({ status: "off", name: this.available(), message });
  }
}
