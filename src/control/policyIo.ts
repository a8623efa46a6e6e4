/**
 * What goes to a policy and what is accepted back. The observation is built from the follower's
 * joints, the cameras and the prompt through a {@link PolicyMapping}; a chunk is accepted only if
 * every action is a finite number inside its joint's range with no huge jump — otherwise it is
 * refused with a message naming the field (`actions[3][1] (shoulder_lift)`).
 */
import { type ImageLayout, letterbox, type RgbaImage } from "../core/letterbox.ts";
import type { JointRange } from "../core/teleop.ts";
import { NdArray, type WireValue } from "../protocol/openpi/codec.ts";
import type { ActionChunk, Observation } from "../protocol/openpi/policy.ts";

export interface PolicyMapping {
  /** Observation key of the joint vector ("state", "observation/joint_position"). */
  readonly stateKey: string;
  /** Units of body joints in the state and the actions (the gripper stays 0..100 %). */
  readonly units: "degrees" | "radians";
  /** Which camera goes to which observation key ("images.cam_high"). */
  readonly images: readonly { readonly camera: string; readonly key: string }[];
  readonly imageSize: number;
  /** A non-square input (an ONNX model's [3, H, W]): overrides imageSize. */
  readonly imageBox?: { readonly width: number; readonly height: number };
  readonly imageLayout: ImageLayout;
  /** Observation key of the instruction ("prompt"); empty: none sent. */
  readonly promptKey: string;
}

export const DEFAULT_MAPPING: PolicyMapping = {
  stateKey: "state",
  units: "degrees",
  images: [],
  imageSize: 224,
  imageLayout: "chw",
  promptKey: "prompt",
};

export interface RobotObservation {
  /** When the joints were read (the runner's clock), ms. */
  readonly t: number;
  /** The follower's joints, normalised units (degrees; gripper 0..100), in the loop's order. */
  readonly state: ArrayLike<number>;
  /** The newest frame of each camera, by camera id (a camera without a frame is missing). */
  readonly images: ReadonlyMap<string, RgbaImage>;
}

const RAD = Math.PI / 180;

export function buildObservation(
  robot: RobotObservation,
  mapping: PolicyMapping,
  prompt: string,
  grippers: readonly boolean[],
): { observation: Observation; missing: string[] } {
  const state = Float32Array.from(robot.state, (v, i) => (mapping.units === "radians" && !grippers[i] ? v * RAD : v));
  const obs: { [key: string]: WireValue } = { [mapping.stateKey]: NdArray.float32([state.length], state) };
  const missing: string[] = [];
  const box = mapping.imageBox ?? { width: mapping.imageSize, height: mapping.imageSize };
  for (const { camera, key } of mapping.images) {
    const img = robot.images.get(camera);
    if (!img) {
      missing.push(camera);
      continue;
    }
    const shape = mapping.imageLayout === "chw" ? [3, box.height, box.width] : [box.height, box.width, 3];
    obs[key] = NdArray.uint8(shape, letterbox(img, box, mapping.imageLayout));
  }
  if (mapping.promptKey) obs[mapping.promptKey] = prompt;
  return { observation: obs, missing };
}

export interface ChunkLimits {
  /** Largest distance from the follower's pose to the first action (units). */
  readonly maxFirstJump: number;
  /** Largest change between consecutive actions (units). */
  readonly maxActionStep: number;
  /** How far outside a joint's calibrated range an action may be before it is refused (it is clamped by the loop anyway). */
  readonly rangeSlack: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxFirstJump: 30, maxActionStep: 20, rangeSlack: 5 };

export type ChunkCheck =
  { readonly ok: true; readonly values: Float32Array } | { readonly ok: false; readonly field: string; readonly message: string };

/** Accepts a chunk for the loop (values in normalised units, loop order) or says which field is wrong. */
export function checkChunk(
  chunk: ActionChunk,
  joints: readonly string[],
  ranges: readonly JointRange[],
  follower: ArrayLike<number>,
  mapping: PolicyMapping,
  grippers: readonly boolean[],
  limits: ChunkLimits = DEFAULT_CHUNK_LIMITS,
): ChunkCheck {
  const n = joints.length;
  if (chunk.dim !== n)
    return {
      ok: false,
      field: "actions.shape",
      message: `actions has ${chunk.dim} values per action; this arm has ${n} joints (${joints.join(", ")}).`,
    };
  const values = Float32Array.from(chunk.actions, (v, k) => (mapping.units === "radians" && !grippers[k % n] ? v / RAD : v));
  const name = (i: number, j: number) => `actions[${i}][${j}] (${joints[j]})`;
  for (let i = 0; i < chunk.horizon; i++) {
    for (let j = 0; j < n; j++) {
      const v = values[i * n + j]!;
      const field = name(i, j);
      if (!Number.isFinite(v)) return { ok: false, field, message: `${field} is ${v}, not a number.` };
      const r = ranges[j];
      if (r && !Number.isNaN(r.min) && (v < r.min - limits.rangeSlack || v > r.max + limits.rangeSlack))
        return {
          ok: false,
          field,
          message: `${field} = ${v.toFixed(1)} is outside the joint's range ${r.min.toFixed(0)}…${r.max.toFixed(0)}.`,
        };
      const prev = i === 0 ? follower[j] : values[(i - 1) * n + j];
      const max = i === 0 ? limits.maxFirstJump : limits.maxActionStep;
      if (prev !== undefined && Number.isFinite(prev) && Math.abs(v - prev) > max)
        return {
          ok: false,
          field,
          message: `${field} jumps ${Math.abs(v - prev).toFixed(1)} from ${i === 0 ? "where the follower is" : "the action before"} (at most ${max}).`,
        };
    }
  }
  return { ok: true, values };
}
