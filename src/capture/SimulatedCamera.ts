/**
 * A simulated camera for the simulated rig: a real video MediaStreamTrack showing the arm's
 * twin from a fixed side viewpoint (cheap 2D drawing of the forward-kinematics chain), a moving
 * background detail (so a stalled camera shows up as frozen), and the machine-readable timecode
 * of core/timecode.ts in the top-left corner carrying the frame's capture time
 * (performance.now() when drawn) and frame counter (docs/timecode.md).
 *
 * The track comes from MediaStreamTrackGenerator when the browser has it (Chromium): each frame
 * is a VideoFrame whose timestamp is exactly the capture time in µs on the page clock. Otherwise
 * from canvas.captureStream(0) with requestFrame() after each drawing (timestamps then are the
 * browser's; map them with core/frameSync ClockMapper, or read the timecode).
 *
 * Frames are drawn at t0 + k/fps by a deadline timer; a deadline missed by more than a period is
 * skipped (counted in `skipped`) rather than drawn late in a burst. Background tabs throttle
 * timers, so keep the studio tab visible while recording.
 */

import { forwardKinematics, getTranslation } from "../core/fk.ts";
import type { JointAngles } from "../core/fk.ts";
import type { KinematicChain, Vec3 } from "../core/kinematics.ts";
import { timecodeBits, timecodeLayout } from "../core/timecode.ts";

export interface SimulatedCameraOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** The arm drawn. */
  chain: KinematicChain;
  /** URDF joint angles (rad) by joint name, or null when there is no data ("no live pose yet" is drawn). */
  pose: () => JointAngles | null;
  /** Text drawn at the bottom (e.g. the camera's name). */
  label?: string;
  /**
   * Frame deadlines are phaseOriginMs + k/fps (page clock). Give several simulated cameras and
   * the recording's row clock the same origin to put their frames in phase with the rows
   * (skew then is only the timer's lateness); default: when the camera is created.
   */
  phaseOriginMs?: number;
  /** "auto" (default): MediaStreamTrackGenerator when available, else canvas capture; "canvas" forces canvas capture. */
  source?: "auto" | "canvas";
}

/** Frames in flight to the track before new ones are skipped (bounded memory). */
const MAX_PENDING_WRITES = 8;

