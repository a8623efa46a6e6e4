import type { SampleSource } from "../core/LatestSample.ts";
import type { RobotKind } from "../core/robots.ts";
import { connect, proxy, type Endpoint, type Remote } from "../core/rpc.ts";
import type { SimCameraApi } from "./SimulatedCameraRenderer.ts";

type Generator = MediaStreamTrack & { writable: WritableStream<VideoFrame> };
type GeneratorCtor = new (init: { kind: "video" }) => Generator;

export interface WorkerSimulatedCameraOptions {
  width?: number;
  height?: number;
  fps?: number;
  robot: RobotKind;
  label?: string;
  /** Frame deadlines are phaseOriginMs + k/fps on the page clock (default 0). */
  phaseOriginMs?: number;
}

/**
 * The simulated camera with its renderer in a worker (capture/SimulatedCameraRenderer.ts, served
 * by app/simulatedCamera.worker.ts): the page only forwards finished, time-stamped frames —
 * transferred to a proxied callback — into a MediaStreamTrackGenerator. Frame timestamps are
 * capture times on the page clock (µs). Needs MediaStreamTrackGenerator, module workers and
 * SharedArrayBuffer (a cross-origin isolated page): see {@link WorkerSimulatedCamera.supported}.
 */
export class WorkerSimulatedCamera {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly track: MediaStreamTrack;
  /** Settles once the renderer runs (rejects with its reason if it cannot). */
  readonly ready: Promise<void>;
  private readonly remote: Remote<SimCameraApi>;
  private readonly writer: WritableStreamDefaultWriter<VideoFrame>;
  private stopped = false;

  static supported(): boolean {
    const g = globalThis as unknown as { MediaStreamTrackGenerator?: unknown; crossOriginIsolated?: boolean };
    return (
      typeof Worker !== "undefined" &&
      g.MediaStreamTrackGenerator !== undefined &&
      typeof OffscreenCanvas !== "undefined" &&
      g.crossOriginIsolated === true
    );
  }

  /** `worker`: a fresh simulated camera worker (app/simulatedCamera.worker.ts); this camera terminates it when stopped. */
  constructor(
    private readonly worker: Worker,
    options: WorkerSimulatedCameraOptions,
  ) {
    this.width = options.width ?? 640;
    this.height = options.height ?? 480;
    this.fps = options.fps ?? 30;
    const Gen = (globalThis as unknown as { MediaStreamTrackGenerator: GeneratorCtor }).MediaStreamTrackGenerator;
    const gen = new Gen({ kind: "video" });
    this.track = gen;
    this.writer = gen.writable.getWriter();
    this.remote = connect<SimCameraApi>(
      worker as unknown as Endpoint,
      worker,
      "The simulated camera stopped unexpectedly. Remove it and add it again.",
    );
    this.ready = this.remote.start(
      {
        width: this.width,
        height: this.height,
        fps: this.fps,
        robot: options.robot,
        label: options.label ?? "",
        phaseOriginMs: options.phaseOriginMs ?? 0,
        pageOrigin: performance.timeOrigin,
      },
      proxy((frame: VideoFrame) => this.deliver(frame)),
    );
  }

  /** Into the track; resolves once the track took the frame (the renderer keeps a few in flight at most). */
  private deliver(frame: VideoFrame): Promise<void> {
    if (this.stopped) {
      frame.close();
      return Promise.resolve();
    }
    return this.writer.write(frame).catch(() => frame.close());
  }

  /** Where the joints come from (the control loop's shared sample), or null for "no live pose yet". */
  setSample(source: SampleSource | null): void {
    this.remote.setSample(source).catch(() => undefined); // a dead worker says so through `ready` and its track
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.worker.terminate();
    this.track.stop();
    this.writer.close().catch(() => undefined);
  }
}
