/**
 * The episode browser's filter and sort (docs/annotation.md §1). Pure, on metadata only: the
 * listing never reads rows or media.
 */
import type { EpisodeRecord, EpisodeStatus } from "./dataset.ts";

export type EpisodeSort = "index" | "-index" | "duration" | "-duration" | "task" | "recorded" | "-recorded";

export interface EpisodeFilter {
  /** Words that must all appear in the task, a tag, a span's text or the episode number. */
  readonly text: string;
  readonly tag: string;
  readonly status: "all" | EpisodeStatus | "success" | "failure" | "unrated";
  readonly flaggedOnly: boolean;
  /** Show soft-deleted episodes (only them) instead of the kept ones. */
  readonly deleted: boolean;
}

export const DEFAULT_FILTER: EpisodeFilter = { text: "", tag: "", status: "all", flaggedOnly: false, deleted: false };

/** Soft-deleted in the browser (annotations.deleted): kept in storage, hidden, skipped by export. */
export function isDeleted(e: EpisodeRecord): boolean {
  return e.annotations.deleted === true;
}

export function filterEpisodes(episodes: readonly EpisodeRecord[], f: EpisodeFilter, sort: EpisodeSort): EpisodeRecord[] {
  const words = f.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const out = episodes.filter((e) => {
    if (isDeleted(e) !== f.deleted) return false;
    if (e.status === "discarded" || e.status === "recording") return false;
    if (f.tag && !e.annotations.tags.includes(f.tag)) return false;
    if (f.flaggedOnly && e.qa.length === 0) return false;
    if (f.status === "success" && e.annotations.success !== true) return false;
    if (f.status === "failure" && e.annotations.success !== false) return false;
    if (f.status === "unrated" && e.annotations.success !== null) return false;
    if ((f.status === "complete" || f.status === "interrupted") && e.status !== f.status) return false;
    if (words.length) {
      const hay = [e.task, String(e.index), ...e.annotations.tags, ...e.annotations.spans.map((s) => s.text)].join(" ").toLowerCase();
      if (!words.every((w) => hay.includes(w))) return false;
    }
    return true;
  });
  const dir = sort.startsWith("-") ? -1 : 1;
  const key = sort.replace("-", "");
  const by = (e: EpisodeRecord): number | string =>
    key === "duration" ? e.length / e.fps : key === "task" ? e.task.toLowerCase() : key === "recorded" ? e.startedAtEpochMs : e.index;
  return out.sort((a, b) => {
    const x = by(a);
    const y = by(b);
    return x < y ? -dir : x > y ? dir : a.index - b.index;
  });
}

/** Every tag used in the dataset, sorted. */
export function allTags(episodes: readonly EpisodeRecord[]): string[] {
  return [...new Set(episodes.flatMap((e) => e.annotations.tags))].sort();
}
