/**
 * Property/fuzz tests of the Feetech stream decoder: over a million random and mutated
 * byte streams, each fed in random chunk splits. Deterministic (seeded PRNG): a failure
 * message carries the stream's hex and its index, so it reproduces.
 */
import { mulberry32 } from "../../core/random.ts";
import { FUZZ_SCALE, scaled } from "../testing/fuzzScale.ts";
import { beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../values.ts";
import { FEETECH_BROADCAST_ID, FEETECH_MAX_PACKET, feetechCodec, feetechPacket } from "./codec.ts";

const SEED = 0x5eed_f00d;
const RANDOM_STREAMS = scaled(500_000);
const MUTATED_STREAMS = scaled(500_000);
/** `buffered` may hold at most one maximal frame, plus a few header bytes. */
const BUFFER_BOUND = FEETECH_MAX_PACKET + 2;
const MAX_REPORTED = 5;
/** Trailing zeros long enough to complete any candidate frame. */
const PAD = new Uint8Array(FEETECH_MAX_PACKET);

/** Seeded randomness (mulberry32 from core) with helpers for building streams. */
class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  u32(): number {
    return Math.floor(this.next() * 0x1_0000_0000);
  }
  /** 0 … n−1 */
  int(n: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }
  /** A byte biased toward the values that matter to framing: FF, tiny lengths and ids. */
  byte(): number {
    const r = this.int(100);
    if (r < 30) return 0xff;
    if (r < 45) return this.int(9);
    if (r < 48) return 0xfe;
    return this.int(256);
  }
}

interface Placed {
  readonly offset: number;
  readonly length: number;
  readonly id: number;
}

/** What one pass through the decoder produced, with each event's position in the input. */
interface RunResult {
  /** Frames by start offset and byte length. */
  readonly frames: Placed[];
  readonly problem: string | undefined;
  /** Bytes still held at the end: a candidate frame the input ended before deciding. */
  readonly buffered: number;
}

interface Stats {
  streams: number;
  bytes: number;
  frames: number;
  corruptEvents: number;
  pushes: number;
}

/**
 * Feed `input` to a fresh decoder in chunks chosen by `rng` and check the invariants that
 * hold for any input: push never throws; events consume the input front to back, so each
 * frame sits at a known offset and must re-encode to exactly the bytes there; after each
 * push, dropped + framed + buffered = bytes fed; buffered stays within one maximal frame.
 */
function run(input: Uint8Array, rng: Rng, stats: Stats): RunResult {
  const decoder = feetechCodec.createDecoder();
  const frames: Placed[] = [];
  const fail = (problem: string): RunResult => ({ frames, buffered: decoder.buffered, problem });
  const mode = rng.int(4);
  let fed = 0;
  let cursor = 0;
  stats.streams++;
  stats.bytes += input.length;
  while (fed < input.length) {
    const left = input.length - fed;
    const size = mode === 0 ? left : mode === 1 ? 1 : mode === 2 ? 1 + rng.int(Math.min(left, 8)) : 1 + rng.int(Math.min(left, 64));
    const chunk = input.subarray(fed, fed + size);
    fed += size;
    stats.pushes++;
    let events;
    try {
      events = decoder.push(chunk);
    } catch (e) {
      return fail(`push threw ${String(e)}`);
    }
    for (const ev of events) {
      if (ev.kind === "corrupt") {
        stats.corruptEvents++;
        if (!Number.isInteger(ev.dropped) || ev.dropped < 1) {
          return fail(`corrupt event with dropped=${ev.dropped}`);
        }
        cursor += ev.dropped;
        continue;
      }
      stats.frames++;
      const { id, code, params } = ev.frame;
      let again: Uint8Array;
      try {
        again = feetechPacket(id, code, params);
      } catch (e) {
        return fail(`frame id=${id} code=${code} (${params.length} params) does not re-encode: ${String(e)}`);
      }
      for (let i = 0; i < again.length; i++) {
        if (input[cursor + i] !== again[i]) {
          return fail(`frame at offset ${cursor} re-encodes to ${toHex(again)}, which is not the input there`);
        }
      }
      frames.push({ offset: cursor, length: again.length, id });
      cursor += again.length;
    }
    if (cursor + decoder.buffered !== fed) {
      return fail(`byte accounting: dropped+framed=${cursor} + buffered=${decoder.buffered} ≠ fed=${fed}`);
    }
    if (decoder.buffered > BUFFER_BOUND) return fail(`buffered=${decoder.buffered} > ${BUFFER_BOUND}`);
  }
  return { frames, buffered: decoder.buffered, problem: undefined };
}

