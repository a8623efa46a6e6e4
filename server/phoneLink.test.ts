/**
 * The studio side (PhoneCameraLink) and the phone side (PhoneCameraSender) against a real
 * signaling server, with `ws` sockets and a fake RTCPeerConnection pair (node has no WebRTC;
 * the real one is covered by e2e/phoneCamera.spec.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { PhoneCameraLink, type PhoneLinkState } from "../src/capture/phone/PhoneCameraLink.ts";
import { PhoneCameraSender, type PhoneSenderState } from "../src/capture/phone/PhoneCameraSender.ts";
import type { SocketLike } from "../src/capture/phone/signalingClient.ts";
import { type RunningSignaling, startSignalingServer, type StandaloneOptions } from "./standalone.ts";

// ---- fakes -------------------------------------------------------------------------------------

class FakeTrack {
  readonly kind = "video";
  readyState: "live" | "ended" = "live";
  readonly #listeners: Array<() => void> = [];
  constructor(
    readonly label: string,
    readonly width: number,
    readonly height: number,
  ) {}
  getSettings(): MediaTrackSettings {
    return { width: this.width, height: this.height, frameRate: 30 };
  }
  stop(): void {
    this.readyState = "ended";
  }
  addEventListener(_type: "ended", l: () => void): void {
    this.#listeners.push(l);
  }
}

class FakeStream {
  constructor(readonly tracks: FakeTrack[]) {}
  getTracks(): FakeTrack[] {
    return this.tracks;
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks;
  }
}

class FakeSender {
  track: FakeTrack | null = null;
  async replaceTrack(t: FakeTrack | null): Promise<void> {
    this.track = t;
  }
}

const pcs = new Map<string, FakePc>();
let pcCount = 0;

class FakePc {
  readonly id = `pc${pcCount++}`;
  connectionState: RTCPeerConnectionState = "new";
  remoteDescription: RTCSessionDescriptionInit | null = null;
  readonly transceivers: Array<{ direction: RTCRtpTransceiverDirection; sender: FakeSender }> = [];
  readonly candidates: RTCIceCandidateInit[] = [];
  ontrack: ((ev: { track: FakeTrack; streams: FakeStream[] }) => void) | null = null;
  onicecandidate: ((ev: { candidate: { candidate: string; sdpMid: string; sdpMLineIndex: number } | null }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  peer: FakePc | undefined;

  constructor() {
    pcs.set(this.id, this);
  }
  addTransceiver(_kind: "video", init: { direction: RTCRtpTransceiverDirection }): void {
    this.transceivers.push({ direction: init.direction, sender: new FakeSender() });
  }
  getTransceivers(): FakePc["transceivers"] {
    return this.transceivers;
  }
  getSenders(): FakeSender[] {
    return this.transceivers.map((t) => t.sender);
  }
  async createOffer(): Promise<RTCSessionDescriptionInit> {
    return { type: "offer", sdp: `offer ${this.id}` };
  }
  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    return { type: "answer", sdp: `answer ${this.id}` };
  }
  async setLocalDescription(_d: RTCSessionDescriptionInit): Promise<void> {
    setTimeout(() => this.onicecandidate?.({ candidate: { candidate: `candidate ${this.id}`, sdpMid: "0", sdpMLineIndex: 0 } }), 0);
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    this.remoteDescription = d;
    this.peer = pcs.get((d.sdp ?? "").split(" ")[1] ?? "");
    if (d.type === "offer") this.transceivers.push({ direction: "recvonly", sender: new FakeSender() });
    const phone = this.peer;
    if (d.type === "answer" && phone) {
      phone.peer = this;
      setTimeout(() => {
        const track = phone.transceivers[0]?.sender.track;
        if (track) this.ontrack?.({ track, streams: [new FakeStream([track])] });
        this.#to("connected");
        phone.#to("connected");
      }, 5);
    }
  }
  async addIceCandidate(c: RTCIceCandidateInit): Promise<void> {
    this.candidates.push(c);
  }
  close(): void {
    this.connectionState = "closed";
    const peer = this.peer;
    if (peer && peer.connectionState === "connected") setTimeout(() => peer.#to("disconnected"), 5);
  }
  #to(state: RTCPeerConnectionState): void {
    if (this.connectionState === "closed") return;
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
}

const createPeerConnection = (): RTCPeerConnection => new FakePc() as unknown as RTCPeerConnection;

// ---- harness -----------------------------------------------------------------------------------

let running: RunningSignaling | undefined;
const sockets: WebSocket[] = [];
const cleanups: Array<() => void> = [];

const createSocket = (url: string): SocketLike => {
  const ws = new WebSocket(url);
  sockets.push(ws);
  return ws as unknown as SocketLike;
};

async function start(options: StandaloneOptions = {}): Promise<RunningSignaling> {
  running = await startSignalingServer({ heartbeatMs: 0, ...options });
  return running;
}

function studio(): PhoneCameraLink {
  const link = new PhoneCameraLink({
    signalingUrl: running!.url,
    phoneOrigin: "https://192.168.1.20:5443",
    createSocket,
    createPeerConnection,
  });
  cleanups.push(() => link.close());
  return link;
}

function camera(label = "Back Camera"): {
  getUserMedia: (c: MediaStreamConstraints) => Promise<MediaStream>;
  asked: MediaStreamConstraints[];
} {
  const asked: MediaStreamConstraints[] = [];
  return {
    asked,
    getUserMedia: async (c) => {
      asked.push(c);
      const v = c.video as { width: { ideal: number }; height: { ideal: number } };
      return new FakeStream([new FakeTrack(label, v.width.ideal, v.height.ideal)]) as unknown as MediaStream;
    },
  };
}

function phone(code: string, extra: Partial<ConstructorParameters<typeof PhoneCameraSender>[0]> = {}): PhoneCameraSender {
  const sender = new PhoneCameraSender({
    code,
    signalingUrl: running!.url,
    createSocket,
    createPeerConnection,
    getUserMedia: camera().getUserMedia,
    reconnectDelaysMs: [20, 20, 20],
    ...extra,
  });
  cleanups.push(() => sender.stop());
  return sender;
}

function until<S>(source: { getState(): S; subscribe(l: () => void): () => void }, pred: (s: S) => boolean, timeoutMs = 3000): Promise<S> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const s = source.getState();
      if (!pred(s)) return false;
      clearTimeout(timer);
      off();
      resolve(s);
      return true;
    };
    const timer = setTimeout(() => {
      off();
      reject(new Error(`state not reached in time; last: ${JSON.stringify((source.getState() as { status: string }).status)}`));
    }, timeoutMs);
    const off = source.subscribe(() => void check());
    check();
  });
}

const status =
  (...s: string[]) =>
  (state: PhoneLinkState | PhoneSenderState): boolean =>
    s.includes(state.status);

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  for (const ws of sockets.splice(0)) ws.terminate();
  await running?.close();
  running = undefined;
  pcs.clear();
});

// ---- tests -------------------------------------------------------------------------------------

describe("phone camera link (studio) and sender (phone)", () => {
  it("pairs, exchanges offer/answer/candidates and goes live with the phone's track and info", async () => {
    await start();
    const link = studio();
    const pairing = await link.open();
    expect(pairing.link).toBe(`https://192.168.1.20:5443/phone.html#code=${pairing.code}`);
    expect(pairing.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(pairing.expiresAt).toBeGreaterThan(Date.now() + 9 * 60_000);
    expect(link.getState().status).toBe("waiting");

    const cam = camera("Back Camera");
    const sender = phone(pairing.code, { getUserMedia: cam.getUserMedia });
    await sender.start("640x480");
    expect(cam.asked[0]?.video).toMatchObject({ facingMode: { ideal: "environment" }, width: { ideal: 640 }, height: { ideal: 480 } });

    const got = await link.waitForCamera();
    expect(got).toMatchObject({ label: "Back Camera", width: 640, height: 480, frameRate: 30 });
    expect((got.track as unknown as FakeTrack).label).toBe("Back Camera");
    expect(link.getState().status).toBe("live");
    await until(sender, status("live"));

    const [studioPc, phonePc] = [...pcs.values()];
    expect(studioPc?.transceivers[0]?.direction).toBe("recvonly");
    expect(phonePc?.transceivers[0]?.direction).toBe("sendonly");
    await new Promise((r) => setTimeout(r, 30));
    expect(studioPc?.candidates.map((c) => c.candidate)).toContain(`candidate ${phonePc?.id}`);
    expect(phonePc?.candidates.map((c) => c.candidate)).toContain(`candidate ${studioPc?.id}`);
  });

  it("reports a resolution change on the phone without renegotiating", async () => {
    await start();
    const link = studio();
    const { code } = await link.open();
    const sender = phone(code);
    await sender.start("640x480");
    await link.waitForCamera();
    const count = pcs.size;
    await sender.setResolution("1280x720");
    const s = await until(link, (st) => st.camera?.width === 1280);
    expect(s.camera).toMatchObject({ width: 1280, height: 720 });
    expect(pcs.size).toBe(count);
    expect(sender.getState().settings).toMatchObject({ width: 1280, height: 720 });
  });

  it("re-attaches the phone's signaling after its socket dropped, keeping the video", async () => {
    await start();
    const link = studio();
    const { code } = await link.open();
    const sender = phone(code);
    await sender.start("640x480");
    await link.waitForCamera();
    const phoneSocket = sockets[1]!;
    const socketsBefore = sockets.length;
    phoneSocket.terminate();
    await until(
      {
        getState: () => sockets.length,
        subscribe: (l) => {
          const t = setInterval(l, 5);
          return () => clearInterval(t);
        },
      },
      (n) => n > socketsBefore,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(sender.getState().status).toBe("live");
    expect(link.getState().status).toBe("live");
    expect(running!.signaling.roomCount).toBe(1);
    // the new socket is paired: closing the studio reaches the phone
    link.close();
    await until(sender, status("ended"));
  });

  it("a reloaded phone page re-attaches with its stored token and the studio renegotiates", async () => {
    await start();
    const link = studio();
    const { code } = await link.open();
    let stored: string | undefined;
    const tokenStore = { get: () => stored, set: (t: string | undefined) => void (stored = t) };
    const first = phone(code, { tokenStore, reconnectDelaysMs: [] });
    await first.start("640x480");
    await link.waitForCamera();
    expect(stored).toMatch(/^[A-Za-z0-9_-]{22}$/);

    // the page goes away (no bye): its socket and video die
    sockets[1]!.terminate();
    await until(first, status("failed"));
    await until(link, status("disconnected"));

    const reloaded = phone(code, { tokenStore });
    await reloaded.start("1280x720");
    await until(reloaded, status("live"));
    const s = await until(link, status("live"));
    expect(s.camera?.width).toBe(1280);
  });

  it("a second phone with the used code is refused; the first keeps streaming", async () => {
    await start();
    const link = studio();
    const { code } = await link.open();
    await phone(code).start("640x480");
    await link.waitForCamera();
    const second = phone(code);
    await second.start("640x480");
    const s = await until(second, status("refused", "failed", "ended"));
    expect(s.status).toBe("refused");
    expect(s.message).toMatch(/already used/);
    expect(s.stream).toBeUndefined();
    expect(link.getState().status).toBe("live");
  });

  it("tells the studio when its code expired unused", async () => {
    await start({ roomTimeoutMs: 100 });
    const link = studio();
    await link.open();
    await expect(link.waitForCamera()).rejects.toMatchObject({ reason: "expired" });
    expect(link.getState()).toMatchObject({ status: "failed", message: expect.stringMatching(/expired/) as unknown });
  });

  it("reports an unreachable signaling server", async () => {
    await start();
    const url = running!.url;
    await running!.close();
    running = undefined;
    const link = new PhoneCameraLink({ signalingUrl: url, phoneOrigin: "https://x", createSocket, createPeerConnection });
    await expect(link.open()).rejects.toMatchObject({
      reason: "signaling-unreachable",
      message: expect.stringMatching(/npm start/) as unknown,
    });
    expect(link.getState().status).toBe("failed");
  });

  it("a refused camera leaves the code unused and can be retried", async () => {
    await start();
    const link = studio();
    const { code } = await link.open();
    let allow = false;
    const deny = async (c: MediaStreamConstraints): Promise<MediaStream> => {
      if (!allow) throw Object.assign(new Error("Permission denied"), { name: "NotAllowedError" });
      return camera().getUserMedia(c);
    };
    const sender = phone(code, { getUserMedia: deny });
    await sender.start("640x480");
    expect(sender.getState()).toMatchObject({ status: "failed", message: expect.stringMatching(/Camera access was refused/) as unknown });
    expect(link.getState().status).toBe("waiting");
    allow = true;
    await sender.start("640x480");
    await link.waitForCamera();
    await until(sender, status("live"));
  });

  it("the phone's Stop ends the pairing on both sides and the room is forgotten", async () => {
    await start();
    const link = studio();
    const { code } = await link.open();
    const sender = phone(code);
    await sender.start("640x480");
    await link.waitForCamera();
    sender.stop();
    expect(sender.getState().status).toBe("ended");
    const s = await until(link, status("disconnected", "failed"));
    expect(s.status).toBe("disconnected");
    expect(s.message).toMatch(/stopped streaming/);
    await new Promise((r) => setTimeout(r, 50));
    expect(running!.signaling.roomCount).toBe(0);
    expect(link.getState().status).toBe("disconnected");
  });
});
