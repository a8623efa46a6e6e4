/**
 * Per-take quality checks, run right after an episode from figures gathered while recording
 * (no video decoding): per-frame luma mean and a cheap frame hash per camera, the joint rows,
 * the control loop's timing and the frame sync counters. Each problem becomes a {@link QaFlag}
 * with a message for the operator saying what is wrong and what to check.
 */

import type { QaFlag } from "./dataset.ts";
import { encoderQa, type EncoderQaInput } from "./encoderQa.ts";
import { jointsQa, loopSpans, type JointsQaInput, type LoopSpan } from "./jointQa.ts";

export { jointsQa, type JointsQaInput, type LoopSpan };

/** Thresholds; the defaults are what the studio uses. */
export interface QaThresholds {
  /** A frame is black when its mean luma (0…255) is below this. */
  blackLuma: number;
  /** A camera is black when at least this fraction of its frames are. */
  blackFraction: number;
  /** A camera is frozen when its picture stays identical for longer than this, ms. */
  frozenMs: number;
  /** Dropped frames above this percentage of the frames delivered are flagged. */
  droppedPct: number;
  /**
   * Loop period error p99 above this many loop periods is off-rate. Below a period, each row still
   * finds a sample well inside the recorder's two-period bound: a warning then would only teach
   * people to ignore warnings (a 6 ms p99 at 100 Hz is an ordinary busy laptop).
   */
  loopJitterPeriods: number;
  /** Achieved loop rate below this fraction of the target is off-rate. */
  loopRateFraction: number;
}

const DEFAULT_QA_THRESHOLDS: QaThresholds = {
  blackLuma: 16,
  blackFraction: 0.9,
  frozenMs: 1000,
  droppedPct: 0.1,
  loopJitterPeriods: 1,
  loopRateFraction: 0.9,
};

/** Mean of a luma plane, sampling every `step`-th pixel in both directions (default: about 80 columns). */
export function lumaMean(
  luma: ArrayLike<number>,
  width: number,
  height: number,
  stride = width,
  step = Math.max(1, Math.floor(width / 80)),
): number {
  let s = 0;
  let n = 0;
  for (let y = 0; y < height; y += step) {
    const row = y * stride;
    for (let x = 0; x < width; x += step) {
      s += luma[row + x] ?? 0;
      n++;
    }
  }
  return n === 0 ? NaN : s / n;
}

/**
 * A cheap 32-bit hash (FNV-1a) of a luma plane sampled every `step`-th pixel (default: about
 * 160 columns). Two frames with the same hash are treated as the same picture; a camera that
 * keeps delivering the same picture is frozen. Frames of a live scene differ in noise, and the
 * simulated camera's moving background and timecode change every frame.
 */
