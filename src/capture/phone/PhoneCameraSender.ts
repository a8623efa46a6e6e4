/**
 * The phone's side of a phone camera: opens the camera, joins the studio's room with the one-time
 * code, answers the studio's offer with its video track, and re-attaches to the signaling server
 * (with its one-time resume token) when the socket drops while paired.
 */
import { SignalingConnection, type SignalingCloseInfo, type SocketFactory } from "./signalingClient.ts";
import { CLOSE_CODE, type ServerMessage, type SignalPayload } from "./signalingProtocol.ts";

export type PhoneSenderStatus =
  "idle" | "camera" | "joining" | "waiting" | "connecting" | "live" | "reconnecting" | "refused" | "ended" | "failed";

export type PhoneResolution = "640x480" | "1280x720";

export const PHONE_RESOLUTIONS: Record<PhoneResolution, { width: number; height: number }> = {
  "640x480": { width: 640, height: 480 },
  "1280x720": { width: 1280, height: 720 },
};

export interface PhoneSenderState {
  status: PhoneSenderStatus;
  /** What is happening, for the user. */
  message: string;
  /** The local camera stream (for the preview), while the camera is open. */
  stream: MediaStream | undefined;
  /** What the camera actually delivers. */
  settings: { label: string; width: number | null; height: number | null; frameRate: number | null } | undefined;
}

export interface PhoneSenderOptions {
  code: string;
  signalingUrl: string;
  /** Where to remember the resume token so a reload of the page can re-attach (default: none). */
  tokenStore?: { get(): string | undefined; set(token: string | undefined): void };
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  createSocket?: SocketFactory;
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  /** Waits between signaling reconnection attempts (default 0.5, 1, 2, 4, 8, 8, 8… s, 12 attempts). */
  reconnectDelaysMs?: readonly number[];
}

const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 8000, 8000, 8000, 8000, 8000, 8000, 8000];

/** A user-facing explanation of a getUserMedia failure. */
function describeCameraError(e: unknown): string {
  const name = e instanceof Error ? e.name : "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return "Camera access was refused. Allow the camera for this page (the browser's site settings) and press Start again.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No camera matches (no rear camera at this resolution). Choose the other resolution and press Start again.";
    case "NotReadableError":
    case "AbortError":
      return "The camera is busy or failed to start (another app may be using it). Close other camera apps and press Start again.";
    default:
      return `The camera did not start (${e instanceof Error ? e.message : String(e)}). Press Start to try again.`;
  }
}

export class PhoneCameraSender {
  readonly #opts: PhoneSenderOptions;
  readonly #listeners = new Set<() => void>();
  #state: PhoneSenderState = { status: "idle", message: "Press Start to open the camera.", stream: undefined, settings: undefined };
  #signal: SignalingConnection | undefined;
  #pc: RTCPeerConnection | undefined;
  #pendingCandidates: RTCIceCandidateInit[] = [];
  #resumeToken: string | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #track: MediaStreamTrack | undefined;

  constructor(options: PhoneSenderOptions) {
    this.#opts = options;
    this.#resumeToken = options.tokenStore?.get();
  }

