import { expect, test } from "./fixtures.ts";

/**
 * The peer link's contract (src/remote/link.contract.ts) against the real WebRtcLink in Chromium:
 * the same cases vitest runs against the fake link (src/remote/link.contract.test.ts), here over two
 * RTCPeerConnections in one page (e2e/harness/link-contract.html).
 */
test("WebRtcLink passes the link contract the fake link passes", async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto("/e2e/harness/link-contract.html");
  await expect(page.locator("#status")).toHaveText("done", { timeout: 170_000 });
  const results = await page.evaluate(
    () => (window as unknown as { __linkContract: { name: string; ok: boolean; error?: string }[] }).__linkContract,
  );
  expect(results.length).toBeGreaterThan(0);
  for (const r of results)
    test.info().annotations.push({ type: r.ok ? "ok" : "FAILED", description: `${r.name}${r.error ? `: ${r.error}` : ""}` });
  for (const r of results) expect.soft(r, r.name).toMatchObject({ ok: true });
});
