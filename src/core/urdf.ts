/**
 * A URDF document generated from a {@link KinematicChain}: pure, no DOM.
 *
 * The joints (origins, axes, limits) are written exactly as the chain holds
 * them — numbers are printed with `String(n)`, the shortest text that parses
 * back to the same double — so a URDF viewer moves the arm exactly like fk.ts
 * does. Joint names are lerobot's motor names (shoulder_pan … gripper), so a
 * twin can set them by name. The tool frame becomes a fixed joint
 * ({@link TOOL_JOINT}) to an extra link ({@link TOOL_LINK}).
 *
 * The visual geometry is the project's own, drawn from the chain: every link
 * gets a strut (cylinder) from its frame origin to each child joint (and to the
 * tool point for the gripper link, standing in for the fixed jaw), a servo hub
 * (cylinder along the joint axis) at the joint that moves it, the base a plate,
 * and the moving jaw a box. Sizes come from the chain's `links` lengths.
 */

import { rotationRpy } from "./fk.ts";
import type { JointSpec, KinematicChain, Vec3 } from "./kinematics.ts";

/** Name of the fixed joint that carries the tool frame. */
export const TOOL_JOINT = "tool_frame_joint";
/** Name of the (geometry-less apart from a small marker) link at the tool frame. */
export const TOOL_LINK = "tool_frame";

/** Named materials (rgba, 0..1). `link` is the neutral colour a twin tints by joint error. */
export const URDF_MATERIALS = {
  base: [0.23, 0.25, 0.28, 1],
  link: [0.86, 0.87, 0.89, 1],
  servo: [0.13, 0.14, 0.16, 1],
  jaw: [0.78, 0.8, 0.83, 1],
  tool: [0.2, 0.55, 0.95, 1],
} as const satisfies Record<string, readonly [number, number, number, number]>;

type MaterialName = keyof typeof URDF_MATERIALS;

/** Placeholder dynamics for `<limit>` (URDF requires them; the twin ignores them). */
const EFFORT = 10;
const VELOCITY = 10;

const STRUT_RADIUS = 0.011;
const HUB_RADIUS = 0.016;
const HUB_LENGTH = 0.034;
const JAW_HUB_RADIUS = 0.01;
const JAW_HUB_LENGTH = 0.024;
const JAW_SECTION: readonly [number, number] = [0.008, 0.016];
const PLATE_SIZE = 0.12;
const PLATE_THICKNESS = 0.008;
const TOOL_MARKER_RADIUS = 0.005;

const num = (n: number): string => String(n === 0 ? 0 : n); // no "-0"
const vec = (v: Vec3): string => `${num(v[0])} ${num(v[1])} ${num(v[2])}`;

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

function len(v: Vec3): number {
  return Math.hypot(v[0], v[1], v[2]);
}

function scale(v: Vec3, s: number): Vec3 {
  return [v[0] * s, v[1] * s, v[2] * s];
}

/** Rounds geometry (not kinematics) to 0.1 µm / 0.1 µrad so the file stays readable. */
function round(x: number): number {
  const y = Math.round(x * 1e7) / 1e7;
  return y === 0 ? 0 : y;
}

function tidy(v: Vec3): Vec3 {
  return [round(v[0]), round(v[1]), round(v[2])];
}

/** rpy (roll = 0) that turns the z axis onto `dir`: Rz(yaw)·Ry(pitch)·ẑ = dir. */
function rpyAlongZ(dir: Vec3): Vec3 {
  const n = len(dir);
  if (n === 0) return [0, 0, 0];
  const z = Math.max(-1, Math.min(1, dir[2] / n));
  const pitch = Math.acos(z);
  const yaw = Math.abs(dir[0]) + Math.abs(dir[1]) < 1e-12 ? 0 : Math.atan2(dir[1], dir[0]);
  return tidy([0, pitch, yaw]);
}

