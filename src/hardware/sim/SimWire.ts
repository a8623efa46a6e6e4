import type { SimulatedBus } from "./SimulatedBus.ts";
import { runAt } from "./precisionTimer.ts";

export interface WireFaults {
  /** Probability that a reply has one byte corrupted. */
  corruptRate: number;
  /** Probability that a reply never comes. */
  dropRate: number;
}

export interface SimWireOptions {
  /** Per-transaction USB latency (FTDI/CH34x latency timer), ms. */
  usbLatencyMs?: number;
  /** Split replies into random chunks, as USB serial adapters do. */
  chunking?: boolean;
  /** Deterministic randomness for faults and chunking. */
  seed?: number;
}

export interface WireListener {
  data(chunk: Uint8Array): void;
  lost(): void;
}

/** Small deterministic PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The physical line between a USB adapter and the simulated servos, with a timing model:
 * 10 bits per byte at the line's baud rate, each servo's return delay, replies one after
 * another on the half-duplex line, plus a per-transaction USB latency on delivery.
 * Fault injection: corrupted bytes, dropped replies, unplug.
 */
export class SimWire {
  baudRate = 1_000_000;
  usbLatencyMs: number;
  readonly faults: WireFaults = { corruptRate: 0, dropRate: 0 };
  readonly injected = { corrupted: 0, dropped: 0 };
  private listener: WireListener | undefined;
  private wireFreeAt = 0;
  private plugged = true;
  private readonly chunking: boolean;
  private readonly rand: () => number;
  private readonly cancels = new Set<() => void>();

  constructor(
    readonly bus: SimulatedBus,
    options: SimWireOptions = {},
  ) {
    this.usbLatencyMs = options.usbLatencyMs ?? 1;
    this.chunking = options.chunking ?? false;
    this.rand = mulberry32(options.seed ?? 1);
  }

  get isPlugged(): boolean {
    return this.plugged;
  }

  setListener(listener: WireListener | undefined): void {
    this.listener = listener;
  }

  /** Host → servos. Returns when the bytes have been handed over (not when on the wire). */
  transmit(bytes: Uint8Array): void {
    if (!this.plugged) return;
    const perByteMs = 10_000 / this.baudRate; // 10 bits per byte (8N1), in ms
    const now = performance.now();
    const txStart = Math.max(now, this.wireFreeAt);
    const txEnd = txStart + bytes.length * perByteMs;
    const replies = this.bus.receive(bytes, this.baudRate, txEnd);
    let t = txEnd;
    for (const reply of replies) {
      if (this.rand() < this.faults.dropRate) {
        this.injected.dropped++;
        continue;
      }
      let out = reply.bytes;
      if (this.rand() < this.faults.corruptRate) {
        out = out.slice();
        const i = Math.floor(this.rand() * out.length);
        out[i] = (out[i] ?? 0) ^ (1 + Math.floor(this.rand() * 255));
        this.injected.corrupted++;
      }
      t += reply.delayUs / 1000;
      const end = t + out.length * perByteMs;
      t = end;
      this.deliver(out, end + this.usbLatencyMs);
    }
    this.wireFreeAt = t;
  }

  private deliver(bytes: Uint8Array, at: number): void {
    const chunks: Uint8Array[] = [];
    if (this.chunking && bytes.length > 1) {
      let o = 0;
      while (o < bytes.length) {
        const n = 1 + Math.floor(this.rand() * (bytes.length - o));
        chunks.push(bytes.subarray(o, o + n));
        o += n;
      }
    } else {
      chunks.push(bytes);
    }
    const cancel = runAt(at, () => {
      this.cancels.delete(cancel);
      if (!this.plugged) return;
      for (const c of chunks) this.listener?.data(c);
    });
    this.cancels.add(cancel);
  }

  /** Pull the USB cable: pending replies vanish, the host is told the device is lost. */
  unplug(): void {
    if (!this.plugged) return;
    this.plugged = false;
    for (const c of this.cancels) c();
    this.cancels.clear();
    this.listener?.lost();
  }

  plug(): void {
    this.plugged = true;
  }
}
