/**
 * What a policy rollout records (docs/rollouts.md), decided here rather than in a store:
 *
 * - **whole**: the whole rollout is one take; when it ends, the windows a person corrected become
 *   the episode's `interventions` (core/rollout.ts: a window covers the rows from the take-over to
 *   the hand-back).
 * - **corrections**: one take per correction window, as lerobot's DAgger records by default — a
 *   take begins when the leader is the person's (CORRECTING; nothing is recorded while the leader
 *   is being brought over, nor while the policy acts) and ends at the hand-back. Its task is the
 *   prompt of that moment, its language what was said during it; every row is flagged corrected.
 * - **off**: nothing is recorded.
 *
 * The Record screen's take settings are the rollout's only while it runs (given back at the end).
 * The recording session is started without a countdown in corrections mode (it waits between
 * takes). Begin changes state before its first await; an end during a begin cancels the
 * recording (nothing kept). Take starts and ends are asked one after another, each from the
 * phases of that moment, so a quick take-over / hand-back never leaves a stray take. Intervention
 * spans are written through the live-language engine's write queue (the same annotations).
 * While a rollout is active the instruction input opens even between takes (prompt only).
 */
import type { EpisodeRecord } from "../core/dataset.ts";
import { rolloutAnnotations } from "../core/rollout.ts";
import { SnapshotEngine } from "../core/SnapshotEngine.ts";
import type { RolloutSnapshot } from "../control/RolloutSession.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";
import type { LiveLanguage } from "./LiveLanguage.ts";
import type { RecordingSettings, RecordingSnapshot } from "./sessionTypes.ts";

export type RolloutRecordMode = "whole" | "corrections" | "off";

/** Takes one rollout may record in corrections mode. */
export const MAX_CORRECTION_TAKES = 1000;

/** What the recorder needs of a recording session (RecordingSession, or the app's recording store). */
export interface RolloutTakeSession {
  readonly snapshot: Pick<RecordingSnapshot, "phase" | "take" | "lastTake" | "error" | "settings">;
  subscribe(fn: (s: RolloutTakeSession["snapshot"]) => void): () => void;
  configure(patch: Partial<RecordingSettings>): void;
  start(opts?: { readonly waitForFirst?: boolean }): Promise<void>;
  next(): Promise<void>;
  stop(): Promise<void>;
}

/** What the recorder watches of the rollout (RolloutSession). */
export interface RolloutWatch {
  readonly snapshot: Pick<RolloutSnapshot, "phase" | "prompt" | "timeline">;
  subscribe(fn: (s: RolloutWatch["snapshot"]) => void): () => void;
}

export interface SavedRolloutTake {
  readonly episodeId: string;
  readonly index: number;
  readonly task: string;
  readonly length: number;
  /** Rows flagged corrected. */
  readonly corrected: number;
}

export interface RolloutRecorderView {
  readonly mode: RolloutRecordMode;
  /** This rollout's recording is open (begun, not ended). */
  readonly active: boolean;
  /** A correction take records now (corrections mode). */
  readonly taking: boolean;
  readonly saved: readonly SavedRolloutTake[];
  /** What was saved where, or why nothing was. */
  readonly note: string | undefined;
}

export interface RolloutRecorderDeps {
  readonly takes: RolloutTakeSession;
  readonly rollout: RolloutWatch;
  readonly episodes: Pick<EpisodeStore, "getEpisode" | "updateEpisode">;
  readonly live: Pick<LiveLanguage, "after" | "setPromptOnly">;
  readonly newId?: () => string;
}

export interface RolloutRecordingPlan {
  readonly mode: RolloutRecordMode;
  readonly datasetName: string;
  readonly task: string;
}

const isActive = (p: RolloutSnapshot["phase"]) => p !== "idle" && p !== "stopped";

export class RolloutRecorder extends SnapshotEngine<RolloutRecorderView> {
  private open = false;
  private datasetName = "";
  /** The session's take settings before this rollout changed them (given back when it ends). */
  private before: Partial<RecordingSettings> = {};
  private starting: Promise<void> | undefined;
  private ending: Promise<void> | undefined;
  /** Episodes of takes this rollout began, and those already annotated. */
  private readonly ours = new Set<string>();
  private readonly handled = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private queued = false;
  private writes: Promise<void> = Promise.resolve();
  private readonly newId: () => string;

