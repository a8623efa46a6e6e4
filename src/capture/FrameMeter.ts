/**
 * Measures what a camera actually delivers: frames per second and frames dropped, from the
 * frames' own timestamps (VideoFrame.timestamp, µs, or requestVideoFrameCallback's mediaTime).
 *
 * Dropped frames are found from gaps: with a nominal period P (1/requested fps, or the median
 * of recent gaps when not given), a gap of g between consecutive timestamps counts
 * round(g / P) − 1 missing frames when g > 1.5·P. Delivered fps is counted over the last
 * `windowMs` of arrivals. The class is plain arithmetic; {@link meterTrack} feeds it from a
 * track.
 */

import { readTrackFrames } from "./frameReader.ts";
import type { FrameReader } from "./frameReader.ts";

export interface FrameMeterSnapshot {
  /** Frames per second delivered over the last window (NaN until two frames). */
  fps: number;
  frames: number;
  dropped: number;
  /** Largest gap between consecutive timestamps, ms. */
  maxGapMs: number;
}

export class FrameMeter {
  frames = 0;
  dropped = 0;
  maxGapMs = 0;
  private lastTsUs = NaN;
  private readonly arrivals: number[] = [];
  private readonly gaps: number[] = [];
  private readonly nominalUs: number;

  constructor(
    /** Requested frame rate; 0 or absent = learn the period from the median gap. */
    fps = 0,
    readonly windowMs = 1000,
  ) {
    this.nominalUs = fps > 0 ? 1e6 / fps : NaN;
  }

  /** Records one frame: its timestamp (µs, camera clock) and arrival time (ms, page clock). */
  observe(timestampUs: number, arrivalMs: number): void {
    this.frames++;
    if (Number.isFinite(this.lastTsUs)) {
      const gap = timestampUs - this.lastTsUs;
      if (gap > 0) {
        this.maxGapMs = Math.max(this.maxGapMs, gap / 1000);
        this.gaps.push(gap);
        if (this.gaps.length > 31) this.gaps.shift();
        const period = this.period();
        if (Number.isFinite(period) && gap > 1.5 * period) this.dropped += Math.round(gap / period) - 1;
      }
    }
    this.lastTsUs = timestampUs;
    this.arrivals.push(arrivalMs);
    while (this.arrivals.length > 2 && (this.arrivals[0] ?? arrivalMs) < arrivalMs - this.windowMs) this.arrivals.shift();
  }

  private period(): number {
    if (Number.isFinite(this.nominalUs)) return this.nominalUs;
    if (this.gaps.length < 5) return NaN;
    const sorted = [...this.gaps].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? NaN;
  }

  snapshot(): FrameMeterSnapshot {
    const a = this.arrivals;
    const first = a[0];
    const last = a[a.length - 1];
    const fps = a.length >= 2 && first !== undefined && last !== undefined && last > first ? ((a.length - 1) * 1000) / (last - first) : NaN;
    return { fps, frames: this.frames, dropped: this.dropped, maxGapMs: this.maxGapMs };
  }
}

/**
 * Meters a live track: reads its frames from a clone of the track (the original is left
 * untouched for preview and recording), closes each frame at once, and feeds the meter.
 * Stop it with the returned reader's stop().
 */
export function meterTrack(track: MediaStreamTrack, meter: FrameMeter): FrameReader {
  const clone = track.clone();
  const reader = readTrackFrames(clone, (frame, arrivalMs) => {
    meter.observe(frame.timestamp, arrivalMs);
    frame.close();
  });
  return {
    stop: async () => {
      await reader.stop();
      clone.stop();
    },
    done: reader.done,
  };
}
