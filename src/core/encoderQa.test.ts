import { describe, expect, it } from "vitest";
import { cutShortLabel, lostFramesLabel, type QaFlag } from "./dataset.ts";
import { encoderQa, otherCodecs } from "./encoderQa.ts";
import { takeQa } from "./qa.ts";

const behind = {
  codec: "vp9" as const,
  rows: 1800,
  repeatedRows: 45,
  repeatSpans: [
    { from: 300, to: 329 },
    { from: 900, to: 914 },
  ],
  levelChanges: [{ row: 290, level: 1 }],
};

describe("encoder QA", () => {
  it("flags repeated rows with their windows, the share, when cost was lowered, and what to do — never the codec in use", () => {
    const [flag, ...rest] = encoderQa("front", behind, 30);
    expect(rest).toEqual([]);
    expect(flag!.kind).toBe("frames_lost");
    expect(flag!.subject).toBe("front");
    expect(flag!.windows).toEqual([
      { from: 10, to: 329 / 30 },
      { from: 30, to: 914 / 30 },
    ]);
    expect(flag!.message).toContain("VP9 encoder fell behind");
    expect(flag!.message).toContain("45 of 1800 rows (2.5 %)");
    expect(flag!.message).toContain("from 9.7 s");
    expect(flag!.message).toMatch(/lower this camera's resolution or frame rate/);
    expect(flag!.message).toContain("try AV1 or H.264");
    expect(flag!.message).not.toMatch(/try[^.]*VP9/);
    for (const c of ["av1", "h264", "vp9"] as const) expect(otherCodecs(c)).not.toContain({ av1: "AV1", h264: "H.264", vp9: "VP9" }[c]);
  });

  it("no repeated row, no flag; takeQa passes the encoder figures through", () => {
    expect(encoderQa("front", { ...behind, repeatedRows: 0, repeatSpans: [] }, 30)).toEqual([]);
    const flags = takeQa({
      fps: 30,
      cameras: { front: { lumaMean: [100, 101], hash: [1, 2], framesDelivered: 1800, droppedFrames: 0, encoder: behind } },
      joints: null,
      loop: null,
    });
    expect(flags.map((f) => f.kind)).toEqual(["frames_lost"]);
  });

  it("labels: lost frames for repeated or dropped frames, cut short for a fault or a failure", () => {
    const f = (kind: QaFlag["kind"], message = "x"): QaFlag => ({ kind, message });
    expect(lostFramesLabel([f("frames_lost")])).toBe("lost frames");
    expect(lostFramesLabel([f("dropped_frames")])).toBe("lost frames");
    expect(lostFramesLabel([f("frozen_camera")])).toBeUndefined();
    expect(cutShortLabel([f("cut_short")])).toBe("cut short");
    expect(cutShortLabel([f("recording_failed", "Cut short: storage full. …")])).toBe("cut short: storage full");
    expect(cutShortLabel([f("jumping_joints")])).toBeUndefined();
  });
});
