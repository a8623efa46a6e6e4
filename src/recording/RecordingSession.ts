import type { EpisodeRecord } from "../core/dataset.ts";
import { isCancelled, Lifecycle, throwIfCancelled } from "../core/lifecycle.ts";
import { messageOf } from "../core/messages.ts";
import { SnapshotEngine } from "../control/SnapshotEngine.ts";
import { MemoryLocks } from "../storage/originLocks.ts";
import { fillImageStats, imageStatsFromStorage } from "./episodeImageStats.ts";
import { RecordingGuard } from "./RecordingGuard.ts";
import type { RecorderEvent, TakeOutcome } from "./recorderApi.ts";
import { preflight } from "./sessionPreflight.ts";
import { applyUnfinishedNotes, noteUnfinished } from "./unfinishedNotes.ts";
import { MemoryUnfinishedTakes, type UnfinishedTakes } from "../storage/UnfinishedTakes.ts";
import {
  COUNTDOWN_MS,
  DEFAULT_SETTINGS,
  type RecordingPhase,
  type RecordingSessionDeps,
  type RecordingSettings,
  type RecordingSnapshot,
} from "./sessionTypes.ts";

/** Said when a cut take could not even be marked finished (the disk refuses every write). */
const UNFINISHED =
  "The take keeps its complete rows but could not be marked finished: free space (Datasets → delete a dataset), then reload — it is listed as cut short.";

/** Phases a stop ends (into "done"). */
const IN_SESSION: ReadonlySet<RecordingPhase> = new Set(["countdown", "recording", "saving", "reset"]);

/**
 * A recording session (lerobot record in the browser): a state machine over takes — preparing →
 * countdown → recording → saving → reset (the take's QA for review) → the next take … → done —
 * with keys → (next), ← (re-record), D (discard the take under review) and Escape (stop).
 *
 * - Transitions run one after another (a key pressed twice never starts two takes); each checks
 *   the phase it applies to.
 * - Start is a {@link Lifecycle}: the phase is "preparing" at once, a second start returns the
 *   same promise, a stop while preparing cancels it (back to idle, nothing recorded).
 * - The countdown and reset run on the injected clock. A take's length is the recorder's: its row
 *   clock ends a take of N seconds at exactly N × fps rows and says so ("takeComplete"); → ends
 *   it early.
 * - The recorder worker captures and stores; this engine sequences it and shows what happened.
 */
export class RecordingSession extends SnapshotEngine<RecordingSnapshot> {
  private readonly life = new Lifecycle();
  private queue: Promise<void> = Promise.resolve();
  private startPromise: Promise<void> | undefined;
  private cancelTimer: () => void = () => undefined;
  private timerToken = 0;
  /** The episode of the take being recorded (the recorder's events name it). */
  private takeId: string | undefined;
  /** One recorder per origin: held from a session's start to its end (RecordingGuard.ts). */
  private readonly guard: RecordingGuard;
  private readonly unfinished: UnfinishedTakes;

  constructor(private readonly deps: RecordingSessionDeps) {
    super({
      settings: DEFAULT_SETTINGS,
      phase: "idle",
      phaseEndsAt: undefined,
      dataset: undefined,
      kept: 0,
      discarded: 0,
      lastTake: undefined,
      codec: undefined,
      codecWarning: undefined,
      error: undefined,
      take: undefined,
      rows: 0,
      turnoverMs: undefined,
      usage: undefined,
      persisted: undefined,
      recovered: [],
      elsewhere: false,
    });
    const recoverLater = () => void this.recover().catch(() => undefined);
    this.guard = new RecordingGuard(deps.locks ?? new MemoryLocks(), deps.clock, (elsewhere) => this.update({ elsewhere }), recoverLater);
    this.unfinished = deps.unfinished ?? new MemoryUnfinishedTakes();
    // A session ends in "idle" or "done": the origin's recording lock goes back with it.
    this.subscribe((s) => {
      if ((s.phase === "idle" || s.phase === "done") && this.guard.holding) this.guard.release();
    });
    deps.recorder.onEvent((e) => this.onRecorderEvent(e)).catch((e: unknown) => this.update({ error: messageOf(e) }));
  }

