import { describe, expect, it } from "vitest";
import { fakeTrack, setup, turn } from "./testing/cameraFakes.ts";

describe("camera store", () => {
  it("adds a simulated camera: attached to the recorder on the page clock, listed, with its track", async () => {
    const t = setup();
    await t.cameras.getState().addSimulated();
    expect(t.cameras.getState().cameras.map((c) => [c.key, c.source, c.width, c.fps])).toEqual([["front", "simulated", 640, 30]]);
    expect(t.recorder.cameras.get("front")).toEqual({ fps: 30, pageClock: true });
    expect(t.cameras.getState().track("front")).toBeDefined();
    expect(t.samples).toEqual([null]); // no loop running: "no live pose yet"
    await t.cameras.getState().addSimulated();
    expect(t.cameras.getState().cameras.map((c) => c.key)).toEqual(["front", "sim_1"]);
  });

  it("a camera removed while it attaches is cancelled: closed, never listed, its stream stopped, no error", async () => {
    const t = setup();
    const release = t.recorder.holdNext("addCamera");
    const adding = t.cameras.getState().addUsb("d1", "wrist", 640, 480, 30);
    await turn();
    const removing = t.cameras.getState().remove("wrist");
    release();
    await Promise.all([adding, removing]);
    expect(t.cameras.getState().cameras).toEqual([]);
    expect(t.cameras.getState().error).toBeUndefined();
    expect(t.closed).toEqual(["d1"]);
    expect(t.taps.every((tap) => tap.stopped)).toBe(true);
    expect(t.recorder.cameras.has("wrist")).toBe(false);
    // The name is free again.
    await t.cameras.getState().addUsb("d1", "wrist", 640, 480, 30);
    expect(t.cameras.getState().cameras.map((c) => [c.key, c.fps, c.label])).toEqual([["wrist", 30, "USB cam"]]);
  });

  it("a name is taken from the moment its camera is being added: a second add of it is refused", async () => {
    const t = setup();
    const release = t.recorder.holdNext("addCamera");
    const first = t.cameras.getState().addUsb("d1", "wrist", 640, 480, 30);
    await turn();
    await t.cameras.getState().addTrack("wrist", "phone", fakeTrack(), "Phone");
    expect(t.cameras.getState().error).toMatch(/already a camera named "wrist"/);
    release();
    await first;
    expect(t.cameras.getState().cameras.map((c) => c.key)).toEqual(["wrist"]);
    expect(t.recorder.calls.filter((c) => c === "addCamera")).toHaveLength(1);
  });

  it("shows the recorder's figures for each camera, and a camera that ended", async () => {
    const t = setup();
    await t.cameras.getState().addTrack("phone", "phone", fakeTrack(), "Phone");
    expect(t.cameras.getState().cameras[0]).toMatchObject({ width: 320, height: 240, fps: 15, status: "live" });
    t.recorder.emit({ type: "camera", key: "phone", fps: 14.8, dropped: 3, width: 320, height: 240, ended: false });
    expect(t.cameras.getState().cameras[0]).toMatchObject({ measuredFps: 14.8, dropped: 3, status: "live" });
    t.recorder.emit({ type: "camera", key: "phone", fps: 0, dropped: 3, width: 320, height: 240, ended: true });
    expect(t.cameras.getState().cameras[0]?.status).toBe("ended");
  });

  it("remove detaches the camera from the recorder and closes it", async () => {
    const t = setup();
    await t.cameras.getState().addSimulated({ key: "top" });
    await t.cameras.getState().remove("top");
    expect(t.cameras.getState().cameras).toEqual([]);
    expect(t.recorder.cameras.size).toBe(0);
    expect(t.closed).toEqual(["simulated top"]);
    expect(t.cameras.getState().track("top")).toBeUndefined();
  });

  it("refuses a badly formed name and says why", async () => {
    const t = setup();
    await t.cameras.getState().addUsb("d1", "Wrist Cam", 640, 480, 30);
    expect(t.cameras.getState().error).toMatch(/lowercase/);
    expect(t.closed).toEqual([]);
  });
});
