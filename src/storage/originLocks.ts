/**
 * Locks shared by every tab of this origin (docs/storage.md). The studio holds one while it
 * records or recovers interrupted takes, so a second tab never marks a live take "interrupted".
 * WebLocks is the browser's Web Locks API (the browser drops a tab's locks when the tab closes or
 * crashes); MemoryLocks is the fake (one instance shared by the "tabs" of a test). Both pass
 * originLocks.contract.ts.
 */
export interface OriginLocks {
  /** The exclusive lock `name` if nobody holds it now (this tab included); undefined if somebody does. Never waits. */
  tryAcquire(name: string): Promise<LockLease | undefined>;
  /** Whether anybody (this tab included) holds `name` now. */
  isHeld(name: string): Promise<boolean>;
}

export interface LockLease {
  /** Gives the lock back; resolves once others can take it (Web Locks free it a task later). A second call does nothing more. */
  release(): Promise<void>;
}

/** The browser's Web Locks (navigator.locks), each lock held until its lease is released. */
export class WebLocks implements OriginLocks {
  constructor(private readonly manager: LockManager) {}

  tryAcquire(name: string): Promise<LockLease | undefined> {
    return new Promise((resolve, reject) => {
      let release = () => undefined as void;
      const held = new Promise<void>((r) => (release = r));
      // Settles once the lock is given back (after `held` resolves), or at once when it was not granted.
      const done = this.manager.request(name, { ifAvailable: true }, (lock) => {
        if (!lock) return resolve(undefined);
        resolve({
          release: () => {
            release();
            return done.then(() => undefined);
          },
        });
        return held;
      });
      done.catch(reject);
    });
  }

  async isHeld(name: string): Promise<boolean> {
    const state = await this.manager.query();
    return (state.held ?? []).some((l) => l.name === name);
  }
}

/** In-memory locks: the tabs of a test share one instance. */
export class MemoryLocks implements OriginLocks {
  private readonly held = new Map<string, object>();

  tryAcquire(name: string): Promise<LockLease | undefined> {
    if (this.held.has(name)) return Promise.resolve(undefined);
    const token = {};
    this.held.set(name, token);
    return Promise.resolve({
      release: () => {
        if (this.held.get(name) === token) this.held.delete(name);
        return Promise.resolve();
      },
    });
  }

  isHeld(name: string): Promise<boolean> {
    return Promise.resolve(this.held.has(name));
  }
}
