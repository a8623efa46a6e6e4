/**
 * A remote policy over openpi's websocket protocol: connect → the server's metadata message;
 * then one binary msgpack observation per request, one action reply back. A text frame is the
 * server's error (a traceback), followed by close 1011. A message nobody asked for (a flooding
 * server) ends the connection: a reply is only ever matched to the request it answers.
 */
import { decodeWire, DEFAULT_WIRE_LIMITS, encodeWire, type WireLimits, asMap, WireError } from "../../protocol/openpi/codec.ts";
import {
  type ActionChunk,
  type Observation,
  parseActionReply,
  type PolicyClient,
  PolicyError,
  type PolicyMetadata,
} from "../../protocol/openpi/policy.ts";

/** What the client needs of a WebSocket (the browser's, or `ws` in Node). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

interface Pending {
  resolve(v: unknown): void;
  reject(e: PolicyError): void;
}

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

export class WebSocketPolicyClient implements PolicyClient {
  private ws: WebSocketLike | undefined;
  private pending: Pending | undefined;
  private connecting: Promise<PolicyMetadata> | undefined;
  private serverError: string | undefined;
  private ended = false;
  private opened = false;
  private readonly closedListeners = new Set<(e: PolicyError) => void>();

  constructor(
    readonly url: string,
    private readonly socket: WebSocketFactory = (u) => new WebSocket(u) as unknown as WebSocketLike,
    private readonly limits: WireLimits = DEFAULT_WIRE_LIMITS,
  ) {}

  connect(): Promise<PolicyMetadata> {
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<unknown>((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = this.socket(this.url);
      } catch (e) {
        reject(new PolicyError("connect", `${this.url} is not a WebSocket address (${e instanceof Error ? e.message : String(e)}).`));
        return;
      }
      this.ws = ws;
      ws.binaryType = "arraybuffer";
      this.pending = { resolve, reject };
      ws.onmessage = (ev) => this.onMessage(ev.data);
      ws.onopen = () => {
        this.opened = true;
      };
      ws.onerror = () => undefined; // the close event that follows says what happened
      ws.onclose = (ev) => this.onClose(ev.code, ev.reason);
    }).then((m) => asMap(m as never, "The server's metadata") as PolicyMetadata);
    return this.connecting;
  }

  infer(observation: Observation): Promise<ActionChunk> {
    const ws = this.ws;
    if (!ws || this.ended) return Promise.reject(new PolicyError("closed", "Not connected to the policy server: connect first."));
    if (this.pending) return Promise.reject(new PolicyError("busy", "A request to the policy is already in flight."));
    const bytes = encodeWire(observation);
    return new Promise<unknown>((resolve, reject) => {
      this.pending = { resolve, reject };
      ws.send(bytes);
    }).then((reply) => {
      try {
        return parseActionReply(reply as never);
      } catch (e) {
        throw new PolicyError("protocol", `The policy's reply is not usable: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.fail(new PolicyError("closed", "The connection to the policy was closed."));
    this.ws?.close(1000, "client closed");
  }

  onClosed(fn: (error: PolicyError) => void): () => void {
    this.closedListeners.add(fn);
    return () => this.closedListeners.delete(fn);
  }

  private onMessage(data: unknown): void {
    if (typeof data === "string") {
      // openpi: the traceback as text, then close 1011.
      this.serverError = data;
      return;
    }
    const bytes = toBytes(data);
    const p = this.pending;
    if (!p) {
      this.abort(new PolicyError("protocol", "The policy server sent a message nobody asked for (one reply per request): disconnected."));
      return;
    }
    this.pending = undefined;
    if (!bytes) return p.reject(new PolicyError("protocol", "The policy server sent a frame that is neither bytes nor text."));
    try {
      p.resolve(decodeWire(bytes, this.limits));
    } catch (e) {
      p.reject(new PolicyError("protocol", `The policy server's message is malformed: ${e instanceof WireError ? e.message : String(e)}`));
    }
  }

  private onClose(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    const last = this.serverError?.trim().split("\n").pop();
    const error =
      code === 1011 || this.serverError
        ? new PolicyError("server", `The policy server failed${last ? `: ${last}` : ""} (code ${code}). See the server's log.`)
        : !this.opened
          ? new PolicyError("connect", `Could not reach the policy server at ${this.url}: is it running?`)
          : new PolicyError("closed", `The policy server closed the connection (code ${code}${reason ? `, ${reason}` : ""}).`);
    this.fail(error);
    for (const fn of this.closedListeners) fn(error);
  }

  private abort(error: PolicyError): void {
    if (this.ended) return;
    this.ended = true;
    this.fail(error);
    this.ws?.close(1002, "protocol error");
    for (const fn of this.closedListeners) fn(error);
  }

  private fail(error: PolicyError): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(error);
  }
}
