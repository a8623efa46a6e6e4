import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mulberry32 } from "./random.ts";
import {
  TIMECODE_COLS,
  TIMECODE_GUARD,
  TIMECODE_MAX_MS,
  TIMECODE_ROWS,
  crc16,
  decodeTimecode,
  drawTimecodeLuma,
  timecodeBits,
  timecodeLayout,
} from "./timecode.ts";

/** A frame with random content, the timecode drawn at the given black/white levels. */
function frame(width: number, height: number, timeMs: number, n: number, seed: number, black = 0, white = 255, stride = width): Uint8Array {
  const rand = mulberry32(seed);
  const luma = new Uint8Array(stride * height);
  for (let i = 0; i < luma.length; i++) luma[i] = Math.floor(rand() * 256);
  const tmp = new Uint8Array(stride * height);
  drawTimecodeLuma(tmp, width, height, timeMs, n, stride);
  const layout = timecodeLayout(width, height);
  for (let y = layout.y; y < layout.y + layout.height; y++) {
    for (let x = layout.x; x < layout.x + layout.width; x++) luma[y * stride + x] = tmp[y * stride + x] ? white : black;
  }
  return luma;
}

function boxBlur(luma: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(luma.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
          s += luma[yy * width + xx] ?? 0;
          n++;
        }
      }
      out[y * width + x] = Math.round(s / n);
    }
  }
  return out;
}

function addNoise(luma: Uint8Array, amplitude: number, shift: number, seed: number): void {
  const rand = mulberry32(seed);
  for (let i = 0; i < luma.length; i++)
    luma[i] = Math.max(0, Math.min(255, Math.round((luma[i] ?? 0) + shift + (rand() * 2 - 1) * amplitude)));
}

/** Paints one cell (row-major index) a uniform level. */
function paintCell(luma: Uint8Array, width: number, height: number, index: number, level: number): void {
  const l = timecodeLayout(width, height);
  const c = index % l.cols;
  const r = Math.floor(index / l.cols);
  for (let y = l.y + r * l.cell; y < l.y + (r + 1) * l.cell; y++)
    luma.fill(level, y * width + l.x + c * l.cell, y * width + l.x + (c + 1) * l.cell);
}

const timeArb = fc.integer({ min: 0, max: TIMECODE_MAX_MS - 1 });
const frameArb = fc.integer({ min: 0, max: 65535 });
const sizeArb = fc.record({ width: fc.integer({ min: 160, max: 800 }), height: fc.integer({ min: 120, max: 600 }) });

describe("timecode layout and bits", () => {
  it("uses 8 px cells at 640×480 and fits every frame from 160×120", () => {
    expect(timecodeLayout(640, 480)).toEqual({ cell: 8, x: 8, y: 8, cols: 16, rows: 6, width: 128, height: 48 });
    expect(timecodeLayout(1280, 720).cell).toBe(12);
    const small = timecodeLayout(160, 120);
    expect(small.cell).toBe(4);
    expect(small.x + small.width).toBeLessThanOrEqual(160);
    expect(small.y + small.height).toBeLessThanOrEqual(120);
    expect(() => timecodeLayout(159, 120)).toThrow(RangeError);
  });

  it("starts with the guard row and encodes the version, time, frame and CRC", () => {
    const bits = timecodeBits(0x12_3456_789a, 0xbeef);
    expect(bits.length).toBe(TIMECODE_COLS * TIMECODE_ROWS);
    expect([...bits.subarray(0, 16)]).toEqual(TIMECODE_GUARD);
    const bytes: number[] = [];
    for (let i = 0; i < 10; i++) {
      let b = 0;
      for (let k = 0; k < 8; k++) b = (b << 1) | (bits[16 + i * 8 + k] ?? 0);
      bytes.push(b);
    }
    expect(bytes.slice(0, 8)).toEqual([0x10, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbe, 0xef]);
    expect((bytes[8]! << 8) | bytes[9]!).toBe(crc16(bytes.slice(0, 8)));
  });

  it("computes CRC-16/CCITT-FALSE (check value of '123456789' is 0x29B1)", () => {
    expect(crc16([..."123456789"].map((c) => c.charCodeAt(0)))).toBe(0x29b1);
  });

  it("rejects times outside 0…2^40 ms and wraps the frame counter", () => {
    expect(() => timecodeBits(-1, 0)).toThrow(RangeError);
    expect(() => timecodeBits(TIMECODE_MAX_MS, 0)).toThrow(RangeError);
    expect(() => timecodeBits(NaN, 0)).toThrow(RangeError);
    expect(timecodeBits(5, 65536 + 7)).toEqual(timecodeBits(5, 7));
  });
});

