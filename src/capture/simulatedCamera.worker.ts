/// <reference lib="webworker" />
/**
 * The simulated camera's renderer, off the page's main thread: frames are drawn on this
 * worker's own timer at phaseOrigin + k/fps and stamped with their capture time (page clock),
 * so a busy page delays their delivery but never their timing. The joints come straight from
 * the control loop's shared sample buffer.
 */
import { armJoints, poseToUrdf } from "../core/jointMapping.ts";
import { LatestSample, SampleFrame } from "../core/LatestSample.ts";
import { KINEMATIC_CHAINS } from "../core/kinematics.ts";
import type { RobotKind } from "../core/robots.ts";
import { drawSimulatedFrame } from "./SimulatedCamera.ts";

declare const self: DedicatedWorkerGlobalScope;

export type SimCameraRequest =
  | {
      type: "start";
      width: number;
      height: number;
      fps: number;
      robot: RobotKind;
      label: string;
      phaseOriginMs: number;
      pageOrigin: number;
    }
  | { type: "sample"; buffer: SharedArrayBuffer | null; joints: number; hostOffsetMs: number }
  | { type: "ack" }
  | { type: "stop" };

export type SimCameraEvent = { type: "frame"; frame: VideoFrame } | { type: "stats"; frames: number; skipped: number };

/** Frames sent and not yet taken by the page before new ones are skipped. */
const MAX_IN_FLIGHT = 6;
/** The last stretch before a deadline is slept precisely (Atomics.wait) rather than left to setTimeout. */
const FINE_MS = 3;

let stopped = false;
let inFlight = 0;
let frames = 0;
let skipped = 0;
let sample: { latest: LatestSample; frame: SampleFrame; hostOffsetMs: number } | null = null;
const sleepCell = typeof SharedArrayBuffer !== "undefined" ? new Int32Array(new SharedArrayBuffer(4)) : null;

function start(req: Extract<SimCameraRequest, { type: "start" }>): void {
  const { width, height, fps } = req;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d", { alpha: false, willReadFrequently: true });
  if (!ctx) throw new Error("The simulated camera could not get a 2D canvas.");
  const chain = KINEMATIC_CHAINS[req.robot];
  const joints = armJoints(req.robot);
  const offset = performance.timeOrigin - req.pageOrigin; // page clock − this worker's clock
  const pageNow = () => performance.now() + offset;
  const period = 1000 / fps;
  let k = Math.max(0, Math.ceil((pageNow() - req.phaseOriginMs) / period));

  const pose = (): Record<string, number> | null => {
    const s = sample;
    if (!s || !s.latest.read(s.frame)) return null;
    if (pageNow() - (s.frame.t + s.hostOffsetMs) > 500) return null; // the loop is not running
    return poseToUrdf(joints, s.frame.follower);
  };

  const tick = () => {
    if (stopped) return;
    const due = req.phaseOriginMs + k * period;
    let left = due - pageNow();
    if (left > FINE_MS) {
      setTimeout(tick, left - FINE_MS);
      return;
    }
    if (left > 0 && sleepCell) Atomics.wait(sleepCell, 0, 0, left);
    left = due - pageNow();
    if (-left > period) {
      // Late by more than a period: skip the missed slots rather than draw a burst.
      const behind = Math.floor(-left / period);
      skipped += behind;
      k += behind;
    }
    k++;
    if (inFlight >= MAX_IN_FLIGHT) skipped++;
    else {
      const captureMs = pageNow();
      drawSimulatedFrame(ctx, width, height, chain, pose(), req.label, captureMs, frames);
      const frame = new VideoFrame(canvas, { timestamp: Math.round(captureMs * 1000), duration: Math.round(1e6 / fps) });
      frames++;
      inFlight++;
      self.postMessage({ type: "frame", frame } satisfies SimCameraEvent, [frame]);
    }
    const next = req.phaseOriginMs + k * period - pageNow();
    setTimeout(tick, Math.max(0, next - FINE_MS));
  };
  tick();
  setInterval(() => self.postMessage({ type: "stats", frames, skipped } satisfies SimCameraEvent), 1000);
}

self.onmessage = (e: MessageEvent<SimCameraRequest>) => {
  const m = e.data;
  switch (m.type) {
    case "start":
      start(m);
      break;
    case "sample":
      sample = m.buffer
        ? { latest: new LatestSample(m.buffer, m.joints), frame: new SampleFrame(m.joints), hostOffsetMs: m.hostOffsetMs }
        : null;
      break;
    case "ack":
      inFlight = Math.max(0, inFlight - 1);
      break;
    case "stop":
      stopped = true;
      self.close();
      break;
  }
};
