/**
 * The pre-flight check: one probe encoder per camera, all open at the same time, timed on a
 * virtual clock. The fake "machine" encodes one frame per `perFrameMs` of virtual time in total,
 * whichever encoder it is for — so encoders running together share its speed — and nothing
 * depends on real time.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chooseCodec } from "./codecCheck.ts";

let open = 0;
let maxOpen = 0;
let perFrameMs = 1;
/** Virtual time: advanced only by the fake machine finishing frames. */
let vt = 0;
const now = () => vt;
/** Each encoder's frames waiting for the machine; it serves the encoders in turn (a fair scheduler). */
let machine: Array<Array<() => void>> = [];
let turn = 0;
let running = false;
function runMachine(): void {
  const busy = machine.filter((q) => q.length > 0);
  if (busy.length === 0) return void (running = false);
  const q = busy[turn++ % busy.length]!;
  vt += perFrameMs;
  q.shift()!();
  setTimeout(runMachine, 0);
}

class TimedEncoder {
  encodeQueueSize = 0;
  state = "unconfigured";
  constructor(private readonly init: { output: () => void; error: (e: Error) => void }) {
    open++;
    maxOpen = Math.max(maxOpen, open);
  }
  static isConfigSupported(): Promise<{ supported: boolean }> {
    return Promise.resolve({ supported: true });
  }
  configure(): void {
    this.state = "configured";
  }
  private readonly waiting: Array<() => void> = [];
  encode(): void {
    if (!machine.includes(this.waiting)) machine.push(this.waiting);
    this.encodeQueueSize++;
    this.waiting.push(() => {
      this.encodeQueueSize--;
      this.init.output();
    });
    if (!running) {
      running = true;
      setTimeout(runMachine, 0);
    }
  }
  async flush(): Promise<void> {
    while (this.encodeQueueSize > 0) await new Promise((r) => setTimeout(r, 0));
  }
  close(): void {
    if (this.state !== "closed") open--;
    this.state = "closed";
  }
}

class StubFrame {
  close(): void {}
}

const g = globalThis as unknown as Record<string, unknown>;
beforeEach(() => {
  open = 0;
  maxOpen = 0;
  perFrameMs = 1;
  vt = 0;
  machine = [];
  turn = 0;
  running = false;
  g["VideoEncoder"] = TimedEncoder;
  g["VideoFrame"] = StubFrame;
});
afterEach(() => {
  delete g["VideoEncoder"];
  delete g["VideoFrame"];
});

describe("chooseCodec (pre-flight)", () => {
  const cams = [
    { width: 64, height: 48, fps: 30 },
    { width: 64, height: 48, fps: 30 },
  ];

  it("probes every camera at once, one encoder each, and closes them", async () => {
    perFrameMs = 5;
    const choice = await chooseCodec(cams, "vp9", 1, "vp9", now);
    expect(maxOpen).toBe(2);
    expect(open).toBe(0);
    expect(choice.codec).toBe("vp9");
    expect(choice.probes.length).toBe(2);
  });

  it("a forced codec that cannot keep up is kept, with what was measured and what to do — never advising itself", async () => {
    // 50 frames a second for the whole machine: one camera alone would keep up, two share it (25 each).
    perFrameMs = 20;
    const alone = await chooseCodec([cams[0]!], "vp9", 1, "vp9", now);
    expect(alone.capacity).toBeCloseTo(50 / 30, 1);
    expect(alone.warning).toBeUndefined();
    const choice = await chooseCodec(cams, "vp9", 1, "vp9", now);
    expect(choice.capacity).toBeCloseTo(25 / 30, 1);
    expect(choice.codec).toBe("vp9");
    expect(choice.warning).toMatch(
      /^VP9 can encode only about \d+ % of these 2 cameras' frames on this computer right now \(measured with every camera at once\)/,
    );
    expect(choice.warning).toMatch(/repeat frames — counted/);
    expect(choice.warning).toMatch(/set the codec to auto \(it measures AV1 or H\.264 too\)/);
  });
});
