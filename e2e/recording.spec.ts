import { expect, test } from "./fixtures.ts";
import { addFakeUsbCamera, episodes, open, phase, settings, storedLength } from "./recordingHelpers.ts";

test.describe("recording episodes", () => {
  test.setTimeout(180_000);

  test("three takes with a simulated and a USB camera; one discarded, one re-recorded; frames, rows and timecodes check out", async ({
    page,
  }) => {
    await open(page);
    await addFakeUsbCamera(page, "wrist");
    await settings(page, { dataset: "e2e_takes", seconds: 2, reset: 3, episodes: 3 });
    // Every countdown figure shown, from its first frame: never more than the 3 s countdown or the 3 s reset (long enough for a busy machine to press Delete within it).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __countdowns: string[] }).__countdowns = seen;
      new MutationObserver(() => {
        const t = document.querySelector('[data-testid="countdown"]')?.textContent?.trim();
        if (t && seen.at(-1) !== t) seen.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole("button", { name: "Start recording" }).click();

    // Take 1: recorded, then discarded from the review with one key.
    await expect(phase(page)).toHaveAttribute("data-phase", "recording", { timeout: 30_000 });
    await expect(phase(page)).toHaveAttribute("data-phase", "reset", { timeout: 15_000 });
    await expect(page.getByTestId("take-review")).toContainText("Last take: take 1 / 3");
    await expect(page.getByTestId("take-review")).toContainText("kept");
    // D is a joint key of keyboard teleop: it does not discard here; Delete does.
    await page.keyboard.press("d");
    await expect(page.getByTestId("take-review")).toContainText("kept");
    await page.keyboard.press("Delete");
    await expect(page.getByTestId("take-review")).toContainText("discarded");

    // Take 2: re-recorded with ← while recording.
    await expect(phase(page)).toHaveAttribute("data-phase", "recording", { timeout: 15_000 });
    await page.keyboard.press("ArrowLeft");
    await expect(phase(page)).toHaveAttribute("data-phase", "countdown");

    // Three kept takes, then the session ends.
    await expect(phase(page)).toHaveAttribute("data-phase", "done", { timeout: 60_000 });
    await expect(page.getByTestId("episode-counter")).toContainText("take 3 / 3");
    // The end of a session is not a failure (not amber) and says what was kept.
    await expect(page.getByTestId("session-summary")).toContainText("3 kept · 2 discarded · in e2e_takes");
    const countdowns = await page.evaluate(() => (window as unknown as { __countdowns: string[] }).__countdowns);
    expect(countdowns.length).toBeGreaterThan(0);
    for (const c of countdowns) expect(Number(c.replace(" s", ""))).toBeLessThanOrEqual(3);
    expect(await phase(page).evaluate((e) => getComputedStyle(e).color)).not.toBe("rgb(245, 176, 65)");
    await expect(page.getByTestId("sync-report")).toBeVisible();

    const stored = await episodes(page, "e2e_takes");
    expect(stored.map((c) => c.episode.status)).toEqual(["complete", "complete", "complete"]);
    for (const c of stored) {
      // 2 s at 30 fps: exactly 60 rows (the recorder's row clock ends the take, however busy the machine).
      expect(c.rows).toBe(c.episode.length);
      expect(c.rows).toBe(60);
      for (const key of ["front", "wrist"]) {
        const cam = c.cameras[key]!;
        expect(cam.frames, key).toBe(c.rows);
        expect(cam.badTimestamps, key).toBe(0);
        expect(cam.decodeErrors, key).toBe(0);
        // Each row has the frame captured nearest its time (among the camera's frames): true on
        // any machine, however late frames come (how late is the benchmark's `rec.` figures).
        expect(cam.notNearest, key).toBe(0);
      }
      // The simulated camera's timecode is readable in the stored video, frame after frame.
      const front = c.cameras["front"]!;
      expect(front.timecodes).toBeGreaterThanOrEqual(c.rows * 0.95);
      // …and it is the frame the episode says: its drawn capture time is the one stored with it.
      expect(front.captureMismatches).toBe(0);
      // The fake USB camera draws no timecode.
      expect(c.cameras["wrist"]!.timecodes).toBe(0);
    }
  });

  test("a reload mid-take: the episode is recovered as interrupted and stays playable", async ({ page }) => {
    await open(page);
    await settings(page, { dataset: "e2e_crash", seconds: 0, reset: 0, episodes: 5 });
    await page.getByRole("button", { name: "Start recording" }).click();
    await expect(phase(page)).toHaveAttribute("data-phase", "recording", { timeout: 30_000 });
    // Wait until the take's stored data (rows and media are written about once a second) has 30
    // complete rows, as the app's own store says.
    await expect.poll(() => storedLength(page, "e2e_crash"), { timeout: 30_000 }).toBeGreaterThanOrEqual(30);
    await page.reload();
    await expect(page.getByTestId("recovered")).toContainText("Recovered 1 take", { timeout: 20_000 });
    const [ep] = await episodes(page, "e2e_crash");
    expect(ep!.episode.status).toBe("interrupted");
    expect(ep!.rows).toBe(ep!.episode.length);
    expect(ep!.rows).toBeGreaterThanOrEqual(30);
    expect(ep!.cameras["front"]!.frames).toBe(ep!.rows);
    expect(ep!.cameras["front"]!.decodeErrors).toBe(0);
    // Its image statistics (never written by the interrupted take) are computed from the stored
    // video, so it exports like any other episode.
    const id = ep!.episode.id;
    await expect
      .poll(() => page.evaluate(async (eid) => Object.keys((await window.__studioTest!.episodes.getEpisode(eid))!.imageStats), id), {
        timeout: 30_000,
      })
      .toEqual(["front"]);
  });

  test("when storage runs out, recording stops cleanly and the stored takes stay intact", async ({ page }) => {
    await open(page);
    // A small camera: its encoder keeps up even on a machine busy with other work, so what stops
    // the take is the full disk, not an encoder that fell behind.
    const panel = page.getByTestId("cameras-panel");
    await panel.getByRole("button", { name: "Remove front" }).click();
    await expect(page.getByTestId("camera-preview")).toHaveCount(0);
    await panel.getByLabel("Camera name").fill("front");
    await panel.getByLabel("Camera size").selectOption({ label: "320×240" });
    await panel.getByRole("button", { name: "Add simulated camera" }).click();
    await expect(page.getByTestId("camera-preview")).toHaveCount(1);
    await settings(page, { dataset: "e2e_quota", seconds: 1, reset: 0, episodes: 1 });
    await page.getByRole("button", { name: "Start recording" }).click();
    await expect(phase(page)).toHaveAttribute("data-phase", "done", { timeout: 30_000 });
    const [first] = await episodes(page, "e2e_quota");
    expect(first!.episode.status).toBe("complete");

    // Shrink this origin's quota to what it uses now plus ~0.6 MB: the next take fills it.
    const cdp = await page.context().newCDPSession(page);
    const origin = new URL(page.url()).origin;
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    await cdp.send("Storage.overrideQuotaForOrigin", { origin, quotaSize: usage + 600_000 });

    await page.getByLabel("Episode seconds").fill("0");
    await page.getByLabel("Episodes").fill("2");
    await page.getByLabel("Codec").selectOption("vp9");
    await page.getByRole("button", { name: "Start recording" }).click();
    await expect(page.getByTestId("record-error")).toContainText(/storage|full|space/i, { timeout: 90_000 });
    await expect(phase(page)).toHaveAttribute("data-phase", "done");

    await cdp.send("Storage.overrideQuotaForOrigin", { origin });
    const after = await episodes(page, "e2e_quota");
    // The first take is untouched; the one cut short keeps its complete rows.
    expect(after[0]!.episode.id).toBe(first!.episode.id);
    expect(after[0]!.rows).toBe(first!.rows);
    expect(after[0]!.cameras["front"]!.frames).toBe(first!.rows);
    expect(after).toHaveLength(2);
    expect(after[1]!.rows).toBe(after[1]!.episode.length);
    expect(after[1]!.cameras["front"]!.frames).toBe(after[1]!.rows);
  });
});
