import { describe, expect, it } from "vitest";
import { dynamixelCrc } from "../../protocol/dynamixel/crc.ts";
import { DYNAMIXEL, FEETECH, MOTOR_MODELS, type MotorModel, type ProtocolFamily } from "../../protocol/models.ts";
import type { StatusPacket } from "../../protocol/types.ts";
import { encodeValue, fromHex, toHex } from "../../protocol/values.ts";
import { SimulatedBus, type SimReply } from "./SimulatedBus.ts";
import { SimulatedServo } from "./SimulatedServo.ts";

/** Byte-for-byte behaviour of the simulated line: golden request in, golden reply out. */

const STS = MOTOR_MODELS.sts3215;
const XL430 = MOTOR_MODELS["xl430-w250"];
const M = 1_000_000;

function makeBus(family: ProtocolFamily, model: MotorModel, ids: readonly number[], position = 2048): SimulatedBus {
  return new SimulatedBus(
    family,
    ids.map((id) => new SimulatedServo({ family, model, id, position })),
  );
}

const feetechBus = (ids: readonly number[], position = 2048) => makeBus(FEETECH, STS, ids, position);
const dxlBus = (ids: readonly number[], position = 2048) => makeBus(DYNAMIXEL, XL430, ids, position);

function hexes(replies: readonly SimReply[]): string[] {
  return replies.map((r) => toHex(r.bytes));
}

function parse(family: ProtocolFamily, reply: SimReply): StatusPacket {
  const events = family.codec.createDecoder().push(reply.bytes);
  expect(events).toHaveLength(1);
  const ev = events[0]!;
  if (ev.kind !== "frame") throw new Error(`corrupt reply ${toHex(reply.bytes)}`);
  const status = family.codec.parseStatus(ev.frame);
  if (status === undefined) throw new Error(`not a status packet: ${toHex(reply.bytes)}`);
  return status;
}

/** A Dynamixel 2.0 instruction packet with any instruction byte (no stuffing needed for these). */
function dxlPacket(id: number, instruction: number, params: readonly number[]): Uint8Array {
  const len = params.length + 3;
  const body = [0xff, 0xff, 0xfd, 0x00, id, len & 0xff, len >> 8, instruction, ...params];
  const bytes = Uint8Array.from([...body, 0, 0]);
  const crc = dynamixelCrc(bytes, 0, body.length);
  bytes[body.length] = crc & 0xff;
  bytes[body.length + 1] = crc >> 8;
  return bytes;
}

/** A Feetech instruction packet with any instruction byte. */
function feetechPacket(id: number, instruction: number, params: readonly number[]): Uint8Array {
  const len = params.length + 2;
  const sum = id + len + instruction + params.reduce((a, b) => a + b, 0);
  return Uint8Array.from([0xff, 0xff, id, len, instruction, ...params, ~sum & 0xff]);
}

describe("SimulatedBus golden packets: Feetech", () => {
  it("READ Present_Position id 1 at 2047", () => {
    const bus = feetechBus([1], 2047);
    const replies = bus.receive(fromHex("FF FF 01 04 02 38 02 BE"), M, 0);
    expect(hexes(replies)).toEqual(["FF FF 01 04 00 FF 07 F4"]);
    expect(replies[0]!.id).toBe(1);
    expect(replies[0]!.delayUs).toBe(0);
  });

  it("READ Present_Position follows the horn (actual drives Present_Position)", () => {
    const bus = feetechBus([1], 1000);
    const s = bus.servo(1)!;
    s.advance(0);
    s.actual = 2047;
    // The read advances the servo to its time, which refreshes Present_Position.
    expect(hexes(bus.receive(fromHex("FF FF 01 04 02 38 02 BE"), M, 5))).toEqual(["FF FF 01 04 00 FF 07 F4"]);
  });

  it("PING id 1", () => {
    const bus = feetechBus([1]);
    expect(hexes(bus.receive(fromHex("FF FF 01 02 01 FB"), M, 0))).toEqual(["FF FF 01 02 00 FC"]);
  });

  it("WRITE replies with an empty status at Response_Status_Level 1, and not at 0", () => {
    const bus = feetechBus([1]);
    const s = bus.servo(1)!;
    const write = FEETECH.codec.write(1, 42, Uint8Array.of(0x00, 0x09)); // Goal_Position = 2304
    expect(hexes(bus.receive(write, M, 0))).toEqual(["FF FF 01 02 00 FC"]);
    expect(s.get("Goal_Position")).toBe(2304);
    s.set("Response_Status_Level", 0);
    expect(bus.receive(FEETECH.codec.write(1, 42, Uint8Array.of(0x00, 0x0a)), M, 1)).toEqual([]);
    expect(s.get("Goal_Position")).toBe(2560);
    // READ and PING still answer.
    expect(bus.receive(FEETECH.codec.ping(1), M, 2)).toHaveLength(1);
  });

  it("a reply waits the servo's Return_Delay_Time (×2 µs)", () => {
    const bus = feetechBus([1]);
    bus.servo(1)!.set("Return_Delay_Time", 250);
    const replies = bus.receive(fromHex("FF FF 01 02 01 FB"), M, 0);
    expect(replies[0]!.delayUs).toBe(500);
  });

  it("an unknown instruction gets a status with the instruction-error bit (0x40)", () => {
    const bus = feetechBus([1]);
    const replies = bus.receive(feetechPacket(1, 0x0a, []), M, 0); // RESET: not simulated
    expect(replies).toHaveLength(1);
    const status = parse(FEETECH, replies[0]!);
    expect(status.error).toBe(0x40);
    expect(status.flags.rejections).toContain("instruction");
  });
});

