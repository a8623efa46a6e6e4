/**
 * Run a callback at a time on the `performance.now()` clock with sub-millisecond precision.
 * setTimeout alone is clamped to ~1 ms (4 ms when nested); the simulated wire needs
 * replies at their computed time (e.g. 620 µs after a sync read) and the control loop
 * wants its ticks on their deadlines.
 *
 * All deadlines share one queue. Far deadlines use setTimeout to get close; the last
 * stretch (≤ COARSE_MS) is waited out precisely:
 * - in a dedicated worker with SharedArrayBuffer, by `Atomics.wait` with a timeout: the
 *   thread sleeps in the kernel and wakes on time, instead of spinning. Spinning cost a
 *   core's worth of time slices that the page's renderer then competed for; a sleeping
 *   thread is woken promptly by the scheduler. Incoming I/O waits at most COARSE_MS (the
 *   bus's reply timeout gives queued bytes one more task turn, see MotorBus.transact).
 * - elsewhere (the page's main thread, Node), by hopping through macrotasks (setImmediate
 *   in Node, a MessageChannel in browsers), which yield to other work between checks.
 */

import type { Clock } from "../core/clock.ts";

type Hop = (fn: () => void) => void;

function makeHop(): Hop {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === "function") {
    const si = g.setImmediate;
    return (fn) => {
      si(fn);
    };
  }
  if (typeof MessageChannel !== "undefined") {
    const channel = new MessageChannel();
    const queue: (() => void)[] = [];
    channel.port1.onmessage = () => {
      const fn = queue.shift();
      if (fn) fn();
    };
    return (fn) => {
      queue.push(fn);
      channel.port2.postMessage(0);
    };
  }
  return (fn) => {
    setTimeout(fn, 0);
  };
}

/** A sleep that blocks this thread precisely, where that is allowed (dedicated workers). */
function makeSleep(): ((ms: number) => void) | undefined {
  const g = globalThis as { WorkerGlobalScope?: unknown; crossOriginIsolated?: boolean };
  if (g.WorkerGlobalScope === undefined || typeof SharedArrayBuffer === "undefined") return undefined;
  try {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(cell, 0, 0, 0);
    return (ms) => {
      Atomics.wait(cell, 0, 0, ms);
    };
  } catch {
    return undefined; // Atomics.wait not allowed on this thread
  }
}

const hop = makeHop();
const sleep = makeSleep();
/**
 * setTimeout is trusted only for waits longer than this (ms). A blocking sleep costs no CPU,
 * so it can take a longer last stretch and absorb a late timer on a loaded machine.
 */
const COARSE_MS = sleep ? 4 : 2;

interface Entry {
  time: number;
  fn: () => void;
  cancelled: boolean;
}

/** Pending deadlines, earliest first (a handful at a time: insertion sort is fine). */
const queue: Entry[] = [];
let pumping = false;
let hopPending = false;
let coarseTimer: ReturnType<typeof setTimeout> | undefined;
let coarseAt = Infinity;

function pump(): void {
  hopPending = false;
  pumping = true;
  try {
    for (;;) {
      const head = queue[0];
      if (!head) return;
      if (head.cancelled) {
        queue.shift();
        continue;
      }
      const left = head.time - performance.now();
      if (left <= 0) {
        queue.shift();
        head.fn();
        continue;
      }
      if (left > COARSE_MS) {
        armCoarse(head.time);
        return;
      }
      if (sleep) {
        sleep(left);
        continue;
      }
      hopPending = true;
      hop(pump);
      return;
    }
  } finally {
    pumping = false;
  }
}

function armCoarse(time: number): void {
  const wake = time - COARSE_MS;
  if (coarseTimer !== undefined && coarseAt <= wake) return;
  if (coarseTimer !== undefined) clearTimeout(coarseTimer);
  coarseAt = wake;
  coarseTimer = setTimeout(
    () => {
      coarseTimer = undefined;
      coarseAt = Infinity;
      if (!hopPending) pump();
    },
    Math.max(0, wake - performance.now()),
  );
}

export function runAt(time: number, fn: () => void): () => void {
  const entry: Entry = { time, fn, cancelled: false };
  let i = queue.length;
  while (i > 0 && (queue[i - 1]?.time ?? 0) > time) i--;
  queue.splice(i, 0, entry);
  if (!pumping && !hopPending) {
    if (time - performance.now() > COARSE_MS) armCoarse(time);
    else {
      hopPending = true;
      hop(pump);
    }
  }
  return () => {
    entry.cancelled = true;
  };
}

/** The real clock: performance.now() and the precise timer above. The default of every engine. */
export const realClock: Clock = {
  now: () => performance.now(),
  runAt,
  timeout(ms, fn) {
    const id = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(id);
  },
};
