import { createContext, useEffect, useMemo, useRef } from "react";
import type { CSSProperties, ReactNode } from "react";
import { Canvas, useFrame, useThree } from "@react-three/fiber";
import * as THREE from "three";

// ---- the canvas: camera, lights, grid and a minimal orbit (drag to turn, wheel to zoom).

type Vec3Tuple = readonly [number, number, number];

interface OrbitProps {
  readonly target: Vec3Tuple;
  readonly distance: number;
  /** Radians: around the vertical axis from +z (towards the viewer) and above the horizon. */
  readonly azimuth: number;
  readonly elevation: number;
}

function SimpleOrbit({ target, distance, azimuth, elevation }: OrbitProps): null {
  const camera = useThree((s) => s.camera);
  const element = useThree((s) => s.gl.domElement);
  const invalidate = useThree((s) => s.invalidate);
  const [tx, ty, tz] = target;

  useEffect(() => {
    const view = { azimuth, elevation, distance };
    const centre = new THREE.Vector3(tx, ty, tz);
    const place = (): void => {
      const c = Math.cos(view.elevation);
      camera.position.set(
        tx + view.distance * c * Math.sin(view.azimuth),
        ty + view.distance * Math.sin(view.elevation),
        tz + view.distance * c * Math.cos(view.azimuth),
      );
      camera.lookAt(centre);
      invalidate();
    };
    place();
    let drag: { id: number; x: number; y: number } | null = null;
    const down = (e: PointerEvent): void => {
      if (e.shiftKey) return; // shift-drag belongs to the end-effector handle
      drag = { id: e.pointerId, x: e.clientX, y: e.clientY };
      element.setPointerCapture(e.pointerId);
    };
    const move = (e: PointerEvent): void => {
      if (drag === null || drag.id !== e.pointerId) return;
      view.azimuth -= (e.clientX - drag.x) * 0.01;
      view.elevation = Math.max(-0.2, Math.min(1.5, view.elevation + (e.clientY - drag.y) * 0.01));
      drag.x = e.clientX;
      drag.y = e.clientY;
      place();
    };
    const up = (e: PointerEvent): void => {
      if (drag?.id === e.pointerId) drag = null;
    };
    const wheel = (e: WheelEvent): void => {
      e.preventDefault();
      view.distance = Math.max(0.15, Math.min(5, view.distance * Math.exp(e.deltaY * 0.001)));
      place();
    };
    element.addEventListener("pointerdown", down);
    element.addEventListener("pointermove", move);
    element.addEventListener("pointerup", up);
    element.addEventListener("pointercancel", up);
    element.addEventListener("wheel", wheel, { passive: false });
    return () => {
      element.removeEventListener("pointerdown", down);
      element.removeEventListener("pointermove", move);
      element.removeEventListener("pointerup", up);
      element.removeEventListener("pointercancel", up);
      element.removeEventListener("wheel", wheel);
    };
  }, [camera, element, invalidate, tx, ty, tz, distance, azimuth, elevation]);
  return null;
}

/** Twins in a canvas ask, at most `fps` times a second, whether their pose changed since it was drawn. */
export const ProbeContext = createContext<Set<() => boolean> | null>(null);

/**
 * Draws on change, at most `fps` frames a second (frameloop "demand"): a still arm costs no
 * frames, a moving one no more than the eye needs — the CPU is shared with the control loop.
 * The canvas counts the frames it drew in `data-frames`.
 */
function ChangeDriven({ fps, probes }: { fps: number; probes: Set<() => boolean> }): null {
  const invalidate = useThree((s) => s.invalidate);
  const canvas = useThree((s) => s.gl.domElement);
  const frames = useRef(0);
  useFrame(() => {
    frames.current++;
    canvas.dataset["frames"] = String(frames.current);
  });
  useEffect(() => {
    const t = setInterval(() => {
      for (const changed of probes) {
        if (changed()) {
          invalidate();
          return;
        }
      }
    }, 1000 / fps);
    return () => clearInterval(t);
  }, [invalidate, fps, probes]);
  return null;
}

export interface TwinCanvasProps {
  readonly children?: ReactNode;
  /** Frames per second drawn (default 24: smooth to the eye, and software GL leaves more of the CPU to the control loop). */
  readonly fps?: number;
  /** Point the camera orbits, in three.js coordinates (y up), metres. */
  readonly target?: Vec3Tuple;
  readonly distance?: number;
  readonly azimuth?: number;
  readonly elevation?: number;
  readonly className?: string;
  readonly style?: CSSProperties;
}

const DEFAULT_TARGET: Vec3Tuple = [0.1, 0.14, 0];

/** A canvas for {@link RobotTwin}s: perspective camera, lights, a 1 m grid (5 cm cells), drag-to-orbit. */
export function TwinCanvas({
  children,
  fps = 24,
  target = DEFAULT_TARGET,
  distance = 0.75,
  azimuth = 0.5,
  elevation = 0.35,
  className,
  style,
}: TwinCanvasProps): ReactNode {
  const probes = useMemo(() => new Set<() => boolean>(), []);
  return (
    <Canvas
      frameloop="demand"
      dpr={1}
      // No MSAA: with software GL (SwiftShader, or a laptop without a GPU) multisampling costs
      // several times the frame, taken from the CPU the control loop runs on.
      gl={{ antialias: false, powerPreference: "low-power" }}
      camera={{ fov: 40, near: 0.01, far: 20, position: [0.4, 0.4, 0.6] }}
      {...(className !== undefined ? { className } : {})}
      style={{ touchAction: "none", ...style }}
    >
      <color attach="background" args={["#161a20"]} />
      <hemisphereLight args={["#ffffff", "#30343c", 1.4]} />
      <directionalLight position={[0.8, 1.6, 1.0]} intensity={2.2} />
      <directionalLight position={[-1, 0.6, -0.8]} intensity={0.6} />
      {/* Just below z = 0 so a base plate standing on the floor does not z-fight with it. */}
      <gridHelper args={[1, 20, "#4b5563", "#2a3039"]} position={[0, -0.0085, 0]} />
      <ChangeDriven fps={fps} probes={probes} />
      <SimpleOrbit target={target} distance={distance} azimuth={azimuth} elevation={elevation} />
      <ProbeContext value={probes}>{children}</ProbeContext>
    </Canvas>
  );
}
