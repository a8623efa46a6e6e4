/**
 * The episode player's engine: opens a stored episode (rows and encoded video, in memory), holds
 * the frame it is at, plays it forwards or backwards on a {@link Clock}, and shows that frame on
 * every attached camera through a {@link FrameSeeker} each. The UI binds to its snapshot.
 *
 * - Open is a guarded lifecycle: the state says "loading" at once; a second open of the same
 *   episode returns the same promise; opening another episode (or closing) cancels the load in
 *   progress. Open never rejects: a load that fails is shown as the episode's error.
 * - Playback takes its position from elapsed clock time (`playheadAt`), so a late timer skips
 *   frames instead of slowing down, and tests drive it with a manual clock.
 * - Camera decoding errors are data in the snapshot (`cameraErrors`), per camera.
 */
import { keptRange } from "../../core/annotations.ts";
import type { Clock } from "../../core/clock.ts";
import { isCancelled, Lifecycle, throwIfCancelled } from "../../core/lifecycle.ts";
import { messageOf } from "../../core/messages.ts";
import { SnapshotEngine } from "../../control/SnapshotEngine.ts";
import { FrameSeeker, type DecodedFrame, type DecoderFactory, type FrameSink } from "./FrameSeeker.ts";
import { loadEpisodeData, type EpisodeData, type EpisodeReader } from "./loadEpisodeData.ts";

export interface OpenEpisode {
  readonly id: string;
  readonly data: EpisodeData | undefined;
  readonly loading: boolean;
  readonly error: string | undefined;
}

export interface PlayerView {
  readonly open: OpenEpisode | undefined;
  /** The frame the player is at (row index). */
  readonly frame: number;
  /** Frames per frame period while playing (1 = real time forward, −1 backward); 0 = paused. */
  readonly speed: number;
  /** Per attached camera, why its last frame could not be shown (absent: it was shown). */
  readonly cameraErrors: Readonly<Record<string, string>>;
}

export interface EpisodePlayerDeps<F extends DecodedFrame> {
  readonly store: EpisodeReader;
  readonly clock: Clock;
  readonly decoders: DecoderFactory<F>;
}

/** Playback never redraws faster than this (ms between ticks): at 8× a tick moves several rows. */
const MIN_TICK_MS = 15;

/** The row shown at `elapsedMs` into playback started at `fromRow` with `speed` (frames per frame period; negative = backwards). */
export function playheadAt(fromRow: number, elapsedMs: number, fps: number, speed: number, rows: number): number {
  const r = Math.floor(fromRow + (elapsedMs / 1000) * fps * speed + (speed < 0 ? 0.999 : 0));
  return Math.max(0, Math.min(rows - 1, r));
}

const NO_ERRORS: Readonly<Record<string, string>> = {};

export class EpisodePlayer<F extends DecodedFrame = VideoFrame> extends SnapshotEngine<PlayerView> {
  private readonly life = new Lifecycle();
  private readonly seekers = new Map<string, FrameSeeker<F>>();
  private opening: { id: string; promise: Promise<void> } | undefined;
  private cancelTick: (() => void) | undefined;

  constructor(private readonly deps: EpisodePlayerDeps<F>) {
    super({ open: undefined, frame: 0, speed: 0, cameraErrors: NO_ERRORS });
  }

  /** The open episode's data, once loaded. */
  get data(): EpisodeData | undefined {
    return this.snap.open?.data;
  }

  /**
   * Opens an episode (`joints` columns wide) and shows its first kept frame. Resolves once it is
   * loaded, failed (see `open.error`) or cancelled by another open or a close.
   */
  open(id: string, joints: number): Promise<void> {
    const cur = this.snap.open;
    if (cur?.id === id && this.opening?.id === id) return this.opening.promise;
    if (cur?.id === id && cur.data) return Promise.resolve();
    this.halt();
    void this.life.stop(() => undefined);
    this.update({ open: { id, data: undefined, loading: true, error: undefined }, frame: 0, speed: 0, cameraErrors: NO_ERRORS });
    const promise = this.life
      .start((signal) => this.load(id, joints, signal))
      .catch((e: unknown) => {
        if (isCancelled(e) || this.snap.open?.id !== id) return;
        this.update({ open: { id, data: undefined, loading: false, error: `This episode cannot be played: ${messageOf(e)}` } });
      })
      .finally(() => {
        if (this.opening?.promise === promise) this.opening = undefined;
      });
    this.opening = { id, promise };
    return promise;
  }

