/**
 * The studio's side of a phone camera: opens a pairing room on the signaling server, shows a
 * link + QR code for the phone, then receives the phone's video over WebRTC.
 *
 *   const link = new PhoneCameraLink();
 *   const pairing = await link.open();          // pairing.link, pairing.qrSvg → show them
 *   const camera = await link.waitForCamera();  // camera.track: the phone's MediaStreamTrack
 *   link.subscribe(() => render(link.getState()));
 *   link.close();
 *
 * The studio offers a receive-only video transceiver; no STUN/TURN server is used (host
 * candidates only: both devices must be on the same LAN).
 *
 * `waitForCamera()` settles once. If the phone comes back later (its page reloaded, or its video
 * dropped and it asked for a new offer), the link negotiates again and `getState().camera` holds
 * the new track; a resolution change on the phone updates `camera.width/height` with the same track.
 */
import { renderSVG } from "uqr";
import { SignalingConnection, type SignalingCloseInfo, type SocketFactory } from "./signalingClient.ts";
import { CLOSE_CODE, phoneLink, type ServerMessage, type SignalPayload, signalingUrlFor } from "./signalingProtocol.ts";

export type PhoneLinkStatus = "opening" | "waiting" | "connecting" | "live" | "disconnected" | "failed" | "closed";

export type PhoneLinkErrorReason =
  "signaling-unreachable" | "signaling-lost" | "expired" | "busy" | "refused" | "webrtc-failed" | "timeout" | "closed";

/** A failure of the phone link; `message` is meant for the user. */
export class PhoneLinkError extends Error {
  override readonly name = "PhoneLinkError";
  constructor(
    readonly reason: PhoneLinkErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export interface PhonePairing {
  /** The one-time code (also inside the link). Show only as part of the link/QR. */
  code: string;
  /** The link to open on the phone: `<origin>/phone.html#code=…`. */
  link: string;
  /** The link on every origin the server knows (one per LAN address), first = `link`. */
  links: string[];
  /** The link as a QR code (an SVG document string). */
  qrSvg: string;
  /** `Date.now()` after which the code no longer works if unused. */
  expiresAt: number;
}

export interface PhoneCamera {
  track: MediaStreamTrack;
  stream: MediaStream;
  /** As the phone reported them (null when the phone did not say). */
  label: string;
  width: number | null;
  height: number | null;
  frameRate: number | null;
}

export interface PhoneLinkState {
  status: PhoneLinkStatus;
  /** What is happening, for the user. */
  message: string;
  pairing: PhonePairing | undefined;
  camera: PhoneCamera | undefined;
  error: PhoneLinkError | undefined;
}

export interface PhoneCameraLinkOptions {
  /** Signaling WebSocket URL (default: `/signal` on the page's own origin). */
  signalingUrl?: string;
  /** Origin for the phone link (default: the first LAN origin the server reports, else the page's origin). */
  phoneOrigin?: string;
  /** Time from the phone joining to video flowing before giving up (default 30 s). */
  connectTimeoutMs?: number;
  createSocket?: SocketFactory;
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
}

const CONNECT_TIMEOUT_MS = 30_000;

const MESSAGES = {
  opening: "Contacting the studio's signaling server…",
  waiting: "Scan the QR code with the phone (or open the link on it). The code works once and expires in 10 minutes.",
  connecting: "The phone joined; starting its video…",
  live: "The phone's camera is live.",
  phoneGone: "The phone's video stopped. Waiting for it to come back (keep the phone's page open and the screen on)…",
  closed: "The phone link is closed.",
  phoneEnded: "The phone stopped streaming. Create a new code to connect it again.",
} as const;

function describeClose(info: SignalingCloseInfo, url: string): PhoneLinkError {
  if (!info.wasOpen) {
    return new PhoneLinkError(
      "signaling-unreachable",
      `Could not reach the signaling server at ${url}. Start the studio with \`npm start\` (or \`npm run signaling\`) and try again.`,
    );
  }
  switch (info.error?.reason) {
    case "expired":
      return new PhoneLinkError("expired", "The pairing code expired before a phone used it. Create a new code.");
    case "busy":
      return new PhoneLinkError("busy", info.error.message);
    case "code-refused":
    case "resume-refused":
      return new PhoneLinkError("refused", info.error.message);
    case "bad-message":
    case "rate-limited":
    case undefined:
      break;
  }
  if (info.code === CLOSE_CODE.timeout)
    return new PhoneLinkError("expired", "The pairing code expired before a phone used it. Create a new code.");
  return new PhoneLinkError(
    "signaling-lost",
    `Lost the connection to the signaling server (${info.code}${info.reason ? `: ${info.reason}` : ""}). Is the studio's server still running? Create a new code.`,
  );
}

export class PhoneCameraLink {
  readonly #opts: PhoneCameraLinkOptions;
  readonly #url: string;
  readonly #listeners = new Set<() => void>();
  #state: PhoneLinkState = { status: "opening", message: MESSAGES.opening, pairing: undefined, camera: undefined, error: undefined };
  #signal: SignalingConnection | undefined;
  #pc: RTCPeerConnection | undefined;
  #pendingCandidates: RTCIceCandidateInit[] = [];
  #track: { track: MediaStreamTrack; stream: MediaStream } | undefined;
  #info: Extract<SignalPayload, { kind: "info" }> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #opened: Promise<PhonePairing> | undefined;
  #camera: { promise: Promise<PhoneCamera>; resolve: (c: PhoneCamera) => void; reject: (e: PhoneLinkError) => void };

  constructor(options: PhoneCameraLinkOptions = {}) {
    this.#opts = options;
    this.#url = options.signalingUrl ?? signalingUrlFor(location.href);
    let resolve!: (c: PhoneCamera) => void;
    let reject!: (e: PhoneLinkError) => void;
    const promise = new Promise<PhoneCamera>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // observed through getState() too; not an unhandled rejection
    this.#camera = { promise, resolve, reject };
  }

  getState(): PhoneLinkState {
    return this.#state;
  }

  /** Calls `listener` after every state change; returns the unsubscribe function (fits useSyncExternalStore). */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Creates the pairing room; resolves with the link and QR code, rejects with a PhoneLinkError. */
  open(): Promise<PhonePairing> {
    this.#opened ??= new Promise<PhonePairing>((resolve, reject) => {
      this.#signal = new SignalingConnection(
        this.#url,
        { type: "create" },
        {
          onMessage: (msg) => {
            if (msg.type === "created") {
              const pairing = this.#pairing(msg);
              this.#set({ status: "waiting", message: MESSAGES.waiting, pairing });
              resolve(pairing);
            } else {
              this.#onMessage(msg);
            }
          },
          onClose: (info) => {
            const error = describeClose(info, this.#url);
            reject(error);
            this.#onSignalingClosed(info, error);
          },
        },
        this.#opts.createSocket,
      );
    });
    return this.#opened;
  }

