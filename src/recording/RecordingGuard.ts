import type { Clock } from "../core/clock.ts";
import type { LockLease, OriginLocks } from "../storage/originLocks.ts";

/** The origin-wide lock of live recording and start-up recovery (docs/recording.md). */
export const RECORDING_LOCK = "robot-studio.recording";

/** Shown (and Record disabled) while another tab of the studio holds the lock. */
export const RECORDING_ELSEWHERE =
  "Recording runs in another tab or window of the studio. Finish or stop it there (or close that tab) to record here; " +
  "browsing, playback and export work in this tab meanwhile.";

/** How often a tab that does not hold the lock looks whether another tab still does. */
const WATCH_MS = 2000;

/**
 * One recorder per origin: a session holds {@link RECORDING_LOCK} from its start to its end, and
 * recovery of interrupted takes runs only under it, so a second tab can never mark a live take
 * "interrupted". While another tab holds it, `elsewhere` is true; once it is free again (that tab
 * stopped, closed or crashed — the browser drops a dead tab's locks) `whenFree` runs.
 */
export class RecordingGuard {
  private lease: LockLease | undefined;
  /** The last release, until the lock is free for others (and this tab) again. */
  private releasing: Promise<void> = Promise.resolve();
  private elsewhere = false;
  private watching = false;
  private cancelWatch: () => void = () => undefined;

  constructor(
    private readonly locks: OriginLocks,
    private readonly clock: Clock,
    /** Told each change of "another tab holds the lock". */
    private readonly onElsewhere: (elsewhere: boolean) => void,
    /** Runs when the lock, held elsewhere, became free. */
    private readonly whenFree: () => void,
  ) {}

  get holding(): boolean {
    return this.lease !== undefined;
  }

  /** Takes the lock for a session (kept until {@link release}); throws {@link RECORDING_ELSEWHERE} if another tab holds it. */
  async hold(): Promise<void> {
    if (this.lease) return;
    await this.releasing;
    const lease = await this.locks.tryAcquire(RECORDING_LOCK);
    if (!lease) {
      this.setElsewhere(true);
      throw new Error(RECORDING_ELSEWHERE);
    }
    this.lease = lease;
    this.setElsewhere(false);
  }

  /** Gives the lock back (a later hold waits until it is really free). */
  release(): void {
    if (!this.lease) return;
    this.releasing = this.lease.release().catch(() => undefined);
    this.lease = undefined;
  }

  /**
   * `fn` under the lock: at once if this tab holds it, else if it is free (taken for `fn` only).
   * Undefined when another tab holds it (`fn` does not run; `whenFree` runs once it is free).
   */
  async exclusive<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (this.lease) return fn();
    await this.releasing;
    const lease = await this.locks.tryAcquire(RECORDING_LOCK);
    if (!lease) {
      this.setElsewhere(true);
      return undefined;
    }
    this.setElsewhere(false);
    try {
      return await fn();
    } finally {
      this.releasing = lease.release().catch(() => undefined);
    }
  }

  /** Keeps `elsewhere` true while another tab holds the lock (looked at every 2 s from now on). */
  watch(): void {
    if (this.watching) return;
    this.watching = true;
    const look = () => {
      this.cancelWatch = this.clock.timeout(WATCH_MS, () => {
        void this.locks
          .isHeld(RECORDING_LOCK)
          .then((held) => {
            if (!this.watching) return;
            const wasElsewhere = this.elsewhere;
            this.setElsewhere(held && !this.lease);
            if (wasElsewhere && !held) this.whenFree();
          })
          .catch(() => undefined)
          .finally(() => {
            if (this.watching) look();
          });
      });
    };
    look();
  }

  dispose(): void {
    this.watching = false;
    this.cancelWatch();
  }

  private setElsewhere(elsewhere: boolean): void {
    if (elsewhere === this.elsewhere) return;
    this.elsewhere = elsewhere;
    this.onElsewhere(elsewhere);
  }
}
