import { describe, expect, it } from "vitest";
import { PacketArgumentError, ValueRangeError } from "../errors.ts";
import type { DecodeEvent, Frame, Instruction } from "../types.ts";
import { fromHex, toHex } from "../values.ts";
import { DYNAMIXEL_INSTRUCTION, addStuffing, dynamixelCodec, dynamixelPacket, removeStuffing } from "./codec.ts";
import { X_SERIES_CONTROL_TABLE as T, X_SERIES_MEMORY_SIZE } from "./controlTable.ts";
import { dynamixelCrc } from "./crc.ts";

const codec = dynamixelCodec;

function frames(events: readonly DecodeEvent[]): Frame[] {
  return events.flatMap((e) => (e.kind === "frame" ? [e.frame] : []));
}

function decodeAll(bytes: Uint8Array): DecodeEvent[] {
  return codec.createDecoder().push(bytes);
}

function only(events: readonly DecodeEvent[]): Frame {
  const fs = frames(events);
  expect(fs).toHaveLength(1);
  const f = fs[0];
  if (!f) throw new Error("no frame");
  return f;
}

describe("dynamixel CRC-16", () => {
  it("matches the check vector of the ping instruction", () => {
    expect(dynamixelCrc(fromHex("FF FF FD 00 01 03 00 01"))).toBe(0x4e19);
    expect(toHex(codec.ping(1))).toBe("FF FF FD 00 01 03 00 01 19 4E");
  });

  it("verifies the e-manual ping status example", () => {
    const pkt = fromHex("FF FF FD 00 01 07 00 55 00 06 04 26 65 5D");
    expect(dynamixelCrc(pkt, 0, pkt.length - 2)).toBe(0x5d65);
    const status = codec.parseStatus(only(decodeAll(pkt)));
    expect(status).toEqual({ id: 1, error: 0, flags: { conditions: [], rejections: [] }, data: fromHex("06 04 26") });
    expect(toHex(codec.encodeStatus(1, 0, fromHex("06 04 26")))).toBe(toHex(pkt));
  });

  it("is the CRC-16/BUYPASS of the standard check string", () => {
    expect(dynamixelCrc(new TextEncoder().encode("123456789"))).toBe(0xfee8);
  });
});

describe("dynamixel golden packets", () => {
  it("READ Present_Position id 1", () => {
    expect(toHex(codec.read(1, T.Present_Position.address, T.Present_Position.size))).toBe("FF FF FD 00 01 07 00 02 84 00 04 00 1D 15");
  });

  it("status reply with Present_Position 2048", () => {
    const hex = "FF FF FD 00 01 08 00 55 00 00 08 00 00 1C 38";
    expect(toHex(codec.encodeStatus(1, 0, codec.encodeValue(T.Present_Position, 2048)))).toBe(hex);
    const status = codec.parseStatus(only(decodeAll(fromHex(hex))));
    expect(status?.id).toBe(1);
    expect(status?.error).toBe(0);
    expect(codec.decodeValue(T.Present_Position, status?.data ?? new Uint8Array())).toBe(2048);
    expect(codec.statusPacketSize(4)).toBe(fromHex(hex).length);
  });

  it("WRITE Torque_Enable = 1", () => {
    expect(toHex(codec.write(1, T.Torque_Enable.address, codec.encodeValue(T.Torque_Enable, 1)))).toBe(
      "FF FF FD 00 01 06 00 03 40 00 01 DB 66",
    );
  });

  it("WRITE Goal_Position = 2048", () => {
    expect(toHex(codec.write(1, T.Goal_Position.address, codec.encodeValue(T.Goal_Position, 2048)))).toBe(
      "FF FF FD 00 01 09 00 03 74 00 00 08 00 00 42 89",
    );
  });

  it("SYNC_READ Present_Position ids 1, 2", () => {
    expect(toHex(codec.syncRead(T.Present_Position.address, 4, [1, 2]))).toBe("FF FF FD 00 FE 09 00 82 84 00 04 00 01 02 CE FA");
  });

  it("every golden packet decodes to the frame it encodes", () => {
    const pkt = codec.write(1, T.Goal_Position.address, codec.encodeValue(T.Goal_Position, 2048));
    expect(only(decodeAll(pkt))).toEqual({ id: 1, code: 0x03, params: fromHex("74 00 00 08 00 00") });
  });
});

