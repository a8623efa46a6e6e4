import { describe, expect, it } from "vitest";
import { LOCK_CONTRACT, runLockContract } from "./originLocks.contract.ts";
import { MemoryLocks } from "./originLocks.ts";

// The same cases run against the browser's Web Locks in e2e (e2e/guards.spec.ts).
describe("OriginLocks contract: MemoryLocks", () => {
  for (const [i, c] of LOCK_CONTRACT.entries()) {
    it(c.name, async () => {
      const shared = new MemoryLocks();
      await c.run(() => [shared, shared], `case.${i}`);
    });
  }

  it("reports a broken implementation", async () => {
    const broken = { tryAcquire: () => Promise.resolve({ release: () => Promise.resolve() }), isHeld: () => Promise.resolve(false) };
    const failures = await runLockContract(() => [broken, broken]);
    expect(failures.length).toBe(LOCK_CONTRACT.length);
  });
});
