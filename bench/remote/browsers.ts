/**
 * The remote session between two Chromium instances (two "computers" on one machine, loopback),
 * both on the built studio's simulated rig, paired through the preview server's signaling: the
 * station shares its link, the operator opens it and drives. Read from the operator's link panel:
 * - glass-to-glass video latency (the station's simulated camera draws its capture time; the
 *   operator reads it from each decoded frame, mapped through the pinged clock offset), p50 of the
 *   last 100 samples;
 * - command age when the station's loop applied it, p50 / p99 of the last 200, over the real
 *   WebRTC data channels (unordered, no retransmits), with the operator's sliders held still and
 *   its own 50 Hz command tick sending.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "@playwright/test";
import { build, preview } from "vite";

export interface BrowserFigures {
  videoLatencyP50Ms: number;
  cmdAgeP50Ms: number;
  cmdAgeP99Ms: number;
  rttMs: number;
}

const PORT = 4224;

const ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--use-fake-device-for-media-stream=fps=30",
  "--use-fake-ui-for-media-stream",
  "--use-gl=angle",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
];

async function launch(): Promise<Browser> {
  const executablePath = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
  return chromium.launch({ ...(executablePath ? { executablePath } : {}), args: ARGS });
}

async function studio(browser: Browser, url: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.addInitScript("window.__STUDIO_TEST__ = true");
  await page.goto(url);
  return page;
}

/** A figure of the operator's link panel, in ms (NaN while it shows "—"). */
async function figure(op: Page, name: string): Promise<number[]> {
  const text = (await op.locator(`[data-testid="operator-link"] [data-figure^="${name}"] td.num`).textContent()) ?? "";
  return text
    .replace(/ms/g, "")
    .split("/")
    .map((s) => (s.trim() === "—" ? NaN : Number(s)));
}

export async function browserFigures(): Promise<BrowserFigures> {
  await build({ logLevel: "warn" });
  const server = await preview({ preview: { port: PORT, strictPort: true }, logLevel: "warn" });
  const base = server.resolvedUrls?.local[0] ?? `http://localhost:${PORT}/`;
  const [stBrowser, opBrowser] = await Promise.all([launch(), launch()]);
  try {
    const station = await studio(stBrowser, base);
    await station.getByTestId("motor-row").first().waitFor({ timeout: 60_000 });
    await station.getByTestId("camera-preview").waitFor({ timeout: 60_000 });
    await station.getByRole("link", { name: "Remote" }).click();
    await station.getByRole("button", { name: "Share this station" }).click();
    const href = await station.getByTestId("remote-link").getAttribute("href", { timeout: 30_000 });
    const u = new URL(href!);
    const operator = await studio(opBrowser, new URL(u.pathname + u.search + u.hash, base).href);
    await operator.locator('[data-testid="remote-operator"][data-status="connected"]').waitFor({ timeout: 60_000 });
    await operator.getByRole("button", { name: "Drive the station's arm" }).click();
    await operator.locator('[data-testid="operator-loop"][data-loop="tracking"][data-driver="remote"]').waitFor({ timeout: 60_000 });
    // 200 applied commands at 50 Hz and 100 video samples at 4 Hz: 30 s covers both windows afresh.
    await operator.waitForTimeout(30_000);
    const [videoLatencyP50Ms] = await figure(operator, "video glass-to-glass");
    const [cmdAgeP50Ms, cmdAgeP99Ms] = await figure(operator, "command age when applied");
    const [rttMs] = await figure(operator, "round trip");
    // Where the age goes, from the station's gate (its last 1,000 commands): arrival → the applying tick.
    const gate = await station.evaluate(() => window.__studioTest?.teleop.getState().status?.remote);
    process.stderr.write(
      `\n  webrtc loopback: age p50/p99 ${cmdAgeP50Ms} / ${cmdAgeP99Ms} ms (operator's panel, last 200); at the station's gate: ` +
        `age ${gate?.ageP50Ms.toFixed(1)} / ${gate?.ageP99Ms.toFixed(1)} ms, of which waiting for the tick ${gate?.waitP50Ms.toFixed(1)} / ${gate?.waitP99Ms.toFixed(1)} ms; ` +
        `round trip ${rttMs} ms\n`,
    );
    return { videoLatencyP50Ms: videoLatencyP50Ms!, cmdAgeP50Ms: cmdAgeP50Ms!, cmdAgeP99Ms: cmdAgeP99Ms!, rttMs: rttMs! };
  } finally {
    await Promise.all([stBrowser.close(), opBrowser.close()]);
    await server.close();
  }
}