// ---------------------------------------------------------------------------------------------
// Valid packets to mutate: statuses and every instruction kind, unicast and broadcast.

function randomData(rng: Rng, max: number): Uint8Array {
  const n = rng.int(max + 1);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.chance(0.1) ? 0xff : rng.int(256);
  return out;
}

function randomPacket(rng: Rng): Uint8Array {
  const c = feetechCodec;
  const id = rng.int(0xfd); // 0 … 0xFC
  const long = rng.chance(0.03);
  switch (rng.int(9)) {
    case 0:
    case 1:
    case 2:
      return c.encodeStatus(id, rng.chance(0.8) ? 0 : rng.int(0x80), randomData(rng, long ? 240 : 8));
    case 3:
      return c.ping(rng.chance(0.1) ? FEETECH_BROADCAST_ID : id);
    case 4:
      return c.read(id, rng.int(128), 1 + rng.int(8));
    case 5: {
      const data = randomData(rng, long ? 200 : 6);
      const target = rng.chance(0.1) ? FEETECH_BROADCAST_ID : id;
      return rng.chance(0.5) ? c.write(target, rng.int(128), data) : c.regWrite(target, rng.int(128), data);
    }
    case 6:
      return c.action(rng.chance(0.5) ? FEETECH_BROADCAST_ID : id);
    case 7: {
      const ids = Array.from({ length: rng.int(long ? 200 : 7) }, () => rng.int(0xfd));
      return c.syncRead(rng.int(128), 1 + rng.int(4), ids);
    }
    default: {
      const len = 1 + rng.int(4);
      const entries = Array.from({ length: rng.int(long ? 40 : 7) }, () => ({
        id: rng.int(0xfd),
        data: Uint8Array.from({ length: len }, () => rng.int(256)),
      }));
      return c.syncWrite(rng.int(128), len, entries);
    }
  }
}

interface Segment {
  readonly bytes: Uint8Array;
  /** "intact": a valid packet as encoded; "single": one byte in ID..CHK replaced, at `pos`. */
  readonly kind: "garbage" | "intact" | "single" | "mangled";
  readonly pos: number;
  readonly id: number;
}

function substitute(bytes: Uint8Array, pos: number, value: number): Uint8Array {
  const out = bytes.slice();
  out[pos] = value;
  return out;
}

function mangle(rng: Rng, packet: Uint8Array): Uint8Array {
  let b = Array.from(packet);
  const ops = 1 + rng.int(3);
  for (let k = 0; k < ops && b.length > 0; k++) {
    const at = rng.int(b.length);
    switch (rng.int(5)) {
      case 0:
        b[at] = rng.byte();
        break;
      case 1:
        b.splice(at, 0, rng.byte());
        break;
      case 2:
        b.splice(at, 1);
        break;
      case 3:
        b = b.slice(0, at);
        break;
      default:
        b = b.concat(b.slice(at, at + 1 + rng.int(6)));
        break;
    }
  }
  return Uint8Array.from(b);
}

function garbage(rng: Rng, max: number): Uint8Array {
  const n = rng.int(max + 1);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.byte();
  return out;
}

function assemble(segments: readonly Segment[]): { input: Uint8Array; offsets: number[] } {
  let total = 0;
  for (const s of segments) total += s.bytes.length;
  const input = new Uint8Array(total);
  const offsets: number[] = [];
  let o = 0;
  for (const s of segments) {
    offsets.push(o);
    input.set(s.bytes, o);
    o += s.bytes.length;
  }
  return { input, offsets };
}

