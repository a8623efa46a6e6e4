import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { expect, followerPan, openStudio, openStudioAt, test } from "./fixtures.ts";

/**
 * Remote teleoperation relayed by a real TURN server (Debian's coturn, started here on loopback):
 * the station's settings say `relay-only`, so every packet between the two browsers goes through
 * the TURN server — as it must for an operator behind a NAT that no direct path crosses. The link
 * panels say the path is relayed, and the operator's command still drives the station's follower.
 * Skipped where coturn is not installed, except under CI (.ci/run installs it), where that fails.
 */
const TURN_PORT = Number(process.env["E2E_TURN_PORT"] ?? 34780);
const hasTurnserver = spawnSync("sh", ["-c", "command -v turnserver"]).status === 0;

let turn: ChildProcess | undefined;
test.beforeAll(async () => {
  if (!hasTurnserver) return;
  turn = spawn(
    "turnserver",
    [
      "-n",
      "--listening-ip=127.0.0.1",
      "--relay-ip=127.0.0.1",
      `--listening-port=${TURN_PORT}`,
      "--min-port=49160",
      "--max-port=49200",
      "--lt-cred-mech",
      "--user=studio:e2e-secret",
      "--realm=studio.test",
      "--allow-loopback-peers",
      "--no-cli",
      "--no-tls",
      "--no-dtls",
      "--log-file=stdout",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  // Listening once it logs its listener (or after a second).
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 1500);
    turn!.stdout!.on("data", (d: Buffer) => {
      if (/listener opened|Total (UDP|General) servers/i.test(d.toString())) {
        clearTimeout(t);
        resolve();
      }
    });
  });
});
test.afterAll(() => {
  turn?.kill();
});

test("through a TURN server only (relay-only): the path says relayed, and the operator drives the station's follower", async ({
  page: station,
  browser,
}) => {
  // CI installs coturn (.ci/run): there a missing turnserver is a failure, not a skip.
  if (process.env["CI"]) expect(hasTurnserver, "coturn's turnserver is not installed").toBe(true);
  test.skip(!hasTurnserver, "coturn's turnserver is not installed (apt-get install coturn)");
  test.setTimeout(180_000);
  await openStudio(station);
  await station.getByRole("link", { name: "Remote" }).click();
  await station.getByText("Network: STUN/TURN servers").click();
  await station.getByLabel("STUN and TURN servers").fill(`turn:127.0.0.1:${TURN_PORT} studio e2e-secret\nrelay-only`);
  await station.getByRole("button", { name: "Share this station" }).click();
  const href = await station.getByTestId("remote-link").getAttribute("href");
  const url = new URL(href!);

  // The operator has no TURN settings of its own: the station's relayed candidates are the only way in.
  const operator = await (await browser.newContext()).newPage();
  await openStudioAt(operator, url.pathname + url.search + url.hash);
  await expect(operator.getByTestId("remote-operator")).toHaveAttribute("data-status", "connected", { timeout: 45_000 });
  await expect(station.locator('[data-figure="path"] td.num')).toHaveText("relayed by the TURN server", { timeout: 20_000 });
  await expect(operator.locator('[data-testid="operator-link"] [data-figure="path"] td.num')).toHaveText("relayed by the TURN server", {
    timeout: 20_000,
  });

  await operator.getByRole("button", { name: "Drive the station's arm" }).click();
  await expect(operator.getByTestId("operator-loop")).toHaveAttribute("data-loop", "tracking", { timeout: 20_000 });
  await station.getByRole("link", { name: "Teleop" }).click();
  const start = await followerPan(station);
  await operator.getByLabel("shoulder_pan remote target").fill(String(Math.round(start + 20)));
  await expect.poll(() => followerPan(station), { timeout: 15_000 }).toBeGreaterThan(start + 14);
  await operator.context().close();
});
