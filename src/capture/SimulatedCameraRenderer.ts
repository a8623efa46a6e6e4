/**
 * The simulated camera's renderer, meant for a worker (app/simulatedCamera.worker.ts): frames
 * drawn on this thread's own precise timer at phaseOrigin + k/fps of the page clock and stamped
 * with their capture time (page clock, µs), so a busy page delays their delivery but never their
 * timing. The joints come straight from the control loop's shared sample buffer, read into a
 * SampleFrame and mapped to the URDF by core/jointMapping.
 */
import type { Clock } from "../core/clock.ts";
import { armJoints, poseToUrdf } from "../core/jointMapping.ts";
import { KINEMATIC_CHAINS } from "../core/kinematics.ts";
import { LatestSample, SampleFrame, type SampleSource } from "../core/LatestSample.ts";
import type { RobotKind } from "../core/robots.ts";
import { FrameScheduler } from "./FrameScheduler.ts";
import { drawSimulatedFrame } from "./SimulatedCamera.ts";

export interface SimCameraOptions {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly robot: RobotKind;
  readonly label: string;
  /** Frame deadlines are phaseOriginMs + k/fps on the page clock. */
  readonly phaseOriginMs: number;
  /** The page's performance.timeOrigin. */
  readonly pageOrigin: number;
}

/** What the simulated camera worker serves (core/rpc.ts); frames come back through `onFrame`, transferred. */
export interface SimCameraApi {
  /** Starts drawing; each frame goes to `onFrame`, which resolves once the page took it. */
  start(options: SimCameraOptions, onFrame: (frame: VideoFrame) => Promise<void>): Promise<void>;
  setSample(source: SampleSource | null): Promise<void>;
}

/** Frames sent and not yet taken by the page before new ones are skipped. */
const MAX_IN_FLIGHT = 6;
/** A sample older than this means the loop is not running: "no live pose yet" is drawn. */
const STALE_MS = 500;

export class SimulatedCameraRenderer {
  private sample: { latest: LatestSample; frame: SampleFrame; hostOffsetMs: number } | null = null;
  private scheduler: FrameScheduler | undefined;

  constructor(
    private readonly clock: Clock,
    /** This thread's performance.timeOrigin. */
    private readonly timeOrigin: number,
  ) {}

  start(o: SimCameraOptions, send: (frame: VideoFrame) => Promise<void>): void {
    if (this.scheduler) throw new Error("The simulated camera is already running.");
    const canvas = new OffscreenCanvas(o.width, o.height);
    // A CPU-backed canvas: VideoFrames are made without a GPU read-back.
    const ctx = canvas.getContext("2d", { alpha: false, willReadFrequently: true });
    if (!ctx) throw new Error("The simulated camera could not get a 2D canvas.");
    const chain = KINEMATIC_CHAINS[o.robot];
    const joints = armJoints(o.robot);
    const pageOffsetMs = this.timeOrigin - o.pageOrigin;
    const pose = (pageNow: number): Record<string, number> | null => {
      const s = this.sample;
      if (!s || !s.latest.read(s.frame)) return null;
      if (pageNow - (s.frame.t + s.hostOffsetMs) > STALE_MS) return null;
      return poseToUrdf(joints, s.frame.follower);
    };
    const duration = Math.round(1e6 / o.fps);
    this.scheduler = new FrameScheduler({
      clock: this.clock,
      pageOffsetMs,
      fps: o.fps,
      phaseOriginMs: o.phaseOriginMs,
      maxInFlight: MAX_IN_FLIGHT,
      produce: (captureMs, frameNo) => {
        drawSimulatedFrame(ctx, o.width, o.height, chain, pose(captureMs), o.label, captureMs, frameNo);
        return send(new VideoFrame(canvas, { timestamp: Math.round(captureMs * 1000), duration }));
      },
    });
    this.scheduler.start();
  }

  setSample(source: SampleSource | null): void {
    this.sample = source
      ? { latest: new LatestSample(source.buffer, source.joints), frame: new SampleFrame(source.joints), hostOffsetMs: source.hostOffsetMs }
      : null;
  }

  stop(): void {
    this.scheduler?.stop();
  }
}