describe("SimulatedBus golden packets: Dynamixel 2.0", () => {
  it("READ Present_Position id 1 at 2048", () => {
    const bus = dxlBus([1], 2048);
    const replies = bus.receive(fromHex("FF FF FD 00 01 07 00 02 84 00 04 00 1D 15"), M, 0);
    expect(hexes(replies)).toEqual(["FF FF FD 00 01 08 00 55 00 00 08 00 00 1C 38"]);
  });

  it("the codec encodes the same golden request", () => {
    expect(toHex(DYNAMIXEL.codec.read(1, 132, 4))).toBe("FF FF FD 00 01 07 00 02 84 00 04 00 1D 15");
    expect(toHex(FEETECH.codec.read(1, 56, 2))).toBe("FF FF 01 04 02 38 02 BE");
  });

  it("PING answers with the model number and firmware version", () => {
    const bus = dxlBus([1]);
    const replies = bus.receive(DYNAMIXEL.codec.ping(1), M, 0);
    expect(replies).toHaveLength(1);
    const status = parse(DYNAMIXEL, replies[0]!);
    expect(status.error).toBe(0);
    expect([...status.data]).toEqual([XL430.modelNumber & 0xff, XL430.modelNumber >> 8, 52]);
  });

  it("an unknown instruction gets an instruction-error status (0x02)", () => {
    const bus = dxlBus([1]);
    const replies = bus.receive(dxlPacket(1, 0x7f, []), M, 0);
    expect(replies).toHaveLength(1);
    const status = parse(DYNAMIXEL, replies[0]!);
    expect(status.id).toBe(1);
    expect(status.error).toBe(0x02);
    expect(status.flags.rejections).toEqual(["instruction"]);
    expect(hexes(replies)).toEqual([toHex(DYNAMIXEL.codec.encodeStatus(1, 0x02, new Uint8Array(0)))]);
  });

  it("a malformed READ (3 parameter bytes) is an instruction error too", () => {
    const bus = dxlBus([1]);
    const status = parse(DYNAMIXEL, bus.receive(dxlPacket(1, 0x02, [0x84, 0x00, 0x04]), M, 0)[0]!);
    expect(status.error).toBe(0x02);
  });

  it("a WRITE of an EEPROM register with torque on answers the access error (7) and writes nothing", () => {
    const bus = dxlBus([1]);
    const s = bus.servo(1)!;
    s.set("Torque_Enable", 1);
    const status = parse(DYNAMIXEL, bus.receive(DYNAMIXEL.codec.write(1, 11, Uint8Array.of(4)), M, 0)[0]!);
    expect(status.error).toBe(7);
    expect(status.flags.rejections).toEqual(["access"]);
    expect(s.get("Operating_Mode")).toBe(3);
  });

  it("a READ past the end of the table answers the range error", () => {
    const bus = dxlBus([1]);
    const status = parse(DYNAMIXEL, bus.receive(DYNAMIXEL.codec.read(1, 250, 10), M, 0)[0]!);
    expect(status.error).toBe(4);
    expect(status.data.length).toBe(0);
  });
});

