import { isCancelled, Lifecycle, throwIfCancelled, type LifecyclePhase } from "../core/lifecycle.ts";
import type { FrameTap } from "../capture/CameraFactory.ts";
import type { RecorderApi } from "./recorderApi.ts";

export interface CameraAttachmentOptions {
  readonly key: string;
  readonly track: MediaStreamTrack;
  readonly fps: number;
  /** The track's timestamps are the page clock already. */
  readonly pageClock: boolean;
  readonly recorder: Pick<RecorderApi, "addCamera" | "removeCamera">;
  /** A stream of the track's frames (capture/trackFrames.ts in the studio). */
  readonly frames: (track: MediaStreamTrack) => FrameTap;
}

/**
 * One camera's frames going to the recorder worker: a guarded lifecycle. Attach twice and you get
 * the same promise; detach while attaching cancels the attach (its frame stream is closed and the
 * recorder forgets the camera), and detach always leaves nothing running.
 */
export class CameraAttachment {
  readonly key: string;
  private readonly life = new Lifecycle();
  private tap: FrameTap | undefined;

  constructor(private readonly o: CameraAttachmentOptions) {
    this.key = o.key;
  }

  get phase(): LifecyclePhase {
    return this.life.phase;
  }

  attach(): Promise<void> {
    return this.life.start(async (signal) => {
      const tap = this.o.frames(this.o.track);
      this.tap = tap;
      try {
        await this.o.recorder.addCamera(this.o.key, tap.stream, this.o.fps, this.o.pageClock);
        throwIfCancelled(signal);
      } catch (e) {
        // A cancelled attach is undone by the detach that cancelled it.
        if (!isCancelled(e)) this.close();
        throw e;
      }
    });
  }

  detach(): Promise<void> {
    return this.life.stop(async () => {
      const had = this.tap !== undefined;
      this.close();
      if (had) await this.o.recorder.removeCamera(this.o.key).catch(() => undefined);
    });
  }

  private close(): void {
    this.tap?.stop();
    this.tap = undefined;
  }
}
