/**
 * Reads a video track's frames as VideoFrames, with their arrival time on the page clock.
 *
 * Uses MediaStreamTrackProcessor (Chromium: page and workers). The callback owns each frame and
 * must close it (promptly: cameras have few buffers and stall when frames are held). Without
 * MediaStreamTrackProcessor, on the page, frames are taken from a muted <video> element with
 * requestVideoFrameCallback (timestamps from its mediaTime) — only frames the page presents.
 */

export interface FrameReader {
  /** Stops reading (the track itself is not stopped). */
  stop(): Promise<void>;
  /** Settles when reading ends: track ended, stopped, or failed (then rejects). */
  done: Promise<void>;
}

type ProcessorCtor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> };

/** Whether this context can read frames from tracks with MediaStreamTrackProcessor. */
export function hasTrackProcessor(): boolean {
  return typeof (globalThis as unknown as { MediaStreamTrackProcessor?: ProcessorCtor }).MediaStreamTrackProcessor === "function";
}

export function readTrackFrames(track: MediaStreamTrack, onFrame: (frame: VideoFrame, arrivalMs: number) => void): FrameReader {
  const Processor = (globalThis as unknown as { MediaStreamTrackProcessor?: ProcessorCtor }).MediaStreamTrackProcessor;
  if (Processor !== undefined) {
    const reader = new Processor({ track, maxBufferSize: 2 }).readable.getReader();
    let stopped = false;
    const done = (async () => {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end || value === undefined) return;
        if (stopped) {
          value.close();
          return;
        }
        onFrame(value, performance.now());
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await reader.cancel().catch(() => undefined);
        await done.catch(() => undefined);
      },
      done,
    };
  }
  return readViaVideoElement(track, onFrame);
}

interface FrameMetadata {
  mediaTime: number;
}
type VideoWithRvfc = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: (now: number, meta: FrameMetadata) => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

function readViaVideoElement(track: MediaStreamTrack, onFrame: (frame: VideoFrame, arrivalMs: number) => void): FrameReader {
  if (typeof document === "undefined") {
    const err = Promise.reject(
      new Error("This browser cannot read camera frames here (no MediaStreamTrackProcessor). Use Chrome or Edge."),
    );
    return { stop: async () => undefined, done: err };
  }
  const video = document.createElement("video") as VideoWithRvfc;
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  let handle = 0;
  let finish: () => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  if (video.requestVideoFrameCallback === undefined) {
    fail(
      new Error("This browser cannot read camera frames (no MediaStreamTrackProcessor nor requestVideoFrameCallback). Use Chrome or Edge."),
    );
    return { stop: async () => undefined, done };
  }
  const step = (_now: number, meta: FrameMetadata): void => {
    try {
      onFrame(new VideoFrame(video, { timestamp: Math.round(meta.mediaTime * 1e6) }), performance.now());
    } catch (e) {
      fail(e as Error);
      return;
    }
    handle = video.requestVideoFrameCallback!(step);
  };
  handle = video.requestVideoFrameCallback(step);
  track.addEventListener("ended", () => finish(), { once: true });
  video.play().catch((e: unknown) => fail(e instanceof Error ? e : new Error(String(e))));
  return {
    stop: async () => {
      video.cancelVideoFrameCallback?.(handle);
      video.srcObject = null;
      finish();
      await Promise.resolve();
    },
    done,
  };
}