for (const family of [FEETECH, DYNAMIXEL]) {
  const model = family === FEETECH ? STS : XL430;
  const codec = family.codec;
  const position = codec.id === "feetech" ? { address: 56, length: 2 } : { address: 132, length: 4 };

  describe(`SimulatedBus line behaviour: ${family.id}`, () => {
    it("a request split into 1-byte chunks is answered once, after its last byte", () => {
      const bus = makeBus(family, model, [1]);
      const packet = codec.read(1, position.address, position.length);
      const whole = makeBus(family, model, [1]).receive(packet, M, 0);
      const replies: SimReply[][] = [];
      for (let i = 0; i < packet.length; i++) replies.push(bus.receive(packet.subarray(i, i + 1), M, i));
      expect(replies.slice(0, -1).every((r) => r.length === 0)).toBe(true);
      expect(hexes(replies.at(-1)!)).toEqual(hexes(whole));
      expect(replies.flat()).toHaveLength(1);
    });

    it("two requests in one chunk get two answers, in order", () => {
      const bus = makeBus(family, model, [1, 2]);
      const both = Uint8Array.from([...codec.ping(2), ...codec.ping(1)]);
      expect(bus.receive(both, M, 0).map((r) => r.id)).toEqual([2, 1]);
    });

    it("garbage before a request does not stop the answer", () => {
      const bus = makeBus(family, model, [1]);
      const bytes = Uint8Array.from([0x00, 0x13, 0xff, 0x42, ...codec.ping(1)]);
      expect(bus.receive(bytes, M, 0).map((r) => r.id)).toEqual([1]);
    });

    it("a broadcast ping is answered by every servo, sorted by id", () => {
      const bus = makeBus(family, model, [5, 2, 9, 1]);
      const replies = bus.receive(codec.ping(codec.broadcastId), M, 0);
      expect(replies.map((r) => r.id)).toEqual([1, 2, 5, 9]);
      expect(replies.map((r) => parse(family, r).id)).toEqual([1, 2, 5, 9]);
    });

    it("a sync read is answered in the listed order, skipping absent ids", () => {
      const bus = makeBus(family, model, [1, 2, 3]);
      const replies = bus.receive(codec.syncRead(position.address, position.length, [3, 9, 1]), M, 0);
      expect(replies.map((r) => r.id)).toEqual([3, 1]);
      for (const r of replies) {
        const status = parse(family, r);
        expect(status.data.length).toBe(position.length);
        expect(status.data[0]).toBe(0x00);
        expect(status.data[1]).toBe(0x08); // 2048
      }
    });

    it("servos listening at another baud rate do not answer", () => {
      const bus = makeBus(family, model, [1, 2]);
      const otherIndex = 1; // Feetech 500 000, Dynamixel 57 600
      const otherBaud = family.baudRates[otherIndex]!;
      bus.servo(2)!.set("Baud_Rate", otherIndex);
      expect(bus.receive(codec.ping(codec.broadcastId), M, 0).map((r) => r.id)).toEqual([1]);
      expect(bus.receive(codec.ping(2), M, 1)).toEqual([]);
      expect(bus.receive(codec.read(2, position.address, position.length), M, 2)).toEqual([]);
      expect(bus.receive(codec.ping(2), otherBaud, 3).map((r) => r.id)).toEqual([2]);
      expect(bus.receive(codec.ping(1), otherBaud, 4)).toEqual([]);
    });

    it("a sync write changes every listed servo and gets no reply", () => {
      const bus = makeBus(family, model, [1, 2, 3]);
      const goal = family.table["Goal_Position"]!;
      const entries = [1, 3].map((id) => ({ id, data: encodeValue(goal, 1000 + id) }));
      expect(bus.receive(codec.syncWrite(goal.address, goal.size, entries), M, 0)).toEqual([]);
      expect(bus.servos.map((s) => s.get("Goal_Position"))).toEqual([1001, 2048, 1003]);
    });

    it("a broadcast write changes every servo and gets no reply", () => {
      const bus = makeBus(family, model, [1, 2]);
      const torque = family.table["Torque_Enable"]!;
      expect(bus.receive(codec.write(codec.broadcastId, torque.address, Uint8Array.of(1)), M, 0)).toEqual([]);
      expect(bus.servos.map((s) => s.torqueOn)).toEqual([true, true]);
    });

    it("a reg_write waits for the (broadcast) action; the action gets no reply", () => {
      const bus = makeBus(family, model, [1, 2]);
      const goal = family.table["Goal_Position"]!;
      bus.receive(codec.regWrite(1, goal.address, encodeValue(goal, 3000)), M, 0);
      bus.receive(codec.regWrite(2, goal.address, encodeValue(goal, 1000)), M, 1);
      expect(bus.servos.map((s) => s.get("Goal_Position"))).toEqual([2048, 2048]);
      expect(bus.receive(codec.action(codec.broadcastId), M, 2)).toEqual([]);
      expect(bus.servos.map((s) => s.get("Goal_Position"))).toEqual([3000, 1000]);
    });

    it("a READ for an absent id gets no reply", () => {
      const bus = makeBus(family, model, [1]);
      expect(bus.receive(codec.read(7, position.address, position.length), M, 0)).toEqual([]);
    });

    it("injected error bits are OR-ed into the reply's status byte", () => {
      const bus = makeBus(family, model, [1]);
      const bit = family.id === "feetech" ? 0x20 : 0x80;
      bus.servo(1)!.injectedError = bit;
      const status = parse(family, bus.receive(codec.read(1, position.address, position.length), M, 0)[0]!);
      expect(status.error).toBe(bit);
      expect(status.flags.conditions.length).toBe(1);
      expect(status.data.length).toBe(position.length);
    });
  });
}