  private async load(id: string, joints: number, signal: AbortSignal): Promise<void> {
    const data = await loadEpisodeData(this.deps.store, id, joints, signal);
    throwIfCancelled(signal);
    const start = keptRange(data.episode.annotations, data.rows).start;
    this.update({ open: { id, data, loading: false, error: undefined }, frame: Math.min(start, Math.max(0, data.rows - 1)) });
    this.showFrame(this.snap.frame);
  }

  /** Closes the open episode (cancelling its load): playback stops, cameras are let go. */
  close(): Promise<void> {
    this.halt();
    this.opening = undefined;
    const stopped = this.life.stop(() => undefined);
    if (this.snap.open) this.update({ open: undefined, frame: 0, speed: 0, cameraErrors: NO_ERRORS });
    return stopped;
  }

  private halt(): void {
    this.stopTicks();
    for (const sk of this.seekers.values()) sk.close();
    this.seekers.clear();
  }

  seek(frame: number): void {
    const data = this.data;
    if (!data || data.rows === 0) return;
    const f = Math.max(0, Math.min(data.rows - 1, Math.round(frame)));
    if (f !== this.snap.frame) this.update({ frame: f });
    this.showFrame(f);
  }

  /** Pauses and moves `delta` frames. */
  step(delta: number): void {
    this.pause();
    this.seek(this.snap.frame + delta);
  }

  /**
   * Plays at `speed` frames per frame period (negative: backwards) from the current frame; from
   * the other end when already at the end it plays towards. Stops by itself at the end.
   */
  play(speed: number): void {
    const data = this.data;
    if (!data || data.rows === 0 || speed === 0) return this.pause();
    this.stopTicks();
    let from = this.snap.frame;
    if (speed > 0 && from >= data.rows - 1) from = 0;
    if (speed < 0 && from <= 0) from = data.rows - 1;
    this.update({ speed });
    this.seek(from);
    this.tick(data, from, this.deps.clock.now(), speed);
  }

  private tick(data: EpisodeData, from: number, t0: number, speed: number): void {
    const { clock } = this.deps;
    const fps = data.episode.fps;
    const elapsed = clock.now() - t0;
    const f = playheadAt(from, elapsed, fps, speed, data.rows);
    this.seek(f);
    if ((speed > 0 && f >= data.rows - 1) || (speed < 0 && f <= 0)) {
      this.cancelTick = undefined;
      this.update({ speed: 0 });
      return;
    }
    // Wake when the next row is due (a little after, so it has begun), at most every MIN_TICK_MS.
    const due = ((Math.abs(f - from) + 1) * 1000) / (fps * Math.abs(speed));
    this.cancelTick = clock.timeout(Math.max(MIN_TICK_MS, due - elapsed + 0.25), () => this.tick(data, from, t0, speed));
  }

  pause(): void {
    this.stopTicks();
    if (this.snap.speed !== 0) this.update({ speed: 0 });
  }

  private stopTicks(): void {
    this.cancelTick?.();
    this.cancelTick = undefined;
  }

  /** Draws a camera's frames through `sink` from now on (the current frame first); returns the detach function. */
  attachCamera(camera: string, sink: FrameSink<F>): () => void {
    const data = this.data;
    const media = data?.cameras.get(camera);
    if (!data || !media) return () => undefined;
    this.seekers.get(camera)?.close();
    const sk: FrameSeeker<F> = new FrameSeeker(media, data.episode.fps, sink, this.deps.decoders, (error) => {
      if (this.seekers.get(camera) === sk) this.setCameraError(camera, error);
    });
    this.seekers.set(camera, sk);
    this.setCameraError(camera, undefined);
    void sk.show(this.snap.frame);
    return () => {
      sk.close();
      if (this.seekers.get(camera) !== sk) return;
      this.seekers.delete(camera);
      this.setCameraError(camera, undefined);
    };
  }

  private setCameraError(camera: string, error: string | undefined): void {
    if (this.snap.cameraErrors[camera] === error) return;
    const next = { ...this.snap.cameraErrors };
    if (error === undefined) delete next[camera];
    else next[camera] = error;
    this.update({ cameraErrors: next });
  }

  private showFrame(frame: number): void {
    for (const sk of this.seekers.values()) void sk.show(frame);
  }
}
