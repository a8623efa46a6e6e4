import { ByteQueue } from "../byteQueue.ts";
import { PacketArgumentError } from "../errors.ts";
import type {
  DecodeEvent,
  Frame,
  FrameDecoder,
  Instruction,
  ProtocolCodec,
  RegisterDef,
  StatusFlags,
  StatusPacket,
  StatusRejection,
  SyncWriteEntry,
} from "../types.ts";
import { decodeValue, encodeValue, readLE } from "../values.ts";
import { dynamixelCrc } from "./crc.ts";

/**
 * Dynamixel Protocol 2.0 (X series): FF FF FD 00 ID LEN_L LEN_H INSTR PARAMS… CRC_L CRC_H,
 * with byte stuffing over INSTR..PARAMS and a CRC-16 over everything before the CRC.
 */

export const DYNAMIXEL_INSTRUCTION = {
  ping: 0x01,
  read: 0x02,
  write: 0x03,
  reg_write: 0x04,
  action: 0x05,
  factory_reset: 0x06,
  reboot: 0x08,
  clear: 0x10,
  status: 0x55,
  sync_read: 0x82,
  sync_write: 0x83,
  bulk_read: 0x92,
  bulk_write: 0x93,
} as const;

const DYNAMIXEL_BROADCAST_ID = 0xfe;
const DYNAMIXEL_MAX_ID = 0xfc;
/** Largest packet the Dynamixel SDK sends or accepts (TXPACKET_MAX_LEN / RXPACKET_MAX_LEN), stuffing included. */
export const DYNAMIXEL_MAX_PACKET = 1024;
/** Header, id and the two LEN bytes. */
const PREFIX = 7;
const HEADER = [0xff, 0xff, 0xfd, 0x00] as const;
/** LEN covers INSTR + (stuffed) params + 2 CRC bytes. */
const MIN_LEN = 3;
const MAX_LEN = DYNAMIXEL_MAX_PACKET - PREFIX;

function checkId(id: number, allowBroadcast = true): void {
  const ok = Number.isInteger(id) && id >= 0 && (id <= DYNAMIXEL_MAX_ID || (allowBroadcast && id === DYNAMIXEL_BROADCAST_ID));
  if (!ok) {
    throw new PacketArgumentError(`Dynamixel id ${id} is out of range (0..${DYNAMIXEL_MAX_ID}${allowBroadcast ? ", broadcast 254" : ""}).`);
  }
}

function checkByte(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new PacketArgumentError(`${name} ${v} is not a byte.`);
}

function checkWord(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new PacketArgumentError(`${name} ${v} is not a 16-bit value.`);
}

/** After every FF FF FD insert an extra FD (applied to INSTR..PARAMS before the CRC). */
export function addStuffing(bytes: ArrayLike<number>): Uint8Array {
  let extra = 0;
  for (let i = 2; i < bytes.length; i++) {
    if (bytes[i] === 0xfd && bytes[i - 1] === 0xff && bytes[i - 2] === 0xff) extra++;
  }
  const out = new Uint8Array(bytes.length + extra);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    out[o++] = b;
    if (b === 0xfd && i >= 2 && bytes[i - 1] === 0xff && bytes[i - 2] === 0xff) out[o++] = 0xfd;
  }
  return out;
}

/** Drop the FD that follows every FF FF FD (the inverse of addStuffing); returns a fresh array. */
export function removeStuffing(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0xfd && i >= 3 && bytes[i - 1] === 0xfd && bytes[i - 2] === 0xff && bytes[i - 3] === 0xff) continue;
    out[o++] = b;
  }
  return o === out.length ? out : out.slice(0, o);
}

/** Build one packet: header, id, LEN, stuffed INSTR + params, CRC (low byte first). */
export function dynamixelPacket(id: number, instruction: number, params: ArrayLike<number>): Uint8Array {
  const body = new Uint8Array(params.length + 1);
  body[0] = instruction;
  for (let i = 0; i < params.length; i++) body[1 + i] = params[i] ?? 0;
  const stuffed = addStuffing(body);
  const len = stuffed.length + 2;
  const total = PREFIX + len;
  if (total > DYNAMIXEL_MAX_PACKET) {
    throw new PacketArgumentError(`Dynamixel packet of ${total} bytes exceeds ${DYNAMIXEL_MAX_PACKET}.`);
  }
  const out = new Uint8Array(total);
  out.set(HEADER, 0);
  out[4] = id;
  out[5] = len & 0xff;
  out[6] = len >> 8;
  out.set(stuffed, PREFIX);
  const crc = dynamixelCrc(out, 0, total - 2);
  out[total - 2] = crc & 0xff;
  out[total - 1] = crc >> 8;
  return out;
}

