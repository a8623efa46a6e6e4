import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LatestSample } from "./LatestSample.ts";
import { SampleRing } from "./SampleRing.ts";

const W = 4;

/** Record s: time 10·s, then s repeated (so a record made of two is visible). */
function record(s: number): number[] {
  return [10 * s, s, s, s];
}

function ring(slots: number): SampleRing {
  return new SampleRing(new ArrayBuffer(SampleRing.bytesFor(W, slots)), W, slots);
}

describe("SampleRing", () => {
  it("keeps the last slots − 1 records through any number of wraparounds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 17 }), fc.integer({ min: 0, max: 200 }), (slots, writes) => {
        const r = ring(slots);
        for (let s = 1; s <= writes; s++) expect(r.write(record(s))).toBe(s);
        expect(r.newest).toBe(writes);
        const out = new Float64Array(W);
        for (let s = 1; s <= writes; s++) {
          const ok = r.read(s, out);
          // Everything from `oldest` on is readable and exact; anything older is gone (never another record).
          if (s >= r.oldest) {
            expect(ok).toBe(true);
            expect(Array.from(out)).toEqual(record(s));
          } else if (ok) expect(Array.from(out)).toEqual(record(s));
        }
        expect(r.read(writes + 1, out)).toBe(false);
        expect(r.read(0, out)).toBe(false);
      }),
    );
  });

  it("nearest(t) is the record nearest t among those kept (ties: the earlier)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 60 }),
        fc.double({ min: -50, max: 2000, noNaN: true }),
        (slots, steps, t) => {
          const r = ring(slots);
          let time = 0;
          const times: number[] = [];
          for (const dt of steps) {
            time += dt;
            times.push(time);
            r.write([time, times.length, 0, 0]);
          }
          const seq = r.nearest(t);
          const kept = times.map((tm, i) => ({ tm, seq: i + 1 })).filter((x) => x.seq >= r.oldest);
          const best = Math.min(...kept.map((x) => Math.abs(x.tm - t)));
          expect(seq).toBeGreaterThanOrEqual(r.oldest);
          expect(Math.abs(r.timeOf(seq) - t)).toBe(best);
          // the earliest of equally near records
          expect(kept.find((x) => Math.abs(x.tm - t) === best)!.tm).toBe(r.timeOf(seq));
        },
      ),
    );
  });

  it("a reader interleaved anywhere with the writer never returns a torn record", () => {
    // The writer's steps: begin, each value, commit — a reader runs between any two of them.
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: W + 1 }), fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: 80 }),
        (slots, script) => {
          const r = ring(slots);
          const out = new Float64Array(W);
          let s = 0;
          let body: Float64Array | undefined;
          let step = 0;
          const writerStep = () => {
            if (body === undefined) {
              s = r.newest + 1;
              body = r.begin();
              step = 0;
            } else if (step < W) body[step] = record(s)[step++]!;
            else {
              r.commit();
              body = undefined;
            }
          };
          for (const [writerSteps, probe] of script) {
            for (let k = 0; k < writerSteps; k++) writerStep();
            // Read some record by seq, and by time: whatever comes back is one whole record.
            const seq = 1 + (probe % Math.max(1, r.newest + 1));
            if (r.read(seq, out)) expect(Array.from(out)).toEqual(record(seq));
            const near = r.nearest(probe * 10);
            if (near > 0) {
              expect(near).toBeLessThanOrEqual(r.newest);
              if (r.read(near, out)) expect(Array.from(out)).toEqual(record(near));
            }
          }
        },
      ),
    );
  });

  it("rejects a ring it cannot hold", () => {
    expect(() => new SampleRing(new ArrayBuffer(64), W, 1)).toThrow(RangeError);
  });
});

describe("LatestSample over the ring", () => {
  it("the newest sample, any sample by seq, and the loop's end with its reason", () => {
    const buffer = new ArrayBuffer(LatestSample.bytesFor(2, 8));
    const writer = new LatestSample(buffer, 2, 8);
    const reader = new LatestSample(buffer, 2, 8);
    const f = reader.frame();
    expect(reader.read(f)).toBe(false);
    writer.begin(10);
    for (let k = 1; k <= 20; k++) writer.write({ t: k * 10, flags: 0, leader: [k, k], follower: [k, NaN], command: [k, k] });
    expect(reader.periodMs).toBe(10);
    expect(reader.read(f)).toBe(true);
    expect([f.t, f.follower[0], f.follower[1]]).toEqual([200, 20, NaN]);
    expect(reader.readSeq(reader.nearest(144), f)).toBe(true);
    expect(f.t).toBe(140);
    expect(reader.ended).toBeUndefined();
    writer.end("disconnected", "SO-101 follower was disconnected");
    expect(reader.ended).toEqual({ kind: "disconnected", reason: "SO-101 follower was disconnected", afterSeq: 20 });
    writer.begin(10);
    expect(reader.ended).toBeUndefined();
  });
});
