import { CUT_SHORT_STORAGE_FULL, type QaFlag } from "../core/dataset.ts";
import { messageOf } from "../core/messages.ts";
import type { EpisodeStore, RecoveredEpisode } from "../storage/EpisodeStore.ts";
import type { UnfinishedTakes } from "../storage/UnfinishedTakes.ts";

/** The flag of a take whose finish was refused by `error` ("cut short: storage full" when the disk is full). */
export function cutShortFlag(error: unknown): QaFlag {
  const quota = (error as { code?: unknown } | undefined)?.code === "quota";
  const message = `The take stopped before its end and could not be marked finished: ${messageOf(error)}`;
  return { kind: "recording_failed", message: quota ? `${CUT_SHORT_STORAGE_FULL} ${message}` : message };
}

/**
 * A take whose finish failed: its flag goes into the episode if the store takes a write now (it was
 * just recovered as "interrupted"), else into `notes` until recovery can write it.
 */
export async function noteUnfinished(
  store: EpisodeStore,
  notes: UnfinishedTakes,
  episodeId: string,
  error: unknown,
  recovered: readonly RecoveredEpisode[],
): Promise<void> {
  const flag = cutShortFlag(error);
  const done = recovered.find((r) => r.episode.id === episodeId);
  if (done) {
    const ok = await store.updateEpisode(episodeId, { qa: [...done.episode.qa, flag] }).then(
      () => true,
      () => false,
    );
    if (ok) return;
  }
  notes.put(episodeId, flag);
}

/**
 * After recovery: each recovered take with a note gets its flag written (and the note removed);
 * notes of takes that are gone or no longer "recording" are dropped. Returns the recovered takes
 * as they are now.
 */
export async function applyUnfinishedNotes(
  store: EpisodeStore,
  notes: UnfinishedTakes,
  recovered: readonly RecoveredEpisode[],
): Promise<RecoveredEpisode[]> {
  const out: RecoveredEpisode[] = [];
  for (const r of recovered) {
    const flag = notes.get(r.episode.id);
    if (!flag) {
      out.push(r);
      continue;
    }
    const episode = await store.updateEpisode(r.episode.id, { qa: [...r.episode.qa, flag] }).catch(() => undefined);
    if (episode) notes.remove(r.episode.id);
    out.push(episode ? { ...r, episode } : r);
  }
  for (const id of notes.ids()) {
    if (recovered.some((r) => r.episode.id === id)) continue;
    const e = await store.getEpisode(id).catch(() => null);
    if (e === undefined || (e !== null && e.status !== "recording")) notes.remove(id);
  }
  return out;
}
