import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";

/**
 * A phone camera over WebRTC: the studio side (e2e/harness/phone-studio.html, PhoneCameraLink)
 * creates a room on the preview server's /signal; a second page plays the phone (phone.html with
 * Chromium's fake camera) and streams into the studio through a real RTCPeerConnection.
 */

function collectErrors(page: Page, errors: string[]): void {
  page.on("pageerror", (e) => errors.push(`phone pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`phone console.error: ${m.text()}`);
  });
}

async function pairingLink(studio: Page): Promise<string> {
  await studio.goto("/e2e/harness/phone-studio.html");
  await expect(studio.locator("#status")).toHaveText("waiting");
  const link = await studio.locator("#link").getAttribute("href");
  expect(link).toMatch(/\/phone\.html#code=[A-Za-z0-9_-]{22}$/);
  await expect(studio.locator("#qr svg")).toBeVisible();
  return link!;
}

test("a phone page streams its camera into the studio, and its code works only once", async ({ page: studio, context }) => {
  const link = await pairingLink(studio);
  const code = new URL(link).hash;

  const phone = await context.newPage();
  const phoneErrors: string[] = [];
  collectErrors(phone, phoneErrors);
  await phone.goto(`/phone.html${code}`);
  await phone.getByTestId("phone-resolution").selectOption("640x480");
  await phone.getByTestId("phone-start").click();

  await expect(phone.getByTestId("phone-status")).toHaveAttribute("data-status", "live", { timeout: 20_000 });
  await expect(studio.locator("#status")).toHaveText("live");
  await expect(studio.locator("#camera")).toContainText("640x480");
  // frames really arrive and have the phone's size
  await expect.poll(async () => Number(await studio.locator("#frames").textContent()), { timeout: 15_000 }).toBeGreaterThan(15);
  await expect(studio.locator("#size")).toHaveText("640x480");

  // a second phone with the same code is refused
  const second = await context.newPage();
  await second.goto(`/phone.html${code}`);
  await second.getByTestId("phone-start").click();
  await expect(second.getByTestId("phone-status")).toHaveAttribute("data-status", "refused");
  await expect(second.getByTestId("phone-status")).toContainText("already used");
  // …and the first one is still streaming
  const before = Number(await studio.locator("#frames").textContent());
  await expect.poll(async () => Number(await studio.locator("#frames").textContent())).toBeGreaterThan(before + 5);

  // the studio closes the link: the phone is told
  await studio.evaluate(() => (window as unknown as { __phoneLink: { close(): void } }).__phoneLink.close());
  await expect(studio.locator("#status")).toHaveText("closed");
  await expect(phone.getByTestId("phone-status")).toHaveAttribute("data-status", "ended");
  expect(phoneErrors).toEqual([]);
});

test("the phone page explains a link without a code, and a wrong code", async ({ page }) => {
  await page.goto("/phone.html");
  await expect(page.getByTestId("phone-status")).toHaveAttribute("data-status", "blocked");
  await expect(page.getByTestId("phone-status")).toContainText("no pairing code");

  await page.goto("/phone.html#code=AAAAAAAAAAAAAAAAAAAAAA");
  await page.reload(); // a hash change alone does not reload
  await page.getByTestId("phone-start").click();
  await expect(page.getByTestId("phone-status")).toHaveAttribute("data-status", "refused");
  await expect(page.getByTestId("phone-status")).toContainText("Show a new code in the studio");
});
