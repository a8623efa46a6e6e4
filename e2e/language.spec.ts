import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { describe, persistentEntries, query, subtaskEntry } from "../src/export/testing/probes.ts";
import { downloadZip, expect, openStudio, test } from "./fixtures.ts";

const DATASET = "e2e_language";
const TASK = "Pick the cube live";
/** An imported dataset is named after its zip (downloadZip saves "dataset.zip"), not after a task. */
const IMPORTED = "dataset";
const PERSISTENT = 'STRUCT("role" VARCHAR, "content" VARCHAR, style VARCHAR, "timestamp" FLOAT, camera VARCHAR, tool_calls VARCHAR[])[]';
const EVENTS = 'STRUCT("role" VARCHAR, "content" VARCHAR, style VARCHAR, camera VARCHAR, tool_calls VARCHAR[])[]';

const state = (page: Page) =>
  page.evaluate(() => {
    const r = window.__studioTest!.recording.getState();
    return { phase: r.phase, rows: r.rows, entries: r.liveLanguage.getState().entries };
  });

/** Waits until the take being recorded has more than `rows` rows. */
async function recordedPast(page: Page, rows: number) {
  await expect.poll(async () => (await state(page)).rows, { timeout: 30_000 }).toBeGreaterThan(rows);
}

async function phase(page: Page, p: string) {
  await expect(page.getByTestId("record-state")).toHaveAttribute("data-phase", p, { timeout: 30_000 });
}

/** The episodes of a dataset as stored (annotations and lengths), by index. */
async function storedEpisodes(page: Page, name: string) {
  return page.evaluate(async (n) => {
    const s = window.__studioTest!.episodes;
    const ds = (await s.listDatasets()).datasets.find((d) => d.name === n)!;
    const eps = (await s.listEpisodes(ds.id)).episodes.sort((a, b) => a.index - b.index);
    return eps.map((e) => ({ length: e.length, annotations: e.annotations }));
  }, name);
}

async function openEpisode(page: Page, dataset: string, index: number) {
  await page.getByRole("link", { name: "Episodes" }).click();
  await page.getByLabel("Dataset", { exact: true }).selectOption({ label: dataset });
  await expect(page.getByTestId("episode-item")).toHaveCount(3);
  await page.locator(`[data-testid="episode-item"][data-index="${index}"]`).click();
  await expect(page.getByTestId("episode-player")).toHaveAttribute("data-frame", "0");
}

