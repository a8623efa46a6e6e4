import { mulberry32 } from "../../core/random.ts";
import { scaled } from "../testing/fuzzScale.ts";
import { describe, expect, it } from "vitest";
import type { Frame, FrameDecoder } from "../types.ts";
import { DYNAMIXEL_MAX_PACKET, addStuffing, dynamixelCodec, dynamixelPacket, removeStuffing } from "./codec.ts";
import { dynamixelCrc } from "./crc.ts";

/**
 * Seeded fuzzing of the streaming decoder: over a million random and mutated byte streams,
 * fed in random chunk splits. Seeds are fixed so any failure reproduces.
 */

const prng = mulberry32;

type Rng = () => number;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);

/** Bytes biased towards the ones that matter to the framing (FF, FD, 00). */
function biasedByte(rng: Rng): number {
  const r = rng();
  if (r < 0.2) return 0xff;
  if (r < 0.35) return 0xfd;
  if (r < 0.45) return 0x00;
  return int(rng, 256);
}

function frameKey(f: Frame): string {
  return `${f.id}:${f.code}:${Array.from(f.params).join(",")}`;
}

/** A valid packet: mostly status packets, some instructions; data rich in FF FF FD. */
function randomPacket(rng: Rng): { bytes: Uint8Array; key: string } {
  const n = int(rng, 13);
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = biasedByte(rng);
  const id = int(rng, 253);
  if (rng() < 0.75) {
    const error = rng() < 0.8 ? 0 : int(rng, 256);
    return {
      bytes: dynamixelCodec.encodeStatus(id, error, data),
      key: `${id}:${0x55}:${[error, ...data].join(",")}`,
    };
  }
  const code = int(rng, 256);
  return { bytes: dynamixelPacket(id, code, data), key: `${id}:${code}:${Array.from(data).join(",")}` };
}

let framesChecked = 0;
const checker = dynamixelCodec.createDecoder();

/** Feed `stream` in random chunks; check the invariants every push must keep. */
function feed(dec: FrameDecoder, stream: Uint8Array, rng: Rng): Frame[] {
  const out: Frame[] = [];
  let pos = 0;
  const byteWise = rng() < 0.05;
  while (pos < stream.length || pos === 0) {
    const size = byteWise ? 1 : 1 + int(rng, Math.max(1, stream.length));
    const events = dec.push(stream.subarray(pos, pos + size));
    pos += size;
    if (dec.buffered > DYNAMIXEL_MAX_PACKET) throw new Error(`buffered ${dec.buffered} exceeds a maximal frame`);
    for (const e of events) {
      if (e.kind === "corrupt") {
        if (!(e.dropped > 0)) throw new Error(`corrupt event dropping ${e.dropped} bytes`);
        continue;
      }
      const f = e.frame;
      out.push(f);
      // Re-encoding the frame gives a packet whose CRC verifies and which decodes to the same frame.
      const again = dynamixelPacket(f.id, f.code, f.params);
      const crc = (again[again.length - 2] ?? 0) | ((again[again.length - 1] ?? 0) << 8);
      if (dynamixelCrc(again, 0, again.length - 2) !== crc) throw new Error("re-encoded frame does not verify");
      checker.reset();
      const back = checker.push(again);
      const f2 = back[0];
      if (back.length !== 1 || f2?.kind !== "frame" || frameKey(f2.frame) !== frameKey(f)) {
        throw new Error(`re-encoded frame ${frameKey(f)} does not decode back`);
      }
      framesChecked++;
    }
    if (stream.length === 0) break;
  }
  return out;
}

