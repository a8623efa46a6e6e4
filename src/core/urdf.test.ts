import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { JOINT_NAMES } from "./robots.ts";
import { KINEMATIC_CHAINS } from "./kinematics.ts";
import type { ChainRobot, KinematicChain, Vec3 } from "./kinematics.ts";
import { forwardKinematics, identity, multiply, originTransform, rotationAxisAngle } from "./fk.ts";
import type { Mat4 } from "./fk.ts";
import { mulberry32 } from "./random.ts";
import { TOOL_JOINT, TOOL_LINK, URDF_MATERIALS, chainToUrdf } from "./urdf.ts";

const ROBOTS = Object.keys(KINEMATIC_CHAINS) as ChainRobot[];

const committed = (robot: ChainRobot): string => readFileSync(new URL(`../../public/urdf/${robot}.urdf`, import.meta.url), "utf8");

// ---- a tiny XML parser: elements, attributes, nesting; enough for URDF (no text content, no entities but &quot; &amp; &lt; &gt;).

interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
}

function unescape(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function parseXml(xml: string): XmlElement {
  const body = xml.replace(/<\?xml[^>]*\?>/, "").replace(/<!--[\s\S]*?-->/g, "");
  const root: XmlElement = { name: "#document", attrs: {}, children: [] };
  const stack: XmlElement[] = [root];
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*\s*=\s*"[^"]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m !== null; m = tag.exec(body)) {
    const between = body.slice(last, m.index);
    if (between.trim() !== "") throw new Error(`unexpected text ${JSON.stringify(between.trim().slice(0, 40))}`);
    last = tag.lastIndex;
    const [, close, name = "", attrText = "", selfClose] = m;
    const top = stack[stack.length - 1]!;
    if (close === "/") {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(/([A-Za-z_][\w.-]*)\s*=\s*"([^"]*)"/g)) {
      const key = a[1] ?? "";
      if (key in attrs) throw new Error(`duplicate attribute ${key} on <${name}>`);
      attrs[key] = unescape(a[2] ?? "");
    }
    const el: XmlElement = { name, attrs, children: [] };
    top.children.push(el);
    if (selfClose !== "/") stack.push(el);
  }
  if (body.slice(last).trim() !== "") throw new Error("trailing text");
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]?.name ?? "?"}>`);
  if (root.children.length !== 1) throw new Error("expected exactly one root element");
  return root.children[0]!;
}

const kids = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name);

function only(el: XmlElement, name: string): XmlElement {
  const found = kids(el, name);
  if (found.length !== 1) throw new Error(`<${el.name}> has ${found.length} <${name}>`);
  return found[0]!;
}

function attr(el: XmlElement, name: string): string {
  const v = el.attrs[name];
  if (v === undefined) throw new Error(`<${el.name}> has no ${name}`);
  return v;
}

function vec3(s: string): Vec3 {
  const parts = s.trim().split(/\s+/).map(Number);
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x))) throw new Error(`bad vector "${s}"`);
  return [parts[0]!, parts[1]!, parts[2]!];
}

interface ParsedJoint {
  readonly name: string;
  readonly type: string;
  readonly parent: string;
  readonly child: string;
  readonly xyz: Vec3;
  readonly rpy: Vec3;
  readonly axis: Vec3 | undefined;
  readonly lower: number | undefined;
  readonly upper: number | undefined;
}

function parseJoints(robot: XmlElement): ParsedJoint[] {
  return kids(robot, "joint").map((j) => {
    const origin = only(j, "origin");
    const axis = kids(j, "axis")[0];
    const limit = kids(j, "limit")[0];
    return {
      name: attr(j, "name"),
      type: attr(j, "type"),
      parent: attr(only(j, "parent"), "link"),
      child: attr(only(j, "child"), "link"),
      xyz: vec3(attr(origin, "xyz")),
      rpy: vec3(attr(origin, "rpy")),
      axis: axis === undefined ? undefined : vec3(attr(axis, "xyz")),
      lower: limit === undefined ? undefined : Number(attr(limit, "lower")),
      upper: limit === undefined ? undefined : Number(attr(limit, "upper")),
    };
  });
}

/** FK over the parsed URDF tree: link name → world transform. */
function urdfFrames(baseLink: string, joints: readonly ParsedJoint[], angles: Readonly<Record<string, number>>): Map<string, Mat4> {
  const frames = new Map<string, Mat4>([[baseLink, identity()]]);
  let pending = [...joints];
  while (pending.length > 0) {
    const ready = pending.filter((j) => frames.has(j.parent));
    if (ready.length === 0) throw new Error("joints not connected to the base link");
    for (const j of ready) {
      const angle = j.type === "revolute" ? (angles[j.name] ?? 0) : 0;
      const local = multiply(originTransform(j.xyz, j.rpy), rotationAxisAngle(j.axis ?? [0, 0, 1], angle));
      frames.set(j.child, multiply(frames.get(j.parent)!, local));
    }
    pending = pending.filter((j) => !ready.includes(j));
  }
  return frames;
}

function expectMat(actual: Mat4 | undefined, expected: Mat4 | undefined, tol = 1e-9): void {
  expect(actual).toBeDefined();
  expect(expected).toBeDefined();
  for (let i = 0; i < 16; i++) expect(Math.abs((actual![i] ?? NaN) - (expected![i] ?? NaN))).toBeLessThan(tol);
}

function randomAngles(chain: KinematicChain, rand: () => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const j of chain.joints) out[j.name] = j.lower + (j.upper - j.lower) * rand();
  return out;
}

describe("generated URDFs", () => {
  it.each(ROBOTS)("public/urdf/%s.urdf is the generator's output (run `npm run urdf` after changing the chain)", (robot) => {
    expect(committed(robot)).toBe(chainToUrdf(KINEMATIC_CHAINS[robot], robot));
  });

  it.each(ROBOTS)("%s parses as one <robot> with named materials, links and joints", (robot) => {
    const doc = parseXml(committed(robot));
    expect(doc.name).toBe("robot");
    expect(doc.attrs["name"]).toBe(robot);
    const materials = kids(doc, "material").map((m) => attr(m, "name"));
    expect(materials).toEqual(Object.keys(URDF_MATERIALS));
    for (const m of kids(doc, "material")) expect(vec3(attr(only(m, "color"), "rgba").split(" ").slice(0, 3).join(" "))).toHaveLength(3);

    const links = kids(doc, "link").map((l) => attr(l, "name"));
    expect(new Set(links).size).toBe(links.length);
    const chain = KINEMATIC_CHAINS[robot];
    expect(links).toEqual([chain.baseLink, ...chain.joints.map((j) => j.child), TOOL_LINK]);
    // Every visual uses a declared material and a known primitive; every link but the tool has geometry.
    for (const l of kids(doc, "link")) {
      const visuals = kids(l, "visual");
      expect(visuals.length).toBeGreaterThan(0);
      for (const v of visuals) {
        expect(materials).toContain(attr(only(v, "material"), "name"));
        const geom = only(v, "geometry").children;
        expect(geom).toHaveLength(1);
        expect(["box", "cylinder", "sphere"]).toContain(geom[0]!.name);
        vec3(attr(only(v, "origin"), "xyz"));
      }
    }
    // Every joint's parent and child are declared links; each link is the child of at most one joint.
    const joints = parseJoints(doc);
    for (const j of joints) {
      expect(links).toContain(j.parent);
      expect(links).toContain(j.child);
    }
    expect(new Set(joints.map((j) => j.child)).size).toBe(joints.length);
  });

  it.each(ROBOTS)("%s joints are the chain's: lerobot names, origins, axes and limits exactly", (robot) => {
    const chain = KINEMATIC_CHAINS[robot];
    const joints = parseJoints(parseXml(committed(robot)));
    const revolute = joints.filter((j) => j.type === "revolute");
    expect(revolute.map((j) => j.name)).toEqual([...JOINT_NAMES]);
    for (const spec of chain.joints) {
      const j = revolute.find((p) => p.name === spec.name)!;
      expect(j.parent).toBe(spec.parent);
      expect(j.child).toBe(spec.child);
      expect(j.xyz).toEqual(spec.origin.xyz.map((x) => x + 0)); // +0 folds -0 into 0, as the writer does
      expect(j.rpy).toEqual(spec.origin.rpy.map((x) => x + 0));
      expect(j.axis).toEqual(spec.axis.map((x) => x + 0));
      expect(j.lower).toBe(spec.lower);
      expect(j.upper).toBe(spec.upper);
    }
    const tool = joints.find((j) => j.name === TOOL_JOINT)!;
    expect(tool.type).toBe("fixed");
    expect(tool.parent).toBe(chain.toolFrame.parent);
    expect(tool.child).toBe(TOOL_LINK);
    expect(tool.xyz).toEqual(chain.toolFrame.xyz.map((x) => x + 0));
    expect(tool.rpy).toEqual(chain.toolFrame.rpy.map((x) => x + 0));
  });

  it.each(ROBOTS)("%s: FK through the parsed URDF equals fk.ts (every link and the tool) at random angles", (robot) => {
    const chain = KINEMATIC_CHAINS[robot];
    const joints = parseJoints(parseXml(committed(robot)));
    const rand = mulberry32(robot.length * 7919 + 17);
    const sets = [{} as Record<string, number>, ...Array.from({ length: 8 }, () => randomAngles(chain, rand))];
    for (const angles of sets) {
      const fromUrdf = urdfFrames(chain.baseLink, joints, angles);
      const fk = forwardKinematics(chain, angles);
      for (const [link, m] of fk.frames) expectMat(fromUrdf.get(link), m);
      expectMat(fromUrdf.get(TOOL_LINK), fk.tool);
    }
  });
});
