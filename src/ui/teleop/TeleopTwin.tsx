import { useMemo, useRef } from "react";
import { toolPosition } from "../../core/fk.ts";
import { solveIk } from "../../core/ik.ts";
import { calibratedToUrdfRad, KINEMATIC_CHAINS, urdfToCalibratedRad, type Vec3 } from "../../core/kinematics.ts";
import { DragHandle } from "./DragHandle.tsx";
import { JOINT_NAMES, type RobotKind } from "../../core/robots.ts";
import type { LatestSample } from "../../core/LatestSample.ts";
import type { TeleopStatus } from "../../state/index.ts";
import { RobotTwin, TwinCanvas, type JointGetter } from "./RobotTwin.tsx";

const DEG = Math.PI / 180;

/**
 * The live twin: follower solid, the command sent to it (leader or manual targets) as the ghost. Joint values come from the
 * loop's newest sample (degrees for body joints, 0..100 for the gripper), mapped to the URDF's
 * angles; the twin reads them each frame through getters, never through React state.
 */
export function TeleopTwin({
  robot,
  status,
  shared,
  onDragJoints,
  urdfUrl,
}: {
  robot: RobotKind;
  /** The profile's own URDF (userUrdf.ts), instead of the built-in one. */
  urdfUrl?: string | undefined;
  status: TeleopStatus | undefined;
  shared: LatestSample | undefined;
  /** When set, shift-drag the blue handle to move the tool: joint targets in calibrated degrees. */
  onDragJoints?: ((degrees: ReadonlyMap<number, number>) => void) | undefined;
}) {
  const latest = useRef<TeleopStatus | undefined>(undefined);
  latest.current = status;
  const sharedRef = useRef<LatestSample | undefined>(undefined);
  sharedRef.current = shared;
  const chain = KINEMATIC_CHAINS[robot];
  const dragRef = useRef(onDragJoints);
  dragRef.current = onDragJoints;
  const { solid, ghost, yaw, target, toolOf, drag } = useMemo(() => {
    const joints = JOINT_NAMES.map((name) => chain.joints.find((j) => j.name === name)!);
    const scratch = [0, 1, 2].map(() => new Float64Array(2 + 3 * joints.length)) as [Float64Array, Float64Array, Float64Array];
    const getter =
      (column: 0 | 1 | 2): JointGetter =>
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
    // The follower's joints in URDF radians, for the handle and the IK start pose.
    const followerUrdf = new Float64Array(joints.length);
    const current = (): Record<string, number> | undefined => {
      if (!getter(1)(followerUrdf)) return undefined;
      const q: Record<string, number> = {};
      joints.forEach((j, i) => (q[j.name] = followerUrdf[i]!));
      return q;
    };
    const toolOf = (): Vec3 | undefined => {
      const q = current();
      return q ? toolPosition(chain, q) : undefined;
    };
    const drag = (point: Vec3) => {
      const q = current();
      const send = dragRef.current;
      if (!q || !send) return;
      const r = solveIk(chain, q, point, { iterations: 30 });
      const out = new Map<number, number>();
      joints.forEach((j, i) => {
        if (j.name === "gripper" || j.name === "wrist_roll") return;
        out.set(i, urdfToCalibratedRad(j, r.angles[j.name] ?? 0) / DEG);
      });
      send(out);
    };
    const middle: Record<string, number> = {};
    for (const j of joints) middle[j.name] = calibratedToUrdfRad(j, 0);
    const tool = toolPosition(chain, middle);
    return {
      solid: getter(1),
      ghost: getter(2),
      yaw: -Math.atan2(tool[1], tool[0]),
      // Frame the whole reach: an arm stretched straight up stays in view.
      target: [Math.hypot(tool[0], tool[1]) * 0.35, Math.max(0.18, tool[2] * 1.2), 0] as const,
      toolOf,
      drag,
    };
  }, [chain]);
  return (
    <div className="twin" data-testid="twin">
      <TwinCanvas target={target} distance={0.9}>
        <RobotTwin urdfUrl={urdfUrl ?? `/urdf/${robot}.urdf`} solid={solid} ghost={ghost} jointNames={JOINT_NAMES} yaw={yaw} />
        {onDragJoints && <DragHandle yaw={yaw} position={toolOf} onDrag={drag} />}
      </TwinCanvas>
    </div>
  );
}