  /** Resolves when the phone's video is live (first time), rejects if the link fails or closes before. */
  waitForCamera(): Promise<PhoneCamera> {
    return this.#camera.promise;
  }

  /** Ends the pairing: tells the phone, closes the video and the signaling socket. */
  close(): void {
    if (this.#state.status === "closed") return;
    this.#signal?.send({ type: "signal", data: { kind: "bye" } });
    this.#signal?.close();
    this.#signal = undefined;
    this.#closePeer();
    this.#camera.reject(new PhoneLinkError("closed", MESSAGES.closed));
    this.#set({ status: "closed", message: MESSAGES.closed, camera: undefined });
  }

  #pairing(msg: Extract<ServerMessage, { type: "created" }>): PhonePairing {
    const origins =
      this.#opts.phoneOrigin !== undefined ? [this.#opts.phoneOrigin] : msg.phoneOrigins.length > 0 ? msg.phoneOrigins : [location.origin];
    const links = origins.map((o) => phoneLink(o, msg.code));
    const link = links[0]!;
    return {
      code: msg.code,
      link,
      links,
      qrSvg: renderSVG(link, { ecc: "M", border: 2, pixelSize: 6 }),
      expiresAt: Date.now() + msg.expiresInMs,
    };
  }

  #onMessage(msg: ServerMessage): void {
    if (this.#isOver()) return;
    switch (msg.type) {
      case "peer-joined":
        this.#set({ status: "connecting", message: MESSAGES.connecting });
        return; // the offer follows the phone's `ready` (it has its camera by then)
      case "peer-back":
        return;
      case "peer-left":
        if (this.#state.status === "connecting") this.#set({ status: "disconnected", message: MESSAGES.phoneGone });
        return;
      case "signal":
        void this.#onSignal(msg.data);
        return;
      case "created":
      case "joined":
      case "resumed":
      case "error":
        return; // errors are reported with the close that follows
    }
  }

  async #onSignal(data: SignalPayload): Promise<void> {
    const pc = this.#pc;
    switch (data.kind) {
      case "answer":
        if (!pc) return;
        try {
          await pc.setRemoteDescription({ type: "answer", sdp: data.sdp });
          for (const c of this.#pendingCandidates.splice(0)) await pc.addIceCandidate(c);
        } catch (e) {
          this.#fail(
            new PhoneLinkError(
              "webrtc-failed",
              `The phone's answer was not accepted (${e instanceof Error ? e.message : String(e)}). Create a new code and try again.`,
            ),
          );
        }
        return;
      case "candidate": {
        if (!pc) return;
        const init: RTCIceCandidateInit = { candidate: data.candidate, sdpMid: data.sdpMid, sdpMLineIndex: data.sdpMLineIndex };
        if (pc.remoteDescription === null) this.#pendingCandidates.push(init);
        else await pc.addIceCandidate(init).catch(() => {}); // a candidate we cannot use is not fatal
        return;
      }
      case "info":
        this.#info = data;
        this.#maybeLive();
        return;
      case "ready":
        await this.#negotiate();
        return;
      case "bye":
        this.#closePeer();
        this.#set({ status: "disconnected", message: MESSAGES.phoneEnded, camera: undefined });
        return;
      case "offer":
        return; // the studio makes the offers
    }
  }

