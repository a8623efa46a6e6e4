/**
 * The remote-teleoperation wire format: what a station (the browser with the follower) and an
 * operator (a browser anywhere) send each other over one WebRTC peer connection.
 *
 * Three data channels, JSON text, shapes kept identical to lerobot PR #3962 (`WebRTCProxyRobot`)
 * where it has one (docs/remote.md has the mapping):
 *
 * - `action` (operator → station; unordered, no retransmits): `{t, seq, goal: {"<motor>.pos": v}, obs_seq}`
 * - `state` (station → operator; unordered, no retransmits): `{t, seq, joints: {"<motor>.pos": v},
 *   applied_seq, applied_t, command, loop, hold}` — the last three are ours
 * - `control` (reliable, ordered): request `{id, method, params}` → response `{id, ok, result, error}`;
 *   the station also pushes events `{event, params}` (take state, session info)
 *
 * Values are the studio's normalised units (degrees for body joints, 0..100 for the gripper).
 * Pure: no DOM, no timers. Every decoder is bounded and never throws: a message is a value or a
 * typed violation, and the session disconnects the peer with the violation's reason.
 */

export const CHANNELS = { action: "action", state: "state", control: "control" } as const;
export type ChannelName = keyof typeof CHANNELS;

/** Largest message accepted per channel, bytes (UTF-16 code units of the JSON text). */
export const MAX_BYTES: Readonly<Record<ChannelName, number>> = { action: 2048, state: 4096, control: 16384 };
/** Most joints in one message. */
export const MAX_JOINTS = 32;
const MAX_ID = 2 ** 53 - 1;
const KEY = /^[a-z][a-z0-9_]{0,47}\.pos$/;

/** An operator's command (PR #3962 `action`). `t`: the operator's clock, ms. */
export interface ActionMessage {
  readonly t: number;
  readonly seq: number;
  readonly goal: Readonly<Record<string, number>>;
  /** The newest state `seq` the operator had seen when it sent this (-1: none yet). */
  readonly obs_seq: number;
}

/** The station's loop, as the operator sees it (PR #3962 `state`, plus `command`, `loop`, `hold`). */
export interface StateMessage {
  readonly t: number;
  readonly seq: number;
  /** The follower's present position. */
  readonly joints: Readonly<Record<string, number>>;
  /** The newest operator `seq` the station's loop applied (-1: none), and when (station clock, ms). */
  readonly applied_seq: number;
  readonly applied_t: number;
  /** The goal the loop sent to the follower (after safety). */
  readonly command: Readonly<Record<string, number>>;
  /** The station loop's state (idle, gating, tracking, stopped, estopped, fault). */
  readonly loop: string;
  /** True while the station holds because no fresh command arrived (or it is not driven by the operator). */
  readonly hold: boolean;
}

/** Recording keys of the station's session: → ← D Esc, and starting one. */
export type RecordKey = "start" | "next" | "rerecord" | "discard" | "stop";
const RECORD_KEYS: readonly RecordKey[] = ["start", "next", "rerecord", "discard", "stop"];

export type ControlRequest =
  | { readonly id: number; readonly method: "ping"; readonly params: { readonly t: number } }
  | { readonly id: number; readonly method: "session.info"; readonly params: Record<string, never> }
  | { readonly id: number; readonly method: "teleop.start"; readonly params: Record<string, never> }
  | { readonly id: number; readonly method: "teleop.stop"; readonly params: Record<string, never> }
  | { readonly id: number; readonly method: "estop"; readonly params: Record<string, never> }
  | { readonly id: number; readonly method: "record.key"; readonly params: { readonly key: RecordKey } };

export type ControlMethod = ControlRequest["method"];
const METHODS: readonly ControlMethod[] = ["ping", "session.info", "teleop.start", "teleop.stop", "estop", "record.key"];

