import { createStore, type StoreApi } from "zustand/vanilla";
import {
  commit,
  createHistory,
  keptRange,
  redo as redoHistory,
  rememberTask,
  sameDoc,
  setDeleted,
  undo as undoHistory,
  type AnnotationDoc,
  type AnnotationHistory,
} from "../core/annotations.ts";
import type { DatasetRecord, EpisodeRecord } from "../core/dataset.ts";
import { DEFAULT_FILTER, type EpisodeFilter, type EpisodeSort } from "../core/episodeFilter.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";
import { FrameSeeker, loadEpisodeData, playheadAt, type EpisodeData, type FrameSink } from "./episodePlayer.ts";
import type { ReplaySession, ReplayView } from "../control/index.ts";

// ---- the store

export type SaveState = "saved" | "saving" | "unsaved" | "failed";

export interface OpenEpisode {
  readonly id: string;
  readonly data: EpisodeData | undefined;
  readonly loading: boolean;
  readonly error: string | undefined;
}

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
  openEpisode(id: string): Promise<void>;
  closeEpisode(): Promise<void>;
  seek(frame: number): void;
  step(delta: number): void;
  play(speed: number): void;
  pause(): void;
  /** Draws a camera's frames through `sink`; returns the detach function. */
  attachCamera(camera: string, sink: FrameSink): () => void;
  /** The decoding error of a camera, if its last frame failed. */
  cameraError(camera: string): string | undefined;

  readonly history: AnnotationHistory | undefined;
  readonly save: SaveState;
  readonly saveError: string | undefined;
  /** Applies an annotation edit (undoable) and saves it shortly after. */
  edit(fn: (doc: AnnotationDoc) => AnnotationDoc): void;
  undo(): void;
  redo(): void;
  /** Saves pending edits now. */
  flush(): Promise<void>;

  readonly replay: ReplayState;
  startReplay(): Promise<void>;
  stopReplay(message?: string): void;
}

export type EpisodesStore = StoreApi<EpisodesState>;

const SAVE_DELAY_MS = 400;
const LAST_DATASET_KEY = "studio.episodes.dataset";

