import type { AddressInfo } from "node:net";
import type { BrowserContext, Page } from "@playwright/test";
import type { ViteDevServer } from "vite";
import { expect, test } from "./fixtures.ts";

/**
 * A phone camera paired through the real Rig → Cameras panel (not a harness), on the simulated
 * rig: the studio shows a link, a second page plays the phone (phone.html with Chromium's fake
 * camera) and its video plays in exactly one tile. Under the build (Playwright's preview server)
 * and under the Vite dev server (React StrictMode: effects mount twice), which this spec starts
 * itself on DEV_PORT.
 */

const DEV_PORT = Number(process.env["E2E_DEV_PORT"] ?? Number(process.env["E2E_PORT"] ?? 4173) + 37);

async function pairThroughPanel(studio: Page, context: BrowserContext, base: string): Promise<void> {
  await studio.goto(`${base}/#rig`);
  const panel = studio.getByTestId("cameras-panel");
  // The simulated rig's own camera first (a re-render of the panel used to close the phone's link).
  await expect(panel.locator('[data-testid="camera-preview"][data-camera="front"]')).toBeVisible({ timeout: 20_000 });
  await panel.getByLabel("Camera name").fill("phone");
  await panel.getByRole("button", { name: "Use a phone as a camera" }).click();
  const pairing = studio.getByTestId("phone-pairing");
  await expect(pairing).toHaveAttribute("data-status", "waiting");
  await expect(pairing.locator(".qr svg")).toBeVisible();
  const href = await pairing.getByTestId("phone-link").getAttribute("href");
  expect(href).toMatch(/\/phone\.html#code=[A-Za-z0-9_-]{22}$/);
  // Still open a while later, after the studio's own re-renders (status updates, camera rates).
  await studio.waitForTimeout(1500);
  await expect(pairing).toHaveAttribute("data-status", "waiting");

  const phone = await context.newPage();
  await phone.goto(`${base}/phone.html${new URL(href!).hash}`);
  await phone.getByTestId("phone-resolution").selectOption("640x480");
  await phone.getByTestId("phone-start").click();
  await expect(phone.getByTestId("phone-status")).toHaveAttribute("data-status", "live", { timeout: 20_000 });

  // One tile for the phone, playing: its video has the phone's size and its time moves on.
  const tiles = studio.locator('[data-testid="camera-preview"][data-camera="phone"]');
  await expect(tiles).toHaveCount(1, { timeout: 20_000 });
  await expect(studio.getByTestId("phone-pairing")).toHaveCount(0);
  const video = tiles.locator("video");
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 15_000 }).toBe(640);
  const t0 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(t0 + 0.5);
  await expect(tiles).not.toContainText("disconnected");
  await expect(tiles.getByTestId("camera-fps")).not.toHaveText("… fps", { timeout: 10_000 });
  await expect(studio.locator('[data-testid="camera-preview"]')).toHaveCount(2);

  // Removing the camera closes the link: the phone is told.
  await studio.getByRole("button", { name: "Remove phone" }).click();
  await expect(tiles).toHaveCount(0);
  await expect(phone.getByTestId("phone-status")).toHaveAttribute("data-status", "ended");
}

test("a phone pairs through the Cameras panel of the built studio and plays in one tile", async ({ page, context, baseURL }) => {
  await pairThroughPanel(page, context, baseURL!);
});

test.describe("under the dev server", () => {
  let server: ViteDevServer | undefined;
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    process.env["STUDIO_LAN"] = "0"; // no extra HTTPS listener on 5443 (other checkouts may use it)
    const { createServer } = await import("vite");
    server = await createServer({ server: { port: DEV_PORT, strictPort: true, open: false }, logLevel: "warn" });
    await server.listen();
  });
  test.afterAll(async () => {
    await server?.close();
  });

  test("a phone pairs through the Cameras panel under `vite` dev (StrictMode) and plays in one tile", async ({ page, context }) => {
    test.setTimeout(120_000);
    const port = (server!.httpServer!.address() as AddressInfo).port;
    await pairThroughPanel(page, context, `http://localhost:${port}`);
  });
});
