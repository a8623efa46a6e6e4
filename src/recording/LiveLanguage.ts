/**
 * Language captured live during a take (docs/annotation.md §5): typed (or dictated) instructions
 * and interjections become interjection events of the take, and "next subtask" marks close the
 * current subtask span and open the next one. They are the take's stored annotations — the very
 * model the Episodes timeline edits and the v3.0 export writes (`language_events`,
 * `language_persistent`).
 *
 * - Rows come from the take's row clock ({@link TakeClock}: row k at t0 + k/fps on the page
 *   clock), read on the injected Clock, so a stamp is the row the recorder stores at that moment.
 * - An interjection is stamped at the row current when its input was opened (`stampAt: "open"`,
 *   the default: what the operator reacted to) or when it is submitted (`"submit"`: when a new
 *   prompt takes effect, as a policy rollout wants). The input survives the end of the take: text
 *   submitted after it is still the take's, at the row captured when the input opened.
 * - A take starts with an implicit first subtask from row 0; the first mark at row r > 0 closes
 *   it as an unnamed span [0, r). A span's name is optional (named later on the timeline; an
 *   unnamed span is not exported). The last open span ends with the take.
 * - Every change is written to storage at once (the take's live entries replace their previous
 *   version in the stored annotations, one write at a time), so a crash keeps what was stamped.
 *   When the take is saved, frames are clamped to its final length and the open span is closed
 *   there. A take thrown away (← or D) takes its entries with it. A failed write is shown and
 *   retried with the next change; nothing stamped is dropped.
 */
import { addEvent, addSpan, type AnnotationDoc } from "../core/annotations.ts";
import type { Clock } from "../core/clock.ts";
import type { PointEvent } from "../core/dataset.ts";
import { messageOf } from "../core/messages.ts";
import { SnapshotEngine } from "../control/SnapshotEngine.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";

/** The row clock of the take being recorded: row k is at `t0Ms + k·1000/fps` (page clock, ms). */
export interface TakeClock {
  readonly episodeId: string;
  readonly t0Ms: number;
  readonly fps: number;
  /** The take's length in rows when it is fixed (the last row is rows − 1). */
  readonly rows?: number | undefined;
}

/** The row of `take` at page time `nowMs`: the last row whose time is ≤ now (0 before row 0). */
export function rowAt(take: TakeClock, nowMs: number): number {
  const k = Math.floor(((nowMs - take.t0Ms) * take.fps) / 1000 + 1e-6);
  return Math.max(0, take.rows !== undefined ? Math.min(k, take.rows - 1) : k);
}

export type LiveInputMode = "interjection" | "subtask";

/** What was stamped during the take, for the list shown while recording. */
export interface LiveEntry {
  readonly id: string;
  readonly kind: "interjection" | "subtask";
  readonly frame: number;
  readonly text: string;
}

/** The one-line input, open: what it is for and where its text goes. */
export interface LiveInput {
  readonly mode: LiveInputMode;
  /** Undefined: opened while no take records (prompt-only, see {@link LiveLanguage.setPromptOnly}). */
  readonly episodeId: string | undefined;
  /** The row captured when the input opened (interjection), or where the named subtask starts. */
  readonly frame: number;
}

export interface LiveLanguageView {
  /** A take is recording: the keys stamp. */
  readonly recording: boolean;
  /** The take the entries belong to (the current one, or the last one). */
  readonly episodeId: string | undefined;
  readonly fps: number;
  readonly entries: readonly LiveEntry[];
  readonly input: LiveInput | undefined;
  readonly error: string | undefined;
  /** No take records, yet an instruction can be given (a rollout between takes: it only changes the prompt). */
  readonly promptOnly: boolean;
}

/** Told of each interjection as it is stamped (a rollout changes the policy's prompt with it). */
export interface Interjection {
  /** Undefined (and no frame): given while no take recorded, so it is stamped nowhere. */
  readonly episodeId: string | undefined;
  readonly frame: number | undefined;
  readonly text: string;
}

export interface LiveLanguageDeps {
  readonly clock: Clock;
  readonly store: Pick<EpisodeStore, "getEpisode" | "updateEpisode">;
  /** Where an interjection is stamped: the row when its input opened (default) or when it is submitted. */
  readonly stampAt?: "open" | "submit";
  readonly onInterjection?: (e: Interjection) => void;
}

interface Span {
  readonly id: string;
  readonly start: number;
  text: string;
}

interface Take {
  readonly clock: TakeClock;
  readonly events: PointEvent[];
  /** Sorted by start; each ends where the next starts, the last one is open. */
  readonly spans: Span[];
  /** Final length once saved. */
  length: number | undefined;
  seq: number;
}

export class LiveLanguage extends SnapshotEngine<LiveLanguageView> {
  private readonly takes = new Map<string, Take>();
  private current: Take | undefined;
  /** The take the view shows. */
  private shown: Take | undefined;
  private inputSpan: string | undefined;
  private writes: Promise<void> = Promise.resolve();
  private promptOnly = false;