function readAngle(pose: JointAngles, name: string): number {
  const v = pose instanceof Map ? pose.get(name as never) : (pose as Readonly<Record<string, number>>)[name];
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

type Generator = MediaStreamTrack & { writable: WritableStream<VideoFrame> };
type GeneratorCtor = new (init: { kind: "video" }) => Generator;

type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

export class SimulatedCamera {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** The camera's video track. */
  readonly track: MediaStreamTrack;
  readonly stream: MediaStream;
  /** "generator" (exact page-clock timestamps) or "canvas" (captureStream fallback). */
  readonly mode: "generator" | "canvas";
  /**
   * True when the track's VideoFrame timestamps are the capture times on the page clock
   * (performance.now() µs, generator mode): no clock mapping needed.
   */
  readonly timestampsOnPageClock: boolean;
  /** Frames drawn. */
  frames = 0;
  /** Frame slots skipped: the timer was late by more than a period, or the previous frame was still being delivered. */
  skipped = 0;
  skippedLate = 0;
  skippedBusy = 0;
  /** Longest time a frame took to be accepted by the track, ms. */
  maxWriteMs = 0;
  /** Capture time (page clock, ms) of the last frame drawn. */
  lastCaptureMs = NaN;

  private readonly options: SimulatedCameraOptions;
  private readonly ctx: Ctx2D;
  private readonly canvas: OffscreenCanvas | HTMLCanvasElement;
  private readonly writer: WritableStreamDefaultWriter<VideoFrame> | null = null;
  private readonly canvasTrack: CanvasCaptureMediaStreamTrack | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly t0: number;
  private k = 0;
  private stopped = false;
  /** Frames written to the generator and not yet accepted by it. */
  private pendingWrites = 0;

  constructor(options: SimulatedCameraOptions) {
    this.options = options;
    this.width = options.width ?? 640;
    this.height = options.height ?? 480;
    this.fps = options.fps ?? 30;
    timecodeLayout(this.width, this.height); // throws for frames too small for the timecode
    const Gen = (globalThis as unknown as { MediaStreamTrackGenerator?: GeneratorCtor }).MediaStreamTrackGenerator;
    if (Gen !== undefined && typeof OffscreenCanvas !== "undefined" && options.source !== "canvas") {
      const canvas = new OffscreenCanvas(this.width, this.height);
      // A CPU-backed canvas: VideoFrames are then made without a GPU read-back, which is slow
      // with software GL and stalled frame delivery under load.
      const ctx = canvas.getContext("2d", { alpha: false, willReadFrequently: true });
      if (ctx === null) throw new Error("The simulated camera could not get a 2D canvas.");
      const gen = new Gen({ kind: "video" });
      this.canvas = canvas;
      this.ctx = ctx;
      this.writer = gen.writable.getWriter();
      this.track = gen;
      this.mode = "generator";
      this.timestampsOnPageClock = true;
    } else {
      const canvas = document.createElement("canvas");
      canvas.width = this.width;
      canvas.height = this.height;
      const ctx = canvas.getContext("2d", { alpha: false });
      if (ctx === null) throw new Error("The simulated camera could not get a 2D canvas.");
      const stream = canvas.captureStream(0);
      const track = stream.getVideoTracks()[0];
      if (track === undefined) throw new Error("The simulated camera could not capture its canvas.");
      this.canvas = canvas;
      this.ctx = ctx;
      this.canvasTrack = track as CanvasCaptureMediaStreamTrack;
      this.track = track;
      this.mode = "canvas";
      this.timestampsOnPageClock = false;
    }
    this.stream = new MediaStream([this.track]);
    const now = performance.now();
    this.t0 = options.phaseOriginMs ?? now;
    // Start at the first deadline not in the past.
    this.k = Math.max(0, Math.ceil(((now - this.t0) * this.fps) / 1000));
    this.schedule();
  }

  /** Stops drawing and ends the track. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.track.stop();
    if (this.writer !== null) this.writer.close().catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    const period = 1000 / this.fps;
    const now = performance.now();
    let due = this.t0 + this.k * period;
    if (now - due > period) {
      const behind = Math.floor((now - due) / period);
      this.skipped += behind;
      this.skippedLate += behind;
      this.k += behind;
      due = this.t0 + this.k * period;
    }
    this.timer = setTimeout(() => this.tick(), Math.max(0, due - now));
  }

  private tick(): void {
    this.timer = null;
    if (this.stopped) return;
    this.k++;
    // Frames are not queued without bound behind a consumer that stopped reading: skip this one.
    if (this.pendingWrites >= MAX_PENDING_WRITES) {
      this.skipped++;
      this.skippedBusy++;
    } else this.drawAndSend();
    this.schedule();
  }

  private drawAndSend(): void {
    const captureMs = performance.now();
    this.draw(captureMs, this.frames);
    this.frames++;
    this.lastCaptureMs = captureMs;
    if (this.writer !== null) {
      const frame = new VideoFrame(this.canvas as OffscreenCanvas, {
        timestamp: Math.round(captureMs * 1000),
        duration: Math.round(1e6 / this.fps),
      });
      this.pendingWrites++;
      const started = performance.now();
      this.writer.write(frame).then(
        () => {
          this.pendingWrites--;
          this.maxWriteMs = Math.max(this.maxWriteMs, performance.now() - started);
        },
        () => {
          this.pendingWrites--;
          frame.close();
        },
      );
    } else {
      this.canvasTrack?.requestFrame();
    }
  }

  /** Draws one frame: background, arm, label, timecode. */
  private draw(captureMs: number, frameNo: number): void {
    drawSimulatedFrame(this.ctx, this.width, this.height, this.options.chain, this.options.pose(), this.options.label, captureMs, frameNo);
  }
}

/** Draws one simulated-camera frame: background, arm (or "no live pose yet"), label, timecode. */
export function drawSimulatedFrame(
  ctx: Ctx2D,
  w: number,
  h: number,
  chain: KinematicChain,
  pose: JointAngles | null,
  label: string | undefined,
  captureMs: number,
  frameNo: number,
): void {
  // Background: dark blue-grey with a band and a dot that move with time.
  ctx.fillStyle = "#283040";
  ctx.fillRect(0, 0, w, h);
  const phase = (captureMs / 4000) % 1;
  ctx.fillStyle = "#34405a";
  ctx.fillRect(phase * w - w * 0.1, 0, w * 0.1, h);
  ctx.fillStyle = "#5a6a8a";
  ctx.beginPath();
  ctx.arc(w * (0.5 + 0.4 * Math.cos(captureMs / 700)), h * (0.85 + 0.08 * Math.sin(captureMs / 700)), Math.max(3, h / 60), 0, 2 * Math.PI);
  ctx.fill();
  // Floor line.
  const view = viewport(w, h);
  ctx.strokeStyle = "#48536a";
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(0, view.y(0));
  ctx.lineTo(w, view.y(0));
  ctx.stroke();
  if (pose === null) {
    // No live pose (the loop is not running): said plainly, with what to do; no arm is made up.
    ctx.fillStyle = "#aab4c6";
    ctx.font = `${Math.round(h / 14)}px sans-serif`;
    ctx.textAlign = "center";
    ctx.fillText("no live pose yet", w / 2, h / 2);
    ctx.fillStyle = "#8591a3";
    ctx.font = `${Math.round(h / 24)}px sans-serif`;
    ctx.fillText("start teleoperation to see the arm move", w / 2, h / 2 + h / 12);
  } else {
    drawArm(ctx, chain, pose, view);
  }
  if (label !== undefined) {
    ctx.fillStyle = "#c8d0e0";
    ctx.font = `${Math.round(h / 24)}px sans-serif`;
    ctx.textAlign = "right";
    ctx.fillText(label, w - h / 40, h - h / 40);
  }
  drawTimecode(ctx, w, h, captureMs, frameNo);
}

type View = { x: (wx: number) => number; y: (wz: number) => number; scale: number };

/** Side view from the arm's left: world x (forward) → right, z (up) → up. */
function viewport(w: number, h: number): View {
  // World window: x ∈ [−0.25, 0.5] m, z ∈ [−0.05, 0.55] m.
  const scale = Math.min(w / 0.75, h / 0.6);
  const ox = w / 2 - ((-0.25 + 0.5) / 2) * scale;
  const oy = h / 2 + ((-0.05 + 0.55) / 2) * scale;
  return { x: (wx) => ox + wx * scale, y: (wz) => oy - wz * scale, scale };
}

function drawArm(ctx: Ctx2D, chain: KinematicChain, pose: JointAngles, view: View): void {
  const fk = forwardKinematics(chain, pose);
  const points: Vec3[] = [getTranslation(fk.frames.get(chain.baseLink)!)];
  const jaw = chain.joints.find((j) => j.name === "gripper");
  for (const j of chain.joints) {
    if (j === jaw) continue;
    const m = fk.frames.get(j.child);
    if (m !== undefined) points.push(getTranslation(m));
  }
  points.push(getTranslation(fk.tool));
  const lw = Math.max(3, view.scale * 0.025);
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#f0f0f0";
  ctx.lineWidth = lw;
  ctx.beginPath();
  points.forEach((p, i) => (i === 0 ? ctx.moveTo(view.x(p[0]), view.y(p[2])) : ctx.lineTo(view.x(p[0]), view.y(p[2]))));
  ctx.stroke();
  // The moving jaw: from the gripper link, along the fixed jaw turned by the gripper angle
  // (in the image plane), so opening and closing is visible from the side.
  const grip = points[points.length - 2];
  const tip = points[points.length - 1];
  if (jaw !== undefined && grip !== undefined && tip !== undefined) {
    const angle = readAngle(pose, jaw.name);
    const dx = view.x(tip[0]) - view.x(grip[0]);
    const dy = view.y(tip[2]) - view.y(grip[2]);
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    ctx.strokeStyle = "#ffb040";
    ctx.lineWidth = lw * 0.7;
    ctx.beginPath();
    ctx.moveTo(view.x(grip[0]), view.y(grip[2]));
    ctx.lineTo(view.x(grip[0]) + 0.9 * (c * dx - s * dy), view.y(grip[2]) + 0.9 * (s * dx + c * dy));
    ctx.stroke();
  }
  ctx.fillStyle = "#40a0ff";
  for (const p of points.slice(0, -1)) {
    ctx.beginPath();
    ctx.arc(view.x(p[0]), view.y(p[2]), lw * 0.8, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function drawTimecode(ctx: Ctx2D, w: number, h: number, captureMs: number, frameNo: number): void {
  const l = timecodeLayout(w, h);
  const bits = timecodeBits(captureMs, frameNo);
  ctx.fillStyle = "#000000";
  ctx.fillRect(l.x, l.y, l.width, l.height);
  ctx.fillStyle = "#ffffff";
  for (let i = 0; i < bits.length; i++) {
    if (bits[i] === 0) continue;
    ctx.fillRect(l.x + (i % l.cols) * l.cell, l.y + Math.floor(i / l.cols) * l.cell, l.cell, l.cell);
  }
}
