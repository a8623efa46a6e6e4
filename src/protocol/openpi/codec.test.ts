import { decode } from "@msgpack/msgpack";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeWire, encodeWire, NdArray, NpGeneric, type WireValue, WireError } from "./codec.ts";
import { actionReply, parseActionReply } from "./policy.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const bin = (s: string) => [0xc4, s.length, ...new TextEncoder().encode(s)];

describe("openpi wire format", () => {
  it("writes a numpy array as openpi's msgpack_numpy does: bin marker keys, raw little-endian data, dtype str, shape list", () => {
    const bytes = encodeWire({ a: NdArray.float32([2], [1, -2]) });
    const expected = [
      0x81,
      0xa1,
      0x61, // {"a":
      0x84, // fixmap(4)
      ...bin("__ndarray__"),
      0xc3,
      ...bin("data"),
      0xc4,
      8,
      0,
      0,
      0x80,
      0x3f,
      0,
      0,
      0,
      0xc0,
      ...bin("dtype"),
      0xa3,
      0x3c,
      0x66,
      0x34, // "<f4"
      ...bin("shape"),
      0x91,
      0x02,
    ];
    expect(hex(bytes)).toBe(hex(Uint8Array.from(expected)));
  });

  it("reads arrays whose marker keys are bin (numpy's side) or str (other servers)", () => {
    const data = new Uint8Array(new Float32Array([3.5]).buffer);
    const strKeyed = new Uint8Array([
      0x84,
      0xab,
      ...new TextEncoder().encode("__ndarray__"),
      0xc3,
      0xa4,
      ...new TextEncoder().encode("data"),
      0xc4,
      4,
      ...data,
      0xa5,
      ...new TextEncoder().encode("dtype"),
      0xa3,
      0x3c,
      0x66,
      0x34,
      0xa5,
      ...new TextEncoder().encode("shape"),
      0x91,
      1,
    ]);
    const a = decodeWire(strKeyed);
    expect(a).toBeInstanceOf(NdArray);
    expect(Array.from((a as NdArray).data)).toEqual([3.5]);
  });

  it("round-trips observations (images, state, prompt, scalars) and keeps NaN", () => {
    const img = NdArray.uint8(
      [3, 2, 2],
      Uint8Array.from({ length: 12 }, (_, i) => i),
    );
    const obs: WireValue = {
      state: NdArray.float32([3], [1, NaN, -0]),
      "images.cam_high": img,
      prompt: "pick the cube",
      g: new NpGeneric("<f4", 1.5),
    };
    const back = decodeWire(encodeWire(obs)) as Record<string, WireValue>;
    expect(Array.from((back["state"] as NdArray).data)).toEqual([1, NaN, -0]);
    expect((back["images.cam_high"] as NdArray).shape).toEqual([3, 2, 2]);
    expect(Array.from((back["images.cam_high"] as NdArray).data)).toEqual(Array.from(img.data));
    expect(back["prompt"]).toBe("pick the cube");
    expect(back["g"]).toEqual(new NpGeneric("<f4", 1.5));
  });

  it("keeps the sign of zero", () => {
    expect(Object.is(decode(encodeWire(-0)), -0)).toBe(true);
    expect(Object.is(decode(encodeWire(0)), 0)).toBe(true);
  });

  it("what it writes decodes to the same values with @msgpack/msgpack (property)", () => {
    const plain: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        fc.constant(null),
        fc.boolean(),
        fc.integer({ min: -2147483648, max: 4294967295 }),
        fc.double({ noNaN: true }),
        fc.string(),
        fc.uint8Array({ maxLength: 300 }),
        fc.array(tie("v"), { maxLength: 20 }),
        fc.dictionary(fc.string({ maxLength: 8 }), tie("v"), { maxKeys: 20 }),
      ),
    })).v;
    fc.assert(
      fc.property(plain, (v) => {
        const ours = decode(encodeWire(v as WireValue));
        expect(ours).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws anything but WireError on arbitrary or truncated bytes (fuzz)", () => {
    const good = encodeWire(actionReply(new Float32Array(12), 2, 6, { inferMs: 1 }));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(good.length), fc.nat(good.length - 1), fc.nat(255), (junk, cut, at, byte) => {
        for (const bytes of [junk, good.slice(0, cut), Uint8Array.from(good, (b, i) => (i === at ? byte : b))]) {
          try {
            parseActionReply(decodeWire(bytes));
          } catch (e) {
            expect(e).toBeInstanceOf(WireError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it("refuses oversized messages and arrays before allocating them", () => {
    expect(() => decodeWire(new Uint8Array(100), { maxBytes: 10, maxElements: 10, maxDepth: 4 })).toThrow(/more than 10/);
    const huge = { actions: { __ndarray__: true, data: new Uint8Array(0), dtype: "<f4", shape: [1e9, 1] } } as unknown as WireValue;
    expect(() => decodeWire(encodeWire(huge))).toThrow(/actions.shape: \[1000000000, 1\] is larger than/);
    const deep = JSON.parse("[".repeat(40) + "]".repeat(40)) as WireValue;
    expect(() => decodeWire(encodeWire(deep))).toThrow(/nested too deeply/);
  });

  it("names the field of a bad reply: wrong shapes, dtypes, data length", () => {
    const reply = (a: WireValue) => decodeWire(encodeWire({ actions: a }));
    expect(() => parseActionReply(decodeWire(encodeWire({ x: 1 })))).toThrow(/^actions: missing/);
    expect(() => parseActionReply(reply(NdArray.float32([6], [0, 0, 0, 0, 0, 0])))).toThrow(
      /actions.shape: must be \[horizon, action_dim\]/,
    );
    expect(() => parseActionReply(reply(NdArray.float32([1, 5], [0, 0, 0, 0, 0])), 6)).toThrow(
      /actions.shape: has 5 values per action; this arm needs 6/,
    );
    expect(() => parseActionReply(reply(NdArray.uint8([1, 2], new Uint8Array(2))))).toThrow(/actions.dtype/);
    const wrongData = { actions: { __ndarray__: true, data: new Uint8Array(7), dtype: "<f4", shape: [1, 2] } } as unknown as WireValue;
    expect(() => parseActionReply(decodeWire(encodeWire(wrongData)))).toThrow(/actions.data: 7 bytes do not hold shape \[1, 2\]/);
    const badDtype = { actions: { __ndarray__: true, data: new Uint8Array(4), dtype: ">f4", shape: [1, 1] } } as unknown as WireValue;
    expect(() => parseActionReply(decodeWire(encodeWire(badDtype)))).toThrow(/actions.dtype: dtype ">f4" is not supported/);
    const chunk = parseActionReply(
      decodeWire(encodeWire(actionReply(Float32Array.from([1, 2, 3, 4]), 2, 2, { inferMs: 3, prevTotalMs: 9 }))),
    );
    expect(chunk).toMatchObject({ horizon: 2, dim: 2, serverTiming: { inferMs: 3, prevTotalMs: 9 } });
  });
});
