import { describe, expect, it } from "vitest";
import { PacketArgumentError, UnsupportedInstructionError } from "../errors.ts";
import type { DecodeEvent, Frame, Instruction, SyncWriteEntry } from "../types.ts";
import { encodeValue, fromHex, toHex } from "../values.ts";
import {
  FEETECH_BROADCAST_ID,
  FEETECH_INSTRUCTION,
  FEETECH_MAX_PACKET,
  classifyFeetechError,
  feetechChecksum,
  feetechPacket,
  feetechCodec,
} from "./codec.ts";
import { STS_CONTROL_TABLE as T } from "./controlTable.ts";

const codec = feetechCodec;
const IDS_1_TO_6 = [1, 2, 3, 4, 5, 6] as const;

/** Split an encoded packet into a Frame without going through the decoder. */
function frameOf(packet: Uint8Array): Frame {
  return { id: packet[2] ?? -1, code: packet[4] ?? -1, params: packet.slice(5, packet.length - 1) };
}

function frames(events: readonly DecodeEvent[]): Frame[] {
  const out: Frame[] = [];
  for (const e of events) if (e.kind === "frame") out.push(e.frame);
  return out;
}

function corrupt(events: readonly DecodeEvent[]): { reason: string; dropped: number }[] {
  const out: { reason: string; dropped: number }[] = [];
  for (const e of events) if (e.kind === "corrupt") out.push({ reason: e.reason, dropped: e.dropped });
  return out;
}

/** Frames as comparable plain values (hex params). */
function show(fs: readonly Frame[]): { id: number; code: number; params: string }[] {
  return fs.map((f) => ({ id: f.id, code: f.code, params: toHex(f.params) }));
}

function decodeAll(bytes: Uint8Array): DecodeEvent[] {
  return codec.createDecoder().push(bytes);
}

const goalEntries = (value: number): SyncWriteEntry[] => IDS_1_TO_6.map((id) => ({ id, data: encodeValue(T.Goal_Position, value) }));

interface Golden {
  readonly name: string;
  readonly build: () => Uint8Array;
  readonly hex: string;
}

/** The worked examples of the reference (§3.1), built through the codec and the register table. */
const GOLDEN: readonly Golden[] = [
  { name: "PING id1", build: () => codec.ping(1), hex: "FF FF 01 02 01 FB" },
  {
    name: "READ Present_Position id1",
    build: () => codec.read(1, T.Present_Position.address, T.Present_Position.size),
    hex: "FF FF 01 04 02 38 02 BE",
  },
  {
    name: "status Present_Position=2047 id1",
    build: () => codec.encodeStatus(1, 0, codec.encodeValue(T.Present_Position, 2047)),
    hex: "FF FF 01 04 00 FF 07 F4",
  },
  {
    name: "READ Model_Number id1",
    build: () => codec.read(1, T.Model_Number.address, T.Model_Number.size),
    hex: "FF FF 01 04 02 03 02 F3",
  },
  {
    name: "WRITE Torque_Enable=1 id1",
    build: () => codec.write(1, T.Torque_Enable.address, codec.encodeValue(T.Torque_Enable, 1)),
    hex: "FF FF 01 04 03 28 01 CE",
  },
  {
    name: "WRITE Lock=0 id1",
    build: () => codec.write(1, T.Lock.address, codec.encodeValue(T.Lock, 0)),
    hex: "FF FF 01 04 03 37 00 C0",
  },
  {
    name: "WRITE Goal_Position=2048 id1",
    build: () => codec.write(1, T.Goal_Position.address, codec.encodeValue(T.Goal_Position, 2048)),
    hex: "FF FF 01 05 03 2A 00 08 C4",
  },
  {
    name: "WRITE Homing_Offset=-100 id1",
    build: () => codec.write(1, T.Homing_Offset.address, codec.encodeValue(T.Homing_Offset, -100)),
    hex: "FF FF 01 05 03 1F 64 08 6B",
  },
  {
    name: "SYNC_READ Present_Position ids 1..6",
    build: () => codec.syncRead(T.Present_Position.address, T.Present_Position.size, IDS_1_TO_6),
    hex: "FF FF FE 0A 82 38 02 01 02 03 04 05 06 26",
  },
  {
    name: "SYNC_WRITE Goal_Position=2048 ids 1..6",
    build: () => codec.syncWrite(T.Goal_Position.address, T.Goal_Position.size, goalEntries(2048)),
    hex: "FF FF FE 16 83 2A 02 01 00 08 02 00 08 03 00 08 04 00 08 05 00 08 06 00 08 F7",
  },
];