describe("dynamixel byte stuffing", () => {
  it("stuffs FF FF FD and round-trips", () => {
    expect(toHex(addStuffing(fromHex("03 FF FF FD 01")))).toBe("03 FF FF FD FD 01");
    expect(toHex(addStuffing(fromHex("FF FF FD FD")))).toBe("FF FF FD FD FD");
    expect(toHex(addStuffing(fromHex("FF FF FF FD")))).toBe("FF FF FF FD FD");
    for (const hex of ["03 FF FF FD 01", "FF FF FD FD", "FF FF FD", "FF FF FD FF FF FD", "FD FD FF FF FD FD FD", ""]) {
      expect(toHex(removeStuffing(addStuffing(fromHex(hex))))).toBe(toHex(fromHex(hex)));
    }
  });

  it("round-trips every 5-byte string over {00, FD, FF}", () => {
    const alphabet = [0x00, 0xfd, 0xff];
    for (let n = 0; n < 3 ** 5; n++) {
      const bytes = new Uint8Array(5);
      for (let k = 0, v = n; k < 5; k++, v = Math.floor(v / 3)) bytes[k] = alphabet[v % 3] ?? 0;
      expect(Array.from(removeStuffing(addStuffing(bytes)))).toEqual(Array.from(bytes));
    }
  });

  it("stuffs a WRITE whose data contains FF FF FD, counts it in LEN, and decodes back", () => {
    const data = fromHex("FF FF FD 00");
    const pkt = codec.write(1, T.Goal_Position.address, data);
    // INSTR + addr(2) + data(4) + stuffed FD + CRC(2) = 10
    expect(toHex(pkt.subarray(0, 15))).toBe("FF FF FD 00 01 0A 00 03 74 00 FF FF FD FD 00");
    expect(pkt.length).toBe(17);
    expect(dynamixelCrc(pkt, 0, pkt.length - 2)).toBe((pkt[15] ?? 0) | ((pkt[16] ?? 0) << 8));
    const frame = only(decodeAll(pkt));
    expect(codec.parseInstruction(frame)).toEqual({ kind: "write", id: 1, address: 116, data });
  });

  it("stuffs a status whose data contains FF FF FD", () => {
    const data = fromHex("FF FF FD 7F");
    const pkt = codec.encodeStatus(3, 0, data);
    expect(toHex(pkt)).toContain("FF FF FD FD 7F");
    expect(codec.parseStatus(only(decodeAll(pkt)))?.data).toEqual(data);
  });
});