  async #negotiate(): Promise<void> {
    this.#closePeer();
    const pc = (this.#opts.createPeerConnection ?? ((c) => new RTCPeerConnection(c)))({ iceServers: [] });
    this.#pc = pc;
    this.#set({ status: "connecting", message: MESSAGES.connecting, camera: undefined });
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.ontrack = (ev) => {
      if (this.#pc !== pc) return;
      this.#track = { track: ev.track, stream: ev.streams[0] ?? new MediaStream([ev.track]) };
      ev.track.addEventListener("ended", () => {
        if (this.#pc === pc && this.#state.status === "live") this.#set({ status: "disconnected", message: MESSAGES.phoneGone });
      });
      this.#maybeLive();
    };
    pc.onicecandidate = (ev) => {
      if (this.#pc !== pc || !ev.candidate) return;
      const { candidate, sdpMid, sdpMLineIndex } = ev.candidate;
      this.#signal?.send({
        type: "signal",
        data: { kind: "candidate", candidate, sdpMid: sdpMid ?? null, sdpMLineIndex: sdpMLineIndex ?? null },
      });
    };
    pc.onconnectionstatechange = () => {
      if (this.#pc !== pc || this.#isOver()) return;
      switch (pc.connectionState) {
        case "connected":
          this.#maybeLive();
          return;
        case "disconnected":
          if (this.#state.status === "live") this.#set({ status: "disconnected", message: MESSAGES.phoneGone });
          return;
        case "failed":
          this.#fail(
            new PhoneLinkError(
              "webrtc-failed",
              "The video connection to the phone failed. The phone and this computer must be on the same network (guest Wi-Fi often keeps devices apart). Create a new code and try again.",
            ),
          );
          return;
        case "new":
        case "connecting":
        case "closed":
          return;
      }
    };
    this.#connectTimer = setTimeout(() => {
      if (this.#pc === pc && this.#state.status === "connecting") {
        this.#fail(
          new PhoneLinkError(
            "timeout",
            "The phone joined but its video did not arrive within 30 seconds. Check that both are on the same network, then create a new code.",
          ),
        );
      }
    }, this.#opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      if (this.#pc === pc) this.#signal?.send({ type: "signal", data: { kind: "offer", sdp: offer.sdp ?? "" } });
    } catch (e) {
      this.#fail(
        new PhoneLinkError("webrtc-failed", `Could not start the video connection (${e instanceof Error ? e.message : String(e)}).`),
      );
    }
  }

  #maybeLive(): void {
    const pc = this.#pc;
    if (!pc || !this.#track || !this.#info || pc.connectionState !== "connected" || this.#isOver()) return;
    const camera: PhoneCamera = {
      ...this.#track,
      label: this.#info.label,
      width: this.#info.width,
      height: this.#info.height,
      frameRate: this.#info.frameRate,
    };
    if (this.#connectTimer) clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#set({ status: "live", message: MESSAGES.live, camera });
    this.#camera.resolve(camera);
  }

  #onSignalingClosed(info: SignalingCloseInfo, error: PhoneLinkError): void {
    this.#signal = undefined;
    if (this.#isOver()) return;
    // The phone said bye: the server ended the room; the state already says so.
    if (info.code === CLOSE_CODE.ended && this.#state.status === "disconnected") return;
    // Live video flows peer to peer and survives the signaling socket; anything earlier cannot go on.
    if (this.#state.status === "live") return;
    this.#fail(error);
  }

  #fail(error: PhoneLinkError): void {
    if (this.#isOver()) return;
    this.#signal?.close();
    this.#signal = undefined;
    this.#closePeer();
    this.#camera.reject(error);
    this.#set({ status: "failed", message: error.message, error, camera: undefined });
  }

  #closePeer(): void {
    if (this.#connectTimer) clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    const pc = this.#pc;
    this.#pc = undefined;
    this.#pendingCandidates = [];
    this.#track?.track.stop();
    this.#track = undefined;
    this.#info = undefined;
    pc?.close();
  }

  #isOver(): boolean {
    return this.#state.status === "closed" || this.#state.status === "failed";
  }

  #set(patch: Partial<PhoneLinkState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const l of this.#listeners) l();
  }
}