describe("feetech codec: golden packets", () => {
  it.each(GOLDEN)("encodes $name", ({ build, hex }) => {
    expect(toHex(build())).toBe(hex);
  });

  it.each(GOLDEN)("checksum of $name matches the formula", ({ hex }) => {
    const bytes = fromHex(hex);
    expect(feetechChecksum(bytes)).toBe(bytes[bytes.length - 1]);
  });

  it.each(GOLDEN)("decodes $name back to one frame with no corrupt events", ({ hex }) => {
    const bytes = fromHex(hex);
    const decoder = codec.createDecoder();
    const events = decoder.push(bytes);
    expect(corrupt(events)).toEqual([]);
    expect(show(frames(events))).toEqual(show([frameOf(bytes)]));
    expect(decoder.buffered).toBe(0);
  });

  it("golden instructions parse back to what was encoded", () => {
    const pp = T.Present_Position;
    const gp = T.Goal_Position;
    const expected: Record<string, Instruction> = {
      "PING id1": { kind: "ping", id: 1 },
      "READ Present_Position id1": { kind: "read", id: 1, address: pp.address, length: pp.size },
      "READ Model_Number id1": { kind: "read", id: 1, address: T.Model_Number.address, length: 2 },
      "WRITE Torque_Enable=1 id1": { kind: "write", id: 1, address: 40, data: Uint8Array.of(1) },
      "WRITE Lock=0 id1": { kind: "write", id: 1, address: 55, data: Uint8Array.of(0) },
      "WRITE Goal_Position=2048 id1": { kind: "write", id: 1, address: 42, data: Uint8Array.of(0x00, 0x08) },
      "WRITE Homing_Offset=-100 id1": { kind: "write", id: 1, address: 31, data: Uint8Array.of(0x64, 0x08) },
      "SYNC_READ Present_Position ids 1..6": {
        kind: "sync_read",
        id: FEETECH_BROADCAST_ID,
        address: pp.address,
        length: pp.size,
        ids: [...IDS_1_TO_6],
      },
      "SYNC_WRITE Goal_Position=2048 ids 1..6": {
        kind: "sync_write",
        id: FEETECH_BROADCAST_ID,
        address: gp.address,
        length: gp.size,
        entries: goalEntries(2048),
      },
    };
    for (const g of GOLDEN) {
      const want = expected[g.name];
      if (want === undefined) continue; // the status example
      expect(codec.parseInstruction(frameOf(fromHex(g.hex))), g.name).toEqual(want);
    }
  });

  it("golden status parses to Present_Position 2047 with no flags", () => {
    const [frame] = frames(decodeAll(fromHex("FF FF 01 04 00 FF 07 F4")));
    expect(frame).toBeDefined();
    if (frame === undefined) return;
    const status = codec.parseStatus(frame);
    expect(status).toBeDefined();
    if (status === undefined) return;
    expect(status.id).toBe(1);
    expect(status.error).toBe(0);
    expect(status.flags).toEqual({ conditions: [], rejections: [] });
    expect(toHex(status.data)).toBe("FF 07");
    expect(codec.decodeValue(T.Present_Position, status.data)).toBe(2047);
  });

  it("Homing_Offset -100 is 0x0864 on the wire (sign bit 11)", () => {
    const bytes = codec.encodeValue(T.Homing_Offset, -100);
    expect(toHex(bytes)).toBe("64 08");
    expect(codec.decodeValue(T.Homing_Offset, bytes)).toBe(-100);
  });
});