describe("dynamixel decoder", () => {
  const ping = fromHex("FF FF FD 00 01 07 00 55 00 06 04 26 65 5D");
  const present = fromHex("FF FF FD 00 01 08 00 55 00 00 08 00 00 1C 38");
  const stream = Uint8Array.from([...ping, ...present, ...codec.write(2, 116, fromHex("FF FF FD 00"))]);

  it("skips a garbage prefix and reports it", () => {
    const events = decodeAll(Uint8Array.from([0x00, 0x13, 0xff, 0xfd, 0xff, 0xff, 0xfd, 0xfd, 0x42, ...ping]));
    expect(events[0]).toEqual({ kind: "corrupt", reason: "garbage", dropped: 9 });
    expect(only(events).params).toEqual(fromHex("00 06 04 26"));
  });

  it("decodes a stream split at every possible chunk boundary", () => {
    const whole = frames(decodeAll(stream));
    expect(whole).toHaveLength(3);
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const dec = codec.createDecoder();
        const events = [...dec.push(stream.subarray(0, a)), ...dec.push(stream.subarray(a, b)), ...dec.push(stream.subarray(b))];
        expect(events.every((e) => e.kind === "frame")).toBe(true);
        expect(frames(events)).toEqual(whole);
        expect(dec.buffered).toBe(0);
      }
    }
  });

  it("decodes a stream fed one byte at a time", () => {
    const dec = codec.createDecoder();
    const events: DecodeEvent[] = [];
    for (const b of stream) events.push(...dec.push(Uint8Array.of(b)));
    expect(frames(events)).toEqual(frames(decodeAll(stream)));
  });

  it("keeps a partial header at the end of a chunk", () => {
    const dec = codec.createDecoder();
    expect(dec.push(fromHex("00 FF FF FD"))).toEqual([{ kind: "corrupt", reason: "garbage", dropped: 1 }]);
    expect(dec.buffered).toBe(3);
    expect(frames(dec.push(ping.subarray(3)))).toHaveLength(1);
    expect(dec.buffered).toBe(0);
  });

  it("rejects a CRC mismatch and resynchronises on the next packet", () => {
    const bad = Uint8Array.from(ping);
    bad[9] = 0x07;
    const events = decodeAll(Uint8Array.from([...bad, ...present]));
    expect(events[0]).toEqual({ kind: "corrupt", reason: "checksum", dropped: 4 });
    expect(events[1]).toEqual({ kind: "corrupt", reason: "garbage", dropped: bad.length - 4 });
    expect(only(events).params).toEqual(fromHex("00 00 08 00 00"));
  });

  it("rejects impossible ids and lengths", () => {
    for (const hex of ["FF FF FD 00 FD 03 00", "FF FF FD 00 FF 03 00", "FF FF FD 00 01 02 00", "FF FF FD 00 01 FA 03"]) {
      const events = decodeAll(Uint8Array.from([...fromHex(hex), ...present]));
      expect(events[0]).toEqual({ kind: "corrupt", reason: "length", dropped: 4 });
      expect(only(events).code).toBe(0x55);
    }
  });

  it("does not take FF FF FD FD for a header", () => {
    const events = decodeAll(fromHex("FF FF FD FD 01 03 00 01 19 4E"));
    expect(frames(events)).toHaveLength(0);
  });

  it("reset drops buffered bytes", () => {
    const dec = codec.createDecoder();
    dec.push(ping.subarray(0, 10));
    expect(dec.buffered).toBe(10);
    dec.reset();
    expect(dec.buffered).toBe(0);
    expect(frames(dec.push(present))).toHaveLength(1);
  });

  it("accepts a broadcast id (an instruction seen on the bus)", () => {
    const f = only(decodeAll(codec.syncRead(132, 4, [1, 2])));
    expect(f.id).toBe(0xfe);
    expect(codec.parseStatus(f)).toBeUndefined();
  });
});

describe("dynamixel values", () => {
  it("Goal_Position is two's complement over 4 bytes", () => {
    expect(toHex(codec.encodeValue(T.Goal_Position, -1))).toBe("FF FF FF FF");
    expect(toHex(codec.encodeValue(T.Goal_Position, 2048))).toBe("00 08 00 00");
    expect(toHex(codec.encodeValue(T.Goal_Position, -(2 ** 31)))).toBe("00 00 00 80");
    expect(codec.decodeValue(T.Goal_Position, fromHex("FF FF FF FF"))).toBe(-1);
    expect(codec.decodeValue(T.Goal_Position, fromHex("00 00 00 80"))).toBe(-(2 ** 31));
    expect(codec.decodeValue(T.Goal_Position, fromHex("FF FF FF 7F"))).toBe(2 ** 31 - 1);
    expect(() => codec.encodeValue(T.Goal_Position, 2 ** 31)).toThrow(ValueRangeError);
  });

  it("Homing_Offset is two's complement over 4 bytes", () => {
    expect(toHex(codec.encodeValue(T.Homing_Offset, -1000))).toBe("18 FC FF FF");
    expect(codec.decodeValue(T.Homing_Offset, fromHex("18 FC FF FF"))).toBe(-1000);
    expect(codec.decodeValue(T.Homing_Offset, fromHex("00 00 18 FC FF FF"), 2)).toBe(-1000);
  });

  it("Present_Current is two's complement over 2 bytes; unsigned registers are not", () => {
    expect(codec.decodeValue(T.Present_Current, fromHex("9C FF"))).toBe(-100);
    expect(codec.decodeValue(T.Present_Input_Voltage, fromHex("FF FF"))).toBe(0xffff);
    expect(() => codec.encodeValue(T.Torque_Enable, 256)).toThrow(ValueRangeError);
  });
});

