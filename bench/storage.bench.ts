/**
 * Storage figures, measured in headless Chromium through the real IdbEpisodeStore: one page
 * session writes back-to-back episodes (rows + two cameras, one append per stream per second of
 * recording) until 4 GB of media are stored, the time limit passes, or storage fails.
 * The page (bench/pages/storage.html) is served by Vite's dev server on a free port; the browser
 * profile is a fresh temporary directory, removed afterwards.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";
import { createServer } from "vite";
import type { LongSessionOptions, LongSessionResult } from "./pages/storage.ts";
import type { Benchmark } from "./types.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const TARGET_GB = Number(process.env["BENCH_STORAGE_GB"] ?? 4);
const TIME_LIMIT_S = Number(process.env["BENCH_STORAGE_SECONDS"] ?? 115);
const FRAME_KB = Number(process.env["BENCH_STORAGE_FRAME_KB"] ?? 16);

const OPTIONS: LongSessionOptions = {
  targetBytes: TARGET_GB * 1e9,
  timeLimitMs: TIME_LIMIT_S * 1000,
  frameBytes: FRAME_KB * 1024,
  fps: 30,
  episodeSeconds: 60,
  cameras: ["front", "wrist"],
  concurrent: process.env["BENCH_STORAGE_SEQUENTIAL"] === undefined,
};

const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        if (port === 5173 || port === 4173) freePort().then(resolve, reject);
        else resolve(port);
      });
    });
  });
}

let session: Promise<LongSessionResult> | undefined;

async function measure(): Promise<LongSessionResult> {
  const port = await freePort();
  const cacheDir = mkdtempSync(join(tmpdir(), "storage-bench-vite-"));
  const server = await createServer({
    root,
    configFile: false,
    cacheDir,
    logLevel: "warn",
    server: { port, strictPort: true, host: "127.0.0.1", headers: ISOLATION, hmr: false },
    optimizeDeps: { entries: ["bench/pages/storage.html"] },
  });
  await server.listen();
  const profile = mkdtempSync(join(tmpdir(), "storage-bench-profile-"));
  const executablePath = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      ...(executablePath ? { executablePath } : {}),
      headless: true,
      args: ["--no-sandbox", "--disable-background-networking", "--headless"],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.on("console", (m) => {
        if (m.text().startsWith("[storage-bench]")) process.stderr.write(`${m.text()}\n`);
      });
      await page.goto(`http://127.0.0.1:${port}/bench/pages/storage.html`);
      await page.locator("#status", { hasText: "ready" }).waitFor({ timeout: 60_000 });
      const result = await page.evaluate(
        (o) => (window as unknown as { __runLongSession: (o: LongSessionOptions) => Promise<LongSessionResult> }).__runLongSession(o),
        OPTIONS,
      );
      const gb = (result.mediaBytes / 1e9).toFixed(2);
      const rate = (result.mediaBytes / 1e6 / (result.elapsedMs / 1000)).toFixed(1);
      process.stderr.write(
        `[storage-bench] ${gb} GB media in ${result.episodes} episodes, ${(result.elapsedMs / 1000).toFixed(1)} s (${rate} MB/s); ` +
          `usage before cleanup ${result.usageBytes ?? "?"} of quota ${result.quotaBytes ?? "?"}; ` +
          `error: ${result.error ?? "none"}; database deleted: ${result.cleanedUp}\n`,
      );
      return result;
    } finally {
      await context.close();
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
    await server.close();
  }
}

const run = () => (session ??= measure());

export const benchmarks: Benchmark[] = [
  {
    id: "rec.long_session_gb",
    unit: "GB",
    goal: ">= 4",
    what:
      `media stored in one Chromium page session of back-to-back 60 s episodes (2 cameras × 30 frames × ${FRAME_KB} KB per second, plus joint rows) ` +
      `through IdbEpisodeStore before any storage error; stops at ${TARGET_GB} GB or after ${TIME_LIMIT_S} s`,
    run: async () => {
      const r = await run();
      // A session stopped by the time limit without an error has not shown where storage fails: report what was written.
      return r.mediaBytes / 1e9;
    },
  },
  {
    id: "rec.storage_write_mb_s",
    unit: "MB/s",
    goal: "",
    what: "media write rate of the same session (MB of media / elapsed s; each append awaited, one transaction each)",
    run: async () => {
      const r = await run();
      return r.mediaBytes / 1e6 / (r.elapsedMs / 1000);
    },
  },
];
