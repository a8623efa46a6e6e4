/** The recording session's settings, state and dependencies (the engine is RecordingSession.ts). */
import type { Clock } from "../core/clock.ts";
import type { CameraSpec, DatasetRecord, EpisodeRecord, ImageStats, QaFlag, SyncReport } from "../core/dataset.ts";
import type { SampleSource } from "../core/LatestSample.ts";
import type { CameraLoad, CodecChoice } from "../capture/codecCheck.ts";
import type { CodecName } from "../capture/codecs.ts";
import type { EpisodeStore, RecoveredEpisode, StorageUsage } from "../storage/EpisodeStore.ts";
import type { TakeClock } from "./LiveLanguage.ts";
import type { OriginLocks } from "../storage/originLocks.ts";
import type { UnfinishedTakes } from "../storage/UnfinishedTakes.ts";
import type { RecorderApi } from "./recorderApi.ts";
import type { SessionFollower } from "./sessionDataset.ts";

export interface RecordingSettings {
  datasetName: string;
  task: string;
  fps: number;
  /** Seconds per take; 0 = until → is pressed. */
  episodeSeconds: number;
  /** Seconds of reset between takes; 0 = until → is pressed. */
  resetSeconds: number;
  /** Takes to record in this session. */
  episodes: number;
  codec: "auto" | CodecName;
  /** A keyframe every `gop` frames (lerobot: 2). */
  gop: number;
}

export type RecordingPhase = "idle" | "preparing" | "countdown" | "recording" | "saving" | "reset" | "done";

/** The last take, shown for review (QA) during the reset. */
interface TakeReview {
  readonly episode: EpisodeRecord;
  readonly sync: SyncReport | null;
  readonly qa: QaFlag[];
  readonly failure?: string;
  readonly discarded: boolean;
}

export interface RecordingSnapshot {
  readonly settings: RecordingSettings;
  readonly phase: RecordingPhase;
  /** When the current phase ends on its own (page clock, ms), if it does. */
  readonly phaseEndsAt: number | undefined;
  readonly dataset: DatasetRecord | undefined;
  /** Takes kept in this session. */
  readonly kept: number;
  /** Takes thrown away in this session (re-recorded or discarded after review). */
  readonly discarded: number;
  readonly lastTake: TakeReview | undefined;
  readonly codec: CodecName | undefined;
  readonly codecWarning: string | undefined;
  readonly error: string | undefined;
  /** The row clock of the take being recorded (live language stamps on it); undefined between takes. */
  readonly take: TakeClock | undefined;
  /** Rows of the take being recorded (about twice a second). */
  readonly rows: number;
  /** Last take: from the stop to ready for the next take (saved, QA shown), ms. */
  readonly turnoverMs: number | undefined;
  readonly usage: StorageUsage | undefined;
  readonly persisted: "granted" | "denied" | "unsupported" | undefined;
  readonly recovered: readonly RecoveredEpisode[];
  /** Another tab or window of the studio records now (this one cannot start; see RecordingGuard). */
  readonly elsewhere: boolean;
}

export interface RecordingSessionDeps {
  /** The page clock (countdown and reset timers, row 0's time). */
  readonly clock: Clock;
  readonly episodes: EpisodeStore;
  readonly recorder: RecorderApi;
  /** The cameras attached to the recorder now. */
  readonly cameras: () => readonly CameraSpec[];
  /** The follower whose joints are recorded (undefined: none connected). */
  readonly follower: () => SessionFollower | undefined;
  /** Makes sure the control loop runs (starting teleoperation if needed) and says where its samples are; throws to say why not. */
  readonly joints: () => Promise<SampleSource>;
  /** The pre-flight codec check: picks one on "auto", else measures `only` (default: WebCodecs probes, every camera at once). */
  readonly chooseCodec?: (cameras: readonly CameraLoad[], only?: CodecName) => Promise<CodecChoice>;
  /** Image statistics from a stored episode's video (default: decoded with WebCodecs). */
  readonly imageStats?: (store: EpisodeStore, episode: EpisodeRecord) => Promise<Record<string, ImageStats>>;
  /** The origin's locks (the app: Web Locks); default: locks of this session alone. */
  readonly locks?: OriginLocks;
  /** Notes of takes a full disk kept from being finished (the app: localStorage); default: in memory. */
  readonly unfinished?: UnfinishedTakes;
  /** Wall-clock time for the episode records (default Date.now). */
  readonly epochNow?: () => number;
}

export const COUNTDOWN_MS = 3000;

export const DEFAULT_SETTINGS: RecordingSettings = {
  datasetName: "my_dataset",
  task: "Pick up the cube and place it in the box",
  fps: 30,
  episodeSeconds: 20,
  resetSeconds: 5,
  episodes: 10,
  codec: "auto",
  gop: 2,
};
