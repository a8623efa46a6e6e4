import { createStore, type StoreApi } from "zustand/vanilla";
import type { CameraSpec, DatasetRecord, EpisodeRecord, QaFlag, SyncReport } from "../core/dataset.ts";
import { ARMS } from "../core/robots.ts";
import { chooseCodec } from "../capture/CameraEncoder.ts";
import type { CodecName } from "../capture/codecs.ts";
import type { RecorderClient } from "../recording/RecorderClient.ts";
import type { TakeOutcome } from "../recording/recorderProtocol.ts";
import { imageStatsFromStorage } from "../recording/episodeImageStats.ts";
import type { EpisodeStore, RecoveredEpisode, StorageUsage } from "../storage/EpisodeStore.ts";
import type { CameraStore } from "./cameraStore.ts";
import type { RigStore } from "./rigStore.ts";
import { teleopArms, type TeleopStore } from "./teleopStore.ts";

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

export interface RecordingState {
  readonly settings: RecordingSettings;
  readonly phase: RecordingPhase;
  /** When the current phase ends on its own (page clock, ms), if it does. */
  readonly phaseEndsAt: number | undefined;
  readonly dataset: DatasetRecord | undefined;
  /** Takes kept in this session. */
  readonly kept: number;
  /** The last take, shown for review (QA) during the reset. */
  readonly lastTake: { episode: EpisodeRecord; sync: SyncReport | null; qa: QaFlag[]; failure?: string; discarded: boolean } | undefined;
  readonly codec: CodecName | undefined;
  readonly codecWarning: string | undefined;
  readonly error: string | undefined;
  readonly rows: number;
  /** Last take: from the stop to ready for the next take (saved, QA shown), ms. */
  readonly turnoverMs: number | undefined;
  readonly usage: StorageUsage | undefined;
  readonly persisted: "granted" | "denied" | "unsupported" | undefined;
  readonly recovered: readonly RecoveredEpisode[];
  update(patch: Partial<RecordingSettings>): void;
  /** Starts a session: dataset, codec check, teleop, countdown, then takes one after another. */
  start(): Promise<void>;
  /** → : end the take early (keeping it), or end the reset early. */
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
}

export type RecordingStore = StoreApi<RecordingState>;

export interface RecordingBackends {
  readonly episodes: EpisodeStore;
  readonly recorder: RecorderClient;
  readonly cameras: CameraStore;
  readonly rig: RigStore;
  readonly teleop: TeleopStore;
  /** Page clock (performance.now) and timers, injectable for tests. */
  readonly now?: () => number;
}

const COUNTDOWN_MS = 3000;

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

/** A dataset key a user can read: lowercase words joined by _. */
function datasetKey(name: string): string {
  return name.trim().replace(/[^\w.-]+/g, "_") || "dataset";
}

/**
 * The recording session (lerobot record in the browser): a state machine over takes —
 * countdown → recording → saving → reset (with the take's QA for review) → next take — with
 * keys → (next), ← (re-record) and Escape (stop). The recorder worker does the capture and
 * storage; this store only sequences it and shows what happened.
 */
