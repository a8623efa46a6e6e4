/**
 * A WebRTC-free peer link for the netns benchmark: `action` and `state` as UDP datagrams (no
 * retransmits, no order — what the data channels are configured to be), `control` over TCP
 * (reliable, ordered; newline-delimited JSON). It implements the same ListenableLink the
 * sessions use, so the station's and the operator's engines run unchanged.
 */
import { createSocket, type Socket } from "node:dgram";
import { createConnection, createServer, type Socket as TcpSocket } from "node:net";
import type { ChannelName } from "../../src/protocol/remoteWire.ts";
import { type LinkHandlers, type LinkStats, type ListenableLink, NO_LINK_STATS } from "../../src/remote/link.ts";

const TAG: Record<string, ChannelName> = { a: "action", s: "state" };

class UdpLink implements ListenableLink {
  private handlers: LinkHandlers | undefined;
  private closed = false;
  private buffered = "";
  constructor(
    private readonly udp: Socket,
    private readonly tcp: TcpSocket,
    private readonly peer: { host: string; port: number },
  ) {
    udp.on("message", (buf) => {
      const ch = TAG[String.fromCharCode(buf[0]!)];
      if (ch) this.handlers?.message(ch, buf.subarray(1).toString("utf8"));
    });
    tcp.setNoDelay(true);
    tcp.on("data", (d) => {
      this.buffered += d.toString("utf8");
      let i: number;
      while ((i = this.buffered.indexOf("\n")) >= 0) {
        const line = this.buffered.slice(0, i);
        this.buffered = this.buffered.slice(i + 1);
        this.handlers?.message("control", line);
      }
    });
    // A peer that exits resets the connection: that is its close, not a crash.
    tcp.on("error", () => tcp.destroy());
    tcp.on("close", () => {
      if (!this.closed) {
        this.closed = true;
        this.handlers?.close("the peer closed the connection");
      }
    });
  }
  listen(h: LinkHandlers): void {
    this.handlers = h;
    h.open();
  }
  send(channel: ChannelName, text: string): boolean {
    if (this.closed) return false;
    if (channel === "control") this.tcp.write(text.replace(/\n/g, " ") + "\n");
    else this.udp.send(Buffer.from((channel === "action" ? "a" : "s") + text), this.peer.port, this.peer.host);
    return true;
  }
  close(): void {
    this.closed = true;
    this.tcp.end();
    this.udp.close();
  }
  async stats(): Promise<LinkStats> {
    await Promise.resolve();
    return NO_LINK_STATS;
  }
}

/** Station: listens on `port` (UDP and TCP); resolves with the link once the operator connected. */
export function listenStation(host: string, port: number, peerUdp: { host: string; port: number }): Promise<ListenableLink> {
  return new Promise((resolve) => {
    const udp = createSocket("udp4");
    udp.bind(port, host);
    const server = createServer((tcp) => {
      server.close();
      resolve(new UdpLink(udp, tcp, peerUdp));
    });
    server.listen(port, host);
  });
}

/** Operator: binds UDP on `localPort`, sends datagrams to `udp` (the station, or a relay on the way) and connects TCP to the station. */
export function connectOperatorUdp(
  localHost: string,
  localPort: number,
  udpPeer: { host: string; port: number },
  tcpPeer: { host: string; port: number },
): Promise<ListenableLink> {
  return new Promise((resolve, reject) => {
    const udp = createSocket("udp4");
    udp.bind(localPort, localHost);
    const tcp = createConnection(tcpPeer, () => resolve(new UdpLink(udp, tcp, udpPeer)));
    tcp.on("error", reject);
  });
}
