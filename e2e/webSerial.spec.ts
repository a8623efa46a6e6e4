import { expect, positions, test } from "./fixtures.ts";

/**
 * The real WebSerialTransport, driven through an injected fake `SerialPort` backed by the
 * simulated bus: what happens when a user clicks "Connect a real arm" and picks a port.
 */
test.describe("Web Serial with an injected fake SerialPort", () => {
  test.beforeEach(async ({ page }) => {
    await page.addInitScript(() => {
      (window as unknown as { __STUDIO_FAKE_SERIAL__: unknown }).__STUDIO_FAKE_SERIAL__ = {
        ports: [{ arm: "so101_follower" }, { arm: "koch_follower", usbVendorId: 0x0403, usbProductId: 0x6014 }],
      };
    });
  });

  test("connects a Feetech arm, scans six motors and shows them live", async ({ page }) => {
    await page.goto("/?rig=none");
    await page.getByRole("button", { name: "Choose a serial port…" }).click();
    const bus = page.locator(".bus-console", { hasText: "USB serial 1a86:55d3" });
    await expect(bus.getByTestId("motor-row")).toHaveCount(6);
    await expect(bus).toContainText("runs on the page"); // the fake port lives in the page, not the worker
    await expect(bus.getByTestId("motor-row").first()).toContainText("sts3215");
    const key = await bus.getAttribute("data-testid");
    await expect.poll(async () => (await positions(page, key!.replace("bus-", ""))).every(Number.isFinite)).toBe(true);
  });

  test("connects a Dynamixel arm and reads a register", async ({ page }) => {
    await page.goto("/?rig=none");
    await page.getByRole("button", { name: "Choose a serial port…" }).click();
    await expect(page.locator(".bus-console", { hasText: "USB serial 1a86:55d3" }).getByTestId("motor-row")).toHaveCount(6);
    await page.getByLabel("Arm type", { exact: true }).selectOption("koch_follower");
    await page.getByRole("button", { name: "Choose a serial port…" }).click();
    const bus = page.locator(".bus-console", { hasText: "USB serial 0403:6014" });
    await expect(bus.getByTestId("motor-row")).toHaveCount(6);
    await expect(bus).toContainText("Dynamixel Protocol 2.0");
    await expect(bus.getByTestId("motor-row").first()).toContainText("xl430-w250");
    await expect(bus.getByTestId("motor-row").nth(5)).toContainText("xl330-m288");
    const panel = bus.locator('[data-testid^="registers-"]');
    await panel.getByLabel("Register").selectOption("Model_Number");
    await panel.getByRole("button", { name: "Read" }).click();
    await expect(panel.getByTestId("register-result")).toHaveText("Model_Number of motor 1 = 1060");
  });

  test("a real arm gets a profile named by the user, remembered with its port", async ({ page }) => {
    await page.goto("/?rig=none");
    await page.getByLabel("Arm name").fill("left follower");
    await page.getByRole("button", { name: "Choose a serial port…" }).click();
    const row = page.getByTestId("profile-row").filter({ hasText: "USB 1a86:55d3" });
    await expect(row.getByLabel("Profile name")).toHaveValue("left follower");
    await expect(row).toContainText("SO-101 follower");
    await expect(row.getByTestId("calibration-state")).toHaveText("not calibrated");
    await expect(row.getByLabel("Joint units")).toHaveValue("degrees");
    await row.getByLabel("Joint units").selectOption("range_m100_100");
    await page.reload();
    const again = page.getByTestId("profile-row").filter({ hasText: "USB 1a86:55d3" });
    await expect(again.getByLabel("Profile name")).toHaveValue("left follower");
    await expect(again.getByLabel("Joint units")).toHaveValue("range_m100_100");
  });

  test("an unplugged port is detected and reported", async ({ page }) => {
    await page.goto("/?rig=none");
    await page.getByRole("button", { name: "Choose a serial port…" }).click();
    const bus = page.locator(".bus-console", { hasText: "USB serial 1a86:55d3" });
    await expect(bus.getByTestId("motor-row")).toHaveCount(6);
    await page.evaluate(() => (window as unknown as { __studioFakeSerial: { unplug(i: number): void } }).__studioFakeSerial.unplug(0));
    await expect(bus.getByTestId("bus-status")).toHaveText("disconnected");
    await expect(page.getByTestId("problem").first()).toContainText("USB serial 1a86:55d3 was disconnected");
    const row = page.getByTestId("profile-row").filter({ hasText: "USB 1a86:55d3" });
    await expect(row).toContainText("disconnected");

    // Plugged back in: the port is recognised by its USB identity and the profile reconnects without asking.
    await page.evaluate(() => (window as unknown as { __studioFakeSerial: { replug(i: number): void } }).__studioFakeSerial.replug(0));
    await expect(bus.getByTestId("bus-status")).toHaveText("connected");
    await expect(row).toContainText("connected");
    await expect(page.getByTestId("status-strip")).toContainText("reconnected to its port");
    await expect
      .poll(async () => (await positions(page, (await bus.getAttribute("data-testid"))!.replace("bus-", ""))).every(Number.isFinite))
      .toBe(true);
  });
});
