import type { EpisodeRecord, VideoTrackInfo } from "../core/dataset.ts";
import { quantile } from "../core/frameSync.ts";
import { readTimecode } from "../capture/frameTimecode.ts";
import { decoderConfigFor } from "../core/videoTrack.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";

export interface CameraCheck {
  frames: number;
  /** Frames whose timecode could be read (simulated cameras draw one). */
  timecodes: number;
  /** |timecode capture time − row time| p50 / p99 / max, ms (NaN without timecodes). */
  skewP50Ms: number;
  skewP99Ms: number;
  skewMaxMs: number;
  /** Frames whose drawn timecode is not the capture time stored with them (> 1 ms apart): the video is not what the metadata says. */
  captureMismatches: number;
  /**
   * Rows whose frame is not the one captured nearest the row's time among this camera's stored
   * frames (a timing-independent check of the frame choice: on a busy machine frames come late or
   * not at all, but the nearest one must still be chosen).
   */
  notNearest: number;
  /** Rows stored as a counted copy of an earlier row's frame (`repeatOf`: the encoder was behind); not judged by notNearest. */
  repeats: number;
  /** Presentation times that were not exactly row / fps. */
  badTimestamps: number;
  /** Frames the decoder rejected or that came out in the wrong order. */
  decodeErrors: number;
}

export interface EpisodeCheck {
  episode: EpisodeRecord;
  rows: number;
  /** Rows stored with a missing joint value (NaN in observation.state). */
  missingJointRows: number;
  /** p99 |stored joint sample time − row time| over the rows that have a sample, ms (NaN if none). */
  jointAgeP99Ms: number;
  cameras: Record<string, CameraCheck>;
}

/**
 * Reads a stored episode back the hard way: every row, and every camera's video decoded with
 * WebCodecs, checking presentation times (frame k at k/fps) and reading the timecode a
 * simulated camera draws to measure the frame-vs-row skew from the video alone. Used by the
 * end-to-end tests and the recording benchmark; browser only.
 */
export async function verifyEpisode(store: EpisodeStore, episodeId: string): Promise<EpisodeCheck> {
  const episode = await store.getEpisode(episodeId);
  if (!episode) throw new Error(`No episode ${episodeId}.`);
  let rows = 0;
  let missingJointRows = 0;
  const rowTimes: number[] = [];
  const ages: number[] = [];
  for await (const b of store.readRows(episodeId)) {
    rows += b.count;
    const w = b.count > 0 ? b.state.length / b.count : 0;
    for (let i = 0; i < b.count; i++) {
      const rowT = b.rowTimeMs[i]!;
      rowTimes.push(rowT);
      const sampleT = b.sampleTimeMs[i]!;
      if (Number.isFinite(sampleT)) ages.push(Math.abs(sampleT - rowT));
      if (b.state.subarray(i * w, (i + 1) * w).some(Number.isNaN)) missingJointRows++;
    }
  }
  const cameras: Record<string, CameraCheck> = {};
  for (const track of episode.tracks) cameras[track.camera] = await checkCamera(store, episode, track, rowTimes);
  return { episode, rows, missingJointRows, jointAgeP99Ms: quantile(ages, 0.99), cameras };
}

async function checkCamera(
  store: EpisodeStore,
  episode: EpisodeRecord,
  track: VideoTrackInfo,
  rowTimes: readonly number[],
): Promise<CameraCheck> {
  const fps = episode.fps;
  const skews: number[] = [];
  let frames = 0;
  const repeated = new Set<number>();
  let badTimestamps = 0;
  let decodeErrors = 0;
  let expectRow = 0;
  let captureMismatches = 0;
  /** Stored capture time of each row's frame. */
  const captures: number[] = [];
  const outputs: Promise<void>[] = [];
  const decoder = new VideoDecoder({
    output: (frame) => {
      const row = expectRow++;
      const ts = frame.timestamp;
      if (ts !== Math.round((row * 1e6) / fps)) badTimestamps++;
      outputs.push(
        (async () => {
          try {
            const tc = await readTimecode(frame);
            const rowT = rowTimes[row];
            if (tc && rowT !== undefined) skews.push(Math.abs(tc.timeMs - rowT));
            const stored = captures[row];
            if (tc && stored !== undefined && Math.abs(tc.timeMs - stored) > 1) captureMismatches++;
          } finally {
            frame.close();
          }
        })(),
      );
    },
    error: () => {
      decodeErrors++;
    },
  });
  decoder.configure(decoderConfigFor(track));
  for await (const batch of store.readMedia(episode.id, track.camera)) {
    for (const f of batch.frames) {
      frames++;
      captures[f.row] = f.captureTimeMs;
      if (f.repeatOf !== undefined) repeated.add(f.row);
      decoder.decode(
        new EncodedVideoChunk({
          type: f.key ? "key" : "delta",
          timestamp: Math.round((f.row * 1e6) / fps),
          duration: Math.round(1e6 / fps),
          data: new Uint8Array(batch.data, f.offset, f.size),
        }),
      );
      if (decoder.decodeQueueSize > 30) await new Promise((r) => setTimeout(r, 5));
    }
  }
  await decoder.flush().catch(() => {
    decodeErrors++;
  });
  decoder.close();
  await Promise.all(outputs);
  if (expectRow !== frames) decodeErrors += Math.abs(frames - expectRow);
  return {
    captureMismatches,
    notNearest: notNearest(captures, rowTimes, repeated),
    repeats: repeated.size,
    frames,
    timecodes: skews.length,
    skewP50Ms: quantile(skews, 0.5),
    skewP99Ms: quantile(skews, 0.99),
    skewMaxMs: skews.length ? Math.max(...skews) : NaN,
    badTimestamps,
    decodeErrors,
  };
}

/** Rows whose frame (capture time `captures[row]`) is farther from the row's time than another stored frame is. */
function notNearest(captures: readonly number[], rowTimes: readonly number[], repeated: ReadonlySet<number>): number {
  const sorted = [...new Set(captures.filter((t) => Number.isFinite(t)))].sort((a, b) => a - b);
  let count = 0;
  captures.forEach((c, row) => {
    const rowT = rowTimes[row];
    if (rowT === undefined || sorted.length === 0 || repeated.has(row)) return;
    // The first stored capture at or after the row, and the one before it.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < rowT) lo = mid + 1;
      else hi = mid;
    }
    const near = Math.min(...[sorted[lo - 1], sorted[lo]].filter((t): t is number => t !== undefined).map((t) => Math.abs(t - rowT)));
    if (Math.abs(c - rowT) > near + 1e-6) count++;
  });
  return count;
}
