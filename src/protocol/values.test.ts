import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValueRangeError } from "./errors.ts";
import { STS_CONTROL_TABLE as T } from "./feetech/controlTable.ts";
import type { RegisterDef } from "./types.ts";
import { decodeValue, encodeValue, fromHex, fromRaw, readLE, registerRange, toHex, toRaw, writeLE } from "./values.ts";

function synthetic(size: 1 | 2 | 4, sign: RegisterDef["sign"]): RegisterDef {
  return { address: 0, size, area: "ram", access: "rw", sign, doc: "test register" };
}

const U8 = synthetic(1, { kind: "unsigned" });
const U16 = synthetic(2, { kind: "unsigned" });
const U32 = synthetic(4, { kind: "unsigned" });
const TC8 = synthetic(1, { kind: "twos-complement" });
const TC16 = synthetic(2, { kind: "twos-complement" });
const TC32 = synthetic(4, { kind: "twos-complement" });
const SM15 = synthetic(2, { kind: "sign-magnitude", bit: 15 });
const SM11 = synthetic(2, { kind: "sign-magnitude", bit: 11 });
const SM10 = synthetic(2, { kind: "sign-magnitude", bit: 10 });

describe("sign-magnitude (Feetech)", () => {
  it("raw 0x8064 is −100 for a bit-15 register", () => {
    expect(fromRaw(T.Present_Position, 0x8064)).toBe(-100);
    expect(decodeValue(T.Goal_Position, fromHex("64 80"))).toBe(-100);
    expect(decodeValue(T.Present_Velocity, fromHex("64 80"))).toBe(-100);
    expect(toHex(encodeValue(T.Goal_Velocity, -100))).toBe("64 80");
  });

  it("Homing_Offset −100 is 0x0864 (bit 11)", () => {
    expect(toRaw(T.Homing_Offset, -100)).toBe(0x0864);
    expect(toHex(encodeValue(T.Homing_Offset, -100))).toBe("64 08");
    expect(fromRaw(T.Homing_Offset, 0x0864)).toBe(-100);
    expect(registerRange(T.Homing_Offset)).toEqual({ min: -2047, max: 2047 });
  });

  it("Present_Load uses bit 10", () => {
    expect(registerRange(T.Present_Load)).toEqual({ min: -1023, max: 1023 });
    expect(fromRaw(T.Present_Load, 0x0464)).toBe(-100);
    expect(fromRaw(T.Present_Load, 0x0064)).toBe(100);
    expect(decodeValue(T.Present_Load, fromHex("FF 07"))).toBe(-1023);
    expect(toHex(encodeValue(T.Present_Load, -1023))).toBe("FF 07");
    expect(toHex(encodeValue(T.Present_Load, 1023))).toBe("FF 03");
  });

  it("positive values are plain little-endian", () => {
    expect(toHex(encodeValue(T.Goal_Position, 2048))).toBe("00 08");
    expect(toHex(encodeValue(T.Present_Position, 4095))).toBe("FF 0F");
    expect(decodeValue(T.Present_Position, fromHex("FF 07"))).toBe(2047);
  });

  it("decoding ignores bits above the sign bit, like lerobot's decode", () => {
    // decode(x, b) = ±(x & (2^b − 1)) by bit b alone.
    expect(fromRaw(T.Homing_Offset, 0xf064)).toBe(100); // bit 11 clear
    expect(fromRaw(T.Homing_Offset, 0xf864)).toBe(-100); // bit 11 set
    expect(fromRaw(T.Present_Load, 0xfc64)).toBe(-100);
  });

  it("negative zero (sign bit alone) decodes to zero", () => {
    expect(fromRaw(T.Present_Position, 0x8000) === 0).toBe(true);
    expect(fromRaw(T.Homing_Offset, 0x0800) === 0).toBe(true);
  });

  it("decodes at an offset", () => {
    expect(decodeValue(T.Present_Position, fromHex("00 FF 64 80 00"), 2)).toBe(-100);
  });
});

