/**
 * `npm run signaling`: the signaling server on its own.
 *
 *   PORT=8787 HOST=0.0.0.0 npm run signaling
 *
 * Environment:
 *   PORT             port (default 8787)
 *   HOST             interface (default 0.0.0.0: reachable from the LAN)
 *   TLS=1            serve wss:// with @vitejs/plugin-basic-ssl's self-signed certificate
 *                    (a phone page opened over https may only open wss:// sockets)
 *   PHONE_ORIGIN     comma-separated origins where phone.html is served, sent to the studio for the
 *                    pairing link (e.g. https://192.168.1.20:5443); default: none, the studio uses its own origin
 *   ALLOWED_ORIGINS  comma-separated page origins allowed to connect, or * for any
 *                    (default: pages whose origin host equals the server's host)
 */
import { join } from "node:path";
import { sameHostOrigin } from "./signaling.ts";
import { startSignalingServer } from "./standalone.ts";

function list(v: string | undefined): string[] {
  return (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

async function main(): Promise<void> {
  const port = Number(process.env["PORT"] ?? 8787);
  const host = process.env["HOST"] ?? "0.0.0.0";
  const phoneOrigins = list(process.env["PHONE_ORIGIN"]);
  const allowed = list(process.env["ALLOWED_ORIGINS"]);
  let tls: { cert: string; key: string } | undefined;
  if (process.env["TLS"] === "1") {
    const { getCertificate } = await import("@vitejs/plugin-basic-ssl");
    const pem = await getCertificate(join("node_modules", ".vite", "basic-ssl"));
    tls = { cert: pem, key: pem };
  }
  const running = await startSignalingServer({
    port,
    host,
    ...(tls ? { tls } : {}),
    phoneOrigins: () => phoneOrigins,
    allowOrigin: (origin, reqHost) =>
      allowed.includes("*") || (origin !== undefined && allowed.includes(origin)) || sameHostOrigin(origin, reqHost),
    log: (line) => console.log(line),
  });
  console.log(`Signaling server on ${tls ? "wss" : "ws"}://${host}:${running.port}/signal`);
  const stop = (): void => {
    void running.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e: unknown) => {
  console.error(`The signaling server did not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
