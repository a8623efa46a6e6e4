import { mulberry32 } from "../../core/random.ts";
import type { SimReply, SimulatedBus } from "./SimulatedBus.ts";
import type { Clock } from "../../core/clock.ts";
import { realClock } from "../precisionTimer.ts";

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
  /** The line's time (the real precise timer by default; a manual clock in tests). */
  clock?: Clock;
}

/**
 * Two servos with one id answer at the same moment: their bytes overlap on the line.
 * A UART line idles high and either driver can pull it low, so the host reads the
 * bitwise AND — identical packets survive, different ones come out garbled.
 */
function collide(replies: SimReply[]): SimReply[] {
  const out: SimReply[] = [];
  for (const r of replies) {
    const same = out.findIndex((o) => o.id === r.id);
    if (same < 0) {
      out.push(r);
      continue;
    }
    const a = out[same]!;
    const len = Math.max(a.bytes.length, r.bytes.length);
    const merged = new Uint8Array(len);
    for (let i = 0; i < len; i++) merged[i] = (a.bytes[i] ?? 0xff) & (r.bytes[i] ?? 0xff);
    out[same] = { id: a.id, bytes: merged, delayUs: Math.max(a.delayUs, r.delayUs) };
  }
  return out;
}

export interface WireListener {
  data(chunk: Uint8Array): void;
  lost(): void;
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
  private readonly outbox: { at: number; bytes: Uint8Array }[] = [];
  private cancelTimer: (() => void) | undefined;
  readonly clock: Clock;

  constructor(
    readonly bus: SimulatedBus,
    options: SimWireOptions = {},
  ) {
    this.usbLatencyMs = options.usbLatencyMs ?? 1;
    this.chunking = options.chunking ?? false;
    this.rand = mulberry32(options.seed ?? 1);
    this.clock = options.clock ?? realClock;
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
    const now = this.clock.now();
    const txStart = Math.max(now, this.wireFreeAt);
    const txEnd = txStart + bytes.length * perByteMs;
    const replies = collide(this.bus.receive(bytes, this.baudRate, txEnd));
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
    if (this.chunking && bytes.length > 1) {
      let o = 0;
      while (o < bytes.length) {
        const n = 1 + Math.floor(this.rand() * (bytes.length - o));
        this.outbox.push({ at, bytes: bytes.subarray(o, o + n) });
        o += n;
      }
    } else {
      this.outbox.push({ at, bytes });
    }
    this.schedule();
  }

  /** Bytes reach the host in the order they left the line: one timer for the queue's head. */
  private schedule(): void {
    const head = this.outbox[0];
    if (this.cancelTimer !== undefined || head === undefined) return;
    this.cancelTimer = this.clock.runAt(head.at, () => {
      this.cancelTimer = undefined;
      const now = this.clock.now();
      while (this.outbox.length > 0 && this.outbox[0]!.at <= now) {
        const item = this.outbox.shift()!;
        if (this.plugged) this.listener?.data(item.bytes);
      }
      this.schedule();
    });
  }

  /** Pull the USB cable: pending replies vanish, the host is told the device is lost. */
  unplug(): void {
    if (!this.plugged) return;
    this.plugged = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.outbox.length = 0;
    this.listener?.lost();
  }

  plug(): void {
    this.plugged = true;
  }
}