describe("dynamixel control table", () => {
  it("registers fit the memory, do not overlap and follow the area rule", () => {
    const regs = Object.values(T).sort((a, b) => a.address - b.address);
    let end = 0;
    for (const r of regs) {
      expect(r.address).toBeGreaterThanOrEqual(end);
      expect(r.area).toBe(r.address < 64 ? "eeprom" : "ram");
      end = r.address + r.size;
    }
    expect(end).toBeLessThanOrEqual(X_SERIES_MEMORY_SIZE);
    expect(regs).toHaveLength(52);
  });
});

describe("dynamixel status errors", () => {
  it("classifies error numbers and the alert bit", () => {
    expect(codec.classifyError(0)).toEqual({ conditions: [], rejections: [] });
    const expected = ["result_fail", "instruction", "checksum", "range", "data_length", "data_limit", "access"];
    expected.forEach((name, i) => {
      expect(codec.classifyError(i + 1)).toEqual({ conditions: [], rejections: [name] });
    });
    expect(codec.classifyError(0x80)).toEqual({ conditions: ["hardware_alert"], rejections: [] });
    expect(codec.classifyError(0x84)).toEqual({ conditions: ["hardware_alert"], rejections: ["range"] });
    expect(codec.classifyError(0x08)).toEqual({ conditions: [], rejections: ["unknown"] });
    expect(codec.classifyError(0x7f)).toEqual({ conditions: [], rejections: ["unknown"] });
  });

  it("parses an alert status: payload kept, flags set", () => {
    const status = codec.parseStatus(only(decodeAll(codec.encodeStatus(5, 0x80, fromHex("00 08 00 00")))));
    expect(status?.flags.conditions).toEqual(["hardware_alert"]);
    expect(status?.data).toEqual(fromHex("00 08 00 00"));
  });

  it("parseStatus ignores instructions and empty status frames", () => {
    expect(codec.parseStatus({ id: 1, code: 0x02, params: fromHex("84 00 04 00") })).toBeUndefined();
    expect(codec.parseStatus({ id: 1, code: 0x55, params: new Uint8Array() })).toBeUndefined();
    const empty = only(decodeAll(dynamixelPacket(1, 0x55, [])));
    expect(codec.parseStatus(empty)).toBeUndefined();
  });
});

