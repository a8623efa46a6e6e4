/**
 * Recording figures, measured in headless Chromium on the built studio: the simulated rig with
 * two simulated cameras (640×480 @ 30) and the control loop, a 10 s take then a long take
 * (BENCH_REC_MINUTES, default 10), both read back from storage afterwards (video decoded, the
 * simulated cameras' timecodes read from the stored frames).
 */
import { openRecordingPage } from "./recordingPage.ts";
import type { Benchmark } from "./types.ts";

const LONG_MIN = Number(process.env["BENCH_REC_MINUTES"] ?? 10);

interface RecFigures {
  droppedPct: number;
  heapGrowthMb: number;
  turnover10s: number;
  turnoverLong: number;
  skewP99: number;
}

let figures: Promise<RecFigures> | undefined;

interface TakeFigures {
  rows: number;
  dropped: number;
  duplicated: number;
  skewP99: number;
  timecodes: number;
  frames: number;
  turnoverMs: number;
}

async function measure(): Promise<RecFigures> {
  const { page, close } = await openRecordingPage(4290);
  try {
    await page.getByLabel("Dataset name").fill("bench_rec");
    await page.getByLabel("Episode seconds").fill("10");
    await page.getByLabel("Reset seconds").fill("0");
    await page.getByLabel("Episodes").fill("2");
    await page.getByRole("button", { name: "Start recording" }).click();
    const phase = page.getByTestId("record-state");
    // Take 1: 10 s, ends by itself; the reset waits for →.
    await page.locator('[data-testid="record-state"][data-phase="reset"]').waitFor({ timeout: 120_000 });
    const t1 = await takeFigures();
    // Take 2: the long one, ended with →.
    await page.getByLabel("Episode seconds").waitFor();
    await page.keyboard.press("ArrowRight");
    await page.locator('[data-testid="record-state"][data-phase="recording"]').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(60_000);
    const heap0 = await heapMb();
    await page.waitForTimeout(Math.max(0, LONG_MIN * 60_000 - 60_000));
    const heap1 = await heapMb();
    await page.keyboard.press("ArrowRight");
    await page.locator('[data-testid="record-state"][data-phase="done"]').waitFor({ timeout: 120_000 });
    void phase;
    const t2 = await takeFigures();
    const rows = t1.rows + t2.rows;
    return {
      droppedPct: (100 * (t1.dropped + t1.duplicated + t2.dropped + t2.duplicated)) / (2 * rows),
      heapGrowthMb: heap1 - heap0,
      turnover10s: t1.turnoverMs / 1000,
      turnoverLong: t2.turnoverMs / 1000,
      skewP99: Math.max(t1.skewP99, t2.skewP99),
    };

    async function heapMb(): Promise<number> {
      return page.evaluate(async () => {
        const p = performance as Performance & {
          measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>;
          memory?: { usedJSHeapSize: number };
        };
        // Page and workers (cross-origin isolated pages only); else the page's JS heap.
        if (p.measureUserAgentSpecificMemory) return (await p.measureUserAgentSpecificMemory()).bytes / 1e6;
        return (p.memory?.usedJSHeapSize ?? NaN) / 1e6;
      });
    }

    async function takeFigures(): Promise<TakeFigures> {
      return page.evaluate(async () => {
        const t = window.__studioTest!;
        const st = t.recording.getState();
        const take = st.lastTake!;
        const check = await t.verifyEpisode(take.episode.id);
        const sync = take.sync!;
        const keys = Object.keys(check.cameras);
        return {
          rows: check.rows,
          dropped: keys.reduce((n, k) => n + (sync.droppedFrames[k] ?? 0), 0) / keys.length,
          duplicated: keys.reduce((n, k) => n + (sync.duplicatedFrames[k] ?? 0), 0) / keys.length,
          skewP99: Math.max(...keys.map((k) => check.cameras[k]!.skewP99Ms)),
          timecodes: keys.reduce((n, k) => n + check.cameras[k]!.timecodes, 0),
          frames: keys.reduce((n, k) => n + check.cameras[k]!.frames, 0),
          turnoverMs: st.turnoverMs ?? NaN,
        };
      });
    }
  } finally {
    await close();
  }
}

function run(): Promise<RecFigures> {
  figures ??= measure();
  return figures;
}

export const benchmarks: Benchmark[] = [
  {
    id: "rec.dropped_frames_pct",
    unit: "%",
    goal: "<= 0.1",
    what: `rows without their own fresh camera frame (frames unused or used twice), 2 simulated cameras 640×480@30, a 10 s and a ${LONG_MIN} min take`,
    run: async () => (await run()).droppedPct,
  },
  {
    id: "rec.heap_growth_mb",
    unit: "MB",
    goal: "<= 50",
    what: `memory of the page and its workers (measureUserAgentSpecificMemory) from minute 1 to the end of the ${LONG_MIN} min take`,
    run: async () => (await run()).heapGrowthMb,
  },
  {
    id: "rec.turnover_s_10s",
    unit: "s",
    goal: "<= 0.5",
    what: "stop → ready for the next take (encoders flushed, everything stored, QA shown), after a 10 s take",
    run: async () => (await run()).turnover10s,
  },
  {
    id: "rec.turnover_s_10min",
    unit: "s",
    goal: "<= 0.5",
    what: `stop → ready for the next take after a ${LONG_MIN} min take`,
    run: async () => (await run()).turnoverLong,
  },
  {
    id: "rec.skew_p99_ms",
    unit: "ms",
    goal: "<= 16.7",
    what: "p99 |camera frame capture time − row time|, read back from the timecode in the stored video (worst camera, worst take)",
    run: async () => (await run()).skewP99,
  },
];
