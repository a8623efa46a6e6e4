/**
 * A ring of fixed-width records in a (Shared)ArrayBuffer: one writer (the control loop) appends,
 * readers on any thread find a record by sequence number or by time — without messages or locks.
 *
 * Each record is `width` Float64 values, the first being its time (non-decreasing from one record
 * to the next). Records are numbered 1, 2, 3… (`seq`); record s lives in slot (s − 1) mod slots.
 * Every slot has an Int32 stamp: 2s − 1 while record s is being written, 2s once it is complete.
 * A reader copies a slot and checks the stamp before and after: the copy is record s, whole,
 * or the read fails (never a record made of two). The ring's head (the newest complete seq) is
 * published after the stamp. Atomics work on plain ArrayBuffers too (one thread, tests).
 *
 * Layout (private to this file): Int32 [head, slots, width, 0] then Int32 stamp × slots (padded
 * to 8 bytes), then Float64 record × slots.
 */

const HEADER_INTS = 4;

/** `bytes` of shared memory where this context is cross-origin isolated, else a plain buffer (same thread only). */
export function allocateShared(bytes: number): ArrayBufferLike {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return isolated && typeof SharedArrayBuffer !== "undefined" ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/** Whether `buffer` is shared memory (other threads see its writes). */
export function isShared(buffer: ArrayBufferLike): buffer is SharedArrayBuffer {
  return typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer;
}

export class SampleRing {
  static bytesFor(width: number, slots: number): number {
    return SampleRing.bodyOffset(slots) + 8 * width * slots;
  }

  private static bodyOffset(slots: number): number {
    return Math.ceil((4 * (HEADER_INTS + slots)) / 8) * 8;
  }

  private readonly head: Int32Array;
  private readonly stamps: Int32Array;
  private readonly body: Float64Array;
  private writing = 0;

  /** A view over `bytesFor(width, slots)` bytes of `buffer` from `offset` (a multiple of 8). */
  constructor(
    readonly buffer: ArrayBufferLike,
    readonly width: number,
    readonly slots: number,
    offset = 0,
  ) {
    if (!(Number.isInteger(width) && width >= 1 && Number.isInteger(slots) && slots >= 2)) {
      throw new RangeError(`A sample ring needs a width ≥ 1 and at least 2 slots, got ${width} × ${slots}.`);
    }
    this.head = new Int32Array(buffer, offset, HEADER_INTS);
    this.stamps = new Int32Array(buffer, offset + 4 * HEADER_INTS, slots);
    this.body = new Float64Array(buffer, offset + SampleRing.bodyOffset(slots), width * slots);
  }

  /** The newest complete record's seq (0: none yet). */
  get newest(): number {
    return Atomics.load(this.head, 0);
  }

  /** The oldest seq a reader may still find (older ones are overwritten; the slot after the newest may be in writing). */
  get oldest(): number {
    const n = this.newest;
    return n === 0 ? 0 : Math.max(1, n - this.slots + 2);
  }

  /**
   * Starts writing the next record: returns its values (fill them, time first), then call
   * {@link commit}. Between the two, readers never see the record (nor the one it replaces).
   */
  begin(): Float64Array {
    const s = this.newest + 1;
    this.writing = s;
    const i = (s - 1) % this.slots;
    Atomics.store(this.stamps, i, 2 * s - 1);
    return this.body.subarray(i * this.width, (i + 1) * this.width);
  }

  /** Publishes the record begun last. Returns its seq. */
  commit(): number {
    const s = this.writing;
    if (s === 0) throw new Error("SampleRing.commit without begin.");
    Atomics.store(this.stamps, (s - 1) % this.slots, 2 * s);
    Atomics.store(this.head, 0, s);
    this.writing = 0;
    return s;
  }

  /** Appends one record (`values[0]` is its time). */
  write(values: ArrayLike<number>): number {
    const b = this.begin();
    for (let k = 0; k < this.width; k++) b[k] = values[k] ?? NaN;
    return this.commit();
  }

  /** Copies record `seq` into `out` (width values); false if it is not there (not written yet, overwritten, or being rewritten). */
  read(seq: number, out: Float64Array): boolean {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.newest || out.length < this.width) return false;
    const i = (seq - 1) % this.slots;
    if (Atomics.load(this.stamps, i) !== 2 * seq) return false;
    out.set(this.body.subarray(i * this.width, (i + 1) * this.width));
    return Atomics.load(this.stamps, i) === 2 * seq;
  }

  /** Record `seq`'s time, or NaN if it is not there. */
  timeOf(seq: number): number {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.newest) return NaN;
    const i = (seq - 1) % this.slots;
    if (Atomics.load(this.stamps, i) !== 2 * seq) return NaN;
    const t = this.body[i * this.width]!;
    return Atomics.load(this.stamps, i) === 2 * seq ? t : NaN;
  }

  /**
   * The seq of the record whose time is nearest `t` among those still in the ring (ties: the
   * earlier one), or 0 if there is none. Records overwritten during the search are skipped.
   */
  nearest(t: number): number {
    for (let attempt = 0; attempt < 4; attempt++) {
      const newest = this.newest;
      if (newest === 0) return 0;
      let lo = this.oldest;
      // Move past records overwritten since `oldest` was read.
      while (lo <= newest && Number.isNaN(this.timeOf(lo))) lo++;
      if (lo > newest) continue;
      // First seq in [lo, newest] with time ≥ t (newest + 1 if none).
      let a = lo;
      let b = newest + 1;
      let torn = false;
      while (a < b) {
        const mid = (a + b) >> 1;
        const tm = this.timeOf(mid);
        if (Number.isNaN(tm)) {
          torn = true;
          break;
        }
        if (tm < t) a = mid + 1;
        else b = mid;
      }
      if (torn) continue;
      const after = a <= newest ? this.timeOf(a) : NaN;
      const before = a - 1 >= lo ? this.timeOf(a - 1) : NaN;
      if (Number.isNaN(after) && Number.isNaN(before)) continue;
      if (Number.isNaN(after)) return a - 1;
      if (Number.isNaN(before)) return a;
      return t - before <= after - t ? a - 1 : a;
    }
    return 0;
  }
}
