import { useMemo, useRef } from "react";
import { toolPosition } from "../../core/fk.ts";
import { calibratedToUrdfRad, KINEMATIC_CHAINS } from "../../core/kinematics.ts";
import { JOINT_NAMES, type RobotKind } from "../../core/robots.ts";
import type { LatestSample } from "../../core/LatestSample.ts";
import type { TeleopStatus } from "../../state/index.ts";
import { RobotTwin, TwinCanvas, type JointGetter } from "./RobotTwin.tsx";

const DEG = Math.PI / 180;

/**
 * The live twin: follower solid, leader (command) as the ghost. Joint values come from the
 * loop's newest sample (degrees for body joints, 0..100 for the gripper), mapped to the URDF's
 * angles; the twin reads them each frame through getters, never through React state.
 */
export function TeleopTwin({ robot, status, shared }: { robot: RobotKind; status: TeleopStatus | undefined; shared: LatestSample | undefined }) {
  const latest = useRef<TeleopStatus | undefined>(undefined);
  latest.current = status;
  const sharedRef = useRef<LatestSample | undefined>(undefined);
  sharedRef.current = shared;
  const chain = KINEMATIC_CHAINS[robot];
  const { solid, ghost, yaw, target } = useMemo(() => {
    const joints = JOINT_NAMES.map((name) => chain.joints.find((j) => j.name === name)!);
    const scratch = [new Float64Array(2 + 3 * joints.length), new Float64Array(2 + 3 * joints.length)] as const;
    const getter =
      (column: 0 | 1): JointGetter =>
      (out) => {
        // Render rate from shared memory when the page is isolated; else the ~10 Hz status.
        const n = joints.length;
        let sample: ArrayLike<number> | undefined;
        if (sharedRef.current && sharedRef.current.joints === n && sharedRef.current.read(scratch[column])) sample = scratch[column];
        else if (latest.current && latest.current.joints.length === n) sample = latest.current.sample;
        if (!sample || sample.length < 2 + 3 * n) return false;
        for (let i = 0; i < n; i++) {
          const v = sample[2 + column * n + i]!;
          const j = joints[i]!;
          if (Number.isNaN(v)) continue;
          if (j.name === "gripper") {
            const closed = Math.min(j.upper, Math.max(j.lower, 0));
            const far = j.upper - closed >= closed - j.lower ? j.upper : j.lower;
            out[i] = closed + ((far - closed) * v) / 100;
          } else {
            out[i] = calibratedToUrdfRad(j, v * DEG);
          }
        }
        return true;
      };
    const middle: Record<string, number> = {};
    for (const j of joints) middle[j.name] = calibratedToUrdfRad(j, 0);
    const tool = toolPosition(chain, middle);
    return {
      solid: getter(1),
      ghost: getter(0),
      yaw: -Math.atan2(tool[1], tool[0]),
      target: [Math.hypot(tool[0], tool[1]) * 0.45, tool[2] * 0.8, 0] as const,
    };
  }, [chain]);
  return (
    <div className="twin" data-testid="twin">
      <TwinCanvas target={target} distance={0.62}>
        <RobotTwin urdfUrl={`/urdf/${robot}.urdf`} solid={solid} ghost={ghost} jointNames={JOINT_NAMES} yaw={yaw} />
      </TwinCanvas>
    </div>
  );
}
