/**
 * The other side's clock, from ping/pong on the control channel (NTP's four times collapsed to
 * three: we send at t0, the peer answers with its time p, it arrives at t1). A sample's offset is
 * off by at most half its round trip; an older sample is also off by the clocks' drift since.
 * The estimate is the sample with the smallest bound `rtt/2 + drift × age`: a stretch of slow
 * pings (a stalled page on a loaded machine answers after a second or more) does not displace an
 * accurate older sample, which would make every command look older or younger than it is — and
 * the station's age limit is only as good as this estimate.
 */

/** Clock drift allowed for between two machines' monotonic clocks (200 ppm: ten times a typical crystal's). */
const DRIFT = 2e-4;

export class ClockSync {
  private readonly samples: { rtt: number; offset: number; at: number }[] = [];

  constructor(private readonly keep = 64) {}

  /** A pong: our send time, the peer's clock when it answered, our receive time. */
  add(t0: number, peer: number, t1: number): void {
    const rtt = t1 - t0;
    if (!(rtt >= 0) || !Number.isFinite(peer)) return;
    this.samples.push({ rtt, offset: peer - (t0 + t1) / 2, at: t1 });
    if (this.samples.length > this.keep) this.samples.shift();
  }

  get synced(): boolean {
    return this.samples.length > 0;
  }

  private best(): { bound: number; offset: number } | undefined {
    const now = this.samples.at(-1)?.at ?? 0;
    let best: { bound: number; offset: number } | undefined;
    for (const s of this.samples) {
      const bound = s.rtt / 2 + DRIFT * (now - s.at);
      if (!best || bound < best.bound) best = { bound, offset: s.offset };
    }
    return best;
  }

  /** Peer clock − our clock (ms); NaN before the first pong. */
  get offsetMs(): number {
    return this.best()?.offset ?? NaN;
  }

  /** How far the offset may be off (ms): half the chosen sample's round trip plus drift since. */
  get errorMs(): number {
    return this.best()?.bound ?? NaN;
  }

  /** The newest round trip (ms); NaN before the first pong. */
  get rttMs(): number {
    return this.samples.at(-1)?.rtt ?? NaN;
  }
}
