import { describe, expect, it } from "vitest";
import { FrameSeeker, keyframeAtOrBefore } from "./FrameSeeker.ts";
import { FakeDecoders, media, type FakeFrame } from "./review.fixtures.ts";

function seeker(m = media(30, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28])) {
  const decoders = new FakeDecoders(30);
  const shown: number[] = [];
  const errors: (string | undefined)[] = [];
  const sk = new FrameSeeker<FakeFrame>(
    m,
    30,
    (frame, row) => {
      shown.push(row);
      frame.close();
    },
    decoders.factory,
    (e) => errors.push(e),
  );
  return { sk, decoders, shown, errors };
}

describe("keyframeAtOrBefore", () => {
  it("finds the keyframe a frame decodes from", () => {
    const m = media(10, [0, 4, 8]);
    expect(keyframeAtOrBefore(m.frames, 0)).toBe(0);
    expect(keyframeAtOrBefore(m.frames, 3)).toBe(0);
    expect(keyframeAtOrBefore(m.frames, 4)).toBe(4);
    expect(keyframeAtOrBefore(m.frames, 7)).toBe(4);
    expect(keyframeAtOrBefore(m.frames, 99)).toBe(8);
    expect(keyframeAtOrBefore(media(4, [2]).frames, 1)).toBeUndefined();
  });
});

describe("FrameSeeker", () => {
  it("decodes from the keyframe at or before the row and hands over only that row's frame", async () => {
    const { sk, decoders, shown } = seeker(media(12, [0, 4, 8]));
    await sk.show(7);
    expect(decoders.flushes).toEqual([[4, 5, 6, 7]]);
    expect(shown).toEqual([7]);
    expect(sk.shown).toBe(7);
    // The frames decoded on the way were closed, not shown.
    expect(decoders.frames.every((f) => f.closed)).toBe(true);
    await sk.show(7);
    expect(decoders.flushes).toHaveLength(1); // already shown: nothing decoded
    await sk.show(-5);
    expect(shown.at(-1)).toBe(0);
  });

  it("coalesces requests made while decoding: the newest wins, the ones between are never decoded", async () => {
    const { sk, decoders, shown } = seeker();
    decoders.hold();
    const first = sk.show(10);
    const mid = [sk.show(11), sk.show(12), sk.show(13)];
    decoders.release();
    await Promise.all([first, ...mid]);
    expect(decoders.flushes).toEqual([[10], [12, 13]]);
    expect(shown).toEqual([10, 13]);
    expect(decoders.made).toBe(1); // one decoder for both
  });

  it("reports a frame that fails as data, makes a new decoder, and a good frame clears the error", async () => {
    const { sk, decoders, shown, errors } = seeker();
    decoders.failing.add(5);
    await sk.show(5);
    expect(shown).toEqual([]);
    expect(sk.error).toBe("The front video could not be decoded (bad data at frame 5).");
    expect(errors).toEqual([sk.error]);
    await sk.show(8);
    expect(shown).toEqual([8]);
    expect(sk.error).toBeUndefined();
    expect(errors.at(-1)).toBeUndefined();
    expect(decoders.made).toBe(2);
  });

  it("says so when a frame decodes to no picture, or has no keyframe before it", async () => {
    const { sk, decoders } = seeker();
    decoders.silent.add(3);
    await sk.show(3);
    expect(sk.error).toMatch(/Frame 3 of the front video did not decode/);
    const noKey = seeker(media(6, [4]));
    await noKey.sk.show(2);
    expect(noKey.sk.error).toMatch(/No keyframe at or before frame 2/);
    expect(noKey.decoders.made).toBe(0);
  });

  it("hands nothing over once closed, even a frame that was being decoded", async () => {
    const { sk, decoders, shown, errors } = seeker();
    decoders.hold();
    const p = sk.show(4);
    sk.close();
    decoders.release();
    await p;
    expect(shown).toEqual([]);
    expect(errors).toEqual([]);
    await sk.show(6);
    expect(decoders.flushes).toHaveLength(1);
  });
});
