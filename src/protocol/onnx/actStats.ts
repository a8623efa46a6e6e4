/**
 * ACT's normalisation (lerobot's MEAN_STD mode for state, images and actions) with a dataset's
 * stats, as lerobot writes them in `meta/stats.json`: `observation.state`, `action` (vectors) and
 * `observation.images.<camera>` (per channel, shaped [3, 1, 1], on pixels scaled to 0..1).
 *
 *   into the model:  x_n = (x - mean) / (std + 1e-8)        images: x = pixel / 255, per channel
 *   out of it:       a   = a_n * std + mean
 *
 * lerobot trains with `dataset.use_imagenet_stats = true` by default, which replaces every
 * camera's stats with ImageNet's: that is the default here too ({@link ImageNorm}).
 */
import { type ActContract, ModelRefused } from "./actContract.ts";

export interface NormStats {
  readonly mean: Float32Array;
  readonly std: Float32Array;
}

export interface ActStats {
  readonly state: NormStats;
  readonly action: NormStats;
  /** The stats file's cameras in its order (`observation.images.front` → "front"). */
  readonly cameras: readonly { readonly key: string; readonly norm: NormStats }[];
}

/** lerobot's IMAGENET_STATS (the default for cameras when training). */
export const IMAGENET: NormStats = {
  mean: Float32Array.of(0.485, 0.456, 0.406),
  std: Float32Array.of(0.229, 0.224, 0.225),
};

/** Images normalised with ImageNet's stats (lerobot's default) or with the dataset's camera stats. */
export type ImageNorm = "imagenet" | "dataset";

const EPS = 1e-8;
const IMAGE_PREFIX = "observation.images.";

function flat(v: unknown, field: string): Float32Array {
  const out: number[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (typeof x === "number" && Number.isFinite(x)) out.push(x);
    else throw new ModelRefused(field, `stats.json: ${field} must be numbers, not ${JSON.stringify(x)}.`);
  };
  walk(v);
  if (out.length === 0) throw new ModelRefused(field, `stats.json: ${field} is empty.`);
  return Float32Array.from(out);
}

function norm(o: Record<string, unknown>, key: string): NormStats {
  const f = o[key];
  if (f === undefined || f === null || typeof f !== "object")
    throw new ModelRefused(
      key,
      `stats.json has no "${key}" (its keys: ${Object.keys(o).join(", ") || "none"}). Use the meta/stats.json of the dataset the policy was trained on.`,
    );
  const s = f as Record<string, unknown>;
  if (s["mean"] === undefined || s["std"] === undefined) throw new ModelRefused(key, `stats.json: "${key}" needs mean and std.`);
  const mean = flat(s["mean"], `${key}.mean`);
  const std = flat(s["std"], `${key}.std`);
  if (mean.length !== std.length)
    throw new ModelRefused(key, `stats.json: ${key}.mean has ${mean.length} values but ${key}.std has ${std.length}.`);
  const neg = std.findIndex((v) => v < 0);
  if (neg >= 0) throw new ModelRefused(`${key}.std`, `stats.json: ${key}.std[${neg}] is negative.`);
  return { mean, std };
}

/** Parses lerobot's stats.json (text), or throws {@link ModelRefused} naming the key. */
export function parseLerobotStats(text: string): ActStats {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelRefused("stats.json", `The stats file is not JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
  if (!json || typeof json !== "object" || Array.isArray(json))
    throw new ModelRefused("stats.json", "The stats file must be a JSON object (lerobot's meta/stats.json).");
  const o = json as Record<string, unknown>;
  const cameras = Object.keys(o)
    .filter((k) => k.startsWith(IMAGE_PREFIX))
    .map((k) => {
      const n = norm(o, k);
      if (n.mean.length !== 3)
        throw new ModelRefused(`${k}.mean`, `stats.json: ${k}.mean has ${n.mean.length} values; expected 3 (R, G, B).`);
      return { key: k.slice(IMAGE_PREFIX.length), norm: n };
    });
  return { state: norm(o, "observation.state"), action: norm(o, "action"), cameras };
}

/**
 * The stats fitted to a model: lengths checked against its state and action, one image norm per
 * image input. Throws {@link ModelRefused} naming the stats key that does not fit.
 */
export function fitStats(stats: ActStats, contract: ActContract, mode: ImageNorm): { stats: ActStats; images: NormStats[] } {
  const check = (s: NormStats, key: string, n: number, what: string) => {
    if (s.mean.length !== n)
      throw new ModelRefused(
        `${key}.mean`,
        `stats.json: ${key} has ${s.mean.length} values; the model's ${what} has ${n}. Use the stats of the dataset the policy was trained on.`,
      );
  };
  check(stats.state, "observation.state", contract.stateDim, "state");
  check(stats.action, "action", contract.actionDim, "action_chunk");
  const images = contract.images.map((img, i) => {
    if (mode === "imagenet") return IMAGENET;
    const cam = stats.cameras[i];
    if (!cam)
      throw new ModelRefused(
        img.name,
        `stats.json has ${stats.cameras.length} camera${stats.cameras.length === 1 ? "" : "s"} (observation.images.*); the model's ${img.name} needs one. Use ImageNet stats or the dataset's stats file.`,
      );
    return cam.norm;
  });
  return { stats, images };
}

export function normaliseState(state: ArrayLike<number>, s: NormStats): Float32Array {
  return Float32Array.from({ length: s.mean.length }, (_, i) => ((state[i] ?? NaN) - s.mean[i]!) / (s.std[i]! + EPS));
}

/** uint8 [3, H, W] → float32 [3, H, W]: pixel / 255, normalised per channel. */
export function normaliseImage(chw: Uint8Array, s: NormStats): Float32Array {
  const plane = chw.length / 3;
  const out = new Float32Array(chw.length);
  for (let c = 0; c < 3; c++) {
    const m = s.mean[c]!;
    const k = 1 / (255 * (s.std[c]! + EPS));
    const b = m / (s.std[c]! + EPS);
    for (let p = c * plane, end = p + plane; p < end; p++) out[p] = chw[p]! * k - b;
  }
  return out;
}

/** Normalised actions (row-major [horizon, dim]) → the dataset's units. */
export function unnormaliseActions(a: ArrayLike<number>, s: NormStats): Float32Array {
  const d = s.mean.length;
  return Float32Array.from(a, (v, k) => v * s.std[k % d]! + s.mean[k % d]!);
}
