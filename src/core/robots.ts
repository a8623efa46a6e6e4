/**
 * Arms the studio knows, as data. Motor ids, names, models and calibration conventions
 * follow lerobot's SO-100/SO-101 and Koch v1.1 definitions.
 */

export type RobotKind = "so100" | "so101" | "koch";
export type ArmRole = "leader" | "follower";
export type ProtocolName = "feetech" | "dynamixel";

export const JOINT_NAMES = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"] as const;
export type JointName = (typeof JOINT_NAMES)[number];

export interface MotorSpec {
  readonly name: JointName;
  readonly id: number;
  /** Motor model name, as in lerobot ("sts3215", "xl330-m288", …). */
  readonly model: string;
  /** The gripper reports 0..100 (% open); body joints degrees (or −100..100 as an option). */
  readonly isGripper: boolean;
  /** Calibration: lerobot records no range for full-turn joints and stores 0..4095. */
  readonly fullTurn: boolean;
  /** drive_mode written in the calibration file (Koch leader elbow: 1, inverted by the motor). */
  readonly driveMode: 0 | 1;
  /** Which way is positive, for the calibration sweep's arrows. */
  readonly positive: string;
}

export interface ArmDefinition {
  readonly id: ArmId;
  readonly kind: RobotKind;
  readonly role: ArmRole;
  readonly label: string;
  readonly protocol: ProtocolName;
  readonly motors: readonly MotorSpec[];
  /** Directory name lerobot uses for this arm's calibration files (current lerobot). */
  readonly lerobotName: string;
}

const POSITIVE: Record<JointName, string> = {
  shoulder_pan: "turn left (seen from behind the arm)",
  shoulder_lift: "raise the upper arm",
  elbow_flex: "fold the forearm up",
  wrist_flex: "tilt the wrist up",
  wrist_roll: "roll clockwise",
  gripper: "open the jaw",
};

function arm(
  id: ArmId,
  kind: RobotKind,
  role: ArmRole,
  label: string,
  protocol: ProtocolName,
  models: readonly string[],
  fullTurn: readonly JointName[],
  driveModes: Partial<Record<JointName, 0 | 1>> = {},
): ArmDefinition {
  return {
    id,
    kind,
    role,
    label,
    protocol,
    lerobotName: kind === "koch" ? `koch_${role}` : `so_${role}`,
    motors: JOINT_NAMES.map((name, i) => ({
      name,
      id: i + 1,
      model: models[i] ?? models[0] ?? "",
      isGripper: name === "gripper",
      fullTurn: fullTurn.includes(name),
      driveMode: driveModes[name] ?? 0,
      positive: POSITIVE[name],
    })),
  };
}

const STS6 = ["sts3215"];
const KOCH_FOLLOWER = ["xl430-w250", "xl430-w250", "xl330-m288", "xl330-m288", "xl330-m288", "xl330-m288"];

export type ArmId = "so101_follower" | "so101_leader" | "so100_follower" | "so100_leader" | "koch_follower" | "koch_leader";

export const ARMS: Readonly<Record<ArmId, ArmDefinition>> = {
  so101_follower: arm("so101_follower", "so101", "follower", "SO-101 follower", "feetech", STS6, ["wrist_roll"]),
  so101_leader: arm("so101_leader", "so101", "leader", "SO-101 leader", "feetech", STS6, ["wrist_roll"]),
  so100_follower: arm("so100_follower", "so100", "follower", "SO-100 follower", "feetech", STS6, ["wrist_roll"]),
  so100_leader: arm("so100_leader", "so100", "leader", "SO-100 leader", "feetech", STS6, ["wrist_roll"]),
  koch_follower: arm("koch_follower", "koch", "follower", "Koch v1.1 follower", "dynamixel", KOCH_FOLLOWER, ["shoulder_pan", "wrist_roll"]),
  koch_leader: arm("koch_leader", "koch", "leader", "Koch v1.1 leader", "dynamixel", ["xl330-m077"], ["shoulder_pan", "wrist_roll"], {
    elbow_flex: 1,
  }),
};

/** The norm mode of one motor given the profile's choice for body joints. */
export function motorNormMode(motor: MotorSpec, body: "degrees" | "range_m100_100"): "degrees" | "range_m100_100" | "range_0_100" {
  return motor.isGripper ? "range_0_100" : body;
}

/**
 * The one rule for "which arm is the leader / the follower": the one the user chose, else the
 * first connected arm of that role. Used by teleop, recording (whose joints a dataset records)
 * and the simulated camera (which robot it draws).
 */
export function selectArm<P extends { readonly id: string; readonly arm: ArmId }>(
  role: ArmRole,
  profiles: readonly P[],
  isConnected: (id: string) => boolean,
  chosenId?: string,
): P | undefined {
  const chosen = chosenId === undefined ? undefined : profiles.find((p) => p.id === chosenId);
  return chosen ?? profiles.find((p) => ARMS[p.arm].role === role && isConnected(p.id));
}