describe("dynamixel instructions", () => {
  const cases: readonly [Uint8Array, Instruction][] = [
    [codec.ping(7), { kind: "ping", id: 7 }],
    [codec.ping(0xfe), { kind: "ping", id: 0xfe }],
    [codec.read(3, 132, 4), { kind: "read", id: 3, address: 132, length: 4 }],
    [codec.read(3, 0x1234, 0x0302), { kind: "read", id: 3, address: 0x1234, length: 0x0302 }],
    [codec.write(2, 116, fromHex("00 08 00 00")), { kind: "write", id: 2, address: 116, data: fromHex("00 08 00 00") }],
    [codec.regWrite(2, 64, fromHex("01")), { kind: "reg_write", id: 2, address: 64, data: fromHex("01") }],
    [codec.action(0xfe), { kind: "action", id: 0xfe }],
    [codec.reboot(4), { kind: "reboot", id: 4 }],
    [codec.syncRead(132, 4, [1, 2, 3]), { kind: "sync_read", id: 0xfe, address: 132, length: 4, ids: [1, 2, 3] }],
    [
      codec.syncWrite(116, 4, [
        { id: 1, data: fromHex("00 08 00 00") },
        { id: 2, data: fromHex("FF FF FD 7F") },
      ]),
      {
        kind: "sync_write",
        id: 0xfe,
        address: 116,
        length: 4,
        entries: [
          { id: 1, data: fromHex("00 08 00 00") },
          { id: 2, data: fromHex("FF FF FD 7F") },
        ],
      },
    ],
  ];

  it.each(cases.map(([pkt, ins]) => [ins.kind, pkt, ins] as const))("%s round-trips", (_kind, pkt, ins) => {
    expect(codec.parseInstruction(only(decodeAll(pkt)))).toEqual(ins);
  });

  it("reports malformed instructions as unknown", () => {
    const malformed: Frame[] = [
      { id: 1, code: DYNAMIXEL_INSTRUCTION.ping, params: fromHex("00") },
      { id: 1, code: DYNAMIXEL_INSTRUCTION.read, params: fromHex("84 00 04") },
      { id: 1, code: DYNAMIXEL_INSTRUCTION.write, params: fromHex("74 00") },
      { id: 1, code: DYNAMIXEL_INSTRUCTION.reg_write, params: fromHex("74") },
      { id: 1, code: DYNAMIXEL_INSTRUCTION.action, params: fromHex("00") },
      { id: 1, code: DYNAMIXEL_INSTRUCTION.reboot, params: fromHex("00") },
      { id: 0xfe, code: DYNAMIXEL_INSTRUCTION.sync_read, params: fromHex("84 00 04") },
      { id: 0xfe, code: DYNAMIXEL_INSTRUCTION.sync_write, params: fromHex("74 00 04 00 01 00 08 00") },
      { id: 0xfe, code: DYNAMIXEL_INSTRUCTION.sync_write, params: fromHex("74 00 00 00") },
      { id: 1, code: DYNAMIXEL_INSTRUCTION.factory_reset, params: fromHex("FF") },
      { id: 1, code: DYNAMIXEL_INSTRUCTION.status, params: fromHex("00") },
    ];
    for (const f of malformed) {
      expect(codec.parseInstruction(f)).toEqual({ kind: "unknown", id: f.id, code: f.code, params: f.params });
    }
  });

  it("validates arguments", () => {
    expect(() => codec.ping(0xfd)).toThrow(PacketArgumentError);
    expect(() => codec.ping(-1)).toThrow(PacketArgumentError);
    expect(() => codec.read(0xfe, 0, 1)).toThrow(PacketArgumentError);
    expect(() => codec.read(1, 0x10000, 1)).toThrow(PacketArgumentError);
    expect(() => codec.read(1, 0, 1.5)).toThrow(PacketArgumentError);
    expect(() => codec.write(1, -1, fromHex("00"))).toThrow(PacketArgumentError);
    expect(() => codec.syncRead(132, 4, [1, 0xfe])).toThrow(PacketArgumentError);
    expect(() => codec.syncWrite(116, 4, [{ id: 1, data: fromHex("00") }])).toThrow(PacketArgumentError);
    expect(() => codec.encodeStatus(0xfe, 0, new Uint8Array())).toThrow(PacketArgumentError);
    expect(() => codec.encodeStatus(1, 256, new Uint8Array())).toThrow(PacketArgumentError);
    expect(() => codec.write(1, 0, new Uint8Array(1100))).toThrow(PacketArgumentError);
  });

  it("describes the family", () => {
    expect(codec.id).toBe("dynamixel");
    expect(codec.broadcastId).toBe(0xfe);
    expect(codec.maxId).toBe(0xfc);
    expect(codec.hasReboot).toBe(true);
  });
});
