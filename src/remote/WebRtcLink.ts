/**
 * The real peer link: one RTCPeerConnection with two unreliable, unordered data channels
 * (`action`, `state`: ordered:false, maxRetransmits:0), a reliable `control` channel and one video
 * track per station camera; paired through the studio's signaling server and its one-time codes
 * (server/signaling.ts: the station is the room's "studio" side, the operator joins as the "phone"
 * side, so a second operator and a used code are refused by the server).
 *
 * The station makes the offer once the operator says `ready`; channels are negotiated (fixed ids),
 * so both sides create the same three. The station adapts each camera's bitrate to the link.
 */
import { renderSVG } from "uqr";
import { SignalingConnection, type SignalingCloseInfo, type SocketFactory } from "../capture/phone/signalingClient.ts";
import { type ServerMessage, type SignalPayload, signalingUrlFor } from "../capture/phone/signalingProtocol.ts";
import type { ChannelName } from "../protocol/remoteWire.ts";
import { nextBitrate, VIDEO_BITRATE } from "./bitrate.ts";
import { LINK_MAX_MESSAGE, type LinkHandlers, type LinkStats, type ListenableLink, NO_LINK_STATS } from "./link.ts";

const CHANNEL_INIT: Readonly<Record<ChannelName, RTCDataChannelInit>> = {
  action: { negotiated: true, id: 0, ordered: false, maxRetransmits: 0 },
  state: { negotiated: true, id: 1, ordered: false, maxRetransmits: 0 },
  control: { negotiated: true, id: 2, ordered: true },
};

export interface RtcSettings {
  /** STUN/TURN servers (empty: host candidates only, a LAN). */
  readonly iceServers: readonly RTCIceServer[];
  /** Only relayed (TURN) candidates: every packet through the TURN server. */
  readonly relayOnly?: boolean;
  /** Signaling WebSocket URL (default: `/signal` on the page's origin). */
  readonly signalingUrl?: string | undefined;
  readonly createSocket?: SocketFactory;
}

/** One end of the link over an RTCPeerConnection; `signal` carries its offer/answer/candidates/bye to the other end. */
export class WebRtcLink implements ListenableLink {
  private handlers: LinkHandlers | undefined;
  private readonly channels = new Map<ChannelName, RTCDataChannel>();
  private closed = false;
  private openCount = 0;
  private readonly pending: RTCIceCandidateInit[] = [];
  private adaptTimer: ReturnType<typeof setInterval> | undefined;
  private lastBytes = { at: NaN, bytes: 0, frames: 0 };

