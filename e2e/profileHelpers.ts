import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";

/** The Rig screen's robot profiles: importing and exporting a calibration file as a user does. */

export async function importCalibration(page: Page, profileId: string, name: string, text: string): Promise<void> {
  const row = page.locator(`[data-testid="profile-row"][data-profile="${profileId}"]`);
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), row.getByRole("button", { name: "Import calibration" }).click()]);
  await chooser.setFiles({ name, mimeType: "application/json", buffer: Buffer.from(text) });
}

export async function exportCalibration(page: Page, profileId: string): Promise<{ text: string; name: string }> {
  const row = page.locator(`[data-testid="profile-row"][data-profile="${profileId}"]`);
  const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("button", { name: "Export calibration" }).click()]);
  const path = await download.path();
  return { text: readFileSync(path, "utf8"), name: download.suggestedFilename() };
}
