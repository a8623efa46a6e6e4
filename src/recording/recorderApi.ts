/**
 * What the recorder worker serves over the studio's one RPC (core/rpc.ts): RecorderHost
 * implements it in the worker, and the page gets the same shape from app/recorder.ts (which adds
 * the transfer of camera streams and the proxying of the event callback). Engines on the page
 * (the recording session, camera attachments) depend on this interface only, so tests give them
 * a fake.
 */
import type { EpisodeRecord, QaFlag, SyncReport } from "../core/dataset.ts";
import type { SampleSource } from "../core/LatestSample.ts";
import type { CodecName } from "../capture/codecs.ts";

export type { SampleSource };

export interface TakeSpec {
  episode: EpisodeRecord;
  jointNames: string[];
  codec: CodecName;
  gop: number;
  /**
   * The take's length in rows (episode seconds × fps): the recorder's row clock ends the take at
   * exactly this many rows and says so ("takeComplete"). Absent: until stopped.
   */
  rows?: number;
  /** Rows expected (the planned rows, or a guess for open-ended takes), for the image-stats sampling. */
  expectedRows: number;
  cameras: { key: string; width: number; height: number }[];
}

export interface TakeOutcome {
  episode: EpisodeRecord;
  sync: SyncReport | null;
  qa: QaFlag[];
  /** Why the take stopped early (storage full, encoder failure); what was stored is kept. */
  failure?: { message: string; code?: string };
}

export type RecorderEvent =
  /** About once a second per camera, whether recording or not. */
  | { type: "camera"; key: string; fps: number; dropped: number; width: number; height: number; ended: boolean }
  /** Rows sampled so far in the running take (about twice a second). */
  | { type: "progress"; episodeId: string; rows: number }
  /** The row clock reached the take's planned rows: no more rows are sampled; stop() finishes it. */
  | { type: "takeComplete"; episodeId: string; rows: number }
  /** The loop ended (an arm disconnected, torque lost) or went silent: the take ended at its last sample; stop() finishes it, labelled. */
  | { type: "takeCut"; episodeId: string; rows: number; reason: string }
  /** The running take failed (storage full, encoder failure): it stopped; what was stored stays. */
  | { type: "takeFailed"; episodeId: string; message: string; code?: string };

/** `F`: the frames a camera stream carries (VideoFrame in the studio; plain objects in tests). */
export interface RecorderApi<F = VideoFrame> {
  /** The page's performance.timeOrigin: rows and frames are timed on the page's clock. */
  setPageOrigin(pageTimeOrigin: number): Promise<void>;
  /** Where the control loop publishes its samples (null: no joints). */
  setSample(source: SampleSource | null): Promise<void>;
  /**
   * Hands a camera's frames to the recorder. `pageClock`: the frames' timestamps already are the
   * page's performance.now() in µs (simulated cameras); otherwise they are mapped onto it.
   */
  addCamera(key: string, stream: ReadableStream<F>, fps: number, pageClock: boolean): Promise<void>;
  removeCamera(key: string): Promise<void>;
  start(take: TakeSpec): Promise<void>;
  /** Ends the running take now (or after its planned rows, if reached) and finishes it in storage. */
  stop(): Promise<TakeOutcome>;
  /** Throws the running take away entirely. */
  discard(): Promise<void>;
  /** Events (camera figures, take progress and end) go to `listener`. */
  onEvent(listener: (event: RecorderEvent) => void): Promise<void>;
}