// ---------------------------------------------------------------------------------------------

interface Findings {
  stats: Stats;
  invariant: string[];
  singleByte: string[];
  recallUnicast: string[];
  recallBroadcast: string[];
  exhaustiveStreams: number;
  /** Single-byte changes of LEN that happened to frame (a different, shorter/longer frame). */
  lenCoincidences: number;
  lenTrials: number;
}

function note(list: string[], what: string): void {
  if (list.length < MAX_REPORTED) list.push(what);
}

function overlaps(frames: readonly Placed[], offset: number, length: number): boolean {
  return frames.some((f) => f.offset < offset + length && offset < f.offset + f.length);
}

/** Checks that depend on how the stream was built. */
function checkSegments(
  tag: string,
  input: Uint8Array,
  segments: readonly Segment[],
  offsets: readonly number[],
  frames: readonly Placed[],
  buffered: number,
  out: Findings,
): void {
  /** Bytes from here on were still held when the input ended: undecided, not lost. */
  const undecided = input.length - buffered;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s];
    const o = offsets[s];
    if (seg === undefined || o === undefined) continue;
    const atStart = frames.find((f) => f.offset === o);
    if (seg.kind === "single") {
      if (seg.pos === 3) {
        out.lenTrials++;
        if (atStart !== undefined) {
          out.lenCoincidences++;
          if (atStart.length === seg.bytes.length) {
            note(out.singleByte, `${tag}: LEN change framed with the original length at ${o}: ${toHex(input)}`);
          }
        }
      } else if (atStart !== undefined) {
        note(out.singleByte, `${tag}: packet with byte ${seg.pos} changed was framed at offset ${o}: ${toHex(input)}`);
      }
    } else if (seg.kind === "intact" && o + seg.bytes.length <= undecided) {
      // Resynchronisation: an untouched packet comes out, unless a (coincidental) frame overlaps it.
      const ok = (atStart !== undefined && atStart.length === seg.bytes.length) || overlaps(frames, o, seg.bytes.length);
      if (!ok) {
        note(
          seg.id === FEETECH_BROADCAST_ID ? out.recallBroadcast : out.recallUnicast,
          `${tag}: intact packet ${toHex(seg.bytes)} at offset ${o} was not framed; input ${toHex(input)}`,
        );
      }
    }
  }
}

