/**
 * One contract for every PolicyClient: the in-process fake and the WebSocket client talking to the
 * reference server we ship (started here on an ephemeral port).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { REFERENCE_WRIST_ERROR_DEG } from "../src/core/referencePolicy.ts";
import { FakePolicyClient, type FakePolicyFault } from "../src/hardware/policy/FakePolicyClient.ts";
import { type WebSocketLike, WebSocketPolicyClient } from "../src/hardware/policy/WebSocketPolicyClient.ts";
import { NdArray } from "../src/protocol/openpi/codec.ts";
import { type Observation, type PolicyClient, PolicyError } from "../src/protocol/openpi/policy.ts";
import { type RunningPolicyServer, startPolicyServer } from "./policyServer.ts";

let server: RunningPolicyServer;
beforeAll(async () => {
  server = await startPolicyServer({ port: 0 });
});
afterAll(async () => {
  await server.close();
});

const nodeSocket = (url: string) => new WebSocket(url) as unknown as WebSocketLike;

const impls: [string, (fault?: FakePolicyFault) => PolicyClient][] = [
  ["fake", (fault) => new FakePolicyClient(fault)],
  ["reference server over WebSocket", (fault) => new WebSocketPolicyClient(`${server.url}/${fault ? `?fault=${fault}` : ""}`, nodeSocket)],
];

function observation(prompt = "reach"): Observation {
  const img = () => NdArray.uint8([3, 224, 224], new Uint8Array(3 * 224 * 224).fill(128));
  return { state: NdArray.float32([6], [0, 0, 0, 0, 0, 50]), "images.front": img(), "images.wrist": img(), prompt };
}

function closedWith(client: PolicyClient): Promise<PolicyError> {
  return new Promise((resolve) => client.onClosed(resolve));
}

describe.each(impls)("PolicyClient contract: %s", (_name, make) => {
  it("sends its metadata on connect, then one chunk [horizon, dim] per observation", async () => {
    const c = make();
    const meta = await c.connect();
    expect(meta).toMatchObject({ action_horizon: 30, action_dim: 6, action_fps: 30 });
    const chunk = await c.infer(observation());
    expect([chunk.horizon, chunk.dim, chunk.actions.length]).toEqual([30, 6, 180]);
    expect(chunk.actions.every(Number.isFinite)).toBe(true);
    expect(chunk.serverTiming?.inferMs).toBeGreaterThanOrEqual(0);
    // The "reach" goal overshoots the wrist: the last action of a long enough chunk heads there.
    expect(chunk.actions[29 * 6 + 3]).toBeGreaterThan(REFERENCE_WRIST_ERROR_DEG);
    c.close();
  });

  it("follows the prompt (an interjection changes the goal at once)", async () => {
    const c = make();
    await c.connect();
    const left = await c.infer(observation("go left"));
    const right = await c.infer(observation("now go right"));
    expect(left.actions[29 * 6]).toBeGreaterThan(0);
    expect(right.actions[29 * 6]).toBeLessThan(0);
    c.close();
  });

  it("refuses a second request while one is in flight", async () => {
    const c = make();
    await c.connect();
    const first = c.infer(observation());
    await expect(c.infer(observation())).rejects.toMatchObject({ kind: "busy" });
    await first;
    c.close();
  });

  it("a failing policy (server error, close 1011) rejects the request and reports the close", async () => {
    const c = make();
    await c.connect();
    const closed = closedWith(c);
    await expect(c.infer({ prompt: "no state" })).rejects.toMatchObject({
      kind: "server",
      message: expect.stringMatching(/state/) as unknown,
    });
    expect((await closed).kind).toBe("server");
  });

  it.each<[FakePolicyFault, string]>([
    ["error", "server"],
    ["close", "closed"],
  ])("fault %s: the request fails with kind %s", async (fault, kind) => {
    const c = make(fault);
    await c.connect();
    const error = await c.infer(observation()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).kind).toBe(kind);
    await expect(c.infer(observation())).rejects.toMatchObject({ kind: "closed" });
    c.close();
  });

  it("a flooding server is disconnected with a protocol error", async () => {
    const c = make("flood");
    await c.connect();
    const closed = closedWith(c);
    await c.infer(observation()).catch(() => undefined);
    expect((await closed).kind).toBe("protocol");
  });

  it("a stalled request is failed by close()", async () => {
    const c = make("stall");
    await c.connect();
    const pending = c.infer(observation());
    c.close();
    await expect(pending).rejects.toMatchObject({ kind: "closed" });
  });

  it("bad numbers come through as they are (the runner refuses them): NaN in actions[2][1]", async () => {
    const c = make("nan");
    await c.connect();
    const chunk = await c.infer(observation());
    expect(chunk.actions[2 * 6 + 1]).toBeNaN();
    c.close();
  });
});

describe("reference server", () => {
  it("answers GET /healthz with 200", async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(res.status).toBe(200);
  });

  it("an unreachable server is a connect error naming the address", async () => {
    const c = new WebSocketPolicyClient("ws://127.0.0.1:1/", nodeSocket);
    await expect(c.connect()).rejects.toMatchObject({ kind: "connect", message: expect.stringMatching(/127\.0\.0\.1:1/) as unknown });
  });
});
