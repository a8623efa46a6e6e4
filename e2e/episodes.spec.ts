import type { Page } from "@playwright/test";
import { decodeTimecode } from "../src/core/timecode.ts";
import { expect, openStudio as open, test } from "./fixtures.ts";

const DATASET = "e2e_episodes";
const REPLAY_DATASET = "e2e_replay";

async function record(page: Page, dataset = DATASET, takes = 3) {
  await page.getByRole("link", { name: "Record" }).click();
  await page.getByLabel("Dataset name").fill(dataset);
  await page.getByLabel("Episode seconds").fill("2");
  await page.getByLabel("Reset seconds").fill("1");
  await page.getByLabel("Episodes").fill(String(takes));
  await page.getByLabel("Codec").selectOption("vp9");
  await page.getByRole("button", { name: "Start recording" }).click();
  await expect(page.getByTestId("record-state")).toHaveAttribute("data-phase", "done", { timeout: 90_000 });
}

async function toEpisodes(page: Page, dataset = DATASET, count = 3) {
  await page.getByRole("link", { name: "Episodes" }).click();
  const ds = page.getByLabel("Dataset", { exact: true });
  await expect(ds.locator("option", { hasText: dataset })).toHaveCount(1);
  await ds.selectOption({ label: dataset });
  await expect(page.getByTestId("episode-item")).toHaveCount(count);
}

/** The stored episodes of the dataset (metadata), by index. */
async function stored(page: Page) {
  return page.evaluate(async (name) => {
    const s = window.__studioTest!.episodes;
    const ds = (await s.listDatasets()).datasets.find((d) => d.name === name)!;
    return {
      tasks: ds.tasks,
      episodes: (await s.listEpisodes(ds.id)).episodes.map((e) => ({
        id: e.id,
        index: e.index,
        task: e.task,
        annotations: e.annotations,
        length: e.length,
      })),
    };
  }, DATASET);
}

/** Capture times and key flags of one camera's stored frames, by row. */
async function frameInfo(page: Page, episodeId: string) {
  return page.evaluate(async (id) => {
    const out: { row: number; key: boolean; captureTimeMs: number }[] = [];
    for await (const b of window.__studioTest!.episodes.readMedia(id, "front"))
      for (const f of b.frames) out.push({ row: f.row, key: f.key, captureTimeMs: f.captureTimeMs });
    return out;
  }, episodeId);
}

/** Seeks with the scrubber and waits until the camera, the player and the plot cursor all show `frame`. */
async function scrubTo(page: Page, frame: number) {
  await page.getByLabel("Frame", { exact: true }).fill(String(frame));
  await expectFrame(page, frame);
}

async function expectFrame(page: Page, frame: number) {
  await expect(page.getByTestId("episode-player")).toHaveAttribute("data-frame", String(frame));
  await expect(page.getByTestId("episode-camera").first()).toHaveAttribute("data-frame", String(frame));
  await expect(page.getByTestId("episode-plots")).toHaveAttribute("data-cursor-frame", String(frame));
}

/** The timecode drawn in the frame the camera canvas shows (read from its pixels). */
async function shownTimecode(page: Page) {
  const { luma, width, height } = await page
    .getByTestId("episode-camera")
    .first()
    .evaluate((c: HTMLCanvasElement) => {
      const img = c.getContext("2d")!.getImageData(0, 0, c.width, c.height);
      const l = new Array<number>(c.width * c.height);
      for (let i = 0; i < l.length; i++) l[i] = (77 * img.data[i * 4]! + 150 * img.data[i * 4 + 1]! + 29 * img.data[i * 4 + 2]!) >> 8;
      return { luma: l, width: c.width, height: c.height };
    });
  return decodeTimecode(Uint8Array.from(luma), width, height);
}

/**
 * The rows whose stored frame was captured closest to `timeMs`. Usually one; several when the
 * recorder used one camera frame for more than one row (a duplicated frame, counted in the
 * episode's sync report: the camera was late, or the take ended after its last frame), and then
 * the picture alone cannot tell those rows apart.
 */
function nearestRows(frames: { row: number; captureTimeMs: number }[], timeMs: number): number[] {
  const best = Math.min(...frames.map((f) => Math.abs(f.captureTimeMs - timeMs)));
  return frames.filter((f) => Math.abs(f.captureTimeMs - timeMs) === best).map((f) => f.row);
}

