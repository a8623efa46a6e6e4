/**
 * The reference policy server: openpi's websocket policy-server protocol (openpi
 * `serving/websocket_policy_server.py`) serving the studio's deterministic reference policy.
 *
 * - `GET /healthz` → 200 "OK".
 * - On connect: one binary msgpack message, the policy's metadata.
 * - Per request: msgpack(observation) in, msgpack({actions: float32[horizon, dim], server_timing:
 *   {infer_ms, prev_total_ms}}) out.
 * - On an error: the traceback as a text frame, then close code 1011.
 *
 * Observation: `state` (float32 [d], the follower's joints in degrees / gripper %), optional
 * `prompt` (str), optional images (`images.*`, uint8 [3,224,224] or [224,224,3]).
 *
 * Faults for tests and demos, by query string (`ws://host:port/?fault=nan`): `nan` (a NaN in the
 * third action), `stall` (never answers), `close` (closes without answering), `flood` (sends
 * replies nobody asked for), `jump` (the chunk leaps 90° at once), `error` (raises, as a
 * failing policy does).
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { REFERENCE_JOINTS, REFERENCE_POLICY, referenceChunk, type ReferencePolicyConfig } from "../src/core/referencePolicy.ts";
import { asMap, decodeWire, encodeWire, NdArray, type WireValue } from "../src/protocol/openpi/codec.ts";
import { actionReply } from "../src/protocol/openpi/policy.ts";

export type PolicyFault = "nan" | "stall" | "close" | "flood" | "jump" | "error";
const FAULTS: readonly PolicyFault[] = ["nan", "stall", "close", "flood", "jump", "error"];

export interface PolicyServerOptions {
  readonly port?: number;
  readonly host?: string;
  readonly config?: ReferencePolicyConfig;
  readonly log?: (line: string) => void;
}

export interface RunningPolicyServer {
  readonly port: number;
  readonly url: string;
  /** Connections served so far. */
  connections(): number;
  close(): Promise<void>;
}

/** The metadata the reference server sends on connect. */
export function referenceMetadata(config: ReferencePolicyConfig): Record<string, WireValue> {
  return {
    policy: "studio-reference",
    action_horizon: config.horizon,
    action_fps: config.fps,
    action_dim: REFERENCE_JOINTS.length,
    joints: [...REFERENCE_JOINTS],
    state_units: "degrees (gripper 0..100)",
    image_size: [224, 224],
  };
}

function checkObservation(obs: Record<string, WireValue>): { state: Float32Array; prompt: string } {
  const state = obs["state"];
  if (!(state instanceof NdArray) || state.shape.length !== 1)
    throw new Error("KeyError/ValueError: observation 'state' must be a 1-D array");
  for (const [k, v] of Object.entries(obs)) {
    if (!k.startsWith("images") && !k.startsWith("observation/")) continue;
    if (!(v instanceof NdArray) || v.dtype !== "|u1" || v.shape.length !== 3 || !(v.shape[0] === 3 || v.shape[2] === 3))
      throw new Error(`ValueError: image '${k}' must be uint8 [3,H,W] or [H,W,3]`);
  }
  const prompt = obs["prompt"];
  return { state: Float32Array.from(state.data), prompt: typeof prompt === "string" ? prompt : "" };
}

function serve(ws: WebSocket, fault: PolicyFault | undefined, config: ReferencePolicyConfig, log: (line: string) => void): void {
  ws.send(encodeWire(referenceMetadata(config)));
  let prevTotalMs: number | undefined;
  let busy = Promise.resolve();
  ws.on("message", (data, isBinary) => {
    busy = busy.then(() => {
      const t0 = performance.now();
      try {
        if (!isBinary) throw new Error("TypeError: expected a binary msgpack frame");
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        const { state, prompt } = checkObservation(
          asMap(decodeWire(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)), "observation"),
        );
        if (fault === "error") throw new Error("RuntimeError: the reference policy was asked to fail (fault=error)");
        if (fault === "stall") return;
        if (fault === "close") {
          ws.terminate();
          return;
        }
        const actions = referenceChunk(state, prompt, config);
        if (fault === "nan") actions[2 * state.length + 1] = NaN;
        if (fault === "jump") for (let i = 0; i < config.horizon; i++) actions[i * state.length] = state[0]! + 90;
        const inferMs = performance.now() - t0;
        const reply = encodeWire(
          actionReply(actions, config.horizon, state.length, { inferMs, ...(prevTotalMs === undefined ? {} : { prevTotalMs }) }),
        );
        ws.send(reply);
        if (fault === "flood") for (let i = 0; i < 20; i++) ws.send(reply);
        prevTotalMs = performance.now() - t0;
      } catch (e) {
        const text = e instanceof Error ? `Traceback (most recent call last):\n  reference policy\n${e.message}` : String(e);
        log(`policy error: ${text.split("\n").pop() ?? ""}`);
        ws.send(text);
        ws.close(1011, "Internal server error. Traceback included in previous frame.");
      }
    });
  });
}

/** Starts the server (port 0: an ephemeral port). */
export async function startPolicyServer(options: PolicyServerOptions = {}): Promise<RunningPolicyServer> {
  const config = options.config ?? REFERENCE_POLICY;
  const log = options.log ?? (() => undefined);
  const http: HttpServer = createServer((req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain", "access-control-allow-origin": "*" });
      res.end("OK");
      return;
    }
    res.writeHead(404);
    res.end();
  });
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  let count = 0;
  wss.on("connection", (ws, req) => {
    count++;
    const q = new URL(req.url ?? "/", "http://x").searchParams.get("fault");
    const fault = FAULTS.find((f) => f === q);
    log(`connection ${count}${fault ? ` (fault=${fault})` : ""}`);
    serve(ws, fault, config, log);
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 8000, options.host ?? "127.0.0.1", () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  return {
    port,
    url: `ws://${options.host === "0.0.0.0" || !options.host ? "127.0.0.1" : options.host}:${port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => http.close(() => resolve()));
      }),
  };
}
