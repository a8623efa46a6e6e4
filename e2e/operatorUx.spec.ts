import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";

/** The newcomer's path and the screens' details (issue 14), on the simulated rig. */

async function open(page: Page, path = "/") {
  await page.goto(path);
  await expect(page.getByTestId("motor-row")).toHaveCount(12);
}

async function recordOne(page: Page, dataset: string) {
  await page.getByRole("link", { name: "Record", exact: true }).click();
  await page.getByLabel("Dataset name").fill(dataset);
  await page.getByLabel("Episode seconds").fill("1");
  await page.getByLabel("Reset seconds").fill("0");
  await page.getByLabel("Episodes", { exact: true }).fill("1");
  await page.getByLabel("Codec").selectOption("vp9");
  await page.getByRole("button", { name: "Start recording" }).click();
  await expect(page.getByTestId("record-state")).toHaveAttribute("data-phase", "done", { timeout: 90_000 });
}

test("first run: the next step is obvious, from a connected rig to starting teleop to recording", async ({ page }) => {
  await page.addInitScript(() => localStorage.removeItem("studio.firstRun.hidden"));
  await open(page);
  const steps = page.getByTestId("first-run").getByTestId("first-run-step");
  await expect(steps).toHaveCount(3);
  await expect(steps.nth(0)).toHaveAttribute("data-done", "true");
  await expect(steps.nth(0)).toContainText("connected and calibrated");
  await expect(page.getByTestId("first-run")).toContainText("Press ? for every keyboard shortcut");
  // The first camera says what to do rather than "no data"; the source can be chosen before a start.
  await page.getByRole("link", { name: "Teleop" }).click();
  const keyboard = page.getByRole("radio", { name: "keyboard and sliders" });
  await expect(keyboard).toBeEnabled();
  await expect(page.getByTestId("source-hint")).toContainText("applies when teleoperation starts");
  await page.getByRole("link", { name: "Rig" }).click();
  await steps.nth(1).getByRole("button", { name: "Start teleoperation" }).click();
  await expect(page).toHaveURL(/#teleop$/);
  await expect(page.getByTestId("teleop-state")).toHaveAttribute("data-state", "tracking");
  // While running, Start is not the bright (primary) button.
  await expect(page.getByRole("button", { name: "Start teleoperation" })).not.toHaveClass(/primary/);
  await page.getByRole("link", { name: "Rig" }).click();
  await expect(steps.nth(1)).toHaveAttribute("data-done", "true");
  await expect(steps.nth(2).getByRole("link", { name: "Go to Record" })).toBeVisible();
  // The bus console is one click away.
  await page.getByRole("button", { name: "Bus console" }).click();
  await expect(page.getByRole("heading", { name: "Bus console" })).toBeInViewport();
  // Dates are unambiguous.
  await expect(page.locator('[data-testid="profile-row"]').first()).toContainText(/calibrated \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
});

test("the drive source chosen before a start is the one teleop starts with", async ({ page }) => {
  await open(page);
  await page.getByRole("link", { name: "Teleop" }).click();
  await page.getByRole("radio", { name: "keyboard and sliders" }).check();
  await page.getByRole("button", { name: "Start teleoperation" }).click();
  await expect(page.getByTestId("teleop-state")).toHaveAttribute("data-state", "tracking");
  await expect(page.getByTestId("manual-controls")).toBeVisible();
});

test("episodes and datasets: a plain click opens without selecting; plots are labelled; rename and delete with a confirmation", async ({
  page,
}) => {
  await open(page);
  await recordOne(page, "ux_one");
  await page.getByRole("link", { name: "Episodes", exact: true }).click();
  await page.getByLabel("Dataset", { exact: true }).selectOption({ label: "ux_one" });
  const item = page.getByTestId("episode-item").first();
  await expect(item.locator("img.thumb, .thumb")).toHaveCount(1);
  expect((await item.locator(".thumb").boundingBox())!.width).toBeGreaterThanOrEqual(120);
  await item.click();
  await expect(page.getByTestId("episode-player")).toBeVisible();
  await expect(item.locator('input[type="checkbox"]')).not.toBeChecked();
  await expect(page.getByRole("button", { name: "Delete" })).toHaveCount(0);
  await expect(page.getByTestId("plot-legend")).toContainText("observation.state");
  await expect(page.getByTestId("plot-legend")).toContainText("action");
  await expect(page.locator(".episode-plot .u-title").first()).toHaveText("shoulder_pan (°)");
  // Video, twin, plots and the annotation timeline in view together at 1280×720.
  await page.setViewportSize({ width: 1280, height: 720 });
  for (const el of [page.locator(".episode-camera").first(), page.getByTestId("episode-plots"), page.getByTestId("timeline")])
    await expect(el).toBeInViewport();

  await page.getByRole("link", { name: "Datasets" }).click();
  const row = page.locator('[data-testid="dataset-row"][data-dataset="ux_one"]');
  await expect(row.getByTestId("dataset-frames")).toHaveText("30");
  await row.getByRole("button", { name: "Rename" }).click();
  await row.getByLabel("Dataset name").fill("ux_renamed");
  await row.getByLabel("Dataset name").press("Enter");
  const renamed = page.locator('[data-testid="dataset-row"][data-dataset="ux_renamed"]');
  await expect(renamed).toHaveCount(1);
  await renamed.getByRole("button", { name: "Delete…" }).click();
  await expect(renamed.getByRole("alertdialog")).toContainText("Delete “ux_renamed” and its 1 episode");
  await renamed.getByRole("button", { name: "Keep it" }).click();
  await expect(renamed).toHaveCount(1);
  await renamed.getByRole("button", { name: "Delete…" }).click();
  await renamed.getByRole("button", { name: "Delete for good" }).click();
  await expect(renamed).toHaveCount(0);
  await expect(page.getByTestId("import-drop")).toContainText("drop its .zip here");
});

test("390 px wide: the navigation folds into a menu and no screen is cut off sideways", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page);
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await expect(page.getByRole("link", { name: "Teleop" })).toBeHidden();
  for (const screen of ["Teleop", "Record", "Episodes", "Datasets", "Rig"]) {
    await page.getByRole("button", { name: "Menu" }).click();
    await page.getByRole("link", { name: screen, exact: true }).click();
    await expect(page.getByRole("link", { name: screen, exact: true })).toBeHidden(); // the menu folds again
    await page.waitForTimeout(300);
    expect(await overflow(), `${screen} at 390 px`).toBeLessThanOrEqual(0);
  }
});