  configure(patch: Partial<RecordingSettings>): void {
    this.update({ settings: { ...this.snap.settings, ...patch } });
  }

  /**
   * Starts a session: dataset, codec check, joints, countdown, then takes one after another. Errors are shown, not thrown.
   * `waitForFirst`: no countdown — the session waits in "reset" until → begins the first take (a policy rollout's
   * corrections-only recording begins each take itself, when the person takes over).
   */
  start(opts: { readonly waitForFirst?: boolean } = {}): Promise<void> {
    if (this.life.phase === "starting" && this.startPromise) return this.startPromise;
    if (this.snap.phase !== "idle" && this.snap.phase !== "done") return Promise.resolve();
    // A session that ended on its own (every take kept, or a failure) is still open: close it first.
    if (this.life.phase === "running") void this.life.stop(() => this.serial(() => this.halt()));
    this.cancelPhaseTimer();
    this.update({
      phase: "preparing",
      phaseEndsAt: undefined,
      error: undefined,
      kept: 0,
      discarded: 0,
      rows: 0,
      lastTake: undefined,
      codecWarning: undefined,
      turnoverMs: undefined,
    });
    const wait = opts.waitForFirst === true;
    const promise = this.life.start((signal) => this.exclusive(() => this.prepare(signal, wait))).catch(() => undefined); // shown by prepare
    this.startPromise = promise;
    return promise;
  }

  /** → : end the take now (keeping it), or end the countdown or the reset now. */
  next(): Promise<void> {
    return this.serial(async () => {
      if (this.stopping) return;
      const p = this.snap.phase;
      if (p === "recording") await this.endTake();
      else if (p === "reset" || p === "countdown") await this.beginTake();
    });
  }

  /** ← : throw the current (or just finished) take away entirely and record it again. */
  rerecord(): Promise<void> {
    return this.serial(async () => {
      if (this.stopping) return;
      const s = this.snap;
      if (s.phase === "recording") {
        this.cancelPhaseTimer();
        this.takeId = undefined;
        await this.deps.recorder.discard();
        this.update({ phase: "countdown", take: undefined, rows: 0, discarded: this.snap.discarded + 1 });
        this.armPhase(COUNTDOWN_MS, () => this.beginTake());
      } else if (s.phase === "reset" && s.lastTake && !s.lastTake.discarded) {
        this.cancelPhaseTimer();
        await this.deps.episodes.discardEpisode(s.lastTake.episode.id);
        this.update({ kept: s.kept - 1, discarded: s.discarded + 1, lastTake: { ...s.lastTake, discarded: true }, phase: "countdown" });
        this.armPhase(COUNTDOWN_MS, () => this.beginTake());
      }
    });
  }

  /** D: discard the take under review. After the session's last take, the session goes on for one more. */
  discardLast(): Promise<void> {
    return this.serial(async () => {
      const s = this.snap;
      if (!s.lastTake || s.lastTake.discarded) return;
      await this.deps.episodes.discardEpisode(s.lastTake.episode.id);
      this.update({ kept: s.kept - 1, discarded: s.discarded + 1, lastTake: { ...s.lastTake, discarded: true } });
      const ended = s.phase === "done" && this.life.phase === "running"; // ended on its own, not stopped
      if (ended && s.kept - 1 < s.settings.episodes && s.lastTake.failure === undefined) this.startReset();
    });
  }

  /** Escape: end the session; a take in progress is kept for review. While preparing, cancels the start. */
  stop(): Promise<void> {
    this.cancelPhaseTimer();
    return this.life.stop(() => this.serial(() => this.halt()));
  }

  async refreshUsage(): Promise<void> {
    try {
      this.update({ usage: await this.deps.episodes.usage() });
    } catch {
      // usage is informational
    }
  }

