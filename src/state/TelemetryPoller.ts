import type { Clock } from "../core/clock.ts";
import type { MotorTelemetry } from "../hardware/index.ts";
import type { RigStore } from "./rigStore.ts";

export interface TelemetrySnapshot {
  /** performance.now() when the reply came. */
  readonly at: number;
  readonly motors: readonly MotorTelemetry[];
  /** Measured round trip of the telemetry transaction, ms. */
  readonly latencyMs: number;
}

/**
 * Polls every connected bus for its motors' live registers at a low rate (the console's
 * ~10 Hz), keeps the latest snapshot per bus, and notifies subscribers. Kept outside
 * React state: components subscribe and re-render at this rate only.
 */
export class TelemetryPoller {
  private readonly latest = new Map<string, TelemetrySnapshot>();
  private readonly listeners = new Set<() => void>();
  private cancel: (() => void) | undefined;
  private running = false;
  private version = 0;

  constructor(
    private readonly store: RigStore,
    private readonly periodMs: number,
    /** The app passes the real clock; tests a manual one. */
    private readonly clock: Clock,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  stop(): void {
    this.running = false;
    this.cancel?.();
  }

  get(key: string): TelemetrySnapshot | undefined {
    return this.latest.get(key);
  }

  getVersion = (): number => this.version;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  private async tick(): Promise<void> {
    const started = this.clock.now();
    const state = this.store.getState();
    // Nobody watching (e.g. the Teleop screen is open): leave the buses to the control loop.
    const live = this.listeners.size === 0 ? [] : state.buses.filter((b) => b.status === "connected" && b.motors.length > 0 && !b.scanning);
    await Promise.all(
      live.map(async (bus) => {
        try {
          const t0 = performance.now();
          const motors = await state.api(bus.key).telemetry(
            bus.key,
            bus.motors.map((m) => m.id),
          );
          this.latest.set(bus.key, { at: performance.now(), motors, latencyMs: performance.now() - t0 });
        } catch {
          // A lost bus reports itself through the store; keep the last snapshot, marked stale by its age.
        }
      }),
    );
    for (const key of this.latest.keys()) {
      if (!state.buses.some((b) => b.key === key)) this.latest.delete(key);
    }
    this.version++;
    for (const fn of this.listeners) fn();
    if (this.running) {
      const wait = Math.max(0, this.periodMs - (this.clock.now() - started));
      this.cancel = this.clock.timeout(wait, () => void this.tick());
    }
  }
}
