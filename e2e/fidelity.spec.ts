import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Page } from "@playwright/test";
import { expect, openStudio as open, test } from "./fixtures.ts";

async function settings(page: Page, dataset: string, seconds: number) {
  await page.getByRole("link", { name: "Record" }).click();
  await page.getByLabel("Dataset name").fill(dataset);
  await page.getByLabel("Episode seconds").fill(String(seconds));
  await page.getByLabel("Reset seconds").fill("1");
  await page.getByLabel("Episodes").fill("1");
  await page.getByLabel("Codec").selectOption("vp9");
}

/** observation.state of the dataset's only episode, row by row (NaN = not read). */
async function storedState(page: Page, dataset: string): Promise<number[][]> {
  return page.evaluate(async (name) => {
    const t = window.__studioTest!;
    const ds = (await t.episodes.listDatasets()).datasets.find((d) => d.name === name)!;
    const [ep] = (await t.episodes.listEpisodes(ds.id)).episodes;
    const rows: number[][] = [];
    for await (const b of t.episodes.readRows(ep!.id)) {
      const w = b.state.length / b.count;
      for (let i = 0; i < b.count; i++) rows.push(Array.from(b.state.subarray(i * w, (i + 1) * w)));
    }
    return rows;
  }, dataset);
}

test.describe("recording fidelity", () => {
  test.setTimeout(240_000);

  test("a take with 5 % corrupt and 5 % dropped replies exports with its missing values masked, and QA lists where they are", async ({
    page,
  }) => {
    await open(page);
    const follower = page.getByTestId("bus-sim-so101_follower");
    await follower.getByText("Simulation: inject faults").click();
    await follower.getByLabel("Corrupt replies percent").fill("5");
    await follower.getByLabel("Dropped replies percent").fill("5");
    await follower.getByRole("button", { name: "Apply" }).click();
    await settings(page, "e2e_faults", 8);
    await page.getByRole("button", { name: "Start recording" }).click();
    await expect(page.getByTestId("record-state")).toHaveAttribute("data-phase", "done", { timeout: 120_000 });
    const review = page.getByTestId("take-review");
    await expect(review).toContainText("240 rows");
    await expect(page.getByTestId("joint-sync")).toContainText("rows without a joint sample");

    const rows = await storedState(page, "e2e_faults");
    expect(rows).toHaveLength(240);
    const missingRows = rows.flatMap((r, k) => (r.some(Number.isNaN) ? [k] : []));
    console.log(`fault take: ${missingRows.length} rows with a missing joint (${missingRows.join(", ")})`);
    if (missingRows.length > 0) {
      // QA names the windows (seconds) where joints are missing, not just "missing in every row".
      const flags = page.locator('[data-testid="qa-flags"] li[data-kind="missing_joints"]');
      await expect(flags.first()).toBeVisible();
      await expect(flags.first()).toContainText(/\d+\.\d\d( s|–)/);
    }

    await page.getByRole("link", { name: "Datasets" }).click();
    const row = page.locator('[data-testid="dataset-row"][data-dataset="e2e_faults"]');
    const downloading = page.waitForEvent("download");
    await row.getByRole("button", { name: "Download .zip" }).click();
    const download = await downloading;
    // Never a whole-dataset refusal because of a missing read.
    await expect(page.getByTestId("export-job")).toHaveAttribute("data-state", "done");
    const dir = mkdtempSync(join(tmpdir(), "studio-faults-"));
    try {
      const zip = join(dir, "dataset.zip");
      await download.saveAs(zip);
      const root = join(dir, "ds");
      execFileSync("unzip", ["-q", zip, "-d", root]);
      const info = JSON.parse(readFileSync(join(root, "meta/info.json"), "utf8")) as { features: Record<string, unknown> };
      expect("observation.state_is_valid" in info.features).toBe(missingRows.length > 0);
      const db = await (await DuckDBInstance.create()).connect();
      const data = join(root, "data/chunk-000/file-000.parquet");
      const cols = missingRows.length > 0 ? `"observation.state" AS s, "observation.state_is_valid" AS v` : `"observation.state" AS s`;
      const out = (await db.runAndReadAll(`SELECT ${cols} FROM '${data}' ORDER BY index`)).getRowObjects();
      expect(out).toHaveLength(240);
      out.forEach((r, k) => {
        const s = (r["s"] as { items: number[] }).items.map(Number);
        // exactly what was stored: a missing value stays missing (NaN), none is made up
        s.forEach((x, j) =>
          expect(Number.isNaN(x) ? "missing" : x).toBe(Number.isNaN(rows[k]![j]!) ? "missing" : Math.fround(rows[k]![j]!)),
        );
        if (missingRows.length > 0) {
          const v = (r["v"] as { items: number[] }).items.map(Number);
          expect(v).toEqual(s.map((x) => (Number.isNaN(x) ? 0 : 1)));
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("unplugging the follower mid-take ends the take there and labels it cut short; no rows of nothing to the end", async ({ page }) => {
    await open(page);
    await settings(page, "e2e_unplug", 20);
    await page.getByRole("button", { name: "Start recording" }).click();
    await expect(page.getByTestId("record-state")).toHaveAttribute("data-phase", "recording", { timeout: 60_000 });
    await page.waitForTimeout(2500);
    await page.getByRole("link", { name: "Rig" }).click();
    const follower = page.getByTestId("bus-sim-so101_follower");
    await follower.getByText("Simulation: inject faults").click();
    await follower.getByRole("button", { name: "Unplug USB" }).click();
    await page.getByRole("link", { name: "Record" }).click();
    await expect(page.getByTestId("record-state")).toHaveAttribute("data-phase", "done", { timeout: 30_000 });
    const review = page.getByTestId("take-review");
    await expect(review).toContainText("cut short");
    // The loop ends its run when the port goes: the follower's disconnection (or, on a machine so
    // busy that the loop's watchdog fires first, the stall) is the label.
    await expect(review.locator('[data-kind="cut_short"]')).toContainText(/was disconnected|stalled/);
    const rows = await storedState(page, "e2e_unplug");
    // a few seconds of a 20 s take: nothing recorded after the unplug, no rows of nothing to the end
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(10 * 30);
    const length = await page.evaluate(async () => {
      const t = window.__studioTest!;
      const ds = (await t.episodes.listDatasets()).datasets.find((d) => d.name === "e2e_unplug")!;
      const [ep] = (await t.episodes.listEpisodes(ds.id)).episodes;
      return { length: ep!.length, cut: ep!.qa.some((f) => f.kind === "cut_short") };
    });
    expect(length).toEqual({ length: rows.length, cut: true });
  });
});
