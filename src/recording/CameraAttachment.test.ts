import { describe, expect, it } from "vitest";
import { isCancelled } from "../core/lifecycle.ts";
import { MemoryEpisodeStore } from "../storage/MemoryEpisodeStore.ts";
import { CameraAttachment } from "./CameraAttachment.ts";
import { FakeRecorder } from "./testing/fakes.ts";

function setup() {
  const recorder = new FakeRecorder(new MemoryEpisodeStore());
  const taps: { stopped: boolean }[] = [];
  const attachment = new CameraAttachment({
    key: "front",
    track: {} as MediaStreamTrack,
    fps: 30,
    pageClock: true,
    recorder,
    frames: () => {
      const tap = { stopped: false };
      taps.push(tap);
      return { stream: new ReadableStream<VideoFrame>(), stop: () => (tap.stopped = true) };
    },
  });
  return { recorder, taps, attachment };
}

describe("CameraAttachment", () => {
  it("attach twice is one attach (the same promise)", async () => {
    const t = setup();
    const release = t.recorder.holdNext("addCamera");
    const a = t.attachment.attach();
    const b = t.attachment.attach();
    expect(b).toBe(a);
    expect(t.attachment.phase).toBe("starting");
    release();
    await a;
    expect(t.attachment.phase).toBe("running");
    await t.attachment.attach();
    expect(t.recorder.calls.filter((c) => c === "addCamera")).toHaveLength(1);
    expect(t.taps).toHaveLength(1);
    expect(t.recorder.cameras.get("front")).toEqual({ fps: 30, pageClock: true });
  });

  it("detach during the attach cancels it: the stream is closed and the recorder forgets the camera", async () => {
    const t = setup();
    const release = t.recorder.holdNext("addCamera");
    const attached = t.attachment.attach().catch((e: unknown) => e);
    await Promise.resolve();
    const detached = t.attachment.detach();
    release();
    expect(isCancelled(await attached)).toBe(true);
    await detached;
    expect(t.attachment.phase).toBe("idle");
    expect(t.taps.every((tap) => tap.stopped)).toBe(true);
    expect(t.recorder.cameras.has("front")).toBe(false);
    expect(t.recorder.calls.at(-1)).toBe("removeCamera");
  });

  it("an attach the recorder refuses closes its stream and can be tried again", async () => {
    const t = setup();
    t.recorder.failNext = { method: "addCamera", error: new Error("The recorder stopped unexpectedly.") };
    await expect(t.attachment.attach()).rejects.toThrow(/recorder stopped/);
    expect(t.taps[0]?.stopped).toBe(true);
    expect(t.attachment.phase).toBe("idle");
    await t.attachment.attach();
    expect(t.attachment.phase).toBe("running");
    await t.attachment.detach();
    expect(t.taps[1]?.stopped).toBe(true);
    expect(t.recorder.cameras.size).toBe(0);
  });
});
