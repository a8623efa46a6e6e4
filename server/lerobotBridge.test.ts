/**
 * The protocol side of scripts/serve-lerobot-policy.py (its --stub policy, no torch): our
 * WebSocket client against the bridge's openpi server. Skipped where python3-msgpack,
 * python3-websockets or numpy are missing (they are Debian packages; lerobot itself is not tested
 * here).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type WebSocketLike, WebSocketPolicyClient } from "../src/hardware/policy/WebSocketPolicyClient.ts";
import { NdArray } from "../src/protocol/openpi/codec.ts";

/** The first Python with the bridge's dependencies (Debian's, then the one on PATH). */
function python(): string | undefined {
  for (const py of ["/usr/bin/python3", "python3"]) {
    try {
      execFileSync(py, ["-c", "import msgpack, websockets, numpy"], { stdio: "ignore" });
      return py;
    } catch {
      // not this one
    }
  }
  return undefined;
}

const py = python();
const deps = py !== undefined;
let proc: ChildProcess | undefined;
let url = "";

beforeAll(async () => {
  if (!deps) return;
  proc = spawn(py!, ["scripts/serve-lerobot-policy.py", "--stub", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc!.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /serving on (ws:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc!.on("exit", (code) => reject(new Error(`the bridge exited (${code})`)));
  });
}, 20_000);

afterAll(() => {
  proc?.kill();
});

const socket = (u: string) => new WebSocket(u) as unknown as WebSocketLike;

describe.skipIf(!deps)("lerobot bridge (stub policy) speaks openpi's protocol", () => {
  it("metadata on connect; numpy markers both ways; server_timing", async () => {
    const c = new WebSocketPolicyClient(url, socket);
    const meta = await c.connect();
    expect(meta).toMatchObject({ policy: "stub-hold", action_horizon: 10, action_fps: 30 });
    const img = NdArray.uint8([3, 224, 224], new Uint8Array(3 * 224 * 224));
    const chunk = await c.infer({ state: NdArray.float32([6], [1, 2, 3, 4, 5, 60]), "images.front": img, prompt: "reach" });
    expect([chunk.horizon, chunk.dim]).toEqual([10, 6]);
    expect(Array.from(chunk.actions.subarray(54, 60))).toEqual([1, 2, 3, 4, 5, 60]);
    expect(chunk.serverTiming?.inferMs).toBeGreaterThanOrEqual(0);
    c.close();
  });

  it("an exception is the traceback as text, then close 1011", async () => {
    const c = new WebSocketPolicyClient(url, socket);
    await c.connect();
    await expect(c.infer({ prompt: "no state" })).rejects.toMatchObject({
      kind: "server",
      message: expect.stringMatching(/KeyError|state/) as unknown,
    });
  });
});
