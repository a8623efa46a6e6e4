/**
 * Annotating one open episode (docs/annotation.md §3): the undo/redo history of its task and
 * annotations, and saving them as the user works.
 *
 * - Every edit, undo or redo is saved `delayMs` after the last one (a debounce on the injected
 *   Clock); `flush()` saves now. The app flushes when the page is hidden or closed.
 * - No edit is lost to a reload or a closed tab: a save started while the page unloads does not
 *   finish, so each edit also goes into the {@link EditJournal} at once (synchronous) and leaves
 *   it when saved; the next page saves what it finds there (recoverEdits).
 * - One save at a time: an edit made while a save is in flight is saved after it (by its own
 *   debounce, or at once when a flush is asked for meanwhile).
 * - A failed save keeps the edits (they are the history's present) and says so; the next edit or
 *   flush tries again.
 * - Saving a changed task also adds it to the dataset's task library.
 */
import {
  commit,
  createHistory,
  redo,
  rememberTask,
  sameDoc,
  undo,
  type AnnotationDoc,
  type AnnotationHistory,
} from "../../core/annotations.ts";
import type { Clock } from "../../core/clock.ts";
import type { DatasetRecord, EpisodeRecord } from "../../core/dataset.ts";
import { messageOf } from "../../core/messages.ts";
import { SnapshotEngine } from "../../control/SnapshotEngine.ts";
import type { EditJournal } from "../../storage/EditJournal.ts";
import type { EpisodeStore } from "../../storage/EpisodeStore.ts";

export type SaveState = "saved" | "saving" | "unsaved" | "failed";

export interface AnnotationView {
  readonly history: AnnotationHistory;
  readonly save: SaveState;
  /** Why the last save failed (what happened, what to do), while `save` is "failed". */
  readonly saveError: string | undefined;
}

export interface AnnotationDeps {
  readonly store: Pick<EpisodeStore, "getEpisode" | "updateEpisode" | "getDataset" | "updateDataset">;
  readonly clock: Clock;
  /** Quiet time after the last edit before it is saved, ms. Default {@link SAVE_DELAY_MS}. */
  readonly delayMs?: number;
  /** Told of the stored episode after each save (the browser lists it). */
  readonly onSaved?: (episode: EpisodeRecord) => void;
  /** Told of the dataset when its task library changed. */
  readonly onDataset?: (dataset: DatasetRecord) => void;
  /** Told when a saved task could not be added to the library (the episode itself is saved). */
  readonly onLibraryError?: (message: string) => void;
  /** Where edits not saved yet are kept against a closing page. */
  readonly journal?: EditJournal | undefined;
}

export const SAVE_DELAY_MS = 400;

export class AnnotationSession extends SnapshotEngine<AnnotationView> {
  /** What storage holds (as far as this session knows). */
  private saved: AnnotationDoc;
  private cancelTimer: (() => void) | undefined;
  private saving: Promise<void> | undefined;
  /** A flush was asked for while a save was in flight: save again after it. */
  private again = false;
  /** Counts adopt() calls: a save that was in flight during one does not overwrite what it adopted. */
  private adoptions = 0;
  /** The last failed save's error. */
  private failure: unknown;

  constructor(
    readonly episodeId: string,
    stored: AnnotationDoc,
    private readonly deps: AnnotationDeps,
  ) {
    super({ history: createHistory(stored), save: "saved", saveError: undefined });
    this.saved = stored;
  }

  /** Applies an edit (one undo step; an edit that changes nothing is none) and saves it shortly after. */
  edit(fn: (doc: AnnotationDoc) => AnnotationDoc): void {
    const h = this.snap.history;
    this.changed(commit(h, fn(h.present)));
  }

  undo(): void {
    this.changed(undo(this.snap.history));
  }

  redo(): void {
    this.changed(redo(this.snap.history));
  }

  /**
   * The stored task and annotations changed elsewhere (a bulk edit in the browser): they become
   * the present (undoable) and are known to be saved.
   */
  adopt(stored: AnnotationDoc): void {
    this.adoptions++;
    this.saved = stored;
    this.deps.journal?.remove(this.episodeId);
    this.stopTimer();
    this.update({ history: commit(this.snap.history, stored), save: "saved", saveError: undefined });
  }

  private changed(history: AnnotationHistory): void {
    if (history === this.snap.history) return;
    this.deps.journal?.put(this.episodeId, history.present);
    this.update({ history, save: "unsaved" });
    this.stopTimer();
    this.cancelTimer = this.deps.clock.timeout(this.deps.delayMs ?? SAVE_DELAY_MS, () => {
      this.cancelTimer = undefined;
      void this.flush();
    });
  }

  private stopTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /** Saves pending edits now; resolves once they are saved or the save failed (see `save`). Never rejects. */
  flush(): Promise<void> {
    this.stopTimer();
    if (this.saving) {
      this.again = true;
      return this.saving;
    }
    this.saving = this.run();
    return this.saving;
  }

  /** Whether edits are waiting to be saved (or failed to be). */
  get pending(): boolean {
    return !sameDoc(this.saved, this.snap.history.present);
  }

  /** The error of the last failed save, while `save` is "failed". */
  get failedBecause(): unknown {
    return this.snap.save === "failed" ? this.failure : undefined;
  }

  /** Stops the debounce (call after a last flush): nothing is saved from here on unless flushed. */
  dispose(): void {
    this.stopTimer();
    this.clearListeners();
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.saveOnce();
      } while (this.again);
    } finally {
      this.saving = undefined;
    }
  }

  private async saveOnce(): Promise<void> {
    const doc = this.snap.history.present;
    if (sameDoc(this.saved, doc)) {
      this.deps.journal?.remove(this.episodeId);
      if (this.snap.save !== "saved") this.update({ save: "saved", saveError: undefined });
      return;
    }
    const taskChanged = this.saved.task !== doc.task;
    const adoptions = this.adoptions;
    this.update({ save: "saving" });
    let episode: EpisodeRecord;
    try {
      episode = await this.deps.store.updateEpisode(this.episodeId, { task: doc.task, annotations: doc.annotations });
    } catch (e) {
      this.failure = e;
      this.update({
        save: "failed",
        saveError: `Your last edits are not saved: ${messageOf(e)} They stay here; the studio tries again with your next edit.`,
      });
      return;
    }
    if (adoptions !== this.adoptions) return; // storage changed meanwhile: what was adopted stands
    this.saved = doc;
    const current = sameDoc(this.snap.history.present, doc);
    if (current) this.deps.journal?.remove(this.episodeId);
    this.deps.onSaved?.(episode);
    this.update({ save: current ? "saved" : "unsaved", saveError: undefined });
    if (taskChanged && doc.task.trim()) await this.remember(episode.datasetId, doc.task);
  }

  private async remember(datasetId: string, task: string): Promise<void> {
    try {
      const ds = await this.deps.store.getDataset(datasetId);
      if (!ds || ds.tasks[0] === task.trim()) return;
      const updated = await this.deps.store.updateDataset(ds.id, { tasks: rememberTask(ds.tasks, task) });
      this.deps.onDataset?.(updated);
    } catch (e) {
      this.deps.onLibraryError?.(`The task is saved, but it could not be added to the dataset's task library: ${messageOf(e)}`);
    }
  }
}
