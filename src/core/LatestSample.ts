/**
 * The newest control-loop sample, shared between the loop (writer) and the UI (readers)
 * without messages or React state: a seqlock over a (Shared)ArrayBuffer.
 * Layout: Int32 [seq, count] then Float64 [t, flags, leader×n, follower×n, command×n].
 * The writer makes `seq` odd while writing and even after; a reader retries if it saw a
 * write in progress. Works on a plain ArrayBuffer too (same thread).
 */
export class LatestSample {
  static bytesFor(joints: number): number {
    return 8 + 8 * (2 + 3 * joints);
  }

  private readonly head: Int32Array;
  private readonly body: Float64Array;

  constructor(
    readonly buffer: ArrayBufferLike,
    readonly joints: number,
  ) {
    this.head = new Int32Array(buffer, 0, 2);
    this.body = new Float64Array(buffer, 8, 2 + 3 * joints);
  }

  private shared(): boolean {
    return typeof SharedArrayBuffer !== "undefined" && this.buffer instanceof SharedArrayBuffer;
  }

  write(t: number, flags: number, leader: ArrayLike<number>, follower: ArrayLike<number>, command: ArrayLike<number>): void {
    const n = this.joints;
    const atomic = this.shared();
    if (atomic) Atomics.add(this.head, 0, 1);
    else this.head[0] = (this.head[0] ?? 0) + 1;
    const b = this.body;
    b[0] = t;
    b[1] = flags;
    for (let i = 0; i < n; i++) {
      b[2 + i] = leader[i] ?? NaN;
      b[2 + n + i] = follower[i] ?? NaN;
      b[2 + 2 * n + i] = command[i] ?? NaN;
    }
    if (atomic) {
      Atomics.add(this.head, 0, 1);
      Atomics.add(this.head, 1, 1);
    } else {
      this.head[0] = (this.head[0] ?? 0) + 1;
      this.head[1] = (this.head[1] ?? 0) + 1;
    }
  }

  /** Samples written so far. */
  get count(): number {
    return this.shared() ? Atomics.load(this.head, 1) : (this.head[1] ?? 0);
  }

  /**
   * Copy the newest complete sample into `out` (length 2 + 3n: t, flags, leader, follower,
   * command). Returns false if none yet or the writer kept interrupting.
   */
  read(out: Float64Array): boolean {
    const atomic = this.shared();
    for (let attempt = 0; attempt < 8; attempt++) {
      const s1 = atomic ? Atomics.load(this.head, 0) : (this.head[0] ?? 0);
      if (s1 === 0) return false;
      if (s1 % 2 === 1) continue;
      out.set(this.body);
      const s2 = atomic ? Atomics.load(this.head, 0) : (this.head[0] ?? 0);
      if (s1 === s2) return true;
    }
    return false;
  }
}

/** A SharedArrayBuffer when the page is cross-origin isolated, else a plain one. */
export function allocateSampleBuffer(joints: number): ArrayBufferLike {
  const bytes = LatestSample.bytesFor(joints);
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return isolated && typeof SharedArrayBuffer !== "undefined" ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}
