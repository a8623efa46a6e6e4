/**
 * A small MessagePack writer for openpi's wire format. @msgpack/msgpack (which decodes) writes map
 * keys only as str; openpi's numpy markers need **bin** keys (`b"__ndarray__"`, `b"data"`, …), so
 * maps whose keys are bytes are written here. Output is checked against the library's decoder in
 * the tests (every value written here decodes to the same value there).
 */

/** A map whose keys are written as msgpack bin (bytes), not str. */
export class BinKeyMap {
  constructor(readonly entries: readonly (readonly [string, Writable])[]) {}
}

export type Writable =
  null | boolean | number | string | Uint8Array | BinKeyMap | readonly Writable[] | { readonly [key: string]: Writable | undefined };

const utf8 = new TextEncoder();

class ByteSink {
  buf = new Uint8Array(1024);
  view = new DataView(this.buf.buffer);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

function header(s: ByteSink, n: number, fix: number | undefined, fixMax: number, c8: number | undefined, c16: number, c32: number): void {
  if (fix !== undefined && n <= fixMax) s.u8(fix + n);
  else if (c8 !== undefined && n < 0x100) {
    s.u8(c8);
    s.u8(n);
  } else if (n < 0x10000) {
    s.u8(c16);
    s.u16(n);
  } else {
    s.u8(c32);
    s.u32(n);
  }
}

function writeNumber(s: ByteSink, v: number): void {
  // -0 is written as a float so its sign survives (as numpy's -0.0 does through Python's msgpack).
  if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
    if (v >= 0 && v < 0x80) return s.u8(v);
    if (v < 0 && v >= -32) return s.u8(0x100 + v);
    if (v >= 0 && v <= 0xffffffff) {
      s.u8(0xce);
      return s.u32(v);
    }
    if (v < 0 && v >= -0x80000000) {
      s.u8(0xd2);
      s.ensure(4);
      s.view.setInt32(s.pos, v);
      s.pos += 4;
      return;
    }
  }
  s.u8(0xcb);
  s.ensure(8);
  s.view.setFloat64(s.pos, v);
  s.pos += 8;
}

function writeString(s: ByteSink, v: string, asBin: boolean): void {
  const b = utf8.encode(v);
  if (asBin) header(s, b.length, undefined, 0, 0xc4, 0xc5, 0xc6);
  else header(s, b.length, 0xa0, 31, 0xd9, 0xda, 0xdb);
  s.bytes(b);
}

function write(s: ByteSink, v: Writable, depth: number): void {
  if (depth > 64) throw new RangeError("The message is nested too deeply to send.");
  if (v === null) return s.u8(0xc0);
  if (typeof v === "boolean") return s.u8(v ? 0xc3 : 0xc2);
  if (typeof v === "number") return writeNumber(s, v);
  if (typeof v === "string") return writeString(s, v, false);
  if (v instanceof Uint8Array) {
    header(s, v.length, undefined, 0, 0xc4, 0xc5, 0xc6);
    return s.bytes(v);
  }
  if (v instanceof BinKeyMap) {
    header(s, v.entries.length, 0x80, 15, undefined, 0xde, 0xdf);
    for (const [k, x] of v.entries) {
      writeString(s, k, true);
      write(s, x, depth + 1);
    }
    return;
  }
  if (Array.isArray(v)) {
    const items = v as readonly Writable[];
    header(s, items.length, 0x90, 15, undefined, 0xdc, 0xdd);
    for (const x of items) write(s, x, depth + 1);
    return;
  }
  const entries = Object.entries(v as Record<string, Writable | undefined>).filter((e): e is [string, Writable] => e[1] !== undefined);
  header(s, entries.length, 0x80, 15, undefined, 0xde, 0xdf);
  for (const [k, x] of entries) {
    writeString(s, k, false);
    write(s, x, depth + 1);
  }
}

/** MessagePack bytes of `value` (str keys for plain objects, bin keys for {@link BinKeyMap}). */
export function writeMsgpack(value: Writable): Uint8Array {
  const s = new ByteSink();
  write(s, value, 0);
  return s.buf.slice(0, s.pos);
}
