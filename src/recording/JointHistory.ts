import { quantile } from "../core/frameSync.ts";
import { LatestSample, SampleFrame, type SampleSource } from "../core/LatestSample.ts";
import type { LoopSpan } from "../core/qa.ts";

/** Without a period from the loop, a sample farther than this from a row is stale. */
const FALLBACK_STALE_MS = 50;
/** No sample for this long (the loop stopped, stalled or its worker died) ends the take at its last sample: longer than a busy machine pauses a worker, a fault ends it at once anyway. */
const SILENT_CUT_MS = 2000;
/**
 * Rows whose samples read no follower joint at all wait this long for the loop to read one again
 * (then they are decided, as missing) or to end its run (an unplugged arm: the take is cut at
 * the last sample that read the arm, so the reads that failed while the port went away are not
 * recorded as rows).
 */
const HOLD_UNREAD_MS = 1500;

/** What a row got from the history: the sample nearest its time, or none near enough. */
export interface JointRead {
  /** The sample's read time on the page clock (ms); NaN if there was no sample at all. */
  t: number;
  /** The sample's sequence number (0: none). */
  seq: number;
  /** The nearest sample is farther from the row than the bound: the row's joints are missing. */
  stale: boolean;
}

/** The loop's timing over a take, from its samples' read times. */
export interface LoopFigures {
  targetHz: number;
  achievedHz: number;
  periodErrorP99Ms: number;
  /** Read-time intervals minus the period, ms, in order. */
  periodErrorsMs: number[];
  /** Stretches where the loop ran slow or stalled (s from row 0). */
  offRate: LoopSpan[];
}

/**
 * The recorder's side of the loop's sample ring ({@link LatestSample}): for each row, the sample
 * read nearest the row's time (never simply the newest), whether it is near enough (within two
 * loop periods), how far the loop has published (rows after that wait), when the take must end
 * because the loop ended or went silent, and the loop's rate and jitter over the take.
 */
export class JointHistory {
  private readonly latest: LatestSample;
  private readonly frame: SampleFrame;
  private readonly offsetMs: number;
  private scanned = 0;
  private prevT = NaN;
  private from = NaN;
  private errors: number[] = [];
  private times: number[] = [];

  constructor(source: SampleSource) {
    this.latest = new LatestSample(source.buffer, source.joints);
    this.frame = new SampleFrame(source.joints);
    this.offsetMs = source.hostOffsetMs;
  }

  get periodMs(): number {
    return this.latest.periodMs;
  }

  /** A row whose nearest sample is farther than this (ms) is stale: two loop periods. */
  get boundMs(): number {
    const p = this.periodMs;
    return Number.isFinite(p) ? 2 * p : FALLBACK_STALE_MS;
  }

  /** The newest sample's read time (page clock), NaN if none. */
  get newestMs(): number {
    return this.latest.ring.timeOf(this.latest.count) + this.offsetMs;
  }

  /** The newest sample that read at least one follower joint (page clock), NaN if none is in the ring. */
  lastReadMs(): number {
    const ring = this.latest.ring;
    for (let s = ring.newest; s >= ring.oldest && s > 0; s--) {
      if (!this.latest.readSeq(s, this.frame)) continue;
      if (this.frame.follower.some((v) => !Number.isNaN(v))) return this.frame.t + this.offsetMs;
      if (this.newestMs - (this.frame.t + this.offsetMs) > HOLD_UNREAD_MS) return NaN;
    }
    return NaN;
  }

  /** Rows at or before this time (page clock) can be decided now. */
  horizonMs(): number {
    const newest = this.newestMs;
    const read = this.lastReadMs();
    return Number.isFinite(read) && read < newest && newest - read < HOLD_UNREAD_MS ? read : newest;
  }

  /** When the take is cut: rows at or before this time keep their joints, later ones are not recorded. */
  cutAtMs(): number {
    const newest = this.newestMs;
    const read = this.lastReadMs();
    return Number.isFinite(read) && read < newest ? read : newest + this.boundMs;
  }

  /** Starts the loop figures of a take whose row 0 is at `t0Ms`. */
  beginTake(t0Ms: number): void {
    this.from = t0Ms;
    this.scanned = Math.max(0, this.latest.nearest(t0Ms - this.offsetMs) - 1);
    this.prevT = NaN;
    this.errors = [];
    this.times = [];
  }

