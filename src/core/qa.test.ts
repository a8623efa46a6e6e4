import { describe, expect, it } from "vitest";
import { mulberry32 } from "./random.ts";
import { cameraQa, frameHash, jointsQa, loopQa, lumaMean, takeQa } from "./qa.ts";

function kinds(flags: { kind: string }[]): string[] {
  return flags.map((f) => f.kind);
}

const okCamera = (n: number) => ({
  lumaMean: Array.from({ length: n }, () => 120),
  hash: Array.from({ length: n }, (_, i) => i),
  framesDelivered: n,
  droppedFrames: 0,
});

describe("frame figures", () => {
  it("lumaMean and frameHash", () => {
    const w = 640;
    const h = 480;
    const a = new Uint8Array(w * h).fill(40);
    expect(lumaMean(a, w, h)).toBe(40);
    const rand = mulberry32(1);
    const b = a.map(() => Math.floor(rand() * 256));
    const c = b.slice();
    expect(frameHash(b, w, h)).toBe(frameHash(c, w, h));
    c[0] = (c[0]! + 1) % 256;
    expect(frameHash(b, w, h)).not.toBe(frameHash(c, w, h));
    expect(lumaMean(new Uint8Array(0), 0, 0)).toBeNaN();
  });
});

describe("camera QA", () => {
  it("a healthy camera has no flags", () => {
    expect(cameraQa("front", okCamera(300), 30)).toEqual([]);
  });

  it("flags a black camera only when most frames are black", () => {
    const cam = okCamera(100);
    for (let i = 0; i < 95; i++) (cam.lumaMean as number[])[i] = 3;
    const f = cameraQa("front", cam, 30);
    expect(kinds(f)).toEqual(["black_camera"]);
    expect(f[0]!.subject).toBe("front");
    expect(f[0]!.message).toMatch(/black in 95 of 100 frames/);
    for (let i = 0; i < 20; i++) (cam.lumaMean as number[])[i] = 100;
    expect(cameraQa("front", cam, 30)).toEqual([]);
  });

  it("flags a frozen camera when the picture repeats for more than a second", () => {
    const cam = okCamera(200);
    const hash = cam.hash as number[];
    for (let i = 50; i <= 80; i++) hash[i] = 7; // 31 frames = 1.0 s at 30 fps: not flagged
    expect(cameraQa("front", cam, 30)).toEqual([]);
    hash[81] = 7; // 32 frames span 1.03 s
    expect(kinds(cameraQa("front", cam, 30))).toEqual(["frozen_camera"]);
  });

  it("flags dropped frames above 0.1 %", () => {
    expect(cameraQa("wrist", { ...okCamera(1000), droppedFrames: 1 }, 30)).toEqual([]);
    const f = cameraQa("wrist", { ...okCamera(1000), droppedFrames: 2 }, 30);
    expect(kinds(f)).toEqual(["dropped_frames"]);
    expect(f[0]!.message).toMatch(/2 of 1000 frames \(0\.20 %\)/);
  });
});

describe("joint QA", () => {
  const names = ["a.pos", "b.pos"];
  function rows(n: number, f: (r: number, c: number) => [number, number]): { state: Float32Array; action: Float32Array } {
    const state = new Float32Array(n * 2);
    const action = new Float32Array(n * 2);
    for (let r = 0; r < n; r++) for (let c = 0; c < 2; c++) [state[r * 2 + c], action[r * 2 + c]] = f(r, c);
    return { state, action };
  }

  it("smooth motion has no flags", () => {
    const { state, action } = rows(100, (r, c) => [Math.sin(r / 10 + c) * 30, Math.sin(r / 10 + c) * 30]);
    expect(jointsQa({ names, state, action, jumpThreshold: 10 })).toEqual([]);
  });

  it("flags a stalled joint (constant while commanded to move) but not a joint held still", () => {
    const { state, action } = rows(100, (r, c) => (c === 0 ? [5, r] : [7, 7]));
    const f = jointsQa({ names, state, action, jumpThreshold: 10 });
    expect(kinds(f)).toEqual(["stalled_joints"]);
    expect(f[0]!.subject).toBe("a.pos");
  });

  it("flags jumps between rows", () => {
    const { state, action } = rows(50, (r, c) => (c === 1 && r === 20 ? [40, 0] : [0, 0]));
    const f = jointsQa({ names, state, action, jumpThreshold: 10 });
    expect(kinds(f)).toEqual(["jumping_joints"]);
    expect(f[0]!.message).toMatch(/jumped 2 times .*40\.0 units/);
  });

  it("flags missing joints: all NaN, or one joint NaN", () => {
    const all = rows(10, () => [NaN, 1]);
    expect(jointsQa({ names, ...all, jumpThreshold: 10 })).toEqual([expect.objectContaining({ kind: "missing_joints" })]);
    expect(jointsQa({ names, ...all, jumpThreshold: 10 })[0]!.subject).toBeUndefined();
    const one = rows(10, (_r, c) => [c === 0 ? NaN : 3, 3]);
    const f = jointsQa({ names, ...one, jumpThreshold: 10 });
    expect(f).toEqual([expect.objectContaining({ kind: "missing_joints", subject: "a.pos" })]);
  });
});

describe("loop QA and the whole take", () => {
  it("flags an off-rate loop (slow, or ticks off time by more than a period)", () => {
    expect(loopQa({ targetHz: 100, achievedHz: 99, periodErrorP99Ms: 1.5 })).toEqual([]);
    // A busy laptop's 6 ms at 100 Hz: every row still has a sample within its bound — no warning.
    expect(loopQa({ targetHz: 100, achievedHz: 98, periodErrorP99Ms: 6.2 })).toEqual([]);
    expect(kinds(loopQa({ targetHz: 100, achievedHz: 80, periodErrorP99Ms: 1 }))).toEqual(["off_rate_loop"]);
    const f = loopQa({ targetHz: 100, achievedHz: 100, periodErrorP99Ms: 13.2 });
    expect(f[0]!.message).toMatch(/off time by up to 13\.2 ms \(p99\), more than its 10\.0 ms period/);
    expect(kinds(loopQa({ targetHz: 30, achievedHz: 30, periodErrorP99Ms: 13.2 }))).toEqual([]); // within a 33 ms period
    expect(loopQa({ targetHz: 100, achievedHz: 100, periodErrorP99Ms: NaN })).toEqual([]);
  });

  it("takeQa combines cameras, joints and loop", () => {
    const f = takeQa({
      fps: 30,
      cameras: { front: okCamera(100), wrist: { ...okCamera(100), lumaMean: new Array<number>(100).fill(0) } },
      joints: { names: ["x.pos"], state: new Float32Array(10).fill(NaN), action: new Float32Array(10), jumpThreshold: 10 },
      loop: { targetHz: 100, achievedHz: 50, periodErrorP99Ms: 0.5 },
    });
    expect(kinds(f)).toEqual(["black_camera", "missing_joints", "off_rate_loop"]);
    expect(f[0]!.subject).toBe("wrist");
  });
});