test.describe("episodes", () => {
  test.setTimeout(240_000);

  test("annotate an episode, reload and find it all; scrub frame-accurately; bulk-edit the task of three episodes", async ({ page }) => {
    await open(page);
    await record(page);
    await toEpisodes(page);
    const before = await stored(page);
    const first = before.episodes.find((e) => e.index === 0)!;
    expect(first.length).toBe(60); // a 2 s take at 30 fps

    // Open episode #0: the player shows frame 0 on the camera, the plots and the readout.
    await page.locator(`[data-testid="episode-item"][data-index="0"]`).click();
    await expect(page.getByTestId("episode-player")).toHaveAttribute("data-rows", String(first.length));
    await expectFrame(page, 0);

    // Scrubbing: the frame shown (its timecode) is the stored frame of the row the plots' cursor is at.
    const frames = await frameInfo(page, first.id);
    expect(frames.length).toBe(first.length);
    for (const target of [37, 12, first.length - 1]) {
      await scrubTo(page, target);
      const tc = await shownTimecode(page);
      expect(tc, `timecode of frame ${target}`).not.toBeNull();
      expect(nearestRows(frames, tc!.timeMs)).toContain(target);
      expect(Math.abs(tc!.timeMs - frames[target]!.captureTimeMs)).toBeLessThanOrEqual(1);
    }
    // Keyboard transport: ← / → step one frame.
    await page.getByTestId("frame-readout").click();
    await page.keyboard.press("ArrowLeft");
    await expectFrame(page, first.length - 2);
    await scrubTo(page, 20);
    await page.keyboard.press("ArrowRight");
    await expectFrame(page, 21);
    const tc21 = await shownTimecode(page);
    expect(nearestRows(frames, tc21!.timeMs)).toContain(21);

    // Annotate: task, two spans drawn on the timeline, a tag, a trim.
    await page.getByLabel("Task", { exact: true }).fill("pick the red cube");
    await page.getByLabel("Task", { exact: true }).press("Enter");
    const lane = page.getByTestId("span-lane");
    const drawSpan = async (from: number, to: number, text: string) => {
      await lane.scrollIntoViewIfNeeded();
      const box = (await lane.boundingBox())!;
      await page.mouse.move(box.x + box.width * from, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * ((from + to) / 2), box.y + box.height / 2, { steps: 3 });
      await page.mouse.move(box.x + box.width * to, box.y + box.height / 2, { steps: 3 });
      await page.mouse.up();
      const input = page.locator(".pending-span input");
      await input.fill(text);
      await input.press("Enter");
    };
    await drawSpan(0.1, 0.45, "grasp the cup");
    await drawSpan(0.5, 0.9, "place it in the sink");
    await expect(page.getByTestId("span-item")).toHaveCount(2);
    await page.getByLabel("New tag").fill("e2e-tag");
    await page.getByLabel("New tag").press("Enter");
    await expect(page.getByTestId("tag")).toHaveCount(1);
    await scrubTo(page, 5);
    await page.getByRole("button", { name: "Trim start here" }).click();
    await scrubTo(page, 40);
    await page.getByRole("button", { name: "Trim end here" }).click();
    const trim = page.getByTestId("trim");
    await expect(trim).toHaveAttribute("data-trim-end", "41");
    const trimStart = Number(await trim.getAttribute("data-trim-start"));
    // The start snapped back to a keyframe (GOP 2: at most one frame back).
    expect(trimStart === 5 || trimStart === 4).toBe(true);
    expect(frames[trimStart]!.key).toBe(true);
    // Undo / redo of the trim end.
    await page.getByRole("button", { name: "Undo" }).click();
    await expect(trim).toHaveAttribute("data-trim-end", String(first.length));
    await page.getByRole("button", { name: "Redo" }).click();
    await expect(trim).toHaveAttribute("data-trim-end", "41");
    await expect(page.getByTestId("save-state")).toHaveAttribute("data-save", "saved");
    // One more edit, and reload at once: the page has no time to save it, the next page does.
    await page.getByLabel("New tag").fill("just-before-reload");
    await page.getByLabel("New tag").press("Enter");
    await expect(page.getByTestId("tag")).toHaveCount(2);

    // Reload: everything is found again, in the UI and in storage.
    await page.reload();
    await expect(page.getByTestId("episodes-screen")).toBeVisible();
    await toEpisodes(page);
    await page.locator(`[data-testid="episode-item"][data-index="0"]`).click();
    await expect(page.getByLabel("Task", { exact: true })).toHaveValue("pick the red cube");
    await expect(page.getByTestId("span-item")).toHaveCount(2);
    await expect(page.getByTestId("span-item").nth(0).getByLabel("Span text")).toHaveValue("grasp the cup");
    await expect(page.getByTestId("span-item").nth(1).getByLabel("Span text")).toHaveValue("place it in the sink");
    await expect(page.getByTestId("tag")).toHaveText([/e2e-tag/, /just-before-reload/]);
    await expect(page.getByTestId("trim")).toHaveAttribute("data-trim-start", String(trimStart));
    await expect(page.getByTestId("trim")).toHaveAttribute("data-trim-end", "41");
    const after = await stored(page);
    const a0 = after.episodes.find((e) => e.index === 0)!;
    expect(a0.task).toBe("pick the red cube");
    expect(a0.annotations.spans.map((s) => s.text)).toEqual(["grasp the cup", "place it in the sink"]);
    for (const s of a0.annotations.spans) expect(s.endFrame).toBeGreaterThan(s.startFrame);
    expect(a0.annotations.tags).toEqual(["e2e-tag", "just-before-reload"]);
    expect([a0.annotations.trimStart, a0.annotations.trimEnd]).toEqual([trimStart, 41]);
    expect(after.tasks[0]).toBe("pick the red cube");

    // Bulk edit: the task of all three episodes at once.
    await page.getByLabel("Select all shown").check();
    await page.getByLabel("Bulk task").fill("stack the blocks");
    await page.getByRole("button", { name: "Set task" }).click();
    await expect(page.getByTestId("episode-task")).toHaveText(["stack the blocks", "stack the blocks", "stack the blocks"]);
    await expect(page.getByLabel("Task", { exact: true })).toHaveValue("stack the blocks");
    const bulk = await stored(page);
    expect(bulk.episodes.map((e) => e.task)).toEqual(["stack the blocks", "stack the blocks", "stack the blocks"]);
    // The other annotations of episode 0 are untouched by the bulk edit.
    expect(bulk.episodes.find((e) => e.index === 0)!.annotations.spans).toHaveLength(2);

    // Soft delete and restore.
    await page.getByLabel("Select all shown").uncheck();
    await page.locator(`[data-testid="episode-item"][data-index="2"] input[type="checkbox"]`).click();
    await page.getByRole("button", { name: "Delete" }).click();
    await expect(page.getByTestId("episode-item")).toHaveCount(2);
    expect((await stored(page)).episodes.find((e) => e.index === 2)!.annotations.deleted).toBe(true);
    await page.getByLabel(/deleted \(1\)/).check();
    await expect(page.getByTestId("episode-item")).toHaveCount(1);
    await page.getByLabel("Select all shown").check();
    await page.getByRole("button", { name: "Restore" }).click();
    await page.getByLabel(/deleted \(0\)/).uncheck();
    await expect(page.getByTestId("episode-item")).toHaveCount(3);
    expect((await stored(page)).episodes.find((e) => e.index === 2)!.annotations.deleted).toBeUndefined();
  });

  test("replays an episode's actions on the simulated follower through teleoperation; Escape stops a replay", async ({ page }) => {
    await open(page);
    await record(page, REPLAY_DATASET, 1);
    await toEpisodes(page, REPLAY_DATASET, 1);
    await page.getByTestId("episode-item").first().click();
    await expectFrame(page, 0);
    const replay = page.getByTestId("replay");
    await page.getByRole("button", { name: "Replay on the robot" }).click();
    // A 2 s replay: on a busy machine the page may only look once it is already done.
    await expect(replay).toHaveAttribute("data-state", /running|done/, { timeout: 20_000 });
    await expect(replay).toHaveAttribute("data-state", "done", { timeout: 20_000 });
    await expect(replay).toContainText("Replayed frames 0–");
    // The player followed the replay to the last frame, and the follower reproduced the recorded actions closely.
    const rows = Number(await page.getByTestId("episode-player").getAttribute("data-rows"));
    await expectFrame(page, rows - 1);
    const error = Number(await replay.getAttribute("data-follow-error"));
    expect(Number.isFinite(error)).toBe(true);
    expect(error).toBeLessThan(20);

    await scrubTo(page, 0);
    await page.getByRole("button", { name: "Replay on the robot" }).click();
    await expect(replay).toHaveAttribute("data-state", "running", { timeout: 20_000 });
    await page.keyboard.press("Escape");
    await expect(replay).toHaveAttribute("data-state", "stopped");
    const stoppedAt = Number(await page.getByTestId("episode-player").getAttribute("data-frame"));
    expect(stoppedAt).toBeLessThan(rows - 1);
  });
});
