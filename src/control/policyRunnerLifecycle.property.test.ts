/**
 * Interleavings of start / pause / resume / stop / prompt changes with the policy's replies
 * released in any order: a reply to a run that was paused or stopped never reaches the arm, there
 * is never more than one request in flight, and the last stop leaves the runner stopped.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { type ActionChunk, type PolicyClient, PolicyError } from "../protocol/openpi/policy.ts";
import { DEFAULT_MAPPING } from "./policyIo.ts";
import { PolicyRunner } from "./PolicyRunner.ts";

class DeferredClient implements PolicyClient {
  readonly pending: { resolve: (c: ActionChunk) => void; reject: (e: PolicyError) => void }[] = [];
  connects: (() => void)[] = [];
  busyErrors = 0;
  closed = false;
  connect() {
    return new Promise<Record<string, never>>((resolve) => this.connects.push(() => resolve({})));
  }
  infer() {
    if (this.pending.length > 0) {
      this.busyErrors++;
      return Promise.reject(new PolicyError("busy", "busy"));
    }
    return new Promise<ActionChunk>((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  close() {
    this.closed = true;
    for (const p of this.pending.splice(0)) p.reject(new PolicyError("closed", "closed"));
  }
  onClosed() {
    return () => undefined;
  }
}

type Op = "start" | "pause" | "resume" | "stop" | "prompt" | "connect" | "answer" | "advance";
// Replies and connects are weighted up so that runs reach the arm between the lifecycle calls.
const OPS: Op[] = ["start", "pause", "resume", "stop", "prompt", "connect", "connect", "answer", "answer", "answer", "advance"];

describe("PolicyRunner lifecycle (property)", () => {
  it("no chunk after a pause or stop, one request in flight, stopped at the end", async () => {
    let playedTotal = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...OPS), { minLength: 1, maxLength: 40 }), async (ops0) => {
        const ops = ops0;
        const clock = new ManualClock(0);
        const clients: DeferredClient[] = [];
        let acting = false;
        let lateChunks = 0;
        const runner = new PolicyRunner({
          clock,
          connect: () => {
            const c = new DeferredClient();
            clients.push(c);
            return c;
          },
          sink: {
            playChunk: async () => {
              if (!acting) lateChunks++;
              playedTotal++;
              await Promise.resolve();
            },
            hold: async () => Promise.resolve(),
          },
          observe: async () => Promise.resolve({ t: clock.now(), state: [0, 0], images: new Map() }),
          joints: ["a", "b"],
          ranges: [],
          grippers: [false, false],
          mapping: DEFAULT_MAPPING,
          fps: 10,
        });
        const settle = () => clock.advance(1);
        for (const op of ops) {
          switch (op) {
            case "start":
              void runner.start();
              acting = true;
              break;
            case "resume":
              if (runner.snapshot.state !== "idle" && runner.snapshot.state !== "running" && runner.snapshot.state !== "connecting")
                acting = true;
              void runner.resume();
              break;
            case "pause":
              runner.pause();
              if (runner.snapshot.state === "paused") acting = false;
              break;
            case "stop":
              runner.stop();
              acting = false;
              break;
            case "prompt":
              runner.setPrompt(`p${clock.now()}`);
              break;
            case "connect":
              for (const c of clients) c.connects.splice(0).forEach((f) => f());
              break;
            case "answer":
              for (const c of clients)
                c.pending.shift()?.resolve({ actions: new Float32Array(4), horizon: 2, dim: 2, serverTiming: undefined });
              break;
            case "advance":
              await clock.advance(150);
              break;
          }
          await settle();
          if (runner.snapshot.state === "held") acting = false;
        }
        runner.stop();
        for (const c of clients) {
          c.connects.splice(0).forEach((f) => f());
          c.pending.shift()?.resolve({ actions: new Float32Array(4), horizon: 2, dim: 2, serverTiming: undefined });
        }
        acting = false;
        await clock.advance(500);
        expect(lateChunks).toBe(0);
        expect(clients.reduce((n, c) => n + c.busyErrors, 0)).toBe(0);
        expect(runner.snapshot.state === "stopped" || runner.snapshot.state === "idle").toBe(true);
        expect(clients.every((c) => c.closed)).toBe(true);
      }),
      {
        numRuns: 150,
        examples: [
          [["start", "connect", "answer", "answer", "pause", "answer", "resume", "answer", "stop", "answer"]],
          [["start", "connect", "prompt", "answer", "stop", "start", "connect", "answer"]],
          [["start", "stop", "connect", "answer", "start", "pause", "connect", "answer", "resume", "connect", "answer"]],
        ],
      },
    );
    // The interleavings did reach the arm (the property is not vacuous).
    expect(playedTotal).toBeGreaterThan(3);
  });
});
