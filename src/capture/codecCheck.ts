/**
 * The pre-flight check: before a session, measure — not assume — whether a codec keeps up with
 * every camera on this computer as it is now. One probe encoder per camera runs AT THE SAME TIME
 * (as the take's encoders will), each fed camera-like frames as fast as it takes them, with
 * lerobot's keyframe every 2 frames; a camera keeps up when its own encoder, sharing the machine
 * with the others and with whatever else runs (the control loop, the simulated cameras' drawing,
 * other apps), achieves at least 1.2 × its frame rate. Nothing is summed or extrapolated from one
 * encoder alone: on a 2-core machine two encoders at once are not twice one.
 */
import { codecLabel, otherCodecs } from "../core/encoderQa.ts";
import { EncoderError, supportedEncoderConfig } from "./CameraEncoder.ts";
import { rowTimestampUs } from "./codecs.ts";
import type { CodecName } from "./codecs.ts";

/** Headroom a codec needs over the cameras' frame rate to count as keeping up. */
const MARGIN = 1.2;

export interface ProbeResult {
  codecName: CodecName;
  /** The codec string used, or null when unsupported. */
  codec: string | null;
  width: number;
  height: number;
  /** Frames per second the encoder achieved on noisy frames; 0 when unsupported or failed. */
  fps: number;
  error?: string;
  /** When each frame came out (the probe's clock, ms). */
  times?: number[];
}

/** Frames per second between the first and the last output inside [from, to]; NaN with fewer than two. */
function rateWithin(times: readonly number[], from: number, to: number): number {
  const inside = times.filter((t) => t >= from && t <= to);
  if (inside.length < 2) return NaN;
  const span = (inside[inside.length - 1]! - inside[0]!) / 1000;
  return span > 0 ? (inside.length - 1) / span : NaN;
}

/**
 * Measures how fast this machine encodes a codec at a size: encodes about `seconds`·fps frames
 * of synthetic camera-like content (a gradient with strong noise, harder than a real scene) as
 * fast as the encoder takes them (at most 8 queued), and returns the frames per second achieved
 * between the first and the last encoded frame (the encoder's start-up is not counted). Other
 * load on the machine — including the other cameras' probes running at the same time — lowers it.
 */
async function probeEncoder(
  codecName: CodecName,
  width: number,
  height: number,
  fps: number,
  seconds = 1,
  now: () => number = () => performance.now(),
): Promise<ProbeResult> {
  const base: ProbeResult = { codecName, codec: null, width, height, fps: 0 };
  const config = await supportedEncoderConfig(codecName, width, height, fps);
  if (config === null) return { ...base, error: `${codecName} is not supported at ${width}×${height}` };
  const count = Math.max(10, Math.round(fps * seconds));
  const frameBytes = width * height * 1.5;
  // Camera-like hard content: a diagonal gradient with strong sensor-like noise (±16 levels).
  // One buffer; frame k is a window shifted by k·97 bytes, so every frame differs (pure white
  // noise would be far harder than any camera picture and understate the speed ~4×).
  const noise = new Uint8Array(frameBytes + 97 * count);
  let x = 0x9e3779b9;
  for (let i = 0; i < noise.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const base = 64 + (((i % width) + Math.floor(i / width)) & 255) / 2;
    noise[i] = Math.max(0, Math.min(255, base + ((x & 31) - 16)));
  }
  const times: number[] = [];
  let error: string | undefined;
  let wake: (() => void) | null = null;
  const encoder = new VideoEncoder({
    output: () => {
      times.push(now());
      wake?.();
    },
    error: (e) => {
      error = e.message;
      wake?.();
    },
  });
  try {
    encoder.configure(config);
    for (let k = 0; k < count && error === undefined; k++) {
      while (encoder.encodeQueueSize >= 8 && error === undefined) await new Promise<void>((r) => (wake = r));
      wake = null;
      const frame = new VideoFrame(noise.subarray(97 * k, 97 * k + frameBytes), {
        format: "I420",
        codedWidth: width,
        codedHeight: height,
        timestamp: rowTimestampUs(k, fps),
        duration: Math.round(1e6 / fps),
      });
      encoder.encode(frame, { keyFrame: k % 2 === 0 });
      frame.close();
    }
    if (error === undefined) await encoder.flush();
    if (error !== undefined) return { ...base, codec: config.codec, error };
    // Steady-state throughput: from the first encoded frame to the last (start-up excluded).
    const achieved = rateWithin(times, -Infinity, Infinity);
    if (!(achieved > 0)) return { ...base, codec: config.codec, error: "the encoder produced too few frames to measure" };
    return { ...base, codec: config.codec, fps: achieved, times };
  } catch (e) {
    return { ...base, codec: config.codec, error: (e as Error).message };
  } finally {
    if (encoder.state !== "closed") encoder.close();
  }
}

export interface CameraLoad {
  width: number;
  height: number;
  fps: number;
}

