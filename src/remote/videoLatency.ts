/**
 * Glass-to-glass latency of a station camera that draws the timecode (the simulated camera,
 * docs/timecode.md): every `everyMs` a received frame's capture time (the station's page clock)
 * is read and paired with the time the frame came out of the decoder here.
 */
import { readTimecode } from "../capture/frameTimecode.ts";
import { trackFrames } from "../capture/trackFrames.ts";

/** Calls `onSample(captureMs, arrivedMs)` for sampled frames with a readable timecode; returns stop. */
export function watchTimecode(
  track: MediaStreamTrack,
  now: () => number,
  onSample: (captureMs: number, arrivedMs: number) => void,
  everyMs = 250,
): () => void {
  let tap: ReturnType<typeof trackFrames>;
  try {
    tap = trackFrames(track, 1);
  } catch {
    return () => undefined; // this browser cannot read frames: the figure stays unknown
  }
  const reader = tap.stream.getReader();
  let stopped = false;
  let last = -Infinity;
  void (async () => {
    while (!stopped) {
      const r = await reader.read().catch(() => undefined);
      if (!r || r.done) break;
      const frame = r.value;
      const at = now();
      try {
        if (at - last >= everyMs) {
          last = at;
          const tc = await readTimecode(frame);
          if (tc) onSample(tc.timeMs, at);
        }
      } finally {
        frame.close();
      }
    }
  })();
  return () => {
    stopped = true;
    void reader.cancel().catch(() => undefined);
    tap.stop();
  };
}
