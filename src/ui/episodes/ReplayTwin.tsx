import { useMemo, useRef } from "react";
import { armFraming, armJoints, jointValueToUrdf } from "../../core/jointMapping.ts";
import { KINEMATIC_CHAINS } from "../../core/kinematics.ts";
import { JOINT_NAMES, type RobotKind } from "../../core/robots.ts";
import type { EpisodeData } from "../../state/index.ts";
import { RobotTwin, TwinCanvas, type JointGetter } from "../teleop/RobotTwin.tsx";

/** lerobot robot_type → the twin's model; undefined when the studio has no model of it. */
export function robotKindOf(robotType: string): RobotKind | undefined {
  const t = robotType.toLowerCase();
  if (t.startsWith("so101")) return "so101";
  if (t.startsWith("so100")) return "so100";
  if (t.startsWith("koch")) return "koch";
  return undefined;
}

/**
 * The 3D twin replaying the recorded episode: observation.state solid, action as the ghost, at
 * the player's frame. Values are degrees (gripper 0..100) as the dataset stores them; the getters
 * read the frame through a ref each render frame.
 */
export function ReplayTwin({
  robot,
  data,
  jointNames,
  frame,
}: {
  robot: RobotKind;
  data: EpisodeData;
  jointNames: readonly string[];
  frame: number;
}) {
  const frameRef = useRef(frame);
  frameRef.current = frame;
  const chain = KINEMATIC_CHAINS[robot];
  const { solid, ghost, yaw, target } = useMemo(() => {
    const joints = armJoints(robot);
    const columns = JOINT_NAMES.map((name) => jointNames.findIndex((n) => n === `${name}.pos` || n === name));
    const getter =
      (values: Float32Array): JointGetter =>
      (out) => {
        const r = frameRef.current;
        if (r < 0 || r >= data.rows) return false;
        let any = false;
        for (let i = 0; i < joints.length; i++) {
          const c = columns[i]!;
          if (c < 0) continue;
          const v = values[r * data.joints + c]!;
          const j = joints[i]!;
          if (Number.isNaN(v)) continue;
          any = true;
          out[i] = jointValueToUrdf(j, v);
        }
        return any;
      };
    const { yaw, target } = armFraming(chain, joints);
    return {
      solid: getter(data.state),
      ghost: getter(data.action),
      yaw,
      target,
    };
  }, [chain, data, jointNames, robot]);
  return (
    <div className="twin episode-twin" data-testid="replay-twin">
      <TwinCanvas target={target} distance={0.9}>
        <RobotTwin urdfUrl={`/urdf/${robot}.urdf`} solid={solid} ghost={ghost} jointNames={JOINT_NAMES} yaw={yaw} />
      </TwinCanvas>
    </div>
  );
}
