import { expect, test } from "./fixtures.ts";
import type { Page } from "@playwright/test";
import { exportCalibration, importCalibration } from "./profileHelpers.ts";

interface Cal {
  id: number;
  drive_mode: number;
  homing_offset: number;
  range_min: number;
  range_max: number;
}

/** Run the calibration wizard on one simulated arm with the simulated hand. */
async function calibrate(page: Page, profileId: string) {
  const row = page.locator(`[data-testid="profile-row"][data-profile="${profileId}"]`);
  await row.getByRole("button", { name: "Calibrate" }).click();
  const wizard = page.getByTestId("calibration-wizard");
  await wizard.getByRole("button", { name: "Start: turn torque off" }).click();
  await expect(wizard.getByTestId("calibration-phase")).toHaveText("middle");
  await wizard.getByRole("button", { name: "Centre the arm" }).click();
  await page.waitForTimeout(1200); // the hand takes ~0.9 s to centre the joints
  await wizard.getByRole("button", { name: "Set middle pose" }).click();
  await expect(wizard.getByTestId("calibration-phase")).toHaveText("sweep");
  await wizard.getByRole("button", { name: "Sweep every joint" }).click();
  await expect(wizard.getByTestId("sim-hand-note")).toContainText("Sweeping");
  await page.waitForTimeout(4800); // four 1.1 s legs
  await wizard.getByRole("button", { name: "Done sweeping" }).click();
  await expect(wizard.getByTestId("calibration-phase")).toHaveText("review");
  // The hand's note belongs to the sweep step: it goes once the wizard moves on.
  await expect(wizard.getByTestId("sim-hand-note")).toHaveCount(0);
  return wizard;
}

for (const rig of [
  {
    kind: "so101",
    follower: "sim-so101_follower",
    fullTurn: ["wrist_roll"],
    offsetLimit: 2047,
    fullTurnNote: "wrist_roll turns fully and needs no range.",
  },
  {
    kind: "koch",
    follower: "sim-koch_follower",
    fullTurn: ["shoulder_pan", "wrist_roll"],
    offsetLimit: 4096,
    fullTurnNote: "shoulder_pan and wrist_roll turn fully and need no range.",
  },
] as const) {
  test(`calibrates the simulated ${rig.kind} follower, exports lerobot JSON and imports it back`, async ({ page }) => {
    await page.goto(`/?rig=${rig.kind}`);
    await expect(page.locator(`[data-testid="bus-${rig.follower}"] [data-testid="motor-row"]`)).toHaveCount(6);
    const wizard = await calibrate(page, rig.follower);
    await expect(wizard).toContainText(rig.fullTurnNote);
    await expect(wizard.getByTestId("calibration-issues")).toHaveText("Every joint moved through a plausible range.");
    await wizard.getByRole("button", { name: "Save calibration" }).click();
    await expect(wizard.getByTestId("calibration-phase")).toHaveText("saved");
    // A success looks like one (green, not the errors' red) and fades on its own.
    const success = page.locator('[data-testid="problem"][data-severity="success"]').filter({ hasText: "is calibrated" });
    await expect(success).toBeVisible();
    expect(await success.evaluate((e) => getComputedStyle(e).backgroundColor)).toBe("rgb(27, 50, 34)");
    await wizard.getByRole("button", { name: "Close" }).click();
    await expect(success).toHaveCount(0, { timeout: 10_000 });

    const exported = await exportCalibration(page, rig.follower);
    expect(exported.name).toMatch(/\.json$/);
    const cal = JSON.parse(exported.text) as Record<string, Cal>;
    expect(Object.keys(cal)).toEqual(["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"]);
    Object.values(cal).forEach((c, i) => {
      expect(Object.keys(c)).toEqual(["id", "drive_mode", "homing_offset", "range_min", "range_max"]);
      expect(c.id).toBe(i + 1);
      expect(c.drive_mode).toBe(0);
      expect(Math.abs(c.homing_offset)).toBeLessThanOrEqual(rig.offsetLimit);
      expect(c.range_min).toBeLessThan(c.range_max);
    });
    for (const [name, c] of Object.entries(cal)) {
      if ((rig.fullTurn as readonly string[]).includes(name)) {
        expect([c.range_min, c.range_max]).toEqual([0, 4095]);
      } else {
        // The sweep went end to end: a wide range around the middle pose (2047).
        expect(c.range_max - c.range_min).toBeGreaterThan(1000);
        expect(c.range_min).toBeLessThan(2047);
        expect(c.range_max).toBeGreaterThan(2047);
      }
    }
    // lerobot's layout: 4-space indent, no trailing newline.
    expect(exported.text.startsWith('{\n    "shoulder_pan": {\n        "id": 1,')).toBe(true);
    expect(exported.text.endsWith("\n    }\n}")).toBe(true);

    // The motors hold it: the homing offset register equals the file's value.
    const bus = page.getByTestId(`bus-${rig.follower}`);
    const panel = bus.locator('[data-testid^="registers-"]');
    await panel.getByLabel("Motor id").selectOption("3");
    await panel.getByLabel("Register").selectOption("Homing_Offset");
    await panel.getByRole("button", { name: "Read" }).click();
    await expect(panel.getByTestId("register-result")).toHaveText(`Homing_Offset of motor 3 = ${cal["elbow_flex"]!.homing_offset}`);

    // Re-import (edited range): the profile and the motors take it; export gives the same bytes.
    const at = exported.text.indexOf('"elbow_flex"');
    const edited =
      exported.text.slice(0, at) +
      exported.text.slice(at).replace(`"range_min": ${cal["elbow_flex"]!.range_min}`, `"range_min": ${cal["elbow_flex"]!.range_min + 10}`);
    await importCalibration(page, rig.follower, "edited.json", edited);
    await expect(page.getByTestId("import-result")).toHaveText("Imported edited.json.");
    const again = await exportCalibration(page, rig.follower);
    expect(again.text).toBe(edited);
    await panel.getByLabel("Register").selectOption("Min_Position_Limit");
    await panel.getByRole("button", { name: "Read" }).click();
    await expect(panel.getByTestId("register-result")).toHaveText(`Min_Position_Limit of motor 3 = ${cal["elbow_flex"]!.range_min + 10}`);

    // Profiles persist (IndexedDB): after a reload the calibration is still there.
    await page.reload();
    await expect(
      page.locator(`[data-testid="profile-row"][data-profile="${rig.follower}"] [data-testid="calibration-state"]`),
    ).toContainText("calibrated");
    const afterReload = await exportCalibration(page, rig.follower);
    expect(afterReload.text).toBe(edited);
  });
}

