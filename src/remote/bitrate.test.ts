import { describe, expect, it } from "vitest";
import { nextBitrate, VIDEO_BITRATE } from "./bitrate.ts";

describe("video bitrate adaptation", () => {
  it("backs off on loss, creeps up on a clean link, and stays within its bounds", () => {
    expect(nextBitrate(1_000_000, 0.1)).toBe(700_000);
    expect(nextBitrate(1_000_000, 0.0)).toBe(1_100_000);
    expect(nextBitrate(1_000_000, 0.03)).toBe(1_000_000);
    expect(nextBitrate(VIDEO_BITRATE.min, 0.5)).toBe(VIDEO_BITRATE.min);
    expect(nextBitrate(VIDEO_BITRATE.max, 0)).toBe(VIDEO_BITRATE.max);
  });
});