describe("decodeTimecode", () => {
  it("round-trips a clean frame, with a stride", () => {
    const luma = frame(640, 480, 123456.4, 42, 1);
    expect(decodeTimecode(luma, 640, 480)).toEqual({ timeMs: 123456, frame: 42 });
    const padded = frame(640, 480, 987654321, 65535, 2, 0, 255, 704);
    expect(decodeTimecode(padded, 640, 480, 704)).toEqual({ timeMs: 987654321, frame: 65535 });
  });

  it("property: survives noise, blur, limited range and brightness shifts at any size ≥ 160×120", () => {
    fc.assert(
      fc.property(
        timeArb,
        frameArb,
        sizeArb,
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 200, max: 255 }),
        fc.integer({ min: -20, max: 20 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer(),
        (t, n, { width, height }, black, white, shift, noise, seed) => {
          const luma = boxBlur(frame(width, height, t, n, seed, black, white), width, height);
          addNoise(luma, noise, shift, seed ^ 0x5a5a);
          expect(decodeTimecode(luma, width, height)).toEqual({ timeMs: t, frame: n });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("property: up to 3 flipped cells give null or the right value, never a wrong one", () => {
    fc.assert(
      fc.property(
        timeArb,
        frameArb,
        fc.uniqueArray(fc.integer({ min: 0, max: TIMECODE_COLS * TIMECODE_ROWS - 1 }), { minLength: 1, maxLength: 3 }),
        (t, n, cells) => {
          const luma = frame(320, 240, t, n, t ^ n);
          const bits = timecodeBits(t, n);
          for (const i of cells) paintCell(luma, 320, 240, i, bits[i] ? 0 : 255);
          const got = decodeTimecode(luma, 320, 240);
          // every flipped cell changes a guard or payload bit, so the frame must be rejected
          expect(got).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });

  it("property: arbitrary damage to many cells never yields a wrong value", () => {
    fc.assert(
      fc.property(
        timeArb,
        frameArb,
        fc.array(
          fc.record({ cell: fc.integer({ min: 0, max: TIMECODE_COLS * TIMECODE_ROWS - 1 }), level: fc.integer({ min: 0, max: 255 }) }),
          { maxLength: 12 },
        ),
        (t, n, damage) => {
          const luma = frame(320, 240, t, n, n);
          for (const d of damage) paintCell(luma, 320, 240, d.cell, d.level);
          const got = decodeTimecode(luma, 320, 240);
          if (got !== null) expect(got).toEqual({ timeMs: t, frame: n });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("returns null on frames without a timecode (noise, flat grey, black, too small)", () => {
    const rand = mulberry32(7);
    for (let k = 0; k < 50; k++) {
      const noise = new Uint8Array(320 * 240).map(() => Math.floor(rand() * 256));
      expect(decodeTimecode(noise, 320, 240)).toBeNull();
    }
    expect(decodeTimecode(new Uint8Array(320 * 240).fill(128), 320, 240)).toBeNull();
    expect(decodeTimecode(new Uint8Array(320 * 240), 320, 240)).toBeNull();
    expect(decodeTimecode(new Uint8Array(100 * 100), 100, 100)).toBeNull();
    expect(decodeTimecode(new Uint8Array(10), 320, 240)).toBeNull();
  });

  it("returns null when a cell is mid-grey (unreadable) rather than guessing", () => {
    const luma = frame(640, 480, 5000, 3, 3);
    paintCell(luma, 640, 480, 40, 128);
    expect(decodeTimecode(luma, 640, 480)).toBeNull();
  });
});
