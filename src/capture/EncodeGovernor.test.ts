/**
 * The degrade policy of a live encoder, against a fake encoder whose output rate is set per test
 * (frames per second of ManualClock time): frames submitted wait in its queue; it emits them in
 * order at its rate. Nothing here sleeps or measures wall-clock time.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { EncodeGovernor, type EncodeStep } from "./EncodeGovernor.ts";

class FakeQueueEncoder {
  /** Rows submitted and not yet output. */
  queue: Array<{ row: number; key: boolean }> = [];
  readonly out: Array<{ row: number; key: boolean; copyOf?: number }> = [];
  private credit = 0;
  constructor(public rate: number) {}
  submit(row: number, key: boolean): void {
    this.queue.push({ row, key });
  }
  /** `ms` of encoding at the current rate. */
  run(ms: number): void {
    this.credit += (this.rate * ms) / 1000;
    while (this.credit >= 1 && this.queue.length > 0) {
      this.out.push(this.queue.shift()!);
      this.credit -= 1;
    }
    if (this.queue.length === 0) this.credit = Math.min(this.credit, 1);
  }
}

interface Run {
  steps: EncodeStep[];
  enc: FakeQueueEncoder;
  gov: EncodeGovernor;
  levels: Array<{ row: number; level: number; bitrate: number; gop: number }>;
  maxQueue: number;
}

/** A take of `rows` rows at 30 fps; `rate(row)` is the encoder's speed from that row on. */
async function take(rows: number, rate: (row: number) => number, fps = 30): Promise<Run> {
  const clock = new ManualClock(0);
  const enc = new FakeQueueEncoder(rate(0));
  const levels: Run["levels"] = [];
  let row = 0;
  const gov = new EncodeGovernor({
    fps,
    gop: 2,
    bitrate: 2_000_000,
    clock,
    onLevel: (l) => levels.push({ row, level: l.level, bitrate: l.bitrate, gop: l.gop }),
  });
  const steps: EncodeStep[] = [];
  let maxQueue = 0;
  for (; row < rows; row++) {
    enc.rate = rate(row);
    const step = gov.next(row, enc.queue.length);
    steps.push(step);
    if (step.kind === "encode") enc.submit(row, step.keyFrame);
    maxQueue = Math.max(maxQueue, enc.queue.length);
    // One row period of clock time and of encoding.
    const ms = 1000 / fps;
    await clock.advance(ms);
    enc.run(ms);
  }
  return { steps, enc, gov, levels, maxQueue };
}

const repeats = (r: Run) => r.steps.filter((s) => s.kind === "repeat").length;

