import type { FrameTap } from "./CameraFactory.ts";

type ProcessorCtor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> };

/**
 * A track's frames as a ReadableStream of VideoFrames (MediaStreamTrackProcessor, Chromium), read
 * from a clone of the track so previews of the track itself are untouched. At most
 * `maxBufferSize` frames wait unread (a camera has few buffers).
 */
export function trackFrames(track: MediaStreamTrack, maxBufferSize = 4): FrameTap {
  const Processor = (globalThis as unknown as { MediaStreamTrackProcessor?: ProcessorCtor }).MediaStreamTrackProcessor;
  if (!Processor)
    throw new Error("This browser cannot read camera frames for recording (no MediaStreamTrackProcessor). Use a current Chrome or Edge.");
  const clone = track.clone();
  return { stream: new Processor({ track: clone, maxBufferSize }).readable, stop: () => clone.stop() };
}
