import { createStore, type StoreApi } from "zustand/vanilla";
import { keptRange, type AnnotationDoc, type AnnotationHistory } from "../core/annotations.ts";
import type { Clock } from "../core/clock.ts";
import type { DatasetRecord, EpisodeRecord } from "../core/dataset.ts";
import type { EpisodeFilter, EpisodeSort } from "../core/episodeFilter.ts";
import { messageOf } from "../core/messages.ts";
import type { ReplaySession, ReplayView } from "../control/index.ts";
import { AnnotationSession, type AnnotationDeps, type SaveState } from "../recording/review/AnnotationSession.ts";
import { recoverEdits } from "../recording/review/recoverEdits.ts";
import { EpisodePlayer, type OpenEpisode } from "../recording/review/EpisodePlayer.ts";
import type { DecoderFactory, FrameSink } from "../recording/review/FrameSeeker.ts";
import { webCodecsDecoder } from "../recording/review/webCodecsDecoder.ts";
import { LocalStorageJournal, type EditJournal } from "../storage/EditJournal.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";
import { LocalUnfinishedTakes, type UnfinishedTakes } from "../storage/UnfinishedTakes.ts";
import { browserSlice, replaceDataset, replaceEpisodes } from "./episodes/browser.ts";

export type { SaveState } from "../recording/review/AnnotationSession.ts";
export type { OpenEpisode } from "../recording/review/EpisodePlayer.ts";
export type ReplayState = ReplayView;

export interface EpisodesState {
  readonly datasets: readonly DatasetRecord[];
  readonly datasetId: string | undefined;
  /** Metadata of the chosen dataset's episodes (never rows or media). */
  readonly episodes: readonly EpisodeRecord[];
  readonly listing: boolean;
  readonly error: string | undefined;
  readonly selection: readonly string[];
  readonly filter: EpisodeFilter;
  readonly sort: EpisodeSort;
  readonly view: "list" | "grid";
  refresh(): Promise<void>;
  selectDataset(id: string): Promise<void>;
  setSelection(ids: readonly string[]): void;
  setFilter(patch: Partial<EpisodeFilter>): void;
  setSort(sort: EpisodeSort): void;
  setView(view: "list" | "grid"): void;
  bulkSetTask(ids: readonly string[], task: string): Promise<void>;
  bulkAddTag(ids: readonly string[], tag: string): Promise<void>;
  /** Soft delete (annotations.deleted): the episode stays stored and can be restored; export skips it. */
  bulkDelete(ids: readonly string[]): Promise<void>;
  bulkRestore(ids: readonly string[]): Promise<void>;

  readonly open: OpenEpisode | undefined;
  /** The frame the player is at (row index). */
  readonly frame: number;
  /** Frames per frame period while playing (1 = real time forward, −1 backward); 0 = paused. */
  readonly speed: number;
  /** Per camera, why its last frame could not be shown (absent: it was shown). */
  readonly cameraErrors: Readonly<Record<string, string>>;
  openEpisode(id: string): Promise<void>;
  closeEpisode(): Promise<void>;
  seek(frame: number): void;
  step(delta: number): void;
  play(speed: number): void;
  pause(): void;
  /** Draws a camera's frames through `sink`; returns the detach function. */
  attachCamera(camera: string, sink: FrameSink): () => void;

  readonly history: AnnotationHistory | undefined;
  readonly save: SaveState;
  readonly saveError: string | undefined;
  /** Applies an annotation edit (undoable) and saves it shortly after. */
  edit(fn: (doc: AnnotationDoc) => AnnotationDoc): void;
  undo(): void;
  redo(): void;
  /** Saves pending edits now (the app calls it when the page is hidden or closed). */
  flush(): Promise<void>;

  readonly replay: ReplayState;
  startReplay(): Promise<void>;
  stopReplay(message?: string): void;
}

export type EpisodesStore = StoreApi<EpisodesState>;

export interface EpisodesOptions {
  /** The app passes the real clock; tests a manual one. */
  readonly clock: Clock;
  /** Default: WebCodecs. */
  readonly decoders?: DecoderFactory;
  /** Where edits not saved yet outlive the page. Default: the page's localStorage, where there is one. */
  readonly journal?: EditJournal | undefined;
  /** Notes of takes a full disk kept from being finished. Default: the page's localStorage. */
  readonly unfinished?: UnfinishedTakes | undefined;
}

/**
 * The Episodes screen, bound to React: the browser (a slice: listing and bulk edits), the
 * player (EpisodePlayer engine), annotation (one AnnotationSession per open episode) and replay
 * on the robot (ReplaySession, through teleop's loop). The app passes the real clock; decoders and
 * journal default to WebCodecs and localStorage. Edits an earlier page left unsaved are saved first.
 */
