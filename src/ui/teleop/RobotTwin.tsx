/**
 * The 3D twin: a URDF drawn twice with @react-three/fiber — the follower solid,
 * the leader/command as a translucent ghost — posed at render rate from getters
 * that fill preallocated buffers. Nothing here sets React state per frame.
 *
 * Per joint, the solid's child link shifts from its own colour to amber (≈5°)
 * and red (≥15°) with |solid − ghost|, and a red ring appears at a joint within
 * 2° of its limit (the URDF `<limit>`, or the `limits` prop).
 */

import { createContext, Suspense, use, useContext, useEffect, useMemo, useRef } from "react";
import type { CSSProperties, ReactNode } from "react";
import { Canvas, useFrame, useThree } from "@react-three/fiber";
import * as THREE from "three";
import URDFLoader from "urdf-loader";
import { userUrdfResolver } from "./userUrdf.ts";
import type { URDFJoint, URDFRobot } from "urdf-loader";

/**
 * Fills `out[i]` with the angle of `jointNames[i]` in radians (URDF convention)
 * and returns true, or returns false when there is nothing to show (no data yet).
 * Called once per rendered frame; it must not allocate.
 */
export type JointGetter = (out: Float64Array) => boolean;

export interface JointLimit {
  readonly lower: number;
  readonly upper: number;
}

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

const DEG = Math.PI / 180;
/** |solid − ghost| at which a link is fully amber, and fully red. */
export const ERROR_AMBER_RAD = 5 * DEG;
export const ERROR_RED_RAD = 15 * DEG;
/** Below this the link keeps its own colour. */
const ERROR_DEADBAND_RAD = 1 * DEG;
/** A joint this close to a limit shows its marker. */
export const LIMIT_MARGIN_RAD = 2 * DEG;

const AMBER = new THREE.Color("#f59e0b");
const RED = new THREE.Color("#ef4444");

// ---- loading: one parse per URL; every twin clones the cached robot.

const cache = new Map<string, Promise<URDFRobot | null>>();

/**
 * Loads a URDF (and its meshes) once per URL. Resolves when the LoadingManager
 * reports everything loaded; resolves null (and forgets the URL, so a later
 * mount retries) when the URDF itself fails to load.
 */
export function loadUrdf(url: string): Promise<URDFRobot | null> {
  let p = cache.get(url);
  if (p === undefined) {
    p = new Promise<URDFRobot | null>((resolve) => {
      const manager = new THREE.LoadingManager();
      // A user's URDF: its meshes are the files they chose (userUrdf.ts).
      const toUserFile = userUrdfResolver(url);
      if (toUserFile) manager.setURLModifier(toUserFile);
      const loader = new URDFLoader(manager);
      let robot: URDFRobot | null = null;
      manager.onLoad = () => {
        if (robot === null) cache.delete(url);
        resolve(robot);
      };
      loader.load(
        url,
        (r) => {
          robot = r;
        },
        undefined,
        (err: unknown) => {
          console.error(`RobotTwin: cannot load ${url}`, err);
        },
      );
    });
    cache.set(url, p);
  }
  return p;
}

// ---- one twin: two clones, per-link materials, markers, preallocated buffers.

interface Tinted {
  readonly material: THREE.Material & { color: THREE.Color };
  readonly neutral: THREE.Color;
}

interface Binding {
  readonly joint: URDFJoint | undefined;
  readonly ghostJoint: URDFJoint | undefined;
  readonly urdfLimit: JointLimit | undefined;
  /** Materials of the solid link this joint moves (not of the links further down). */
  readonly tinted: readonly Tinted[];
  readonly marker: THREE.Mesh | undefined;
}

interface Twin {
  readonly root: THREE.Group;
  readonly ghostRoot: THREE.Object3D;
  readonly bindings: readonly Binding[];
  readonly solidBuf: Float64Array;
  readonly ghostBuf: Float64Array;
  /** Scratch for the change probe, and what the last frame drew. */
  readonly probeSolid: Float64Array;
  readonly probeGhost: Float64Array;
  readonly drawn: { solid: Float64Array; ghost: Float64Array; hasSolid: boolean; hasGhost: boolean; ever: boolean };
  dispose(): void;
}

