import type { AnnotationDoc } from "../core/annotations.ts";
import { isRecord } from "./fields.ts";

/**
 * Annotation edits not saved yet, kept where a closing page cannot lose them.
 *
 * An IndexedDB write started while the page unloads (a reload, a closed tab) does not finish:
 * its second step never runs. So each annotation edit is also written here, synchronously, and
 * removed once the episode is saved; the next page saves what it finds (recoverEdits). An entry
 * is the newest task and annotations of one episode.
 */
export interface EditJournal {
  put(episodeId: string, doc: AnnotationDoc): void;
  remove(episodeId: string): void;
  entries(): { episodeId: string; doc: AnnotationDoc }[];
}

/** The part of the Web Storage API the journal uses (localStorage, or a fake in tests). */
export type KeyValueStorage = Pick<Storage, "getItem" | "setItem" | "removeItem" | "key" | "length">;

const PREFIX = "studio.episodes.unsaved.";

/** The journal in localStorage: small (a task and annotations per episode) and written synchronously. */
export class LocalStorageJournal implements EditJournal {
  constructor(private readonly storage: KeyValueStorage) {}

  /** The page's localStorage, or undefined where there is none (or it may not be used: private mode, a sandbox). */
  static browser(): LocalStorageJournal | undefined {
    try {
      const storage = globalThis.localStorage;
      return storage ? new LocalStorageJournal(storage) : undefined;
    } catch {
      return undefined;
    }
  }

  put(episodeId: string, doc: AnnotationDoc): void {
    try {
      this.storage.setItem(PREFIX + episodeId, JSON.stringify({ task: doc.task, annotations: doc.annotations }));
    } catch {
      // Full or refused: the edit is still saved to the episode store as usual; only this safety copy is missing.
    }
  }

  remove(episodeId: string): void {
    try {
      this.storage.removeItem(PREFIX + episodeId);
    } catch {
      // Refused: the entry stays, and the next page finds it already saved.
    }
  }

  /** The entries that read back as a task and annotations (others are dropped: the store would refuse them anyway). */
  entries(): { episodeId: string; doc: AnnotationDoc }[] {
    const out: { episodeId: string; doc: AnnotationDoc }[] = [];
    const keys: string[] = [];
    for (let i = 0; i < this.storage.length; i++) {
      const key = this.storage.key(i);
      if (key?.startsWith(PREFIX)) keys.push(key);
    }
    for (const key of keys) {
      const doc = parse(this.storage.getItem(key));
      if (doc) out.push({ episodeId: key.slice(PREFIX.length), doc });
      else this.storage.removeItem(key);
    }
    return out;
  }
}

function parse(text: string | null): AnnotationDoc | undefined {
  try {
    const raw: unknown = text === null ? undefined : JSON.parse(text);
    if (!isRecord(raw) || typeof raw["task"] !== "string" || !isRecord(raw["annotations"])) return undefined;
    return raw as unknown as AnnotationDoc;
  } catch {
    return undefined;
  }
}
