/**
 * The signaling server that pairs a studio with a phone camera (WebRTC offer/answer/ICE relay).
 *
 * - The studio sends `create`; it gets a one-time code (128 random bits, base64url).
 * - The phone sends `join` with the code; the code is consumed, a second phone is refused.
 * - `signal` messages are relayed verbatim to the other side of the room.
 * - Message size (ws `maxPayload` → close 1009) and rate (token bucket → close 4429) are bounded.
 * - A room nobody joined expires (close 4408); a room is forgotten when both sides have left.
 * - Each side gets a one-time resume token to re-attach after its socket dropped.
 *
 * Codes and tokens are never logged. See docs/phone-camera.md.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import {
  CLOSE_CODE,
  type ClientMessage,
  parseClientMessage,
  type ServerMessage,
  SIGNAL_PATH,
  type SignalingErrorReason,
} from "../src/capture/phone/signalingProtocol.ts";

export interface SignalingOptions {
  /** Largest message accepted, bytes (default 64 KiB); larger closes the socket with 1009. */
  maxMessageBytes?: number;
  /** Sustained messages per second per socket (default 50). */
  messagesPerSecond?: number;
  /** Burst allowance of the token bucket (default 100 messages). */
  burst?: number;
  /** A room whose code nobody used is closed after this long (default 10 min). */
  roomTimeoutMs?: number;
  /** A socket must send create/join/resume within this long (default 15 s). */
  helloTimeoutMs?: number;
  /** Rooms open at once (default 64); more are refused with `busy`. */
  maxRooms?: number;
  /** Ping interval to find dead sockets (default 20 s; 0 disables). */
  heartbeatMs?: number;
  /** Origins where the phone page can be opened (e.g. `https://192.168.1.20:5443`), sent with `created`. */
  phoneOrigins?: () => string[];
  /** Whether a WebSocket handshake with this Origin header may connect (default: no Origin, or Origin's host equals Host). */
  allowOrigin?: (origin: string | undefined, host: string | undefined) => boolean;
  /** Called with a line about server events (never codes or tokens). */
  log?: (line: string) => void;
}

type Side = "studio" | "phone";

interface Room {
  /** The unused pairing code, or undefined once a phone joined. */
  code: string | undefined;
  studio: WebSocket | undefined;
  phone: WebSocket | undefined;
  /** Current resume token per side. */
  tokens: { studio: string | undefined; phone: string | undefined };
  expiry: NodeJS.Timeout | undefined;
}

interface Peer {
  room: Room | undefined;
  side: Side | undefined;
  tokens: number;
  lastRefill: number;
  alive: boolean;
  hello: NodeJS.Timeout | undefined;
}

/** 128 random bits as base64url (22 characters). */
function newSecret(): string {
  return randomBytes(16).toString("base64url");
}

