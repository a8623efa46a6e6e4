import { expect, test } from "./fixtures.ts";
import { exportCalibration, importCalibration } from "./profileHelpers.ts";
import { episodes, open, phase, settings } from "./recordingHelpers.ts";

/** Issue 12's guards: one recorder per origin, activities that exclude each other, full disks, bad files. */
test.describe("guards", () => {
  test.setTimeout(120_000);

  test("the browser's Web Locks keep the OriginLocks contract", async ({ page }) => {
    await open(page);
    expect(await page.evaluate(() => window.__studioTest!.lockContract())).toEqual([]);
  });

  test("a second tab during a take: the take completes; the second tab says recording runs elsewhere and stays usable", async ({
    page,
    context,
  }) => {
    await open(page);
    await settings(page, { dataset: "e2e_two_tabs", seconds: 6, reset: 0, episodes: 1 });
    await page.getByRole("button", { name: "Start recording" }).click();
    await expect(phase(page)).toHaveAttribute("data-phase", "recording", { timeout: 30_000 });

    const second = await context.newPage();
    await open(second);
    await second.getByRole("link", { name: "Record" }).click();
    await expect(second.getByTestId("recording-elsewhere")).toContainText("Recording runs in another tab");
    await expect(second.getByRole("button", { name: "Start recording" })).toBeDisabled();
    await expect(second.getByTestId("recovered")).toHaveCount(0);
    // Browsing works meanwhile: the datasets screen lists the live take's dataset.
    await second.getByRole("link", { name: "Datasets" }).click();
    await expect(second.getByText("e2e_two_tabs").first()).toBeVisible();

    await expect(phase(page)).toHaveAttribute("data-phase", "done", { timeout: 30_000 });
    await expect(page.getByTestId("record-error")).toHaveCount(0);
    const [take] = await episodes(page, "e2e_two_tabs");
    expect(take!.episode.status).toBe("complete");
    expect(take!.rows).toBe(180); // 6 s at 30 fps, every row
    expect(take!.cameras["front"]!.frames).toBe(180);

    // The first tab's session ended: the second may record now.
    await second.getByRole("link", { name: "Record" }).click();
    await expect(second.getByTestId("recording-elsewhere")).toHaveCount(0, { timeout: 10_000 });
    await expect(second.getByRole("button", { name: "Start recording" })).toBeEnabled();
    await second.close();
  });

  test("a calibration import during a take is refused with the reason; the take goes on and the calibration is unchanged", async ({
    page,
  }) => {
    await open(page);
    const follower = "sim-so101_follower";
    await page.getByRole("link", { name: "Rig" }).click();
    const before = await exportCalibration(page, follower);
    const shifted = JSON.parse(before.text) as Record<string, { homing_offset: number }>;
    for (const m of Object.values(shifted)) m.homing_offset += 200;

    await settings(page, { dataset: "e2e_cal_take", seconds: 0, reset: 0, episodes: 1 });
    await page.getByRole("button", { name: "Start recording" }).click();
    await expect(phase(page)).toHaveAttribute("data-phase", "recording", { timeout: 30_000 });
    await page.getByRole("link", { name: "Rig" }).click();
    await importCalibration(page, follower, "shifted.json", JSON.stringify(shifted));
    const result = page.getByTestId("import-result");
    await expect(result).toContainText("refused; nothing was changed");
    await expect(result).toContainText(
      "A recording session drives Simulated SO-101 follower now: importing a calibration is refused while it runs.",
    );
    await expect(result).toContainText("Record → Stop");

    await page.getByRole("link", { name: "Record" }).click();
    await expect(phase(page)).toHaveAttribute("data-phase", "recording");
    await page.getByRole("button", { name: "Next →" }).click();
    await expect(phase(page)).toHaveAttribute("data-phase", "done", { timeout: 30_000 });
    const [take] = await episodes(page, "e2e_cal_take");
    expect(take!.episode.status).toBe("complete");
    expect(take!.rows).toBe(take!.episode.length);
    await page.getByRole("link", { name: "Rig" }).click();
    expect((await exportCalibration(page, follower)).text).toBe(before.text);
  });

  test("a crashed import is rolled back on reload: the half-imported dataset is removed and a notice says so", async ({ page }) => {
    await open(page);
    // What a page killed mid-import leaves: the dataset still marked "importing", with the episodes stored so far.
    await page.evaluate(async () => {
      const store = window.__studioTest!.episodes;
      const ds = await store.createDataset({
        name: "half_imported",
        fps: 30,
        robotType: "so101_follower",
        jointNames: ["a.pos"],
        units: "degrees",
        cameras: [],
        tasks: ["t"],
        importing: true,
      });
      await store.createEpisode({ datasetId: ds.id, task: "t", startedAtEpochMs: 0, t0Ms: 0 });
    });
    await page.getByRole("link", { name: "Datasets" }).click();
    await expect(page.getByTestId("dataset-row")).toHaveCount(0); // never listed as if complete
    await page.reload(); // still on the Datasets screen
    await expect(page.getByTestId("removed-imports")).toContainText(
      'An import cut off by a closed or crashed page ("half_imported") was removed',
    );
    const left = await page.evaluate(async () => (await window.__studioTest!.episodes.listDatasets()).datasets.map((d) => d.name));
    expect(left).not.toContain("half_imported");
  });

  test("a take cut by a full disk ends at once with its complete rows; unfinished in Chromium, it is listed as cut short at once and recovered with the label after a reload", async ({
    page,
  }) => {
    await open(page);
    // A small camera, so what stops the take is the disk, not an encoder that fell behind.
    const panel = page.getByTestId("cameras-panel");
    await panel.getByRole("button", { name: "Remove front" }).click();
    await panel.getByLabel("Camera name").fill("front");
    await panel.getByLabel("Camera size").selectOption({ label: "320×240" });
    await panel.getByRole("button", { name: "Add simulated camera" }).click();
    await expect(page.getByTestId("camera-preview")).toHaveCount(1);
    await settings(page, { dataset: "e2e_full", seconds: 0, reset: 0, episodes: 1 });
    const cdp = await page.context().newCDPSession(page);
    const origin = new URL(page.url()).origin;
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    await cdp.send("Storage.overrideQuotaForOrigin", { origin, quotaSize: usage + 600_000 });
    await page.getByRole("button", { name: "Start recording" }).click();
    // Ends at once (the take is open-ended): the session is over, saying why and what to do.
    await expect(phase(page)).toHaveAttribute("data-phase", "done", { timeout: 90_000 });
    const error = page.getByTestId("record-error");
    await expect(error).toContainText("storage for this site is full");
    await expect(error).toContainText("could not be marked finished: free space");
    // Already in this session the list says why the take ended (a note outside the full database).
    await page.getByRole("link", { name: "Episodes" }).click();
    await expect(page.getByTestId("cut-short")).toHaveText("cut short: storage full");
    // Space freed (the quota back), then a reload: the take is recovered with its complete rows and listed.
    await cdp.send("Storage.overrideQuotaForOrigin", { origin });
    await page.reload();
    await page.getByRole("link", { name: "Record" }).click();
    await expect(page.getByTestId("recovered")).toContainText("Recovered 1 take", { timeout: 20_000 });
    const [take] = await episodes(page, "e2e_full");
    expect(take!.episode.status).toBe("interrupted");
    expect(take!.rows).toBe(take!.episode.length);
    expect(take!.rows).toBeGreaterThan(0);
    expect(take!.cameras["front"]!.frames).toBe(take!.rows);
    await page.getByRole("link", { name: "Episodes" }).click();
    const item = page.getByTestId("episode-item").filter({ hasText: "interrupted" });
    await expect(item).toHaveCount(1);
    await expect(item.getByTestId("cut-short")).toHaveText("cut short: storage full");
  });
});
