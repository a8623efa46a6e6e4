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
});
