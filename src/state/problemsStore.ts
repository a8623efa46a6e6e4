import { createStore, type StoreApi } from "zustand/vanilla";
import type { Clock } from "../core/clock.ts";

/**
 * What the studio tells the user, from every part of it, in one list: errors and warnings (what
 * happened and what to do; they stay until dismissed or resolved) and successes and info (they are
 * not errors, look like it, and fade on their own after {@link FADE_MS} on the store's clock).
 * The same message again replaces the older one (no pile-up), and at most {@link KEEP} are kept.
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
  /** The store's clock, ms. */
  readonly at: number;
  /** When it goes on its own (successes and info); undefined: it stays until dismissed or resolved. */
  readonly fadesAt: number | undefined;
}

export interface ProblemsState {
  readonly notices: readonly Notice[];
  report(severity: NoticeSeverity, message: string, key?: string): number;
  dismiss(id: number): void;
  /** The thing `key` is about is fine again: its notices go. */
  resolve(key: string): void;
}

export type ProblemsStore = StoreApi<ProblemsState>;

const KEEP = 8;
/** How long a success or an info stays, ms. */
export const FADE_MS = { success: 5000, info: 8000 } as const;

export function createProblemsStore(clock: Pick<Clock, "now" | "timeout">): ProblemsStore {
  let next = 1;
  const timers = new Map<number, () => void>();
  const drop = (keep: (n: Notice) => boolean) =>
    store.setState((s) => {
      const notices = s.notices.filter(keep);
      for (const n of s.notices)
        if (!notices.includes(n)) {
          timers.get(n.id)?.();
          timers.delete(n.id);
        }
      return notices.length === s.notices.length ? s : { notices };
    });
  const store = createStore<ProblemsState>()(() => ({
    notices: [],
    report(severity, message, key) {
      const id = next++;
      const at = clock.now();
      const fade = severity === "success" || severity === "info" ? FADE_MS[severity] : undefined;
      const notice: Notice = { id, severity, message, key, at, fadesAt: fade === undefined ? undefined : at + fade };
      drop((n) => !(key !== undefined ? n.key === key : n.key === undefined && n.message === message));
      store.setState((s) => ({ notices: [...s.notices, notice] }));
      const excess = store.getState().notices.length - KEEP;
      if (excess > 0) {
        const old = new Set(store.getState().notices.slice(0, excess));
        drop((n) => !old.has(n));
      }
      if (fade !== undefined)
        timers.set(
          id,
          clock.timeout(fade, () => drop((n) => n.id !== id)),
        );
      return id;
    },
    dismiss(id) {
      drop((n) => n.id !== id);
    },
    resolve(key) {
      drop((n) => n.key !== key);
    },
  }));
  return store;
}
