import { expect, test } from "./fixtures.ts";

for (const arm of [
  { id: "so101_follower", label: "SO-101 follower", model: "sts3215" },
  { id: "koch_follower", label: "Koch v1.1 follower", model: "xl330-m288" },
] as const) {
  test(`sets up the motors of a simulated ${arm.label} one at a time`, async ({ page }) => {
    await page.goto("/?rig=none");
    await page.getByText("Motor setup (new motors").click();
    await page.getByLabel("Setup arm type").selectOption(arm.id);
    await page.getByRole("button", { name: "Try on a simulated bench" }).click();
    const setup = page.getByTestId("motor-setup");
    const message = setup.getByTestId("setup-message");

    // Nothing plugged in: a clear error.
    await setup.getByRole("button", { name: "Set up gripper" }).click();
    await expect(message).toContainText("No motor answered at any baud rate");

    // Two motors at once: refused.
    await setup.getByRole("button", { name: "Simulated: plug in only the gripper motor" }).click();
    await setup.getByRole("button", { name: "Simulated: plug in another motor too" }).click();
    await setup.getByRole("button", { name: "Set up gripper" }).click();
    await expect(message).toContainText(/two motors share/);

    // Motors fresh from the factory all have id 1: one at a time, gripper first.
    for (const [name, id] of [
      ["gripper", 6],
      ["wrist_roll", 5],
      ["wrist_flex", 4],
      ["elbow_flex", 3],
      ["shoulder_lift", 2],
      ["shoulder_pan", 1],
    ] as const) {
      await setup.getByRole("button", { name: `Simulated: plug in only the ${name} motor` }).click();
      await setup.getByRole("button", { name: `Set up ${name}` }).click();
      await expect(message).toContainText(id === 1 ? "All 6 motors are set up" : `${name} is now id ${id} at 1 Mbaud`, { timeout: 20_000 });
    }
    // The bench scan shows the last motor at its new id and 1 Mbaud.
    const bus = page.locator('[data-testid^="bus-setup-"]');
    await bus.getByRole("button", { name: "Scan", exact: true }).click();
    await expect(bus.getByTestId("motor-row")).toHaveCount(1);
    await expect(bus.getByTestId("motor-row").first()).toHaveAttribute("data-id", "1");
    await expect(bus.getByTestId("motor-row").first()).toContainText("1,000,000");
  });
}
