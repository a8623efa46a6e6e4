/**
 * `npm run policy-server`: the reference policy server (openpi's websocket protocol).
 *
 *   PORT=8000 HOST=127.0.0.1 npm run policy-server
 *
 * PORT defaults to 8000 (openpi's default), HOST to 127.0.0.1. A page served over https may only
 * reach it on localhost (or through wss://).
 */
import { startPolicyServer } from "./policyServer.ts";

async function main(): Promise<void> {
  const running = await startPolicyServer({
    port: Number(process.env["PORT"] ?? 8000),
    host: process.env["HOST"] ?? "127.0.0.1",
    log: (line) => console.log(line),
  });
  console.log(`Reference policy server on ${running.url} (GET /healthz)`);
  const stop = (): void => {
    void running.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e: unknown) => {
  console.error(`The policy server did not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
