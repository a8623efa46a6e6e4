/**
 * Vite plugin: the signaling server on Vite's own HTTP server (`/signal`), plus — for the dev
 * server — an extra HTTPS listener on the LAN so a phone can open `phone.html` in a secure context.
 *
 *   http://localhost:5173          the studio (unchanged: plain HTTP, localhost is a secure context)
 *   https://<lan-ip>:5443          the same dev server over HTTPS (self-signed, @vitejs/plugin-basic-ssl's certificate)
 *   …/signal on both               one signaling server, so the studio and the phone meet in one room table
 *
 * Environment: STUDIO_LAN=0 turns the HTTPS listener off (dev), STUDIO_LAN=1 turns it on for
 * `vite preview` too; STUDIO_LAN_PORT picks its port (default 5443). See docs/phone-camera.md.
 */
import type { Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Plugin, PreviewServer, ViteDevServer } from "vite";
import { SignalingServer } from "./signaling.ts";
import { lanOrigins } from "./standalone.ts";

export interface PhoneCameraPluginOptions {
  /** Port of the LAN HTTPS listener (default: STUDIO_LAN_PORT or 5443). */
  lanPort?: number;
}

type AnyServer = ViteDevServer | PreviewServer;

export function phoneCameraPlugin(options: PhoneCameraPluginOptions = {}): Plugin {
  const env = process.env;
  const lanPort = options.lanPort ?? (Number(env["STUDIO_LAN_PORT"]) || 5443);

  function setUp(server: AnyServer, lanByDefault: boolean): void {
    const http = server.httpServer;
    if (!http || env["VITEST"]) return; // middleware mode (vitest): no sockets of our own
    const logger = server.config.logger;
    let origins: string[] = [];
    const signaling = new SignalingServer({ phoneOrigins: () => origins });
    signaling.attach(http as HttpServer);

    let lan: HttpsServer | undefined;
    const wantLan = env["STUDIO_LAN"] === undefined ? lanByDefault : env["STUDIO_LAN"] === "1";
    if (wantLan) {
      void startLan(server, signaling).then(
        (s) => {
          lan = s;
          const port = (s.address() as AddressInfo).port;
          origins = lanOrigins(port);
          const shown =
            origins.length > 0
              ? origins.map((o) => `${o}/`).join(", ")
              : `https://<this machine's address>:${port}/ (no LAN address found)`;
          logger.info(`  ➜  Phone camera (HTTPS on the LAN, self-signed certificate): ${shown}`);
        },
        (e: unknown) => {
          const why = e instanceof Error ? e.message : String(e);
          logger.warn(
            `  ➜  Phone camera: the HTTPS listener on port ${lanPort} did not start (${why}); set STUDIO_LAN_PORT to another port.`,
          );
        },
      );
    }
    http.on("close", () => {
      void signaling.close();
      lan?.closeAllConnections();
      lan?.close();
    });
  }

  async function startLan(server: AnyServer, signaling: SignalingServer): Promise<HttpsServer> {
    const { getCertificate } = await import("@vitejs/plugin-basic-ssl");
    const pem = await getCertificate(join(server.config.cacheDir, "basic-ssl"));
    const https = createHttpsServer({ cert: pem, key: pem }, server.middlewares);
    // server.middlewares adds the configured COOP/COEP headers itself.
    https.on("upgrade", (req, socket, head: Buffer) => {
      // /signal here; anything else (Vite's HMR socket) goes to the dev server's own handlers.
      if (!signaling.handleUpgrade(req, socket, head)) server.httpServer?.emit("upgrade", req, socket, head);
    });
    // After a config change Vite restarts in-process: the previous listener may still be closing.
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          https.once("error", reject);
          https.listen(lanPort, "0.0.0.0", () => {
            https.off("error", reject);
            resolve();
          });
        });
        return https;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 10) throw e;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  return {
    name: "studio:phone-camera-signaling",
    configureServer(server) {
      setUp(server, true);
    },
    configurePreviewServer(server) {
      setUp(server, false);
    },
  };
}