describe("two's complement (Dynamixel)", () => {
  it("−1 is FF FF FF FF on a 4-byte register", () => {
    expect(toHex(encodeValue(TC32, -1))).toBe("FF FF FF FF");
    expect(decodeValue(TC32, fromHex("FF FF FF FF"))).toBe(-1);
  });

  it("the extremes of a 4-byte register", () => {
    expect(registerRange(TC32)).toEqual({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    expect(toHex(encodeValue(TC32, -(2 ** 31)))).toBe("00 00 00 80");
    expect(toHex(encodeValue(TC32, 2 ** 31 - 1))).toBe("FF FF FF 7F");
    expect(toHex(encodeValue(TC32, -100))).toBe("9C FF FF FF");
    expect(decodeValue(TC32, fromHex("00 00 00 80"))).toBe(-(2 ** 31));
  });

  it("1- and 2-byte widths", () => {
    expect(toHex(encodeValue(TC8, -128))).toBe("80");
    expect(toHex(encodeValue(TC16, -2))).toBe("FE FF");
    expect(decodeValue(TC16, fromHex("00 80"))).toBe(-32768);
  });
});

describe("encode/decode round trip over each register kind's whole range", () => {
  const kinds: readonly (readonly [string, RegisterDef])[] = [
    ["unsigned 1 byte", U8],
    ["unsigned 2 bytes", U16],
    ["unsigned 4 bytes", U32],
    ["twos-complement 1 byte", TC8],
    ["twos-complement 2 bytes", TC16],
    ["twos-complement 4 bytes", TC32],
    ["sign-magnitude bit 15", SM15],
    ["sign-magnitude bit 11", SM11],
    ["sign-magnitude bit 10", SM10],
    ...Object.entries(T).map(([name, reg]) => [`STS ${name}`, reg] as const),
  ];

  it.each(kinds)("%s", (_name, reg) => {
    const { min, max } = registerRange(reg);
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max, 0, 1, Math.max(min, -1))), (v) => {
        const bytes = encodeValue(reg, v);
        expect(bytes.length).toBe(reg.size);
        expect(decodeValue(reg, bytes)).toBe(v);
        // The raw word fits the register width.
        const raw = toRaw(reg, v);
        expect(raw).toBeGreaterThanOrEqual(0);
        expect(raw).toBeLessThan(2 ** (reg.size * 8));
        expect(readLE(bytes, 0, reg.size)).toBe(raw);
      }),
      { numRuns: 400 },
    );
  });

  it("every raw word of a 2-byte register decodes into range and re-encodes to itself (modulo −0)", () => {
    for (const reg of [SM15, SM11, SM10, TC16, U16]) {
      const { min, max } = registerRange(reg);
      for (let raw = 0; raw < 0x10000; raw++) {
        const v = fromRaw(reg, raw);
        if (v < min || v > max) throw new Error(`raw ${raw} decodes to ${v}, out of ${min}..${max}`);
        if (reg.sign.kind === "sign-magnitude") {
          // Bits above the sign bit are dropped, and sign+0 is zero.
          const canonical = raw % 2 ** (reg.sign.bit + 1);
          const expected = canonical === 2 ** reg.sign.bit ? 0 : canonical;
          if (toRaw(reg, v) !== expected) throw new Error(`raw ${raw} re-encodes to ${toRaw(reg, v)}`);
        } else if (toRaw(reg, v) !== raw) {
          throw new Error(`raw ${raw} re-encodes to ${toRaw(reg, v)}`);
        }
      }
    }
  });
});

describe("out-of-range values throw ValueRangeError", () => {
  const regs: readonly (readonly [string, RegisterDef])[] = [
    ["U8", U8],
    ["U16", U16],
    ["U32", U32],
    ["TC8", TC8],
    ["TC32", TC32],
    ["SM15", SM15],
    ["Homing_Offset", T.Homing_Offset],
    ["Present_Load", T.Present_Load],
  ];

  it.each(regs)("%s just outside the range", (_name, reg) => {
    const { min, max } = registerRange(reg);
    expect(() => encodeValue(reg, max + 1)).toThrow(ValueRangeError);
    expect(() => encodeValue(reg, min - 1)).toThrow(ValueRangeError);
  });

  it.each(regs)("%s with non-integers", (_name, reg) => {
    for (const v of [0.5, -0.5, 1.25, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => encodeValue(reg, v), String(v)).toThrow(ValueRangeError);
    }
  });

  it("property: anything outside [min, max] or fractional throws", () => {
    for (const [, reg] of regs) {
      const { min, max } = registerRange(reg);
      fc.assert(
        fc.property(
          fc.oneof(
            fc.double({ min: max + 1, max: max * 4 + 10, noNaN: true }),
            fc.double({ min: min * 4 - 10, max: min - 1, noNaN: true }),
            fc.double({ min, max, noNaN: true }).filter((v) => !Number.isInteger(v)),
          ),
          (v) => {
            expect(() => encodeValue(reg, v)).toThrow(ValueRangeError);
          },
        ),
        { numRuns: 300 },
      );
    }
  });

  it("the error names the register and the allowed range", () => {
    try {
      encodeValue(T.Homing_Offset, 3000, "Homing_Offset");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValueRangeError);
      if (!(e instanceof ValueRangeError)) return;
      expect(e.register).toBe("Homing_Offset");
      expect(e.value).toBe(3000);
      expect(e.min).toBe(-2047);
      expect(e.max).toBe(2047);
      expect(e.code).toBe("value_range");
    }
  });
});

describe("little-endian helpers and hex", () => {
  it("writeLE/readLE round trip at offsets", () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 4), fc.integer({ min: 0, max: 3 }), fc.nat(), (size, offset, n) => {
        const raw = n % 2 ** (size * 8);
        const buf = new Uint8Array(offset + size + 2).fill(0xaa);
        writeLE(buf, offset, size, raw);
        expect(readLE(buf, offset, size)).toBe(raw);
        expect(buf[offset + size]).toBe(0xaa);
        if (offset > 0) expect(buf[offset - 1]).toBe(0xaa);
      }),
    );
    const buf = new Uint8Array(4);
    writeLE(buf, 0, 4, 0xfffffffe);
    expect(toHex(buf)).toBe("FE FF FF FF");
    expect(readLE(buf, 0, 4)).toBe(0xfffffffe);
  });

  it("toHex formats upper-case, space-separated, two digits", () => {
    expect(toHex(Uint8Array.of(0, 1, 0xab, 0xff))).toBe("00 01 AB FF");
    expect(toHex(new Uint8Array())).toBe("");
  });

  it("fromHex accepts any whitespace and lower case", () => {
    expect(Array.from(fromHex("  ff\tFf\n0a 1 "))).toEqual([0xff, 0xff, 0x0a, 0x01]);
    expect(fromHex("").length).toBe(0);
  });

  it("fromHex(toHex(x)) is x, and toHex(fromHex(h)) is h for canonical h", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(fromHex(toHex(bytes))).toEqual(bytes);
        expect(toHex(fromHex(toHex(bytes).toLowerCase()))).toBe(toHex(bytes));
      }),
      { numRuns: 500 },
    );
  });
});
