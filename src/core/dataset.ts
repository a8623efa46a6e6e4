/**
 * The one data model shared by recording, the episode browser, export and import
 * (docs/dataset-format.md). Plain data: no I/O here. Storage persists these records;
 * export reads them; import builds them from a LeRobot dataset.
 *
 * Times: `*Ms` values on the recording page's monotonic clock (performance.now(), ms) unless
 * named `...EpochMs`. Video timestamps are integer microseconds of frame k at k/fps.
 */

/** How joint values are expressed in a dataset (lerobot ≥ 0.4.4 records degrees). */
export type JointUnits = "degrees" | "range_m100_100";

/** A camera as a dataset column: `observation.images.<key>`. */
export interface CameraSpec {
  /** Column key: lowercase letters, digits, _ (front, wrist…). */
  key: string;
  source: "usb" | "phone" | "simulated" | "imported";
  /** Device identity for USB cameras (deviceId + label); empty otherwise. */
  deviceId: string;
  label: string;
  width: number;
  height: number;
  fps: number;
}

/** What a stored video track needs to be decoded or muxed without re-encoding. */
export interface VideoTrackInfo {
  camera: string;
  /** WebCodecs codec string, e.g. "av01.0.04M.08", "avc1.42001f", "vp09.00.10.08". */
  codec: string;
  /** Short name as lerobot writes it in info.json: "av1" | "h264" | "vp9". */
  codecName: "av1" | "h264" | "vp9";
  width: number;
  height: number;
  /** decoderConfig.description (avcC / av1C / vpcC) if the encoder gave one. */
  description?: ArrayBuffer;
}

export interface DatasetRecord {
  id: string;
  /** User-facing name; also the default repo name on export. */
  name: string;
  fps: number;
  /** lerobot robot_type, e.g. "so101_follower". */
  robotType: string;
  /** Joint column names, e.g. "shoulder_pan.pos" (lerobot's `<motor>.pos`). */
  jointNames: string[];
  units: JointUnits;
  cameras: CameraSpec[];
  /** Task library (lerobot `task` strings), most recent first. */
  tasks: string[];
  createdAtEpochMs: number;
  updatedAtEpochMs: number;
  /**
   * Written first by an import and cleared in its last step: a dataset still "importing" when no
   * import runs was cut off (page closed, crash) and is removed at start-up (docs/storage.md).
   */
  importing?: true;
}

export type EpisodeStatus = "recording" | "complete" | "interrupted" | "discarded";

/** Per-take synchronisation figures shown after each episode. */
export interface SyncReport {
  rows: number;
  /** |frame capture time − row time| per camera, ms. */
  skewP50Ms: Record<string, number>;
  skewP99Ms: Record<string, number>;
  /** Camera frames used for more than one row. */
  duplicatedFrames: Record<string, number>;
  /** Camera frames that arrived but were used for no row. */
  droppedFrames: Record<string, number>;
  /** Rows whose video repeats the frame before them because the encoder fell behind (absent in older records). */
  encoderRepeatedRows?: Record<string, number>;
  /** |joint sample time − row time| p99, ms. */
  jointAgeP99Ms: number;
  /** Control-loop period error p99 during the take, ms (NaN if unknown). */
  loopJitterP99Ms: number;
  /** The loop's achieved rate during the take, Hz (NaN if unknown; absent in older records). */
  loopRateHz?: number;
  /** Rows whose nearest joint sample was more than two loop periods away: stored as missing. */
  staleJointRows?: number;
  /** Rows that took the same joint sample as the row before (the loop ran slower than the rows). */
  duplicatedJointRows?: number;
}

export type QaFlagKind =
  | "dropped_frames"
  | "frozen_camera"
  | "black_camera"
  | "stalled_joints"
  | "jumping_joints"
  | "off_rate_loop"
  | "missing_joints"
  | "recording_failed"
  | "cut_short"
  | "frames_lost";

/** A time range of a take a QA flag is about: s from the take's first row (row / fps), both ends included. */
export interface QaWindow {
  from: number;
  to: number;
}

/** How a take stopped by a full disk is labelled: the start of its "recording_failed" flag's message. */
export const CUT_SHORT_STORAGE_FULL = "Cut short: storage full.";

/** The list's label of an episode whose recording failed or was cut short part-way (undefined: it was not). */
export function cutShortLabel(qa: readonly QaFlag[]): string | undefined {
  const failed = qa.find((q) => q.kind === "recording_failed");
  if (!failed) return qa.some((q) => q.kind === "cut_short") ? "cut short" : undefined;
  return failed.message.startsWith(CUT_SHORT_STORAGE_FULL) ? "cut short: storage full" : "cut short";
}

