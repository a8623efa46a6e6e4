import type { EpisodeRecord, QaFlag } from "../core/dataset.ts";
import type { KeyValueStorage } from "./EditJournal.ts";
import { isRecord } from "./fields.ts";

/**
 * Takes a full disk kept from being marked finished, with the QA flag each should carry ("cut
 * short: storage full"). A full IndexedDB refuses even the write that would finish the take, so
 * the note is kept in localStorage (its own small quota) until start-up recovery, once space is
 * free, writes it into the episode; meanwhile the episode list shows the take with it.
 */
export interface UnfinishedTakes {
  put(episodeId: string, flag: QaFlag): void;
  get(episodeId: string): QaFlag | undefined;
  remove(episodeId: string): void;
  ids(): string[];
}

const PREFIX = "studio.episodes.unfinished.";

/** In localStorage; a refused write is not an error (the take is then labelled "interrupted" only). */
export class LocalUnfinishedTakes implements UnfinishedTakes {
  constructor(private readonly storage: KeyValueStorage) {}

  /** The page's localStorage, or undefined where there is none (or it may not be used). */
  static browser(): LocalUnfinishedTakes | undefined {
    try {
      const storage = globalThis.localStorage;
      return storage ? new LocalUnfinishedTakes(storage) : undefined;
    } catch {
      return undefined;
    }
  }

  put(episodeId: string, flag: QaFlag): void {
    try {
      this.storage.setItem(PREFIX + episodeId, JSON.stringify(flag));
    } catch {
      // Refused too: recovery labels the take "interrupted" without the reason.
    }
  }

  get(episodeId: string): QaFlag | undefined {
    try {
      return parseFlag(this.storage.getItem(PREFIX + episodeId));
    } catch {
      return undefined;
    }
  }

  remove(episodeId: string): void {
    try {
      this.storage.removeItem(PREFIX + episodeId);
    } catch {
      // Refused: the note stays and names a take that is already labelled.
    }
  }

  ids(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.storage.length; i++) {
      const key = this.storage.key(i);
      if (key?.startsWith(PREFIX)) out.push(key.slice(PREFIX.length));
    }
    return out;
  }
}

/** In memory (tests, and pages without localStorage). */
export class MemoryUnfinishedTakes implements UnfinishedTakes {
  private readonly notes = new Map<string, QaFlag>();
  put(episodeId: string, flag: QaFlag): void {
    this.notes.set(episodeId, { ...flag });
  }
  get(episodeId: string): QaFlag | undefined {
    const f = this.notes.get(episodeId);
    return f ? { ...f } : undefined;
  }
  remove(episodeId: string): void {
    this.notes.delete(episodeId);
  }
  ids(): string[] {
    return [...this.notes.keys()];
  }
}

function parseFlag(text: string | null): QaFlag | undefined {
  if (text === null) return undefined;
  try {
    const raw: unknown = JSON.parse(text);
    if (!isRecord(raw) || raw["kind"] !== "recording_failed" || typeof raw["message"] !== "string") return undefined;
    return { kind: "recording_failed", message: raw["message"] };
  } catch {
    return undefined;
  }
}

/**
 * An episode as the list shows it: a take still stored as "recording" whose finish a full disk
 * refused is shown as what recovery will make it — "interrupted", with its note's flag — instead
 * of being hidden like a live take.
 */
export function withUnfinishedNote(e: EpisodeRecord, notes: UnfinishedTakes | undefined): EpisodeRecord {
  if (e.status !== "recording" || !notes) return e;
  const flag = notes.get(e.id);
  return flag ? { ...e, status: "interrupted", qa: [...e.qa.filter((q) => q.kind !== flag.kind), flag] } : e;
}
