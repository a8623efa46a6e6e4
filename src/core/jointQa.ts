/**
 * QA of a take's joint rows, by window: where reads were missing, where a joint stayed frozen
 * while commanded to move, where it jumped between rows — each flag lists its time ranges (s
 * from the take's start), not only whole-take conditions. Also the loop's off-rate stretches.
 */
import type { QaFlag, QaWindow } from "./dataset.ts";

export interface JointsQaInput {
  /** Joint column names (`shoulder_pan.pos`…). */
  names: readonly string[];
  /** observation.state and action, row-major, names.length wide; NaN = missing. */
  state: ArrayLike<number>;
  action: ArrayLike<number>;
  /** A step between consecutive rows larger than this (dataset units) is a jump, per joint. */
  jumpThreshold: number;
  /** The command counts as moving when its range over a window exceeds this (dataset units). */
  moveThreshold?: number;
  /** Rows per second (for the windows' times; default 30). */
  fps?: number;
  /** A joint whose reading stays identical for longer than this while commanded to move is frozen, ms (default 1000). */
  frozenMs?: number;
}

/** A stretch where the control loop ran slow or stalled (s from the take's start). */
export interface LoopSpan {
  from: number;
  to: number;
  minRateHz: number;
  longestGapMs: number;
}

/** Windows listed in a message; the flag's `windows` keeps them all. */
const LISTED = 4;

function fmt(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

/** "2.60–2.73 s, 5.00 s and 3 more" */
export function describeWindows(windows: readonly QaWindow[]): string {
  const one = (w: QaWindow) => (w.to - w.from < 0.005 ? `${fmt(w.from, 2)} s` : `${fmt(w.from, 2)}–${fmt(w.to, 2)} s`);
  const shown = windows.slice(0, LISTED).map(one).join(", ");
  return windows.length > LISTED ? `${shown} and ${windows.length - LISTED} more` : shown;
}

/** Runs of flagged rows as windows [first row's time, last row's time] in s; runs closer than `mergeRows` merge. */
function rowWindows(flagged: ArrayLike<boolean>, fps: number, mergeRows = Math.round(fps / 2)): QaWindow[] {
  const out: QaWindow[] = [];
  let start = -1;
  let last = -1;
  for (let r = 0; r < flagged.length; r++) {
    if (!flagged[r]) continue;
    if (start >= 0 && r - last <= mergeRows) last = r;
    else {
      if (start >= 0) out.push({ from: start / fps, to: last / fps });
      start = r;
      last = r;
    }
  }
  if (start >= 0) out.push({ from: start / fps, to: last / fps });
  return out;
}

function count(flags: ArrayLike<boolean>): number {
  let n = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i]) n++;
  return n;
}

export function jointsQa(j: JointsQaInput): QaFlag[] {
  const w = j.names.length;
  if (w === 0) return [];
  const rows = Math.floor(j.state.length / w);
  if (rows === 0) return [];
  const fps = j.fps ?? 30;
  const moveThreshold = j.moveThreshold ?? 1;
  const frozenRows = Math.max(2, Math.ceil(((j.frozenMs ?? 1000) * fps) / 1000) + 1);
  const missing = (r: number, c: number) => !Number.isFinite(j.state[r * w + c] ?? NaN);
  // Rows with no joint at all (no sample near the row's time, or every motor silent).
  const rowMissing = Array.from({ length: rows }, (_, r) => {
    for (let c = 0; c < w; c++) if (!missing(r, c)) return false;
    return true;
  });
  const emptyRows = count(rowMissing);
  if (emptyRows === rows) {
    return [
      {
        kind: "missing_joints",
        message: `No joint positions were recorded in ${rows} rows. Check that the arm is connected and teleoperation is running before recording.`,
      },
    ];
  }
  const flags: QaFlag[] = [];
  if (emptyRows > 0) {
    const windows = rowWindows(rowMissing, fps);
    flags.push({
      kind: "missing_joints",
      message: `${emptyRows} of ${rows} rows have no joint reading (none within two loop periods of the row): ${describeWindows(windows)}. They are stored as missing and masked on export; the loop was late or the arm did not answer.`,
      windows,
    });
  }
  for (let c = 0; c < w; c++) {
    const name = j.names[c] ?? `joint ${c}`;
    const own = Array.from({ length: rows }, (_, r) => missing(r, c) && !rowMissing[r]);
    const ownMissing = count(own);
    if (ownMissing + emptyRows === rows) {
      flags.push({
        kind: "missing_joints",
        subject: name,
        message: `Joint ${name} has no recorded position in this take. Its motor may not be answering: check its cable.`,
      });
      continue;
    }
    if (ownMissing > 0) {
      const windows = rowWindows(own, fps);
      flags.push({
        kind: "missing_joints",
        subject: name,
        message: `Joint ${name} was not read in ${ownMissing} row${ownMissing === 1 ? "" : "s"}: ${describeWindows(windows)}. Stored as missing and masked on export; if it repeats, check the motor's cable.`,
        windows,
      });
    }
    flags.push(...frozenAndJumps(j, c, rows, name, fps, frozenRows, moveThreshold));
  }
  return flags;
}

