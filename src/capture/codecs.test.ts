import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { av1Level, codecStrings, defaultBitrate, h264Level, rowOfTimestampUs, rowTimestampUs, vp9Level } from "./codecs.ts";

describe("codec strings", () => {
  it("AV1 levels by size and rate", () => {
    expect(codecStrings("av1", 640, 480, 30)).toEqual(["av01.0.04M.08"]);
    expect(av1Level(320, 240, 30)).toBe("00");
    expect(av1Level(1280, 720, 30)).toBe("05");
    expect(av1Level(1920, 1080, 30)).toBe("08");
    expect(av1Level(1920, 1080, 60)).toBe("09");
  });

  it("H.264 levels by macroblocks, Constrained Baseline first then Main", () => {
    expect(codecStrings("h264", 640, 480, 30)).toEqual(["avc1.42E01E", "avc1.4D401E"]);
    expect(h264Level(1280, 720, 30)).toBe("1F");
    expect(h264Level(1280, 720, 60)).toBe("20");
    expect(h264Level(1920, 1080, 30)).toBe("28");
  });

  it("VP9 levels by samples", () => {
    expect(codecStrings("vp9", 640, 480, 30)).toEqual(["vp09.00.30.08"]);
    expect(vp9Level(1280, 720, 30)).toBe("31");
    expect(vp9Level(160, 120, 30)).toBe("10");
  });

  it("bitrate and constant-frame-rate timestamps", () => {
    expect(defaultBitrate(640, 480, 30)).toBe(1_382_400);
    expect(rowTimestampUs(3, 30)).toBe(100_000);
    expect(rowTimestampUs(1, 30)).toBe(33_333);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.constantFrom(10, 15, 24, 25, 29.97, 30, 50, 60), (k, fps) => {
        expect(rowOfTimestampUs(rowTimestampUs(k, fps), fps)).toBe(k);
      }),
    );
  });
});