function hasColor(m: THREE.Material): m is THREE.Material & { color: THREE.Color } {
  return "color" in m && m.color instanceof THREE.Color;
}

function isJoint(o: THREE.Object3D): o is URDFJoint {
  return (o as Partial<URDFJoint>).isURDFJoint === true;
}

/** Meshes under `obj`, not descending into child joints (they belong to other links). */
function linkMeshes(obj: THREE.Object3D, out: THREE.Mesh[]): void {
  for (const c of obj.children) {
    if (isJoint(c)) continue;
    if (c instanceof THREE.Mesh) out.push(c);
    linkMeshes(c, out);
  }
}

/** The links a joint moves directly: its child objects that are not joints. */
function jointChildMeshes(joint: URDFJoint): THREE.Mesh[] {
  const meshes: THREE.Mesh[] = [];
  for (const c of joint.children) if (!isJoint(c)) linkMeshes(c, meshes);
  return meshes;
}

/**
 * The same look with Lambert shading: the per-pixel cost of Phong/standard materials is what
 * software GL (no GPU) spends most of its time on, and the twin only needs to read clearly.
 */
function cheapMaterial(m: THREE.Material): THREE.Material {
  if (!hasColor(m)) return m.clone();
  const map = "map" in m && m.map instanceof THREE.Texture ? m.map : null;
  return new THREE.MeshLambertMaterial({ color: m.color.clone(), map, transparent: m.transparent, opacity: m.opacity, side: m.side });
}

function buildTwin(template: URDFRobot, jointNames: readonly string[]): Twin {
  const owned: { dispose(): void }[] = [];
  const solid = template.clone(true);
  const ghost = template.clone(true);

  // Ghost: one shared translucent material, drawn after the solid.
  const ghostMaterial = new THREE.MeshLambertMaterial({ color: "#7cc4ff", transparent: true, opacity: 0.3, depthWrite: false });
  owned.push(ghostMaterial);
  ghost.traverse((o) => {
    if (o instanceof THREE.Mesh) {
      o.material = ghostMaterial;
      o.renderOrder = 1;
    }
  });

  // Solid: clone the materials once per link so each joint's link can be tinted alone.
  const tintedByJoint = new Map<string, Tinted[]>();
  for (const joint of Object.values(solid.joints)) {
    const clones = new Map<THREE.Material, THREE.Material>();
    const tinted: Tinted[] = [];
    const cloneOnce = (m: THREE.Material): THREE.Material => {
      let c = clones.get(m);
      if (c === undefined) {
        c = cheapMaterial(m);
        clones.set(m, c);
        owned.push(c);
        if (hasColor(c)) tinted.push({ material: c, neutral: c.color.clone() });
      }
      return c;
    };
    for (const mesh of jointChildMeshes(joint)) {
      mesh.material = Array.isArray(mesh.material) ? mesh.material.map(cloneOnce) : cloneOnce(mesh.material);
    }
    tintedByJoint.set(joint.urdfName, tinted);
  }

  // Limit markers: a red ring around each bound joint's axis, hidden until needed.
  const ringGeometry = new THREE.TorusGeometry(0.024, 0.0035, 8, 32);
  const ringMaterial = new THREE.MeshBasicMaterial({ color: RED, depthTest: false, transparent: true, opacity: 0.9 });
  owned.push(ringGeometry, ringMaterial);
  const zAxis = new THREE.Vector3(0, 0, 1);

  const bindings: Binding[] = jointNames.map((name) => {
    const joint = solid.joints[name];
    const ghostJoint = ghost.joints[name];
    let marker: THREE.Mesh | undefined;
    if (joint !== undefined) {
      marker = new THREE.Mesh(ringGeometry, ringMaterial);
      marker.quaternion.setFromUnitVectors(zAxis, joint.axis.clone().normalize());
      marker.visible = false;
      marker.renderOrder = 2;
      joint.add(marker);
    }
    const l = joint?.limit;
    const limited = joint !== undefined && joint.jointType === "revolute" && l !== undefined && l.lower < l.upper;
    return {
      joint,
      ghostJoint,
      urdfLimit: limited ? { lower: l.lower, upper: l.upper } : undefined,
      tinted: tintedByJoint.get(name) ?? [],
      marker,
    };
  });

  const root = new THREE.Group();
  // URDF is z-up, three.js y-up.
  root.rotation.x = -Math.PI / 2;
  root.add(solid, ghost);
  ghost.visible = false;

  return {
    root,
    ghostRoot: ghost,
    bindings,
    solidBuf: new Float64Array(jointNames.length),
    ghostBuf: new Float64Array(jointNames.length),
    probeSolid: new Float64Array(jointNames.length),
    probeGhost: new Float64Array(jointNames.length),
    drawn: {
      solid: new Float64Array(jointNames.length).fill(NaN),
      ghost: new Float64Array(jointNames.length).fill(NaN),
      hasSolid: false,
      hasGhost: false,
      ever: false,
    },
    dispose() {
      for (const o of owned) o.dispose();
    },
  };
}

