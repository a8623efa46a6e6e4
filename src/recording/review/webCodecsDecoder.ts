/** The player's decoder in the browser: WebCodecs' VideoDecoder behind the seeker's FrameDecoder face. */
import { decoderConfigFor } from "../../core/videoTrack.ts";
import type { DecoderFactory } from "./FrameSeeker.ts";

export const webCodecsDecoder: DecoderFactory<VideoFrame> = (track, callbacks) => {
  const d = new VideoDecoder({ output: (frame) => callbacks.output(frame), error: (e) => callbacks.error(e) });
  d.configure(decoderConfigFor(track));
  return {
    decode(c) {
      d.decode(new EncodedVideoChunk({ type: c.key ? "key" : "delta", timestamp: c.timestampUs, duration: c.durationUs, data: c.data }));
    },
    flush: () => d.flush(),
    close() {
      if (d.state !== "closed") d.close();
    },
    get closed() {
      return d.state === "closed";
    },
  };
};
