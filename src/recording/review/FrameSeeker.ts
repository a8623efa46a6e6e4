/**
 * Shows any frame of one camera of a loaded episode: decodes from the keyframe at or before the
 * row up to the row and hands that one frame to a sink (the UI draws it). With the studio's GOP
 * of 2 a seek decodes at most two frames. Nothing here re-encodes or makes up a frame: a frame
 * that cannot be decoded is reported (as data, `error`), not replaced.
 *
 * The decisions (which keyframe, which request wins) are here; the decoding itself is behind
 * {@link FrameDecoder}, WebCodecs in the browser (webCodecsDecoder.ts), a fake in tests.
 */
import { rowOfTimestampUs, rowTimestampUs } from "../../capture/codecs.ts";
import type { VideoTrackInfo } from "../../core/dataset.ts";
import { messageOf } from "../../core/messages.ts";
import type { CameraMedia, StoredFrame } from "./loadEpisodeData.ts";

/** A decoded picture: VideoFrame is one. Whoever receives it closes it. */
export interface DecodedFrame {
  /** Presentation time, µs. */
  readonly timestamp: number;
  close(): void;
}

export interface EncodedChunk {
  readonly key: boolean;
  readonly timestampUs: number;
  readonly durationUs: number;
  readonly data: Uint8Array;
}

/** A video decoder as the seeker uses it (a thin face of WebCodecs' VideoDecoder). */
export interface FrameDecoder {
  decode(chunk: EncodedChunk): void;
  /** Resolves once every chunk given so far came out (or rejects when decoding failed). */
  flush(): Promise<void>;
  close(): void;
  /** Closed by close() or by a decoding error: a new decoder is needed. */
  readonly closed: boolean;
}

interface DecoderCallbacks<F extends DecodedFrame> {
  output(frame: F): void;
  error(e: Error): void;
}

/** Makes a configured decoder for a stored track. May throw (codec not supported). */
export type DecoderFactory<F extends DecodedFrame = VideoFrame> = (track: VideoTrackInfo, callbacks: DecoderCallbacks<F>) => FrameDecoder;

/** Receives the decoded frame of `row`; it must close the frame. */
export type FrameSink<F extends DecodedFrame = VideoFrame> = (frame: F, row: number) => void;

/** The row of the keyframe at or before `row`, or undefined when there is none. */
export function keyframeAtOrBefore(frames: readonly StoredFrame[], row: number): number | undefined {
  for (let k = Math.min(row, frames.length - 1); k >= 0; k--) if (frames[k]?.key) return k;
  return undefined;
}

/**
 * One camera's frames on request. `show(row)` decodes the keyframe's group up to the row and
 * hands that frame to the sink; requests that arrive while decoding are coalesced (the newest
 * wins), so scrubbing never queues up stale work.
 */
export class FrameSeeker<F extends DecodedFrame = VideoFrame> {
  private decoder: FrameDecoder | undefined;
  private wanted: number | undefined;
  private running: Promise<void> | undefined;
  private target = -1;
  private lastShown = -1;
  private closed = false;
  private error_: string | undefined;
  private decoderErrors = 0;

  constructor(
    private readonly media: CameraMedia,
    private readonly fps: number,
    private readonly sink: FrameSink<F>,
    private readonly decoders: DecoderFactory<F>,
    /** Told when the error changes (a failed frame, or cleared by a good one). */
    private readonly onError: (error: string | undefined) => void = () => undefined,
  ) {}

  /** The last decoding error, for the user; cleared by a successful frame. */
  get error(): string | undefined {
    return this.error_;
  }

  /** The row of the frame last handed to the sink (−1 before any). */
  get shown(): number {
    return this.lastShown;
  }

  /** Resolves once the newest requested frame is shown (or failed). */
  show(row: number): Promise<void> {
    if (this.closed || this.media.frames.length === 0) return Promise.resolve();
    this.wanted = Math.max(0, Math.min(Math.round(row), this.media.frames.length - 1));
    this.running ??= this.pump().finally(() => (this.running = undefined));
    return this.running;
  }

  close(): void {
    this.closed = true;
    this.decoder?.close();
    this.decoder = undefined;
  }

  private setError(error: string | undefined): void {
    if (this.closed || error === this.error_) return;
    this.error_ = error;
    this.onError(error);
  }

  private ensureDecoder(): FrameDecoder {
    if (this.decoder && !this.decoder.closed) return this.decoder;
    const camera = this.media.track.camera;
    this.decoder = this.decoders(this.media.track, {
      output: (frame) => {
        const row = rowOfTimestampUs(frame.timestamp, this.fps);
        if (row !== this.target || this.closed) return frame.close();
        this.lastShown = row;
        this.setError(undefined);
        this.sink(frame, row);
      },
      error: (e) => {
        this.decoderErrors++;
        this.setError(`The ${camera} video could not be decoded (${e.message}).`);
      },
    });
    return this.decoder;
  }

  private async pump(): Promise<void> {
    const camera = this.media.track.camera;
    while (!this.closed && this.wanted !== undefined && this.wanted !== this.lastShown) {
      const row = this.wanted;
      const k = keyframeAtOrBefore(this.media.frames, row);
      if (k === undefined) {
        this.setError(`No keyframe at or before frame ${row} of the ${camera} video: it cannot be shown.`);
        return;
      }
      const failures = this.decoderErrors;
      try {
        const d = this.ensureDecoder();
        this.target = row;
        for (let r = k; r <= row; r++) {
          const f = this.media.frames[r]!;
          d.decode({ key: f.key, timestampUs: rowTimestampUs(f.row, this.fps), durationUs: rowTimestampUs(1, this.fps), data: f.data });
        }
        await d.flush();
      } catch (e) {
        if (this.closed) return;
        // The decoder's own error callback says more, when it spoke.
        if (this.decoderErrors === failures) this.setError(`The ${camera} video could not be decoded (${messageOf(e)}).`);
        this.decoder?.close();
        this.decoder = undefined;
        if (this.wanted === row) return;
        continue;
      }
      if (this.lastShown !== row && this.wanted === row) {
        // Decoded, but no picture came out for the row: reported, not retried forever.
        this.setError(`Frame ${row} of the ${camera} video did not decode (the decoder gave no picture for it).`);
        return;
      }
    }
  }
}