describe("feetech decoder: streaming", () => {
  const STATUS_2047 = fromHex("FF FF 01 04 00 FF 07 F4");
  const PING_1 = fromHex("FF FF 01 02 01 FB");

  function concat(...parts: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /** One status reply per servo of a SYNC_READ Present_Position 1..6. */
  const syncReplies = IDS_1_TO_6.map((id) => codec.encodeStatus(id, 0, codec.encodeValue(T.Present_Position, 1000 + id * 17)));
  const STREAM = concat(PING_1, STATUS_2047, ...syncReplies, codec.write(3, 42, Uint8Array.of(0xff, 0x0f)));
  const STREAM_FRAMES = show([PING_1, STATUS_2047, ...syncReplies, codec.write(3, 42, Uint8Array.of(0xff, 0x0f))].map(frameOf));

  it("drops a garbage prefix, reports it, and still yields the frame", () => {
    const decoder = codec.createDecoder();
    const events = decoder.push(concat(fromHex("00 12 34 56 FE"), STATUS_2047));
    expect(corrupt(events)).toEqual([{ reason: "garbage", dropped: 5 }]);
    expect(show(frames(events))).toEqual(show([frameOf(STATUS_2047)]));
    expect(decoder.buffered).toBe(0);
  });

  it("a garbage prefix ending in FF still lets the header through", () => {
    const events = decodeAll(concat(fromHex("10 20 FF"), STATUS_2047));
    expect(corrupt(events)).toEqual([{ reason: "garbage", dropped: 3 }]);
    expect(show(frames(events))).toEqual(show([frameOf(STATUS_2047)]));
  });

  it("an extra FF before the header (FF FF FF 01 …) still decodes", () => {
    const events = decodeAll(fromHex("FF FF FF 01 04 00 FF 07 F4"));
    expect(show(frames(events))).toEqual(show([frameOf(STATUS_2047)]));
    expect(corrupt(events)).toEqual([{ reason: "garbage", dropped: 1 }]);
  });

  it("yields the same frames for every single split point", () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const decoder = codec.createDecoder();
      const events = [...decoder.push(STREAM.subarray(0, cut)), ...decoder.push(STREAM.subarray(cut))];
      expect(show(frames(events)), `cut at ${cut}`).toEqual(STREAM_FRAMES);
      expect(corrupt(events), `cut at ${cut}`).toEqual([]);
      expect(decoder.buffered).toBe(0);
    }
  });

  it("yields the same frames for every pair of split points", () => {
    const stream = concat(PING_1, STATUS_2047, syncReplies[0] ?? new Uint8Array());
    const want = show([PING_1, STATUS_2047, syncReplies[0] ?? new Uint8Array()].map(frameOf));
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const decoder = codec.createDecoder();
        const events = [
          ...decoder.push(stream.subarray(0, a)),
          ...decoder.push(stream.subarray(a, b)),
          ...decoder.push(stream.subarray(b)),
        ];
        expect(show(frames(events)), `cuts at ${a}, ${b}`).toEqual(want);
      }
    }
  });

  it("byte-at-a-time feeding yields the same frames, with a garbage prefix too", () => {
    const input = concat(fromHex("FF 00 FF FF FF"), STREAM);
    const decoder = codec.createDecoder();
    const events: DecodeEvent[] = [];
    for (let i = 0; i < input.length; i++) events.push(...decoder.push(input.subarray(i, i + 1)));
    expect(show(frames(events))).toEqual(STREAM_FRAMES);
    expect(corrupt(events).reduce((n, c) => n + c.dropped, 0)).toBe(5);
    expect(decoder.buffered).toBe(0);
  });

  it("decodes six back-to-back sync-read replies from one chunk", () => {
    const decoder = codec.createDecoder();
    const events = decoder.push(concat(...syncReplies));
    expect(corrupt(events)).toEqual([]);
    const got = frames(events).map((f) => {
      const s = codec.parseStatus(f);
      return s === undefined ? undefined : { id: s.id, pos: codec.decodeValue(T.Present_Position, s.data) };
    });
    expect(got).toEqual(IDS_1_TO_6.map((id) => ({ id, pos: 1000 + id * 17 })));
    expect(decoder.buffered).toBe(0);
  });

  it("a bad checksum gives a checksum event and no frame, then recovers", () => {
    const bad = STATUS_2047.slice();
    bad[bad.length - 1] = 0xf5;
    const decoder = codec.createDecoder();
    const first = decoder.push(bad);
    expect(frames(first)).toEqual([]);
    expect(corrupt(first)[0]).toEqual({ reason: "checksum", dropped: 2 });
    const rest = decoder.push(PING_1);
    const all = [...first, ...rest];
    expect(show(frames(all))).toEqual(show([frameOf(PING_1)]));
    expect(corrupt(all).reduce((n, c) => n + c.dropped, 0)).toBe(bad.length);
    expect(decoder.buffered).toBe(0);
  });

  it("a bad checksum in the same chunk as a good packet: only the good one comes out", () => {
    const bad = codec.encodeStatus(2, 0, Uint8Array.of(1, 2));
    bad[5] = 9; // data byte changed, checksum unchanged
    const events = decodeAll(concat(bad, STATUS_2047));
    expect(show(frames(events))).toEqual(show([frameOf(STATUS_2047)]));
    expect(corrupt(events).some((c) => c.reason === "checksum")).toBe(true);
  });

  it("an impossible length is reported as a length event and skipped", () => {
    const events = decodeAll(concat(fromHex("FF FF 01 01 00"), fromHex("FF FF 01 FF 00"), PING_1));
    expect(corrupt(events).filter((c) => c.reason === "length").length).toBe(2);
    expect(show(frames(events))).toEqual(show([frameOf(PING_1)]));
  });

  it("holds a partial packet and reports how much is buffered", () => {
    const decoder = codec.createDecoder();
    expect(decoder.push(STATUS_2047.subarray(0, 5))).toEqual([]);
    expect(decoder.buffered).toBe(5);
    decoder.reset();
    expect(decoder.buffered).toBe(0);
    expect(show(frames(decoder.push(PING_1)))).toEqual(show([frameOf(PING_1)]));
  });

  it("decodes a maximal 250-byte packet", () => {
    const data = new Uint8Array(FEETECH_MAX_PACKET - 7).map((_, i) => i % 200);
    const packet = codec.write(1, 0, data);
    expect(packet.length).toBe(FEETECH_MAX_PACKET);
    const events = decodeAll(packet);
    expect(show(frames(events))).toEqual(show([frameOf(packet)]));
  });

  it("frames broadcast (ID 0xFE) instruction packets, as the simulated servo must", () => {
    for (const packet of [
      codec.ping(FEETECH_BROADCAST_ID),
      codec.action(FEETECH_BROADCAST_ID),
      codec.write(FEETECH_BROADCAST_ID, T.Torque_Enable.address, Uint8Array.of(0)),
      codec.syncRead(T.Present_Position.address, 2, IDS_1_TO_6),
    ]) {
      const events = decodeAll(packet);
      expect(show(frames(events)), toHex(packet)).toEqual(show([frameOf(packet)]));
    }
  });
});

