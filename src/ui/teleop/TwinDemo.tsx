/**
 * A visual check of {@link RobotTwin}: the arm swings on sine waves around the
 * calibrated middle (lerobot 0°), the ghost (command) leads the solid
 * (follower) so the error colouring shows, and one wrist swing reaches its
 * limit. Not wired into the app.
 */

import { useMemo } from "react";
import type { CSSProperties, ReactNode } from "react";
import { KINEMATIC_CHAINS, calibratedToUrdfRad } from "../../core/kinematics.ts";
import type { ChainRobot } from "../../core/kinematics.ts";
import { toolPosition } from "../../core/fk.ts";
import { JOINT_NAMES } from "../../core/robots.ts";
import { RobotTwin, TwinCanvas } from "./RobotTwin.tsx";
import type { JointGetter } from "./RobotTwin.tsx";

export interface TwinDemoProps {
  readonly robot: ChainRobot;
  /** Scales the motion; 0 holds the calibrated middle pose (solid and ghost together). */
  readonly amplitude?: number;
  /** Seconds the ghost leads the solid. */
  readonly lead?: number;
  readonly style?: CSSProperties;
}

/** Per arm joint: amplitude (rad, calibrated), angular frequency (rad/s), phase. */
const WAVES: readonly (readonly [number, number, number])[] = [
  [0.5, 0.7, 0],
  [0.35, 0.9, 1.1],
  [0.45, 1.1, 2.0],
  [1.8, 0.8, 0.4],
  [0.9, 0.6, 2.7],
];

export function TwinDemo({ robot, amplitude = 1, lead = 0.15, style }: TwinDemoProps): ReactNode {
  const chain = KINEMATIC_CHAINS[robot];

  const { solid, ghost, yaw, target } = useMemo(() => {
    const joints = JOINT_NAMES.map((name) => chain.joints.find((j) => j.name === name)!);
    const start = performance.now();
    const fill = (out: Float64Array, t: number): boolean => {
      for (let i = 0; i < joints.length; i++) {
        const j = joints[i]!;
        if (j.name === "gripper") {
          // From closed (URDF 0) towards the farther limit, half a radian at most.
          const closed = Math.min(j.upper, Math.max(j.lower, 0));
          const dir = j.upper - closed >= closed - j.lower ? 1 : -1;
          out[i] = closed + dir * 0.25 * amplitude * (1 + Math.sin(1.3 * t));
          continue;
        }
        const [a, w, p] = WAVES[i] ?? [0, 0, 0];
        // wrist_flex's wave is clipped at the limit so the limit marker shows for a while.
        const urdf = calibratedToUrdfRad(j, amplitude * a * Math.sin(w * t + p));
        out[i] = Math.min(j.upper, Math.max(j.lower, urdf));
      }
      return true;
    };
    const solidGetter: JointGetter = (out) => fill(out, (performance.now() - start) / 1000);
    const ghostGetter: JointGetter = (out) => fill(out, (performance.now() - start) / 1000 + lead);

    // Face the arm's forward direction (the tool point in the calibrated middle pose) along +x.
    const middle: Record<string, number> = {};
    for (const j of joints) middle[j.name] = calibratedToUrdfRad(j, 0);
    const tool = toolPosition(chain, middle);
    const facing = -Math.atan2(tool[1], tool[0]);
    const aim: readonly [number, number, number] = [Math.hypot(tool[0], tool[1]) * 0.45, tool[2] * 0.8, 0];
    return { solid: solidGetter, ghost: ghostGetter, yaw: facing, target: aim };
  }, [chain, amplitude, lead]);

  return (
    <TwinCanvas target={target} distance={0.62} {...(style !== undefined ? { style } : {})}>
      <RobotTwin urdfUrl={`/urdf/${robot}.urdf`} solid={solid} ghost={ghost} jointNames={JOINT_NAMES} yaw={yaw} />
    </TwinCanvas>
  );
}
