import { ByteQueue } from "../byteQueue.ts";
import { PacketArgumentError, UnsupportedInstructionError } from "../errors.ts";
import type {
  DecodeEvent,
  Frame,
  FrameDecoder,
  Instruction,
  ProtocolCodec,
  RegisterDef,
  StatusCondition,
  StatusFlags,
  StatusPacket,
  StatusRejection,
  SyncWriteEntry,
} from "../types.ts";
import { decodeValue, encodeValue } from "../values.ts";
import { STS_ERROR_BITS } from "./controlTable.ts";

/** Feetech STS/SCS "protocol 0" (STS3215): FF FF ID LEN INSTR|ERR PARAMS… CHK. */

export const FEETECH_INSTRUCTION = {
  ping: 0x01,
  read: 0x02,
  write: 0x03,
  reg_write: 0x04,
  action: 0x05,
  sync_read: 0x82,
  sync_write: 0x83,
  reset: 0x0a,
} as const;

export const FEETECH_BROADCAST_ID = 0xfe;
const FEETECH_MAX_ID = 0xfc;
/** Largest packet the Feetech SDK sends or accepts (TXPACKET_MAX_LEN / RXPACKET_MAX_LEN). */
export const FEETECH_MAX_PACKET = 250;

/** CHK = ~(ID + LEN + INSTR + Σ params) & 0xFF over bytes [from, to). */
export function feetechChecksum(bytes: Uint8Array, from = 2, to = bytes.length - 1): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += bytes[i] ?? 0;
  return ~sum & 0xff;
}

function checkId(id: number, allowBroadcast = true): void {
  if (!Number.isInteger(id) || id < 0 || id > (allowBroadcast ? FEETECH_BROADCAST_ID : FEETECH_MAX_ID)) {
    throw new PacketArgumentError(`Feetech id ${id} is out of range (0..${FEETECH_MAX_ID}, broadcast 254).`);
  }
}

function checkByte(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new PacketArgumentError(`${name} ${v} is not a byte.`);
}

/** Build one packet: header, id, length, code, params, checksum. */
export function feetechPacket(id: number, code: number, params: ArrayLike<number>): Uint8Array {
  const total = params.length + 6;
  if (total > FEETECH_MAX_PACKET) {
    throw new PacketArgumentError(`Feetech packet of ${total} bytes exceeds ${FEETECH_MAX_PACKET}.`);
  }
  const out = new Uint8Array(total);
  out[0] = 0xff;
  out[1] = 0xff;
  out[2] = id;
  out[3] = params.length + 2;
  out[4] = code;
  for (let i = 0; i < params.length; i++) out[5 + i] = params[i] ?? 0;
  out[total - 1] = feetechChecksum(out);
  return out;
}

class FeetechDecoder implements FrameDecoder {
  private readonly q = new ByteQueue(512);

  get buffered(): number {
    return this.q.length;
  }

  reset(): void {
    this.q.clear();
  }

  push(chunk: Uint8Array): DecodeEvent[] {
    this.q.append(chunk);
    const events: DecodeEvent[] = [];
    const q = this.q;
    for (;;) {
      // Find a header FF FF followed by a plausible id (not FF).
      let i = 0;
      while (i < q.length && !(q.at(i) === 0xff && q.at(i + 1) === 0xff && q.at(i + 2) !== 0xff)) {
        // Keep a trailing FF / FF FF: it may be the start of a header.
        if (q.at(i) === 0xff && (i + 1 === q.length || (q.at(i + 1) === 0xff && i + 2 === q.length))) break;
        i++;
      }
      if (i > 0) {
        events.push({ kind: "corrupt", reason: "garbage", dropped: i });
        q.consume(i);
      }
      if (q.length < 4) return events;
      const id = q.at(2) ?? 0;
      const len = q.at(3) ?? 0;
      if (id > FEETECH_BROADCAST_ID || len < 2 || len + 4 > FEETECH_MAX_PACKET) {
        events.push({ kind: "corrupt", reason: "length", dropped: 2 });
        q.consume(2);
        continue;
      }
      const total = len + 4;
      if (q.length < total) return events;
      const frame = q.view(0, total);
      if (feetechChecksum(frame) !== frame[total - 1]) {
        events.push({ kind: "corrupt", reason: "checksum", dropped: 2 });
        q.consume(2);
        continue;
      }
      events.push({ kind: "frame", frame: { id, code: frame[4] ?? 0, params: frame.slice(5, total - 1) } });
      q.consume(total);
    }
  }
}

const CONDITION_BITS: readonly (readonly [number, StatusCondition])[] = [
  [STS_ERROR_BITS.voltage, "voltage"],
  [STS_ERROR_BITS.angle_sensor, "angle_sensor"],
  [STS_ERROR_BITS.overheat, "overheat"],
  [STS_ERROR_BITS.overcurrent, "overcurrent"],
  [STS_ERROR_BITS.overload, "overload"],
];
const REJECTION_BITS: readonly (readonly [number, StatusRejection])[] = [
  [STS_ERROR_BITS.checksum, "checksum"],
  [STS_ERROR_BITS.instruction, "instruction"],
];
const NO_FLAGS: StatusFlags = Object.freeze({ conditions: [], rejections: [] });