export interface CodecChoice {
  codec: CodecName;
  /** One probe per camera (in the cameras' order) for each codec tried. */
  probes: ProbeResult[];
  /** Share of the cameras' frames the codec can encode, measured with every camera at once (≥ 1: all of them). */
  capacity?: number;
  /** Set when the codec does not keep up (the recorder will degrade, counted) or the preferred one was replaced. */
  warning?: string;
}

function cameraWords(n: number): string {
  return n === 1 ? "this camera" : `these ${n} cameras`;
}

/** One probe per camera, all at once; `need` = the worst camera's frame rate ÷ what its encoder achieved. */
async function probeTogether(
  codec: CodecName,
  cameras: readonly CameraLoad[],
  seconds: number,
  now?: () => number,
): Promise<{ probes: ProbeResult[]; need: number }> {
  const alone = await Promise.all(cameras.map((c) => probeEncoder(codec, c.width, c.height, c.fps, seconds, now)));
  // Each camera's rate while every probe was running (a probe that started or ended alone ran faster).
  const from = Math.max(...alone.map((p) => p.times?.[0] ?? -Infinity));
  const to = Math.min(...alone.map((p) => p.times?.[p.times.length - 1] ?? Infinity));
  const probes = alone.map(({ times, ...p }) => {
    const together = times ? rateWithin(times, from, to) : NaN;
    return Number.isFinite(together) && p.fps > 0 ? { ...p, fps: together } : p;
  });
  let need = 0;
  cameras.forEach((c, i) => {
    const p = probes[i]!;
    need = Math.max(need, p.fps > 0 ? c.fps / p.fps : Infinity);
  });
  return { probes, need };
}

function degradeWarning(codec: CodecName, cameras: readonly CameraLoad[], need: number, forced: boolean): string {
  const pct = Math.max(1, Math.min(99, Math.floor(100 / need)));
  return (
    `${codecLabel(codec)} can encode only about ${pct} % of ${cameraWords(cameras.length)}' frames on this computer right now (measured with every camera at once). ` +
    "While recording, the encoder will lower its bitrate and keyframe rate and, if that is not enough, repeat frames — counted, and the take labelled “lost frames”. " +
    "To record every frame: lower the resolution or frame rate, record fewer cameras, or close other heavy apps" +
    (forced ? `; or set the codec to auto (it measures ${otherCodecs(codec)} too).` : ".")
  );
}

/**
 * Chooses the first codec of [preferred, "h264", "vp9"] that keeps up with all cameras at once
 * (see the module comment); if none does, the one that comes closest, with a warning. With
 * `only`, measures just that codec (a codec the operator forced) and warns if it does not keep
 * up. Rejects only when no codec can encode at all.
 */
export async function chooseCodec(
  cameras: readonly CameraLoad[],
  preferred: CodecName = "av1",
  seconds = 1,
  only?: CodecName,
  /** The clock probes are timed on (tests); default performance.now(). */
  now?: () => number,
): Promise<CodecChoice> {
  const order = only !== undefined ? [only] : [...new Set<CodecName>([preferred, "h264", "vp9"])];
  const probes: ProbeResult[] = [];
  let best: { codec: CodecName; need: number } | null = null;
  for (const codec of order) {
    const measured = await probeTogether(codec, cameras, seconds, now);
    probes.push(...measured.probes);
    const need = measured.need;
    if (need <= 1 / MARGIN) {
      const choice: CodecChoice = { codec, probes, capacity: 1 / need };
      if (codec !== preferred && only === undefined)
        choice.warning = `${codecLabel(preferred)} cannot keep up with ${cameraWords(cameras.length)} on this computer; recording in ${codecLabel(codec)} instead.`;
      return choice;
    }
    if (Number.isFinite(need) && (best === null || need < best.need)) best = { codec, need };
  }
  if (best === null) {
    if (only !== undefined)
      throw new EncoderError(
        `This browser cannot encode ${codecLabel(only)} video for ${cameraWords(cameras.length)}. Choose another codec (${otherCodecs(only)}) or set it to auto.`,
        "unsupported",
      );
    throw new EncoderError("This browser cannot encode video in AV1, H.264 or VP9. Use a recent Chrome or Edge.", "unsupported");
  }
  const capacity = 1 / best.need;
  if (capacity >= 1) {
    // Keeps up, without the margin: say so, the take may degrade under a burst of load.
    return {
      codec: best.codec,
      probes,
      capacity,
      warning: `${codecLabel(best.codec)} only just keeps up with ${cameraWords(cameras.length)} on this computer right now (${Math.round((capacity - 1) * 100)} % to spare). Under more load the encoder lowers its bitrate, then repeats frames (counted). Close other heavy apps, or lower the resolution or frame rate.`,
    };
  }
  return { codec: best.codec, probes, capacity, warning: degradeWarning(best.codec, cameras, best.need, only !== undefined) };
}
