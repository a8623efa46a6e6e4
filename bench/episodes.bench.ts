/**
 * Episode browser and player figures, measured in headless Chromium on the built studio (vite
 * build into a temporary folder, vite preview on a free port). The page's own IdbEpisodeStore
 * (window.__studioTest) is seeded with: a dataset of 500 short episodes (small synthetic media
 * and a JPEG thumbnail each), one 640×480 AV1 episode encoded in the page with WebCodecs
 * (GOP 2, as the recorder does), and one 10-minute episode of joint rows (18,000 rows × 6 joints).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "@playwright/test";
import { build, preview } from "vite";
import { CHROMIUM_ARGS } from "./recordingPage.ts";
import type { Benchmark } from "./types.ts";

const EPISODES = 500;
const SEEKS = 20;
const AV1_FRAMES = 150;
const PLOT_ROWS = 18_000;

interface Figures {
  openS: number;
  seekMs: number;
  seekAllMs: number[];
  plotMs: number;
}

let session: Promise<Figures> | undefined;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function seed(page: Page): Promise<{ listId: string }> {
  return page.evaluate(
    async ({ episodes, av1Frames, plotRows }) => {
      const store = window.__studioTest!.episodes;
      const JOINTS = ["shoulder_pan.pos", "shoulder_lift.pos", "elbow_flex.pos", "wrist_flex.pos", "wrist_roll.pos", "gripper.pos"];
      const base = { fps: 30, robotType: "so101_follower", jointNames: JOINTS, units: "degrees" as const, tasks: ["pick the cube"] };
      const cam = (w: number, h: number) => ({
        key: "front",
        source: "simulated" as const,
        deviceId: "",
        label: "bench",
        width: w,
        height: h,
        fps: 30,
      });
      const rows = (id: string, seq: number, first: number, count: number) => {
        const state = new Float32Array(count * 6);
        for (let i = 0; i < count; i++) for (let j = 0; j < 6; j++) state[i * 6 + j] = 40 * Math.sin((first + i) / (40 + 7 * j)) + j;
        const t = Float64Array.from({ length: count }, (_, i) => ((first + i) * 1000) / 30);
        return { episodeId: id, seq, firstRow: first, count, state, action: state.map((v) => v + 1.5), rowTimeMs: t, sampleTimeMs: t };
      };
      // 1. 500 short episodes with small synthetic media and a thumbnail.
      const thumbCanvas = new OffscreenCanvas(80, 60);
      const g = thumbCanvas.getContext("2d")!;
      g.fillStyle = "#2a6";
      g.fillRect(0, 0, 80, 60);
      const thumbnail = await (await thumbCanvas.convertToBlob({ type: "image/jpeg", quality: 0.7 })).arrayBuffer();
      const list = await store.createDataset({ ...base, name: "bench_500", cameras: [cam(640, 480)] });
      const track = { camera: "front", codec: "vp09.00.10.08", codecName: "vp9" as const, width: 640, height: 480 };
      for (let e = 0; e < episodes; e++) {
        const ep = await store.createEpisode({
          datasetId: list.id,
          task: `task ${e % 7}`,
          startedAtEpochMs: Date.now(),
          t0Ms: 0,
          tracks: [track],
        });
        await store.appendRows(rows(ep.id, 0, 0, 30));
        const data = new Uint8Array(30 * 64).fill(e % 256);
        await store.appendMedia({
          episodeId: ep.id,
          camera: "front",
          seq: 0,
          frames: Array.from({ length: 30 }, (_, i) => ({
            row: i,
            key: i % 2 === 0,
            offset: i * 64,
            size: 64,
            captureTimeMs: (i * 1000) / 30,
          })),
          data: data.buffer,
        });
        await store.finishEpisode(ep.id, {
          sync: null,
          qa: e % 10 === 0 ? [{ kind: "dropped_frames", message: "2 frames dropped" }] : [],
          imageStats: {},
          thumbnail: thumbnail.slice(0),
        });
      }
      // 2. A 640×480 AV1 episode, encoded here (GOP 2).
      const av1 = await store.createDataset({ ...base, name: "bench_av1", cameras: [cam(640, 480)] });
      const chunks: { key: boolean; data: Uint8Array; row: number }[] = [];
      let description: ArrayBuffer | undefined;
      const codec = "av01.0.04M.08";
      const encoder = new VideoEncoder({
        output: (chunk, meta) => {
          const data = new Uint8Array(chunk.byteLength);
          chunk.copyTo(data);
          chunks.push({ key: chunk.type === "key", data, row: Math.round((chunk.timestamp * 30) / 1e6) });
          const d = meta?.decoderConfig?.description;
          if (d && !description)
            description = ArrayBuffer.isView(d)
              ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice().buffer
              : new Uint8Array(d).slice().buffer;
        },
        error: (e) => {
          throw e;
        },
      });
      encoder.configure({ codec, width: 640, height: 480, bitrate: 2_000_000, framerate: 30, latencyMode: "realtime" });
      const canvas = new OffscreenCanvas(640, 480);
      const c = canvas.getContext("2d")!;
      for (let i = 0; i < av1Frames; i++) {
        const grad = c.createLinearGradient(0, 0, 640, 480);
        grad.addColorStop(0, `hsl(${(i * 3) % 360} 60% 40%)`);
        grad.addColorStop(1, `hsl(${(i * 3 + 180) % 360} 60% 60%)`);
        c.fillStyle = grad;
        c.fillRect(0, 0, 640, 480);
        c.fillStyle = "#fff";
        c.fillRect(100 + ((i * 7) % 400), 200, 60, 60);
        c.font = "48px monospace";
        c.fillText(String(i), 20, 60);
        const frame = new VideoFrame(canvas, { timestamp: Math.round((i * 1e6) / 30), duration: Math.round(1e6 / 30) });
        encoder.encode(frame, { keyFrame: i % 2 === 0 });
        frame.close();
        while (encoder.encodeQueueSize > 4) await new Promise((r) => setTimeout(r, 2));
      }
      await encoder.flush();
      encoder.close();
      const av1Track = {
        camera: "front",
        codec,
        codecName: "av1" as const,
        width: 640,
        height: 480,
        ...(description ? { description } : {}),
      };
      const ep = await store.createEpisode({ datasetId: av1.id, task: "seek", startedAtEpochMs: Date.now(), t0Ms: 0, tracks: [av1Track] });
      for (let first = 0, seq = 0; first < chunks.length; first += 30, seq++) {
        const part = chunks.slice(first, first + 30);
        const size = part.reduce((n, p) => n + p.data.byteLength, 0);
        const data = new Uint8Array(size);
        let off = 0;
        const frames = part.map((p) => {
          data.set(p.data, off);
          const ref = { row: p.row, key: p.key, offset: off, size: p.data.byteLength, captureTimeMs: (p.row * 1000) / 30 };
          off += p.data.byteLength;
          return ref;
        });
        await store.appendRows(rows(ep.id, seq, first, part.length));
        await store.appendMedia({ episodeId: ep.id, camera: "front", seq, frames, data: data.buffer });
      }
      await store.finishEpisode(ep.id, { sync: null, qa: [], imageStats: {} });
      // 3. A 10-minute episode of joint rows (no cameras).
      const long = await store.createDataset({ ...base, name: "bench_10min", cameras: [] });
      const lep = await store.createEpisode({ datasetId: long.id, task: "ten minutes", startedAtEpochMs: Date.now(), t0Ms: 0, tracks: [] });
      for (let first = 0, seq = 0; first < plotRows; first += 300, seq++)
        await store.appendRows(rows(lep.id, seq, first, Math.min(300, plotRows - first)));
      await store.finishEpisode(lep.id, { sync: null, qa: [], imageStats: {} });
      return { listId: list.id };
    },
    { episodes: EPISODES, av1Frames: AV1_FRAMES, plotRows: PLOT_ROWS },
  );
}

async function openDataset(page: Page, url: string, name: string) {
  await page.goto(`${url}?load=${name}#episodes`);
  await page.getByLabel("Dataset", { exact: true }).locator("option", { hasText: name }).waitFor({ state: "attached", timeout: 30_000 });
  await page.getByLabel("Dataset", { exact: true }).selectOption({ label: name });
  await page.locator('[data-testid="episode-item"]').first().click();
}

async function measure(): Promise<Figures> {
  const outDir = mkdtempSync(join(tmpdir(), "episodes-bench-dist-"));
  const profile = mkdtempSync(join(tmpdir(), "episodes-bench-profile-"));
  await build({ logLevel: "warn", build: { outDir, emptyOutDir: true } });
  const server = await preview({ preview: { port: 4191, strictPort: false }, build: { outDir }, logLevel: "warn" });
  const url = (server.resolvedUrls?.local[0] ?? "http://localhost:4191/").replace(/\/$/, "/");
  const executablePath = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
  const context = await chromium.launchPersistentContext(profile, {
    ...(executablePath ? { executablePath } : {}),
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: CHROMIUM_ARGS,
  });
  try {
    await context.addInitScript(() => {
      window.__STUDIO_TEST__ = true;
      // tsx (esbuild keepNames) wraps named inner functions of page.evaluate callbacks in __name().
      (window as unknown as { __name: (f: unknown) => unknown }).__name = (f) => f;
    });
    const page = context.pages()[0] ?? (await context.newPage());
    // Seed on a page without the simulated rig, once its start-up recovery (which marks any
    // "recording" episode interrupted) is over.
    await page.goto(`${url}?rig=none&camera=none#episodes`);
    await page.waitForFunction(() => window.__studioTest !== undefined, undefined, { timeout: 60_000 });
    await page.waitForTimeout(3000);
    const t = Date.now();
    const { listId } = await seed(page);
    process.stderr.write(`[episodes-bench] seeded in ${((Date.now() - t) / 1000).toFixed(1)} s; `);

    // Open 500: navigation → the list shows every episode (three fresh loads, median).
    await page.evaluate((id) => localStorage.setItem("studio.episodes.dataset", id), listId);
    const opens: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto("about:blank");
      await page.goto(`${url}?open=${i}#episodes`);
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="episode-item"]').length === n, EPISODES, {
        polling: "raf",
        timeout: 60_000,
      });
      opens.push(await page.evaluate(() => performance.now() / 1000));
    }

    // Seek: set the scrubber to a random frame; time until the camera canvas shows that frame.
    await openDataset(page, url, "bench_av1");
    await page.locator('[data-testid="episode-camera"][data-frame="0"]').waitFor({ timeout: 30_000 });
    const seekAllMs = await page.evaluate(
      async ({ seeks, frames }) => {
        let seed = 12345;
        const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        const input = document.querySelector<HTMLInputElement>('input[aria-label="Frame"]')!;
        const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="episode-camera"]')!;
        const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!;
        const out: number[] = [];
        let current = 0;
        for (let i = 0; i < seeks; i++) {
          let f = Math.floor(rand() * frames);
          if (f === current) f = (f + 1) % frames;
          current = f;
          const t0 = performance.now();
          const shown = new Promise<void>((resolve) => {
            const mo = new MutationObserver(() => {
              if (canvas.dataset["frame"] === String(f)) {
                mo.disconnect();
                resolve();
              }
            });
            mo.observe(canvas, { attributes: true, attributeFilter: ["data-frame"] });
          });
          setter.call(input, String(f));
          input.dispatchEvent(new Event("input", { bubbles: true }));
          await shown;
          out.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 50));
        }
        return out;
      },
      { seeks: SEEKS, frames: AV1_FRAMES },
    );

    // Plots of the 10-minute episode: build to drawn (all six charts).
    const plots: number[] = [];
    for (let i = 0; i < 3; i++) {
      await openDataset(page, url, "bench_10min");
      const el = page.locator('[data-testid="episode-plots"][data-draw-ms]');
      await el.waitFor({ timeout: 60_000 });
      plots.push(Number(await el.getAttribute("data-draw-ms")));
    }
    process.stderr.write(
      `open ${opens.map((v) => v.toFixed(2)).join(", ")} s; seek ${seekAllMs.map((v) => v.toFixed(0)).join(" ")} ms; plots ${plots.join(", ")} ms\n`,
    );
    return { openS: median(opens), seekMs: median(seekAllMs), seekAllMs, plotMs: median(plots) };
  } finally {
    await context.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    rmSync(profile, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
}

const run = () => (session ??= measure());

export const benchmarks: Benchmark[] = [
  {
    id: "episodes.open_500_s",
    unit: "s",
    goal: "<= 1",
    what: `navigation to the Episodes screen → all ${EPISODES} episodes of a dataset listed with thumbnails (built studio, IndexedDB, median of 3 loads)`,
    run: async () => (await run()).openS,
  },
  {
    id: "episodes.seek_ms",
    unit: "ms",
    goal: "<= 100",
    what: `scrubber set to a random frame of a 640×480 AV1 episode (GOP 2) → that frame decoded and drawn on the camera canvas (median of ${SEEKS} seeks)`,
    run: async () => (await run()).seekMs,
  },
  {
    id: "episodes.plot_10min_ms",
    unit: "ms",
    goal: "<= 200",
    what: `uPlot charts of a 10-minute episode (${PLOT_ROWS} rows × 6 joints × state and action) built and drawn (median of 3 opens)`,
    run: async () => (await run()).plotMs,
  },
];