  constructor(private readonly deps: RolloutRecorderDeps) {
    super({ mode: "whole", active: false, taking: false, saved: [], note: undefined });
    this.newId = deps.newId ?? (() => crypto.randomUUID());
    deps.rollout.subscribe((s) => {
      deps.live.setPromptOnly(isActive(s.phase));
      this.kick();
    });
    deps.takes.subscribe((s) => this.onTakes(s));
  }

  /** Opens this rollout's recording; resolves once it records (whole) or waits for a correction; throws if it did not start. */
  begin(plan: RolloutRecordingPlan): Promise<void> {
    if (this.starting) return this.starting;
    if (this.open) return Promise.resolve();
    this.ours.clear();
    this.handled.clear();
    this.update({ mode: plan.mode, saved: [], note: undefined, taking: false, active: plan.mode !== "off" });
    if (plan.mode === "off") return Promise.resolve();
    const busy = this.deps.takes.snapshot.phase;
    if (busy !== "idle" && busy !== "done") {
      this.update({ active: false });
      return Promise.reject(new Error("A recording session is running (Record screen): stop it there first, then start the rollout."));
    }
    this.open = true;
    this.ending = undefined;
    this.datasetName = plan.datasetName;
    const corrections = plan.mode === "corrections";
    const t = this.deps.takes;
    const { datasetName, task, episodes, episodeSeconds, resetSeconds } = t.snapshot.settings;
    this.before = { datasetName, task, episodes, episodeSeconds, resetSeconds };
    t.configure({
      datasetName: plan.datasetName,
      task: plan.task,
      episodes: corrections ? MAX_CORRECTION_TAKES : 1,
      episodeSeconds: 0,
      resetSeconds: 0,
    });
    const ready = corrections ? "reset" : "recording";
    const starting = (async () => {
      await t.start({ waitForFirst: corrections });
      await this.until((p) => p === ready || p === "idle" || p === "done");
      const s = t.snapshot;
      if (s.phase !== ready || !this.open) {
        if (this.open) t.configure(this.before);
        this.open = false;
        this.update({ active: false });
        throw new Error(s.error ?? "The recording did not start.");
      }
    })();
    this.starting = starting;
    void starting.then(
      () => (this.starting = undefined),
      () => (this.starting = undefined),
    );
    return starting;
  }

  /** Ends the recording: a take in progress is kept; intervention spans are written; the note says what was saved. */
  end(): Promise<void> {
    if (this.ending) return this.ending;
    if (!this.open) return Promise.resolve();
    this.open = false;
    this.ending = this.finish();
    return this.ending;
  }

  private async finish(): Promise<void> {
    const t = this.deps.takes;
    try {
      const p = t.snapshot.phase;
      if (p === "preparing" || p === "countdown") {
        await t.stop(); // before the first take began: nothing to keep
        return;
      }
      if (this.snap.mode === "whole") await this.finishWhole();
      else await this.finishCorrections();
    } finally {
      t.configure(this.before);
      this.update({ active: false, taking: false });
    }
  }

  private async finishWhole(): Promise<void> {
    const t = this.deps.takes;
    const early = t.snapshot.phase !== "recording" ? (t.snapshot.error ?? t.snapshot.phase) : undefined;
    if (early === undefined) await t.next();
    await this.until((p) => p !== "recording" && p !== "saving");
    const take = t.snapshot.lastTake;
    await t.stop();
    if (!take || take.discarded || !this.ours.has(take.episode.id)) {
      this.update({ note: `The rollout was not recorded: the recording ended early (${early ?? "the take was not kept"}).` });
      return;
    }
    // A take the recorder ended early (cut short, disk full) keeps its rows: they get their flags too.
    const cut = take.failure ?? early;
    const ep = take.episode;
    const timeline = { interventions: this.deps.rollout.snapshot.timeline.interventions, interjections: [] };
    const corrected = await this.annotate(
      ep,
      (a) => rolloutAnnotations(a, timeline, ep.t0Ms, ep.fps, ep.length, this.newId).interventions ?? [],
    );
    this.update({
      note:
        `Saved episode ${ep.index} (${ep.length} rows, ${corrected} corrected) in “${this.datasetName}”.` +
        (cut ? ` The recording ended before the rollout: ${cut}` : ""),
    });
  }