test("a malformed calibration file is refused, naming the field, and nothing changes", async ({ page }) => {
  await page.goto("/");
  const id = "sim-so101_follower";
  await expect(page.locator(`[data-testid="bus-${id}"] [data-testid="motor-row"]`)).toHaveCount(6);
  const before = await exportCalibration(page, id);
  const bad = JSON.parse(before.text) as Record<string, Cal>;
  bad["wrist_flex"]!.range_max = 5000;
  bad["gripper"]!.range_min = bad["gripper"]!.range_max;
  await importCalibration(page, id, "bad.json", JSON.stringify(bad));
  const result = page.getByTestId("import-result");
  await expect(result).toContainText("refused; nothing was changed");
  await expect(result).toContainText('"wrist_flex.range_max": 5000 is outside 0..4095.');
  await expect(result).toContainText('"gripper.range_min"');
  await importCalibration(page, id, "other.json", '{"elbow": {}}');
  await expect(result).toContainText('"elbow": unknown motor for SO-101 follower');
  expect((await exportCalibration(page, id)).text).toBe(before.text);
});

test("a calibration file naming 200,000 unknown motors (12 MB) is refused in well under a second; the tab stays responsive", async ({
  page,
}) => {
  await page.goto("/");
  const id = "sim-so101_follower";
  await expect(page.locator(`[data-testid="bus-${id}"] [data-testid="motor-row"]`)).toHaveCount(6);
  const huge = JSON.stringify(Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`unknown_motor_${i}`, { id: i }])));
  // Timed in the page, from the file input's change to the refusal shown (Playwright's own transfer of
  // the 12 MB into the file chooser is not the studio's time).
  await page.evaluate(() => {
    const w = window as unknown as { __importTiming: { change?: number; shown?: number } };
    w.__importTiming = {};
    document.addEventListener("change", () => (w.__importTiming.change = performance.now()), { capture: true, once: true });
    new MutationObserver((_, observer) => {
      if (document.querySelector('[data-testid="import-result"]')) {
        w.__importTiming.shown = performance.now();
        observer.disconnect();
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  await importCalibration(page, id, "huge.json", huge);
  const result = page.getByTestId("import-result");
  await expect(result).toContainText("a calibration file is about 1 KB", { timeout: 10_000 });
  const timing = await page.evaluate(() => (window as unknown as { __importTiming: { change: number; shown: number } }).__importTiming);
  expect(timing.shown - timing.change).toBeLessThan(500);
  expect(await result.locator("li").count()).toBe(1);
  // The page answers at once (Escape, the E-stop key, would be handled).
  const asked = Date.now();
  await page.evaluate(() => document.title);
  expect(Date.now() - asked).toBeLessThan(500);
});

test("unplugging during calibration keeps the previous calibration and says so", async ({ page }) => {
  await page.goto("/");
  const id = "sim-so101_follower";
  await expect(page.locator(`[data-testid="bus-${id}"] [data-testid="motor-row"]`)).toHaveCount(6);
  const before = await exportCalibration(page, id);
  const row = page.locator(`[data-testid="profile-row"][data-profile="${id}"]`);
  await row.getByRole("button", { name: "Calibrate" }).click();
  const wizard = page.getByTestId("calibration-wizard");
  await wizard.getByRole("button", { name: "Start: turn torque off" }).click();
  await wizard.getByRole("button", { name: "Set middle pose" }).click();
  await expect(wizard.getByTestId("calibration-phase")).toHaveText("sweep");
  const bus = page.getByTestId(`bus-${id}`);
  await bus.getByText("Simulation: inject faults").click();
  await bus.getByRole("button", { name: "Unplug USB" }).click();
  await expect(wizard.getByTestId("calibration-error")).toContainText("previous calibration is kept");
  expect((await exportCalibration(page, id)).text).toBe(before.text);
  // Plug back in: the profile's calibration goes back onto the motors.
  await wizard.getByRole("button", { name: "Cancel" }).click();
  await bus.getByRole("button", { name: "Plug back in" }).click();
  await expect(bus.getByTestId("bus-status")).toHaveText("connected");
  const previous = JSON.parse(before.text) as Record<string, Cal>;
  const panel = bus.locator('[data-testid^="registers-"]');
  await panel.getByLabel("Register").selectOption("Homing_Offset");
  await expect(async () => {
    await panel.getByRole("button", { name: "Read" }).click();
    await expect(panel.getByTestId("register-result")).toHaveText(`Homing_Offset of motor 1 = ${previous["shoulder_pan"]!.homing_offset}`, {
      timeout: 500,
    });
  }).toPass({ timeout: 10_000 });
});

test("the review explains a joint that moved the wrong way", async ({ page }) => {
  await page.goto("/");
  const id = "sim-so101_follower";
  const bus = page.getByTestId(`bus-${id}`);
  await expect(bus.getByTestId("motor-row")).toHaveCount(6);
  // Fault injection: motor 3 (elbow_flex) is mounted reversed, so it counts backwards.
  await bus.getByText("Simulation: inject faults").click();
  await bus.getByLabel("Reversed motor").selectOption({ label: "motor 3" });
  const wizard = await calibrate(page, id);
  const issues = wizard.getByTestId("calibration-issues");
  await expect(issues).toContainText("elbow flex first moved against its arrow");
  await expect(issues).not.toContainText("shoulder pan");
  await expect(wizard.getByRole("button", { name: "Save anyway" })).toBeVisible();
});

test("the review explains joints that never moved", async ({ page }) => {
  await page.goto("/");
  const id = "sim-so101_follower";
  await expect(page.locator(`[data-testid="bus-${id}"] [data-testid="motor-row"]`)).toHaveCount(6);
  const row = page.locator(`[data-testid="profile-row"][data-profile="${id}"]`);
  await row.getByRole("button", { name: "Calibrate" }).click();
  const wizard = page.getByTestId("calibration-wizard");
  await wizard.getByRole("button", { name: "Start: turn torque off" }).click();
  await wizard.getByRole("button", { name: "Set middle pose" }).click();
  await expect(wizard.getByTestId("calibration-phase")).toHaveText("sweep");
  await page.waitForTimeout(300);
  await wizard.getByRole("button", { name: "Done sweeping" }).click();
  const issues = wizard.getByTestId("calibration-issues");
  await expect(issues).toContainText("shoulder pan never moved");
  await expect(issues).toContainText("gripper never moved");
  await expect(issues).not.toContainText("wrist roll"); // full-turn joints need no sweep
});
