/**
 * Base of the engines the UI binds to: an immutable snapshot, replaced on every change,
 * and subscribers told of each new one (React reads it with useSyncExternalStore).
 */
export abstract class SnapshotEngine<S extends object> {
  private readonly listeners = new Set<(s: S) => void>();

  protected constructor(protected snap: S) {}

  get snapshot(): S {
    return this.snap;
  }

  subscribe(fn: (s: S) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  protected update(change: Partial<S>): void {
    this.snap = { ...this.snap, ...change };
    for (const fn of this.listeners) fn(this.snap);
  }

  protected clearListeners(): void {
    this.listeners.clear();
  }
}
