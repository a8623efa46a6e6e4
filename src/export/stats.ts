/**
 * LeRobot statistics (reference §1.8): per feature min, max, mean, std (population), count and
 * the quantiles q01, q10, q50, q90, q99. Vector/scalar stats are computed exactly per episode
 * (quantiles by linear interpolation of the sorted values); image stats come from the
 * episode records (computed on sampled frames while recording — export never decodes video)
 * and are shaped (3,1,1) in [0,1]. Dataset stats aggregate episodes as lerobot does:
 * elementwise min/max, count-weighted mean, parallel-variance std, summed count and
 * count-weighted quantiles.
 */
import type { ImageStats } from "../core/dataset.ts";

const QUANTILE_KEYS = ["q01", "q10", "q50", "q90", "q99"] as const;
const QUANTILES = [0.01, 0.1, 0.5, 0.9, 0.99];
export const STAT_KEYS = ["min", "max", "mean", "std", "count", ...QUANTILE_KEYS] as const;
export type StatKey = (typeof STAT_KEYS)[number];
export type ValueStatKey = Exclude<StatKey, "count">;

/** Stats of one feature: each value stat is `width` numbers; `image` ⇒ width 3, written (3,1,1). */
export interface FeatureStats {
  kind: "vector" | "image";
  /** Integer features (int64 columns) keep integer min/max in JSON. */
  integer: boolean;
  count: number;
  values: Record<ValueStatKey, number[]>;
}

function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 1) return sorted[0]!;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac;
}

/**
 * Stats over `rows` rows of a row-major `width`-wide array. Missing values (NaN) are left out of
 * min…q99 (`count` stays the rows); a column with no value at all gets 0 (its mask says why).
 */
export function vectorStats(values: ArrayLike<number>, width: number, integer = false): FeatureStats {
  const rows = values.length / width;
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`vectorStats: ${values.length} values is not a positive multiple of ${width}`);
  const out: Record<ValueStatKey, number[]> = { min: [], max: [], mean: [], std: [], q01: [], q10: [], q50: [], q90: [], q99: [] };
  const all = new Float64Array(rows);
  for (let j = 0; j < width; j++) {
    let sum = 0;
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const v = values[r * width + j]!;
      if (Number.isNaN(v)) continue;
      all[n++] = v;
      sum += v;
    }
    if (n === 0) {
      for (const k of ["min", "max", "mean", "std", ...QUANTILE_KEYS] as const) out[k].push(0);
      continue;
    }
    const col = all.subarray(0, n);
    const mean = sum / n;
    let sq = 0;
    for (let r = 0; r < n; r++) sq += (col[r]! - mean) ** 2;
    col.sort();
    out.min.push(col[0]!);
    out.max.push(col[n - 1]!);
    out.mean.push(mean);
    out.std.push(Math.sqrt(sq / n));
    QUANTILE_KEYS.forEach((k, i) => out[k].push(quantileSorted(col, QUANTILES[i]!)));
  }
  return { kind: "vector", integer, count: rows, values: out };
}

/** Stats of an arithmetic sequence start, start+step… (frame_index, index, timestamp) without materialising it. */
export function constantStats(value: number, count: number, integer: boolean): FeatureStats {
  const v = [value];
  return { kind: "vector", integer, count, values: { min: v, max: v, mean: v, std: [0], q01: v, q10: v, q50: v, q90: v, q99: v } };
}

export function imageFeatureStats(s: ImageStats): FeatureStats {
  return {
    kind: "image",
    integer: false,
    count: s.count,
    values: {
      min: [...s.min],
      max: [...s.max],
      mean: [...s.mean],
      std: [...s.std],
      q01: [...s.q01],
      q10: [...s.q10],
      q50: [...s.q50],
      q90: [...s.q90],
      q99: [...s.q99],
    },
  };
}

export function aggregateStats(list: FeatureStats[]): FeatureStats {
  const first = list[0];
  if (!first) throw new Error("aggregateStats: nothing to aggregate");
  const width = first.values.mean.length;
  const total = list.reduce((a, s) => a + s.count, 0);
  const out: Record<ValueStatKey, number[]> = { min: [], max: [], mean: [], std: [], q01: [], q10: [], q50: [], q90: [], q99: [] };
  for (let j = 0; j < width; j++) {
    let min = Infinity;
    let max = -Infinity;
    let mean = 0;
    for (const s of list) {
      min = Math.min(min, s.values.min[j]!);
      max = Math.max(max, s.values.max[j]!);
      mean += (s.values.mean[j]! * s.count) / total;
    }
    let variance = 0;
    for (const s of list) variance += ((s.values.std[j]! ** 2 + (s.values.mean[j]! - mean) ** 2) * s.count) / total;
    out.min.push(min);
    out.max.push(max);
    out.mean.push(mean);
    out.std.push(Math.sqrt(variance));
    for (const k of QUANTILE_KEYS) out[k].push(list.reduce((a, s) => a + (s.values[k][j]! * s.count) / total, 0));
  }
  return { kind: first.kind, integer: first.integer, count: total, values: out };
}

/**
 * The JSON form lerobot writes: vectors as lists, images as [[[r]],[[g]],[[b]]], count as [n].
 * A stat holding NaN (unknown, e.g. quantiles of an imported v2.1 dataset) is left out.
 */
export function statsToJson(s: FeatureStats, keys: readonly StatKey[] = STAT_KEYS): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of keys) {
    if (k !== "count" && s.values[k].some((v) => Number.isNaN(v))) continue;
    if (k === "count") o[k] = [s.count];
    else if (s.kind === "image") o[k] = s.values[k].map((v) => [[v]]);
    else o[k] = s.integer && (k === "min" || k === "max") ? s.values[k].map((v) => Math.round(v)) : s.values[k];
  }
  return o;
}
