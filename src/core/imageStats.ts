/**
 * Per-camera image statistics as LeRobot stores them (meta/stats.json, `observation.images.*`):
 * per RGB channel, in [0,1], over a sample of an episode's frames, each downsampled.
 *
 * Which frames: lerobot samples `estimateNumSamples(n)` frames evenly spread over an episode of
 * n frames. A live recording does not know n until the episode ends, and cannot go back to a
 * frame it did not keep. So it samples every k-th frame, k chosen from the EXPECTED length
 * (episode time × fps) with {@link LiveFrameSampler}: if the episode runs its expected length,
 * it gets about the number of samples lerobot would take; if it is stopped early, fewer (but at
 * least min(100, n) while n ≤ 100·k); if it runs longer, proportionally more. The stats are
 * computed over the pixels of the sampled frames, so the exact count does not bias them.
 *
 * How frames are reduced: frames whose larger side is under 300 px are used as they are; larger
 * ones keep every s-th pixel in both directions, s = floor(larger side / 150) (lerobot's
 * downsampling to about 150 px). Each channel is counted in a 256-bin histogram (exact for
 * 8-bit pixels: min, max, mean, std and quantiles all come from it), so memory is constant however many frames are added.
 */

import type { ImageStats } from "./dataset.ts";

/** How many frames lerobot samples from an episode of `n` frames: max(min(100, n), min(⌊n^0.75⌋, 10000)). */
export function estimateNumSamples(n: number): number {
  if (!(n > 0)) return 0;
  return Math.max(Math.min(100, n), Math.min(Math.floor(n ** 0.75), 10000));
}

/** Evenly spread frame indices (rounded linspace over 0…n−1) for an episode whose length is known. */
export function sampleIndices(n: number): number[] {
  const k = estimateNumSamples(n);
  if (k === 0) return [];
  if (k === 1) return [0];
  const out: number[] = [];
  for (let i = 0; i < k; i++) out.push(Math.round((i * (n - 1)) / (k - 1)));
  return [...new Set(out)];
}

/**
 * Decides, frame by frame, which frames of a live recording feed the image statistics:
 * every `stride`-th frame starting at frame 0, stride = max(1, ⌊expected / estimateNumSamples(expected)⌋).
 */
export class LiveFrameSampler {
  readonly stride: number;

  /** `expectedFrames`: the episode's planned length in frames (episode seconds × fps). */
  constructor(expectedFrames: number) {
    const n = Math.max(1, Math.floor(expectedFrames));
    this.stride = Math.max(1, Math.floor(n / estimateNumSamples(n)));
  }

  shouldSample(frameIndex: number): boolean {
    return frameIndex % this.stride === 0;
  }
}

/** Pixel step used for a frame of this size (1 under 300 px, else ⌊larger side / 150⌋). */
export function downsampleStep(width: number, height: number): number {
  const big = Math.max(width, height);
  return big < 300 ? 1 : Math.max(1, Math.floor(big / 150));
}

const QUANTILES = [
  ["q01", 0.01],
  ["q10", 0.1],
  ["q50", 0.5],
  ["q90", 0.9],
  ["q99", 0.99],
] as const;

/** Accumulates image statistics over sampled frames; constant memory. */
export class ImageStatsAccumulator {
  private readonly hist = [new Float64Array(256), new Float64Array(256), new Float64Array(256)] as const;
  private pixels = 0;
  /** Frames added. */
  frames = 0;

  /**
   * Adds one frame of 8-bit RGBA (or RGBX) pixels, e.g. from VideoFrame.copyTo({ format: "RGBA" })
   * or ImageData. `stride` is bytes per row (default width × 4). Pass `order: "BGRA"` for BGRA/BGRX.
   */
  addRgba(data: ArrayLike<number>, width: number, height: number, options: { stride?: number; order?: "RGBA" | "BGRA" } = {}): void {
    const stride = options.stride ?? width * 4;
    if (data.length < stride * (height - 1) + width * 4)
      throw new RangeError(`ImageStatsAccumulator: ${data.length} bytes is too few for a ${width}×${height} frame.`);
    const step = downsampleStep(width, height);
    const [rOff, bOff] = options.order === "BGRA" ? [2, 0] : [0, 2];
    const [hr, hg, hb] = this.hist;
    let n = 0;
    for (let y = 0; y < height; y += step) {
      let i = y * stride;
      for (let x = 0; x < width; x += step, i += 4 * step) {
        hr[data[i + rOff] ?? 0]!++;
        hg[data[i + 1] ?? 0]!++;
        hb[data[i + bOff] ?? 0]!++;
        n++;
      }
    }
    this.pixels += n;
    this.frames++;
  }

  /** The statistics so far, or null when no frame was added (never made-up numbers). */
  result(): ImageStats | null {
    if (this.frames === 0 || this.pixels === 0) return null;
    const triple = (f: (c: 0 | 1 | 2) => number): [number, number, number] => [f(0), f(1), f(2)];
    const n = this.pixels;
    const mean = triple((c) => {
      let s = 0;
      const h = this.hist[c];
      for (let v = 0; v < 256; v++) s += (h[v] ?? 0) * v;
      return s / n / 255;
    });
    const std = triple((c) => {
      let s = 0;
      const h = this.hist[c];
      const m = mean[c] * 255;
      for (let v = 0; v < 256; v++) s += (h[v] ?? 0) * (v - m) * (v - m);
      return Math.sqrt(s / n) / 255;
    });
    const stats: ImageStats = {
      min: triple((c) => this.rank(c, 0) / 255),
      max: triple((c) => this.rank(c, n - 1) / 255),
      mean,
      std,
      q01: [0, 0, 0],
      q10: [0, 0, 0],
      q50: [0, 0, 0],
      q90: [0, 0, 0],
      q99: [0, 0, 0],
      count: this.frames,
    };
    for (const [key, q] of QUANTILES) {
      stats[key] = triple((c) => {
        const pos = q * (n - 1);
        const lo = Math.floor(pos);
        const a = this.rank(c, lo);
        const b = this.rank(c, Math.ceil(pos));
        return (a + (b - a) * (pos - lo)) / 255;
      });
    }
    return stats;
  }

  /** The value (0…255) of the r-th smallest pixel of channel c. */
  private rank(c: 0 | 1 | 2, r: number): number {
    const h = this.hist[c];
    let seen = 0;
    for (let v = 0; v < 256; v++) {
      seen += h[v] ?? 0;
      if (seen > r) return v;
    }
    return 255;
  }
}