/** Rᵀ·v for the URDF rpy rotation R (Rz·Ry·Rx): a vector from the parent frame into the child's. */
function rotateInverseRpy(rpy: Vec3, v: Vec3): Vec3 {
  const m = rotationRpy(rpy[0], rpy[1], rpy[2]);
  const at = (r: number, c: number): number => m[r * 4 + c] ?? 0;
  return [
    at(0, 0) * v[0] + at(1, 0) * v[1] + at(2, 0) * v[2],
    at(0, 1) * v[0] + at(1, 1) * v[1] + at(2, 1) * v[2],
    at(0, 2) * v[0] + at(1, 2) * v[1] + at(2, 2) * v[2],
  ];
}

interface Visual {
  readonly name: string;
  readonly xyz: Vec3;
  readonly rpy: Vec3;
  readonly geometry: string;
  readonly material: MaterialName;
}

function cylinder(name: string, centre: Vec3, dir: Vec3, radius: number, length: number, material: MaterialName): Visual {
  return {
    name,
    xyz: tidy(centre),
    rpy: rpyAlongZ(dir),
    geometry: `<cylinder radius="${num(round(radius))}" length="${num(round(length))}"/>`,
    material,
  };
}

/** A cylinder from `from` to `to` (both in the link frame), or nothing if they coincide. */
function strut(name: string, from: Vec3, to: Vec3, radius: number, material: MaterialName): Visual[] {
  const d = sub(to, from);
  const l = len(d);
  if (l < 1e-6) return [];
  return [cylinder(name, scale([from[0] + to[0], from[1] + to[1], from[2] + to[2]], 0.5), d, radius, l, material)];
}

function box(name: string, centre: Vec3, dir: Vec3, size: Vec3, material: MaterialName): Visual {
  return { name, xyz: tidy(centre), rpy: rpyAlongZ(dir), geometry: `<box size="${vec(tidy(size))}"/>`, material };
}

function visualXml(v: Visual): string {
  return [
    `    <visual name="${escapeXml(v.name)}">`,
    `      <origin xyz="${vec(v.xyz)}" rpy="${vec(v.rpy)}"/>`,
    `      <geometry>${v.geometry}</geometry>`,
    `      <material name="${v.material}"/>`,
    `    </visual>`,
  ].join("\n");
}

function linkXml(name: string, visuals: readonly Visual[]): string {
  if (visuals.length === 0) return `  <link name="${escapeXml(name)}"/>`;
  return [`  <link name="${escapeXml(name)}">`, ...visuals.map(visualXml), `  </link>`].join("\n");
}

function jointXml(j: JointSpec): string {
  return [
    `  <joint name="${escapeXml(j.name)}" type="revolute">`,
    `    <parent link="${escapeXml(j.parent)}"/>`,
    `    <child link="${escapeXml(j.child)}"/>`,
    `    <origin xyz="${vec(j.origin.xyz)}" rpy="${vec(j.origin.rpy)}"/>`,
    `    <axis xyz="${vec(j.axis)}"/>`,
    `    <limit lower="${num(j.lower)}" upper="${num(j.upper)}" effort="${EFFORT}" velocity="${VELOCITY}"/>`,
    `  </joint>`,
  ].join("\n");
}

/** Every link of the chain, in tree order: the base link, then each joint's child. */
function linkNames(chain: KinematicChain): string[] {
  const names = [chain.baseLink];
  for (const j of chain.joints) if (!names.includes(j.child)) names.push(j.child);
  return names;
}

function linkLength(chain: KinematicChain, link: string): number | undefined {
  return chain.links.find((l) => l.name === link)?.length;
}