function frozenAndJumps(
  j: JointsQaInput,
  c: number,
  rows: number,
  name: string,
  fps: number,
  frozenRows: number,
  moveThreshold: number,
): QaFlag[] {
  const w = j.names.length;
  const flags: QaFlag[] = [];
  const frozen: QaWindow[] = [];
  const jumpRows = new Array<boolean>(rows).fill(false);
  let jumps = 0;
  let biggest = 0;
  let prev = NaN;
  let runStart = -1;
  const endRun = (endRow: number) => {
    // rows [runStart, endRow) hold the same reading
    if (runStart < 0 || endRow - runStart < frozenRows) return;
    let aMin = Infinity;
    let aMax = -Infinity;
    for (let r = runStart; r < endRow; r++) {
      const a = j.action[r * w + c] ?? NaN;
      if (Number.isFinite(a)) {
        aMin = Math.min(aMin, a);
        aMax = Math.max(aMax, a);
      }
    }
    if (aMax - aMin > moveThreshold) frozen.push({ from: runStart / fps, to: (endRow - 1) / fps });
  };
  for (let r = 0; r < rows; r++) {
    const s = j.state[r * w + c] ?? NaN;
    if (!Number.isFinite(s)) continue; // a missing read neither breaks nor extends a run
    if (Number.isFinite(prev)) {
      const step = Math.abs(s - prev);
      if (step > j.jumpThreshold) {
        jumps++;
        jumpRows[r] = true;
        biggest = Math.max(biggest, step);
      }
      if (s !== prev) {
        endRun(r);
        runStart = r;
      }
    } else runStart = r;
    prev = s;
  }
  endRun(rows);
  if (frozen.length > 0) {
    flags.push({
      kind: "stalled_joints",
      subject: name,
      message: `Joint ${name} did not move although it was commanded to: ${describeWindows(frozen)}. The motor may be blocked, without torque, or its readings stuck.`,
      windows: frozen,
    });
  }
  if (jumps > 0) {
    const windows = rowWindows(jumpRows, fps);
    flags.push({
      kind: "jumping_joints",
      subject: name,
      message: `Joint ${name} jumped ${jumps} time${jumps === 1 ? "" : "s"} between rows (up to ${fmt(biggest)} units in one row): ${describeWindows(windows)}. Check for a loose cable, a slipping horn, or a bad reading.`,
      windows,
    });
  }
  return flags;
}

/** The loop's slow or stalled stretches, for the off-rate flag: a sentence and the windows (undefined if none). */
export function loopSpans(spans: readonly LoopSpan[], targetHz: number): { text: string; windows: QaWindow[] } | undefined {
  if (spans.length === 0) return undefined;
  const windows = spans.map((s) => ({ from: s.from, to: s.to }));
  const slowest = Math.min(...spans.map((s) => s.minRateHz));
  const gap = Math.max(...spans.map((s) => s.longestGapMs));
  return {
    text: `ran slow or stalled in ${spans.length} stretch${spans.length === 1 ? "" : "es"} (down to ${fmt(slowest)} Hz of ${fmt(targetHz)} Hz, gaps up to ${fmt(gap, 0)} ms): ${describeWindows(windows)}`,
    windows,
  };
}
