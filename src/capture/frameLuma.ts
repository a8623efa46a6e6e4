/**
 * The luma (Y) plane of a VideoFrame, for the timecode and QA figures: the Y plane as is for
 * planar/semi-planar YUV formats (I420, I420A, I422, I444, NV12), computed with BT.601 weights
 * for RGB formats (RGBA, RGBX, BGRA, BGRX).
 */

import { decodeTimecode } from "../core/timecode.ts";
import type { Timecode } from "../core/timecode.ts";

export interface LumaPlane {
  luma: Uint8Array;
  width: number;
  height: number;
  /** Bytes per row. */
  stride: number;
}

const YUV = new Set(["I420", "I420A", "I422", "I444", "NV12"]);

/** Copies the frame's visible luma. Rejects for formats it cannot read (e.g. high bit depth). */
export async function frameLuma(frame: VideoFrame): Promise<LumaPlane> {
  const format = frame.format;
  const rect = frame.visibleRect;
  if (format === null || rect === null) throw new Error("This video frame's pixels cannot be read (no CPU-readable format).");
  const width = rect.width;
  const height = rect.height;
  const buf = new Uint8Array(frame.allocationSize());
  const layout = await frame.copyTo(buf);
  const plane = layout[0];
  if (plane === undefined) throw new Error("This video frame has no planes.");
  if (YUV.has(format)) return { luma: buf.subarray(plane.offset), width, height, stride: plane.stride };
  if (format === "RGBA" || format === "RGBX" || format === "BGRA" || format === "BGRX") {
    const bgr = format.startsWith("BGR");
    const luma = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      let o = plane.offset + y * plane.stride;
      for (let x = 0; x < width; x++, o += 4) {
        const r = buf[o + (bgr ? 2 : 0)] ?? 0;
        const g = buf[o + 1] ?? 0;
        const b = buf[o + (bgr ? 0 : 2)] ?? 0;
        luma[y * width + x] = (77 * r + 150 * g + 29 * b) >> 8;
      }
    }
    return { luma, width, height, stride: width };
  }
  throw new Error(`Video frames in ${format} cannot be read here.`);
}

/** Reads the timecode (core/timecode.ts) drawn in a frame; null when absent or unreadable. */
export async function frameTimecode(frame: VideoFrame): Promise<Timecode | null> {
  const p = await frameLuma(frame);
  return decodeTimecode(p.luma, p.width, p.height, p.stride);
}