function remember(id: string): void {
  try {
    globalThis.localStorage?.setItem(LAST_DATASET_KEY, id);
  } catch {
    /* private mode: not remembered */
  }
}
function recalled(): string | undefined {
  try {
    return globalThis.localStorage?.getItem(LAST_DATASET_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const now = () => performance.now();
const frameLater = (fn: () => void): (() => void) => {
  if (typeof requestAnimationFrame === "function") {
    const id = requestAnimationFrame(fn);
    return () => cancelAnimationFrame(id);
  }
  const id = setTimeout(fn, 16);
  return () => clearTimeout(id);
};

/**
 * The Episodes screen: the browser (datasets, episodes' metadata, filter/sort, multi-select and
 * bulk edits), the player (frame, transport, camera decoding), annotation (undo/redo, debounced
 * saving) and replay on the robot through teleop's manual targets (its safety gate and limits).
 */
export function createEpisodesStore(store: EpisodeStore, replay: ReplaySession | undefined): EpisodesStore {
  const seekers = new Map<string, FrameSeeker>();
  let loadAbort: AbortController | undefined;
  let cancelTick: (() => void) | undefined;
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  let saving: Promise<void> | undefined;
  let saved: AnnotationDoc | undefined;

  const replaceEpisodes = (updated: readonly EpisodeRecord[]) =>
    s.setState((st) => ({ episodes: st.episodes.map((e) => updated.find((u) => u.id === e.id) ?? e) }));

  const bulk = async (ids: readonly string[], fn: (e: EpisodeRecord) => AnnotationDoc) => {
    const byId = new Map(s.getState().episodes.map((e) => [e.id, e]));
    const out: EpisodeRecord[] = [];
    try {
      for (const id of ids) {
        const e = byId.get(id);
        if (!e) continue;
        const doc = fn(e);
        out.push(await store.updateEpisode(id, { task: doc.task, annotations: doc.annotations }));
      }
      s.setState({ error: undefined });
    } catch (e) {
      s.setState({ error: `Some episodes were not changed: ${message(e)}` });
    }
    replaceEpisodes(out);
    // The open episode's annotation starts again from what is stored.
    const open = s.getState().open;
    const changed = open && out.find((e) => e.id === open.id);
    if (changed) {
      saved = { task: changed.task, annotations: changed.annotations };
      s.setState((st) => ({ history: st.history ? commit(st.history, saved!) : createHistory(saved!) }));
    }
  };

  const showFrame = (frame: number) => {
    for (const sk of seekers.values()) void sk.show(frame);
  };

  const stopPlaying = () => {
    cancelTick?.();
    cancelTick = undefined;
  };

  const save = async (): Promise<void> => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = undefined;
    if (saving) await saving;
    const st = s.getState();
    const open = st.open;
    const doc = st.history?.present;
    if (!open || !doc || (saved && sameDoc(saved, doc))) return;
    s.setState({ save: "saving" });
    saving = (async () => {
      try {
        const taskChanged = saved?.task !== doc.task;
        const rec = await store.updateEpisode(open.id, { task: doc.task, annotations: doc.annotations });
        saved = doc;
        replaceEpisodes([rec]);
        if (taskChanged && doc.task.trim()) {
          const ds = s.getState().datasets.find((d) => d.id === rec.datasetId);
          if (ds && ds.tasks[0] !== doc.task.trim()) {
            const updated = await store.updateDataset(ds.id, { tasks: rememberTask(ds.tasks, doc.task) });
            s.setState((x) => ({ datasets: x.datasets.map((d) => (d.id === updated.id ? updated : d)) }));
          }
        }
        const still = s.getState().history?.present;
        s.setState({ save: still && sameDoc(still, doc) ? "saved" : "unsaved", saveError: undefined });
      } catch (e) {
        s.setState({
          save: "failed",
          saveError: `Your last edits are not saved: ${message(e)} They stay here; the studio tries again with your next edit.`,
        });
      }
    })();
    await saving;
    saving = undefined;
  };

  const s = createStore<EpisodesState>()((set, get) => ({
    datasets: [],
    datasetId: undefined,
    episodes: [],
    listing: false,
    error: undefined,
    selection: [],
    filter: DEFAULT_FILTER,
    sort: "index",
    view: "list",

    async refresh() {
      set({ listing: true });
      try {
        const { datasets } = await store.listDatasets();
        const current = get().datasetId;
        const pick = datasets.find((d) => d.id === current) ?? datasets.find((d) => d.id === recalled()) ?? datasets[datasets.length - 1];
        set({ datasets, datasetId: pick?.id });
        const episodes = pick ? (await store.listEpisodes(pick.id)).episodes : [];
        if (get().datasetId === pick?.id) set({ episodes, error: undefined });
      } catch (e) {
        set({ error: `The episodes cannot be listed: ${message(e)}` });
      } finally {
        set({ listing: false });
      }
    },

    async selectDataset(id) {
      remember(id);
      set({ datasetId: id, episodes: [], selection: [] });
      await get().closeEpisode();
      await get().refresh();
    },

    setSelection: (ids) => set({ selection: [...ids] }),
    setFilter: (patch) => set((st) => ({ filter: { ...st.filter, ...patch }, selection: [] })),
    setSort: (sort) => set({ sort }),
    setView: (view) => set({ view }),

    bulkSetTask: async (ids, task) => {
      await bulk(ids, (e) => ({ task: task.trim(), annotations: e.annotations }));
      const ds = get().datasets.find((d) => d.id === get().datasetId);
      if (ds && task.trim()) {
        try {
          const updated = await store.updateDataset(ds.id, { tasks: rememberTask(ds.tasks, task) });
          set((x) => ({ datasets: x.datasets.map((d) => (d.id === updated.id ? updated : d)) }));
        } catch {
          /* the library is a convenience: the episodes are changed */
        }
      }
    },
    bulkAddTag: (ids, tag) =>
      bulk(ids, (e) => ({
        task: e.task,
        annotations: {
          ...e.annotations,
          tags: e.annotations.tags.includes(tag.trim()) || !tag.trim() ? e.annotations.tags : [...e.annotations.tags, tag.trim()],
        },
      })),
    bulkDelete: async (ids) => {
      if (get().open && ids.includes(get().open!.id)) await get().closeEpisode();
      await bulk(ids, (e) => setDeleted({ task: e.task, annotations: e.annotations }, true));
      set({ selection: [] });
    },
    bulkRestore: async (ids) => {
      await bulk(ids, (e) => setDeleted({ task: e.task, annotations: e.annotations }, false));
      set({ selection: [] });
    },

    open: undefined,
    frame: 0,
    speed: 0,

    async openEpisode(id) {
      await get().closeEpisode();
      const meta = get().episodes.find((e) => e.id === id);
      const ds = get().datasets.find((d) => d.id === (meta?.datasetId ?? get().datasetId));
      loadAbort = new AbortController();
      const signal = loadAbort.signal;
      saved = meta ? { task: meta.task, annotations: meta.annotations } : undefined;
      set({
        open: { id, data: undefined, loading: true, error: undefined },
        frame: 0,
        speed: 0,
        history: saved ? createHistory(saved) : undefined,
        save: "saved",
        saveError: undefined,
      });
      try {
        const data = await loadEpisodeData(store, id, ds?.jointNames.length ?? 6, signal);
        if (signal.aborted) return;
        saved = { task: data.episode.task, annotations: data.episode.annotations };
        const start = keptRange(data.episode.annotations, data.rows).start;
        set({
          open: { id, data, loading: false, error: undefined },
          history: createHistory(saved),
          frame: Math.min(start, Math.max(0, data.rows - 1)),
        });
        showFrame(get().frame);
      } catch (e) {
        if (signal.aborted) return;
        set({ open: { id, data: undefined, loading: false, error: `This episode cannot be played: ${message(e)}` } });
      }
    },

    async closeEpisode() {
      get().stopReplay();
      stopPlaying();
      loadAbort?.abort();
      await save();
      for (const sk of seekers.values()) sk.close();
      seekers.clear();
      set({ open: undefined, speed: 0, history: undefined, frame: 0 });
    },

    seek(frame) {
      const data = get().open?.data;
      if (!data || data.rows === 0) return;
      const f = Math.max(0, Math.min(data.rows - 1, Math.round(frame)));
      if (f !== get().frame) set({ frame: f });
      showFrame(f);
    },

    step(delta) {
      get().pause();
      get().seek(get().frame + delta);
    },

    play(speed) {
      const data = get().open?.data;
      if (!data || data.rows === 0 || speed === 0) return get().pause();
      stopPlaying();
      let from = get().frame;
      if (speed > 0 && from >= data.rows - 1) from = 0;
      if (speed < 0 && from <= 0) from = data.rows - 1;
      const t0 = now();
      const fps = data.episode.fps;
      set({ speed });
      const tick = () => {
        const f = playheadAt(from, now() - t0, fps, speed, data.rows);
        get().seek(f);
        if ((speed > 0 && f >= data.rows - 1) || (speed < 0 && f <= 0)) {
          cancelTick = undefined;
          set({ speed: 0 });
          return;
        }
        cancelTick = frameLater(tick);
      };
      cancelTick = frameLater(tick);
    },

    pause() {
      stopPlaying();
      if (get().speed !== 0) set({ speed: 0 });
    },

    attachCamera(camera, sink) {
      const data = get().open?.data;
      const media = data?.cameras.get(camera);
      if (!data || !media) return () => undefined;
      seekers.get(camera)?.close();
      const sk = new FrameSeeker(media, data.episode.fps, sink);
      seekers.set(camera, sk);
      void sk.show(get().frame);
      return () => {
        sk.close();
        if (seekers.get(camera) === sk) seekers.delete(camera);
      };
    },

    cameraError: (camera) => seekers.get(camera)?.error,

    history: undefined,
    save: "saved",
    saveError: undefined,

    edit(fn) {
      const h = get().history;
      if (!h) return;
      const next = commit(h, fn(h.present));
      if (next === h) return;
      set({ history: next, save: "unsaved" });
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => void save(), SAVE_DELAY_MS);
    },
    undo() {
      const h = get().history;
      if (!h || h.past.length === 0) return;
      set({ history: undoHistory(h), save: "unsaved" });
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => void save(), SAVE_DELAY_MS);
    },
    redo() {
      const h = get().history;
      if (!h || h.future.length === 0) return;
      set({ history: redoHistory(h), save: "unsaved" });
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => void save(), SAVE_DELAY_MS);
    },
    flush: () => save(),

    replay: { state: "idle", row: 0, message: undefined },

    async startReplay() {
      const data = get().open?.data;
      const fail = (m: string) => set({ replay: { state: "failed", row: 0, message: m } });
      if (!data) return fail("Open an episode first.");
      if (!replay) return fail("Replay needs the teleoperation loop, which this page does not have.");
      const ds = get().datasets.find((d) => d.id === data.episode.datasetId);
      if (!ds) return fail("The episode's dataset is not loaded.");
      if (ds.units !== "degrees") {
        return fail("This dataset stores joints in −100..100 units; replay sends degrees. Record in degrees to replay on the robot.");
      }
      get().pause();
      const { start, end } = keptRange(data.episode.annotations, data.rows);
      const from = Math.max(start, Math.min(get().frame, end - 1));
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

    stopReplay(msg) {
      replay?.stop(msg);
    },
  }));
  // The player follows the replay's row.
  replay?.subscribe((v) => {
    s.setState({ replay: v });
    if ((v.state === "running" || v.state === "done") && s.getState().open?.data) s.getState().seek(v.row);
  });
  return s;
}