test.describe("language", () => {
  test.setTimeout(300_000);

  test("typed live during a take and annotated in Episodes, exported to v3.0, read by DuckDB on the right rows, imported back", async ({
    page,
  }) => {
    await openStudio(page);

    // Three takes on the simulated rig, each until → (so typing never races the take's end).
    await page.getByRole("link", { name: "Record" }).click();
    await page.getByLabel("Dataset name").fill(DATASET);
    await page.getByLabel("Task").fill(TASK);
    await page.getByLabel("Episode seconds").fill("0");
    await page.getByLabel("Reset seconds").fill("0");
    await page.getByLabel("Episodes").fill("3");
    await page.getByLabel("Codec").selectOption("vp9");
    await page.getByRole("button", { name: "Start recording" }).click();
    await phase(page, "recording");
    await expect(page.getByRole("button", { name: "Instruction (I)" })).toBeVisible();

    // Take 1: I opens the input; what is typed there is text (teleop letters, D), Esc closes only the input.
    await recordedPast(page, 15);
    await page.keyboard.press("i");
    await expect(page.getByTestId("live-input")).toBeFocused();
    await page.keyboard.type("oops, delete");
    await page.keyboard.press("Escape");
    await expect(page.getByTestId("live-input")).toHaveCount(0);
    await phase(page, "recording");
    // …and is no emergency stop: the arms are still driven.
    expect(await page.evaluate(() => window.__studioTest!.teleop.getState().status?.state)).toBe("tracking");
    // The interjection is stamped at the row when I is pressed.
    await page.keyboard.press("i");
    await page.keyboard.type("a bit more to the left");
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("live-entries")).toContainText("a bit more to the left");
    // N: the next subtask starts at this row; its name is typed into the same one-line input.
    await recordedPast(page, (await state(page)).rows + 10);
    await page.keyboard.press("n");
    await expect(page.getByLabel("Subtask name")).toBeFocused();
    await page.keyboard.type("grasp the cube");
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("live-entries")).toContainText("grasp the cube");
    const live = (await state(page)).entries;
    const said = live.find((e) => e.kind === "interjection")!;
    const subtask = live.find((e) => e.text === "grasp the cube")!;
    expect(said.text).toBe("a bit more to the left");
    expect(subtask.frame).toBeGreaterThan(said.frame);
    expect(live.map((e) => [e.kind, e.text])).toEqual([
      ["subtask", ""], // the implicit first subtask [0, N), unnamed
      ["interjection", "a bit more to the left"],
      ["subtask", "grasp the cube"],
    ]);
    await recordedPast(page, subtask.frame + 10);
    await page.keyboard.press("ArrowRight");
    await phase(page, "reset");
    // Takes 2 and 3.
    for (let k = 0; k < 2; k++) {
      await page.keyboard.press("ArrowRight");
      await phase(page, "recording");
      await recordedPast(page, 45);
      await page.keyboard.press("ArrowRight");
    }
    await phase(page, "done");

    // The live entries are the first take's stored annotations.
    const recorded = await storedEpisodes(page, DATASET);
    expect(recorded.map((e) => e.annotations.events.length)).toEqual([1, 0, 0]);
    expect(recorded[0]!.annotations.events[0]).toMatchObject({ frame: said.frame, kind: "interjection", text: said.text });
    expect(recorded[0]!.annotations.spans.map((s) => [s.startFrame, s.endFrame, s.text])).toEqual([
      [0, subtask.frame, ""],
      [subtask.frame, recorded[0]!.length, "grasp the cube"],
    ]);

    // Take 2 annotated in Episodes: two spans, a correction event, outcome success, a tag.
    await openEpisode(page, DATASET, 1);
    const lane = page.getByTestId("span-lane");
    for (const [from, to, text] of [
      [0.05, 0.4, "reach"],
      [0.5, 0.95, "put it down"],
    ] as const) {
      await lane.scrollIntoViewIfNeeded();
      const box = (await lane.boundingBox())!;
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width * from, y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * to, y, { steps: 4 });
      await page.mouse.up();
      await page.locator(".pending-span input").fill(text);
      await page.locator(".pending-span input").press("Enter");
    }
    await expect(page.getByTestId("span-item")).toHaveCount(2);
    await page.getByLabel("Frame", { exact: true }).fill("25");
    await expect(page.getByTestId("episode-player")).toHaveAttribute("data-frame", "25");
    await page.getByLabel("Event kind").selectOption("correction");
    await page.getByLabel("Event text").fill("slower please");
    await page.getByRole("button", { name: "Add at frame 25" }).click();
    await page.getByRole("radio", { name: "success" }).check();
    await page.getByLabel("New tag").fill("live-e2e");
    await page.getByLabel("New tag").press("Enter");
    await expect(page.getByTestId("save-state")).toHaveAttribute("data-save", "saved");
    const annotated = (await storedEpisodes(page, DATASET))[1]!.annotations;
    const spans1 = annotated.spans.map((s) => ({ start: s.startFrame, text: s.text }));
    expect(spans1.map((s) => s.text)).toEqual(["reach", "put it down"]);

    // Export v3.0 as a zip and read it with DuckDB.
    await page.getByRole("link", { name: "Datasets" }).click();
    await expect(page.getByLabel("Export format")).toHaveValue("v3.0");
    const { dir, zip, root } = await downloadZip(page, DATASET, "studio-language-");
    try {
      const info = JSON.parse(readFileSync(join(root, "meta/info.json"), "utf8")) as { features: Record<string, unknown> };
      expect(info.features["language_persistent"]).toEqual({ dtype: "language", shape: [1], names: null });
      expect(info.features["language_events"]).toEqual({ dtype: "language", shape: [1], names: null });

      const data = join(root, "data/chunk-000/file-000.parquet");
      const types = await describe(data);
      expect(types["language_persistent"]).toBe(PERSISTENT);
      expect(types["language_events"]).toBe(EVENTS);
      // One persistent list per episode, the same on every row.
      expect(
        await query(`SELECT episode_index AS e, count(DISTINCT language_persistent::VARCHAR) AS n FROM '${data}' GROUP BY 1 ORDER BY 1`),
      ).toEqual([
        { e: "0", n: "1" },
        { e: "1", n: "1" },
        { e: "2", n: "1" },
      ]);
      // Subtasks: on the rows their timestamps name (unnamed spans are not exported).
      expect(await persistentEntries(data)).toEqual([
        subtaskEntry(0, "grasp the cube", subtask.frame),
        subtaskEntry(1, "reach", spans1[0]!.start),
        subtaskEntry(1, "put it down", spans1[1]!.start),
      ]);
      // Events: the live interjection and the correction, each on its exact row, typed as interjections.
      const events = await query(
        `SELECT episode_index AS e, frame_index AS f, u.role, u.content, u.style, u.camera, u.tool_calls
         FROM (SELECT *, unnest(language_events) AS u FROM '${data}') ORDER BY e, f`,
      );
      const ev = (e: number, f: number, content: string) => ({
        e: String(e),
        f: String(f),
        role: "user",
        content,
        style: "interjection",
        camera: null,
        tool_calls: null,
      });
      expect(events).toEqual([ev(0, said.frame, "a bit more to the left"), ev(1, 25, "slower please")]);
      const episodesMeta = join(root, "meta/episodes/chunk-000/file-000.parquet");
      expect(await query(`SELECT episode_index AS e, outcome, tags FROM '${episodesMeta}' ORDER BY 1`)).toEqual([
        { e: "0", outcome: "unknown", tags: [] },
        { e: "1", outcome: "success", tags: ["live-e2e"] },
        { e: "2", outcome: "unknown", tags: [] },
      ]);

      // Import it back: the annotations are on the timeline of the imported dataset, editable.
      await page.getByLabel("Import a LeRobot dataset zip").setInputFiles(zip);
      await expect(page.getByTestId("import-status")).toHaveAttribute("data-state", "done", { timeout: 60_000 });
      await openEpisode(page, IMPORTED, 0);
      await expect(page.getByTestId("span-item")).toHaveCount(1);
      await expect(page.getByTestId("span-item").first().getByLabel("Span text")).toHaveValue("grasp the cube");
      await expect(page.getByTestId("span-item").first()).toContainText(`${subtask.frame}–${recorded[0]!.length}`);
      await expect(page.getByTestId("span-bar")).toHaveCount(1);
      await expect(page.getByTestId("event-item")).toHaveCount(1);
      await expect(page.getByTestId("event-item").first().getByLabel("Event text")).toHaveValue("a bit more to the left");
      await expect(page.getByTestId("event-item").first()).toContainText(String(said.frame));
      await page.locator(`[data-testid="episode-item"][data-index="1"]`).click();
      await expect(page.getByTestId("span-item")).toHaveCount(2);
      await expect(page.getByTestId("span-item").nth(0).getByLabel("Span text")).toHaveValue("reach");
      await expect(page.getByTestId("span-item").nth(1).getByLabel("Span text")).toHaveValue("put it down");
      await expect(page.getByTestId("event-item").first().getByLabel("Event text")).toHaveValue("slower please");
      await expect(page.getByTestId("tag")).toHaveText([/live-e2e/]);
      await expect(page.getByRole("radio", { name: "success" })).toBeChecked();
      const imported = await storedEpisodes(page, IMPORTED);
      expect(imported[0]!.annotations.events).toMatchObject([{ frame: said.frame, kind: "interjection", text: "a bit more to the left" }]);
      expect(imported[1]!.annotations.spans.map((s) => [s.startFrame, s.text])).toEqual(spans1.map((s) => [s.start, s.text]));
      expect(imported[1]!.annotations.events).toMatchObject([{ frame: 25, kind: "interjection", text: "slower please" }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
