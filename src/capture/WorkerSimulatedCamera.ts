import type { RobotKind } from "../core/robots.ts";
import type { SimCameraEvent, SimCameraRequest } from "./simulatedCamera.worker.ts";

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
 * The simulated camera with its renderer in a worker (simulatedCamera.worker.ts): the page only
 * forwards finished, time-stamped frames into a MediaStreamTrackGenerator. Frame timestamps are
 * capture times on the page clock (µs). Needs MediaStreamTrackGenerator, module workers and
 * SharedArrayBuffer (a cross-origin isolated page): see {@link WorkerSimulatedCamera.supported}.
 */
export class WorkerSimulatedCamera {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly track: MediaStreamTrack;
  readonly stream: MediaStream;
  readonly timestampsOnPageClock = true;
  frames = 0;
  skipped = 0;
  private readonly worker: Worker;
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

  constructor(options: WorkerSimulatedCameraOptions) {
    this.width = options.width ?? 640;
    this.height = options.height ?? 480;
    this.fps = options.fps ?? 30;
    const Gen = (globalThis as unknown as { MediaStreamTrackGenerator: GeneratorCtor }).MediaStreamTrackGenerator;
    const gen = new Gen({ kind: "video" });
    this.track = gen;
    this.stream = new MediaStream([gen]);
    this.writer = gen.writable.getWriter();
    this.worker = new Worker(new URL("./simulatedCamera.worker.ts", import.meta.url), { type: "module", name: "simulated camera" });
    this.worker.onmessage = (e: MessageEvent<SimCameraEvent>) => {
      const m = e.data;
      if (m.type === "stats") {
        this.frames = m.frames;
        this.skipped = m.skipped;
        return;
      }
      if (this.stopped) {
        m.frame.close();
        return;
      }
      this.writer.write(m.frame).then(
        () => this.post({ type: "ack" }),
        () => {
          m.frame.close();
          this.post({ type: "ack" });
        },
      );
    };
    this.post({
      type: "start",
      width: this.width,
      height: this.height,
      fps: this.fps,
      robot: options.robot,
      label: options.label ?? "",
      phaseOriginMs: options.phaseOriginMs ?? 0,
      pageOrigin: performance.timeOrigin,
    });
  }

  /** Where the joints come from (the control loop's shared sample), or null for "no data". */
  setSample(source: { buffer: SharedArrayBuffer; joints: number; hostOffsetMs: number } | null): void {
    this.post(source ? { type: "sample", ...source } : { type: "sample", buffer: null, joints: 0, hostOffsetMs: 0 });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.post({ type: "stop" });
    this.track.stop();
    this.writer.close().catch(() => undefined);
  }

  private post(m: SimCameraRequest): void {
    this.worker.postMessage(m);
  }
}
