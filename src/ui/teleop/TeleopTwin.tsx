import { useMemo, useRef } from "react";
import { toolPosition } from "../../core/fk.ts";
import { solveIk } from "../../core/ik.ts";
import { armFraming, armJoints, jointValueToUrdf, urdfToJointValue } from "../../core/jointMapping.ts";
import { KINEMATIC_CHAINS, type Vec3 } from "../../core/kinematics.ts";
import { DragHandle } from "./DragHandle.tsx";
import { JOINT_NAMES, type RobotKind } from "../../core/robots.ts";
import { type LatestSample, SampleFrame } from "../../core/LatestSample.ts";
import type { TeleopStatus } from "../../state/index.ts";
import { RobotTwin, TwinCanvas, type JointGetter } from "./RobotTwin.tsx";

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
    const joints = armJoints(robot);
    const n = joints.length;
    const frames = [new SampleFrame(n), new SampleFrame(n)] as const;
    const getter =
      (which: "follower" | "command"): JointGetter =>
      (out) => {
        // Render rate from shared memory when the page is isolated; else the ~10 Hz status.
        const frame = frames[which === "follower" ? 0 : 1];
        const fresh = sharedRef.current?.read(frame) ?? false;
        const sample = fresh ? frame : latest.current ? SampleFrame.fromArray(latest.current.sample, n) : undefined;
        if (!sample) return false;
        const values = sample[which];
        for (let i = 0; i < n; i++) {
          const v = values[i]!;
          if (!Number.isNaN(v)) out[i] = jointValueToUrdf(joints[i]!, v);
        }
        return true;
      };
    // The follower's joints in URDF radians, for the handle and the IK start pose.
    const followerUrdf = new Float64Array(joints.length);
    const current = (): Record<string, number> | undefined => {
      if (!getter("follower")(followerUrdf)) return undefined;
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
        out.set(i, urdfToJointValue(j, r.angles[j.name] ?? 0));
      });
      send(out);
    };
    const framing = armFraming(chain, joints);
    return {
      solid: getter("follower"),
      ghost: getter("command"),
      yaw: framing.yaw,
      // Frame the whole reach: an arm stretched straight up stays in view.
      target: framing.target,
      toolOf,
      drag,
    };
  }, [chain, robot]);
  return (
    <div className="twin" data-testid="twin">
      <TwinCanvas target={target} distance={0.9}>
        <RobotTwin urdfUrl={urdfUrl ?? `/urdf/${robot}.urdf`} solid={solid} ghost={ghost} jointNames={JOINT_NAMES} yaw={yaw} />
        {onDragJoints && <DragHandle yaw={yaw} position={toolOf} onDrag={drag} />}
      </TwinCanvas>
    </div>
  );
}
