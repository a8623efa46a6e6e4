import { createStore, type StoreApi } from "zustand/vanilla";
import type { Clock } from "../core/clock.ts";
import type { CameraSpec } from "../core/dataset.ts";
import type { SampleSource } from "../core/LatestSample.ts";
import { isDriving } from "../control/index.ts";
import type { RecorderApi } from "../recording/recorderApi.ts";
import { followTakes, LiveLanguage } from "../recording/LiveLanguage.ts";
import { RecordingSession } from "../recording/RecordingSession.ts";
import type { RecordingSettings, RecordingSnapshot } from "../recording/sessionTypes.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";
import type { OriginLocks } from "../storage/originLocks.ts";
import type { UnfinishedTakes } from "../storage/UnfinishedTakes.ts";
import type { CameraStore } from "./cameraStore.ts";
import { createLiveLanguageStore, type LiveLanguageStore } from "./liveLanguageStore.ts";
import type { RigStore } from "./rigStore.ts";
import { teleopArms, type TeleopStore } from "./teleopStore.ts";

export type { RecordingPhase, RecordingSettings } from "../recording/sessionTypes.ts";

export interface RecordingState extends RecordingSnapshot {
  update(patch: Partial<RecordingSettings>): void;
  /** Starts a session: dataset, codec check, teleop, countdown, then takes one after another (`waitForFirst`: see RecordingSession). */
  start(opts?: { readonly waitForFirst?: boolean }): Promise<void>;
  /** → : end the take early (keeping it), or end the countdown or the reset early. */
  next(): Promise<void>;
  /** ← : throw the current (or just finished) take away entirely and record it again. */
  rerecord(): Promise<void>;
  /** Discard the take under review (one key). */
  discardLast(): Promise<void>;
  /** Escape: end the session; a take in progress is kept for review. */
  stop(): Promise<void>;
  refreshUsage(): Promise<void>;
  /** At start-up: episodes interrupted by a crash or reload become "interrupted" and are listed. */
  recover(): Promise<void>;
  dismissRecovered(): void;
  /** Language typed during takes (keys I and N), stamped on the take's rows into its annotations. */
  readonly liveLanguage: LiveLanguageStore;
}

export type RecordingStore = StoreApi<RecordingState>;

export interface RecordingBackends {
  readonly episodes: EpisodeStore;
  readonly recorder: RecorderApi;
  readonly cameras: CameraStore;
  readonly rig: RigStore;
  readonly teleop: TeleopStore;
  /** The page clock (the app passes the real one). */
  readonly clock: Clock;
  /** The origin's locks (one recorder per origin); the app passes the browser's Web Locks. */
  readonly locks?: OriginLocks;
  /** Notes of takes a full disk kept from being finished; the app passes localStorage's. */
  readonly unfinished?: UnfinishedTakes | undefined;
  /** The page's performance.timeOrigin (the loop's sample times are mapped onto the page clock with it). */
  readonly pageTimeOrigin?: number;
}

/** The control loop's samples for the recorder, starting teleoperation if it is not running. */
async function loopSamples(teleop: TeleopStore, pageTimeOrigin: number): Promise<SampleSource> {
  if (!isDriving(teleop.getState().status)) await teleop.getState().start();
  const { shared, status, error } = teleop.getState();
  if (!shared || !status) throw new Error(error ?? "Teleoperation did not start, so there are no joints to record.");
  return { buffer: shared.buffer, joints: shared.joints, hostOffsetMs: status.clockOriginMs - pageTimeOrigin };
}

const spec = (c: CameraSpec): CameraSpec => ({
  key: c.key,
  source: c.source,
  deviceId: c.deviceId,
  label: c.label,
  width: c.width,
  height: c.height,
  fps: c.fps,
});

/**
 * Binds a {@link RecordingSession} (recording/RecordingSession.ts: the take state machine) to
 * React: its snapshot is this store's state, its methods are the store's. The session gets the
 * cameras, the follower and the joints from the other stores.
 */
export function createRecordingStore(b: RecordingBackends): RecordingStore {
  const session = new RecordingSession({
    clock: b.clock,
    episodes: b.episodes,
    recorder: b.recorder,
    cameras: () => b.cameras.getState().cameras.map(spec),
    follower: () => teleopArms(b.rig, b.teleop.getState().leaderId, b.teleop.getState().followerId).follower,
    joints: () => loopSamples(b.teleop, b.pageTimeOrigin ?? performance.timeOrigin),
    ...(b.locks ? { locks: b.locks } : {}),
    ...(b.unfinished ? { unfinished: b.unfinished } : {}),
  });
  const live = new LiveLanguage({ clock: b.clock, store: b.episodes });
  followTakes(session, live);
  const liveLanguage = createLiveLanguageStore(live);
  const store = createStore<RecordingState>()(() => ({
    ...session.snapshot,
    update: (patch) => session.configure(patch),
    start: (opts) => session.start(opts),
    next: () => session.next(),
    rerecord: () => session.rerecord(),
    discardLast: () => session.discardLast(),
    stop: () => session.stop(),
    refreshUsage: () => session.refreshUsage(),
    recover: () => session.recover(),
    dismissRecovered: () => session.dismissRecovered(),
    liveLanguage,
  }));
  session.subscribe((snapshot) => store.setState(snapshot));
  return store;
}
