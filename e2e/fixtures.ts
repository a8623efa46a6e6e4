import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test as base, expect, type Page } from "@playwright/test";

/** Fails a test on any uncaught page error or console error: problems must be shown, not thrown. */
export const test = base.extend<{ errors: string[] }>({
  errors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
      });
      await use(errors);
      expect(errors, "the page logged errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** The studio with the test hooks (window.__studioTest), once the simulated rig and its camera are up. */
/** Opens the studio at `path` with the test hooks (window.__studioTest), without waiting for anything. */
export async function openStudioAt(page: Page, path: string): Promise<void> {
  await page.addInitScript(() => {
    window.__STUDIO_TEST__ = true;
  });
  await page.goto(path);
}

/** The station's follower shoulder_pan as the Teleop screen shows it (degrees). */
export const followerPan = async (station: Page): Promise<number> =>
  Number(await station.locator('[data-testid="teleop-joint"][data-joint="shoulder_pan"] [data-testid="follower"]').textContent());

export async function openStudio(page: Page): Promise<void> {
  await openStudioAt(page, "/");
  await expect(page.getByTestId("motor-row")).toHaveCount(12);
  await expect(page.getByTestId("camera-preview")).toHaveCount(1);
}

/** Positions shown for one bus, as numbers (NaN for a missing value). */
export async function positions(page: Page, bus: string): Promise<number[]> {
  const cells = page.locator(`[data-testid="motor-row"][data-bus="${bus}"] [data-testid="position"]`);
  return (await cells.allTextContents()).map((t) => (t.trim() === "—" ? NaN : Number(t)));
}

/**
 * Datasets screen: downloads `dataset` as a zip (the format chosen there) into a new temporary
 * folder and unzips it; `root` is the dataset folder. The caller removes `dir`.
 */
export async function downloadZip(page: Page, dataset: string, prefix: string): Promise<{ dir: string; zip: string; root: string }> {
  const row = page.locator(`[data-testid="dataset-row"][data-dataset="${dataset}"]`);
  const downloading = page.waitForEvent("download");
  await row.getByRole("button", { name: "Download .zip" }).click();
  const download = await downloading;
  await expect(page.getByTestId("export-job")).toHaveAttribute("data-state", "done");
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const zip = join(dir, "dataset.zip");
  await download.saveAs(zip);
  const root = join(dir, "ds");
  execFileSync("unzip", ["-q", zip, "-d", root]);
  return { dir, zip, root };
}