export function createRecordingStore(b: RecordingBackends): RecordingStore {
  const now = b.now ?? (() => performance.now());
  let timer: ReturnType<typeof setTimeout> | undefined;
  let busy: Promise<void> = Promise.resolve();
  /** Serialise transitions: a key pressed twice quickly must not start two takes. */
  const serial = (fn: () => Promise<void>): Promise<void> => {
    busy = busy.then(fn, fn).catch((e: unknown) => store.setState({ error: e instanceof Error ? e.message : String(e) }));
    return busy;
  };
  const clearTimer = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const after = (ms: number, fn: () => Promise<void>) => {
    clearTimer();
    store.setState({ phaseEndsAt: now() + ms });
    timer = setTimeout(() => void serial(fn), ms);
  };

  const ensureDataset = async (): Promise<DatasetRecord> => {
    const s = store.getState().settings;
    const { rig } = b;
    const follower = teleopArms(rig, b.teleop.getState().leaderId, b.teleop.getState().followerId).follower;
    if (!follower) throw new Error("Connect a follower arm first (Rig screen): a dataset records its joints.");
    const arm = ARMS[follower.arm];
    const cameras: CameraSpec[] = b.cameras.getState().cameras.map((c) => ({
      key: c.key,
      source: c.source,
      deviceId: c.deviceId,
      label: c.label,
      width: c.width,
      height: c.height,
      fps: c.fps,
    }));
    const name = datasetKey(s.datasetName);
    const { datasets } = await b.episodes.listDatasets();
    const existing = datasets.find((d) => d.name === name);
    const jointNames = arm.motors.map((m) => `${m.name}.pos`);
    if (existing) {
      const same =
        existing.fps === s.fps &&
        existing.jointNames.join() === jointNames.join() &&
        existing.cameras.map((c) => `${c.key}:${c.width}x${c.height}`).join() ===
          cameras.map((c) => `${c.key}:${c.width}x${c.height}`).join();
      if (same) {
        const tasks = [s.task, ...existing.tasks.filter((t) => t !== s.task)];
        return b.episodes.updateDataset(existing.id, { tasks });
      }
      const { episodes } = await b.episodes.listEpisodes(existing.id);
      if (episodes.length > 0)
        throw new Error(
          `The dataset "${name}" was recorded with other settings (${existing.fps} fps, cameras ${existing.cameras.map((c) => `${c.key} ${c.width}×${c.height}`).join(", ") || "none"}). ` +
            "Record into a new dataset name, or use the same fps and cameras.",
        );
      return b.episodes.updateDataset(existing.id, {
        fps: s.fps,
        jointNames,
        cameras,
        units: follower.bodyNormMode,
        robotType: follower.arm,
        tasks: [s.task],
      });
    }
    return b.episodes.createDataset({
      name,
      fps: s.fps,
      robotType: follower.arm,
      jointNames,
      units: follower.bodyNormMode,
      cameras,
      tasks: [s.task],
    });
  };

  const beginTake = async (): Promise<void> => {
    const s = store.getState();
    const dataset = s.dataset;
    if (!dataset || s.codec === undefined) return;
    if (s.kept >= s.settings.episodes) {
      store.setState({ phase: "done", phaseEndsAt: undefined });
      return;
    }
    // Row 0 a little ahead, on the grid of whole frame periods of the page clock that simulated
    // cameras draw on (a real camera's phase is its own: its frames are up to half a period off).
    const period = 1000 / dataset.fps;
    const t0Ms = Math.ceil((now() + 50) / period) * period;
    const episode = await b.episodes.createEpisode({ datasetId: dataset.id, task: s.settings.task, startedAtEpochMs: Date.now(), t0Ms });
    const cams = b.cameras.getState().cameras;
    await b.recorder.start({
      episode,
      jointNames: dataset.jointNames.map((j) => j.replace(/\.pos$/, "")),
      codec: s.codec,
      gop: s.settings.gop,
      expectedRows: Math.max(1, s.settings.episodeSeconds || 60) * dataset.fps,
      cameras: cams.map((c) => ({ key: c.key, width: c.width, height: c.height })),
    });
    store.setState({ phase: "recording", rows: 0, lastTake: undefined, error: undefined });
    if (s.settings.episodeSeconds > 0) after(s.settings.episodeSeconds * 1000, endTake);
    else {
      clearTimer();
      store.setState({ phaseEndsAt: undefined });
    }
  };

  const endTake = async (): Promise<void> => {
    if (store.getState().phase !== "recording") return;
    clearTimer();
    const stoppedAt = now();
    store.setState({ phase: "saving", phaseEndsAt: undefined });
    let outcome: TakeOutcome;
    try {
      outcome = await b.recorder.stop();
    } catch (e) {
      // Not even the episode's record could be finished (e.g. the disk is full): it stays as
      // recorded so far and is recovered as "interrupted" at the next start.
      const why = e instanceof Error ? e.message : String(e);
      store.setState((st) => ({ phase: "done", error: st.error ?? why }));
      // Keep what is complete (rows with every camera's frame) as an "interrupted" episode now;
      // if even that cannot be written, the next start does it.
      const recovered = await b.episodes.recoverInterrupted().catch(() => []);
      for (const r of recovered) await fillImageStats(r.episode);
      return;
    }
    const failed = outcome.failure !== undefined;
    store.setState((st) => ({
      kept: st.kept + 1,
      lastTake: {
        episode: outcome.episode,
        sync: outcome.sync,
        qa: outcome.qa,
        ...(outcome.failure ? { failure: outcome.failure.message } : {}),
        discarded: false,
      },
    }));
    void get().refreshUsage();
    if (failed) {
      store.setState({ phase: "done", error: outcome.failure?.message });
      await fillImageStats(outcome.episode);
      return;
    }
    startReset();
    store.setState({ turnoverMs: now() - stoppedAt });
  };

  const startReset = () => {
    const s = store.getState();
    if (s.kept >= s.settings.episodes) {
      store.setState({ phase: "done", phaseEndsAt: undefined });
      return;
    }
    store.setState({ phase: "reset" });
    if (s.settings.resetSeconds > 0) after(s.settings.resetSeconds * 1000, beginTake);
    else {
      clearTimer();
      store.setState({ phaseEndsAt: undefined });
    }
  };

  const get = () => store.getState();

  /**
   * A take that did not finish normally (crash, full disk) has no image statistics: compute them
   * from its stored video so it can be exported like any other. Best effort.
   */
  const fillImageStats = async (episode: EpisodeRecord): Promise<void> => {
    if (episode.length === 0 || episode.tracks.length === 0 || Object.keys(episode.imageStats).length >= episode.tracks.length) return;
    try {
      const imageStats = await imageStatsFromStorage(b.episodes, episode);
      await b.episodes.updateEpisode(episode.id, { imageStats });
    } catch {
      // export will say which episode lacks statistics
    }
  };

  const store = createStore<RecordingState>()((set) => ({
    settings: DEFAULT_SETTINGS,
    phase: "idle",
    phaseEndsAt: undefined,
    dataset: undefined,
    kept: 0,
    lastTake: undefined,
    codec: undefined,
    codecWarning: undefined,
    error: undefined,
    rows: 0,
    turnoverMs: undefined,
    usage: undefined,
    persisted: undefined,
    recovered: [],
    update(patch) {
      set((s) => ({ settings: { ...s.settings, ...patch } }));
    },
    start: () =>
      serial(async () => {
        const s = get();
        if (s.phase !== "idle" && s.phase !== "done") return;
        set({ phase: "preparing", error: undefined, kept: 0, lastTake: undefined, codecWarning: undefined });
        try {
          const cams = b.cameras.getState().cameras;
          if (cams.length === 0) throw new Error("Add at least one camera (Rig screen → Cameras) before recording.");
          const dataset = await ensureDataset();
          let codec: CodecName;
          let codecWarning: string | undefined;
          if (s.settings.codec === "auto") {
            const choice = await chooseCodec(cams.map((c) => ({ width: c.width, height: c.height, fps: s.settings.fps })));
            if (choice.codec === null) throw new Error(choice.warning ?? "This browser cannot encode video (no WebCodecs encoder).");
            codec = choice.codec;
            codecWarning = choice.warning ?? undefined;
          } else codec = s.settings.codec;
          if (get().persisted === undefined) set({ persisted: await b.episodes.requestPersistence() });
          // Joints come from the control loop: start teleoperation if it is not running.
          const t = b.teleop.getState();
          if (t.status?.state !== "tracking" && t.status?.state !== "gating") await t.start();
          const shared = b.teleop.getState().shared;
          const status = b.teleop.getState().status;
          if (!shared || !status)
            throw new Error(b.teleop.getState().error ?? "Teleoperation did not start, so there are no joints to record.");
          await b.recorder.setSample({
            buffer: shared.buffer as SharedArrayBuffer,
            joints: shared.joints,
            hostOffsetMs: status.clockOriginMs - performance.timeOrigin,
          });
          set({ dataset, codec, codecWarning, phase: "countdown" });
          after(COUNTDOWN_MS, beginTake);
        } catch (e) {
          set({ phase: "idle", error: e instanceof Error ? e.message : String(e) });
        }
      }),
    next: () =>
      serial(async () => {
        const p = get().phase;
        if (p === "recording") await endTake();
        else if (p === "reset" || p === "countdown") {
          clearTimer();
          await beginTake();
        }
      }),
    rerecord: () =>
      serial(async () => {
        const s = get();
        if (s.phase === "recording") {
          clearTimer();
          await b.recorder.discard();
          set({ phase: "countdown" });
          after(COUNTDOWN_MS, beginTake);
        } else if (s.phase === "reset" && s.lastTake && !s.lastTake.discarded) {
          clearTimer();
          await b.episodes.discardEpisode(s.lastTake.episode.id);
          set({ kept: s.kept - 1, lastTake: { ...s.lastTake, discarded: true }, phase: "countdown" });
          after(COUNTDOWN_MS, beginTake);
        }
      }),
    discardLast: () =>
      serial(async () => {
        const s = get();
        if (!s.lastTake || s.lastTake.discarded) return;
        await b.episodes.discardEpisode(s.lastTake.episode.id);
        set({ kept: s.kept - 1, lastTake: { ...s.lastTake, discarded: true } });
        if (s.phase === "done" && s.kept - 1 < s.settings.episodes && s.lastTake.failure === undefined) startReset();
      }),
    stop: () =>
      serial(async () => {
        clearTimer();
        const p = get().phase;
        if (p === "recording") {
          await endTake();
          clearTimer();
        }
        if (get().phase !== "idle") set({ phase: "done", phaseEndsAt: undefined });
      }),
    async refreshUsage() {
      try {
        set({ usage: await b.episodes.usage() });
      } catch {
        // usage is informational
      }
    },
    async recover() {
      const recovered = await b.episodes.recoverInterrupted();
      if (recovered.length > 0) set({ recovered });
      for (const r of recovered) await fillImageStats(r.episode);
    },
    dismissRecovered() {
      set({ recovered: [] });
    },
  }));
  b.recorder.on((e) => {
    if (e.type === "progress") store.setState({ rows: e.rows });
    else if (e.type === "takeFailed") {
      store.setState({ error: e.message });
      void serial(endTake);
    }
  });
  return store;
}