  getState(): PhoneSenderState {
    return this.#state;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Opens the camera at `resolution`, then joins the studio (or re-attaches after a reload). */
  async start(resolution: PhoneResolution): Promise<void> {
    if (this.#isOver()) return;
    if (!(await this.#openCamera(resolution))) return;
    if (this.#signal === undefined && this.#retryTimer === undefined) this.#connect();
    else this.#sendReady();
  }

  /** Switches the camera's resolution without renegotiating (the sender's track is replaced). */
  async setResolution(resolution: PhoneResolution): Promise<void> {
    if (this.#isOver() || this.#state.stream === undefined) return;
    await this.#openCamera(resolution);
  }

  /** Stops the camera and tells the studio. */
  stop(): void {
    if (this.#isOver()) return;
    this.#signal?.send({ type: "signal", data: { kind: "bye" } });
    this.#end("ended", "You stopped the camera. Scan a new code in the studio to connect again.");
  }

  async #openCamera(resolution: PhoneResolution): Promise<boolean> {
    const gum = this.#opts.getUserMedia ?? ((c: MediaStreamConstraints) => navigator.mediaDevices.getUserMedia(c));
    const { width, height } = PHONE_RESOLUTIONS[resolution];
    const previous = this.#state.status;
    this.#set({ status: "camera", message: "Opening the camera…" });
    let stream: MediaStream;
    try {
      stream = await gum({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: width }, height: { ideal: height } },
      });
    } catch (e) {
      // keep the previous camera if there was one
      this.#set({ status: this.#track ? previous : "failed", message: describeCameraError(e) });
      return false;
    }
    if (this.#isOver()) {
      for (const t of stream.getTracks()) t.stop();
      return false;
    }
    const track = stream.getVideoTracks()[0];
    if (!track) {
      this.#set({ status: "failed", message: "The camera gave no video. Press Start to try again." });
      return false;
    }
    const old = this.#track;
    this.#track = track;
    const sender = this.#pc?.getSenders()[0];
    if (sender) await sender.replaceTrack(track).catch(() => {});
    old?.stop();
    const s = track.getSettings();
    const settings = { label: track.label, width: s.width ?? null, height: s.height ?? null, frameRate: s.frameRate ?? null };
    this.#set({
      status: previous === "idle" || previous === "failed" ? "joining" : previous,
      message: this.#messageFor(previous),
      stream,
      settings,
    });
    if (sender) this.#sendInfo();
    return true;
  }

  #messageFor(status: PhoneSenderStatus): string {
    switch (status) {
      case "live":
        return "Streaming to the studio.";
      case "waiting":
        return "Paired. Waiting for the studio…";
      case "connecting":
        return "Connecting the video to the studio…";
      case "reconnecting":
        return "Lost the connection to the studio; reconnecting…";
      case "idle":
      case "camera":
      case "joining":
      case "failed":
      case "refused":
      case "ended":
        return "Joining the studio…";
    }
  }

  #connect(): void {
    this.#retryTimer = undefined;
    const token = this.#resumeToken;
    const first = token !== undefined ? ({ type: "resume", token } as const) : ({ type: "join", code: this.#opts.code } as const);
    if (this.#state.status !== "reconnecting") this.#set({ status: "joining", message: "Joining the studio…" });
    const conn = new SignalingConnection(
      this.#opts.signalingUrl,
      first,
      { onMessage: (m) => this.#onMessage(m), onClose: (info) => this.#onClose(conn, info) },
      this.#opts.createSocket,
    );
    this.#signal = conn;
  }

  #remember(token: string | undefined): void {
    this.#resumeToken = token;
    this.#opts.tokenStore?.set(token);
  }

  #onMessage(msg: ServerMessage): void {
    if (this.#isOver()) return;
    switch (msg.type) {
      case "joined":
        this.#attempt = 0;
        this.#remember(msg.resumeToken);
        this.#set({ status: "waiting", message: "Paired. Waiting for the studio…" });
        this.#sendReady();
        return;
      case "resumed":
        this.#attempt = 0;
        this.#remember(msg.resumeToken);
        if (this.#pc?.connectionState === "connected") {
          this.#set({ status: "live", message: "Streaming to the studio." });
        } else {
          this.#set({
            status: "waiting",
            message: msg.peerPresent ? "Reconnected. Restarting the video…" : "Reconnected. Waiting for the studio…",
          });
          if (msg.peerPresent) this.#sendReady();
        }
        return;
      case "peer-back":
        if (this.#pc?.connectionState !== "connected") this.#sendReady();
        return;
      case "peer-left":
        if (this.#state.status !== "live") this.#set({ status: "waiting", message: "The studio left; waiting for it to come back…" });
        return;
      case "signal":
        void this.#onSignal(msg.data);
        return;
      case "created":
      case "peer-joined":
      case "error":
        return; // errors are handled with the close that follows
    }
  }

  #onClose(conn: SignalingConnection, info: SignalingCloseInfo): void {
    if (this.#signal !== conn) return;
    this.#signal = undefined;
    if (this.#isOver()) return;
    const reason = info.error?.reason;
    if (reason === "code-refused") {
      this.#end(
        "refused",
        "This code was refused: it was already used, it expired, or the studio closed it. Show a new code in the studio and scan it again.",
      );
      return;
    }
    if (reason === "resume-refused" || info.code === CLOSE_CODE.ended) {
      this.#remember(undefined);
      this.#end("ended", "The studio ended this pairing. Scan a new code in the studio to connect again.");
      return;
    }
    if (info.code === CLOSE_CODE.replaced) {
      this.#end("ended", "This pairing continued on another tab or device.");
      return;
    }
    if (this.#resumeToken === undefined) {
      this.#end(
        "failed",
        info.wasOpen
          ? `The signaling server closed the connection (${info.code}${info.reason ? `: ${info.reason}` : ""}). Scan the code again.`
          : "Could not reach the studio's signaling server. Check that this phone is on the same Wi-Fi as the studio and that the studio is running, then reload.",
      );
      return;
    }
    // Paired before: re-attach with the resume token, with backoff.
    const delays = this.#opts.reconnectDelaysMs ?? RECONNECT_DELAYS_MS;
    const delay = delays[this.#attempt];
    if (delay === undefined) {
      this.#end("failed", "Lost the connection to the studio and could not reconnect. Scan a new code in the studio.");
      return;
    }
    this.#attempt++;
    const live = this.#pc?.connectionState === "connected";
    this.#set({
      status: live ? "live" : "reconnecting",
      message: live ? "Streaming to the studio (reconnecting the control channel…)." : "Lost the connection to the studio; reconnecting…",
    });
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  async #onSignal(data: SignalPayload): Promise<void> {
    switch (data.kind) {
      case "offer":
        await this.#answer(data.sdp);
        return;
      case "candidate": {
        const init: RTCIceCandidateInit = { candidate: data.candidate, sdpMid: data.sdpMid, sdpMLineIndex: data.sdpMLineIndex };
        const pc = this.#pc;
        if (!pc || pc.remoteDescription === null) this.#pendingCandidates.push(init);
        else await pc.addIceCandidate(init).catch(() => {});
        return;
      }
      case "bye":
        this.#remember(undefined);
        this.#end("ended", "The studio ended this pairing. Scan a new code in the studio to connect again.");
        return;
      case "answer":
      case "info":
      case "ready":
        return;
    }
  }

  async #answer(sdp: string): Promise<void> {
    const track = this.#track;
    if (!track) return;
    this.#pc?.close();
    this.#pendingCandidates = [];
    const pc = (this.#opts.createPeerConnection ?? ((c) => new RTCPeerConnection(c)))({ iceServers: [] });
    this.#pc = pc;
    this.#set({ status: "connecting", message: "Connecting the video to the studio…" });
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
          this.#set({ status: "live", message: "Streaming to the studio." });
          return;
        case "disconnected":
          this.#set({ status: "connecting", message: "The video connection is interrupted; waiting for it to recover…" });
          return;
        case "failed":
          this.#set({ status: "waiting", message: "The video connection failed; asking the studio to try again…" });
          this.#sendReady();
          return;
        case "new":
        case "connecting":
        case "closed":
          return;
      }
    };
    try {
      await pc.setRemoteDescription({ type: "offer", sdp });
      const transceiver = pc.getTransceivers()[0];
      if (!transceiver) throw new Error("the studio's offer has no video");
      await transceiver.sender.replaceTrack(this.#track ?? track);
      transceiver.direction = "sendonly";
      for (const c of this.#pendingCandidates.splice(0)) await pc.addIceCandidate(c).catch(() => {});
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      if (this.#pc !== pc) return;
      this.#sendInfo();
      this.#signal?.send({ type: "signal", data: { kind: "answer", sdp: answer.sdp ?? "" } });
    } catch (e) {
      if (this.#pc === pc)
        this.#set({
          status: "failed",
          message: `Could not start the video (${e instanceof Error ? e.message : String(e)}). Reload the page to try again.`,
        });
    }
  }

  #sendReady(): void {
    if (this.#track && (this.#state.status === "waiting" || this.#state.status === "joining")) {
      this.#signal?.send({ type: "signal", data: { kind: "ready" } });
    }
  }

  #sendInfo(): void {
    const s = this.#state.settings;
    if (s)
      this.#signal?.send({
        type: "signal",
        data: { kind: "info", label: s.label, width: s.width, height: s.height, frameRate: s.frameRate },
      });
  }

  #end(status: "refused" | "ended" | "failed", message: string): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#signal?.close();
    this.#signal = undefined;
    this.#pc?.close();
    this.#pc = undefined;
    this.#track?.stop();
    this.#track = undefined;
    for (const t of this.#state.stream?.getTracks() ?? []) t.stop();
    this.#set({ status, message, stream: undefined });
  }

  #isOver(): boolean {
    return this.#state.status === "refused" || this.#state.status === "ended";
  }

  #set(patch: Partial<PhoneSenderState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const l of this.#listeners) l();
  }
}