describe("EncodeGovernor", () => {
  it("an encoder that keeps up encodes every row with keyframes every gop frames, nothing lowered or repeated", async () => {
    const r = await take(300, () => 60);
    expect(repeats(r)).toBe(0);
    expect(r.levels).toEqual([]);
    expect(r.gov.level).toBe(0);
    const keys = r.steps.map((s) => (s.kind === "encode" ? s.keyFrame : null));
    expect(keys.slice(0, 6)).toEqual([true, false, true, false, true, false]);
    expect(r.gov.stats).toMatchObject({ repeatedRows: 0, level: 0 });
    expect(r.gov.repeatSpans).toEqual([]);
  });

  it("a slower encoder: lowers bitrate and keyframe rate first; when that is enough, no row is repeated", async () => {
    // 25 fps at full cost, 40 fps once its cost is lowered (the fake models the cost by hand).
    const clock = new ManualClock(0);
    const enc = new FakeQueueEncoder(25);
    const levels: number[] = [];
    const g = new EncodeGovernor({ fps: 30, gop: 2, bitrate: 2e6, clock, onLevel: (l) => levels.push(l.level) });
    let repeated = 0;
    let maxQ = 0;
    for (let row = 0; row < 600; row++) {
      enc.rate = g.level >= 1 ? 40 : 25;
      const s = g.next(row, enc.queue.length);
      if (s.kind === "encode") enc.submit(row, s.keyFrame);
      else repeated++;
      maxQ = Math.max(maxQ, enc.queue.length);
      await clock.advance(1000 / 30);
      enc.run(1000 / 30);
    }
    expect(levels).toEqual([1]);
    expect(repeated).toBe(0);
    expect(maxQ).toBeLessThan(30 * 0.5);
    expect(g.stats.level).toBe(1);
  });

  it("an encoder far too slow: after lowering its cost it repeats rows (counted) and the queue stays under half a second", async () => {
    const r = await take(900, () => 12);
    expect(r.levels.map((l) => l.level)).toEqual([1, 2]);
    // Lower cost: less bitrate, fewer keyframes.
    expect(r.levels[0]!.bitrate).toBeLessThan(2e6);
    expect(r.levels[0]!.gop).toBeGreaterThan(2);
    expect(r.levels[1]!.bitrate).toBeLessThan(r.levels[0]!.bitrate);
    // Never more than half a second waits (a stop finishes fast); the take goes on to its end.
    expect(r.maxQueue).toBeLessThanOrEqual(15);
    expect(r.steps.length).toBe(900);
    const n = repeats(r);
    expect(n).toBeGreaterThan(0);
    expect(r.gov.stats.repeatedRows).toBe(n);
    // Every row is either encoded or repeats the frame before it, and a repeat only ever follows a keyframe.
    let lastKey = false;
    for (const s of r.steps) {
      if (s.kind === "repeat") expect(lastKey).toBe(true);
      else lastKey = s.keyFrame;
    }
    // Spans of repeated rows, in row order, covering exactly the repeated rows.
    const spans = r.gov.repeatSpans;
    expect(spans.reduce((a, s) => a + s.to - s.from + 1, 0)).toBe(n);
    for (const s of spans) for (let row = s.from; row <= s.to; row++) expect(r.steps[row]!.kind).toBe("repeat");
  });

  it("the first row is a keyframe, and rows are never repeated before anything was encoded", async () => {
    const clock = new ManualClock(0);
    const g = new EncodeGovernor({ fps: 30, gop: 2, bitrate: 1e6, clock });
    expect(g.next(0, 100)).toEqual({ kind: "encode", keyFrame: true });
    expect(g.next(1, 100)).toEqual({ kind: "repeat" });
  });

  it("a queue that drains again ends the repeats: the next row is encoded", async () => {
    const clock = new ManualClock(0);
    const g = new EncodeGovernor({ fps: 30, gop: 2, bitrate: 1e6, clock });
    for (let row = 0; row < 4; row++) g.next(row, 0);
    // Behind: the next encoded frame is a keyframe (the anchor), then repeats.
    const a = g.next(4, 20);
    expect(a).toEqual({ kind: "encode", keyFrame: true });
    expect(g.next(5, 20).kind).toBe("repeat");
    expect(g.next(6, 10).kind).toBe("repeat");
    const back = g.next(7, 1);
    expect(back.kind).toBe("encode");
    expect(g.repeatSpans).toEqual([{ from: 5, to: 6 }]);
  });

  it("lowers cost at most once a second of clock time (a change needs time to show)", async () => {
    const clock = new ManualClock(0);
    const levels: number[] = [];
    const g = new EncodeGovernor({ fps: 30, gop: 2, bitrate: 1e6, clock, onLevel: (l) => levels.push(l.level) });
    g.next(0, 0);
    g.next(1, 10);
    g.next(2, 10);
    expect(levels).toEqual([1]);
    await clock.advance(999);
    g.next(3, 10);
    expect(levels).toEqual([1]);
    await clock.advance(1);
    g.next(4, 10);
    expect(levels).toEqual([1, 2]);
    await clock.advance(5000);
    g.next(5, 10);
    expect(levels).toEqual([1, 2]);
  });
});