function visualsFor(chain: KinematicChain, link: string): Visual[] {
  const out: Visual[] = [];
  const origin: Vec3 = [0, 0, 0];
  const gripper = chain.joints.find((j) => j.name === "gripper");
  const isJaw = gripper !== undefined && gripper.child === link;

  if (link === chain.baseLink) {
    const pan = chain.joints.find((j) => j.parent === link);
    const c = pan?.origin.xyz ?? origin;
    out.push(box("base_plate", [c[0], c[1], -PLATE_THICKNESS / 2], [0, 0, 1], [PLATE_SIZE, PLATE_SIZE, PLATE_THICKNESS], "base"));
  }

  // The servo hub of the joint that moves this link, along its axis (URDF axes are in the child frame).
  const moving = chain.joints.find((j) => j.child === link);
  if (moving !== undefined) {
    out.push(
      isJaw
        ? cylinder(`${moving.name}_hub`, origin, moving.axis, JAW_HUB_RADIUS, JAW_HUB_LENGTH, "servo")
        : cylinder(`${moving.name}_hub`, origin, moving.axis, HUB_RADIUS, HUB_LENGTH, "servo"),
    );
  }

  if (isJaw) {
    // The moving jaw: a box from the pivot towards the tool point (as seen at jaw angle 0).
    const towardsTool = rotateInverseRpy(gripper.origin.rpy, sub(chain.toolFrame.xyz, gripper.origin.xyz));
    const length = linkLength(chain, link) ?? len(towardsTool);
    const dir = scale(towardsTool, 1 / (len(towardsTool) || 1));
    out.push(box("moving_jaw", scale(dir, length / 2), dir, [JAW_SECTION[0], JAW_SECTION[1], length], "jaw"));
    return out;
  }

  const base = link === chain.baseLink;
  const radius = base ? STRUT_RADIUS * 1.4 : STRUT_RADIUS;
  // Struts to every child joint; the main one (along the arm) is the link's `length` long.
  for (const child of chain.joints.filter((j) => j.parent === link)) {
    const main = child.name !== "gripper";
    const to = child.origin.xyz;
    const want = main ? linkLength(chain, link) : undefined;
    const end = want !== undefined && len(to) > 0 ? scale(to, want / len(to)) : to;
    out.push(...strut(`${link}_to_${child.name}`, origin, end, main ? radius : STRUT_RADIUS * 0.7, base ? "base" : "link"));
  }
  // The gripper link: the fixed jaw, from the roll axis to the tool point.
  if (link === chain.toolFrame.parent) {
    out.push(...strut("fixed_jaw", origin, chain.toolFrame.xyz, STRUT_RADIUS * 0.8, "jaw"));
  }
  return out;
}

/**
 * A URDF document for the chain. `name` becomes the `<robot name>`. Joint
 * origins, axes and limits are copied exactly; visuals are simple primitives.
 */
export function chainToUrdf(chain: KinematicChain, name: string): string {
  const materials = (Object.keys(URDF_MATERIALS) as MaterialName[]).map((m) => {
    const c = URDF_MATERIALS[m];
    return `  <material name="${m}">\n    <color rgba="${c.map(num).join(" ")}"/>\n  </material>`;
  });
  const links = linkNames(chain).map((l) => linkXml(l, visualsFor(chain, l)));
  links.push(
    linkXml(TOOL_LINK, [
      { name: "tool_marker", xyz: [0, 0, 0], rpy: [0, 0, 0], geometry: `<sphere radius="${TOOL_MARKER_RADIUS}"/>`, material: "tool" },
    ]),
  );
  const joints = chain.joints.map(jointXml);
  joints.push(
    [
      `  <joint name="${TOOL_JOINT}" type="fixed">`,
      `    <parent link="${escapeXml(chain.toolFrame.parent)}"/>`,
      `    <child link="${TOOL_LINK}"/>`,
      `    <origin xyz="${vec(chain.toolFrame.xyz)}" rpy="${vec(chain.toolFrame.rpy)}"/>`,
      `  </joint>`,
    ].join("\n"),
  );
  return [
    `<?xml version="1.0"?>`,
    `<!-- Generated by scripts/generate-urdf.ts from src/core/kinematics.ts (${escapeXml(chain.robot)}); do not edit: run npm run urdf. -->`,
    `<!-- Joint origins, axes and limits are the chain's (from the official URDF); the geometry is simple primitives. -->`,
    `<robot name="${escapeXml(name)}">`,
    ...materials,
    ...links,
    ...joints,
    `</robot>`,
    ``,
  ].join("\n");
}
