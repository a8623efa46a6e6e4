/**
 * The twin's model, outside React: a URDF loaded once per URL and cloned twice (solid and
 * ghost), per-link materials for error colouring, limit markers, and preallocated buffers the
 * getters fill. applyFrame poses it; twinChanged says whether a new frame would differ.
 */
import * as THREE from "three";
import URDFLoader from "urdf-loader";
import type { URDFJoint, URDFRobot } from "urdf-loader";
import { userUrdfResolver } from "./userUrdf.ts";

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

const DEG = Math.PI / 180;
/** |solid − ghost| at which a link is fully amber, and fully red. */
const ERROR_AMBER_RAD = 5 * DEG;
const ERROR_RED_RAD = 15 * DEG;
/** Below this the link keeps its own colour. */
const ERROR_DEADBAND_RAD = 1 * DEG;
/** A joint this close to a limit shows its marker. */
const LIMIT_MARGIN_RAD = 2 * DEG;

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

export interface Twin {
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

export function buildTwin(template: URDFRobot, jointNames: readonly string[]): Twin {
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
export function twinChanged(twin: Twin, solid: JointGetter, ghost: JointGetter | undefined): boolean {
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

export function applyFrame(
  twin: Twin,
  solid: JointGetter,
  ghost: JointGetter | undefined,
  limits: readonly (JointLimit | null | undefined)[] | undefined,
): void {
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