describe("dynamixel decoder fuzz", () => {
  it(`survives ${scaled(500_000).toLocaleString("en")} short random streams`, () => {
    const rng = prng(0x5eed_0001);
    const dec = dynamixelCodec.createDecoder();
    const header = [0xff, 0xff, 0xfd, 0x00];
    let frames = 0;
    for (let run = 0; run < scaled(500_000); run++) {
      dec.reset();
      const parts: number[] = [];
      const tokens = int(rng, 12);
      for (let t = 0; t < tokens; t++) {
        const r = rng();
        if (r < 0.55) parts.push(biasedByte(rng));
        else if (r < 0.7) parts.push(...header);
        else if (r < 0.8) parts.push(int(rng, 256), int(rng, 24), rng() < 0.9 ? 0 : int(rng, 256));
        else {
          const p = randomPacket(rng).bytes;
          // a whole packet, or a random slice of one
          const a = rng() < 0.5 ? 0 : int(rng, p.length);
          const b = rng() < 0.5 ? p.length : a + int(rng, p.length - a + 1);
          parts.push(...p.subarray(a, b));
        }
      }
      frames += feed(dec, Uint8Array.from(parts), rng).length;
    }
    // Sanity: the generator does produce frames, so the re-encoding checks ran.
    expect(frames).toBeGreaterThan(scaled(50_000));
  }, 60_000);

  it(`never accepts a valid packet with one corrupted byte in id..CRC (${scaled(500_000).toLocaleString("en")} mutated streams)`, () => {
    const rng = prng(0x5eed_0002);
    const dec = dynamixelCodec.createDecoder();
    let singleByte = 0;
    let lenTrials = 0;
    let lenFalseAccepts = 0;
    let byteLaterLost = 0;
    for (let run = 0; run < scaled(500_000); run++) {
      dec.reset();
      const count = 1 + int(rng, 3);
      const packets = Array.from({ length: count }, () => randomPacket(rng));
      const k = int(rng, count);
      const target = packets[k];
      if (!target) throw new Error("no target");
      const bytes = Uint8Array.from(target.bytes);
      const kind = rng();
      let mode: "byte" | "len" | "other";
      if (kind < 0.7) {
        // One byte of id, INSTR, params or CRC (not LEN): the CRC-16 catches it, always.
        mode = "byte";
        let at = 4 + int(rng, bytes.length - 6);
        if (at >= 5) at += 2;
        bytes[at] = (bytes[at] ?? 0) ^ (1 + int(rng, 255));
        singleByte++;
      } else if (kind < 0.8) {
        // One byte of LEN: the frame boundary moves, so the CRC is checked against other bytes.
        mode = "len";
        const at = 5 + int(rng, 2);
        bytes[at] = (bytes[at] ?? 0) ^ (1 + int(rng, 255));
        lenTrials++;
      } else {
        // Insertions, deletions, truncations, duplications: only the general invariants apply.
        mode = "other";
        const at = int(rng, bytes.length);
        const op = int(rng, 3);
        const arr = Array.from(bytes);
        if (op === 0) arr.splice(at, 0, biasedByte(rng));
        else if (op === 1) arr.splice(at, 1);
        else arr.length = at;
        packets[k] = { bytes: Uint8Array.from(arr), key: "" };
      }
      const stream: number[] = [];
      for (let i = 0; i < count; i++) {
        if (rng() < 0.2) for (let g = int(rng, 4); g > 0; g--) stream.push(biasedByte(rng));
        stream.push(...(i === k && mode !== "other" ? bytes : (packets[i]?.bytes ?? [])));
      }
      const got = feed(dec, Uint8Array.from(stream), rng).map(frameKey);
      if (mode === "other") continue;

      // Packets before the corrupted one all arrive, in order.
      for (let i = 0; i < k; i++) {
        if (got[i] !== packets[i]?.key) throw new Error(`packet ${i} before the corruption was not decoded`);
      }
      const after = packets.slice(k + 1).map((p) => p.key);
      const rest = got.slice(k);
      // Whatever comes after is an in-order subsequence of the untouched packets that follow.
      let j = 0;
      let falseAccepts = 0;
      for (const key of rest) {
        while (j < after.length && after[j] !== key) j++;
        if (j === after.length) falseAccepts++;
        else j++;
      }
      if (mode === "byte") {
        if (falseAccepts > 0) throw new Error(`corrupted packet accepted: ${Array.from(stream).join(" ")}`);
      } else {
        lenFalseAccepts += falseAccepts;
      }
      if (mode === "byte" && rest.length - falseAccepts < after.length) byteLaterLost++;
    }

    expect(singleByte).toBeGreaterThan(scaled(300_000));
    // A corrupted LEN moves the frame end; a match is then a 1 in 65,536 coincidence, never a pattern.
    expect(lenFalseAccepts).toBeLessThanOrEqual(Math.ceil((lenTrials / 65_536) * 4) + 2);
    // After a corrupted byte the decoder resynchronises on the next packet. (It may not after a
    // corrupted LEN that grew: it then waits for the longer frame, which swallows what follows.)
    // A loss would need a false header inside the corrupted packet that starts a long frame.
    expect(byteLaterLost).toBeLessThan(singleByte / 1000);
  }, 60_000);

  it("keeps `buffered` bounded on a long random stream with valid packets mixed in", () => {
    const rng = prng(0x5eed_0003);
    const dec = dynamixelCodec.createDecoder();
    const stream: number[] = [];
    let valid = 0;
    while (stream.length < scaled(1_000_000)) {
      if (rng() < 0.3) {
        stream.push(...randomPacket(rng).bytes);
        valid++;
      } else {
        for (let g = int(rng, 64); g > 0; g--) stream.push(biasedByte(rng));
      }
    }
    const got = feed(dec, Uint8Array.from(stream), rng);
    // Most valid packets survive the surrounding garbage (a false header can swallow a few).
    expect(got.length).toBeGreaterThan(valid * 0.8);
  }, 60_000);

  it("byte stuffing round-trips on random data", () => {
    const rng = prng(0x5eed_0004);
    for (let run = 0; run < scaled(100_000); run++) {
      const data = new Uint8Array(int(rng, 16));
      for (let i = 0; i < data.length; i++) data[i] = rng() < 0.9 ? ([0xff, 0xfd, 0x00][int(rng, 3)] ?? 0) : int(rng, 256);
      const stuffed = addStuffing(data);
      for (let i = 3; i < stuffed.length; i++) {
        // No header can hide in a stuffed body.
        if (stuffed[i - 3] === 0xff && stuffed[i - 2] === 0xff && stuffed[i - 1] === 0xfd && stuffed[i] === 0x00) {
          throw new Error("header in stuffed body");
        }
      }
      const back = removeStuffing(stuffed);
      if (back.length !== data.length || back.some((b, i) => b !== data[i])) throw new Error("stuffing round-trip");
    }
  }, 60_000);

  it("ran the re-encoding check on many frames", () => {
    expect(framesChecked).toBeGreaterThan(scaled(100_000));
  });
});
