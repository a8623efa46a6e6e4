/**
 * openpi's websocket policy-server wire format (openpi-client `msgpack_numpy`): MessagePack where
 * a numpy array is the map `{b"__ndarray__": true, b"data": <bytes>, b"dtype": "<f4", b"shape": [..]}`
 * and a numpy scalar `{b"__npgeneric__": true, b"data": v, b"dtype": "<f4"}` — the marker keys are
 * msgpack **bin**, not str. Decoding never trusts the peer: sizes are bounded, dtypes and shapes
 * are checked against the bytes, and a bad message is a {@link WireError} naming the field.
 */
import { DecodeError, Decoder } from "@msgpack/msgpack";
import { BinKeyMap, type Writable, writeMsgpack } from "./msgpackWriter.ts";

export type Dtype = "<f4" | "<f8" | "|u1" | "|i1" | "<i2" | "<u2" | "<i4" | "<u4" | "|b1";

type TypedArrayOf = Float32Array | Float64Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

interface DtypeInfo {
  readonly bytes: number;
  readonly make: (buf: ArrayBuffer) => TypedArrayOf;
}

const DTYPES: Record<Dtype, DtypeInfo> = {
  "<f4": { bytes: 4, make: (b) => new Float32Array(b) },
  "<f8": { bytes: 8, make: (b) => new Float64Array(b) },
  "|u1": { bytes: 1, make: (b) => new Uint8Array(b) },
  "|b1": { bytes: 1, make: (b) => new Uint8Array(b) },
  "|i1": { bytes: 1, make: (b) => new Int8Array(b) },
  "<i2": { bytes: 2, make: (b) => new Int16Array(b) },
  "<u2": { bytes: 2, make: (b) => new Uint16Array(b) },
  "<i4": { bytes: 4, make: (b) => new Int32Array(b) },
  "<u4": { bytes: 4, make: (b) => new Uint32Array(b) },
};

/** A numpy array on the wire: row-major (C order) data of `dtype`, little-endian. */
export class NdArray {
  constructor(
    readonly dtype: Dtype,
    readonly shape: readonly number[],
    readonly data: TypedArrayOf,
  ) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new RangeError(`An array of shape [${shape.join(", ")}] needs ${n} values, not ${data.length}.`);
  }

  static float32(shape: readonly number[], data: ArrayLike<number>): NdArray {
    return new NdArray("<f4", shape, Float32Array.from(data));
  }

  static uint8(shape: readonly number[], data: Uint8Array): NdArray {
    return new NdArray("|u1", shape, data);
  }
}

/** A numpy scalar (np.float32(…)): its value and dtype. */
export class NpGeneric {
  constructor(
    readonly dtype: string,
    readonly value: number | boolean,
  ) {}
}

export type WireValue = null | boolean | number | string | Uint8Array | NdArray | NpGeneric | WireValue[] | { [key: string]: WireValue };

/** A message the peer sent that is not in openpi's format; `path` names the field ("actions.shape"). */
export class WireError extends Error {
  override readonly name = "WireError";
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}

export interface WireLimits {
  /** Largest message accepted, bytes (a flood of data is refused, not buffered). */
  readonly maxBytes: number;
  /** Largest array accepted, elements. */
  readonly maxElements: number;
  readonly maxDepth: number;
}

export const DEFAULT_WIRE_LIMITS: WireLimits = { maxBytes: 64 * 1024 * 1024, maxElements: 16 * 1024 * 1024, maxDepth: 16 };

const BIN_PREFIX = "\u0000bin:";
const utf8 = new TextDecoder("utf-8", { fatal: true });

function mapKey(key: unknown): string | number {
  if (typeof key === "string" || typeof key === "number") return key;
  if (key instanceof Uint8Array) {
    try {
      return BIN_PREFIX + utf8.decode(key);
    } catch {
      throw new WireError("", "a map key is bytes that are not UTF-8.");
    }
  }
  throw new WireError("", `a map key is a ${typeof key}, not a string.`);
}

function toWritable(v: WireValue, path: string, depth: number): Writable {
  if (depth > 32) throw new WireError(path, "nested too deeply.");
  if (v instanceof NdArray) {
    const bytes = new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
    return new BinKeyMap([
      ["__ndarray__", true],
      ["data", bytes],
      ["dtype", v.dtype],
      ["shape", [...v.shape]],
    ]);
  }
  if (v instanceof NpGeneric)
    return new BinKeyMap([
      ["__npgeneric__", true],
      ["data", v.value],
      ["dtype", v.dtype],
    ]);
  if (v === null || typeof v !== "object" || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x, i) => toWritable(x, `${path}[${i}]`, depth + 1));
  const out: Record<string, Writable> = {};
  for (const [k, x] of Object.entries(v)) out[k] = toWritable(x, path ? `${path}.${k}` : k, depth + 1);
  return out;
}

