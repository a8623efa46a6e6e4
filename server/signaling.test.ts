import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { CLOSE_CODE, type ServerMessage } from "../src/capture/phone/signalingProtocol.ts";
import { lanAddresses, type RunningSignaling, startSignalingServer, type StandaloneOptions } from "./standalone.ts";

/** A ws client that queues the server's messages and remembers how it was closed. */
class Client {
  readonly ws: WebSocket;
  readonly #queue: ServerMessage[] = [];
  readonly #waiters: Array<(m: ServerMessage) => void> = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, origin?: string) {
    this.ws = new WebSocket(url, origin === undefined ? {} : { origin });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
    this.closed = new Promise((resolve) => this.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as ServerMessage;
      const w = this.#waiters.shift();
      if (w) w(msg);
      else this.#queue.push(msg);
    });
    this.ws.on("error", () => {});
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }

  next(timeoutMs = 2000): Promise<ServerMessage> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no message in time")), timeoutMs);
      this.#waiters.push((m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
  }
}

let running: RunningSignaling | undefined;
const clients: Client[] = [];

async function start(options: StandaloneOptions = {}): Promise<RunningSignaling> {
  running = await startSignalingServer({ heartbeatMs: 0, ...options });
  return running;
}

async function client(origin?: string): Promise<Client> {
  const c = new Client(running!.url, origin);
  clients.push(c);
  await c.opened;
  return c;
}

/** A studio with a room and a phone that joined it. */
async function paired(): Promise<{ studio: Client; phone: Client; code: string }> {
  const studio = await client();
  studio.send({ type: "create" });
  const created = await studio.next();
  if (created.type !== "created") throw new Error(`expected created, got ${created.type}`);
  const phone = await client();
  phone.send({ type: "join", code: created.code });
  expect((await phone.next()).type).toBe("joined");
  expect(await studio.next()).toEqual({ type: "peer-joined" });
  return { studio, phone, code: created.code };
}

async function until(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await running?.close();
  running = undefined;
});

