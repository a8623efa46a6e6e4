/**
 * A remote operator's commands, from the page that receives them to the control loop's host,
 * through shared memory instead of a message: the page writes each command the moment it
 * arrives, the loop reads every new one at its tick. A message to the loop's worker waits until
 * the worker's event loop runs again — and that worker sleeps out the last milliseconds before
 * each tick (precisionTimer), so a command arriving then missed the tick and waited a whole
 * period more (measured over WebRTC: arrival → applied p50 8.7 ms at 100 Hz, where half a period
 * is expected). Read at the tick, a command waits only for the tick.
 *
 * A {@link SampleRing} of records `[arrivedAtEpochMs, seq, sentAtEpochMs, joint × MAX]` (epoch
 * ms: performance.timeOrigin + now, the same on every thread). One writer (the page), one reader
 * (the loop's gate). Commands overwritten before the loop read them (more than `slots` between two
 * ticks — a flood) are counted, never replayed.
 */
import { allocateShared, SampleRing } from "./SampleRing.ts";

/** Joints a record holds (remoteWire's MAX_JOINTS). */
const MAX_JOINTS = 32;
const HEAD = 3;
const WIDTH = HEAD + MAX_JOINTS;
const SLOTS = 16;

/** A command as the page received it. */
export interface InboxCommand {
  readonly seq: number;
  /** Sender's time mapped onto epoch ms. */
  readonly sentAtEpochMs: number;
  /** When it arrived, epoch ms. */
  readonly arrivedAtEpochMs: number;
  readonly joints: readonly number[];
}

export class CommandInbox {
  static readonly bytes = SampleRing.bytesFor(WIDTH, SLOTS);

  /** A buffer for an inbox: shared memory where the page is cross-origin isolated, else a plain buffer (same thread only). */
  static allocate(): ArrayBufferLike {
    return allocateShared(CommandInbox.bytes);
  }

  private readonly ring: SampleRing;
  private readonly record = new Float64Array(WIDTH);
  private read = 0;
  private lost = 0;

  constructor(readonly buffer: ArrayBufferLike) {
    this.ring = new SampleRing(buffer, WIDTH, SLOTS);
    this.read = this.ring.newest;
  }

  /** The page: one arrived command (joints beyond MAX_JOINTS are not kept). */
  write(cmd: InboxCommand): void {
    const r = this.ring.begin();
    r[0] = cmd.arrivedAtEpochMs;
    r[1] = cmd.seq;
    r[2] = cmd.sentAtEpochMs;
    for (let k = 0; k < MAX_JOINTS; k++) r[HEAD + k] = cmd.joints[k] ?? NaN;
    this.ring.commit();
  }

  /** The loop: every command written since the last call, oldest first, with `joints` of them kept. */
  drain(joints: number, each: (cmd: InboxCommand) => void): void {
    const newest = this.ring.newest;
    for (let s = this.read + 1; s <= newest; s++) {
      if (!this.ring.read(s, this.record)) {
        this.lost++;
        continue;
      }
      const r = this.record;
      each({
        arrivedAtEpochMs: r[0]!,
        seq: r[1]!,
        sentAtEpochMs: r[2]!,
        joints: Array.from(r.subarray(HEAD, HEAD + Math.min(joints, MAX_JOINTS))),
      });
    }
    this.read = Math.max(this.read, newest);
  }

  /** Commands overwritten before the loop read them. */
  get overwritten(): number {
    return this.lost;
  }
}