export interface ControlResponse {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

/** What the station tells the operator about the session (the result of `session.info`, and pushed on change). */
export interface SessionInfo {
  readonly station: string;
  /** The follower's kind (so101, koch): the operator draws that twin. */
  readonly robot: string;
  readonly joints: readonly string[];
  /** Each joint's range in normalised units (the station holds commands to it anyway). */
  readonly ranges: readonly (readonly [number, number])[];
  readonly rateHz: number;
  readonly cameras: readonly string[];
  readonly watchdogMs: number;
  readonly maxAgeMs: number;
  /** Who drives the follower: the operator, or the person at the station ("local"). */
  readonly driver: "remote" | "local";
}

/** The station's take state, as the operator sees it. */
export interface TakeInfo {
  readonly phase: string;
  readonly episode: number;
  readonly elapsedMs: number;
  readonly message: string;
  readonly qa: readonly string[];
}

/** What a take event may carry: the station clips to it ({@link takeEvent}), the operator refuses beyond it. */
export const TAKE_LIMITS = { phase: 32, message: 500, qaItems: 16, qaChars: 500 } as const;

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** The take event for `take`, clipped to {@link TAKE_LIMITS} (QA messages run long: they say what to do). */
export function takeEvent(take: TakeInfo): ControlEvent {
  const qa = take.qa.slice(0, TAKE_LIMITS.qaItems).map((q) => clip(q, TAKE_LIMITS.qaChars));
  if (take.qa.length > TAKE_LIMITS.qaItems) qa[qa.length - 1] = `…and ${take.qa.length - TAKE_LIMITS.qaItems + 1} more QA findings`;
  return {
    event: "take",
    params: { ...take, phase: clip(take.phase, TAKE_LIMITS.phase), message: clip(take.message, TAKE_LIMITS.message), qa },
  };
}

export type ControlEvent =
  | { readonly event: "session"; readonly params: SessionInfo }
  | { readonly event: "take"; readonly params: TakeInfo }
  /** The sender ends the session, and why (e.g. the peer broke the message rules). */
  | { readonly event: "bye"; readonly params: { readonly reason: string } };

export type ControlMessage =
  | { readonly kind: "request"; readonly msg: ControlRequest }
  | { readonly kind: "response"; readonly msg: ControlResponse }
  | { readonly kind: "event"; readonly msg: ControlEvent };

export type Violation = "oversized" | "malformed" | "flooding";

export type Decoded<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly violation: Violation; readonly detail: string };

const bad = (detail: string): { ok: false; violation: "malformed"; detail: string } => ({ ok: false, violation: "malformed", detail });

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
const isId = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_ID;
const isTime = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isSeqOrNone = (v: unknown): v is number => v === -1 || isId(v);

function parse(text: unknown, channel: ChannelName): Decoded<Record<string, unknown>> {
  if (typeof text !== "string") return bad("not text");
  if (text.length > MAX_BYTES[channel]) return { ok: false, violation: "oversized", detail: `${text.length} bytes on ${channel}` };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return bad("not JSON");
  }
  return isRecord(v) ? { ok: true, value: v } : bad("not an object");
}

