import { createStore, type StoreApi } from "zustand/vanilla";

/**
 * What the studio tells the user, from every part of it, in one list: errors and warnings (what
 * happened and what to do; they stay until dismissed or resolved) and successes and info (they are
 * not errors and say so; the UI lets them fade).
 */
export type NoticeSeverity = "error" | "warning" | "info" | "success";

export interface Notice {
  readonly id: number;
  readonly severity: NoticeSeverity;
  readonly message: string;
  /**
   * Notices about one thing share a key (e.g. "bus:sim-so101_follower"): a new one replaces the
   * old, and resolve(key) removes it when the thing is fine again.
   */
  readonly key: string | undefined;
  /** Page clock, ms. */
  readonly at: number;
}

export interface ProblemsState {
  readonly notices: readonly Notice[];
  report(severity: NoticeSeverity, message: string, key?: string): number;
  dismiss(id: number): void;
  /** The thing `key` is about is fine again: its notices go. */
  resolve(key: string): void;
}

export type ProblemsStore = StoreApi<ProblemsState>;

const KEEP = 20;

export function createProblemsStore(now: () => number = () => Date.now()): ProblemsStore {
  let next = 1;
  return createStore<ProblemsState>()((set) => ({
    notices: [],
    report(severity, message, key) {
      const id = next++;
      set((s) => ({
        notices: [...s.notices.filter((n) => key === undefined || n.key !== key), { id, severity, message, key, at: now() }].slice(-KEEP),
      }));
      return id;
    },
    dismiss(id) {
      set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
    },
    resolve(key) {
      set((s) => (s.notices.some((n) => n.key === key) ? { notices: s.notices.filter((n) => n.key !== key) } : s));
    },
  }));
}
