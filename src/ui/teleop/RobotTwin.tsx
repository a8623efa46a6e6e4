/**
 * The 3D twin: a URDF drawn twice with @react-three/fiber — the follower solid,
 * the leader/command as a translucent ghost — posed at render rate from getters
 * that fill preallocated buffers. Nothing here sets React state per frame.
 *
 * Per joint, the solid's child link shifts from its own colour to amber (≈5°)
 * and red (≥15°) with |solid − ghost|, and a red ring appears at a joint within
 * 2° of its limit (the URDF `<limit>`, or the `limits` prop).
 */

import { Suspense, use, useContext, useEffect, useMemo, useRef } from "react";
import type { ReactNode } from "react";
import { useFrame } from "@react-three/fiber";
import { ProbeContext } from "./TwinCanvas.tsx";
import { applyFrame, buildTwin, type JointGetter, type JointLimit, loadUrdf, twinChanged } from "./urdfTwin.ts";

export type { JointGetter, JointLimit };
export { TwinCanvas } from "./TwinCanvas.tsx";

export interface RobotTwinProps {
  /** URL of the URDF (e.g. "/urdf/so101.urdf", or a user's file with meshes). Loaded once per URL. */
  readonly urdfUrl: string;
  /** The follower (measured) pose, drawn solid. */
  readonly solid: JointGetter;
  /** The leader/command pose, drawn as a ghost; hidden while it returns false. */
  readonly ghost?: JointGetter;
  /** URDF joint names, in the order the getters fill their buffers. */
  readonly jointNames: readonly string[];
  /** Per joint (same order), overrides the URDF limits for the limit markers; null turns a joint's marker off. */
  readonly limits?: readonly (JointLimit | null | undefined)[];
  /** Turns the robot about the vertical axis (rad), e.g. to face its forward direction along +x. */
  readonly yaw?: number;
}

function RobotTwinModel({ urdfUrl, solid, ghost, jointNames, limits, yaw = 0 }: RobotTwinProps): ReactNode {
  const template = use(loadUrdf(urdfUrl));
  const namesKey = jointNames.join("\n");
  const twin = useMemo(() => (template === null ? null : buildTwin(template, namesKey.split("\n"))), [template, namesKey]);
  useEffect(() => () => twin?.dispose(), [twin]);

  // The getters and limits are read at render rate; keep the latest without rebuilding the twin.
  const latest = useRef({ solid, ghost, limits });
  useEffect(() => {
    latest.current = { solid, ghost, limits };
  }, [solid, ghost, limits]);

  useFrame(() => {
    if (twin === null) return;
    const l = latest.current;
    applyFrame(twin, l.solid, l.ghost, l.limits);
  });

  // Ask for a frame only when the pose differs from the one drawn (see ChangeDriven).
  const probes = useContext(ProbeContext);
  useEffect(() => {
    if (twin === null || probes === null) return;
    const probe = () => twinChanged(twin, latest.current.solid, latest.current.ghost);
    probes.add(probe);
    return () => void probes.delete(probe);
  }, [twin, probes]);

  if (twin === null) return null;
  return (
    <group rotation={[0, yaw, 0]}>
      <primitive object={twin.root} />
    </group>
  );
}

/** Must be rendered inside a `<Canvas>` (e.g. {@link TwinCanvas}). Renders nothing until the URDF has loaded. */
export function RobotTwin(props: RobotTwinProps): ReactNode {
  return (
    <Suspense fallback={null}>
      <RobotTwinModel {...props} />
    </Suspense>
  );
}
