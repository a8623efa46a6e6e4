import { useMemo } from "react";
import { armFraming, armJoints, jointValueToUrdf } from "../../core/jointMapping.ts";
import { KINEMATIC_CHAINS } from "../../core/kinematics.ts";
import { JOINT_NAMES, type RobotKind } from "../../core/robots.ts";
import type { RemoteOperatorView } from "../../state/index.ts";
import { RobotTwin, TwinCanvas, type JointGetter } from "../teleop/RobotTwin.tsx";

/**
 * The operator's twin: the station's follower (from its state channel, freshest wins) solid,
 * the operator's own command as the ghost — the gap between them is the link's latency.
 */
export function OperatorTwin({ robot, engine }: { robot: RobotKind; engine: RemoteOperatorView }) {
  const { solid, ghost, yaw, target } = useMemo(() => {
    const joints = armJoints(robot);
    const scratch: number[] = [];
    const fill = (values: readonly number[] | undefined, out: Float64Array) => {
      if (!values || values.length !== joints.length) return false;
      for (let i = 0; i < joints.length; i++) if (!Number.isNaN(values[i]!)) out[i] = jointValueToUrdf(joints[i]!, values[i]!);
      return true;
    };
    const solid: JointGetter = (out) => fill(engine.follower(scratch), out);
    const ghost: JointGetter = (out) => fill(engine.snapshot.targets, out);
    const framing = armFraming(KINEMATIC_CHAINS[robot], joints);
    return { solid, ghost, yaw: framing.yaw, target: framing.target };
  }, [robot, engine]);
  return (
    <div className="twin" data-testid="operator-twin">
      <TwinCanvas target={target} distance={0.9}>
        <RobotTwin urdfUrl={`/urdf/${robot}.urdf`} solid={solid} ghost={ghost} jointNames={JOINT_NAMES} yaw={yaw} />
      </TwinCanvas>
    </div>
  );
}
