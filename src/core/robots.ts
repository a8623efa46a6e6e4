/**
 * Arms the studio knows, as data. Motor ids and names follow lerobot's
 * SO-100/SO-101 and Koch v1.1 definitions.
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
}

export interface ArmDefinition {
  readonly kind: RobotKind;
  readonly role: ArmRole;
  readonly label: string;
  readonly protocol: ProtocolName;
  readonly motors: readonly MotorSpec[];
}

function arm(kind: RobotKind, role: ArmRole, label: string, protocol: ProtocolName, models: readonly string[]): ArmDefinition {
  return {
    kind,
    role,
    label,
    protocol,
    motors: JOINT_NAMES.map((name, i) => ({ name, id: i + 1, model: models[i] ?? models[0] ?? "" })),
  };
}

const STS6 = ["sts3215"];

export const ARMS = {
  so101_follower: arm("so101", "follower", "SO-101 follower", "feetech", STS6),
  so101_leader: arm("so101", "leader", "SO-101 leader", "feetech", STS6),
  so100_follower: arm("so100", "follower", "SO-100 follower", "feetech", STS6),
  so100_leader: arm("so100", "leader", "SO-100 leader", "feetech", STS6),
  koch_follower: arm("koch", "follower", "Koch v1.1 follower", "dynamixel", [
    "xl430-w250",
    "xl430-w250",
    "xl330-m288",
    "xl330-m288",
    "xl330-m288",
    "xl330-m288",
  ]),
  koch_leader: arm("koch", "leader", "Koch v1.1 leader", "dynamixel", ["xl330-m077"]),
} as const satisfies Record<string, ArmDefinition>;

export type ArmId = keyof typeof ARMS;