/** Default origin check: a browser page may connect only from the host it is talking to. */
export function sameHostOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true; // not a browser (or a browser that sends none): nothing to protect against
  if (host === undefined) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export class SignalingServer {
  readonly #wss: WebSocketServer;
  readonly #rooms = new Set<Room>();
  readonly #codes = new Map<string, Room>();
  readonly #resume = new Map<string, { room: Room; side: Side }>();
  readonly #peers = new Map<WebSocket, Peer>();
  readonly #opts: Required<Omit<SignalingOptions, "log">> & { log: (line: string) => void };
  readonly #heartbeat: NodeJS.Timeout | undefined;

  constructor(options: SignalingOptions = {}) {
    this.#opts = {
      maxMessageBytes: options.maxMessageBytes ?? 64 * 1024,
      messagesPerSecond: options.messagesPerSecond ?? 50,
      burst: options.burst ?? 100,
      roomTimeoutMs: options.roomTimeoutMs ?? 10 * 60_000,
      helloTimeoutMs: options.helloTimeoutMs ?? 15_000,
      maxRooms: options.maxRooms ?? 64,
      heartbeatMs: options.heartbeatMs ?? 20_000,
      phoneOrigins: options.phoneOrigins ?? (() => []),
      allowOrigin: options.allowOrigin ?? sameHostOrigin,
      log: options.log ?? (() => {}),
    };
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: this.#opts.maxMessageBytes, perMessageDeflate: false });
    this.#wss.on("connection", (ws) => this.#onConnection(ws));
    if (this.#opts.heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => this.#ping(), this.#opts.heartbeatMs);
      this.#heartbeat.unref();
    }
  }

  /** Rooms currently held (for tests and diagnostics). */
  get roomCount(): number {
    return this.#rooms.size;
  }

  /**
   * Handles an HTTP upgrade if it is for the signaling path; returns false (leaving the socket
   * alone) for any other path so other upgrade handlers (e.g. Vite's HMR) can take it.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? "").split("?")[0];
    if (path !== SIGNAL_PATH) return false;
    if (!this.#opts.allowOrigin(req.headers.origin, req.headers.host)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      this.#opts.log("signaling: refused a WebSocket from another origin");
      return true;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#wss.emit("connection", ws, req));
    return true;
  }

  /** Listens for upgrades on an HTTP(S) server; returns a function that stops listening. */
  attach(server: HttpServer): () => void {
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      this.handleUpgrade(req, socket, head);
    };
    server.on("upgrade", onUpgrade);
    return () => server.off("upgrade", onUpgrade);
  }

  /** Closes every socket and forgets every room. */
  async close(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const ws of this.#peers.keys()) ws.terminate();
    for (const room of [...this.#rooms]) this.#forget(room);
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #onConnection(ws: WebSocket): void {
    const peer: Peer = {
      room: undefined,
      side: undefined,
      tokens: this.#opts.burst,
      lastRefill: performance.now(),
      alive: true,
      hello: undefined,
    };
    peer.hello = setTimeout(() => {
      if (peer.room === undefined) ws.close(CLOSE_CODE.timeout, "no create or join in time");
    }, this.#opts.helloTimeoutMs);
    this.#peers.set(ws, peer);
    ws.on("pong", () => {
      peer.alive = true;
    });
    ws.on("message", (data, isBinary) => {
      if (!this.#take(peer)) {
        this.#fail(ws, "rate-limited", "Too many messages per second.", CLOSE_CODE.rateLimited);
        return;
      }
      const msg = isBinary ? undefined : parseClientMessage(rawToString(data));
      if (msg === undefined) {
        this.#fail(ws, "bad-message", "The signaling server did not understand a message.", CLOSE_CODE.badMessage);
        return;
      }
      this.#onMessage(ws, peer, msg);
    });
    ws.on("close", () => this.#onClose(ws, peer));
    ws.on("error", () => {
      // 'close' follows; nothing else to do (e.g. 1009 from an oversize message)
    });
  }

  /** Token bucket: refills at messagesPerSecond up to burst; false when empty. */
  #take(peer: Peer): boolean {
    const now = performance.now();
    peer.tokens = Math.min(this.#opts.burst, peer.tokens + ((now - peer.lastRefill) / 1000) * this.#opts.messagesPerSecond);
    peer.lastRefill = now;
    if (peer.tokens < 1) return false;
    peer.tokens -= 1;
    return true;
  }

  #onMessage(ws: WebSocket, peer: Peer, msg: ClientMessage): void {
    if (msg.type === "signal") {
      const room = peer.room;
      if (room === undefined || peer.side === undefined) {
        this.#fail(ws, "bad-message", "Signal before pairing.", CLOSE_CODE.badMessage);
        return;
      }
      const other = peer.side === "studio" ? room.phone : room.studio;
      if (other && other.readyState === WebSocket.OPEN) send(other, { type: "signal", data: msg.data });
      if (msg.data.kind === "bye") this.#end(room);
      return;
    }
    if (peer.room !== undefined) {
      this.#fail(ws, "bad-message", "This socket is already in a room.", CLOSE_CODE.badMessage);
      return;
    }
    switch (msg.type) {
      case "create":
        this.#create(ws, peer);
        return;
      case "join":
        this.#join(ws, peer, msg.code);
        return;
      case "resume":
        this.#resumeSide(ws, peer, msg.token);
        return;
    }
  }

  #create(ws: WebSocket, peer: Peer): void {
    if (this.#rooms.size >= this.#opts.maxRooms) {
      this.#fail(ws, "busy", "The signaling server has too many open pairings; close one and try again.", CLOSE_CODE.busy);
      return;
    }
    const code = newSecret();
    const room: Room = { code, studio: ws, phone: undefined, tokens: { studio: undefined, phone: undefined }, expiry: undefined };
    room.expiry = setTimeout(() => this.#expire(room), this.#opts.roomTimeoutMs);
    this.#rooms.add(room);
    this.#codes.set(code, room);
    this.#seat(peer, room, "studio");
    const resumeToken = this.#issueToken(room, "studio");
    send(ws, { type: "created", code, resumeToken, expiresInMs: this.#opts.roomTimeoutMs, phoneOrigins: this.#opts.phoneOrigins() });
    this.#opts.log(`signaling: room created (${this.#rooms.size} open)`);
  }

  #join(ws: WebSocket, peer: Peer, code: string): void {
    const room = this.#codes.get(code);
    if (room === undefined) {
      this.#fail(
        ws,
        "code-refused",
        "This pairing code is not valid: it was already used, it expired, or the studio closed it. Show a new code in the studio and scan it again.",
        CLOSE_CODE.refused,
      );
      this.#opts.log("signaling: refused a join with an unknown or used code");
      return;
    }
    this.#codes.delete(code);
    room.code = undefined;
    if (room.expiry) clearTimeout(room.expiry);
    room.expiry = undefined;
    room.phone = ws;
    this.#seat(peer, room, "phone");
    send(ws, { type: "joined", resumeToken: this.#issueToken(room, "phone") });
    if (room.studio) send(room.studio, { type: "peer-joined" });
    this.#opts.log("signaling: phone joined a room");
  }

  #resumeSide(ws: WebSocket, peer: Peer, token: string): void {
    const entry = this.#resume.get(token);
    if (entry === undefined) {
      this.#fail(
        ws,
        "resume-refused",
        "The pairing is over (the studio closed it or the server restarted). Scan a new code.",
        CLOSE_CODE.refused,
      );
      return;
    }
    const { room, side } = entry;
    this.#resume.delete(token);
    const previous = room[side];
    if (previous && previous !== ws) {
      // The old socket may linger half-open; it no longer speaks for this side.
      const old = this.#peers.get(previous);
      if (old) old.room = undefined;
      previous.close(CLOSE_CODE.replaced, "resumed on another connection");
    }
    room[side] = ws;
    this.#seat(peer, room, side);
    const other = side === "studio" ? room.phone : room.studio;
    send(ws, { type: "resumed", resumeToken: this.#issueToken(room, side), peerPresent: other !== undefined });
    if (other) send(other, { type: "peer-back" });
  }

  #seat(peer: Peer, room: Room, side: Side): void {
    peer.room = room;
    peer.side = side;
    if (peer.hello) clearTimeout(peer.hello);
    peer.hello = undefined;
  }

  #issueToken(room: Room, side: Side): string {
    const old = room.tokens[side];
    if (old !== undefined) this.#resume.delete(old);
    const token = newSecret();
    room.tokens[side] = token;
    this.#resume.set(token, { room, side });
    return token;
  }

  #onClose(ws: WebSocket, peer: Peer): void {
    this.#peers.delete(ws);
    if (peer.hello) clearTimeout(peer.hello);
    const room = peer.room;
    const side = peer.side;
    peer.room = undefined;
    if (room === undefined || side === undefined || room[side] !== ws) return;
    room[side] = undefined;
    if (room.studio === undefined && room.phone === undefined) {
      this.#forget(room);
      return;
    }
    const other = side === "studio" ? room.phone : room.studio;
    if (other) send(other, { type: "peer-left" });
  }

  #expire(room: Room): void {
    room.expiry = undefined;
    if (room.studio) {
      send(room.studio, { type: "error", reason: "expired", message: "Nobody used the pairing code in time; create a new one." });
      room.studio.close(CLOSE_CODE.timeout, "pairing code expired");
    }
    this.#forget(room);
    this.#opts.log("signaling: a pairing code expired unused");
  }

  /** Ends a room on `bye`: both sockets are closed and the room is forgotten. */
  #end(room: Room): void {
    for (const ws of [room.studio, room.phone]) {
      if (ws) {
        const p = this.#peers.get(ws);
        if (p) p.room = undefined;
        ws.close(CLOSE_CODE.ended, "pairing ended");
      }
    }
    this.#forget(room);
  }

  #forget(room: Room): void {
    if (room.expiry) clearTimeout(room.expiry);
    room.expiry = undefined;
    if (room.code !== undefined) this.#codes.delete(room.code);
    room.code = undefined;
    for (const token of [room.tokens.studio, room.tokens.phone]) if (token !== undefined) this.#resume.delete(token);
    room.tokens = { studio: undefined, phone: undefined };
    room.studio = undefined;
    room.phone = undefined;
    this.#rooms.delete(room);
  }

  #fail(ws: WebSocket, reason: SignalingErrorReason, message: string, closeCode: number): void {
    send(ws, { type: "error", reason, message });
    ws.close(closeCode, reason);
  }

  #ping(): void {
    for (const [ws, peer] of this.#peers) {
      if (!peer.alive) {
        ws.terminate();
        continue;
      }
      peer.alive = false;
      ws.ping();
    }
  }
}

function send(ws: WebSocket, msg: ServerMessage): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

function rawToString(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
