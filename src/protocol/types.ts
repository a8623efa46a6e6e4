/**
 * Shared shapes of the servo protocol codecs. Everything in protocol/ is pure:
 * bytes in, values out, no I/O, no timers, no DOM.
 */

export type ProtocolId = "feetech" | "dynamixel";

/** How a register's raw unsigned bytes map to a signed number. */
export type RegisterSign =
  | { readonly kind: "unsigned" }
  /** Feetech: bit `bit` is the sign, the lower bits the magnitude. */
  | { readonly kind: "sign-magnitude"; readonly bit: number }
  /** Dynamixel: two's complement over the register width. */
  | { readonly kind: "twos-complement" };

export interface RegisterDef {
  readonly address: number;
  readonly size: 1 | 2 | 4;
  /** "eeprom" registers persist and need torque off (and Lock = 0 on Feetech) to write. */
  readonly area: "eeprom" | "ram";
  readonly access: "r" | "rw";
  readonly sign: RegisterSign;
  /** One line for the bus console: unit and meaning. */
  readonly doc: string;
}

export type ControlTable = Readonly<Record<string, RegisterDef>>;

/** One framed packet as read off the wire, after its checksum/CRC verified. */
export interface Frame {
  readonly id: number;
  /**
   * Feetech: the instruction byte of an instruction packet, or the error byte of a status
   * packet (the two share one framing). Dynamixel: the instruction byte (0x55 for status).
   */
  readonly code: number;
  /** Parameters after `code` (Dynamixel: already un-stuffed). */
  readonly params: Uint8Array;
}

export type CorruptReason =
  /** Checksum or CRC did not match: the frame is dropped. */
  | "checksum"
  /** A length field that cannot be right (too short, too long, or an impossible id). */
  | "length"
  /** Bytes before a header, or a header that does not start a frame. */
  | "garbage";

export type DecodeEvent =
  | { readonly kind: "frame"; readonly frame: Frame }
  | { readonly kind: "corrupt"; readonly reason: CorruptReason; readonly dropped: number };

/**
 * A streaming frame decoder: feed it chunks as they arrive (split anywhere),
 * get whole frames out. It never throws, resynchronises after garbage,
 * and holds at most one maximal frame's worth of bytes.
 */
export interface FrameDecoder {
  push(chunk: Uint8Array): DecodeEvent[];
  /** Bytes held waiting for the rest of a frame. */
  readonly buffered: number;
  reset(): void;
}

/** A status error byte split by what the caller can do with the payload. */
export interface StatusFlags {
  /** Conditions: the servo reports a problem but the payload is still valid. */
  readonly conditions: readonly StatusCondition[];
  /** Rejections: the servo refused or garbled the request; the payload must not be used. */
  readonly rejections: readonly StatusRejection[];
}

export type StatusCondition = "voltage" | "angle_sensor" | "overheat" | "overcurrent" | "overload" | "hardware_alert";

export type StatusRejection = "checksum" | "instruction" | "range" | "result_fail" | "data_length" | "data_limit" | "access" | "unknown";

/** A status (reply) packet, parsed from a frame. */
export interface StatusPacket {
  readonly id: number;
  readonly error: number;
  readonly flags: StatusFlags;
  /** Data bytes (empty for PING on Feetech; model + firmware for Dynamixel PING). */
  readonly data: Uint8Array;
}

export interface SyncWriteEntry {
  readonly id: number;
  readonly data: Uint8Array;
}

/** A decoded instruction packet, as the simulated servo sees it. */
export type Instruction =
  | { readonly kind: "ping"; readonly id: number }
  | { readonly kind: "read"; readonly id: number; readonly address: number; readonly length: number }
  | { readonly kind: "write"; readonly id: number; readonly address: number; readonly data: Uint8Array }
  | { readonly kind: "reg_write"; readonly id: number; readonly address: number; readonly data: Uint8Array }
  | { readonly kind: "action"; readonly id: number }
  | { readonly kind: "reboot"; readonly id: number }
  | {
      readonly kind: "sync_read";
      readonly id: number;
      readonly address: number;
      readonly length: number;
      readonly ids: readonly number[];
    }
  | {
      readonly kind: "sync_write";
      readonly id: number;
      readonly address: number;
      readonly length: number;
      readonly entries: readonly SyncWriteEntry[];
    }
  | { readonly kind: "unknown"; readonly id: number; readonly code: number; readonly params: Uint8Array };

/**
 * One protocol family. Both directions are here: the bus encodes instructions and
 * parses status packets; the simulated servo parses instructions and encodes status.
 */
export interface ProtocolCodec {
  readonly id: ProtocolId;
  readonly broadcastId: number;
  readonly maxId: number;
  /** Whether the family has the REBOOT instruction. */
  readonly hasReboot: boolean;

  ping(id: number): Uint8Array;
  read(id: number, address: number, length: number): Uint8Array;
  write(id: number, address: number, data: Uint8Array): Uint8Array;
  regWrite(id: number, address: number, data: Uint8Array): Uint8Array;
  action(id: number): Uint8Array;
  /** Throws UnsupportedInstructionError on families without REBOOT. */
  reboot(id: number): Uint8Array;
  syncRead(address: number, length: number, ids: readonly number[]): Uint8Array;
  syncWrite(address: number, length: number, entries: readonly SyncWriteEntry[]): Uint8Array;

  createDecoder(): FrameDecoder;
  /** Interpret a frame as a status packet; undefined if it is not one (e.g. an echoed instruction). */
  parseStatus(frame: Frame): StatusPacket | undefined;
  /** Interpret a frame as an instruction packet (simulator side). */
  parseInstruction(frame: Frame): Instruction;
  encodeStatus(id: number, error: number, data: Uint8Array): Uint8Array;
  classifyError(error: number): StatusFlags;

  /** Bytes on the wire of a status packet carrying `dataLength` data bytes (without stuffing). */
  statusPacketSize(dataLength: number): number;

  /** Register value (signed number) → little-endian register bytes. Throws ValueRangeError. */
  encodeValue(reg: RegisterDef, value: number): Uint8Array;
  /** Little-endian register bytes → register value. */
  decodeValue(reg: RegisterDef, bytes: Uint8Array, offset?: number): number;
}
