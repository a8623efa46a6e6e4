/**
 * The wire protocol between the studio, the phone and the signaling server (server/signaling.ts).
 *
 * Pure data and parsing: no DOM, no timers, so the Node server and both browser sides share it.
 *
 * Pairing: the studio sends `create` and receives a one-time `code`; the phone sends `join` with
 * that code (the server consumes it); from then on `signal` messages are relayed verbatim between
 * the two. Each side also receives a one-time `resumeToken` to re-attach after its socket dropped
 * (`resume`); every resume hands out a fresh token.
 */

/** Path on the HTTP(S) server where the signaling WebSocket is upgraded. */
export const SIGNAL_PATH = "/signal";

/** Close codes (4000–4999 are the application's range; 1009 is the standard "message too big"). */
export const CLOSE_CODE = {
  /** Not JSON, an unknown type, or a message not allowed in this state. */
  badMessage: 4400,
  /** The pairing code or resume token is unknown, used, or expired. */
  refused: 4403,
  /** Nobody joined the room in time, or the socket never said what it wanted. */
  timeout: 4408,
  /** The same side resumed on another socket. */
  replaced: 4409,
  /** The room was closed by the other side (`bye`) or the server. */
  ended: 4410,
  /** More messages per second than allowed. */
  rateLimited: 4429,
  /** Too many rooms open on the server. */
  busy: 4503,
  /** A message larger than the server accepts (sent by the `ws` library itself). */
  tooBig: 1009,
} as const;

export type SignalingErrorReason = "bad-message" | "code-refused" | "resume-refused" | "expired" | "rate-limited" | "busy";

export type ClientMessage =
  { type: "create" } | { type: "join"; code: string } | { type: "resume"; token: string } | { type: "signal"; data: SignalPayload };

/** Relayed between the peers; the server only checks that it is a JSON object. */
export type SignalPayload =
  | { kind: "offer"; sdp: string }
  | { kind: "answer"; sdp: string }
  | { kind: "candidate"; candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }
  | { kind: "info"; label: string; width: number | null; height: number | null; frameRate: number | null }
  /** From the phone: it has a camera track and needs a (new) offer — after joining, and after resuming without working video. */
  | { kind: "ready" }
  | { kind: "bye" };

export type ServerMessage =
  | { type: "created"; code: string; resumeToken: string; expiresInMs: number; phoneOrigins: string[] }
  | { type: "joined"; resumeToken: string }
  | { type: "resumed"; resumeToken: string; peerPresent: boolean }
  | { type: "peer-joined" }
  | { type: "peer-left" }
  | { type: "peer-back" }
  | { type: "signal"; data: SignalPayload }
  | { type: "error"; reason: SignalingErrorReason; message: string };

/** Longest code/token string accepted (base64url of 16 bytes is 22 characters). */
const MAX_SECRET_LENGTH = 64;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isSecret(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_SECRET_LENGTH && /^[A-Za-z0-9_-]+$/.test(v);
}

/** Parses a client's message as the server sees it; `undefined` when malformed. `data` of a signal is checked only for being an object. */
export function parseClientMessage(text: string): ClientMessage | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v)) return undefined;
  switch (v["type"]) {
    case "create":
      return { type: "create" };
    case "join":
      return isSecret(v["code"]) ? { type: "join", code: v["code"] } : undefined;
    case "resume":
      return isSecret(v["token"]) ? { type: "resume", token: v["token"] } : undefined;
    case "signal":
      return isRecord(v["data"]) ? { type: "signal", data: v["data"] as SignalPayload } : undefined;
    default:
      return undefined;
  }
}

function nullableNumber(v: unknown): v is number | null {
  return v === null || (typeof v === "number" && Number.isFinite(v));
}

/** Checks a relayed payload on the receiving side; `undefined` when it is not one we understand. */
export function parseSignalPayload(v: unknown): SignalPayload | undefined {
  if (!isRecord(v)) return undefined;
  switch (v["kind"]) {
    case "offer":
    case "answer":
      return typeof v["sdp"] === "string" ? { kind: v["kind"], sdp: v["sdp"] } : undefined;
    case "candidate": {
      const { candidate, sdpMid, sdpMLineIndex } = v;
      if (typeof candidate !== "string") return undefined;
      if (!(sdpMid === null || typeof sdpMid === "string")) return undefined;
      if (!(sdpMLineIndex === null || (typeof sdpMLineIndex === "number" && Number.isInteger(sdpMLineIndex)))) return undefined;
      return { kind: "candidate", candidate, sdpMid, sdpMLineIndex };
    }
    case "info": {
      const { label, width, height, frameRate } = v;
      if (typeof label !== "string" || !nullableNumber(width) || !nullableNumber(height) || !nullableNumber(frameRate)) return undefined;
      return { kind: "info", label: label.slice(0, 200), width, height, frameRate };
    }
    case "ready":
      return { kind: "ready" };
    case "bye":
      return { kind: "bye" };
    default:
      return undefined;
  }
}

const ERROR_REASONS: readonly SignalingErrorReason[] = ["bad-message", "code-refused", "resume-refused", "expired", "rate-limited", "busy"];

/** Parses a server's message on the client; `undefined` when malformed. */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v)) return undefined;
  switch (v["type"]) {
    case "created": {
      const { code, resumeToken, expiresInMs, phoneOrigins } = v;
      if (!isSecret(code) || !isSecret(resumeToken) || typeof expiresInMs !== "number") return undefined;
      if (!Array.isArray(phoneOrigins) || !phoneOrigins.every((o) => typeof o === "string")) return undefined;
      return { type: "created", code, resumeToken, expiresInMs, phoneOrigins: phoneOrigins as string[] };
    }
    case "joined":
      return isSecret(v["resumeToken"]) ? { type: "joined", resumeToken: v["resumeToken"] } : undefined;
    case "resumed":
      return isSecret(v["resumeToken"]) && typeof v["peerPresent"] === "boolean"
        ? { type: "resumed", resumeToken: v["resumeToken"], peerPresent: v["peerPresent"] }
        : undefined;
    case "peer-joined":
    case "peer-left":
    case "peer-back":
      return { type: v["type"] };
    case "signal": {
      const data = parseSignalPayload(v["data"]);
      return data ? { type: "signal", data } : undefined;
    }
    case "error": {
      const { reason, message } = v;
      if (typeof message !== "string" || !ERROR_REASONS.includes(reason as SignalingErrorReason)) return undefined;
      return { type: "error", reason: reason as SignalingErrorReason, message };
    }
    default:
      return undefined;
  }
}

/** The phone page's address for a code: `<origin>/phone.html#code=<code>` (the fragment never reaches a server). */
export function phoneLink(origin: string, code: string): string {
  return `${origin.replace(/\/+$/, "")}/phone.html#code=${encodeURIComponent(code)}`;
}

/** Reads the code from a location hash such as `#code=abc`; `undefined` when absent or malformed. */
export function codeFromHash(hash: string): string | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const code = params.get("code");
  return isSecret(code) ? code : undefined;
}

/** The signaling WebSocket URL on the same origin as a page (`ws:` for `http:`, `wss:` for `https:`). */
export function signalingUrlFor(pageUrl: string): string {
  const u = new URL(SIGNAL_PATH, pageUrl);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.hash = "";
  u.search = "";
  return u.toString();
}
