import { expect, test } from "./fixtures.ts";
import type { Page } from "@playwright/test";

/**
 * From the UI, the teleop lifecycle cannot leave a loop driving the follower: after Stop or
 * Escape nothing talks to the follower's bus any more (its transaction counter stands still),
 * however Start was clicked. Measured before the fix: two clicks on Start in one task, then Stop
 * → 44–97 goal writes in the second after Stop, in 10 of 10 trials.
 */
const FOLLOWER = "sim-so101_follower";

async function transactions(page: Page): Promise<number> {
  return page.evaluate(async (key) => (await window.__studioTest!.busStats(key)).transactions, FOLLOWER);
}

/** The follower's bus is silent over `ms`: no loop reads or writes it. */
async function expectSilent(page: Page, ms = 1000): Promise<void> {
  const before = await transactions(page);
  await page.waitForTimeout(ms);
  expect(await transactions(page)).toBe(before);
}

async function openTeleop(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.__STUDIO_TEST__ = true;
  });
  await page.goto("/?camera=none");
  await expect(page.getByTestId("motor-row")).toHaveCount(12);
  await page.getByRole("link", { name: "Teleop" }).click();
}

const state = (page: Page) => page.getByTestId("teleop-state");

test.describe("teleop lifecycle from the UI", () => {
  test("two clicks on Start in one task, then Stop: one loop, and it stops", async ({ page }) => {
    await openTeleop(page);
    const start = page.getByRole("button", { name: "Start teleoperation" });
    // The rig may still be configuring the arms (Start is disabled until then): the two clicks
    // below bypass Playwright's wait for an enabled button, so wait for it here.
    await expect(start).toBeEnabled();
    await start.evaluate((b: HTMLButtonElement) => {
      b.click();
      b.click();
    });
    await expect(start).toBeDisabled(); // disabled from the first click on
    await expect(state(page)).toHaveAttribute("data-state", "tracking");
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    await expect(state(page)).toHaveAttribute("data-state", "stopped");
    await expectSilent(page);
  });

  test("the 3D twin draws while the arm moves and not while it is still", async ({ page }) => {
    await openTeleop(page);
    const canvas = page.getByTestId("twin").locator("canvas");
    const frames = async () => Number((await canvas.getAttribute("data-frames")) ?? 0);
    await page.getByRole("button", { name: "Start teleoperation" }).click();
    await expect(state(page)).toHaveAttribute("data-state", "tracking");
    const moving0 = await frames();
    await page.waitForTimeout(1000);
    expect(await frames()).toBeGreaterThan(moving0 + 5); // the scripted leader moves the follower
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    await expect(state(page)).toHaveAttribute("data-state", "stopped");
    await page.waitForTimeout(300);
    const still0 = await frames();
    await page.waitForTimeout(1000);
    expect(await frames()).toBe(still0);
  });

  test("Start, Stop, change the rate, Start, Stop: nothing left running", async ({ page }) => {
    await openTeleop(page);
    const start = page.getByRole("button", { name: "Start teleoperation" });
    await start.click();
    await expect(state(page)).toHaveAttribute("data-state", /gating|tracking/);
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    await page.getByRole("combobox", { name: "Loop rate" }).selectOption("50");
    await start.click();
    await expect(state(page)).toHaveAttribute("data-state", "tracking");
    // The new rate took: under 60 Hz, not the former 100 (a busy machine only ever lowers a measured rate).
    await expect(page.getByTestId("loop-stats")).toContainText(/(^|[^\d])([1-9]|[1-5]\d) Hz/);
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    await expect(state(page)).toHaveAttribute("data-state", "stopped");
    await expectSilent(page);
  });

  test("Escape while starting: torque off and no goals after it", async ({ page }) => {
    await openTeleop(page);
    await page.getByRole("button", { name: "Start teleoperation" }).click();
    await page.keyboard.press("Escape");
    await expect(state(page)).toHaveAttribute("data-state", /estopped|idle|stopped/);
    await page.waitForTimeout(300);
    await expectSilent(page);
    // A new start still works after an emergency stop.
    await page.getByRole("button", { name: "Start teleoperation" }).click();
    await expect(state(page)).toHaveAttribute("data-state", "tracking");
    await page.keyboard.press("Escape");
    await expect(state(page)).toHaveAttribute("data-state", "estopped");
    await expectSilent(page);
  });

  test("a follower alone can be teleoperated: no leader, keyboard targets held to the joint's range", async ({ page }) => {
    await openTeleop(page);
    await page.getByRole("combobox", { name: "Leader arm" }).selectOption("none");
    await page.getByRole("button", { name: "Start teleoperation" }).click();
    await expect(state(page)).toHaveAttribute("data-state", "tracking");
    await expect(page.getByTestId("manual-controls")).toBeVisible();
    await expect(page.getByRole("radio", { name: "leader arm" })).toBeDisabled();
    const row = page.locator(".slider-row").filter({ hasText: "elbow_flex" });
    const range = (await row.getByTestId("range").textContent())!.split("…").map(Number);
    expect(range[1]! > range[0]!).toBe(true);
    // Hold the key that raises the elbow well past its range's end: the target stops at the end.
    await page.getByRole("combobox", { name: "Keyboard speed" }).selectOption("90");
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.down("e");
    await page.waitForTimeout(3000);
    await page.keyboard.up("e");
    const target = Number(await row.getByTestId("target").textContent());
    expect(target).toBeLessThanOrEqual(range[1]! + 0.5);
    await expect(page.getByTestId("teleop-error")).toHaveCount(0);
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    await expectSilent(page);
  });
});