/** msgpack bytes of a message, numpy markers as openpi's server expects them. */
export function encodeWire(value: WireValue): Uint8Array {
  return writeMsgpack(toWritable(value, "", 0));
}

function isMarker(o: Record<string, unknown>, name: string): boolean {
  return o[BIN_PREFIX + name] === true || o[name] === true;
}

function field(o: Record<string, unknown>, name: string): unknown {
  return BIN_PREFIX + name in o ? o[BIN_PREFIX + name] : o[name];
}

function decodeArray(o: Record<string, unknown>, path: string, limits: WireLimits): NdArray {
  const dtype = field(o, "dtype");
  const shape = field(o, "shape");
  const data = field(o, "data");
  if (typeof dtype !== "string" || !(dtype in DTYPES))
    throw new WireError(`${path}.dtype`, `dtype ${JSON.stringify(dtype)} is not supported (use float32 "<f4", float64 or uint8).`);
  const info = DTYPES[dtype as Dtype];
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < 0))
    throw new WireError(`${path}.shape`, "shape must be a list of non-negative integers.");
  const dims = shape as number[];
  const n = dims.reduce((a, b) => a * b, 1);
  if (n > limits.maxElements) throw new WireError(`${path}.shape`, `[${dims.join(", ")}] is larger than ${limits.maxElements} values.`);
  if (!(data instanceof Uint8Array)) throw new WireError(`${path}.data`, "data must be bytes.");
  if (data.byteLength !== n * info.bytes)
    throw new WireError(
      `${path}.data`,
      `${data.byteLength} bytes do not hold shape [${dims.join(", ")}] of ${dtype} (${n * info.bytes} bytes).`,
    );
  const copy = new ArrayBuffer(data.byteLength);
  new Uint8Array(copy).set(data);
  return new NdArray(dtype as Dtype, dims, info.make(copy));
}

function fromDecoded(v: unknown, path: string, depth: number, limits: WireLimits): WireValue {
  if (depth > limits.maxDepth) throw new WireError(path, "nested too deeply.");
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean" || typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x, i) => fromDecoded(x, `${path}[${i}]`, depth + 1, limits));
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (isMarker(o, "__ndarray__")) return decodeArray(o, path, limits);
    if (isMarker(o, "__npgeneric__")) {
      const d = field(o, "data");
      const dtype = field(o, "dtype");
      if ((typeof d !== "number" && typeof d !== "boolean") || typeof dtype !== "string")
        throw new WireError(path, "a numpy scalar needs a number and a dtype.");
      return new NpGeneric(dtype, d);
    }
    const out: { [key: string]: WireValue } = {};
    for (const [k, x] of Object.entries(o)) {
      const key = k.startsWith(BIN_PREFIX) ? k.slice(BIN_PREFIX.length) : k;
      out[key] = fromDecoded(x, path ? `${path}.${key}` : key, depth + 1, limits);
    }
    return out;
  }
  throw new WireError(path, `unexpected ${typeof v}.`);
}

/** Decodes one binary frame. Throws {@link WireError} (never anything else) on a malformed message. */
export function decodeWire(bytes: Uint8Array, limits: WireLimits = DEFAULT_WIRE_LIMITS): WireValue {
  if (bytes.byteLength > limits.maxBytes)
    throw new WireError("", `the message is ${bytes.byteLength} bytes, more than ${limits.maxBytes}.`);
  let raw: unknown;
  try {
    const decoder = new Decoder({
      mapKeyConverter: mapKey,
      maxBinLength: limits.maxBytes,
      maxStrLength: 1024 * 1024,
      maxArrayLength: 1 << 20,
      maxMapLength: 1 << 16,
      maxExtLength: 0,
    });
    raw = decoder.decode(bytes);
  } catch (e) {
    if (e instanceof WireError) throw e;
    const what = e instanceof DecodeError || e instanceof RangeError || e instanceof Error ? e.message : String(e);
    throw new WireError("", `not a MessagePack message (${what}).`);
  }
  return fromDecoded(raw, "", 0, limits);
}

/** The map a message must be (an observation, an action reply, the metadata). */
export function asMap(v: WireValue, what: string): { [key: string]: WireValue } {
  if (v === null || typeof v !== "object" || Array.isArray(v) || v instanceof NdArray || v instanceof NpGeneric || v instanceof Uint8Array)
    throw new WireError("", `${what} must be a map.`);
  return v;
}