  constructor(
    readonly pc: RTCPeerConnection,
    private readonly signal: (data: SignalPayload) => void,
    private readonly onEnd: () => void,
  ) {
    for (const name of Object.keys(CHANNEL_INIT) as ChannelName[]) {
      const ch = pc.createDataChannel(name, CHANNEL_INIT[name]);
      ch.onopen = () => {
        if (++this.openCount === 3) this.handlers?.open();
      };
      ch.onmessage = (ev: MessageEvent) => this.handlers?.message(name, ev.data);
      ch.onclose = () => this.end("the peer closed the connection");
      this.channels.set(name, ch);
    }
    pc.onicecandidate = (ev) => {
      if (!ev.candidate) return;
      const { candidate, sdpMid, sdpMLineIndex } = ev.candidate;
      this.signal({ kind: "candidate", candidate, sdpMid: sdpMid ?? null, sdpMLineIndex: sdpMLineIndex ?? null });
    };
    pc.ontrack = (ev) => this.handlers?.track?.(ev.track, ev.streams[0] ?? new MediaStream([ev.track]));
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed")
        this.end("the connection failed (no network path between the two browsers: set up a TURN server)");
    };
  }

  listen(handlers: LinkHandlers): void {
    this.handlers = handlers;
    if (this.openCount === 3) handlers.open();
  }

  async offer(): Promise<void> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.signal({ kind: "offer", sdp: offer.sdp ?? "" });
    this.adaptTimer = setInterval(() => void this.adapt(), 2000);
  }

  async onSignal(data: SignalPayload): Promise<void> {
    const pc = this.pc;
    try {
      if (data.kind === "offer") {
        await pc.setRemoteDescription({ type: "offer", sdp: data.sdp });
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        this.signal({ kind: "answer", sdp: answer.sdp ?? "" });
      } else if (data.kind === "answer") {
        await pc.setRemoteDescription({ type: "answer", sdp: data.sdp });
      } else if (data.kind === "candidate") {
        const init = { candidate: data.candidate, sdpMid: data.sdpMid, sdpMLineIndex: data.sdpMLineIndex };
        if (pc.remoteDescription === null) this.pending.push(init);
        else await pc.addIceCandidate(init).catch(() => undefined);
        return;
      } else if (data.kind === "bye") {
        this.end("the other side ended the session");
        return;
      } else return;
      for (const c of this.pending.splice(0)) await pc.addIceCandidate(c).catch(() => undefined);
    } catch (e) {
      this.end(`the connection could not be set up (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  send(channel: ChannelName, text: string): boolean {
    const ch = this.channels.get(channel);
    if (this.closed || ch?.readyState !== "open" || text.length > LINK_MAX_MESSAGE) return false;
    // Unreliable channels never queue: a message the buffer cannot take now is dropped (the next one supersedes it).
    if (channel !== "control" && ch.bufferedAmount > 16 * 1024) return false;
    try {
      ch.send(text);
      return true;
    } catch {
      return false; // the channel closed under us, or the peer's limit is lower than ours
    }
  }

  close(reason: string): void {
    if (this.closed) return;
    this.signal({ kind: "bye" });
    this.closed = true;
    this.teardown();
    void reason;
  }

  private end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.teardown();
    this.handlers?.close(reason);
  }

  private teardown(): void {
    if (this.adaptTimer) clearInterval(this.adaptTimer);
    for (const ch of this.channels.values()) ch.close();
    this.pc.close();
    this.onEnd();
  }

  /** The station lowers a camera's bitrate when the receiver reports loss, and raises it slowly when it does not. */
  private async adapt(): Promise<void> {
    const report = await this.pc.getStats().catch(() => undefined);
    let lossFraction = 0;
    report?.forEach((s: { type: string; kind?: string; fractionLost?: number }) => {
      if (s.type === "remote-inbound-rtp" && s.kind === "video") lossFraction = Math.max(lossFraction, s.fractionLost ?? 0);
    });
    for (const sender of this.pc.getSenders()) {
      if (!sender.track) continue;
      const params = sender.getParameters();
      const enc = params.encodings[0];
      if (!enc) continue;
      const next = nextBitrate(enc.maxBitrate ?? VIDEO_BITRATE.start, lossFraction);
      if (next === enc.maxBitrate) continue;
      enc.maxBitrate = next;
      await sender.setParameters(params).catch(() => undefined);
    }
  }

  async stats(): Promise<LinkStats> {
    const report = await this.pc.getStats().catch(() => undefined);
    if (!report) return NO_LINK_STATS;
    let rttMs = NaN;
    let bytes = 0;
    let frames = 0;
    let lost = 0;
    // The pair in use (the transport's selected one): relayed when either end's candidate is a TURN relay.
    let selected: unknown;
    const pairs = new Map<unknown, [unknown, unknown]>();
    const candidateTypes = new Map<unknown, unknown>();
    report.forEach((s: Record<string, unknown>) => {
      if (s["type"] === "local-candidate" || s["type"] === "remote-candidate") candidateTypes.set(s["id"], s["candidateType"]);
      if (s["type"] === "candidate-pair") pairs.set(s["id"], [s["localCandidateId"], s["remoteCandidateId"]]);
      if (s["type"] === "transport" && s["selectedCandidatePairId"] !== undefined) selected = s["selectedCandidatePairId"];
      if (s["type"] === "candidate-pair" && s["nominated"] === true && typeof s["currentRoundTripTime"] === "number")
        rttMs = s["currentRoundTripTime"] * 1000;
      if ((s["type"] === "inbound-rtp" || s["type"] === "outbound-rtp") && s["kind"] === "video") {
        bytes += Number(s["bytesReceived"] ?? s["bytesSent"] ?? 0);
        frames += Number(s["framesDecoded"] ?? s["framesEncoded"] ?? 0);
        lost += Number(s["packetsLost"] ?? 0);
      }
    });
    const now = performance.now();
    const prev = this.lastBytes;
    this.lastBytes = { at: now, bytes, frames };
    const dt = (now - prev.at) / 1000;
    const ok = Number.isFinite(dt) && dt > 0;
    return {
      rttMs,
      videoKbps: ok ? ((bytes - prev.bytes) * 8) / 1000 / dt : NaN,
      videoFps: ok ? (frames - prev.frames) / dt : NaN,
      videoPacketsLost: lost,
      path: pathOf(pairs.get(selected), candidateTypes),
    };
  }
}

export interface StationPairing {
  /** The one-time code, and the link an operator opens (`<origin>/?remote=<code>`), also as a QR code. */
  readonly code: string;
  readonly link: string;
  readonly qrSvg: string;
}

export interface StationConnectHandlers {
  paired(pairing: StationPairing): void;
  /** The operator joined: the link (once). */
  peer(link: ListenableLink): void;
  failed(reason: string): void;
}

export interface OperatorConnectHandlers {
  peer(link: ListenableLink): void;
  failed(reason: string): void;
}

/** The operator's page for a code (and the signaling server, when it is not the page's own). */
export function operatorLink(origin: string, code: string, signalingUrl?: string): string {
  const signal = signalingUrl ? `&signal=${encodeURIComponent(signalingUrl)}` : "";
  return `${origin.replace(/\/+$/, "")}/?remote=${encodeURIComponent(code)}${signal}#remote`;
}

function closeReason(info: SignalingCloseInfo, url: string): string {
  if (!info.wasOpen)
    return `Could not reach the signaling server at ${url}. Start it (\`npm start\` or \`npm run signaling\`) and try again.`;
  if (info.error) return info.error.message;
  return `The signaling server closed the connection (${info.code}${info.reason ? `: ${info.reason}` : ""}).`;
}

function pathOf(pair: [unknown, unknown] | undefined, types: ReadonlyMap<unknown, unknown>): LinkStats["path"] {
  if (!pair) return undefined;
  return pair.some((id) => types.get(id) === "relay") ? "relay" : "direct";
}

function configuration(s: RtcSettings): RTCConfiguration {
  return { iceServers: [...s.iceServers], ...(s.relayOnly ? { iceTransportPolicy: "relay" as const } : {}) };
}

/** Station: opens a room; when an operator joins, offers the link with the cameras' tracks. Returns a function that ends it. */
export function connectStation(settings: RtcSettings, cameras: () => readonly MediaStreamTrack[], h: StationConnectHandlers): () => void {
  const url = settings.signalingUrl ?? signalingUrlFor(location.href);
  let link: WebRtcLink | undefined;
  const conn: SignalingConnection = new SignalingConnection(
    url,
    { type: "create" },
    {
      onMessage: (msg: ServerMessage) => {
        if (msg.type === "created") {
          const origin = msg.phoneOrigins[0] ?? location.origin;
          const href = operatorLink(origin, msg.code, settings.signalingUrl);
          h.paired({ code: msg.code, link: href, qrSvg: renderSVG(href, { ecc: "M", border: 2, pixelSize: 6 }) });
        } else if (msg.type === "signal" && msg.data.kind === "ready" && !link) {
          const pc = new RTCPeerConnection(configuration(settings));
          link = new WebRtcLink(
            pc,
            (data) => conn.send({ type: "signal", data }),
            () => conn.close(),
          );
          for (const track of cameras()) pc.addTransceiver(track.clone(), { direction: "sendonly" });
          h.peer(link);
          link.offer().catch((e: unknown) => h.failed(`Could not start the connection (${String(e)}).`));
        } else if (msg.type === "signal") void link?.onSignal(msg.data);
      },
      onClose: (info) => {
        if (!link) h.failed(closeReason(info, url));
      },
    },
    settings.createSocket,
  );
  return () => {
    link?.close("the station ended the session");
    conn.close();
  };
}

/** Operator: joins the room of `code` and answers the station's offer. Returns a function that ends it. */
export function connectOperator(settings: RtcSettings, code: string, h: OperatorConnectHandlers): () => void {
  const url = settings.signalingUrl ?? signalingUrlFor(location.href);
  let link: WebRtcLink | undefined;
  const conn: SignalingConnection = new SignalingConnection(
    url,
    { type: "join", code },
    {
      onMessage: (msg) => {
        if (msg.type === "joined") {
          const pc = new RTCPeerConnection(configuration(settings));
          link = new WebRtcLink(
            pc,
            (data) => conn.send({ type: "signal", data }),
            () => conn.close(),
          );
          h.peer(link);
          conn.send({ type: "signal", data: { kind: "ready" } });
        } else if (msg.type === "signal") void link?.onSignal(msg.data);
      },
      onClose: (info) => {
        if (!link) h.failed(closeReason(info, url));
      },
    },
    settings.createSocket,
  );
  return () => {
    link?.close("the operator left");
    conn.close();
  };
}