export function classifyFeetechError(error: number): StatusFlags {
  if (error === 0) return NO_FLAGS;
  const conditions: StatusCondition[] = [];
  const rejections: StatusRejection[] = [];
  for (const [bit, name] of CONDITION_BITS) if (error & bit) conditions.push(name);
  for (const [bit, name] of REJECTION_BITS) if (error & bit) rejections.push(name);
  if (error & 0x80) rejections.push("unknown");
  return { conditions, rejections };
}

function parseFeetechInstruction(frame: Frame): Instruction {
  const { id, code, params: p } = frame;
  const unknown: Instruction = { kind: "unknown", id, code, params: p };
  switch (code) {
    case FEETECH_INSTRUCTION.ping:
      return p.length === 0 ? { kind: "ping", id } : unknown;
    case FEETECH_INSTRUCTION.read:
      return p.length === 2 ? { kind: "read", id, address: p[0] ?? 0, length: p[1] ?? 0 } : unknown;
    case FEETECH_INSTRUCTION.write:
    case FEETECH_INSTRUCTION.reg_write:
      if (p.length < 2) return unknown;
      return {
        kind: code === FEETECH_INSTRUCTION.write ? "write" : "reg_write",
        id,
        address: p[0] ?? 0,
        data: p.slice(1),
      };
    case FEETECH_INSTRUCTION.action:
      return p.length === 0 ? { kind: "action", id } : unknown;
    case FEETECH_INSTRUCTION.sync_read:
      if (p.length < 2) return unknown;
      return { kind: "sync_read", id, address: p[0] ?? 0, length: p[1] ?? 0, ids: Array.from(p.subarray(2)) };
    case FEETECH_INSTRUCTION.sync_write: {
      if (p.length < 2) return unknown;
      const address = p[0] ?? 0;
      const length = p[1] ?? 0;
      const body = p.subarray(2);
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

export const feetechCodec: ProtocolCodec = {
  id: "feetech",
  broadcastId: FEETECH_BROADCAST_ID,
  maxId: FEETECH_MAX_ID,
  hasReboot: false,

  ping(id) {
    checkId(id);
    return feetechPacket(id, FEETECH_INSTRUCTION.ping, []);
  },
  read(id, address, length) {
    checkId(id, false);
    checkByte("address", address);
    checkByte("length", length);
    return feetechPacket(id, FEETECH_INSTRUCTION.read, [address, length]);
  },
  write(id, address, data) {
    checkId(id);
    checkByte("address", address);
    return feetechPacket(id, FEETECH_INSTRUCTION.write, [address, ...data]);
  },
  regWrite(id, address, data) {
    checkId(id);
    checkByte("address", address);
    return feetechPacket(id, FEETECH_INSTRUCTION.reg_write, [address, ...data]);
  },
  action(id) {
    checkId(id);
    return feetechPacket(id, FEETECH_INSTRUCTION.action, []);
  },
  reboot() {
    throw new UnsupportedInstructionError("Feetech", "REBOOT");
  },
  syncRead(address, length, ids) {
    checkByte("address", address);
    checkByte("length", length);
    for (const id of ids) checkId(id, false);
    return feetechPacket(FEETECH_BROADCAST_ID, FEETECH_INSTRUCTION.sync_read, [address, length, ...ids]);
  },
  syncWrite(address, length, entries) {
    checkByte("address", address);
    checkByte("length", length);
    const params = new Uint8Array(2 + entries.length * (length + 1));
    params[0] = address;
    params[1] = length;
    let o = 2;
    for (const e of entries) {
      checkId(e.id, false);
      if (e.data.length !== length) {
        throw new PacketArgumentError(`Sync write entry for id ${e.id} has ${e.data.length} bytes, expected ${length}.`);
      }
      params[o] = e.id;
      params.set(e.data, o + 1);
      o += length + 1;
    }
    return feetechPacket(FEETECH_BROADCAST_ID, FEETECH_INSTRUCTION.sync_write, params);
  },

  createDecoder: () => new FeetechDecoder(),

  parseStatus(frame): StatusPacket | undefined {
    if (frame.code > 0x7f || frame.id > FEETECH_MAX_ID) return undefined;
    return { id: frame.id, error: frame.code, flags: classifyFeetechError(frame.code), data: frame.params };
  },
  parseInstruction: parseFeetechInstruction,
  encodeStatus(id, error, data) {
    return feetechPacket(id, error, data);
  },
  classifyError: classifyFeetechError,
  statusPacketSize: (n) => n + 6,
  encodeValue: (reg: RegisterDef, value: number) => encodeValue(reg, value),
  decodeValue: (reg: RegisterDef, bytes: Uint8Array, offset?: number) => decodeValue(reg, bytes, offset),
};