describe("signaling server", () => {
  it("creates a room with an unguessable code and the phone origins", async () => {
    await start({ phoneOrigins: () => ["https://192.168.1.20:5443"] });
    const studio = await client();
    studio.send({ type: "create" });
    const m = await studio.next();
    expect(m.type).toBe("created");
    if (m.type !== "created") return;
    expect(m.code).toMatch(/^[A-Za-z0-9_-]{22}$/); // 16 random bytes, base64url
    expect(Buffer.from(m.code, "base64url")).toHaveLength(16);
    expect(m.resumeToken).not.toBe(m.code);
    expect(m.phoneOrigins).toEqual(["https://192.168.1.20:5443"]);
    expect(m.expiresInMs).toBe(10 * 60_000);

    studio.send({ type: "create" }); // one room per socket
    expect((await studio.closed).code).toBe(CLOSE_CODE.badMessage);
  });

  it("pairs a phone with the code and relays signals both ways", async () => {
    await start();
    const { studio, phone } = await paired();
    const offer = { kind: "offer", sdp: "v=0 offer" };
    studio.send({ type: "signal", data: offer });
    expect(await phone.next()).toEqual({ type: "signal", data: offer });
    const answer = { kind: "answer", sdp: "v=0 answer" };
    phone.send({ type: "signal", data: answer });
    expect(await studio.next()).toEqual({ type: "signal", data: answer });
    const candidate = { kind: "candidate", candidate: "candidate:1 1 udp 1 192.168.1.2 5000 typ host", sdpMid: "0", sdpMLineIndex: 0 };
    phone.send({ type: "signal", data: candidate });
    expect(await studio.next()).toEqual({ type: "signal", data: candidate });
    expect(running!.signaling.roomCount).toBe(1);
  });

  it("refuses a wrong code and a code used before", async () => {
    await start();
    const stranger = await client();
    stranger.send({ type: "join", code: "AAAAAAAAAAAAAAAAAAAAAA" });
    const refused = await stranger.next();
    expect(refused.type === "error" && refused.reason).toBe("code-refused");
    expect((await stranger.closed).code).toBe(CLOSE_CODE.refused);

    const { studio, code } = await paired();
    const second = await client();
    second.send({ type: "join", code });
    const m = await second.next();
    expect(m.type === "error" && m.reason).toBe("code-refused");
    expect((await second.closed).code).toBe(CLOSE_CODE.refused);
    // the studio heard nothing about the refused phone
    studio.send({ type: "signal", data: { kind: "bye" } });
    expect((await studio.closed).code).toBe(CLOSE_CODE.ended);
  });

  it("closes a socket that sends an oversize message (1009)", async () => {
    await start({ maxMessageBytes: 64 * 1024 });
    const { studio, phone } = await paired();
    studio.send({ type: "signal", data: { kind: "offer", sdp: "x".repeat(70 * 1024) } });
    expect((await studio.closed).code).toBe(CLOSE_CODE.tooBig);
    expect(await phone.next()).toEqual({ type: "peer-left" }); // nothing of the oversize message was relayed
  });

  it("closes a socket that sends too many messages per second", async () => {
    await start({ messagesPerSecond: 50, burst: 100 });
    const { studio, phone } = await paired();
    for (let i = 0; i < 300; i++)
      studio.send({ type: "signal", data: { kind: "candidate", candidate: `c${i}`, sdpMid: "0", sdpMLineIndex: 0 } });
    const closed = await studio.closed;
    expect(closed.code).toBe(CLOSE_CODE.rateLimited);
    let relayed = 0;
    for (;;) {
      const m = await phone.next();
      if (m.type !== "signal") break;
      relayed++;
    }
    expect(relayed).toBeGreaterThanOrEqual(99); // the burst of 100, less the `create`
    expect(relayed).toBeLessThan(300);
  });

  it("lets a steady sender below the rate through", async () => {
    await start({ messagesPerSecond: 50, burst: 10 });
    const { studio, phone } = await paired();
    for (let i = 0; i < 30; i++) {
      studio.send({ type: "signal", data: { kind: "bye-not" } });
      await new Promise((r) => setTimeout(r, 30)); // ~33 msgs/s
    }
    for (let i = 0; i < 30; i++) expect((await phone.next()).type).toBe("signal");
    expect(studio.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("forgets a room when both sides leave (and the code dies with it)", async () => {
    await start();
    const { studio, phone } = await paired();
    expect(running!.signaling.roomCount).toBe(1);
    phone.ws.close();
    expect(await studio.next()).toEqual({ type: "peer-left" });
    expect(running!.signaling.roomCount).toBe(1);
    studio.ws.close();
    await until(() => running!.signaling.roomCount === 0);

    const lone = await client();
    lone.send({ type: "create" });
    const created = await lone.next();
    if (created.type !== "created") throw new Error("expected created");
    lone.ws.close(); // the studio leaves before any phone joined
    await until(() => running!.signaling.roomCount === 0);
    const late = await client();
    late.send({ type: "join", code: created.code });
    const m = await late.next();
    expect(m.type === "error" && m.reason).toBe("code-refused");
  });

  it("expires a room nobody joined", async () => {
    await start({ roomTimeoutMs: 150 });
    const studio = await client();
    studio.send({ type: "create" });
    const created = await studio.next();
    if (created.type !== "created") throw new Error("expected created");
    const m = await studio.next();
    expect(m.type === "error" && m.reason).toBe("expired");
    expect((await studio.closed).code).toBe(CLOSE_CODE.timeout);
    expect(running!.signaling.roomCount).toBe(0);
    const phone = await client();
    phone.send({ type: "join", code: created.code });
    const refused = await phone.next();
    expect(refused.type === "error" && refused.reason).toBe("code-refused");
  });

  it("does not expire a room once the phone joined", async () => {
    await start({ roomTimeoutMs: 150 });
    const { studio, phone } = await paired();
    await new Promise((r) => setTimeout(r, 300));
    expect(studio.ws.readyState).toBe(WebSocket.OPEN);
    phone.send({ type: "signal", data: { kind: "bye-not" } });
    expect((await studio.next()).type).toBe("signal");
  });

  it("closes a socket that never says what it wants", async () => {
    await start({ helloTimeoutMs: 100 });
    const idle = await client();
    expect((await idle.closed).code).toBe(CLOSE_CODE.timeout);
  });

  it("lets a phone resume after its socket dropped, once per token", async () => {
    await start();
    const studio = await client();
    studio.send({ type: "create" });
    const created = await studio.next();
    if (created.type !== "created") throw new Error("expected created");
    const phone = await client();
    phone.send({ type: "join", code: created.code });
    const joined = await phone.next();
    if (joined.type !== "joined") throw new Error("expected joined");
    expect(await studio.next()).toEqual({ type: "peer-joined" });
    phone.ws.terminate();
    expect(await studio.next()).toEqual({ type: "peer-left" });

    const again = await client();
    again.send({ type: "resume", token: joined.resumeToken });
    const resumed = await again.next();
    expect(resumed.type === "resumed" && resumed.peerPresent).toBe(true);
    expect(await studio.next()).toEqual({ type: "peer-back" });
    studio.send({ type: "signal", data: { kind: "offer", sdp: "again" } });
    expect(await again.next()).toEqual({ type: "signal", data: { kind: "offer", sdp: "again" } });

    const thief = await client();
    thief.send({ type: "resume", token: joined.resumeToken }); // already used
    const refused = await thief.next();
    expect(refused.type === "error" && refused.reason).toBe("resume-refused");
  });

  it("refuses malformed messages, signals before pairing and binary frames", async () => {
    await start();
    for (const bad of [
      "not json",
      JSON.stringify({ type: "join", code: "has spaces" }),
      JSON.stringify({ type: "signal", data: { kind: "offer" } }),
    ]) {
      const c = await client();
      c.send(bad);
      const m = await c.next();
      expect(m.type === "error" && m.reason).toBe("bad-message");
      expect((await c.closed).code).toBe(CLOSE_CODE.badMessage);
    }
    const bin = await client();
    bin.ws.send(Buffer.from([1, 2, 3]));
    expect((await bin.closed).code).toBe(CLOSE_CODE.badMessage);
  });

  it("refuses a page from another origin", async () => {
    await start();
    const c = new Client(running!.url, "https://evil.example");
    clients.push(c);
    await expect(c.opened).rejects.toThrow(/403/);
    const same = await client(`http://127.0.0.1:${running!.port}`);
    same.send({ type: "create" });
    expect((await same.next()).type).toBe("created");
  });

  it("refuses new rooms beyond the limit", async () => {
    await start({ maxRooms: 2 });
    for (let i = 0; i < 2; i++) {
      const c = await client();
      c.send({ type: "create" });
      expect((await c.next()).type).toBe("created");
    }
    const third = await client();
    third.send({ type: "create" });
    const m = await third.next();
    expect(m.type === "error" && m.reason).toBe("busy");
    expect((await third.closed).code).toBe(CLOSE_CODE.busy);
  });
});

describe("LAN addresses for the pairing link", () => {
  const iface = (address: string, internal = false) => ({
    address,
    netmask: "255.255.255.0",
    family: "IPv4" as const,
    mac: "00:00:00:00:00:00",
    internal,
    cidr: null,
  });
  it("puts the likeliest Wi-Fi/Ethernet address first and leaves out loopback, link-local and IPv6", () => {
    const found = lanAddresses({
      lo: [iface("127.0.0.1", true)],
      docker0: [iface("172.17.0.1")],
      tailscale0: [iface("100.101.102.103")],
      wlan0: [iface("192.168.1.20"), { ...iface("fe80::1"), family: "IPv6", scopeid: 2 }],
      eth1: [iface("10.0.0.5"), iface("169.254.3.4")],
    });
    expect(found).toEqual(["192.168.1.20", "10.0.0.5", "172.17.0.1", "100.101.102.103"]);
  });
});
