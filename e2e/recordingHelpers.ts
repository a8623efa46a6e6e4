import type { Page } from "@playwright/test";
import { expect } from "./fixtures.ts";

/** The Record screen and the stored takes, as the recording specs drive and check them. */

export interface Check {
  episode: { id: string; index: number; status: string; length: number };
  rows: number;
  cameras: Record<
    string,
    { frames: number; timecodes: number; captureMismatches: number; notNearest: number; badTimestamps: number; decodeErrors: number }
  >;
}

export async function open(page: Page, path = "/") {
  await page.addInitScript(() => {
    window.__STUDIO_TEST__ = true;
  });
  await page.goto(path);
  await expect(page.getByTestId("motor-row")).toHaveCount(12);
  await expect(page.getByTestId("camera-preview")).toHaveCount(1); // the simulated "front" camera
}

export async function addFakeUsbCamera(page: Page, name: string) {
  const panel = page.getByTestId("cameras-panel");
  await panel.getByLabel("Camera name").fill(name);
  await panel.getByRole("button", { name: "Find USB cameras" }).click();
  const select = panel.getByLabel("USB camera");
  await expect(select.locator("option")).not.toHaveCount(1);
  await select.selectOption({ index: 1 });
  await panel.getByRole("button", { name: "Add USB camera" }).click();
  await expect(page.getByTestId("camera-preview")).toHaveCount(2);
}

export async function settings(page: Page, s: { dataset: string; seconds: number; reset: number; episodes: number; codec?: string }) {
  await page.getByRole("link", { name: "Record" }).click();
  await page.getByLabel("Dataset name").fill(s.dataset);
  await page.getByLabel("Episode seconds").fill(String(s.seconds));
  await page.getByLabel("Reset seconds").fill(String(s.reset));
  await page.getByLabel("Episodes").fill(String(s.episodes));
  await page.getByLabel("Codec").selectOption(s.codec ?? "vp9");
}

export const phase = (page: Page) => page.getByTestId("record-state");

export async function episodes(page: Page, dataset: string): Promise<Check[]> {
  return page.evaluate(async (name) => {
    const t = window.__studioTest!;
    const ds = (await t.episodes.listDatasets()).datasets.find((d) => d.name === name);
    if (!ds) return [];
    const { episodes } = await t.episodes.listEpisodes(ds.id);
    const out = [];
    for (const e of episodes) out.push(await t.verifyEpisode(e.id));
    return out as unknown as Check[];
  }, dataset);
}

/** Complete rows (joints and every camera's frame) stored so far for the dataset's newest episode. */
export async function storedLength(page: Page, dataset: string): Promise<number> {
  return page.evaluate(async (name) => {
    const t = window.__studioTest!;
    const ds = (await t.episodes.listDatasets()).datasets.find((d) => d.name === name);
    if (!ds) return 0;
    const { episodes } = await t.episodes.listEpisodes(ds.id);
    return episodes.at(-1)?.length ?? 0;
  }, dataset);
}
