import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteQueue } from "./byteQueue.ts";

function contents(q: ByteQueue): number[] {
  const out: number[] = [];
  for (let i = 0; i < q.length; i++) out.push(q.at(i) ?? -1);
  return out;
}

describe("ByteQueue", () => {
  it("append, at, copy, view, consume", () => {
    const q = new ByteQueue(4);
    q.append(Uint8Array.of(1, 2, 3));
    expect(q.length).toBe(3);
    expect(q.at(0)).toBe(1);
    expect(q.at(2)).toBe(3);
    expect(q.at(3)).toBeUndefined();
    q.consume(1);
    expect(contents(q)).toEqual([2, 3]);
    q.append(Uint8Array.of(4, 5, 6, 7, 8)); // grows past the initial capacity
    expect(contents(q)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(q.copy(1, 3))).toEqual([3, 4, 5]);
    expect(Array.from(q.view(4, 3))).toEqual([6, 7, 8]);
    q.consume(100); // more than held: empties
    expect(q.length).toBe(0);
    expect(q.at(0)).toBeUndefined();
    q.append(new Uint8Array());
    expect(q.length).toBe(0);
  });

  it("copy is independent of later writes", () => {
    const q = new ByteQueue(2);
    q.append(Uint8Array.of(9, 8, 7));
    const c = q.copy(0, 3);
    q.consume(3);
    q.append(Uint8Array.of(1, 1, 1));
    expect(Array.from(c)).toEqual([9, 8, 7]);
  });

  it("clear empties it", () => {
    const q = new ByteQueue(8);
    q.append(Uint8Array.of(1, 2, 3));
    q.clear();
    expect(q.length).toBe(0);
    q.append(Uint8Array.of(4));
    expect(contents(q)).toEqual([4]);
  });

  it("the caller's chunk is copied, not aliased", () => {
    const q = new ByteQueue(4);
    const chunk = Uint8Array.of(1, 2);
    q.append(chunk);
    chunk[0] = 99;
    expect(q.at(0)).toBe(1);
  });

  it("behaves like an array under any sequence of appends and consumes (model test)", () => {
    type Op = { op: "append"; bytes: Uint8Array } | { op: "consume"; n: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant("append" as const), bytes: fc.uint8Array({ maxLength: 40 }) }),
      fc.record({ op: fc.constant("append" as const), bytes: fc.uint8Array({ minLength: 100, maxLength: 600 }) }),
      fc.record({ op: fc.constant("consume" as const), n: fc.integer({ min: 0, max: 80 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const q = new ByteQueue(capacity);
        let model: number[] = [];
        for (const o of ops) {
          if (o.op === "append") {
            q.append(o.bytes);
            model = model.concat(Array.from(o.bytes));
          } else {
            q.consume(o.n);
            model = model.slice(o.n);
          }
          expect(q.length).toBe(model.length);
          expect(contents(q)).toEqual(model);
          expect(q.at(model.length)).toBeUndefined();
          if (model.length > 0) {
            const from = Math.floor(model.length / 3);
            const len = model.length - from;
            expect(Array.from(q.copy(from, len))).toEqual(model.slice(from));
            expect(Array.from(q.view(0, len))).toEqual(model.slice(0, len));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
