import type { StoreApi } from "zustand/vanilla";
import { rememberTask, setDeleted, type AnnotationDoc } from "../../core/annotations.ts";
import type { DatasetRecord, EpisodeRecord } from "../../core/dataset.ts";
import { DEFAULT_FILTER } from "../../core/episodeFilter.ts";
import { messageOf } from "../../core/messages.ts";
import type { AnnotationSession } from "../../recording/review/AnnotationSession.ts";
import type { EpisodeStore } from "../../storage/EpisodeStore.ts";
import { withUnfinishedNote, type UnfinishedTakes } from "../../storage/UnfinishedTakes.ts";
import type { EpisodesState } from "../episodesStore.ts";

/** What the browser slice needs from the rest of the episodes store. */
export interface BrowserContext {
  readonly set: StoreApi<EpisodesState>["setState"];
  readonly get: () => EpisodesState;
  readonly store: EpisodeStore;
  /** The annotation sessions of these episodes: the open one's, and closed ones' whose edits are not saved yet. */
  readonly sessionsOf: (ids: readonly string[]) => AnnotationSession[];
  /** Settles once edits an earlier page left unsaved are saved (the listing waits for it). */
  readonly ready: () => Promise<void>;
  /** Takes a full disk kept from being finished: listed with their "cut short: storage full" flag. */
  readonly unfinished?: UnfinishedTakes | undefined;
}

export type BrowserSlice = Pick<
  EpisodesState,
  | "datasets"
  | "datasetId"
  | "episodes"
  | "listing"
  | "error"
  | "selection"
  | "filter"
  | "sort"
  | "view"
  | "refresh"
  | "selectDataset"
  | "setSelection"
  | "setFilter"
  | "setSort"
  | "setView"
  | "bulkSetTask"
  | "bulkAddTag"
  | "bulkDelete"
  | "bulkRestore"
>;

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

/** Puts stored records in place of the listed ones. */
export function replaceEpisodes(set: BrowserContext["set"], updated: readonly EpisodeRecord[]): void {
  set((st) => ({ episodes: st.episodes.map((e) => updated.find((u) => u.id === e.id) ?? e) }));
}

export function replaceDataset(set: BrowserContext["set"], updated: DatasetRecord): void {
  set((st) => ({ datasets: st.datasets.map((d) => (d.id === updated.id ? updated : d)) }));
}

/**
 * The episode browser: datasets, the chosen one's episodes (metadata only), filter/sort/view,
 * multi-select and bulk edits of task, tags and soft deletion. The open episode's annotation
 * follows a bulk edit (its pending edits are saved first).
 */
export function browserSlice(ctx: BrowserContext): BrowserSlice {
  const { set, get, store, sessionsOf, ready, unfinished } = ctx;

  const bulk = async (ids: readonly string[], fn: (e: EpisodeRecord) => AnnotationDoc) => {
    // Edits not saved yet go first, so the bulk edit starts from them and does not undo them.
    await Promise.all(sessionsOf(ids).map((s) => s.flush()));
    const byId = new Map(get().episodes.map((e) => [e.id, e]));
    const out: EpisodeRecord[] = [];
    try {
      for (const id of ids) {
        const e = byId.get(id);
        if (!e) continue;
        const doc = fn(e);
        out.push(await store.updateEpisode(id, { task: doc.task, annotations: doc.annotations }));
      }
      set({ error: undefined });
    } catch (e) {
      set({ error: `Some episodes were not changed: ${messageOf(e)}` });
    }
    replaceEpisodes(set, out);
    for (const s of sessionsOf(out.map((e) => e.id))) {
      const rec = out.find((e) => e.id === s.episodeId)!;
      s.adopt({ task: rec.task, annotations: rec.annotations });
    }
  };

  return {
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
        await ready();
        const { datasets } = await store.listDatasets();
        const current = get().datasetId;
        const pick = datasets.find((d) => d.id === current) ?? datasets.find((d) => d.id === recalled()) ?? datasets[datasets.length - 1];
        set({ datasets, datasetId: pick?.id });
        const episodes = pick ? (await store.listEpisodes(pick.id)).episodes.map((e) => withUnfinishedNote(e, unfinished)) : [];
        if (get().datasetId === pick?.id) set({ episodes, error: undefined });
      } catch (e) {
        set({ error: `The episodes cannot be listed: ${messageOf(e)}` });
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

    async bulkSetTask(ids, task) {
      await bulk(ids, (e) => ({ task: task.trim(), annotations: e.annotations }));
      const ds = get().datasets.find((d) => d.id === get().datasetId);
      if (!ds || !task.trim()) return;
      try {
        replaceDataset(set, await store.updateDataset(ds.id, { tasks: rememberTask(ds.tasks, task) }));
      } catch (e) {
        set({ error: `The episodes' task is set, but it could not be added to the dataset's task library: ${messageOf(e)}` });
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

    async bulkDelete(ids) {
      const open = get().open;
      if (open && ids.includes(open.id)) await get().closeEpisode();
      await bulk(ids, (e) => setDeleted({ task: e.task, annotations: e.annotations }, true));
      set({ selection: [] });
    },

    async bulkRestore(ids) {
      await bulk(ids, (e) => setDeleted({ task: e.task, annotations: e.annotations }, false));
      set({ selection: [] });
    },
  };
}