  constructor(private readonly deps: LiveLanguageDeps) {
    super({ recording: false, episodeId: undefined, fps: 30, entries: [], input: undefined, error: undefined, promptOnly: false });
  }

  /**
   * While on, the instruction input opens even when no take records (a policy rollout between
   * correction takes, or not recorded): its text then only goes to `onInterjection` — unless a
   * take began meanwhile and interjections are stamped at submit, then it is that take's.
   */
  setPromptOnly(on: boolean): void {
    this.promptOnly = on;
    this.show({});
  }

  /**
   * Runs `fn` after every write asked for so far and before any asked for later: another writer of
   * the same episodes' annotations (a rollout's intervention spans) does not race these writes.
   */
  after(fn: () => Promise<void>): Promise<void> {
    const run = this.writes.then(fn);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** A take started recording: the keys stamp on its rows. */
  beginTake(clock: TakeClock): void {
    const take: Take = { clock, events: [], spans: [], length: undefined, seq: 0 };
    // Saved takes are forgotten (their entries are stored), unless the open input still writes to one.
    for (const [id, t] of this.takes) if (t.length !== undefined && this.snap.input?.episodeId !== id) this.takes.delete(id);
    this.takes.set(clock.episodeId, take);
    this.current = take;
    this.shown = take;
    this.show({ error: undefined });
  }

  /** The take stopped recording (saving, or thrown away): no new stamps; an open input still goes to it. */
  takeEnded(episodeId: string): void {
    if (this.current?.clock.episodeId !== episodeId) return;
    this.current = undefined;
    this.show({});
  }

  /** The take was saved with `length` rows: its entries are clamped to them and the open subtask ends there. */
  takeSaved(episodeId: string, length: number): Promise<void> {
    const take = this.takes.get(episodeId);
    if (!take) return this.writes;
    this.takeEnded(episodeId);
    take.length = length;
    this.show({});
    // A take without live entries is not written to (its annotations stay as the recorder left them).
    if (take.events.length === 0 && take.spans.length === 0 && this.snap.input?.episodeId !== episodeId) {
      this.takes.delete(episodeId);
      return this.writes;
    }
    return this.sync(take);
  }

  /** The take was thrown away: its entries go with it. */
  takeDropped(episodeId: string): void {
    if (!this.takes.has(episodeId)) return;
    this.takeEnded(episodeId);
    this.takes.delete(episodeId);
    if (this.snap.input?.episodeId === episodeId) this.closeInput();
    if (this.shown?.clock.episodeId === episodeId) this.shown = undefined;
    this.show({});
  }

  /** Opens the one-line input for an instruction / interjection. False when no take is recording. */
  openInterjection(): boolean {
    const take = this.current;
    if (!take && this.promptOnly) {
      this.inputSpan = undefined;
      this.update({ input: { mode: "interjection", episodeId: undefined, frame: 0 } });
      return true;
    }
    if (!take) return false;
    this.inputSpan = undefined;
    this.update({ input: { mode: "interjection", episodeId: take.clock.episodeId, frame: this.row(take) } });
    return true;
  }

  /**
   * Next subtask: closes the current span and opens a new one at the current row, then opens the
   * input to name it (optional). False when no take is recording.
   */
  markSubtask(): boolean {
    const take = this.current;
    if (!take) return false;
    const frame = this.row(take);
    const last = take.spans.at(-1);
    let span: Span;
    if (last && last.start === frame) span = last;
    else {
      if (!last && frame > 0) take.spans.push({ id: this.id(take, "s"), start: 0, text: "" });
      span = { id: this.id(take, "s"), start: frame, text: "" };
      take.spans.push(span);
    }
    this.inputSpan = span.id;
    this.update({ input: { mode: "subtask", episodeId: take.clock.episodeId, frame } });
    this.show({});
    void this.sync(take);
    return true;
  }

  /** Enter: stamps the interjection, or names the subtask just marked. Empty text only closes the input. */
  submit(text: string): void {
    const input = this.snap.input;
    if (!input) return;
    const take =
      input.episodeId !== undefined ? this.takes.get(input.episodeId) : this.deps.stampAt === "submit" ? this.current : undefined;
    const spanId = this.inputSpan;
    this.closeInput();
    const value = text.trim();
    if (value && !take && input.episodeId === undefined)
      this.deps.onInterjection?.({ episodeId: undefined, frame: undefined, text: value });
    if (!take || !value) return;
    if (input.mode === "subtask") {
      const span = take.spans.find((s) => s.id === spanId);
      if (span) span.text = value;
    } else {
      const live = this.current === take && this.deps.stampAt === "submit";
      const frame = live ? this.row(take) : input.frame;
      take.events.push({ id: this.id(take, "e"), frame, kind: "interjection", text: value });
      this.deps.onInterjection?.({ episodeId: take.clock.episodeId, frame, text: value });
    }
    this.show({});
    void this.sync(take);
  }

  /** Esc: closes the input; a subtask mark stays (unnamed). */
  cancel(): void {
    this.closeInput();
  }

  /** Resolves once every change asked for so far is written (or failed, see `error`). */
  flush(): Promise<void> {
    return this.writes;
  }

  dispose(): void {
    this.clearListeners();
  }

  private closeInput(): void {
    this.inputSpan = undefined;
    if (this.snap.input) this.update({ input: undefined });
  }

  private row(take: TakeClock | Take): number {
    const clock = "clock" in take ? take.clock : take;
    return rowAt(clock, this.deps.clock.now());
  }

  private id(take: Take, kind: "e" | "s"): string {
    return `live-${take.clock.episodeId}-${kind}${take.seq++}`;
  }

  private show(patch: Partial<LiveLanguageView>): void {
    const take = this.shown;
    const entries: LiveEntry[] = take
      ? [
          ...take.events.map((e) => ({ id: e.id, kind: "interjection" as const, frame: e.frame, text: e.text })),
          ...take.spans.map((s) => ({ id: s.id, kind: "subtask" as const, frame: s.start, text: s.text })),
        ].sort((a, b) => a.frame - b.frame)
      : [];
    this.update({
      recording: this.current !== undefined,
      promptOnly: this.current === undefined && this.promptOnly,
      episodeId: take?.clock.episodeId,
      fps: take?.clock.fps ?? this.snap.fps,
      entries,
      ...patch,
    });
  }

  /** Writes the take's live entries into its stored annotations (after the writes before it). */
  private sync(take: Take): Promise<void> {
    this.writes = this.writes.then(() => this.write(take));
    return this.writes;
  }

  private async write(take: Take): Promise<void> {
    const id = take.clock.episodeId;
    if (!this.takes.has(id)) return;
    try {
      const stored = await this.deps.store.getEpisode(id);
      if (!stored || stored.status === "discarded" || !this.takes.has(id)) return;
      const mine = (x: { id: string }) => x.id.startsWith(`live-${id}-`);
      const length = take.length ?? Number.MAX_SAFE_INTEGER;
      // While recording, the open span reaches the current row (a crash keeps it that long).
      const openEnd = take.length ?? this.row(take) + 1;
      let doc: AnnotationDoc = {
        task: stored.task,
        annotations: {
          ...stored.annotations,
          spans: stored.annotations.spans.filter((s) => !mine(s)),
          events: stored.annotations.events.filter((e) => !mine(e)),
        },
      };
      for (const e of take.events) doc = addEvent(doc, e, length);
      take.spans.forEach((s, k) => {
        const end = take.spans[k + 1]?.start ?? Math.max(openEnd, s.start + 1);
        doc = addSpan(doc, { id: s.id, startFrame: s.start, endFrame: end, text: s.text }, length);
      });
      await this.deps.store.updateEpisode(id, { annotations: doc.annotations });
      if (this.snap.error) this.update({ error: undefined });
    } catch (e) {
      // Thrown away meanwhile (← discards the episode while this write was on its way): nothing to keep.
      const exists = await this.deps.store.getEpisode(id).then(
        (ep) => ep !== undefined && ep.status !== "discarded",
        () => true,
      );
      if (!this.takes.has(id) || !exists) return;
      this.update({
        error: `What you typed during the take is not saved yet: ${messageOf(e)} It stays here and is saved with your next entry.`,
      });
    }
  }
}

/** What {@link followTakes} reads of a recording session's snapshot. */
export interface TakeSource {
  readonly snapshot: {
    readonly take: TakeClock | undefined;
    readonly lastTake: { episode: { id: string; length: number }; discarded: boolean } | undefined;
  };
  subscribe(fn: (s: TakeSource["snapshot"]) => void): () => void;
}

/**
 * Drives `live` from a recording session: a take that starts recording begins stamping; when it
 * stops it ends; once it is the session's last take it is saved (or dropped if discarded); a
 * take that never becomes the last take (re-recorded) is dropped with its episode.
 */
export function followTakes(session: TakeSource, live: LiveLanguage): () => void {
  let recording: string | undefined;
  const ended = new Set<string>();
  return session.subscribe((s) => {
    if (recording !== undefined && s.take?.episodeId !== recording) {
      live.takeEnded(recording);
      ended.add(recording);
      recording = undefined;
    }
    if (s.take && s.take.episodeId !== recording) {
      for (const id of ended) if (id !== s.lastTake?.episode.id) live.takeDropped(id);
      ended.clear();
      recording = s.take.episodeId;
      live.beginTake(s.take);
    }
    const last = s.lastTake;
    if (last && ended.has(last.episode.id)) {
      ended.delete(last.episode.id);
      if (last.discarded) live.takeDropped(last.episode.id);
      else void live.takeSaved(last.episode.id, last.episode.length);
    } else if (last?.discarded) live.takeDropped(last.episode.id);
  });
}