export function createEpisodesStore(store: EpisodeStore, replay: ReplaySession | undefined, options: EpisodesOptions): EpisodesStore {
  const clock = options.clock;
  const journal = "journal" in options ? options.journal : LocalStorageJournal.browser();
  const unfinished = "unfinished" in options ? options.unfinished : LocalUnfinishedTakes.browser();
  const player = new EpisodePlayer({ store, clock, decoders: options.decoders ?? webCodecsDecoder });
  let session: AnnotationSession | undefined;
  let unbind: (() => void) | undefined;
  /** Closed episodes' sessions whose edits are not saved yet: kept (and reused on reopening) until they are. */
  const unsaved = new Map<string, AnnotationSession>();

  const sessionsOf = (ids: readonly string[]) =>
    [session, ...unsaved.values()].filter((x): x is AnnotationSession => x !== undefined && ids.includes(x.episodeId));

  const bind = (next: AnnotationSession | undefined) => {
    unbind?.();
    unbind = undefined;
    session = next;
    if (!next) return s.setState({ history: undefined, save: "saved", saveError: undefined });
    unbind = next.subscribe((v) => s.setState({ history: v.history, save: v.save, saveError: v.saveError }));
    s.setState({ history: next.snapshot.history, save: next.snapshot.save, saveError: next.snapshot.saveError });
  };

  const sessionDeps: AnnotationDeps = {
    store,
    clock,
    journal,
    onSaved: (rec) => replaceEpisodes(s.setState, [rec]),
    onDataset: (ds) => replaceDataset(s.setState, ds),
    onLibraryError: (error) => s.setState({ error }),
  };
  const newSession = (e: EpisodeRecord) => new AnnotationSession(e.id, { task: e.task, annotations: e.annotations }, sessionDeps);

  /** Lets go of the open episode's session once its edits are saved; a failed save keeps it, and says so. */
  const retire = async (old: AnnotationSession | undefined) => {
    if (!old) return;
    unsaved.set(old.episodeId, old);
    await old.flush();
    if (session === old) return; // reopened meanwhile
    if (!old.pending) {
      if (unsaved.get(old.episodeId) === old) unsaved.delete(old.episodeId);
      old.dispose();
      return;
    }
    const index = s.getState().episodes.find((e) => e.id === old.episodeId)?.index;
    s.setState({
      error: `Your edits to episode ${index === undefined ? "" : `#${index} `}are not saved${old.failedBecause === undefined ? "" : ` (${messageOf(old.failedBecause)})`}. They are kept: open the episode again to save them (the studio also tries again the next time it opens).`,
    });
  };

  const s = createStore<EpisodesState>()((set, get) => ({
    ...browserSlice({ set, get, store, sessionsOf, ready: () => recovered, unfinished }),

    ...player.snapshot,
    async openEpisode(id) {
      const meta = get().episodes.find((e) => e.id === id);
      const joints = get().datasets.find((d) => d.id === (meta?.datasetId ?? get().datasetId))?.jointNames.length ?? 6;
      let retiring: Promise<void> | undefined;
      if (player.snapshot.open?.id !== id) {
        get().stopReplay();
        retiring = retire(session);
        bind(undefined);
      }
      await player.open(id, joints);
      await recovered;
      if (player.snapshot.open?.id === id && player.data && session?.episodeId !== id) {
        const kept = unsaved.get(id);
        unsaved.delete(id);
        bind(kept ?? newSession(player.data.episode));
      }
      await retiring;
    },
    async closeEpisode() {
      get().stopReplay();
      const retiring = retire(session);
      bind(undefined);
      await Promise.all([player.close(), retiring]);
    },
    seek: (frame) => player.seek(frame),
    step: (delta) => player.step(delta),
    play: (speed) => player.play(speed),
    pause: () => player.pause(),
    attachCamera: (camera, sink) => player.attachCamera(camera, sink),

    history: undefined,
    save: "saved",
    saveError: undefined,
    edit: (fn) => session?.edit(fn),
    undo: () => session?.undo(),
    redo: () => session?.redo(),
    async flush() {
      await Promise.all([...new Set([session, ...unsaved.values()])].flatMap((x) => (x ? [x.flush()] : [])));
    },

    replay: replay?.snapshot ?? { state: "idle", row: 0, message: undefined },
    async startReplay() {
      const data = player.data;
      const fail = (m: string) => set({ replay: { state: "failed", row: 0, message: m } });
      if (!data) return fail("Open an episode first.");
      if (!replay) return fail("Replay needs the teleoperation loop, which this page does not have.");
      const ds = get().datasets.find((d) => d.id === data.episode.datasetId);
      if (!ds) return fail("The episode's dataset is not loaded.");
      if (ds.units !== "degrees") {
        return fail("This dataset stores joints in −100..100 units; replay sends degrees. Record in degrees to replay on the robot.");
      }
      player.pause();
      const { start, end } = keptRange(data.episode.annotations, data.rows);
      const from = Math.max(start, Math.min(player.snapshot.frame, end - 1));
      await replay.start({
        action: data.action,
        width: data.joints,
        rows: data.rows,
        fps: data.episode.fps,
        jointNames: ds.jointNames,
        from,
        to: end,
      });
    },
    stopReplay: (message) => replay?.stop(message),
  }));

  // Edits a closed or reloaded page could not save are saved before the first listing.
  const recovered = (journal ? recoverEdits(journal, sessionDeps) : Promise.resolve({ saved: 0, problems: [] })).then(({ problems }) => {
    if (problems.length === 0) return;
    s.setState({
      error: `Annotation edits made before the page last closed could not be saved (${problems.join("; ")}). They are kept and tried again the next time the studio opens.`,
    });
  });
  player.subscribe((v) => s.setState({ open: v.open, frame: v.frame, speed: v.speed, cameraErrors: v.cameraErrors }));
  // The player follows the replay's row.
  replay?.subscribe((v) => {
    s.setState({ replay: v });
    if ((v.state === "running" || v.state === "done") && player.data) player.seek(v.row);
  });
  return s;
}
