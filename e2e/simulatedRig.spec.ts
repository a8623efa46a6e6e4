import { expect, positions, test } from "./fixtures.ts";

test.describe("the studio on the simulated rig", () => {
  test("opens on the simulated rig with 12 live motors, in the bus worker", async ({ page }) => {
    await page.goto("/");
    const leader = page.getByTestId("bus-sim-so101_leader");
    const follower = page.getByTestId("bus-sim-so101_follower");
    await expect(leader.getByTestId("motor-row")).toHaveCount(6);
    await expect(follower.getByTestId("motor-row")).toHaveCount(6);
    await expect(page.getByTestId("status-strip")).toContainText("12 motors");
    // A scan that finds every motor says so (not silence).
    await expect(follower.getByTestId("scan-note")).toHaveText(/^Scan: 6 of 6 motors answered \(ids 1, 2, 3, 4, 5, 6\) at \d+ baud\.$/);
    await expect(leader).toContainText("runs in a worker");
    // Every motor shows live numbers: position, temperature, voltage.
    await expect.poll(async () => (await positions(page, "sim-so101_leader")).every(Number.isFinite)).toBe(true);
    await expect(leader.getByTestId("voltage").first()).toHaveText("7.4");
    // The scripted hand moves the leader: its positions change over time.
    const first = await positions(page, "sim-so101_leader");
    await expect
      .poll(async () => (await positions(page, "sim-so101_leader")).some((p, i) => Math.abs(p - first[i]!) > 5), { timeout: 5000 })
      .toBe(true);
  });

  test("connects the simulated rig through the start page", async ({ page }) => {
    await page.goto("/?rig=none");
    await expect(page.getByText("Connect the simulated rig or a real arm")).toBeVisible();
    await page.getByRole("button", { name: "Start the simulated SO-101" }).click();
    await expect(page.getByTestId("motor-row")).toHaveCount(12);
    await expect(page.getByRole("button", { name: "Simulated SO-101 connected" })).toBeDisabled();
  });

  test("reads and writes registers by name; the follower moves to a written goal", async ({ page }) => {
    await page.goto("/");
    const follower = page.getByTestId("bus-sim-so101_follower");
    await expect(follower.getByTestId("motor-row")).toHaveCount(6);
    const panel = follower.getByTestId("registers-sim-so101_follower");
    await panel.getByLabel("Motor id").selectOption("3");
    await panel.getByLabel("Register").selectOption("Model_Number");
    await panel.getByRole("button", { name: "Read" }).click();
    await expect(panel.getByTestId("register-result")).toHaveText("Model_Number of motor 3 = 777");

    await panel.getByLabel("Register").selectOption("Torque_Enable");
    await panel.getByLabel("Value").fill("1");
    await panel.getByRole("button", { name: "Write" }).click();
    await expect(panel.getByTestId("register-result")).toHaveText("Wrote Torque_Enable = 1 to motor 3.");
    await panel.getByLabel("Register").selectOption("Goal_Position");
    await panel.getByLabel("Value").fill("3000");
    await panel.getByRole("button", { name: "Write" }).click();
    await expect.poll(async () => (await positions(page, "sim-so101_follower"))[2], { timeout: 5000 }).toBe(3000);

    // A value that does not fit the register is refused with a message, nothing written.
    await panel.getByLabel("Value").fill("70000");
    await panel.getByRole("button", { name: "Write" }).click();
    await expect(panel.getByTestId("register-result")).toContainText("does not fit register Goal_Position");
  });

  test("an unplugged adapter is reported and the motors show no made-up values", async ({ page }) => {
    await page.goto("/");
    const leader = page.getByTestId("bus-sim-so101_leader");
    await expect(leader.getByTestId("motor-row")).toHaveCount(6);
    await leader.getByText("Simulation: inject faults").click();
    await leader.getByRole("button", { name: "Unplug USB" }).click();
    await expect(leader.getByTestId("bus-status")).toHaveText("disconnected");
    await expect(page.getByTestId("problem").first()).toContainText("was disconnected");
    await leader.getByRole("button", { name: "Plug back in" }).click();
    await expect(leader.getByTestId("bus-status")).toHaveText("connected");
    await expect.poll(async () => (await positions(page, "sim-so101_leader")).every(Number.isFinite)).toBe(true);
  });

  test("with injected faults the console counts errors and never shows a wrong number", async ({ page }) => {
    await page.goto("/");
    const follower = page.getByTestId("bus-sim-so101_follower");
    await expect(follower.getByTestId("motor-row")).toHaveCount(6);
    // The follower holds still (torque off, no script): its positions read before the faults are
    // the truth (read with a clean line, so none is missing).
    await expect.poll(async () => (await positions(page, "sim-so101_follower")).every(Number.isFinite)).toBe(true);
    const truth = await positions(page, "sim-so101_follower");
    await follower.getByText("Simulation: inject faults").click();
    await follower.getByLabel("Dropped replies percent").fill("30");
    await follower.getByRole("button", { name: "Apply" }).click();
    await expect
      .poll(
        async () => {
          const stats = await follower.getByTestId("bus-stats").textContent();
          return Number(/(\d+) retries/.exec(stats ?? "")?.[1] ?? 0);
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) {
      const shown = await positions(page, "sim-so101_follower");
      shown.forEach((p, j) => {
        if (Number.isFinite(p)) expect(p).toBe(truth[j]);
      });
      await page.waitForTimeout(100);
    }
  });

  test("wiggle to identify: the moving arm's bus says so, the still one does not", async ({ page }) => {
    await page.goto("/");
    const leader = page.getByTestId("bus-sim-so101_leader");
    const follower = page.getByTestId("bus-sim-so101_follower");
    await expect(follower.getByTestId("motor-row")).toHaveCount(6);
    await expect(leader.getByTestId("bus-moving")).toBeVisible();
    for (let i = 0; i < 5; i++) {
      await expect(follower.getByTestId("bus-moving")).toHaveCount(0);
      await page.waitForTimeout(200);
    }
  });
});

test("? lists the keyboard shortcuts; Escape closes the list", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("motor-row")).toHaveCount(12);
  await page.locator("body").press("?");
  await expect(page.getByTestId("help-overlay")).toContainText("emergency stop");
  await expect(page.getByTestId("help-overlay")).toContainText("record it again");
  // Discarding a take is Delete, not D (a joint key of keyboard teleop).
  await expect(page.getByTestId("help-overlay")).toContainText("Delete / Backspace");
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("help-overlay")).toHaveCount(0);
  // The overlay is hinted: a button under the navigation opens it too.
  await page.getByRole("button", { name: "? shortcuts" }).click();
  await expect(page.getByTestId("help-overlay")).toBeVisible();
});
