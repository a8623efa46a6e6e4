// Regenerates the screenshots in docs/img from the running studio.
// Usage: npm run dev (or preview) in one shell, then: node scripts/docs-screenshots.mjs [baseURL]
// (e.g. `npx vite preview --port 4204` and `node scripts/docs-screenshots.mjs http://localhost:4204`).
// The Rollout screenshot drives the reference policy server, which this script starts on port 8765.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium } from "@playwright/test";

const base = process.argv[2] ?? "http://localhost:5173";
const executablePath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const browser = await chromium.launch({
  ...(executablePath ? { executablePath } : {}),
  // WebGL for the 3D twin without a GPU (SwiftShader)
  args: ["--no-sandbox", "--disable-background-networking", "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });

await page.goto(`${base}/`);
await page.getByTestId("motor-row").nth(11).waitFor();
await page.waitForTimeout(1500);
await page.screenshot({ path: "docs/img/rig-console.png" });

// Fault injection on the follower bus.
const follower = page.getByTestId("bus-sim-so101_follower");
await follower.getByText("Simulation: inject faults").click();
await follower.getByLabel("Dropped replies percent").fill("20");
await follower.getByRole("button", { name: "Apply" }).click();
await follower.getByRole("button", { name: /Overload motor/ }).click();
const panel = follower.getByTestId("registers-sim-so101_follower");
await panel.getByLabel("Register").selectOption("Present_Temperature");
await panel.getByRole("button", { name: "Read" }).click();
await page.waitForTimeout(2500);
await follower.screenshot({ path: "docs/img/bus-console-faults.png" });
await follower.getByLabel("Dropped replies percent").fill("0");
await follower.getByRole("button", { name: "Apply" }).click();
await follower.getByRole("button", { name: "Clear" }).click();

// Calibration wizard: sweep in progress, then the review.
const row = page.locator('[data-testid="profile-row"][data-profile="sim-so101_follower"]');
await row.getByRole("button", { name: "Calibrate" }).click();
const wizard = page.getByTestId("calibration-wizard");
await wizard.getByRole("button", { name: "Start: turn torque off" }).click();
await wizard.getByRole("button", { name: "Centre the arm" }).click();
await page.waitForTimeout(1200);
await wizard.getByRole("button", { name: "Set middle pose" }).click();
await wizard.getByRole("button", { name: "Sweep every joint" }).click();
await page.waitForTimeout(2600);
await wizard.screenshot({ path: "docs/img/calibration-sweep.png" });
await page.waitForTimeout(2300);
await wizard.getByRole("button", { name: "Done sweeping" }).click();
await wizard.screenshot({ path: "docs/img/calibration-review.png" });
await wizard.getByRole("button", { name: "Cancel" }).click();

// Motor setup on the simulated bench.
await page.getByText("Motor setup (new motors").click();
await page.getByRole("button", { name: "Try on a simulated bench" }).click();
const setup = page.getByTestId("motor-setup");
await setup.getByRole("button", { name: "Simulated: plug in only the gripper motor" }).click();
await setup.getByRole("button", { name: "Set up gripper" }).click();
await setup.getByText("gripper is now id 6").waitFor({ timeout: 20_000 });
await page.locator(".setup-card").screenshot({ path: "docs/img/motor-setup.png" });

await page.close();

// The screens at a laptop's 1280×720: first run, teleop, a recording session, episodes, datasets.
const laptop = await browser.newPage({ viewport: { width: 1280, height: 720 } });
await laptop.goto(`${base}/`);
await laptop.getByTestId("motor-row").nth(11).waitFor();
await laptop.getByTestId("camera-preview").first().waitFor();
await laptop.waitForTimeout(1000);
await laptop.screenshot({ path: "docs/img/first-run.png" });
await laptop.getByTestId("first-run").getByRole("button", { name: "Start teleoperation" }).click();
await laptop.locator('[data-testid="teleop-state"][data-state="tracking"]').waitFor();
await laptop.waitForTimeout(2000);
await laptop.screenshot({ path: "docs/img/teleop.png" });
await laptop.getByRole("link", { name: "Record", exact: true }).click();
await laptop.getByLabel("Dataset name").fill("docs_demo");
await laptop.getByLabel("Episode seconds").fill("3");
await laptop.getByLabel("Reset seconds").fill("1");
await laptop.getByLabel("Episodes", { exact: true }).fill("2");
await laptop.getByRole("button", { name: "Start recording" }).click();
await laptop.locator('[data-testid="record-state"][data-phase="recording"]').waitFor({ timeout: 60_000 });
await laptop.waitForTimeout(1500);
await laptop.screenshot({ path: "docs/img/record-recording.png" });
await laptop.locator('[data-testid="record-state"][data-phase="done"]').waitFor({ timeout: 90_000 });
await laptop.screenshot({ path: "docs/img/record-done.png" });
await laptop.getByRole("link", { name: "Episodes", exact: true }).click();
await laptop.getByLabel("Dataset", { exact: true }).selectOption({ label: "docs_demo" });
await laptop.getByTestId("episode-item").first().waitFor();
await laptop.waitForTimeout(800);
await laptop.screenshot({ path: "docs/img/episodes-browser.png" });
await laptop.getByTestId("episode-item").first().click();
await laptop.getByTestId("episode-plots").locator(".uplot").first().waitFor();
await laptop.waitForTimeout(1500);
await laptop.screenshot({ path: "docs/img/episodes-player.png" });
await laptop.getByTestId("annotation").screenshot({ path: "docs/img/episodes-annotation.png" });
await laptop.getByRole("link", { name: "Datasets" }).click();
await laptop.getByTestId("dataset-row").first().waitFor();
await laptop.screenshot({ path: "docs/img/datasets.png" });
await laptop.close();

// A policy rollout with a person ready to correct it (the reference policy server), then taken over.
// Its own process group, so that stopping it stops tsx's child too (the script then exits).
const policy = spawn("npx", ["tsx", "server/policyMain.ts"], {
  env: { ...process.env, PORT: "8765" },
  stdio: ["ignore", "pipe", "inherit"],
  detached: true,
});
await new Promise((resolve, reject) => {
  policy.stdout.on("data", (d) => String(d).includes("Reference policy server on") && resolve(undefined));
  policy.on("exit", () => reject(new Error("the policy server did not start")));
});
try {
  const roll = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await roll.goto(`${base}/#rollout`);
  await roll
    .getByTestId("motor-row")
    .nth(11)
    .waitFor()
    .catch(() => undefined);
  await roll.getByRole("link", { name: "Rollout" }).click();
  await roll.getByLabel("Policy server").fill("ws://127.0.0.1:8765");
  await roll.getByLabel("Instruction").fill("reach for the cube");
  await roll.getByLabel("Rollout dataset").fill("docs_rollout");
  await roll.getByRole("button", { name: "Start rollout" }).click();
  await roll.locator('[data-testid="rollout-phase"][data-phase="autonomous"]').waitFor({ timeout: 60_000 });
  await roll.waitForTimeout(2500);
  await roll.screenshot({ path: "docs/img/rollout.png" });
  await roll.getByRole("button", { name: "Take over (Space)" }).click();
  await roll.locator('[data-testid="rollout-phase"][data-phase="correcting"]').waitFor({ timeout: 30_000 });
  await roll.waitForTimeout(1500);
  await roll.screenshot({ path: "docs/img/rollout-correcting.png" });
  await roll.getByRole("button", { name: "Stop rollout" }).click();
  await roll.close();
} finally {
  process.kill(-policy.pid, "SIGTERM");
}

// Remote teleoperation: the station shares a link; an operator (another context: another computer) drives.
const stationCtx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
const station = await stationCtx.newPage();
await station.goto(`${base}/`);
await station.getByTestId("motor-row").nth(11).waitFor();
await station.getByTestId("camera-preview").first().waitFor();
await station.getByRole("link", { name: "Remote" }).click();
await station.getByRole("button", { name: "Share this station" }).click();
const href = await station.getByTestId("remote-link").getAttribute("href", { timeout: 30_000 });
const link = new URL(href);
const operatorCtx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
const operator = await operatorCtx.newPage();
await operator.goto(new URL(link.pathname + link.search + link.hash, base).href);
await operator.locator('[data-testid="remote-operator"][data-status="connected"]').waitFor({ timeout: 60_000 });
await operator.getByRole("button", { name: "Drive the station's arm" }).click();
await operator.locator('[data-testid="operator-loop"][data-loop="tracking"]').waitFor({ timeout: 60_000 });
await operator.waitForTimeout(4000);
await operator.screenshot({ path: "docs/img/remote-operator.png" });
await station.screenshot({ path: "docs/img/remote-station.png" });
await operatorCtx.close();
await stationCtx.close();

// A phone's width: the navigation folds into a menu.
const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
await phone.goto(`${base}/`);
await phone.getByTestId("motor-row").nth(11).waitFor();
await phone.waitForTimeout(1000);
await phone.screenshot({ path: "docs/img/rig-390.png" });
await phone.close();

await browser.close();
console.log("wrote docs/img/*.png");
