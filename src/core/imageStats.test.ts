import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mulberry32 } from "./random.ts";
import { ImageStatsAccumulator, LiveFrameSampler, downsampleStep, estimateNumSamples, sampleIndices } from "./imageStats.ts";
import { quantile } from "./frameSync.ts";

describe("sampling", () => {
  it("follows lerobot's rule max(min(100, n), min(floor(n^0.75), 10000))", () => {
    expect(estimateNumSamples(0)).toBe(0);
    expect(estimateNumSamples(1)).toBe(1);
    expect(estimateNumSamples(50)).toBe(50);
    expect(estimateNumSamples(100)).toBe(100);
    expect(estimateNumSamples(300)).toBe(100); // 300^0.75 ≈ 72
    expect(estimateNumSamples(1000)).toBe(177);
    expect(estimateNumSamples(18000)).toBe(1554); // 18000^0.75 ≈ 1554.9
    expect(estimateNumSamples(1e7)).toBe(10000);
  });

  it("sampleIndices spreads over the whole episode", () => {
    const idx = sampleIndices(1000);
    expect(idx.length).toBe(177);
    expect(idx[0]).toBe(0);
    expect(idx.at(-1)).toBe(999);
    expect(sampleIndices(5)).toEqual([0, 1, 2, 3, 4]);
  });

  it("LiveFrameSampler takes about as many frames as lerobot would over the expected length", () => {
    for (const n of [30, 300, 900, 1800, 18000]) {
      const s = new LiveFrameSampler(n);
      let taken = 0;
      for (let i = 0; i < n; i++) if (s.shouldSample(i)) taken++;
      const want = estimateNumSamples(n);
      expect(taken).toBeGreaterThanOrEqual(want);
      expect(taken).toBeLessThan(2 * want);
    }
    expect(new LiveFrameSampler(300).stride).toBe(3);
  });

  it("downsamples frames of 300 px and more to about 150 px", () => {
    expect(downsampleStep(160, 120)).toBe(1);
    expect(downsampleStep(640, 480)).toBe(4);
    expect(downsampleStep(1280, 720)).toBe(8);
  });
});

describe("ImageStatsAccumulator", () => {
  it("returns null with no frames", () => {
    expect(new ImageStatsAccumulator().result()).toBeNull();
  });

  it("constant colour frames give exact stats, BGRA order and stride honoured", () => {
    const acc = new ImageStatsAccumulator();
    const w = 20;
    const h = 10;
    const stride = w * 4 + 8;
    const buf = new Uint8Array(stride * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) buf.set([51, 102, 255, 0], y * stride + x * 4); // B G R X
    acc.addRgba(buf, w, h, { stride, order: "BGRA" });
    acc.addRgba(buf, w, h, { stride, order: "BGRA" });
    const s = acc.result()!;
    expect(s.count).toBe(2);
    expect(s.mean).toEqual([1, 0.4, 0.2]);
    expect(s.std).toEqual([0, 0, 0]);
    expect(s.min).toEqual([1, 0.4, 0.2]);
    expect(s.q50).toEqual([1, 0.4, 0.2]);
    expect(() => acc.addRgba(new Uint8Array(10), w, h)).toThrow(RangeError);
  });

  it("property: matches direct computation over the pixels (under 300 px, no downsampling)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        (w, h, frames, seed) => {
          const rand = mulberry32(seed);
          const acc = new ImageStatsAccumulator();
          const ch: number[][] = [[], [], []];
          for (let f = 0; f < frames; f++) {
            const buf = new Uint8Array(w * h * 4).map(() => Math.floor(rand() * 256));
            acc.addRgba(buf, w, h);
            for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) ch[c]!.push(buf[i * 4 + c]! / 255);
          }
          const s = acc.result()!;
          expect(s.count).toBe(frames);
          for (let c = 0; c < 3; c++) {
            const v = ch[c]!;
            const mean = v.reduce((a, b) => a + b, 0) / v.length;
            const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
            expect(s.mean[c]).toBeCloseTo(mean, 9);
            expect(s.std[c]).toBeCloseTo(std, 9);
            expect(s.min[c]).toBeCloseTo(Math.min(...v), 12);
            expect(s.max[c]).toBeCloseTo(Math.max(...v), 12);
            expect(s.q01[c]).toBeCloseTo(quantile(v, 0.01), 9);
            expect(s.q50[c]).toBeCloseTo(quantile(v, 0.5), 9);
            expect(s.q99[c]).toBeCloseTo(quantile(v, 0.99), 9);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
