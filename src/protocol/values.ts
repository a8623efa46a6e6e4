import { ValueRangeError } from "./errors.ts";
import type { RegisterDef } from "./types.ts";

/** Value range a register accepts, in its signed interpretation. */
export function registerRange(reg: RegisterDef): { min: number; max: number } {
  const bits = reg.size * 8;
  switch (reg.sign.kind) {
    case "unsigned":
      return { min: 0, max: 2 ** bits - 1 };
    case "sign-magnitude": {
      const magnitude = 2 ** reg.sign.bit - 1;
      return { min: -magnitude, max: magnitude };
    }
    case "twos-complement":
      return { min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 };
  }
}

/** Signed value → unsigned register word, per the register's sign convention. */
export function toRaw(reg: RegisterDef, value: number, name = "register"): number {
  const { min, max } = registerRange(reg);
  if (!Number.isInteger(value) || value < min || value > max) throw new ValueRangeError(name, value, min, max);
  switch (reg.sign.kind) {
    case "unsigned":
      return value;
    case "sign-magnitude":
      return value < 0 ? 2 ** reg.sign.bit + -value : value;
    case "twos-complement":
      return value < 0 ? 2 ** (reg.size * 8) + value : value;
  }
}

/** Unsigned register word → signed value, per the register's sign convention. */
export function fromRaw(reg: RegisterDef, raw: number): number {
  switch (reg.sign.kind) {
    case "unsigned":
      return raw;
    case "sign-magnitude": {
      const bit = 2 ** reg.sign.bit;
      const magnitude = raw % bit;
      return Math.floor(raw / bit) % 2 === 1 && magnitude !== 0 ? -magnitude : magnitude;
    }
    case "twos-complement": {
      const width = 2 ** (reg.size * 8);
      return raw >= width / 2 ? raw - width : raw;
    }
  }
}

export function writeLE(out: Uint8Array, offset: number, size: number, raw: number): void {
  let v = raw;
  for (let i = 0; i < size; i++) {
    out[offset + i] = v & 0xff;
    v = Math.floor(v / 256);
  }
}

export function readLE(bytes: Uint8Array, offset: number, size: number): number {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + (bytes[offset + i] ?? 0);
  return v;
}

export function encodeValue(reg: RegisterDef, value: number, name?: string): Uint8Array {
  const out = new Uint8Array(reg.size);
  writeLE(out, 0, reg.size, toRaw(reg, value, name));
  return out;
}

export function decodeValue(reg: RegisterDef, bytes: Uint8Array, offset = 0): number {
  return fromRaw(reg, readLE(bytes, offset, reg.size));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, "0")).join(" ");
}

export function fromHex(hex: string): Uint8Array {
  const parts = hex
    .trim()
    .split(/\s+/)
    .filter((p) => p.length > 0);
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}