function fuzz(): Findings {
  const rng = new Rng(SEED);
  const out: Findings = {
    stats: { streams: 0, bytes: 0, frames: 0, corruptEvents: 0, pushes: 0 },
    invariant: [],
    singleByte: [],
    recallUnicast: [],
    recallBroadcast: [],
    exhaustiveStreams: 0,
    lenCoincidences: 0,
    lenTrials: 0,
  };

  // 1. Short random streams.
  for (let n = 0; n < RANDOM_STREAMS; n++) {
    const len = rng.chance(0.01) ? 1 + rng.int(600) : 1 + rng.int(40);
    const input = new Uint8Array(len);
    for (let i = 0; i < len; i++) input[i] = rng.byte();
    const r = run(input, rng, out.stats);
    if (r.problem !== undefined) note(out.invariant, `random #${n}: ${r.problem}; input ${toHex(input)}`);
  }

  // 2. Streams of valid packets, some mutated, with garbage between.
  const pool = Array.from({ length: 4000 }, () => randomPacket(rng));
  for (let n = 0; n < MUTATED_STREAMS; n++) {
    const segments: Segment[] = [];
    const count = 1 + rng.int(4);
    const pad = rng.chance(0.1);
    for (let k = 0; k < count; k++) {
      if (rng.chance(0.25)) segments.push({ bytes: garbage(rng, 10), kind: "garbage", pos: -1, id: -1 });
      const p = pool[rng.int(pool.length)] ?? new Uint8Array();
      const id = p[2] ?? -1;
      const r = rng.int(10);
      if (r < 4) segments.push({ bytes: p, kind: "intact", pos: -1, id });
      else if (r < 7) {
        const pos = 2 + rng.int(p.length - 2);
        const value = ((p[pos] ?? 0) + 1 + rng.int(255)) & 0xff;
        segments.push({ bytes: substitute(p, pos, value), kind: "single", pos, id });
      } else segments.push({ bytes: mangle(rng, p), kind: "mangled", pos: -1, id });
    }
    // Sometimes end with zeros (no FF): every pending candidate frame gets decided.
    if (pad) segments.push({ bytes: PAD, kind: "garbage", pos: -1, id: -1 });
    const { input, offsets } = assemble(segments);
    const r = run(input, rng, out.stats);
    if (r.problem !== undefined) note(out.invariant, `mutated #${n}: ${r.problem}; input ${toHex(input)}`);
    else checkSegments(`mutated #${n}`, input, segments, offsets, r.frames, r.buffered, out);
  }

  // 3. Exhaustive single-byte changes of short packets between two intact unicast packets.
  const before = feetechCodec.encodeStatus(1, 0, Uint8Array.of(0xff, 0x07));
  const after = feetechCodec.encodeStatus(2, 0x20, Uint8Array.of(0x00, 0x08));
  const victims = [
    ...pool.filter((p) => p.length <= 12).slice(0, 30),
    feetechCodec.read(1, 56, 2),
    feetechCodec.encodeStatus(6, 0, Uint8Array.of(0xfe, 0xff)),
  ];
  for (const p of victims) {
    for (let pos = 2; pos < p.length; pos++) {
      for (let delta = 1; delta < 256; delta++) {
        const changed = substitute(p, pos, ((p[pos] ?? 0) + delta) & 0xff);
        const segments: Segment[] = [
          { bytes: before, kind: "intact", pos: -1, id: 1 },
          { bytes: changed, kind: "single", pos, id: p[2] ?? -1 },
          { bytes: after, kind: "intact", pos: -1, id: 2 },
          { bytes: PAD, kind: "garbage", pos: -1, id: -1 },
        ];
        const { input, offsets } = assemble(segments);
        out.exhaustiveStreams++;
        const r = run(input, rng, out.stats);
        if (r.problem !== undefined) note(out.invariant, `exhaustive: ${r.problem}; input ${toHex(input)}`);
        else checkSegments("exhaustive", input, segments, offsets, r.frames, r.buffered, out);
      }
    }
  }
  return out;
}

describe("feetech decoder fuzz (seeded)", () => {
  let f: Findings;
  beforeAll(() => {
    f = fuzz();
  }, 120_000);

  it(`ran ${FUZZ_SCALE === 1 ? "over a million" : "a sample of the"} streams and actually produced frames and corrupt events`, () => {
    expect(f.stats.streams).toBeGreaterThanOrEqual(RANDOM_STREAMS + MUTATED_STREAMS);
    expect(f.exhaustiveStreams).toBeGreaterThan(10_000);
    expect(f.stats.frames).toBeGreaterThan(scaled(300_000));
    expect(f.stats.corruptEvents).toBeGreaterThan(scaled(1_000_000));
  });

  it("never throws, frames re-encode to the input bytes at their offset, accounting and buffer bound hold", () => {
    expect(f.invariant).toEqual([]);
  });

  it("a packet with one byte of ID..CHK changed is never framed as that packet", () => {
    expect(f.singleByte).toEqual([]);
    // A changed LEN reframes a different span; its checksum then matches only by chance (≈1/256).
    expect(f.lenTrials).toBeGreaterThan(scaled(1000));
    expect(f.lenCoincidences / f.lenTrials).toBeLessThan(0.02);
  });

  it("resynchronises: every intact unicast packet in a stream is framed (unless a frame overlaps it)", () => {
    expect(f.recallUnicast).toEqual([]);
  });

  it("resynchronises: every intact broadcast (ID 0xFE) instruction packet is framed (unless a frame overlaps it)", () => {
    expect(f.recallBroadcast).toEqual([]);
  });
});