describe("feetech status error byte", () => {
  it.each([
    [0x01, "voltage"],
    [0x02, "angle_sensor"],
    [0x04, "overheat"],
    [0x08, "overcurrent"],
    [0x20, "overload"],
  ] as const)("error bit %i is the condition %s", (bit, name) => {
    expect(classifyFeetechError(bit)).toEqual({ conditions: [name], rejections: [] });
  });

  it.each([
    [0x10, "checksum"],
    [0x40, "instruction"],
  ] as const)("error bit %i is the rejection %s", (bit, name) => {
    expect(classifyFeetechError(bit)).toEqual({ conditions: [], rejections: [name] });
  });

  it("0 has no flags, combinations split both ways", () => {
    expect(classifyFeetechError(0)).toEqual({ conditions: [], rejections: [] });
    expect(classifyFeetechError(0x21)).toEqual({ conditions: ["voltage", "overload"], rejections: [] });
    expect(classifyFeetechError(0x7f)).toEqual({
      conditions: ["voltage", "angle_sensor", "overheat", "overcurrent", "overload"],
      rejections: ["checksum", "instruction"],
    });
    expect(codec.classifyError(0x14)).toEqual({ conditions: ["overheat"], rejections: ["checksum"] });
  });

  it("parseStatus carries the error byte and its flags", () => {
    const status = codec.parseStatus(frameOf(codec.encodeStatus(7, 0x24, Uint8Array.of(0x10, 0x00))));
    expect(status).toEqual({
      id: 7,
      error: 0x24,
      flags: { conditions: ["overheat", "overload"], rejections: [] },
      data: Uint8Array.of(0x10, 0x00),
    });
    expect(codec.parseStatus(frameOf(codec.encodeStatus(3, 0, new Uint8Array())))).toEqual({
      id: 3,
      error: 0,
      flags: { conditions: [], rejections: [] },
      data: new Uint8Array(),
    });
  });

  it("parseStatus rejects frames that cannot be status packets", () => {
    expect(codec.parseStatus(frameOf(codec.syncRead(56, 2, [1, 2])))).toBeUndefined(); // code 0x82, id 0xFE
    expect(codec.parseStatus({ id: 0xfd, code: 0, params: new Uint8Array() })).toBeUndefined();
  });

  it("statusPacketSize is data + 6", () => {
    expect(codec.statusPacketSize(2)).toBe(codec.encodeStatus(1, 0, Uint8Array.of(1, 2)).length);
    expect(codec.statusPacketSize(0)).toBe(6);
  });
});