class DynamixelDecoder implements FrameDecoder {
  private readonly q = new ByteQueue(1024);

  get buffered(): number {
    return this.q.length;
  }

  reset(): void {
    this.q.clear();
  }

  /** A header starts at `i`, or the bytes from `i` to the end are the start of one. */
  private headerAt(i: number): boolean {
    const q = this.q;
    for (let k = 0; k < HEADER.length; k++) {
      if (i + k >= q.length) return true;
      if (q.at(i + k) !== HEADER[k]) return false;
    }
    return true;
  }

  push(chunk: Uint8Array): DecodeEvent[] {
    this.q.append(chunk);
    const events: DecodeEvent[] = [];
    const q = this.q;
    for (;;) {
      // FF FF FD 00 (which rules out the stuffed FF FF FD FD); a partial header at the end stays.
      let i = 0;
      while (i < q.length && !(q.at(i) === 0xff && this.headerAt(i))) i++;
      if (i > 0) {
        events.push({ kind: "corrupt", reason: "garbage", dropped: i });
        q.consume(i);
      }
      if (q.length < PREFIX) return events;
      const id = q.at(4) ?? 0;
      const len = (q.at(5) ?? 0) | ((q.at(6) ?? 0) << 8);
      if ((id > DYNAMIXEL_MAX_ID && id !== DYNAMIXEL_BROADCAST_ID) || len < MIN_LEN || len > MAX_LEN) {
        events.push({ kind: "corrupt", reason: "length", dropped: HEADER.length });
        q.consume(HEADER.length);
        continue;
      }
      const total = PREFIX + len;
      if (q.length < total) return events;
      const frame = q.view(0, total);
      const crc = (frame[total - 2] ?? 0) | ((frame[total - 1] ?? 0) << 8);
      if (dynamixelCrc(frame, 0, total - 2) !== crc) {
        events.push({ kind: "corrupt", reason: "checksum", dropped: HEADER.length });
        q.consume(HEADER.length);
        continue;
      }
      const body = removeStuffing(frame.subarray(PREFIX, total - 2));
      events.push({ kind: "frame", frame: { id, code: body[0] ?? 0, params: body.subarray(1) } });
      q.consume(total);
    }
  }
}

/** Error numbers of the low 7 bits of the status error byte. */
const ERROR_NUMBERS: Readonly<Record<number, StatusRejection>> = {
  1: "result_fail",
  2: "instruction",
  3: "checksum",
  4: "range",
  5: "data_length",
  6: "data_limit",
  7: "access",
};
/** Bit 7: hardware alert (details in Hardware_Error_Status); the payload is still valid. */
const ALERT_BIT = 0x80;
const NO_FLAGS: StatusFlags = Object.freeze({ conditions: [], rejections: [] });

function classifyDynamixelError(error: number): StatusFlags {
  if (error === 0) return NO_FLAGS;
  const number = error & 0x7f;
  return {
    conditions: error & ALERT_BIT ? ["hardware_alert"] : [],
    rejections: number === 0 ? [] : [ERROR_NUMBERS[number] ?? "unknown"],
  };
}

function parseDynamixelInstruction(frame: Frame): Instruction {
  const { id, code, params: p } = frame;
  const unknown: Instruction = { kind: "unknown", id, code, params: p };
  switch (code) {
    case DYNAMIXEL_INSTRUCTION.ping:
      return p.length === 0 ? { kind: "ping", id } : unknown;
    case DYNAMIXEL_INSTRUCTION.read:
      return p.length === 4 ? { kind: "read", id, address: readLE(p, 0, 2), length: readLE(p, 2, 2) } : unknown;
    case DYNAMIXEL_INSTRUCTION.write:
    case DYNAMIXEL_INSTRUCTION.reg_write:
      if (p.length < 3) return unknown;
      return {
        kind: code === DYNAMIXEL_INSTRUCTION.write ? "write" : "reg_write",
        id,
        address: readLE(p, 0, 2),
        data: p.slice(2),
      };
    case DYNAMIXEL_INSTRUCTION.action:
      return p.length === 0 ? { kind: "action", id } : unknown;
    case DYNAMIXEL_INSTRUCTION.reboot:
      return p.length === 0 ? { kind: "reboot", id } : unknown;
    case DYNAMIXEL_INSTRUCTION.sync_read:
      if (p.length < 4) return unknown;
      return { kind: "sync_read", id, address: readLE(p, 0, 2), length: readLE(p, 2, 2), ids: Array.from(p.subarray(4)) };
    case DYNAMIXEL_INSTRUCTION.sync_write: {
      if (p.length < 4) return unknown;
      const address = readLE(p, 0, 2);
      const length = readLE(p, 2, 2);
      const body = p.subarray(4);
      if (length === 0 || body.length % (length + 1) !== 0) return unknown;
      const entries: SyncWriteEntry[] = [];
      for (let o = 0; o < body.length; o += length + 1) {
        entries.push({ id: body[o] ?? 0, data: body.slice(o + 1, o + 1 + length) });
      }
      return { kind: "sync_write", id, address, length, entries };
    }
    default:
      return unknown;
  }
}

