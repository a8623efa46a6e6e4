import { describe, expect, it } from "vitest";
import type { VideoTrackInfo } from "./dataset.ts";
import { decoderConfigFor } from "./videoTrack.ts";

const TRACK: VideoTrackInfo = { camera: "front", codec: "av01.0.04M.08", codecName: "av1", width: 640, height: 480 };

describe("decoderConfigFor", () => {
  it("takes the codec string and the coded size of the track", () => {
    expect(decoderConfigFor(TRACK)).toEqual({ codec: "av01.0.04M.08", codedWidth: 640, codedHeight: 480 });
  });
  it("carries the encoder's description when the track has one, and no description key otherwise", () => {
    const description = new Uint8Array([1, 2, 3]).buffer;
    expect(decoderConfigFor({ ...TRACK, description }).description).toBe(description);
    expect("description" in decoderConfigFor(TRACK)).toBe(false);
  });
});
