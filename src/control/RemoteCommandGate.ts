/**
 * The station's gate for a remote operator's commands: what the control loop may apply.
 *
 * - A command is offered when it arrives; it is kept only if it is newer (by sequence number)
 *   than every command seen and younger than `maxAgeMs` — otherwise it is dropped and counted,
 *   never queued. Only the newest command is ever held.
 * - Each tick the loop asks for a target: the newest command if it is still younger than
 *   `maxAgeMs`; otherwise hold. With no fresh command for `watchdogMs` the gate says the link is
 *   lost: hold position, or torque off, per `onLinkLoss`.
 * - Every command the loop applies passes the loop's own start gate, range and max step after this.
 *
 * Times are the loop's clock (ms): a command's `sentAt` is the operator's send time mapped onto it.
 * Commands come either by {@link RemoteCommandGate.offer} or, across threads, through a
 * {@link CommandInbox} the gate reads at each tick (offered then, with their arrival times).
 */
import type { CommandInbox } from "../core/CommandInbox.ts";

export interface RemoteGateOptions {
  /** A command older than this is dropped on arrival and never applied (ms). */
  readonly maxAgeMs: number;
  /** No fresh command for this long: the link is lost (ms). */
  readonly watchdogMs: number;
  /** What the follower does when the link is lost: hold its position (torque on), or torque off. */
  readonly onLinkLoss: "hold" | "torque-off";
}

export const DEFAULT_REMOTE_GATE: RemoteGateOptions = { maxAgeMs: 250, watchdogMs: 500, onLinkLoss: "hold" };

export interface RemoteCommand {
  readonly seq: number;
  /** When the operator sent it, on the loop's clock (ms). */
  readonly sentAt: number;
  /** Normalised joint targets in the follower's joint order (NaN: hold that joint). */
  readonly joints: readonly number[];
}

export type GateVerdict = "accepted" | "stale" | "out-of-order";
/** What the loop does this tick: track `out`, hold the last goal, or take torque off (link lost). */
export type GateTarget = "track" | "hold" | "torque-off";

export interface RemoteGateStats {
  readonly accepted: number;
  readonly droppedStale: number;
  readonly droppedOutOfOrder: number;
  /** Distinct commands the loop applied. */
  readonly applied: number;
  /** Commands applied after being superseded or older than the limit (the gate's own check; 0 by design). */
  readonly staleApplied: number;
  /** Times the gate went from tracking to holding because the link went quiet. */
  readonly holds: number;
  readonly holding: boolean;
  /** The newest applied command's sequence number (-1: none) and when it was applied (loop clock). */
  readonly appliedSeq: number;
  readonly appliedAt: number;
  /** Age of each command when first applied, over the last 1,000 (ms). */
  readonly ageP50Ms: number;
  readonly ageP99Ms: number;
  /** Of that age, the wait from arrival at the station to the applying tick (ms, same window). */
  readonly waitP50Ms: number;
  readonly waitP99Ms: number;
  /** When the gate last started holding (loop clock, ms; NaN: never). */
  readonly holdSince: number;
  /** Commands overwritten in the inbox before a tick read them (a flood; 0 normally). */
  readonly overwritten: number;
}

/** Where the gate reads commands at each tick, and the loop clock's origin (epoch ms) to map their times. */
export interface GateInbox {
  readonly inbox: CommandInbox;
  readonly timeOrigin: number;
}

const AGES = 1000;

export class RemoteCommandGate {
  private latest: RemoteCommand | undefined;
  private lastSeq = -1;
  private lastFreshAt = NaN;
  private appliedSeq = -1;
  private appliedAt = NaN;
  private holding = true;
  private holdSince = NaN;
  private readonly ages = new Float64Array(AGES);
  private readonly waits = new Float64Array(AGES);
  private ageCount = 0;
  private counts = { accepted: 0, droppedStale: 0, droppedOutOfOrder: 0, applied: 0, staleApplied: 0, holds: 0 };

