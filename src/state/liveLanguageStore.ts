import { createStore, type StoreApi } from "zustand/vanilla";
import type { LiveLanguage, LiveLanguageView } from "../recording/LiveLanguage.ts";

export type { LiveEntry } from "../recording/LiveLanguage.ts";

export interface LiveLanguageState extends LiveLanguageView {
  /** Opens the one-line input for an instruction / interjection (false: no take is recording). */
  openInterjection(): boolean;
  /** Next subtask at the current row, then the input to name it (false: no take is recording). */
  markSubtask(): boolean;
  /** Enter: stamps (or names) with this text. */
  submit(text: string): void;
  /** Esc: closes the input. */
  cancel(): void;
}

export type LiveLanguageStore = StoreApi<LiveLanguageState>;

/**
 * Binds a {@link LiveLanguage} engine (recording/LiveLanguage.ts) to React. The Record screen's
 * is made by the recording store; a policy rollout makes its own over its own engine.
 */
export function createLiveLanguageStore(live: LiveLanguage): LiveLanguageStore {
  const store = createStore<LiveLanguageState>()(() => ({
    ...live.snapshot,
    openInterjection: () => live.openInterjection(),
    markSubtask: () => live.markSubtask(),
    submit: (text) => live.submit(text),
    cancel: () => live.cancel(),
  }));
  live.subscribe((snapshot) => store.setState(snapshot));
  return store;
}
