import { describe, expect, it } from "vitest";
import { ClockSync } from "./clockSync.ts";

/** A pong from a peer whose clock is `offset` ahead, the request taking `up` ms and the answer `down`. */
const pong = (s: ClockSync, t0: number, offset: number, up: number, down: number) => s.add(t0, t0 + up + offset, t0 + up + down);

describe("ClockSync", () => {
  it("takes the offset from the fastest round trip", () => {
    const s = new ClockSync();
    pong(s, 0, 1000, 40, 2);
    pong(s, 1000, 1000, 1, 1);
    pong(s, 2000, 1000, 2, 30);
    expect(s.offsetMs).toBe(1000);
    expect(s.errorMs).toBeCloseTo(1 + 2e-4 * (2032 - 1002), 6);
  });

  it("a long stretch of slow pings does not displace an accurate older sample", () => {
    const s = new ClockSync();
    pong(s, 0, 5000, 1, 1);
    // A stalled page: 30 pings a second apart, each answered ~1 s late on one leg.
    for (let k = 1; k <= 30; k++) pong(s, k * 1000, 5000, 900, 20);
    expect(Math.abs(s.offsetMs - 5000)).toBeLessThan(1);
    expect(s.errorMs).toBeLessThan(10);
  });

  it("a newer sample wins once the older one's drift allowance outgrows it", () => {
    const s = new ClockSync();
    pong(s, 0, 5000, 1, 1); // bound 1 ms, growing 0.2 ms a second
    pong(s, 60_000, 5003, 2, 2); // bound 2 ms; the old one's is now 13 ms
    expect(s.offsetMs).toBe(5003);
  });
});
