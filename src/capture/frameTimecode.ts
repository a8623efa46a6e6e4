/** The simulated camera's timecode (core/timecode.ts) read back from a decoded VideoFrame. */
import { decodeTimecode, type Timecode } from "../core/timecode.ts";

function lumaOf(frame: VideoFrame, buffer: Uint8Array, layout: PlaneLayout[]): { luma: Uint8Array; stride: number } | null {
  const format = frame.format;
  if (format === "I420" || format === "I420A" || format === "NV12" || format === "I422" || format === "I444") {
    const p = layout[0];
    if (!p) return null;
    return { luma: buffer.subarray(p.offset), stride: p.stride };
  }
  if (format === "RGBA" || format === "RGBX" || format === "BGRA" || format === "BGRX") {
    const p = layout[0];
    if (!p) return null;
    const w = frame.visibleRect?.width ?? frame.codedWidth;
    const h = frame.visibleRect?.height ?? frame.codedHeight;
    const luma = new Uint8Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = p.offset + y * p.stride + x * 4;
        luma[y * w + x] = (buffer[i]! + 2 * buffer[i + 1]! + buffer[i + 2]!) >> 2;
      }
    return { luma, stride: w };
  }
  return null;
}

/** The frame's timecode, or null when it has none or it cannot be read (never a guess). Does not close the frame. */
export async function readTimecode(frame: VideoFrame): Promise<Timecode | null> {
  const buf = new Uint8Array(frame.allocationSize());
  const layout = await frame.copyTo(buf);
  const l = lumaOf(frame, buf, layout);
  const w = frame.visibleRect?.width ?? frame.codedWidth;
  const h = frame.visibleRect?.height ?? frame.codedHeight;
  return l ? decodeTimecode(l.luma, w, h, l.stride) : null;
}
