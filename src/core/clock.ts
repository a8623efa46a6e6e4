/**
 * Time as a parameter. Engines that schedule anything (the control loop, the simulated wire,
 * the recorder's row clock, sessions with countdowns) take a Clock instead of calling the
 * global timers, so tests drive them with a {@link ManualClock} — no sleeps, no wall-clock
 * rates — and the app passes the real precision timer (hardware/precisionTimer.ts).
 *
 * Times are milliseconds on one monotonic clock (performance.now() for the real one).
 */
export interface Clock {
  now(): number;
  /** Runs `fn` once at `time` (or as soon as possible after it), precisely. Returns a cancel function. */
  runAt(time: number, fn: () => void): () => void;
  /**
   * Runs `fn` no earlier than `ms` from now, on a coarse timer that never holds the thread
   * (timeouts, watchdogs, debounces). `timeout(0, fn)` gives pending I/O one more task turn first.
   */
  timeout(ms: number, fn: () => void): () => void;
}

/**
 * Runs `fn` every `periodMs` (on deadlines t0 + k·period, skipping missed ones) until cancelled.
 */
export function every(clock: Clock, periodMs: number, fn: () => void): () => void {
  const t0 = clock.now();
  let k = 1;
  let cancelled = false;
  let cancel = (): void => undefined;
  const arm = () => {
    cancel = clock.runAt(t0 + k * periodMs, () => {
      if (cancelled) return;
      k = Math.max(k + 1, Math.floor((clock.now() - t0) / periodMs) + 1);
      fn();
      if (!cancelled) arm();
    });
  };
  arm();
  return () => {
    cancelled = true;
    cancel();
  };
}

interface ManualEntry {
  readonly time: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Lets queued promise callbacks run: a macrotask turn where the host has one, else microtask turns. */
async function settleHost(): Promise<void> {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === "function") {
    const si = g.setImmediate;
    await new Promise<void>((resolve) => void si(resolve));
    return;
  }
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/**
 * A clock that moves only when told to. `advance(ms)` runs every callback due in that span in
 * time order, setting `now()` to each one's time and letting promises settle between them, so
 * code that awaits I/O on this clock behaves as it would in real time, only deterministically.
 */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly queue: ManualEntry[] = [];

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  runAt(time: number, fn: () => void): () => void {
    const entry: ManualEntry = { time: Math.max(time, this.t), seq: this.seq++, fn, cancelled: false };
    let i = this.queue.length;
    while (i > 0) {
      const prev = this.queue[i - 1]!;
      if (prev.time < entry.time || (prev.time === entry.time && prev.seq < entry.seq)) break;
      i--;
    }
    this.queue.splice(i, 0, entry);
    return () => {
      entry.cancelled = true;
    };
  }

  timeout(ms: number, fn: () => void): () => void {
    return this.runAt(this.t + Math.max(0, ms), fn);
  }

  /** Callbacks waiting (not cancelled). */
  get pending(): number {
    return this.queue.filter((e) => !e.cancelled).length;
  }

  /** Lets promise callbacks queued so far run (no time passes). */
  async settle(turns = 2): Promise<void> {
    for (let i = 0; i < turns; i++) await settleHost();
  }

  /** Moves time forward by `ms`, running everything due on the way (and what that schedules). */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.t + ms);
  }

  async advanceTo(target: number): Promise<void> {
    await this.settle();
    for (;;) {
      const head = this.queue[0];
      if (!head || head.time > target) break;
      this.queue.shift();
      if (head.cancelled) continue;
      this.t = Math.max(this.t, head.time);
      head.fn();
      await this.settle();
    }
    this.t = Math.max(this.t, target);
    await this.settle();
  }

  /**
   * Awaits `p` while moving time on in `stepMs` steps (I/O on this clock needs time to pass);
   * rejects if it is still pending after `limitMs` of clock time.
   */
  async drive<T>(p: Promise<T>, limitMs = 10_000, stepMs = 0.5): Promise<T> {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    await this.until(() => done, limitMs, stepMs);
    if (!done) throw new Error(`Still pending after ${limitMs} ms of clock time.`);
    return p;
  }

  /**
   * `target` with every method that returns a promise driven on this clock: awaiting a call lets
   * clock time pass until it settles. For tests of code doing I/O on this clock.
   */
  driven<T extends object>(target: T): T {
    return new Proxy(target, {
      get: (t, prop, receiver) => {
        const v = Reflect.get(t, prop, receiver) as unknown;
        if (typeof v !== "function") return v;
        return (...args: unknown[]) => {
          const out = (v as (...a: unknown[]) => unknown).apply(t, args);
          return out instanceof Promise ? this.drive(out) : out;
        };
      },
    });
  }

  /**
   * Advances in steps until `done()` holds or `limitMs` of clock time passed; returns whether it
   * held. For waiting on an outcome without guessing how long it takes.
   */
  async until(done: () => boolean, limitMs: number, stepMs = 1): Promise<boolean> {
    const end = this.t + limitMs;
    while (!done()) {
      if (this.t >= end) return false;
      await this.advanceTo(Math.min(end, this.t + stepMs));
    }
    return true;
  }
}
