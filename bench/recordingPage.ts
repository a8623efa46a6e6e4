/** The built studio in headless Chromium with the simulated rig and two simulated cameras (640×480 @ 30), on the Record screen. */
import { existsSync } from "node:fs";
import { chromium, type Page } from "@playwright/test";
import { build, preview } from "vite";

/** Chromium on this GPU-less machine: WebGL on SwiftShader, software compositing (see teleop.bench.ts). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--use-gl=angle",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
  "--disable-gpu-compositing",
];

export async function openRecordingPage(port: number): Promise<{ page: Page; close: () => Promise<void> }> {
  await build({ logLevel: "warn" });
  const server = await preview({ preview: { port, strictPort: false }, logLevel: "warn" });
  const url = server.resolvedUrls?.local[0] ?? `http://localhost:${port}/`;
  const executablePath = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
  const browser = await chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: [...CHROMIUM_ARGS, "--enable-precise-memory-info"],
  });
  const close = async () => {
    await browser.close();
    await server.close();
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(() => {
      window.__STUDIO_TEST__ = true;
    });
    await page.goto(url);
    await page.getByTestId("motor-row").nth(11).waitFor({ timeout: 30_000 });
    await page.getByTestId("camera-preview").first().waitFor();
    // A second simulated camera.
    const panel = page.getByTestId("cameras-panel");
    await panel.getByLabel("Camera name").fill("wrist");
    await panel.getByRole("button", { name: "Add simulated camera" }).click();
    await page.getByTestId("camera-preview").nth(1).waitFor();
    await page.getByRole("link", { name: "Record" }).click();
    return { page, close };
  } catch (e) {
    await close();
    throw e;
  }
}
