/**
 * The newest control-loop sample, shared between the loop (writer) and the UI, the recorder and
 * the simulated camera (readers) without messages or React state: a seqlock over a
 * (Shared)ArrayBuffer. Nobody indexes the buffer by hand: readers copy into a {@link SampleFrame},
 * whose fields have names.
 *
 * Layout (private to this file): Int32 [seq, count] then Float64 [t, flags, leader×n, follower×n,
 * command×n]. The writer makes `seq` odd while writing and even after; a reader retries if it saw
 * a write in progress. Works on a plain ArrayBuffer too (same thread).
 */

/** Sample flags. */
export const SAMPLE_TRACKING = 1;

/** One sample of the loop: when, and each joint's leader, follower and command values (normalised units; NaN = unknown). */
export interface JointSample {
  /** Loop host's clock, ms. */
  readonly t: number;
  readonly flags: number;
  readonly leader: ArrayLike<number>;
  readonly follower: ArrayLike<number>;
  readonly command: ArrayLike<number>;
}

const HEAD = 2;

/** A reusable, named view over one sample's values (allocate once, read into it every frame). */
export class SampleFrame implements JointSample {
  readonly values: Float64Array;
  readonly leader: Float64Array;
  readonly follower: Float64Array;
  readonly command: Float64Array;

  constructor(readonly joints: number) {
    this.values = new Float64Array(HEAD + 3 * joints).fill(NaN);
    this.leader = this.values.subarray(HEAD, HEAD + joints);
    this.follower = this.values.subarray(HEAD + joints, HEAD + 2 * joints);
    this.command = this.values.subarray(HEAD + 2 * joints, HEAD + 3 * joints);
  }

  get t(): number {
    return this.values[0]!;
  }

  get flags(): number {
    return this.values[1]!;
  }

  get tracking(): boolean {
    return (this.flags & SAMPLE_TRACKING) !== 0;
  }

  /** A frame from the plain values a status message carries ({@link SampleFrame.toArray}); undefined if they do not fit. */
  static fromArray(values: readonly number[], joints: number): SampleFrame | undefined {
    if (joints <= 0 || values.length !== HEAD + 3 * joints) return undefined;
    const f = new SampleFrame(joints);
    f.values.set(values);
    return f;
  }

  /** Plain numbers, for a message (structured clone) or a test. */
  toArray(): number[] {
    return Array.from(this.values);
  }
}

export class LatestSample {
  static bytesFor(joints: number): number {
    return 8 + 8 * (HEAD + 3 * joints);
  }

  private readonly head: Int32Array;
  private readonly body: Float64Array;

  constructor(
    readonly buffer: ArrayBufferLike,
    readonly joints: number,
  ) {
    this.head = new Int32Array(buffer, 0, 2);
    this.body = new Float64Array(buffer, 8, HEAD + 3 * joints);
  }

  private shared(): boolean {
    return typeof SharedArrayBuffer !== "undefined" && this.buffer instanceof SharedArrayBuffer;
  }

  write(sample: JointSample): void {
    const n = this.joints;
    const atomic = this.shared();
    if (atomic) Atomics.add(this.head, 0, 1);
    else this.head[0] = (this.head[0] ?? 0) + 1;
    const b = this.body;
    b[0] = sample.t;
    b[1] = sample.flags;
    for (let i = 0; i < n; i++) {
      b[HEAD + i] = sample.leader[i] ?? NaN;
      b[HEAD + n + i] = sample.follower[i] ?? NaN;
      b[HEAD + 2 * n + i] = sample.command[i] ?? NaN;
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

  /** A frame sized for this buffer. */
  frame(): SampleFrame {
    return new SampleFrame(this.joints);
  }

  /**
   * Copies the newest complete sample into `out` (a frame of the same joint count). Returns false
   * if there is none yet, the sizes differ, or the writer kept interrupting.
   */
  read(out: SampleFrame): boolean {
    if (out.joints !== this.joints) return false;
    const atomic = this.shared();
    for (let attempt = 0; attempt < 8; attempt++) {
      const s1 = atomic ? Atomics.load(this.head, 0) : (this.head[0] ?? 0);
      if (s1 === 0) return false;
      if (s1 % 2 === 1) continue;
      out.values.set(this.body);
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

/** Where a loop publishes its samples, as handed to another thread (recorder, simulated camera). */
export interface SampleSource {
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  readonly joints: number;
  /** Add to a sample's time to get the reader's clock: (loop host's timeOrigin − reader's timeOrigin). */
  readonly hostOffsetMs: number;
}
