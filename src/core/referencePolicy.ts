/**
 * The reference policy the studio ships (served by `npm run policy-server`, and run in-process by
 * the tests' fake client): deterministic, no learning. Given the follower's state it returns a
 * chunk of actions that reach toward a pose picked by the prompt, at a bounded speed — and it
 * errs on purpose (the "reach" pose overshoots the wrist by {@link REFERENCE_WRIST_ERROR_DEG}), so
 * a person has something to correct.
 *
 * Units: the studio's normalised joint units (degrees; gripper 0..100 % open), six joints in
 * lerobot's SO-101 order.
 */

export const REFERENCE_JOINTS = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"] as const;

export interface ReferencePolicyConfig {
  /** Actions per chunk. */
  readonly horizon: number;
  /** Rate the actions are meant to be played at (actions per second). */
  readonly fps: number;
  /** Fastest a joint moves toward the goal, units per second. */
  readonly speed: number;
}

export const REFERENCE_POLICY: ReferencePolicyConfig = { horizon: 30, fps: 30, speed: 40 };

/** How far the "reach" pose overshoots the wrist (the deliberate error to correct), degrees. */
export const REFERENCE_WRIST_ERROR_DEG = 20;

const POSES: Readonly<Record<string, readonly number[]>> = {
  reach: [0, 20, -20, 10 + REFERENCE_WRIST_ERROR_DEG, 0, 60],
  left: [35, 10, -10, 0, 0, 30],
  right: [-35, 10, -10, 0, 0, 30],
  home: [0, 0, 0, 0, 0, 10],
};

/** The goal the prompt asks for: the first pose word in it ("left", "right", "home"), else "reach". */
export function referenceGoal(prompt: string): { readonly name: string; readonly pose: readonly number[] } {
  const words = prompt.toLowerCase().split(/[^a-z]+/);
  const name = [...words].reverse().find((w) => w in POSES && w !== "reach") ?? "reach";
  return { name, pose: POSES[name]! };
}

/**
 * One chunk: `horizon` rows of `state.length` values (row-major). Row i is where each joint should
 * be (i + 1) / fps seconds after the observation, moving toward the goal at `speed`. Joints beyond
 * the pose's six hold where they are.
 */
export function referenceChunk(state: ArrayLike<number>, prompt: string, config: ReferencePolicyConfig = REFERENCE_POLICY): Float32Array {
  const d = state.length;
  const goal = referenceGoal(prompt).pose;
  const out = new Float32Array(config.horizon * d);
  const stepPerAction = config.speed / config.fps;
  for (let j = 0; j < d; j++) {
    const from = state[j]!;
    const to = goal[j] ?? from;
    for (let i = 0; i < config.horizon; i++) {
      const reach = stepPerAction * (i + 1);
      out[i * d + j] = Math.abs(to - from) <= reach ? to : from + Math.sign(to - from) * reach;
    }
  }
  return out;
}
