import { type ThreeEvent, useFrame, useThree } from "@react-three/fiber";
import { useRef } from "react";
import * as THREE from "three";
import type { Vec3 } from "../../core/kinematics.ts";

/**
 * The end-effector handle: a sphere at the tool point; shift-drag moves it in the plane
 * facing the camera and reports the new point in the URDF base frame (z up). The scene
 * shows the URDF rotated −90° about x (z up → y up), then by `yaw` about y.
 */
export function DragHandle({
  yaw,
  position,
  onDrag,
}: {
  yaw: number;
  position: () => Vec3 | undefined;
  onDrag: (urdfPoint: Vec3) => void;
}) {
  const mesh = useRef<THREE.Mesh>(null);
  const camera = useThree((s) => s.camera);
  const canvas = useThree((s) => s.gl.domElement);
  const invalidate = useThree((s) => s.invalidate);
  const projected = useRef(new THREE.Vector3());
  const dragging = useRef<THREE.Plane | null>(null);
  const hit = useRef(new THREE.Vector3());
  const toScene = useRef(new THREE.Matrix4());
  const toUrdf = useRef(new THREE.Matrix4());
  toScene.current.makeRotationY(yaw).multiply(new THREE.Matrix4().makeRotationX(-Math.PI / 2));
  toUrdf.current.copy(toScene.current).invert();

  // Follow the follower's tool point when not dragging.
  useFrame(() => {
    const m = mesh.current;
    if (!m || dragging.current) return;
    const p = position();
    if (!p) return;
    m.position.set(p[0], p[1], p[2]).applyMatrix4(toScene.current);
    // Where the handle is on screen (CSS px from the canvas's top left), for people's tools
    // and tests to find it: written only when it moves.
    const v = projected.current.copy(m.position).project(camera);
    const at = `${Math.round(((v.x + 1) / 2) * canvas.clientWidth)},${Math.round(((1 - v.y) / 2) * canvas.clientHeight)}`;
    if (canvas.dataset["handle"] !== at) canvas.dataset["handle"] = at;
  });

  const down = (e: ThreeEvent<PointerEvent>) => {
    if (!e.shiftKey || !mesh.current) return;
    e.stopPropagation();
    (e.target as Element).setPointerCapture(e.pointerId);
    const normal = camera.getWorldDirection(new THREE.Vector3()).negate();
    dragging.current = new THREE.Plane().setFromNormalAndCoplanarPoint(normal, mesh.current.position);
  };
  const move = (e: ThreeEvent<PointerEvent>) => {
    const plane = dragging.current;
    if (!plane || !mesh.current) return;
    if (e.ray.intersectPlane(plane, hit.current) === null) return;
    mesh.current.position.copy(hit.current);
    invalidate(); // the handle moved: draw it there (the canvas draws on change only)
    const u = hit.current.clone().applyMatrix4(toUrdf.current);
    onDrag([u.x, u.y, u.z]);
  };
  const up = () => {
    dragging.current = null;
  };

  return (
    <mesh ref={mesh} onPointerDown={down} onPointerMove={move} onPointerUp={up} onPointerCancel={up}>
      <sphereGeometry args={[0.015, 16, 12]} />
      <meshStandardMaterial color="#4c9aff" transparent opacity={0.85} />
    </mesh>
  );
}
