/**
 * The control loop's samples, shared between the loop (writer) and the UI, the recorder and the
 * simulated camera (readers) without messages or React state: a {@link SampleRing} (per-slot
 * sequence stamps) in a (Shared)ArrayBuffer. Nobody indexes the buffer by hand: readers copy into
 * a {@link SampleFrame}, whose fields have names. Works on a plain ArrayBuffer too (same thread).
 */
import { allocateShared, SampleRing } from "./SampleRing.ts";

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

/** Why the loop stopped publishing (written by the loop when it ends a run). */
export type LoopEnd = "stopped" | "estopped" | "fault" | "disconnected";
const END_CODES: readonly LoopEnd[] = ["stopped", "estopped", "fault", "disconnected"];
/** Samples the ring holds: 5.1 s at 100 Hz, 4 s at 128 Hz. */
export const SAMPLE_SLOTS = 512;
/** Longest end reason kept (UTF-16 units). */
const REASON_UNITS = 120;
/** Meta block: Int32 [endCode, endSeq, reasonLength, 0], Float64 [periodMs], Uint16 reason × 120. */
const META_BYTES = 16 + 8 + 2 * REASON_UNITS;

/**
 * The control loop's samples: the newest one (twin, simulated camera) and the last seconds of
 * them (the recorder takes, for each row, the sample read nearest the row's time). A
 * {@link SampleRing} of records [t, flags, leader×n, follower×n, command×n] — `t` is when the
 * joints were read (the loop host's clock), NaN marks a joint that was not read — plus the loop's
 * period and why it ended its last run.
 */
export class LatestSample {
  static bytesFor(joints: number, slots = SAMPLE_SLOTS): number {
    return META_BYTES + SampleRing.bytesFor(HEAD + 3 * joints, slots);
  }

  readonly ring: SampleRing;
  private readonly meta: Int32Array;
  private readonly period: Float64Array;
  private readonly reason: Uint16Array;

  constructor(
    readonly buffer: ArrayBufferLike,
    readonly joints: number,
    slots = SAMPLE_SLOTS,
  ) {
    this.meta = new Int32Array(buffer, 0, 4);
    this.period = new Float64Array(buffer, 16, 1);
    this.reason = new Uint16Array(buffer, 24, REASON_UNITS);
    this.ring = new SampleRing(buffer, HEAD + 3 * joints, slots, META_BYTES);
  }

  /** The loop's target period, ms (NaN until a loop said). */
  get periodMs(): number {
    return this.period[0] || NaN;
  }

  /** A loop starts a run at `periodMs`: its end (if any) is forgotten. */
  begin(periodMs: number): void {
    this.period[0] = periodMs;
    Atomics.store(this.meta, 0, 0);
  }

  /** The loop ended its run (after its last sample): readers learn why. */
  end(kind: LoopEnd, reason: string): void {
    const units = Math.min(reason.length, REASON_UNITS);
    for (let i = 0; i < units; i++) this.reason[i] = reason.charCodeAt(i);
    Atomics.store(this.meta, 2, units);
    Atomics.store(this.meta, 1, this.ring.newest);
    Atomics.store(this.meta, 0, END_CODES.indexOf(kind) + 1);
  }

  /** Why the loop's last run ended, and after which sample; undefined while it runs (or never ran). */
  get ended(): { kind: LoopEnd; reason: string; afterSeq: number } | undefined {
    const code = Atomics.load(this.meta, 0);
    const kind = END_CODES[code - 1];
    if (kind === undefined) return undefined;
    const units = Math.min(Atomics.load(this.meta, 2), REASON_UNITS);
    return { kind, reason: String.fromCharCode(...this.reason.subarray(0, units)), afterSeq: Atomics.load(this.meta, 1) };
  }

  write(sample: JointSample): void {
    const n = this.joints;
    const b = this.ring.begin();
    b[0] = sample.t;
    b[1] = sample.flags;
    for (let i = 0; i < n; i++) {
      b[HEAD + i] = sample.leader[i] ?? NaN;
      b[HEAD + n + i] = sample.follower[i] ?? NaN;
      b[HEAD + 2 * n + i] = sample.command[i] ?? NaN;
    }
    this.ring.commit();
  }

  /** Samples written so far (the newest sample's seq). */
  get count(): number {
    return this.ring.newest;
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
    for (let attempt = 0; attempt < 8; attempt++) {
      const s = this.ring.newest;
      if (s === 0) return false;
      if (this.readSeq(s, out)) return true;
    }
    return false;
  }

  /** Copies sample `seq` into `out`; false if it is not in the ring (any more) or the sizes differ. */
  readSeq(seq: number, out: SampleFrame): boolean {
    return out.joints === this.joints && this.ring.read(seq, out.values);
  }

  /** The seq of the sample read nearest `t` (loop host's clock), 0 if none. */
  nearest(t: number): number {
    return this.ring.nearest(t);
  }
}

/** A SharedArrayBuffer when the page is cross-origin isolated, else a plain one. */
export function allocateSampleBuffer(joints: number): ArrayBufferLike {
  return allocateShared(LatestSample.bytesFor(joints));
}

/** Where a loop publishes its samples, as handed to another thread (recorder, simulated camera). */
export interface SampleSource {
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  readonly joints: number;
  /** Add to a sample's time to get the reader's clock: (loop host's timeOrigin − reader's timeOrigin). */
  readonly hostOffsetMs: number;
}