/**
 * The label of an episode some of whose rows have no frame of their own — its encoder fell behind
 * and repeated frames, or a camera dropped frames (undefined: none lost).
 */
export function lostFramesLabel(qa: readonly QaFlag[]): string | undefined {
  return qa.some((q) => q.kind === "frames_lost" || q.kind === "dropped_frames") ? "lost frames" : undefined;
}

export interface QaFlag {
  kind: QaFlagKind;
  /** Camera key or joint name the flag is about, if any. */
  subject?: string;
  message: string;
  /** Where in the take (absent: the whole take). */
  windows?: QaWindow[];
}

export interface SubtaskSpan {
  id: string;
  startFrame: number;
  /** Exclusive. */
  endFrame: number;
  text: string;
}

export interface PointEvent {
  id: string;
  frame: number;
  kind: "correction" | "interjection" | "note";
  text: string;
}

/** Rows where a person was correcting a policy (a rollout's intervention window): [startFrame, endFrame). */
export interface InterventionSpan {
  startFrame: number;
  /** Exclusive. */
  endFrame: number;
}

export interface EpisodeAnnotations {
  spans: SubtaskSpan[];
  events: PointEvent[];
  tags: string[];
  success: boolean | null;
  /** Rows kept on export: [trimStart, trimEnd). */
  trimStart: number;
  trimEnd: number | null;
  /**
   * Deleted in the episode browser but kept, so it can be restored ("soft delete"). Export and
   * training skip deleted episodes. Absent = not deleted.
   */
  deleted?: boolean;
  /**
   * A policy rollout: the rows a person corrected (every other row was the policy's). Absent on
   * episodes that are not rollouts; exported as the per-frame `intervention` feature.
   */
  interventions?: InterventionSpan[];
}

/** Per-channel image statistics in [0,1] over sampled frames (lerobot's (3,1,1) stats). */
export interface ImageStats {
  min: [number, number, number];
  max: [number, number, number];
  mean: [number, number, number];
  std: [number, number, number];
  q01: [number, number, number];
  q10: [number, number, number];
  q50: [number, number, number];
  q90: [number, number, number];
  q99: [number, number, number];
  count: number;
}

/** Episode metadata: small, listed without loading any media or rows. */
export interface EpisodeRecord {
  id: string;
  datasetId: string;
  /** Position in the dataset among kept episodes (0-based, re-numbered on export). */
  index: number;
  status: EpisodeStatus;
  task: string;
  /** Rows stored so far (= frames per camera). */
  length: number;
  fps: number;
  startedAtEpochMs: number;
  /** Row 0's time on the page clock (ms) when recorded. */
  t0Ms: number;
  tracks: VideoTrackInfo[];
  sync: SyncReport | null;
  qa: QaFlag[];
  annotations: EpisodeAnnotations;
  imageStats: Record<string, ImageStats>;
  /** Media bytes stored for this episode. */
  mediaBytes: number;
  /** Small JPEG/WebP thumbnail of the first camera, for the browser. */
  thumbnail?: Blob | ArrayBuffer;
}

/**
 * A batch of consecutive joint rows (about one second). Row k of the episode is
 * `firstRow + i`; its timestamp is k / fps. Vectors are row-major, `jointNames.length` wide.
 */
export interface RowBatch {
  episodeId: string;
  seq: number;
  firstRow: number;
  count: number;
  /** observation.state, degrees or −100..100 as the dataset says. NaN = missing. */
  state: Float32Array;
  /** action (the command sent / leader position). NaN = missing. */
  action: Float32Array;
  /** Row time on the page clock (ms). */
  rowTimeMs: Float64Array;
  /** Capture time of the joint sample used (ms), NaN if none. */
  sampleTimeMs: Float64Array;
}

/** One encoded frame inside a MediaBatch's `data`. */
export interface EncodedFrameRef {
  /** Row index this frame is for (pts = row / fps). */
  row: number;
  key: boolean;
  offset: number;
  size: number;
  /** Capture time of the source camera frame on the page clock (ms). */
  captureTimeMs: number;
  /**
   * Set when this row's frame is a byte copy of row `repeatOf`'s keyframe: the encoder was behind
   * and the row repeats the picture before it (counted in the take's QA, never silent).
   */
  repeatOf?: number;
}

/** About one second of one camera's encoded video, stored as one ArrayBuffer. */
export interface MediaBatch {
  episodeId: string;
  camera: string;
  seq: number;
  frames: EncodedFrameRef[];
  data: ArrayBuffer;
}

/** `observation.images.<key>` */
export function imageFeatureKey(camera: string): string {
  return `observation.images.${camera}`;
}

export function emptyAnnotations(): EpisodeAnnotations {
  return { spans: [], events: [], tags: [], success: null, trimStart: 0, trimEnd: null };
}