  /**
   * At start-up: episodes interrupted by a crash or reload become "interrupted" and are listed —
   * only under the origin's recording lock: while another tab records, its live take is left alone
   * and recovery runs once that tab lets the lock go.
   */
  async recover(): Promise<void> {
    this.guard.watch();
    const found = await this.guard.exclusive(() => this.deps.episodes.recoverInterrupted());
    if (found === undefined) return;
    const recovered = await applyUnfinishedNotes(this.deps.episodes, this.unfinished, found);
    if (recovered.length > 0) this.update({ recovered: [...this.snap.recovered, ...recovered] });
    for (const r of recovered) await this.fillImageStats(r.episode);
  }

  dismissRecovered(): void {
    this.update({ recovered: [] });
  }

  dispose(): void {
    this.cancelPhaseTimer();
    this.guard.dispose();
    this.guard.release();
    this.clearListeners();
  }

  private get stopping(): boolean {
    return this.life.phase === "stopping";
  }

  /** Runs `fn` after every transition asked for before it; its result is the caller's. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** A transition: serialised, its failure shown. */
  private serial(fn: () => Promise<void>): Promise<void> {
    return this.exclusive(fn).catch((e: unknown) => {
      if (!isCancelled(e)) this.update({ error: messageOf(e) });
    });
  }

  private async prepare(signal: AbortSignal, waitForFirst: boolean): Promise<void> {
    try {
      await this.guard.hold();
      throwIfCancelled(signal);
      const askPersistence = this.snap.persisted === undefined;
      const { dataset, codec, codecWarning } = await preflight(this.deps, this.snap.settings, signal, askPersistence, (persisted) =>
        this.update({ persisted }),
      );
      if (waitForFirst) this.update({ dataset, codec, codecWarning, phase: "reset", phaseEndsAt: undefined });
      else {
        this.update({ dataset, codec, codecWarning, phase: "countdown" });
        this.armPhase(COUNTDOWN_MS, () => this.beginTake());
      }
    } catch (e) {
      this.update({ phase: "idle", ...(isCancelled(e) ? {} : { error: messageOf(e) }) });
      throw e;
    }
  }

  /** Ends the session: a take in progress is kept for review. */
  private async halt(): Promise<void> {
    if (this.snap.phase === "recording") await this.endTake();
    this.cancelPhaseTimer();
    if (IN_SESSION.has(this.snap.phase)) this.update({ phase: "done", phaseEndsAt: undefined });
    // Stopped before the start's work even began (the same turn): it never got to say "idle".
    else if (this.snap.phase === "preparing") this.update({ phase: "idle" });
  }

  /** Runs `fn` as a transition `ms` from now, unless another transition or a stop came first. */
  private armPhase(ms: number, fn: () => Promise<void>): void {
    this.cancelPhaseTimer();
    const token = this.timerToken;
    const at = this.deps.clock.now() + ms;
    this.update({ phaseEndsAt: at });
    this.cancelTimer = this.deps.clock.runAt(at, () => {
      void this.serial(async () => {
        if (token === this.timerToken && !this.stopping) await fn();
      });
    });
  }

  private cancelPhaseTimer(): void {
    this.timerToken++;
    this.cancelTimer();
    this.cancelTimer = () => undefined;
  }

  private finish(): void {
    this.cancelPhaseTimer();
    this.update({ phase: "done", phaseEndsAt: undefined });
  }

  private async beginTake(): Promise<void> {
    this.cancelPhaseTimer();
    const s = this.snap;
    const { dataset, codec } = s;
    if (!dataset || codec === undefined) return;
    if (s.kept >= s.settings.episodes) return this.finish();
    // Row 0 a little ahead, on the grid of whole frame periods of the page clock that simulated
    // cameras draw on (a real camera's phase is its own: its frames are up to half a period off).
    const period = 1000 / dataset.fps;
    const t0Ms = Math.ceil((this.deps.clock.now() + 50) / period) * period;
    const rows = s.settings.episodeSeconds > 0 ? Math.max(1, Math.round(s.settings.episodeSeconds * dataset.fps)) : undefined;
    let episode: EpisodeRecord | undefined;
    try {
      episode = await this.deps.episodes.createEpisode({
        datasetId: dataset.id,
        task: s.settings.task,
        startedAtEpochMs: (this.deps.epochNow ?? Date.now)(),
        t0Ms,
      });
      await this.deps.recorder.start({
        episode,
        jointNames: dataset.jointNames.map((j) => j.replace(/\.pos$/, "")),
        codec,
        gop: s.settings.gop,
        ...(rows !== undefined ? { rows } : {}),
        expectedRows: rows ?? 60 * dataset.fps,
        cameras: dataset.cameras.map((c) => ({ key: c.key, width: c.width, height: c.height })),
      });
    } catch (e) {
      // The take never started (storage full, a camera gone): no trace of it, and the session ends saying why.
      if (episode) await this.deps.episodes.discardEpisode(episode.id).catch(() => undefined);
      this.update({ phase: "done", phaseEndsAt: undefined, error: messageOf(e) });
      return;
    }
    this.takeId = episode.id;
    this.update({
      phase: "recording",
      take: { episodeId: episode.id, t0Ms, fps: dataset.fps, rows },
      rows: 0,
      lastTake: undefined,
      error: undefined,
      phaseEndsAt: rows !== undefined ? t0Ms + rows * period : undefined,
    });
  }

