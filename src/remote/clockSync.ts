/**
 * The other side's clock, from ping/pong on the control channel (NTP's four times collapsed to
 * three: we send at t0, the peer answers with its time p, it arrives at t1). The estimate of the
 * lowest round trip among the last samples wins: its error is at most half that round trip.
 */
export class ClockSync {
  private readonly samples: { rtt: number; offset: number }[] = [];

  constructor(private readonly keep = 16) {}

  /** A pong: our send time, the peer's clock when it answered, our receive time. */
  add(t0: number, peer: number, t1: number): void {
    const rtt = t1 - t0;
    if (!(rtt >= 0) || !Number.isFinite(peer)) return;
    this.samples.push({ rtt, offset: peer - (t0 + t1) / 2 });
    if (this.samples.length > this.keep) this.samples.shift();
  }

  get synced(): boolean {
    return this.samples.length > 0;
  }

  /** Peer clock − our clock (ms); NaN before the first pong. */
  get offsetMs(): number {
    let best: { rtt: number; offset: number } | undefined;
    for (const s of this.samples) if (!best || s.rtt < best.rtt) best = s;
    return best ? best.offset : NaN;
  }

  /** The newest round trip (ms); NaN before the first pong. */
  get rttMs(): number {
    return this.samples.at(-1)?.rtt ?? NaN;
  }
}
