/** The signaling server on its own HTTP(S) server (`npm run signaling`), and LAN address helpers. */
import { createServer as createHttpServer, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { SignalingServer, type SignalingOptions } from "./signaling.ts";

/** Interfaces that are rarely the Wi-Fi/Ethernet a phone is on (containers, VMs, VPNs). */
const VIRTUAL = /^(docker|br-|veth|virbr|vmnet|vboxnet|tun|tap|utun|tailscale|zt|wg|lxc|cni|flannel)/i;

/**
 * This machine's IPv4 LAN addresses (not loopback, not link-local), the likeliest first:
 * physical interfaces before container/VM/VPN ones, then 192.168/16, 10/8, 172.16/12.
 */
export function lanAddresses(interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  const found: Array<{ address: string; rank: number }> = [];
  for (const [name, list] of Object.entries(interfaces)) {
    for (const a of list ?? []) {
      if (a.family !== "IPv4" || a.internal || a.address.startsWith("169.254.")) continue;
      const range = a.address.startsWith("192.168.")
        ? 0
        : a.address.startsWith("10.")
          ? 1
          : /^172\.(1[6-9]|2\d|3[01])\./.test(a.address)
            ? 2
            : 3;
      found.push({ address: a.address, rank: (VIRTUAL.test(name) ? 10 : 0) + range });
    }
  }
  return found.sort((x, y) => x.rank - y.rank).map((f) => f.address);
}

/** `https://<lan address>:<port>` for each LAN address. */
export function lanOrigins(port: number, protocol: "http" | "https" = "https"): string[] {
  return lanAddresses().map((ip) => `${protocol}://${ip}:${port}`);
}

export interface StandaloneOptions extends SignalingOptions {
  port?: number;
  host?: string;
  /** PEM certificate and key to serve wss:// instead of ws://. */
  tls?: { cert: string; key: string };
}

export interface RunningSignaling {
  signaling: SignalingServer;
  server: HttpServer;
  port: number;
  /** e.g. ws://127.0.0.1:8787/signal */
  url: string;
  close(): Promise<void>;
}

/** Starts an HTTP(S) server that answers only the signaling WebSocket (port 0 = any free port). */
export async function startSignalingServer(options: StandaloneOptions = {}): Promise<RunningSignaling> {
  const { port = 0, host = "127.0.0.1", tls, ...rest } = options;
  const handler = (_req: unknown, res: ServerResponse): void => {
    res.writeHead(404, { "content-type": "text/plain" }).end("Robot Studio signaling server: connect a WebSocket to /signal\n");
  };
  const server: HttpServer = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
  const signaling = new SignalingServer(rest);
  signaling.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return {
    signaling,
    server,
    port: bound,
    url: `${tls ? "wss" : "ws"}://${shownHost}:${bound}/signal`,
    async close() {
      await signaling.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