  private async endTake(): Promise<void> {
    if (this.snap.phase !== "recording") return;
    this.cancelPhaseTimer();
    const episodeId = this.takeId;
    this.takeId = undefined;
    const stoppedAt = this.deps.clock.now();
    this.update({ phase: "saving", phaseEndsAt: undefined, take: undefined });
    let outcome: TakeOutcome;
    try {
      outcome = await this.deps.recorder.stop();
    } catch (e) {
      // Not even the episode's record could be finished (a full disk refuses every write): keep
      // what is complete as "interrupted" now, or (if that cannot be written either) at the next
      // start. This tab holds the recording lock until "done": only its own take is recovered.
      const recovered = await this.deps.episodes.recoverInterrupted().catch(() => []);
      if (episodeId) await noteUnfinished(this.deps.episodes, this.unfinished, episodeId, e, recovered);
      const unfinished = recovered.length === 0 ? ` ${UNFINISHED}` : "";
      this.update({ phase: "done", error: (this.snap.error ?? messageOf(e)) + unfinished });
      for (const r of recovered) await this.fillImageStats(r.episode);
      return;
    }
    const failure = outcome.failure?.message;
    this.update({
      kept: this.snap.kept + 1,
      rows: outcome.episode.length,
      lastTake: { episode: outcome.episode, sync: outcome.sync, qa: outcome.qa, ...(failure ? { failure } : {}), discarded: false },
    });
    void this.refreshUsage();
    if (failure !== undefined) {
      this.update({ phase: "done", error: failure });
      await this.fillImageStats(outcome.episode);
      return;
    }
    this.startReset();
    this.update({ turnoverMs: this.deps.clock.now() - stoppedAt });
  }

  private startReset(): void {
    const s = this.snap;
    if (s.kept >= s.settings.episodes) return this.finish();
    this.update({ phase: "reset" });
    if (s.settings.resetSeconds > 0) this.armPhase(s.settings.resetSeconds * 1000, () => this.beginTake());
    else {
      this.cancelPhaseTimer();
      this.update({ phaseEndsAt: undefined });
    }
  }

  private onRecorderEvent(e: RecorderEvent): void {
    switch (e.type) {
      case "progress":
        if (e.episodeId === this.takeId) this.update({ rows: e.rows });
        return;
      case "takeFailed":
        if (e.episodeId !== this.takeId) return;
        this.update({ error: e.message });
        void this.endTakeOf(e.episodeId);
        return;
      case "takeComplete":
      case "takeCut":
        if (e.episodeId === this.takeId) void this.endTakeOf(e.episodeId);
        return;
      case "camera":
        return;
    }
  }

  /** The recorder ended take `episodeId` (its rows are all recorded, or it failed): finish it, if it is still the current one. */
  private endTakeOf(episodeId: string): Promise<void> {
    return this.serial(async () => {
      if (episodeId === this.takeId) await this.endTake();
    });
  }

  private fillImageStats(episode: EpisodeRecord): Promise<void> {
    return fillImageStats(this.deps.episodes, episode, this.deps.imageStats ?? imageStatsFromStorage);
  }
}
