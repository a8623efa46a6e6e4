/**
 * Run a callback at a time on the `performance.now()` clock with sub-millisecond precision.
 * setTimeout alone is clamped to ~1 ms (4 ms when nested); the simulated wire needs
 * replies at their computed time (e.g. 620 µs after a sync read). Far deadlines use
 * setTimeout to get close; the last stretch hops through macrotasks (setImmediate in
 * Node, a MessageChannel in browsers), which yield to other work between checks.
 */

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

const hop = makeHop();
/** setTimeout is trusted only for waits longer than this (ms). */
const COARSE_MS = 2;

export function runAt(time: number, fn: () => void): () => void {
  let cancelled = false;
  const check = () => {
    if (cancelled) return;
    const left = time - performance.now();
    if (left <= 0) fn();
    else if (left > COARSE_MS) setTimeout(check, left - COARSE_MS);
    else hop(check);
  };
  const left = time - performance.now();
  if (left > COARSE_MS) setTimeout(check, left - COARSE_MS);
  else hop(check);
  return () => {
    cancelled = true;
  };
}