describe("feetech instructions: encode → parse round trip", () => {
  const cases: readonly (readonly [string, Uint8Array, Instruction])[] = [
    ["ping", codec.ping(9), { kind: "ping", id: 9 }],
    ["broadcast ping", codec.ping(0xfe), { kind: "ping", id: 0xfe }],
    ["read", codec.read(3, 56, 8), { kind: "read", id: 3, address: 56, length: 8 }],
    ["write", codec.write(4, 42, Uint8Array.of(1, 2)), { kind: "write", id: 4, address: 42, data: Uint8Array.of(1, 2) }],
    [
      "reg_write",
      codec.regWrite(5, 42, Uint8Array.of(0x34, 0x12)),
      { kind: "reg_write", id: 5, address: 42, data: Uint8Array.of(0x34, 0x12) },
    ],
    ["action", codec.action(0xfe), { kind: "action", id: 0xfe }],
    ["sync_read", codec.syncRead(56, 2, [1, 2, 3]), { kind: "sync_read", id: 0xfe, address: 56, length: 2, ids: [1, 2, 3] }],
    ["sync_read with no ids", codec.syncRead(56, 2, []), { kind: "sync_read", id: 0xfe, address: 56, length: 2, ids: [] }],
    [
      "sync_write",
      codec.syncWrite(40, 1, [
        { id: 1, data: Uint8Array.of(1) },
        { id: 6, data: Uint8Array.of(0) },
      ]),
      {
        kind: "sync_write",
        id: 0xfe,
        address: 40,
        length: 1,
        entries: [
          { id: 1, data: Uint8Array.of(1) },
          { id: 6, data: Uint8Array.of(0) },
        ],
      },
    ],
  ];

  it.each(cases)("%s", (_name, packet, want) => {
    expect(codec.parseInstruction(frameOf(packet))).toEqual(want);
  });

  it("instruction codes match the Feetech SDK", () => {
    expect(FEETECH_INSTRUCTION).toMatchObject({
      ping: 0x01,
      read: 0x02,
      write: 0x03,
      reg_write: 0x04,
      action: 0x05,
      sync_read: 0x82,
      sync_write: 0x83,
    });
  });

  it.each([
    ["ping with a parameter", 0x01, [1]],
    ["read with one parameter", 0x02, [56]],
    ["read with three parameters", 0x02, [56, 2, 0]],
    ["write with no data", 0x03, [42]],
    ["reg_write with nothing", 0x04, []],
    ["action with a parameter", 0x05, [0]],
    ["sync_read with only an address", 0x82, [56]],
    ["sync_write with length 0", 0x83, [42, 0, 1]],
    ["sync_write with a ragged body", 0x83, [42, 2, 1, 0, 8, 2, 0]],
    ["sync_write with only an address", 0x83, [42]],
    ["RESET (not modelled)", 0x0a, []],
    ["unknown code", 0x77, [1, 2, 3]],
  ] as const)("%s parses as unknown", (_name, code, params) => {
    const frame = frameOf(feetechPacket(1, code, params));
    expect(codec.parseInstruction(frame)).toEqual({ kind: "unknown", id: 1, code, params: Uint8Array.from(params) });
  });
});