  private async finishCorrections(): Promise<void> {
    const t = this.deps.takes;
    const endedEarly = t.snapshot.phase === "done" || t.snapshot.phase === "idle" ? t.snapshot.error : undefined;
    await this.queue;
    await t.stop();
    await this.writes;
    const saved = this.snap.saved;
    const rows = saved.reduce((n, s) => n + s.length, 0);
    const early = endedEarly ? ` The recording ended early: ${endedEarly}` : "";
    this.update({
      note:
        saved.length === 0
          ? `Nothing was recorded: no correction was made (corrections only records the windows you correct).${early}`
          : `Saved ${saved.length} correction episode${saved.length === 1 ? "" : "s"} (${rows} rows) in “${this.datasetName}”.${early}`,
    });
  }

  private onTakes(s: RolloutTakeSession["snapshot"]): void {
    if (this.open && s.take) this.ours.add(s.take.episodeId);
    // The recording ended on its own (a take cut short, a full disk): said at once, the rollout goes on.
    if (this.open && !this.starting && s.phase === "done" && this.snap.note === undefined)
      this.update({
        note: `The recording ended early (${s.error ?? "no reason given"}); the rollout goes on unrecorded. Stop to keep what was recorded.`,
      });
    const last = s.lastTake;
    if (last && this.snap.mode === "corrections" && this.ours.has(last.episode.id) && !this.handled.has(last.episode.id)) {
      this.handled.add(last.episode.id);
      const ep = last.episode;
      if (!last.discarded)
        this.writes = this.writes.then(async () => {
          await this.annotate(ep, () => (ep.length > 0 ? [{ startFrame: 0, endFrame: ep.length }] : []));
        });
    }
    const taking = this.open && this.snap.mode === "corrections" && s.phase === "recording";
    if (taking !== this.snap.taking) this.update({ taking });
    this.kick();
  }

  /** Corrections mode: brings the takes in line with the rollout's phase, one step after another. */
  private kick(): void {
    if (this.queued || !this.open || this.snap.mode !== "corrections") return;
    this.queued = true;
    this.queue = this.queue.then(async () => {
      this.queued = false;
      const t = this.deps.takes;
      const r = this.deps.rollout.snapshot;
      const want = this.open && r.phase === "correcting";
      const p = t.snapshot.phase;
      if (want && p === "reset") {
        t.configure({ task: r.prompt.trim() || t.snapshot.lastTake?.episode.task || "" });
        await t.next();
      } else if (!want && this.open && p === "recording") await t.next();
    });
  }

  /** Writes the episode's intervention spans (after the live-language writes); returns the rows flagged. */
  private async annotate(ep: EpisodeRecord, spans: (a: EpisodeRecord["annotations"]) => { startFrame: number; endFrame: number }[]) {
    let corrected = 0;
    await this.deps.live.after(async () => {
      const stored = (await this.deps.episodes.getEpisode(ep.id)) ?? ep;
      const interventions = spans(stored.annotations);
      corrected = interventions.reduce((n, s) => n + s.endFrame - s.startFrame, 0);
      await this.deps.episodes.updateEpisode(ep.id, { annotations: { ...stored.annotations, interventions } });
    });
    this.update({
      saved: [...this.snap.saved, { episodeId: ep.id, index: ep.index, task: ep.task, length: ep.length, corrected }],
    });
    return corrected;
  }

  private until(done: (p: RecordingSnapshot["phase"]) => boolean): Promise<void> {
    const t = this.deps.takes;
    return new Promise((resolve) => {
      if (done(t.snapshot.phase)) return resolve();
      const off = t.subscribe((s) => {
        if (done(s.phase)) {
          off();
          resolve();
        }
      });
    });
  }
}
