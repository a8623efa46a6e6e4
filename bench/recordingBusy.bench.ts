/**
 * Recording fidelity on a busy machine: the studio as in recording.bench.ts (simulated rig, loop
 * at 100 Hz, two simulated cameras 640×480@30, codec auto — the pre-flight check picks it on the
 * loaded machine) records BENCH_BUSY_TAKES (default 2) takes of BENCH_BUSY_SECONDS (default 60) s,
 * 1 s reset between them, while two CPU-bound processes (`node -e "for(;;){}"`) run beside
 * Chromium. Figures come from each take's sync report and the session's turnover:
 * - joints: each row's distance to the loop sample nearest its time, rows that took the row
 *   before's sample (worst take / all rows);
 * - takes cut short: takes that ended before their planned rows or with a failure (an encoder
 *   that falls behind must degrade, not end the take);
 * - dropped frames: rows without a fresh frame of their own — rows the encoder repeated because it
 *   fell behind plus camera frames no row used — over rows × cameras, all takes;
 * - turnover: the take's stop (its last row) → the next take's reset shown (saved, reviewed), worst take.
 * The load average (1 min) at the start and end is printed with the figures.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { loadavg } from "node:os";
import { openRecordingPage } from "./recordingPage.ts";
import type { Benchmark } from "./types.ts";

const SECONDS = Number(process.env["BENCH_BUSY_SECONDS"] ?? 60);
const TAKES = Number(process.env["BENCH_BUSY_TAKES"] ?? 2);
const HOGS = 2;
/** "auto" (the default, the pre-flight check picks) or a codec to force (vp9, av1, h264). */
const CODEC = process.env["BENCH_BUSY_CODEC"] ?? "auto";

interface BusyFigures {
  jointAgeP99Ms: number;
  duplicatedPct: number;
  stalePct: number;
  loopHz: number;
  cutShortTakes: number;
  droppedFramesPct: number;
  turnoverS: number;
}

interface TakeFigures {
  id: string;
  rows: number;
  failure: string | undefined;
  jointAgeP99Ms: number;
  duplicatedRows: number;
  staleRows: number;
  loopHz: number;
  cameras: number;
  repeatedRows: number;
  droppedFrames: number;
  qa: string[];
  turnoverMs: number;
}

let figures: Promise<BusyFigures> | undefined;