/** A `{"<motor>.pos": number}` map: at most MAX_JOINTS finite values under well-formed keys. */
function jointMap(v: unknown): Record<string, number> | undefined {
  if (!isRecord(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length > MAX_JOINTS) return undefined;
  const out: Record<string, number> = {};
  for (const k of keys) {
    const x = v[k];
    if (!KEY.test(k) || typeof x !== "number" || !Number.isFinite(x)) return undefined;
    out[k] = x;
  }
  return out;
}

export function decodeAction(text: unknown): Decoded<ActionMessage> {
  const p = parse(text, "action");
  if (!p.ok) return p;
  const { t, seq, goal, obs_seq } = p.value;
  const g = jointMap(goal);
  if (!isTime(t) || !isId(seq) || !g || !isSeqOrNone(obs_seq)) return bad("action needs t, seq, goal {<motor>.pos: number}, obs_seq");
  return { ok: true, value: { t, seq, goal: g, obs_seq } };
}

export function decodeState(text: unknown): Decoded<StateMessage> {
  const p = parse(text, "state");
  if (!p.ok) return p;
  const { t, seq, joints, applied_seq, applied_t, command, loop, hold } = p.value;
  const j = jointMap(joints);
  const c = jointMap(command);
  if (!isTime(t) || !isId(seq) || !j || !c || !isSeqOrNone(applied_seq) || !isTime(applied_t)) return bad("state is missing fields");
  if (typeof loop !== "string" || loop.length > 32 || typeof hold !== "boolean") return bad("state is missing fields");
  return { ok: true, value: { t, seq, joints: j, applied_seq, applied_t, command: c, loop, hold } };
}

function request(v: Record<string, unknown>): ControlRequest | undefined {
  const { id, method, params } = v;
  if (!isId(id) || !METHODS.includes(method as ControlMethod)) return undefined;
  const p = params === undefined ? {} : params;
  if (!isRecord(p)) return undefined;
  switch (method as ControlMethod) {
    case "ping":
      return isTime(p["t"]) ? { id, method: "ping", params: { t: p["t"] } } : undefined;
    case "record.key":
      return RECORD_KEYS.includes(p["key"] as RecordKey) ? { id, method: "record.key", params: { key: p["key"] as RecordKey } } : undefined;
    case "session.info":
    case "teleop.start":
    case "teleop.stop":
    case "estop":
      return { id, method: method as "session.info", params: {} };
  }
}

const strings = (v: unknown, max: number, chars = 200): v is string[] =>
  Array.isArray(v) && v.length <= max && v.every((s) => typeof s === "string" && s.length <= chars);

function sessionInfo(p: Record<string, unknown>): SessionInfo | undefined {
  const { station, robot, joints, ranges, rateHz, cameras, watchdogMs, maxAgeMs, driver } = p;
  if (typeof robot !== "string" || robot.length > 32) return undefined;
  if (typeof station !== "string" || !strings(joints, MAX_JOINTS) || !strings(cameras, 16)) return undefined;
  if (!Array.isArray(ranges) || ranges.length > MAX_JOINTS) return undefined;
  if (!ranges.every((r) => Array.isArray(r) && r.length === 2 && r.every(isTime))) return undefined;
  if (!isTime(rateHz) || !isTime(watchdogMs) || !isTime(maxAgeMs) || (driver !== "remote" && driver !== "local")) return undefined;
  return {
    station: station.slice(0, 200),
    robot,
    joints,
    ranges: ranges as [number, number][],
    rateHz,
    cameras,
    watchdogMs,
    maxAgeMs,
    driver,
  };
}

function event(v: Record<string, unknown>): ControlEvent | undefined {
  const p = v["params"];
  if (!isRecord(p)) return undefined;
  if (v["event"] === "session") {
    const info = sessionInfo(p);
    return info ? { event: "session", params: info } : undefined;
  }
  if (v["event"] === "bye")
    return typeof p["reason"] === "string" ? { event: "bye", params: { reason: p["reason"].slice(0, 500) } } : undefined;
  if (v["event"] === "take") {
    const { phase, episode, elapsedMs, message, qa } = p;
    if (typeof phase !== "string" || !isTime(episode) || !isTime(elapsedMs) || typeof message !== "string") return undefined;
    if (!strings(qa, TAKE_LIMITS.qaItems, TAKE_LIMITS.qaChars)) return undefined;
    const params = { phase: phase.slice(0, TAKE_LIMITS.phase), episode, elapsedMs, message: message.slice(0, TAKE_LIMITS.message), qa };
    return { event: "take", params };
  }
  return undefined;
}

/** Decodes a control-channel message: a request, a response, or an event. */
export function decodeControl(text: unknown): Decoded<ControlMessage> {
  const p = parse(text, "control");
  if (!p.ok) return p;
  const v = p.value;
  if ("method" in v) {
    const msg = request(v);
    return msg ? { ok: true, value: { kind: "request", msg } } : bad("unknown or malformed control request");
  }
  if ("event" in v) {
    const msg = event(v);
    return msg ? { ok: true, value: { kind: "event", msg } } : bad("unknown or malformed control event");
  }
  const { id, ok, error } = v;
  if (!isId(id) || typeof ok !== "boolean" || !(error === undefined || typeof error === "string")) return bad("malformed control response");
  return {
    ok: true,
    value: {
      kind: "response",
      msg: { id, ok, ...("result" in v ? { result: v["result"] } : {}), ...(error ? { error: error.slice(0, 500) } : {}) },
    },
  };
}

export const encode = (msg: ActionMessage | StateMessage | ControlRequest | ControlResponse | ControlEvent): string => JSON.stringify(msg);

/** `{"<motor>.pos": v}` from joint names and values (NaN values are left out: the station holds that joint). */
export function toJointMap(names: readonly string[], values: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < names.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) out[`${names[i]}.pos`] = v;
  }
  return out;
}

/** Values in `names` order from a joint map (NaN where a joint is missing). */
export function fromJointMap(names: readonly string[], map: Readonly<Record<string, number>>, out: number[] = []): number[] {
  out.length = names.length;
  for (let i = 0; i < names.length; i++) out[i] = map[`${names[i]}.pos`] ?? NaN;
  return out;
}

/**
 * Bounds a peer's message rate per channel (token bucket, on the caller's clock). Flooding past
 * the burst is a violation: the session disconnects the peer and the station holds.
 */
export class RateGuard {
  private tokens: number;
  private last = NaN;
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** False when this message is over the rate. */
  take(now: number): boolean {
    if (!Number.isNaN(this.last)) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Sustained messages per second and burst per channel, from a peer. The bursts are large on
 * purpose: a receiver whose page stalled for seconds gets everything that waited at once (the
 * senders run at 50, 30 and ~2 messages a second); a flood fills them in a fraction of a second.
 */
export const RATE_LIMITS: Readonly<Record<ChannelName, readonly [number, number]>> = {
  action: [400, 1000],
  state: [400, 1000],
  control: [100, 500],
};

/** One rate guard per channel a peer sends on. */
export class InboundRates {
  private readonly guards = new Map<ChannelName, RateGuard>();

  /** False when a message on `channel` at `now` is over the channel's rate. */
  admit(channel: ChannelName, now: number): boolean {
    let g = this.guards.get(channel);
    if (!g) {
      const [perSecond, burst] = RATE_LIMITS[channel];
      g = new RateGuard(perSecond, burst);
      this.guards.set(channel, g);
    }
    return g.take(now);
  }
}
