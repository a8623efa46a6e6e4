/**
 * A growable byte queue for streaming decoders: append chunks at the end,
 * consume from the front, without quadratic copying.
 */
export class ByteQueue {
  private buf: Uint8Array;
  private start = 0;
  private end = 0;

  constructor(initialCapacity = 512) {
    this.buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.end - this.start;
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      const needed = live + chunk.length;
      if (needed <= this.buf.length / 2 || (needed <= this.buf.length && this.start > 0)) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const next = new Uint8Array(Math.max(needed, this.buf.length * 2));
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Byte at offset `i` from the front; undefined past the end. */
  at(i: number): number | undefined {
    const p = this.start + i;
    return p < this.end ? this.buf[p] : undefined;
  }

  /** A copy of `length` bytes starting at offset `from`. */
  copy(from: number, length: number): Uint8Array {
    return this.buf.slice(this.start + from, this.start + from + length);
  }

  /** A view (no copy) valid until the next append/consume. */
  view(from: number, length: number): Uint8Array {
    return this.buf.subarray(this.start + from, this.start + from + length);
  }

  consume(n: number): void {
    this.start = Math.min(this.end, this.start + n);
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  clear(): void {
    this.start = 0;
    this.end = 0;
  }
}
