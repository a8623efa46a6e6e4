import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { expect, followerPan, openStudio, openStudioAt, test } from "./fixtures.ts";

/**
 * Remote teleoperation in two browser contexts (two "computers"), both on the simulated rig: the
 * station shares a one-time link from the Remote screen; the operator opens it, sees the station's
 * camera and twin, drives the station's follower with its sliders through a real RTCPeerConnection,
 * presses the session keys (the take is recorded at the station and exported there), then drives the
 * follower with its own (simulated) leader arm.
 */

test.describe("remote teleoperation", () => {
  test.setTimeout(240_000);

  test("an operator in another context drives the station's follower, records a take there, and the station exports it", async ({
    page: station,
    browser,
  }) => {
    await openStudio(station);
    // The take's settings at the station.
    await station.getByRole("link", { name: "Record" }).click();
    await station.getByLabel("Dataset name").fill("e2e_remote");
    await station.getByLabel("Task").fill("Wave remotely");
    await station.getByLabel("Episode seconds").fill("2");
    await station.getByLabel("Reset seconds").fill("1");
    await station.getByLabel("Episodes").fill("1");

    await station.getByRole("link", { name: "Remote" }).click();
    await station.getByRole("button", { name: "Share this station" }).click();
    const href = await station.getByTestId("remote-link").getAttribute("href");
    expect(href).toMatch(/\?remote=[A-Za-z0-9_-]{22}#remote$/);
    const path = new URL(href!).pathname + new URL(href!).search + new URL(href!).hash;

    // The operator: its own context (no shared storage), its own simulated rig.
    const opContext = await browser.newContext();
    const operator = await opContext.newPage();
    const opErrors: string[] = [];
    operator.on("pageerror", (e) => opErrors.push(e.message));
    await openStudioAt(operator, path);
    await expect(operator.getByTestId("remote-operator")).toHaveAttribute("data-status", "connected", { timeout: 30_000 });
    await expect(station.getByTestId("remote-station")).toHaveAttribute("data-status", "connected");
    // The station's camera arrives live at the operator.
    await expect(operator.getByTestId("remote-video")).toHaveCount(1, { timeout: 20_000 });
    await expect
      .poll(() => operator.locator('[data-testid="remote-video"] video').evaluate((v: HTMLVideoElement) => v.videoWidth), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);
    await expect(operator.getByTestId("operator-twin")).toBeVisible();

    // Drive: the station starts its loop and hands the follower to the operator (through its start gate).
    await operator.getByRole("button", { name: "Drive the station's arm" }).click();
    await expect(operator.getByTestId("operator-loop")).toHaveAttribute("data-driver", "remote", { timeout: 20_000 });
    await expect(operator.getByTestId("operator-loop")).toHaveAttribute("data-loop", "tracking", { timeout: 20_000 });
    await station.getByRole("link", { name: "Teleop" }).click();
    const start = await followerPan(station);
    const pan = operator.getByLabel("shoulder_pan remote target");
    await pan.fill(String(Math.round(start + 25)));
    await expect.poll(() => followerPan(station), { timeout: 15_000 }).toBeGreaterThan(start + 18);
    await expect(operator.getByTestId("operator-loop")).toHaveAttribute("data-hold", "false");

    // The session keys from the operator: one 2 s take, recorded at the station from its own camera.
    await operator.getByRole("button", { name: "Start recording session" }).click();
    await expect(operator.getByTestId("operator-take")).toHaveAttribute("data-phase", "recording", { timeout: 30_000 });
    await expect(operator.getByTestId("operator-take")).toHaveAttribute("data-phase", "done", { timeout: 60_000 });

    // The link panels have figures.
    await station.getByRole("link", { name: "Remote" }).click();
    await expect(station.getByTestId("station-link")).toContainText("command age when applied");
    const applied = Number(await station.locator('[data-figure="applied"] td.num').textContent());
    expect(applied).toBeGreaterThan(50);
    await expect(operator.locator('[data-testid="operator-link"] [data-figure="round trip"] td.num')).not.toHaveText("— ms");
    // No TURN server configured: the two browsers talk directly (turnRelay.spec.ts covers the relayed path).
    await expect(operator.locator('[data-testid="operator-link"] [data-figure="path"] td.num')).toHaveText("direct (peer to peer)");
    // Glass to glass: the station's simulated camera's timecode, read from the received video at the operator.
    const glass = operator.locator('[data-testid="operator-link"] [data-figure^="video glass-to-glass"] td.num');
    await expect(glass).not.toHaveText("— ms", { timeout: 15_000 });
    const glassMs = Number((await glass.textContent())!.replace(" ms", ""));
    test.info().annotations.push({ type: "video glass-to-glass p50 (ms)", description: String(glassMs) });
    expect(glassMs).toBeGreaterThan(0);
    expect(glassMs).toBeLessThan(2000);

    // The operator's own leader arm (its simulated rig's, moving on its script) now drives the station's follower:
    // read on the operator's browser at the station's loop rate, each reading sent as a command.
    const leaderButton = operator.getByRole("button", { name: /^Drive with my leader arm \(.+\)$/ });
    await expect(leaderButton).toBeEnabled();
    await leaderButton.click();
    await expect(operator.getByTestId("operator-leader")).toHaveAttribute("data-status", "on");
    await expect(operator.getByLabel("shoulder_pan remote target")).toBeDisabled();
    await station.getByRole("link", { name: "Teleop" }).click();
    const leaderPan = async () => Number(await operator.locator('[data-testid="remote-target"]').first().textContent());
    const pairs: [number, number][] = [];
    for (let i = 0; i < 16; i++) {
      pairs.push([await leaderPan(), await followerPan(station)]);
      await station.waitForTimeout(250);
    }
    const followed = pairs.map(([, f]) => f);
    // …and is on the leader's path: each follower reading is near some leader reading of the window
    // (with whatever lag the link and a busy machine add; stale commands are dropped, never queued).
    const leaders = pairs.map(([l]) => l);
    const close = followed.filter((f) => leaders.some((l) => Math.abs(l - f) < 3)).length;
    test.info().annotations.push({ type: "leader → follower pan (deg)", description: JSON.stringify(pairs) });
    expect(Math.max(...followed) - Math.min(...followed)).toBeGreaterThan(4); // the follower moves with the leader
    expect(close).toBeGreaterThanOrEqual(12);
    await operator.getByRole("button", { name: "Stop using my leader arm" }).click();
    await expect(operator.getByTestId("operator-leader")).toHaveAttribute("data-status", "off");

    // A gamepad on the operator's browser (its left stick pushed right): shoulder_pan's target moves, and the follower with it.
    const panTarget = operator.getByLabel("shoulder_pan remote target");
    await expect(panTarget).toBeEnabled();
    const padFrom = Number(await panTarget.inputValue());
    const followerFrom = await followerPan(station);
    const setPad = (x: number) =>
      operator.evaluate((x) => {
        const pad = {
          connected: true,
          id: "fake",
          index: 0,
          axes: [x, 0, 0, 0],
          buttons: Array.from({ length: 17 }, () => ({ value: 0 })),
        };
        Object.defineProperty(navigator, "getGamepads", { configurable: true, value: () => [pad] });
      }, x);
    await setPad(-0.9);
    await expect.poll(async () => padFrom - Number(await panTarget.inputValue()), { timeout: 10_000 }).toBeGreaterThan(8);
    await setPad(0);
    await expect.poll(async () => followerFrom - (await followerPan(station)), { timeout: 10_000 }).toBeGreaterThan(6);

    // A second operator with the same (used) link, and a wrong code: both refused.
    const second = await opContext.newPage();
    await second.goto(path);
    await expect(second.getByTestId("operator-status")).toContainText(/already used|not valid|unknown|refused/i, { timeout: 15_000 });
    await second.goto("/?remote=AAAAAAAAAAAAAAAAAAAAAA#remote");
    await expect(second.getByTestId("operator-status")).toContainText(/already used|not valid|unknown|refused/i, { timeout: 15_000 });
    await second.close();

    // E-stop from the operator's side: torque off at the station.
    await operator.getByRole("button", { name: "EMERGENCY STOP (station)" }).click();
    await station.getByRole("link", { name: "Teleop" }).click();
    await expect(station.getByTestId("teleop-state")).toHaveAttribute("data-state", "estopped");

    // The station exports the take; its action is the applied remote command.
    await station.getByRole("link", { name: "Datasets" }).click();
    const row = station.locator('[data-testid="dataset-row"][data-dataset="e2e_remote"]');
    await expect(row.getByTestId("dataset-episodes")).toHaveText("1");
    const downloading = station.waitForEvent("download");
    await row.getByRole("button", { name: "Download .zip" }).click();
    const download = await downloading;
    const dir = mkdtempSync(join(tmpdir(), "studio-remote-"));
    try {
      const zip = join(dir, "dataset.zip");
      await download.saveAs(zip);
      execFileSync("unzip", ["-q", zip, "-d", join(dir, "ds")]);
      const info = JSON.parse(readFileSync(join(dir, "ds/meta/info.json"), "utf8")) as Record<string, unknown>;
      expect(info["total_episodes"]).toBe(1);
      expect(info["total_frames"]).toBe(60);
      const db = await (await DuckDBInstance.create()).connect();
      const data = join(dir, "ds/data/chunk-000/file-000.parquet");
      const r = (await db.runAndReadAll(`SELECT avg(action[1])::DOUBLE AS pan FROM '${data}'`)).getRowObjects()[0]!;
      expect(Math.abs(Number(r["pan"]) - Math.round(start + 25))).toBeLessThan(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(opErrors).toEqual([]);
    await opContext.close();
  });
});
