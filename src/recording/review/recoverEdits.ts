import { messageOf } from "../../core/messages.ts";
import type { EditJournal } from "../../storage/EditJournal.ts";
import { isStorageError } from "../../storage/errors.ts";
import { AnnotationSession, type AnnotationDeps } from "./AnnotationSession.ts";

export interface RecoveredEdits {
  /** Episodes whose edits were saved now. */
  readonly saved: number;
  /** What could not be saved, for the user (the entries stay for the next try). */
  readonly problems: readonly string[];
}

/**
 * Saves the annotation edits an earlier page left in the journal (it closed or reloaded before
 * they were saved), as the user's newest edits of those episodes; an episode that no longer
 * exists drops its entry. Entries whose save fails stay, and are said.
 */
export async function recoverEdits(journal: EditJournal, deps: AnnotationDeps): Promise<RecoveredEdits> {
  let saved = 0;
  const problems: string[] = [];
  for (const { episodeId, doc } of journal.entries()) {
    try {
      const e = await deps.store.getEpisode(episodeId);
      if (!e) {
        journal.remove(episodeId);
        continue;
      }
      const session = new AnnotationSession(episodeId, { task: e.task, annotations: e.annotations }, { ...deps, journal });
      session.edit(() => doc);
      const changed = session.pending;
      await session.flush();
      session.dispose();
      const failed = session.failedBecause;
      if (failed === undefined) {
        if (changed) saved++;
        continue;
      }
      // Refused as invalid: trying again cannot help, so the entry goes (and is said).
      if (isStorageError(failed) && failed.code === "invalid") journal.remove(episodeId);
      problems.push(`episode #${e.index}: ${messageOf(failed)}`);
    } catch (err) {
      problems.push(messageOf(err));
    }
  }
  return { saved, problems };
}
