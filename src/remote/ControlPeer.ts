/**
 * One side of the control channel, shared by the station and the operator: requests with ids and
 * their responses (timed out on the clock), events, pings answered with our clock, the peer's
 * clock estimated from our pings (ClockSync), and the bounds on everything a peer sends: a
 * malformed, oversized or flooding message on any channel ends the link with the reason.
 */
import type { Clock } from "../core/clock.ts";
import {
  type ChannelName,
  type ControlEvent,
  type ControlMethod,
  type ControlRequest,
  decodeControl,
  type Decoded,
  encode,
  InboundRates,
} from "../protocol/remoteWire.ts";
import { ClockSync } from "./clockSync.ts";
import type { ListenableLink, PeerLink } from "./link.ts";

type Params<M extends ControlMethod> = Extract<ControlRequest, { method: M }>["params"];

export interface ControlPeerHandlers {
  /** A request from the peer (ping is answered here): the result, or throw to answer with the error. */
  request(req: ControlRequest): Promise<unknown>;
  event(ev: ControlEvent): void;
  /** The peer broke the rules: the link was closed with this reason. */
  violation(reason: string): void;
}

const REQUEST_TIMEOUT_MS = 5000;

export class ControlPeer {
  readonly sync = new ClockSync();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; cancel: () => void }>();
  private readonly rates = new InboundRates();
  private ended = false;

  constructor(
    private readonly link: PeerLink,
    private readonly clock: Clock,
    private readonly handlers: ControlPeerHandlers,
  ) {}

  /** Sends a request; resolves with the result, rejects with the peer's error or a timeout. */
  call<M extends ControlMethod>(method: M, params: Params<M>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const cancel = this.clock.timeout(REQUEST_TIMEOUT_MS, () => {
        this.pending.delete(id);
        reject(new Error(`The other side did not answer "${method}" within ${REQUEST_TIMEOUT_MS / 1000} s.`));
      });
      this.pending.set(id, { resolve, reject, cancel });
      if (!this.link.send("control", encode({ id, method, params } as ControlRequest))) {
        cancel();
        this.pending.delete(id);
        reject(new Error("The link is not open."));
      }
    });
  }

  /** Pings the peer (its answer refines the clock estimate and the round trip). */
  ping(): void {
    const t0 = this.clock.now();
    this.call("ping", { t: t0 }).then(
      (r) => {
        const peer = (r as { peer_t?: unknown } | undefined)?.peer_t;
        if (typeof peer === "number") this.sync.add(t0, peer, this.clock.now());
      },
      () => undefined,
    );
  }

  emit(ev: ControlEvent): void {
    this.link.send("control", encode(ev));
  }

  /**
   * Checks a message's rate and size, then decodes it with `decode`; on a violation closes the link
   * (the reason goes to the peer and to `handlers.violation`) and returns undefined.
   */
  admit<T>(channel: ChannelName, data: unknown, decode: (text: unknown) => Decoded<T>): T | undefined {
    if (this.ended) return undefined;
    if (!this.rates.admit(channel, this.clock.now())) return this.violate(`flooding: too many messages on ${channel}`);
    const d = decode(data);
    if (!d.ok) return this.violate(`${d.violation} message on ${channel} (${d.detail})`);
    return d.value;
  }

  /** A message on the control channel. */
  onControl(data: unknown): void {
    const m = this.admit("control", data, decodeControl);
    if (!m) return;
    if (m.kind === "event") return this.handlers.event(m.msg);
    if (m.kind === "response") {
      const p = this.pending.get(m.msg.id);
      if (!p) return;
      this.pending.delete(m.msg.id);
      p.cancel();
      if (m.msg.ok) p.resolve(m.msg.result);
      else p.reject(new Error(m.msg.error ?? "refused"));
      return;
    }
    const req = m.msg;
    const answer = req.method === "ping" ? Promise.resolve({ t: req.params.t, peer_t: this.clock.now() }) : this.handlers.request(req);
    answer.then(
      (result) => this.link.send("control", encode({ id: req.id, ok: true, result })),
      (e: unknown) => this.link.send("control", encode({ id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) })),
    );
  }

  /** The link ended: pending requests fail. */
  end(reason: string): void {
    this.ended = true;
    for (const p of this.pending.values()) {
      p.cancel();
      p.reject(new Error(reason));
    }
    this.pending.clear();
  }

  private violate(reason: string): undefined {
    this.end(reason);
    this.link.send("control", encode({ event: "bye", params: { reason } }));
    this.link.close(reason);
    this.handlers.violation(reason);
    return undefined;
  }
}

/** What a session holds while it is paired: released together, in order, when it ends. */
export interface HeldPeer {
  link?: ListenableLink | undefined;
  control?: ControlPeer | undefined;
  stopTicks?: (() => void) | undefined;
  /** Leaves the pairing (the signaling room). */
  leave?: (() => void) | undefined;
}

/** Stops the ticks, fails pending requests, closes the link and leaves the room. */
export function releasePeer(held: HeldPeer, reason: string): void {
  held.stopTicks?.();
  held.control?.end(reason);
  held.link?.close(reason);
  held.leave?.();
}
