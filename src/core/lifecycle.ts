/**
 * Start/stop lifecycles that cannot race. Every engine with a start and a stop (the control
 * loop's host, recording sessions, replays, camera attach, export jobs…) keeps one of these:
 *
 * - the phase changes synchronously, before the first await (the UI can disable Start at once);
 * - a second start while starting returns the same promise; a start while running does nothing;
 * - a stop while starting aborts the start's signal (its work checks it after every await and
 *   leaves without acting), and completes once that start has settled;
 * - starts and stops run one after another, in the order they were asked for.
 */

export type LifecyclePhase = "idle" | "starting" | "running" | "stopping";

/** Thrown into a start that a stop (or a newer start) cancelled; engines treat it as "nothing to do". */
export class CancelledError extends Error {
  constructor(message = "Cancelled.") {
    super(message);
    this.name = "CancelledError";
  }
}

export function isCancelled(e: unknown): boolean {
  return e instanceof CancelledError || (e instanceof Error && e.name === "AbortError");
}

/** Throws a CancelledError when the signal was aborted: call it after every await of a start. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError();
}

export class Lifecycle {
  private phase_: LifecyclePhase = "idle";
  private chain: Promise<unknown> = Promise.resolve();
  private starting: { promise: Promise<void>; abort: AbortController } | undefined;
  private stopping: Promise<void> | undefined;
  private readonly listeners = new Set<(phase: LifecyclePhase) => void>();

  get phase(): LifecyclePhase {
    return this.phase_;
  }

  /** The signal of the start in progress (aborted once a stop is asked for). */
  get signal(): AbortSignal | undefined {
    return this.starting?.abort.signal;
  }

  onChange(fn: (phase: LifecyclePhase) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(phase: LifecyclePhase): void {
    if (phase === this.phase_) return;
    this.phase_ = phase;
    for (const fn of this.listeners) fn(phase);
  }

  /**
   * Starts with `run` unless starting or running already. `run` gets a signal that a stop
   * aborts; if it throws (or was cancelled), the phase goes back to idle and the promise rejects
   * with its error (a CancelledError when stopped).
   */
  start(run: (signal: AbortSignal) => Promise<void>): Promise<void> {
    if (this.starting) return this.starting.promise;
    if (this.phase_ === "running") return Promise.resolve();
    const abort = new AbortController();
    this.set("starting");
    const promise = this.chain.then(async () => {
      try {
        throwIfCancelled(abort.signal);
        await run(abort.signal);
        throwIfCancelled(abort.signal);
        if (this.starting?.abort === abort) this.set("running");
      } catch (e) {
        if (this.starting?.abort === abort) this.set("idle");
        throw e;
      } finally {
        if (this.starting?.abort === abort) this.starting = undefined;
      }
    });
    this.starting = { promise, abort };
    this.chain = promise.catch(() => undefined);
    return promise;
  }

  /**
   * Stops: aborts a start in progress and, once it settled, runs `halt` (if the engine got to
   * running, or got partway — `halt` must be safe to call either way). Stop while stopping
   * returns the same promise; stop while idle resolves at once.
   */
  stop(halt: () => Promise<void> | void): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.phase_ === "idle" && !this.starting) return Promise.resolve();
    const start = this.starting;
    start?.abort.abort();
    this.starting = undefined;
    this.set("stopping");
    const promise = this.chain.then(async () => {
      try {
        await halt();
      } finally {
        this.stopping = undefined;
        if (!this.starting) this.set("idle");
      }
    });
    this.stopping = promise;
    this.chain = promise.catch(() => undefined);
    return promise;
  }

  /**
   * For emergencies: aborts a start in progress and marks the lifecycle idle at once, without
   * waiting in the queue. The caller acts immediately (torque off); a later start queues normally.
   */
  abortNow(): void {
    this.starting?.abort.abort();
    this.starting = undefined;
    if (!this.stopping) this.set("idle");
  }
}