export function frameHash(
  luma: ArrayLike<number>,
  width: number,
  height: number,
  stride = width,
  step = Math.max(1, Math.floor(width / 160)),
): number {
  let h = 0x811c9dc5;
  for (let y = 0; y < height; y += step) {
    const row = y * stride;
    for (let x = 0; x < width; x += step) {
      h ^= (luma[row + x] ?? 0) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

export interface CameraQaInput {
  /** Per encoded frame, in order: mean luma 0…255. */
  lumaMean: ArrayLike<number>;
  /** Per encoded frame, in order: {@link frameHash}. */
  hash: ArrayLike<number>;
  /** Frames the camera delivered during the take and frames used for no row. */
  framesDelivered: number;
  droppedFrames: number;
  /** The encoder's degrade figures (rows repeated because it fell behind), if known. */
  encoder?: EncoderQaInput;
}

export interface LoopQaInput {
  targetHz: number;
  achievedHz: number;
  /** Control-loop period error p99, ms (NaN if unknown). */
  periodErrorP99Ms: number;
  /** Where it ran slow or stalled during the take. */
  spans?: readonly LoopSpan[];
}

export interface TakeQaInput {
  fps: number;
  cameras: Readonly<Record<string, CameraQaInput>>;
  joints: JointsQaInput | null;
  loop: LoopQaInput | null;
  thresholds?: Partial<QaThresholds>;
}

function fmt(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

/** All QA flags for a take, cameras first (in key order given), then joints, then the loop. */
export function takeQa(input: TakeQaInput): QaFlag[] {
  const th = { ...DEFAULT_QA_THRESHOLDS, ...input.thresholds };
  const flags: QaFlag[] = [];
  for (const [key, cam] of Object.entries(input.cameras)) flags.push(...cameraQa(key, cam, input.fps, th));
  if (input.joints !== null) flags.push(...jointsQa({ fps: input.fps, frozenMs: th.frozenMs, ...input.joints }));
  if (input.loop !== null) flags.push(...loopQa(input.loop, th));
  return flags;
}

export function cameraQa(key: string, cam: CameraQaInput, fps: number, th: QaThresholds = DEFAULT_QA_THRESHOLDS): QaFlag[] {
  const flags: QaFlag[] = cam.encoder ? encoderQa(key, cam.encoder, fps) : [];
  const n = cam.lumaMean.length;
  if (cam.framesDelivered > 0 && (cam.droppedFrames / cam.framesDelivered) * 100 > th.droppedPct) {
    const pct = (cam.droppedFrames / cam.framesDelivered) * 100;
    flags.push({
      kind: "dropped_frames",
      subject: key,
      message: `Camera "${key}" dropped ${cam.droppedFrames} of ${cam.framesDelivered} frames (${fmt(pct, 2)} %). Close other camera apps, lower its resolution or frame rate, or record fewer cameras at once.`,
    });
  }
  if (n > 0) {
    let black = 0;
    for (let i = 0; i < n; i++) if ((cam.lumaMean[i] ?? NaN) < th.blackLuma) black++;
    if (black / n >= th.blackFraction) {
      flags.push({
        kind: "black_camera",
        subject: key,
        message: `Camera "${key}" was black in ${black} of ${n} frames. Check its lens cap or privacy shutter, the lighting, and that the right camera is selected.`,
      });
    }
  }
  const hashes = cam.hash;
  let longest = 0;
  let run = 1;
  for (let i = 1; i < hashes.length; i++) {
    run = hashes[i] === hashes[i - 1] ? run + 1 : 1;
    longest = Math.max(longest, run);
  }
  // a run of r identical frames spans (r − 1) frame intervals
  const frozenMs = ((longest - 1) * 1000) / fps;
  if (longest > 1 && frozenMs > th.frozenMs) {
    flags.push({
      kind: "frozen_camera",
      subject: key,
      message: `Camera "${key}" showed the same picture for ${fmt(frozenMs / 1000)} s. It may have stalled: unplug and replug it, or check that no other app holds it.`,
    });
  }
  return flags;
}

export function loopQa(loop: LoopQaInput, th: QaThresholds = DEFAULT_QA_THRESHOLDS): QaFlag[] {
  const slow = loop.targetHz > 0 && loop.achievedHz < th.loopRateFraction * loop.targetHz;
  const periodMs = loop.targetHz > 0 ? 1000 / loop.targetHz : NaN;
  const jittery = loop.periodErrorP99Ms > th.loopJitterPeriods * periodMs;
  const spans = loopSpans(loop.spans ?? [], loop.targetHz);
  if (!slow && !jittery && !spans) return [];
  const parts: string[] = [];
  if (slow) parts.push(`ran at ${fmt(loop.achievedHz)} Hz instead of ${fmt(loop.targetHz)} Hz`);
  if (jittery) parts.push(`ticked off time by up to ${fmt(loop.periodErrorP99Ms)} ms (p99), more than its ${fmt(periodMs)} ms period`);
  if (spans) parts.push(spans.text);
  return [
    {
      kind: "off_rate_loop",
      message: `The control loop ${parts.join("; ")}. Rows where it was late may be missing. Close other heavy tabs or apps, or choose a lower loop rate.`,
      ...(spans ? { windows: spans.windows } : {}),
    },
  ];
}