  constructor(
    private readonly n: number,
    readonly options: RemoteGateOptions = DEFAULT_REMOTE_GATE,
    private readonly from?: GateInbox,
  ) {}

  /** Offers every command that reached the inbox since the last call, at the time it arrived ({@link target} does it too). */
  pull(): void {
    const from = this.from;
    if (!from) return;
    const origin = from.timeOrigin;
    from.inbox.drain(this.n, (c) =>
      this.offer({ seq: c.seq, sentAt: c.sentAtEpochMs - origin, joints: c.joints }, c.arrivedAtEpochMs - origin),
    );
  }

  /** A command arrived at `now`. Dropped (and counted) if it is older than the limit or not newer than the last one. */
  offer(cmd: RemoteCommand, now: number): GateVerdict {
    if (cmd.seq <= this.lastSeq) {
      this.counts.droppedOutOfOrder++;
      return "out-of-order";
    }
    this.lastSeq = cmd.seq;
    if (!(now - cmd.sentAt <= this.options.maxAgeMs)) {
      this.counts.droppedStale++;
      return "stale";
    }
    this.latest = cmd;
    this.lastFreshAt = now;
    this.counts.accepted++;
    return "accepted";
  }

  /**
   * The target for the tick at `now`: writes the newest command into `out` and returns "track",
   * or returns "hold" / "torque-off" (then `out` is untouched).
   */
  target(now: number, out: Float64Array): GateTarget {
    this.pull();
    const cmd = this.latest;
    const fresh = cmd !== undefined && now - cmd.sentAt <= this.options.maxAgeMs && now - this.lastFreshAt <= this.options.watchdogMs;
    if (!fresh) {
      if (!this.holding) {
        this.holding = true;
        this.holdSince = now;
        this.counts.holds++;
      }
      const lost = !(now - this.lastFreshAt <= this.options.watchdogMs);
      return lost && this.options.onLinkLoss === "torque-off" && this.counts.applied > 0 ? "torque-off" : "hold";
    }
    this.holding = false;
    if (cmd.seq !== this.appliedSeq) {
      // The gate's own invariant, counted rather than assumed: never older than the limit, never superseded.
      if (cmd.seq < this.appliedSeq || now - cmd.sentAt > this.options.maxAgeMs) this.counts.staleApplied++;
      this.appliedSeq = cmd.seq;
      this.appliedAt = now;
      this.counts.applied++;
      this.waits[this.ageCount % AGES] = now - this.lastFreshAt; // the newest command arrived then
      this.ages[this.ageCount++ % AGES] = now - cmd.sentAt;
    }
    for (let i = 0; i < this.n; i++) out[i] = cmd.joints[i] ?? NaN;
    return "track";
  }

  /** A new operator (or a new session): sequence numbers start again; nothing is held over. */
  reset(): void {
    this.from?.inbox.drain(this.n, () => undefined); // what the last operator sent is not this one's
    this.latest = undefined;
    this.lastSeq = -1;
    this.lastFreshAt = NaN;
  }

  stats(): RemoteGateStats {
    const k = Math.min(this.ageCount, AGES);
    const quantiles = (xs: Float64Array) => {
      const sorted = Array.from(xs.subarray(0, k)).sort((a, b) => a - b);
      return (q: number) => (k === 0 ? NaN : sorted[Math.min(k - 1, Math.floor(q * k))]!);
    };
    const pick = quantiles(this.ages);
    const wait = quantiles(this.waits);
    return {
      ...this.counts,
      holding: this.holding,
      appliedSeq: this.appliedSeq,
      appliedAt: this.appliedAt,
      ageP50Ms: pick(0.5),
      ageP99Ms: pick(0.99),
      waitP50Ms: wait(0.5),
      waitP99Ms: wait(0.99),
      holdSince: this.holdSince,
      overwritten: this.from?.inbox.overwritten ?? 0,
    };
  }
}
