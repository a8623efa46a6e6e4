/**
 * In-browser ONNX policy figures (issue 16): the committed fixture models (fixtures/onnx, lerobot's
 * ACT contract) in headless Chromium through the studio's ONNX worker (onnxruntime-web; no GPU
 * here, so WASM), observation → action chunk as a rollout sees it. The page
 * (bench/pages/onnx.html) is served by Vite's dev server, which also checks that the runtime's
 * .wasm is served under `vite` dev.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";
import { createServer } from "vite";
import type { OnnxBenchOptions, OnnxBenchResult } from "./pages/onnx.ts";
import type { Benchmark } from "./types.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env["BENCH_ONNX_RUNS"] ?? 300);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

let session: Promise<Record<string, OnnxBenchResult>> | undefined;

async function measure(): Promise<Record<string, OnnxBenchResult>> {
  const port = await freePort();
  const cacheDir = mkdtempSync(join(tmpdir(), "onnx-bench-vite-"));
  const server = await createServer({
    root,
    configFile: false,
    cacheDir,
    logLevel: "warn",
    server: { port, strictPort: true, host: "127.0.0.1", hmr: false },
    optimizeDeps: { entries: ["bench/pages/onnx.html"] },
  });
  await server.listen();
  const executablePath = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
  const browser = await chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: ["--no-sandbox", "--disable-background-networking", "--headless"],
  });
  const fixture = (name: string) => readFileSync(join(root, "fixtures/onnx", name));
  const stats = fixture("act_tiny.stats.json").toString("utf8");
  const cases: Record<string, Omit<OnnxBenchOptions, "runs" | "warmup" | "stats">> = {
    tiny: { model: [...fixture("act_tiny.onnx")], images: 1, size: 32 },
    act2x224: { model: [...fixture("act_tiny_2x224.onnx")], images: 2, size: 224 },
  };
  const out: Record<string, OnnxBenchResult> = {};
  try {
    for (const [name, c] of Object.entries(cases)) {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${port}/bench/pages/onnx.html`);
      await page.locator("#status", { hasText: "ready" }).waitFor({ timeout: 60_000 });
      const options: OnnxBenchOptions = { ...c, stats, runs: RUNS, warmup: 20 };
      const r = await page.evaluate(
        (o) => (window as unknown as { __runOnnxBench: (o: OnnxBenchOptions) => Promise<OnnxBenchResult> }).__runOnnxBench(o),
        options,
      );
      if (errors.length > 0) throw new Error(`the bench page failed: ${errors.join("; ")}`);
      process.stderr.write(
        `[onnx-bench] ${name}: ${r.provider}, first load ${r.loadMs.toFixed(0)} ms, p50 ${quantile(r.inferMs, 0.5).toFixed(2)} ms, p99 ${quantile(r.inferMs, 0.99).toFixed(2)} ms over ${r.inferMs.length}\n`,
      );
      out[name] = r;
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return out;
}

const run = () => (session ??= measure());

export const benchmarks: Benchmark[] = [
  {
    id: "policy.onnx_infer_ms_p50",
    unit: "ms",
    goal: "",
    what: `fixture act_tiny.onnx (state + one 32×32 image → 10×6 chunk) in headless Chromium, studio ONNX worker (onnxruntime-web, WASM): observation → chunk incl. normalising and the worker hop, p50 of ${RUNS}`,
    run: async () => quantile((await run())["tiny"]!.inferMs, 0.5),
  },
  {
    id: "policy.onnx_infer_2x224_ms_p50",
    unit: "ms",
    goal: "",
    what: "as above with ACT-sized inputs (two 224×224 images, act_tiny_2x224.onnx): the input pipeline's cost; the graph is trivial, not an ACT network",
    run: async () => quantile((await run())["act2x224"]!.inferMs, 0.5),
  },
];
