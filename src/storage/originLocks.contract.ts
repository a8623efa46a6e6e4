import type { OriginLocks } from "./originLocks.ts";

/**
 * The OriginLocks contract, as cases that throw on failure: vitest runs them against MemoryLocks
 * (originLocks.contract.test.ts), e2e against the browser's Web Locks (window.__studioTest.lockContract).
 * `tabs` returns two views of the same origin's locks; `name` is unique per case.
 */
export interface LockCase {
  readonly name: string;
  run(tabs: () => [OriginLocks, OriginLocks], name: string): Promise<void>;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`lock contract: ${what}`);
}

export const LOCK_CONTRACT: readonly LockCase[] = [
  {
    name: "a free lock is granted; while held nobody else gets it; after release it is free again",
    async run(tabs, name) {
      const [a, b] = tabs();
      check(!(await a.isHeld(name)), "free at first");
      const lease = await a.tryAcquire(name);
      check(lease !== undefined, "granted when free");
      check(await b.isHeld(name), "the other tab sees it held");
      check((await b.tryAcquire(name)) === undefined, "the other tab is refused");
      check((await a.tryAcquire(name)) === undefined, "the same tab is refused a second lease");
      await lease!.release();
      check(!(await b.isHeld(name)), "free once release resolved");
      const again = await b.tryAcquire(name);
      check(again !== undefined, "granted to the other tab after release");
      await again!.release();
    },
  },
  {
    name: "two tabs asking at once: exactly one lease",
    async run(tabs, name) {
      const [a, b] = tabs();
      const leases = (await Promise.all([a.tryAcquire(name), b.tryAcquire(name)])).filter((l) => l !== undefined);
      check(leases.length === 1, `one lease, got ${leases.length}`);
      await leases[0]!.release();
    },
  },
  {
    name: "a second release is harmless: it never frees another holder's lease",
    async run(tabs, name) {
      const [a, b] = tabs();
      const first = await a.tryAcquire(name);
      await first!.release();
      const second = await b.tryAcquire(name);
      check(second !== undefined, "granted after the first release");
      await first!.release();
      check(await a.isHeld(name), "still held by the second holder");
      check((await a.tryAcquire(name)) === undefined, "still refused");
      await second!.release();
    },
  },
  {
    name: "locks of other names are independent",
    async run(tabs, name) {
      const [a, b] = tabs();
      const one = await a.tryAcquire(`${name}.one`);
      const two = await b.tryAcquire(`${name}.two`);
      check(one !== undefined && two !== undefined, "both granted");
      await one!.release();
      check(await b.isHeld(`${name}.two`), "the other stays held");
      await two!.release();
    },
  },
];

/** Runs every case; the failures, by case name (empty: the implementation keeps the contract). */
export async function runLockContract(tabs: () => [OriginLocks, OriginLocks]): Promise<{ name: string; error: string }[]> {
  const failures: { name: string; error: string }[] = [];
  for (const [i, c] of LOCK_CONTRACT.entries()) {
    try {
      await c.run(tabs, `contract.${i}.${Math.random().toString(36).slice(2)}`);
    } catch (e) {
      failures.push({ name: c.name, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return failures;
}
