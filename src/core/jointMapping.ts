/**
 * The one mapping between the studio's joint values and the URDF's joint angles, used by every
 * view of an arm (the live twin, the replay twin, the simulated camera). Joint values are the
 * follower's normalised units: degrees for body joints (0 = the calibrated middle), 0..100 (%
 * open) for the gripper.
 */
import { toolPosition } from "./fk.ts";
import {
  calibratedToUrdfRad,
  type JointSpec,
  KINEMATIC_CHAINS,
  type KinematicChain,
  urdfToCalibratedRad,
  type Vec3,
} from "./kinematics.ts";
import { JOINT_NAMES, type RobotKind } from "./robots.ts";

const DEG = Math.PI / 180;

/** The URDF joints of an arm kind, in the arm's motor order. */
export function armJoints(kind: RobotKind): JointSpec[] {
  const chain = KINEMATIC_CHAINS[kind];
  return JOINT_NAMES.map((name) => {
    const j = chain.joints.find((x) => x.name === name);
    if (!j) throw new RangeError(`The ${kind} URDF has no joint ${name}.`);
    return j;
  });
}

/** The gripper's URDF angle when closed (0 %) and fully open (100 %). */
function gripperSpan(j: JointSpec): { closed: number; open: number } {
  const closed = Math.min(j.upper, Math.max(j.lower, 0));
  const open = j.upper - closed >= closed - j.lower ? j.upper : j.lower;
  return { closed, open };
}

/** A joint value (degrees; gripper % open) → the URDF joint's angle (rad). */
export function jointValueToUrdf(j: JointSpec, value: number): number {
  if (j.name === "gripper") {
    const { closed, open } = gripperSpan(j);
    return closed + ((open - closed) * value) / 100;
  }
  return calibratedToUrdfRad(j, value * DEG);
}

/** Inverse of {@link jointValueToUrdf}. */
export function urdfToJointValue(j: JointSpec, rad: number): number {
  if (j.name === "gripper") {
    const { closed, open } = gripperSpan(j);
    return open === closed ? 0 : ((rad - closed) / (open - closed)) * 100;
  }
  return urdfToCalibratedRad(j, rad) / DEG;
}

/** A pose's URDF angles by joint name; joints whose value is unknown (NaN) are left out. */
export function poseToUrdf(joints: readonly JointSpec[], values: ArrayLike<number>): Record<string, number> {
  const q: Record<string, number> = {};
  joints.forEach((j, i) => {
    const v = values[i] ?? NaN;
    if (!Number.isNaN(v)) q[j.name] = jointValueToUrdf(j, v);
  });
  return q;
}

/** Where a camera looking at the arm should aim: the tool at the middle pose, framed to the arm's reach. */
export function armFraming(
  chain: KinematicChain,
  joints: readonly JointSpec[],
): { yaw: number; target: readonly [number, number, number]; tool: Vec3 } {
  const middle: Record<string, number> = {};
  for (const j of joints) middle[j.name] = calibratedToUrdfRad(j, 0);
  const tool = toolPosition(chain, middle);
  return {
    tool,
    yaw: -Math.atan2(tool[1], tool[0]),
    target: [Math.hypot(tool[0], tool[1]) * 0.35, Math.max(0.18, tool[2] * 1.2), 0] as const,
  };
}
