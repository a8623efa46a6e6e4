import { fileURLToPath } from "node:url";
import type { Page } from "@playwright/test";
import { expect, openStudio, positions, test } from "./fixtures.ts";

/** fixtures/onnx (scripts/make-act-fixture.py): act_tiny walks each joint 3 % of the way to GOAL per action. */
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/onnx/${name}`, import.meta.url));
const GOAL = [25, 15, -15, 10, 0, 40];

async function followerJoints(page: Page): Promise<number[]> {
  await page.getByRole("link", { name: "Teleop" }).click();
  const cells = page.locator('[data-testid="teleop-joint"] [data-testid="follower"]');
  await expect(cells).toHaveCount(6);
  const values = (await cells.allTextContents()).map(Number);
  expect(values.every(Number.isFinite)).toBe(true);
  await page.getByRole("link", { name: "Rollout" }).click();
  return values;
}

test.describe("an ONNX policy in this browser (lerobot's ACT contract)", () => {
  test.setTimeout(180_000);

  test("a wrong model is refused before anything moves; the fixture model drives the follower to its goal; the choice survives a reload", async ({
    page,
  }) => {
    await openStudio(page);
    await page.getByRole("link", { name: "Rollout" }).click();
    await page.getByRole("radio", { name: "ONNX model in this browser" }).check();
    await expect(page.getByLabel("Policy server")).toHaveCount(0); // no server address for a model in this browser
    await page.getByLabel("Record the rollout").uncheck();
    await page.getByLabel("Dataset stats file").setInputFiles(fixture("act_tiny.stats.json"));

    // A model for a 5-joint arm: refused as soon as it is picked, and again at start — nothing moves.
    await page.getByLabel("ONNX model file").setInputFiles(fixture("act_tiny_5dof.onnx"));
    const problem = page.getByTestId("onnx-problem");
    await expect(problem).toContainText("action_chunk has 5 values per action; this follower has 6 joints", { timeout: 30_000 });
    await page.getByRole("button", { name: "Start rollout" }).click();
    const message = page.getByTestId("rollout-message");
    await expect(message).toContainText("act_tiny_5dof.onnx does not fit: The model's action_chunk has 5 values per action");
    const phase = page.getByTestId("rollout-phase");
    await expect(phase).toHaveAttribute("data-phase", "idle");
    // Teleoperation was not even started, and the follower's motors report the same positions.
    expect(await page.evaluate(() => window.__studioTest!.teleop.getState().status)).toBeUndefined();
    await page.getByRole("link", { name: "Rig" }).click();
    // The Rig screen's readings, once every motor has reported (a loaded machine renders them a moment later).
    const readAll = async () => {
      let p: number[] = [];
      await expect.poll(async () => (p = await positions(page, "sim-so101_follower")).length === 6 && p.every(Number.isFinite)).toBe(true);
      return p;
    };
    const before = await readAll();
    await page.waitForTimeout(1000);
    expect(await readAll()).toEqual(before);
    await page.getByRole("link", { name: "Rollout" }).click();

    // A model with a wrong input name: refused naming the input.
    await page.getByLabel("ONNX model file").setInputFiles(fixture("act_tiny_misnamed.onnx"));
    await expect(problem).toContainText('no input "state" (its inputs: observation.state, image_0)');

    // The fixture: accepted, and the follower goes where the model says.
    await page.getByLabel("ONNX model file").setInputFiles(fixture("act_tiny.onnx"));
    await expect(page.getByTestId("onnx-ready")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId("onnx-summary")).toContainText(
      "state [batch, 6], image_0 [batch, 3, 32, 32] → action_chunk [batch, 10, 6]",
    );
    // The hand rests on the simulated leader (it stays where it is put): only the policy moves the follower.
    await page.getByRole("button", { name: "Hold still" }).click();
    await page.getByRole("button", { name: "Start rollout" }).click();
    await expect(phase).not.toHaveAttribute("data-phase", /idle|starting/, { timeout: 60_000 });
    expect(await message.allTextContents()).toEqual([]); // no hold, no refusal
    await expect(phase).toHaveAttribute("data-phase", "autonomous");
    await expect(page.getByTestId("rollout-stats")).toContainText("chunks");
    // Far from the goal at first (the simulated follower starts elsewhere), then within 2° of it on every joint.
    const start = await followerJoints(page);
    expect(Math.max(...start.map((v, j) => Math.abs(v - GOAL[j]!)))).toBeGreaterThan(5);
    await expect
      .poll(async () => Math.max(...(await followerJoints(page)).map((v, j) => Math.abs(v - GOAL[j]!))), {
        timeout: 60_000,
        intervals: [1000],
      })
      .toBeLessThan(2);
    await expect(phase).toHaveAttribute("data-phase", "autonomous");
    await page.getByRole("button", { name: "Stop rollout" }).click();
    await expect(phase).toHaveAttribute("data-phase", "stopped");

    // The chosen model and stats are kept in IndexedDB.
    await page.goto("/");
    await expect(page.getByTestId("motor-row")).toHaveCount(12);
    await page.getByRole("link", { name: "Rollout" }).click();
    await page.getByRole("radio", { name: "ONNX model in this browser" }).check();
    await expect(page.getByTestId("onnx-summary")).toContainText("act_tiny.onnx");
    await expect(page.getByTestId("onnx-summary")).toContainText("stats act_tiny.stats.json");
    await expect(page.getByTestId("onnx-ready")).toBeVisible({ timeout: 30_000 });
  });
});
