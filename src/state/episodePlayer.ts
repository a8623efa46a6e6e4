/**
 * The episode player's engine (browser only): loads a stored episode's rows and encoded video,
 * and shows any frame of any camera by decoding with WebCodecs from the keyframe at or before it
 * (with the studio's GOP of 2, at most two frames per seek). Frames are handed to a sink (the UI
 * draws them on a canvas); nothing here re-encodes or makes up a frame: a frame that cannot be
 * decoded is reported, not replaced.
 */
import type { EpisodeRecord, VideoTrackInfo } from "../core/dataset.ts";
import { decoderConfigFor } from "../core/videoTrack.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";

export interface StoredFrame {
  readonly row: number;
  readonly key: boolean;
  readonly data: Uint8Array;
}

export interface CameraMedia {
  readonly track: VideoTrackInfo;
  /** One per row, in row order. */
  readonly frames: readonly StoredFrame[];
  /** Rows of the keyframes, ascending. */
  readonly keyframes: readonly number[];
}

/** An episode loaded for playback: joint rows as flat columns, every camera's encoded frames. */
export interface EpisodeData {
  readonly episode: EpisodeRecord;
  readonly joints: number;
  /** Rows loaded (= episode.length for a stored episode). */
  readonly rows: number;
  /** Row-major, `joints` wide. NaN = missing. */
  readonly state: Float32Array;
  readonly action: Float32Array;
  readonly rowTimeMs: Float64Array;
  readonly cameras: ReadonlyMap<string, CameraMedia>;
}

/** Reads an episode's rows and media (every batch, in order) into memory for the player. */
export async function loadEpisodeData(store: EpisodeStore, episodeId: string, joints: number, signal?: AbortSignal): Promise<EpisodeData> {
  const episode = await store.getEpisode(episodeId);
  if (!episode) throw new Error("This episode no longer exists (it was discarded or its dataset deleted).");
  const n = episode.length;
  const state = new Float32Array(n * joints).fill(NaN);
  const action = new Float32Array(n * joints).fill(NaN);
  const rowTimeMs = new Float64Array(n).fill(NaN);
  let rows = 0;
  for await (const b of store.readRows(episodeId)) {
    if (signal?.aborted) throw new DOMException("Loading was cancelled.", "AbortError");
    const count = Math.min(b.count, n - b.firstRow);
    if (count <= 0) continue;
    state.set(b.state.subarray(0, count * joints), b.firstRow * joints);
    action.set(b.action.subarray(0, count * joints), b.firstRow * joints);
    rowTimeMs.set(b.rowTimeMs.subarray(0, count), b.firstRow);
    rows = Math.max(rows, b.firstRow + count);
  }
  const cameras = new Map<string, CameraMedia>();
  for (const track of episode.tracks) {
    const frames: StoredFrame[] = [];
    const keyframes: number[] = [];
    for await (const m of store.readMedia(episodeId, track.camera)) {
      if (signal?.aborted) throw new DOMException("Loading was cancelled.", "AbortError");
      for (const f of m.frames) {
        if (f.row >= n) continue;
        frames.push({ row: f.row, key: f.key, data: new Uint8Array(m.data, f.offset, f.size) });
        if (f.key) keyframes.push(f.row);
      }
    }
    cameras.set(track.camera, { track, frames, keyframes });
  }
  return { episode, joints, rows, state, action, rowTimeMs, cameras };
}

/** Receives the decoded frame of `row`; it must close the frame. */
export type FrameSink = (frame: VideoFrame, row: number) => void;

const usFor = (row: number, fps: number) => Math.round((row * 1e6) / fps);

/**
 * Shows one camera's frames on request. `show(row)` decodes from the keyframe at or before the
 * row to the row and hands that frame to the sink; requests that arrive while decoding are
 * coalesced (the newest wins), so scrubbing never queues up stale work.
 */
export class FrameSeeker {
  private decoder: VideoDecoder | undefined;
  private wanted: number | undefined;
  private running: Promise<void> | undefined;
  private target = -1;
  private lastShown = -1;
  private closed = false;
  /** The last decoding error, for the user; cleared by a successful frame. */
  error: string | undefined;

  constructor(
    private readonly media: CameraMedia,
    private readonly fps: number,
    private readonly sink: FrameSink,
  ) {}

  /** The row of the frame last handed to the sink (−1 before any). */
  get shown(): number {
    return this.lastShown;
  }

  /** Resolves once the newest requested frame is shown (or failed). */
  show(row: number): Promise<void> {
    this.wanted = Math.max(0, Math.min(row, this.media.frames.length - 1));
    this.running ??= this.pump().finally(() => (this.running = undefined));
    return this.running;
  }

  close(): void {
    this.closed = true;
    if (this.decoder && this.decoder.state !== "closed") this.decoder.close();
    this.decoder = undefined;
  }

  private ensureDecoder(): VideoDecoder {
    if (this.decoder && this.decoder.state === "configured") return this.decoder;
    const t = this.media.track;
    const d = new VideoDecoder({
      output: (frame) => {
        const row = Math.round((frame.timestamp * this.fps) / 1e6);
        if (row === this.target && !this.closed) {
          this.lastShown = row;
          this.error = undefined;
          this.sink(frame, row);
        } else frame.close();
      },
      error: (e) => {
        this.error = `The ${t.camera} video could not be decoded (${e.message}).`;
      },
    });
    d.configure(decoderConfigFor(t));
    this.decoder = d;
    return d;
  }

  private async pump(): Promise<void> {
    while (!this.closed && this.wanted !== undefined && this.wanted !== this.lastShown) {
      const row = this.wanted;
      const frames = this.media.frames;
      let k = row;
      while (k > 0 && !frames[k]?.key) k--;
      if (!frames[k]?.key) {
        this.error = `No keyframe at or before frame ${row} of the ${this.media.track.camera} video.`;
        return;
      }
      try {
        const d = this.ensureDecoder();
        this.target = row;
        for (let r = k; r <= row; r++) {
          const f = frames[r]!;
          d.decode(
            new EncodedVideoChunk({
              type: f.key ? "key" : "delta",
              timestamp: usFor(f.row, this.fps),
              duration: usFor(1, this.fps),
              data: f.data,
            }),
          );
        }
        await d.flush();
      } catch (e) {
        this.error ??= `The ${this.media.track.camera} video could not be decoded (${e instanceof Error ? e.message : String(e)}).`;
        if (this.decoder && this.decoder.state !== "closed") this.decoder.close();
        this.decoder = undefined;
        if (this.wanted === row) return;
      }
      if (this.lastShown !== row && this.wanted === row) return; // decoded but nothing came out: reported, not retried forever
    }
  }
}

/** The row shown at `timeMs` into playback started at `fromRow` with `speed` (frames per frame period; negative = backwards). */
export function playheadAt(fromRow: number, elapsedMs: number, fps: number, speed: number, rows: number): number {
  const r = Math.floor(fromRow + (elapsedMs / 1000) * fps * speed + (speed < 0 ? 0.999 : 0));
  return Math.max(0, Math.min(rows - 1, r));
}