/** Sets a joint only when the value changed (urdf-loader's setJointValue allocates its argument list). */
function setJoint(joint: URDFJoint | undefined, value: number): void {
  if (joint === undefined || !Number.isFinite(value) || joint.jointValue[0] === value) return;
  joint.setJointValue(value);
}

/** Whether a frame drawn now would differ from the last one: the poses moved, or one appeared or went. */
function twinChanged(twin: Twin, solid: JointGetter, ghost: JointGetter | undefined): boolean {
  const d = twin.drawn;
  if (!d.ever) return true;
  const hasSolid = solid(twin.probeSolid);
  const hasGhost = ghost !== undefined && ghost(twin.probeGhost);
  if (hasSolid !== d.hasSolid || hasGhost !== d.hasGhost) return true;
  for (let i = 0; i < d.solid.length; i++) {
    if (hasSolid && !Object.is(twin.probeSolid[i], d.solid[i])) return true;
    if (hasGhost && !Object.is(twin.probeGhost[i], d.ghost[i])) return true;
  }
  return false;
}

function applyFrame(twin: Twin, solid: JointGetter, ghost: JointGetter | undefined, limits: RobotTwinProps["limits"]): void {
  const { bindings, solidBuf, ghostBuf } = twin;
  const hasSolid = solid(solidBuf);
  const hasGhost = ghost !== undefined && ghost(ghostBuf);
  const d = twin.drawn;
  d.ever = true;
  d.hasSolid = hasSolid;
  d.hasGhost = hasGhost;
  d.solid.set(solidBuf);
  d.ghost.set(ghostBuf);
  twin.ghostRoot.visible = hasGhost;
  for (let i = 0; i < bindings.length; i++) {
    const b = bindings[i]!;
    const s = solidBuf[i] ?? 0;
    const g = ghostBuf[i] ?? 0;
    if (hasSolid) setJoint(b.joint, s);
    if (hasGhost) setJoint(b.ghostJoint, g);

    // Error colouring: neutral → amber over deadband…5°, amber → red over 5°…15°.
    const err = hasSolid && hasGhost ? Math.abs(s - g) : 0;
    for (const t of b.tinted) {
      const c = t.material.color;
      if (err <= ERROR_DEADBAND_RAD) c.copy(t.neutral);
      else if (err < ERROR_AMBER_RAD) c.copy(t.neutral).lerp(AMBER, (err - ERROR_DEADBAND_RAD) / (ERROR_AMBER_RAD - ERROR_DEADBAND_RAD));
      else c.copy(AMBER).lerp(RED, Math.min(1, (err - ERROR_AMBER_RAD) / (ERROR_RED_RAD - ERROR_AMBER_RAD)));
    }

    if (b.marker !== undefined) {
      const override = limits?.[i];
      const lim = override === undefined ? b.urdfLimit : override;
      b.marker.visible =
        hasSolid && lim !== null && lim !== undefined && (s - lim.lower < LIMIT_MARGIN_RAD || lim.upper - s < LIMIT_MARGIN_RAD);
    }
  }
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
const ProbeContext = createContext<Set<() => boolean> | null>(null);

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