  /**
   * Copies the sample nearest `rowTimeMs` (page clock) into `state` (follower) and `action`
   * (command); a stale row gets nothing (the caller marks it missing).
   */
  read(rowTimeMs: number, state: Float32Array, action: Float32Array): JointRead {
    const seq = this.latest.nearest(rowTimeMs - this.offsetMs);
    if (seq === 0 || !this.latest.readSeq(seq, this.frame)) return { t: NaN, seq: 0, stale: true };
    const t = this.frame.t + this.offsetMs;
    if (Math.abs(t - rowTimeMs) > this.boundMs) return { t, seq, stale: true };
    state.set(this.frame.follower);
    action.set(this.frame.command);
    return { t, seq, stale: false };
  }

  /**
   * Why the take must end now, if it must: the loop ended its run with a fault (a disconnected
   * arm, lost torque) — at once — or published nothing for {@link SILENT_CUT_MS}.
   */
  cutReason(nowMs: number, t0Ms: number): string | undefined {
    const ended = this.latest.ended;
    if (ended && ended.kind !== "stopped") return ended.reason;
    const newest = this.newestMs;
    const since = Number.isFinite(newest) ? Math.max(newest, t0Ms) : t0Ms;
    if (nowMs - since < SILENT_CUT_MS) return undefined;
    return ended?.kind === "stopped" ? "teleoperation was stopped" : "the arm's readings stopped coming (the control loop stalled)";
  }

  /** Reads the samples published since the last call (up to `untilMs`, page clock) into the loop figures. */
  collect(untilMs: number): void {
    const newest = this.latest.count;
    for (let s = Math.max(this.scanned + 1, this.latest.ring.oldest); s <= newest; s++) {
      const t = this.latest.ring.timeOf(s) + this.offsetMs;
      if (Number.isNaN(t)) continue;
      if (t > untilMs) break;
      this.scanned = s;
      if (t < this.from) continue;
      if (Number.isFinite(this.prevT)) this.errors.push(t - this.prevT - this.periodMs);
      this.prevT = t;
      this.times.push(t);
    }
  }

  /** The loop over the take so far (null if it published nothing during it or has no period). */
  figures(toMs: number): LoopFigures | null {
    const period = this.periodMs;
    let k = this.times.length;
    while (k > 0 && this.times[k - 1]! >= toMs) k--;
    if (!Number.isFinite(period) || k < 2) return null;
    const times = this.times.slice(0, k);
    const errors = this.errors.slice(0, k - 1); // errors[i]: times[i + 1] − times[i] − period
    const span = toMs - this.from;
    return {
      targetHz: 1000 / period,
      achievedHz: span > 0 ? (k * 1000) / span : NaN,
      periodErrorP99Ms: quantile(errors.map(Math.abs), 0.99),
      periodErrorsMs: errors,
      offRate: offRateSpans(times, period, this.from, toMs),
    };
  }
}

/**
 * One-second windows (from `from`, page clock ms; returned in s from it) where the loop published fewer than 90 % of its samples, or
 * where two samples were more than three periods apart (a stall); adjacent windows merge.
 */
export function offRateSpans(times: readonly number[], periodMs: number, from: number, to: number): LoopSpan[] {
  const spans: LoopSpan[] = [];
  const windowMs = 1000;
  const expected = windowMs / periodMs;
  let i = 0;
  for (let w = from; w < to; w += windowMs) {
    const end = Math.min(to, w + windowMs);
    let count = 0;
    let worstGap = 0;
    let prev = i > 0 ? times[i - 1]! : w;
    while (i < times.length && times[i]! < end) {
      worstGap = Math.max(worstGap, times[i]! - prev);
      prev = times[i]!;
      count++;
      i++;
    }
    worstGap = Math.max(worstGap, end - prev);
    const full = end - w >= windowMs * 0.999;
    const slow = full && count < 0.9 * expected;
    const stalled = worstGap > 3 * periodMs;
    if (!slow && !stalled) continue;
    const rateHz = (count * 1000) / (end - w);
    const last = spans.at(-1);
    if (last && last.to === (w - from) / 1000) {
      last.to = (end - from) / 1000;
      last.minRateHz = Math.min(last.minRateHz, rateHz);
      last.longestGapMs = Math.max(last.longestGapMs, worstGap);
    } else spans.push({ from: (w - from) / 1000, to: (end - from) / 1000, minRateHz: rateHz, longestGapMs: worstGap });
  }
  return spans;
}
