import { describe, expect, it } from "vitest";
import { letterbox } from "./letterbox.ts";

describe("letterbox (resize with padding)", () => {
  it("fits a wide image into the square, centred, black bars above and below, in hwc or chw order", () => {
    // 4×2 white image into 4×4: rows 1–2 white, rows 0 and 3 black.
    const img = { width: 4, height: 2, data: new Uint8Array(4 * 2 * 4).fill(255) };
    const hwc = letterbox(img, 4, "hwc");
    const row = (y: number) => Array.from(hwc.subarray(y * 12, y * 12 + 12));
    expect(row(0).every((v) => v === 0)).toBe(true);
    expect(row(1).every((v) => v === 255)).toBe(true);
    expect(row(2).every((v) => v === 255)).toBe(true);
    expect(row(3).every((v) => v === 0)).toBe(true);
    const chw = letterbox(img, 4, "chw");
    expect(chw.length).toBe(48);
    expect(chw[16 + 4]).toBe(255); // green plane, row 1
    expect(chw[16 + 0]).toBe(0);
  });

  it("keeps colour channels apart and refuses short data", () => {
    const img = { width: 1, height: 1, data: Uint8Array.from([10, 20, 30, 255]) };
    expect(Array.from(letterbox(img, 2, "hwc").subarray(0, 3))).toEqual([10, 20, 30]);
    expect(() => letterbox({ width: 2, height: 2, data: new Uint8Array(4) }, 2, "hwc")).toThrow(RangeError);
  });
});