async function measure(): Promise<BusyFigures> {
  const hogs: ChildProcess[] = [];
  const { page, close } = await openRecordingPage(Number(process.env["BENCH_PORT"] ?? 4221));
  try {
    page.on("console", (m) => {
      if (m.text().startsWith("busy take:")) process.stderr.write(`${m.text()}\n`);
    });
    await page.getByLabel("Dataset name").fill("bench_busy");
    await page.getByLabel("Episode seconds").fill(String(SECONDS));
    await page.getByLabel("Reset seconds").fill("1");
    await page.getByLabel("Episodes").fill(String(TAKES));
    await page.getByLabel("Codec").selectOption(CODEC);
    // Each take's outcome and the turnover the session measured for it (set right after its review).
    await page.evaluate(() => {
      const t = window.__studioTest!;
      const seen = new Map<string, { take: unknown; turnoverMs: number }>();
      (window as unknown as { __busyTakes: typeof seen }).__busyTakes = seen;
      t.recording.subscribe((st) => {
        const take = st.lastTake;
        if (!take || take.discarded) return;
        seen.set(take.episode.id, { take, turnoverMs: st.turnoverMs ?? NaN });
      });
    });
    for (let i = 0; i < HOGS; i++) hogs.push(spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }));
    const loadBefore = loadavg()[0]!;
    await page.getByRole("button", { name: "Start recording" }).click();
    await page.locator('[data-testid="record-state"][data-phase="done"]').waitFor({ timeout: TAKES * (SECONDS + 120) * 1000 });
    const loadAfter = loadavg()[0]!;
    for (const h of hogs.splice(0)) h.kill();
    const codecWarning = await page.evaluate(() => window.__studioTest!.recording.getState().codecWarning ?? "");
    const takes = await page.evaluate(async (planned) => {
      const t = window.__studioTest!;
      const seen = (window as unknown as { __busyTakes: Map<string, { take: unknown; turnoverMs: number }> }).__busyTakes;
      const out: TakeFigures[] = [];
      for (const [id, v] of seen) {
        const take = v.take as NonNullable<ReturnType<typeof t.recording.getState>["lastTake"]>;
        const sync = take.sync;
        const check = await t.verifyEpisode(id);
        console.log(
          `busy take: ${check.rows} rows stored (planned ${planned}), ${check.missingJointRows} with a missing joint; used samples' age p99 ${check.jointAgeP99Ms.toFixed(1)} ms`,
        );
        const keys = sync ? Object.keys(sync.skewP99Ms) : [];
        out.push({
          id,
          rows: take.episode.length,
          failure: take.failure,
          jointAgeP99Ms: sync?.jointAgeP99Ms ?? NaN,
          duplicatedRows: sync?.duplicatedJointRows ?? NaN,
          staleRows: sync?.staleJointRows ?? NaN,
          loopHz: sync?.loopRateHz ?? NaN,
          cameras: keys.length,
          repeatedRows: keys.reduce((n, k) => n + (sync?.encoderRepeatedRows?.[k] ?? 0), 0),
          droppedFrames: keys.reduce((n, k) => n + (sync?.droppedFrames[k] ?? 0), 0),
          qa: take.qa.map((q) => q.message),
          turnoverMs: v.turnoverMs,
        });
      }
      return out;
    }, SECONDS * 30);
    process.stderr.write(
      `busy: codec ${CODEC}; load average (1 min) ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end\n`,
    );
    if (codecWarning) process.stderr.write(`busy: pre-flight: ${codecWarning}\n`);
    for (const t of takes)
      process.stderr.write(
        `busy take ${t.id}: ${t.rows} rows${t.failure ? ` FAILED: ${t.failure}` : ""}; encoder repeats ${t.repeatedRows}, camera frames unused ${t.droppedFrames}; turnover ${t.turnoverMs.toFixed(0)} ms; QA: ${t.qa.join(" | ") || "none"}\n`,
      );
    const planned = SECONDS * 30;
    const rows = takes.reduce((n, t) => n + t.rows, 0);
    const cells = takes.reduce((n, t) => n + t.rows * t.cameras, 0);
    return {
      jointAgeP99Ms: Math.max(...takes.map((t) => t.jointAgeP99Ms)),
      duplicatedPct: (100 * takes.reduce((n, t) => n + t.duplicatedRows, 0)) / rows,
      stalePct: (100 * takes.reduce((n, t) => n + t.staleRows, 0)) / rows,
      loopHz: Math.min(...takes.map((t) => t.loopHz)),
      cutShortTakes: takes.filter((t) => t.rows < planned || t.failure !== undefined).length + Math.max(0, TAKES - takes.length),
      droppedFramesPct: (100 * takes.reduce((n, t) => n + t.repeatedRows + t.droppedFrames, 0)) / cells,
      turnoverS: Math.max(...takes.map((t) => t.turnoverMs)) / 1000,
    };
  } finally {
    for (const h of hogs) h.kill();
    await close();
  }
}

function run(): Promise<BusyFigures> {
  figures ??= measure();
  return figures;
}

export const benchmarks: Benchmark[] = [
  {
    id: "rec.busy_joint_age_p99_ms",
    unit: "ms",
    goal: "<= 20",
    what: `p99 |joint sample time − row time| (the sample nearest each row), worst of ${TAKES} takes of ${SECONDS} s, loop 100 Hz, 2 cameras 640×480@30, ${HOGS} CPU-bound processes beside Chromium`,
    run: async () => (await run()).jointAgeP99Ms,
  },
  {
    id: "rec.busy_duplicated_joint_rows_pct",
    unit: "%",
    goal: "<= 1",
    what: "rows whose joint sample is the previous row's, same takes",
    run: async () => (await run()).duplicatedPct,
  },
  {
    id: "rec.busy_stale_joint_rows_pct",
    unit: "%",
    goal: "",
    what: "rows with no loop sample within two loop periods (stored as missing, masked on export), same takes",
    run: async () => (await run()).stalePct,
  },
  {
    id: "rec.busy_loop_hz",
    unit: "Hz",
    goal: "",
    what: "the control loop's achieved rate during those takes, the slower take (target 100 Hz)",
    run: async () => (await run()).loopHz,
  },
  {
    id: "rec.busy_cut_short_takes",
    unit: "takes",
    goal: "= 0",
    what: `takes (of ${TAKES} × ${SECONDS} s, 2 cameras 640×480@30) that ended before their planned rows or failed`,
    run: async () => (await run()).cutShortTakes,
  },
  {
    id: "rec.busy_dropped_frames_pct",
    unit: "%",
    goal: "<= 1",
    what: "rows × cameras without a fresh frame of their own: rows the encoder repeated because it fell behind + camera frames no row used, same takes",
    run: async () => (await run()).droppedFramesPct,
  },
  {
    id: "rec.busy_turnover_s",
    unit: "s",
    goal: "<= 1",
    what: "a take's stop → the next take's reset shown (saved and reviewed), the slower of those takes",
    run: async () => (await run()).turnoverS,
  },
];