function addressed(address: number, data: ArrayLike<number>): Uint8Array {
  const params = new Uint8Array(2 + data.length);
  params[0] = address & 0xff;
  params[1] = address >> 8;
  for (let i = 0; i < data.length; i++) params[2 + i] = data[i] ?? 0;
  return params;
}

export const dynamixelCodec: ProtocolCodec = {
  id: "dynamixel",
  broadcastId: DYNAMIXEL_BROADCAST_ID,
  maxId: DYNAMIXEL_MAX_ID,
  hasReboot: true,

  ping(id) {
    checkId(id);
    return dynamixelPacket(id, DYNAMIXEL_INSTRUCTION.ping, []);
  },
  read(id, address, length) {
    checkId(id, false);
    checkWord("address", address);
    checkWord("length", length);
    return dynamixelPacket(id, DYNAMIXEL_INSTRUCTION.read, addressed(address, [length & 0xff, length >> 8]));
  },
  write(id, address, data) {
    checkId(id);
    checkWord("address", address);
    return dynamixelPacket(id, DYNAMIXEL_INSTRUCTION.write, addressed(address, data));
  },
  regWrite(id, address, data) {
    checkId(id);
    checkWord("address", address);
    return dynamixelPacket(id, DYNAMIXEL_INSTRUCTION.reg_write, addressed(address, data));
  },
  action(id) {
    checkId(id);
    return dynamixelPacket(id, DYNAMIXEL_INSTRUCTION.action, []);
  },
  reboot(id) {
    checkId(id);
    return dynamixelPacket(id, DYNAMIXEL_INSTRUCTION.reboot, []);
  },
  syncRead(address, length, ids) {
    checkWord("address", address);
    checkWord("length", length);
    for (const id of ids) checkId(id, false);
    return dynamixelPacket(
      DYNAMIXEL_BROADCAST_ID,
      DYNAMIXEL_INSTRUCTION.sync_read,
      addressed(address, [length & 0xff, length >> 8, ...ids]),
    );
  },
  syncWrite(address, length, entries) {
    checkWord("address", address);
    checkWord("length", length);
    const params = new Uint8Array(4 + entries.length * (length + 1));
    params[0] = address & 0xff;
    params[1] = address >> 8;
    params[2] = length & 0xff;
    params[3] = length >> 8;
    let o = 4;
    for (const e of entries) {
      checkId(e.id, false);
      if (e.data.length !== length) {
        throw new PacketArgumentError(`Sync write entry for id ${e.id} has ${e.data.length} bytes, expected ${length}.`);
      }
      params[o] = e.id;
      params.set(e.data, o + 1);
      o += length + 1;
    }
    return dynamixelPacket(DYNAMIXEL_BROADCAST_ID, DYNAMIXEL_INSTRUCTION.sync_write, params);
  },

  createDecoder: () => new DynamixelDecoder(),

  parseStatus(frame): StatusPacket | undefined {
    if (frame.code !== DYNAMIXEL_INSTRUCTION.status || frame.params.length < 1 || frame.id > DYNAMIXEL_MAX_ID) {
      return undefined;
    }
    const error = frame.params[0] ?? 0;
    return { id: frame.id, error, flags: classifyDynamixelError(error), data: frame.params.slice(1) };
  },
  parseInstruction: parseDynamixelInstruction,
  encodeStatus(id, error, data) {
    checkId(id, false);
    checkByte("error", error);
    const params = new Uint8Array(1 + data.length);
    params[0] = error;
    params.set(data, 1);
    return dynamixelPacket(id, DYNAMIXEL_INSTRUCTION.status, params);
  },
  classifyError: classifyDynamixelError,
  statusPacketSize: (n) => n + 11,
  encodeValue: (reg: RegisterDef, value: number) => encodeValue(reg, value),
  decodeValue: (reg: RegisterDef, bytes: Uint8Array, offset?: number) => decodeValue(reg, bytes, offset),
};