describe("feetech encoder: argument errors", () => {
  it("has no REBOOT", () => {
    expect(codec.hasReboot).toBe(false);
    expect(() => codec.reboot(1)).toThrow(UnsupportedInstructionError);
  });

  it("rejects ids out of range", () => {
    expect(() => codec.ping(255)).toThrow(PacketArgumentError);
    expect(() => codec.ping(-1)).toThrow(PacketArgumentError);
    expect(() => codec.ping(1.5)).toThrow(PacketArgumentError);
    expect(() => codec.write(255, 40, Uint8Array.of(1))).toThrow(PacketArgumentError);
    expect(() => codec.read(255, 56, 2)).toThrow(PacketArgumentError);
    expect(() => codec.read(FEETECH_BROADCAST_ID, 56, 2)).toThrow(PacketArgumentError);
    expect(() => codec.syncRead(56, 2, [1, 255])).toThrow(PacketArgumentError);
    expect(() => codec.syncWrite(42, 2, [{ id: 255, data: Uint8Array.of(0, 8) }])).toThrow(PacketArgumentError);
  });

  it("rejects addresses and lengths that are not bytes", () => {
    expect(() => codec.read(1, 256, 2)).toThrow(PacketArgumentError);
    expect(() => codec.read(1, 56, -1)).toThrow(PacketArgumentError);
    expect(() => codec.write(1, 300, Uint8Array.of(1))).toThrow(PacketArgumentError);
  });

  it("rejects a sync write entry of the wrong size", () => {
    expect(() =>
      codec.syncWrite(42, 2, [
        { id: 1, data: Uint8Array.of(0, 8) },
        { id: 2, data: Uint8Array.of(0) },
      ]),
    ).toThrow(PacketArgumentError);
    expect(() => codec.syncWrite(42, 2, [{ id: 1, data: Uint8Array.of(0, 8, 0) }])).toThrow(PacketArgumentError);
  });

  it("rejects packets over 250 bytes and accepts exactly 250", () => {
    expect(codec.write(1, 0, new Uint8Array(243)).length).toBe(250);
    expect(() => codec.write(1, 0, new Uint8Array(244))).toThrow(PacketArgumentError);
    expect(() => codec.regWrite(1, 0, new Uint8Array(244))).toThrow(PacketArgumentError);
    const ids = Array.from({ length: 245 }, (_, i) => i % 250);
    expect(() => codec.syncRead(56, 2, ids)).toThrow(PacketArgumentError);
    const entries = Array.from({ length: 81 }, (_, i) => ({ id: i, data: Uint8Array.of(0, 8) }));
    expect(() => codec.syncWrite(42, 2, entries)).toThrow(PacketArgumentError);
    expect(() => feetechPacket(1, 3, new Uint8Array(245))).toThrow(PacketArgumentError);
  });
});
