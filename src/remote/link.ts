/**
 * The seam between the remote-teleop sessions and the network: one peer link with three
 * channels (action and state unreliable and unordered, control reliable) and the station's
 * video. `WebRtcLink` (RTCPeerConnection) and `FakeLink` (in memory, on a clock, with delay and
 * loss) both implement it; the sessions never know which one they have.
 */
import type { Clock } from "../core/clock.ts";
import { mulberry32 } from "../core/random.ts";
import type { ChannelName } from "../protocol/remoteWire.ts";

/**
 * The largest text a link carries, UTF-16 code units: `send` refuses anything longer (false, never a
 * throw; RTCDataChannel.send throws past the SCTP limit). 64 KiB is under every browser's limit and
 * far over the wire's own per-channel bounds (protocol/remoteWire.ts MAX_BYTES), which the receiving
 * session enforces.
 */
export const LINK_MAX_MESSAGE = 64 * 1024;

export interface LinkHandlers {
  /** Every channel is open. */
  open(): void;
  message(channel: ChannelName, data: unknown): void;
  /** The link ended (called once): the reason, for the user. */
  close(reason: string): void;
  /** A station camera's track arrived (operator side). */
  track?(track: MediaStreamTrack, stream: MediaStream): void;
}

/** What the link itself measures (WebRTC stats); NaN where unknown. */
export interface LinkStats {
  readonly rttMs: number;
  /** Video, summed over the station's cameras: bits per second and frames per second (receiving or sending side). */
  readonly videoKbps: number;
  readonly videoFps: number;
  readonly videoPacketsLost: number;
  /** How the packets go: straight between the two computers (through NATs or not), or relayed by a TURN server; undefined: not known (yet). */
  readonly path?: "direct" | "relay" | undefined;
}

export const NO_LINK_STATS: LinkStats = { rttMs: NaN, videoKbps: NaN, videoFps: NaN, videoPacketsLost: NaN };

export interface PeerLink {
  /**
   * Sends on a channel if it is open; false when it was not sent (closed, too long, or — on the
   * unreliable channels — the link's buffer is full: a message is dropped, never queued behind older ones).
   */
  send(channel: ChannelName, text: string): boolean;
  /** Ends the link; the peer sees it close (`handlers.close` is not called on this side). */
  close(reason: string): void;
  stats(): Promise<LinkStats>;
}

/** A link end that is built before its handlers are known (the fake pair, the WebRTC link). */
export interface ListenableLink extends PeerLink {
  listen(handlers: LinkHandlers): void;
}

export interface FakeLinkOptions {
  /** One-way delay of the unreliable channels and control, ms, plus up to `jitterMs`. */
  readonly delayMs?: number;
  readonly jitterMs?: number;
  /** Probability an unreliable message is lost. */
  readonly loss?: number;
  readonly seed?: number;
}

class FakeEnd implements ListenableLink {
  peer: FakeEnd | undefined;
  private handlers: LinkHandlers | undefined;
  private closed = false;
  private readonly inbox: { channel: ChannelName; data: string }[] = [];
  /** Messages this end sent that the wire dropped (the test can see loss is real). */
  lost = 0;
  /** Whether the wire is cut (a simulated outage): nothing passes either way. */
  cut = false;

  constructor(
    private readonly clock: Clock,
    private readonly opts: Required<FakeLinkOptions>,
    private readonly random: () => number,
  ) {}

  listen(handlers: LinkHandlers): void {
    this.handlers = handlers;
    for (const m of this.inbox.splice(0)) handlers.message(m.channel, m.data);
  }

  opened(): void {
    this.handlers?.open();
  }

  send(channel: ChannelName, text: string): boolean {
    const peer = this.peer;
    if (this.closed || !peer || text.length > LINK_MAX_MESSAGE) return false;
    const reliable = channel === "control";
    if (this.cut || (!reliable && this.random() < this.opts.loss)) {
      this.lost++;
      return true;
    }
    const delay = this.opts.delayMs + (reliable ? 0 : this.random() * this.opts.jitterMs);
    this.clock.timeout(delay, () => peer.deliver(channel, text));
    return true;
  }

  private deliver(channel: ChannelName, data: string): void {
    if (this.closed) return;
    if (this.handlers) this.handlers.message(channel, data);
    else this.inbox.push({ channel, data });
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const peer = this.peer;
    this.clock.timeout(this.opts.delayMs, () => peer?.closedByPeer(reason));
  }

  /** This end vanishes without a goodbye: the peer notices after `lossDetectMs`. */
  lose(lossDetectMs: number): void {
    if (this.closed) return;
    this.closed = true;
    const peer = this.peer;
    this.clock.timeout(lossDetectMs, () => peer?.closedByPeer("the connection was lost (no answer from the other side)"));
  }

  private closedByPeer(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers?.close(reason);
  }

  async stats(): Promise<LinkStats> {
    await Promise.resolve();
    return { ...NO_LINK_STATS, rttMs: 2 * this.opts.delayMs };
  }
}

/** Two connected fake link ends: [station, operator]. Call `open()` once both listen. */
export function fakeLinkPair(clock: Clock, options: FakeLinkOptions = {}) {
  const opts: Required<FakeLinkOptions> = { delayMs: 0, jitterMs: 0, loss: 0, seed: 1, ...options };
  const random = mulberry32(opts.seed);
  const station = new FakeEnd(clock, opts, random);
  const operator = new FakeEnd(clock, opts, random);
  station.peer = operator;
  operator.peer = station;
  return {
    station,
    operator,
    open: () => {
      station.opened();
      operator.opened();
    },
    /** The station's end (a) vanishes without a goodbye; the operator notices after `detectMs`. */
    loseStation: (detectMs = 1000) => station.lose(detectMs),
    /** Cuts (true) or restores (false) the wire both ways. */
    setCut: (cut: boolean) => {
      station.cut = cut;
      operator.cut = cut;
    },
  };
}
