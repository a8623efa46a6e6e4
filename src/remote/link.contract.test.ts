/** The peer link's contract (link.contract.ts) against the fake link, on a manual clock. */
import { describe, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { LINK_CONTRACT } from "./link.contract.ts";
import { fakeLinkPair } from "./link.ts";

describe("link contract: FakeLink", () => {
  for (const c of LINK_CONTRACT)
    it(c.name, async () => {
      const clock = new ManualClock(1000);
      // Some delay and jitter, so unordered delivery really reorders; no loss (the freshest must arrive).
      const wire = fakeLinkPair(clock, { delayMs: 5, jitterMs: 4, seed: 7 });
      await c.run({
        a: wire.station,
        b: wire.operator,
        clock,
        connect: () => wire.open(),
        wait: (ms) => clock.advance(ms),
        loseA: () => wire.loseStation(),
        dispose: () => undefined,
      });
    });
});
