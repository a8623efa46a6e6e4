import { describe, expect, it } from "vitest";
import { FrameMeter } from "./FrameMeter.ts";

describe("FrameMeter", () => {
  it("measures 30 fps and no drops for a steady camera", () => {
    const m = new FrameMeter(30);
    for (let k = 0; k < 90; k++) m.observe(5_000_000 + k * 33_333, 100 + k * (1000 / 30));
    const s = m.snapshot();
    expect(s.fps).toBeCloseTo(30, 1);
    expect(s.dropped).toBe(0);
    expect(s.frames).toBe(90);
  });

  it("counts frames missing from timestamp gaps (requested rate or learnt period)", () => {
    for (const fps of [30, 0]) {
      const m = new FrameMeter(fps);
      let t = 0;
      for (let k = 0; k < 60; k++) {
        t += k === 40 ? 4 * 33_333 : 33_333; // three frames missing before frame 40
        m.observe(t, t / 1000);
      }
      expect(m.snapshot().dropped).toBe(3);
      expect(m.snapshot().maxGapMs).toBeCloseTo(133.3, 0);
    }
  });

  it("fps is NaN before two frames", () => {
    const m = new FrameMeter(30);
    expect(m.snapshot().fps).toBeNaN();
    m.observe(0, 0);
    expect(m.snapshot().fps).toBeNaN();
  });
});
