import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { type RunningPolicyServer, startPolicyServer } from "../server/policyServer.ts";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";

/** The stored episode's annotations (interventions, events), read through the page's store. */
interface StoredRollout {
  length: number;
  fps: number;
  interventions: { startFrame: number; endFrame: number }[];
  events: { frame: number; kind: string; text: string }[];
}

let server: RunningPolicyServer;
test.beforeAll(async () => {
  server = await startPolicyServer({ port: 0 });
});
test.afterAll(async () => {
  await server.close();
});

/** The episodes of dataset `name` as stored (task, length, interventions, events). */
async function storedEpisodes(page: Page, name: string) {
  return page.evaluate(async (n) => {
    const t = window.__studioTest!;
    const ds = (await t.episodes.listDatasets()).datasets.find((d) => d.name === n);
    const eps = ds ? (await t.episodes.listEpisodes(ds.id)).episodes : [];
    return eps
      .filter((e) => e.status === "complete")
      .map((e) => ({
        task: e.task,
        length: e.length,
        fps: e.fps,
        interventions: e.annotations.interventions ?? [],
        events: e.annotations.events.map((x) => ({ frame: x.frame, kind: x.kind, text: x.text })),
      }));
  }, name);
}

/**
 * The studio on the simulated rig, a rollout of the reference server recording into `dataset` as
 * `mode`; the hand rests on the simulated leader (it stays where it is put). Returns the phase badge.
 */
async function startRollout(page: Page, dataset: string, mode: "whole" | "corrections") {
  await page.addInitScript(() => {
    window.__STUDIO_TEST__ = true;
  });
  await page.goto("/");
  await expect(page.getByTestId("motor-row")).toHaveCount(12);
  await expect(page.getByTestId("camera-preview")).toHaveCount(1);
  await page.getByRole("link", { name: "Rollout" }).click();
  await page.getByLabel("Policy server").fill(server.url);
  await page.getByLabel("Instruction").fill("reach for the cube");
  await page.getByLabel("Rollout dataset").fill(dataset);
  if (mode === "corrections") await page.getByLabel("Record mode").selectOption("corrections");
  await page.getByRole("button", { name: "Hold still" }).click();
  await page.getByRole("button", { name: "Start rollout" }).click();
  return page.getByTestId("rollout-phase");
}

test.describe("policy rollout with a correction", () => {
  test.setTimeout(240_000);

  test("reference server → rollout → take over with the simulated leader → hand back → stop; intervention rows and the interjection stored and exported (v3.0)", async ({
    page,
  }) => {
    const phase = await startRollout(page, "e2e_rollout", "whole");
    await expect(phase).toHaveAttribute("data-phase", "autonomous", { timeout: 60_000 });
    expect(await page.evaluate(() => window.__studioTest!.recording.getState().phase)).toBe("recording");
    await expect(page.getByTestId("rollout-stats")).toContainText("chunks");
    await page.waitForTimeout(1500);

    // An interjection mid-rollout through the live-language bar (key I, Enter): the prompt changes at once.
    await page.locator("h1").click();
    await page.keyboard.press("i");
    await page.getByTestId("live-input").fill("now go left");
    await page.getByTestId("live-input").press("Enter");
    await expect(page.getByTestId("rollout-stats")).toContainText("now go left");
    await expect(page.getByTestId("live-entries")).toContainText("now go left");
    await page.waitForTimeout(1000);

    // Take over (Space): the leader is brought to the follower, released; the person corrects.
    await page.locator("h1").click();
    await page.keyboard.press("Space");
    await expect(phase).toHaveAttribute("data-phase", "correcting", { timeout: 10_000 });
    await page.getByRole("button", { name: "Move the leader" }).click();
    await page.waitForTimeout(2000);
    await page.getByRole("button", { name: "Hold still" }).click();
    await page.getByRole("button", { name: "Hand back (Space)" }).click();
    await expect(phase).toHaveAttribute("data-phase", "autonomous", { timeout: 10_000 });
    await page.waitForTimeout(1500);
    await page.getByRole("button", { name: "Stop rollout" }).click();
    await expect(page.getByTestId("rollout-saved")).toContainText("corrected", { timeout: 30_000 });

    const stored = await page.evaluate(async () => {
      const t = window.__studioTest!;
      const ds = (await t.episodes.listDatasets()).datasets.find((d) => d.name === "e2e_rollout");
      const ep = ds ? (await t.episodes.listEpisodes(ds.id)).episodes.at(-1) : undefined;
      return ep
        ? { length: ep.length, fps: ep.fps, interventions: ep.annotations.interventions ?? [], events: ep.annotations.events }
        : undefined;
    });
    const rollout = stored as StoredRollout;
    expect(rollout).toBeDefined();
    expect(rollout.interventions).toHaveLength(1);
    const [w] = rollout.interventions;
    // The correction lasted ~2.5–4 s of a rollout of ~7 s or more.
    expect(w!.endFrame - w!.startFrame).toBeGreaterThan(2 * rollout.fps);
    expect(w!.endFrame - w!.startFrame).toBeLessThan(6 * rollout.fps);
    expect(w!.startFrame).toBeGreaterThan(2 * rollout.fps);
    expect(w!.endFrame).toBeLessThan(rollout.length);
    const interjections = rollout.events.filter((e) => e.kind === "interjection");
    expect(interjections.map((e) => e.text)).toEqual(["now go left"]);
    expect(interjections[0]!.frame).toBeLessThan(w!.startFrame);

    // The episode list and the player show the rollout: how much was corrected, and where.
    await page.getByRole("link", { name: "Episodes" }).click();
    const ds = page.getByLabel("Dataset", { exact: true });
    await expect(ds.locator("option", { hasText: "e2e_rollout" })).toHaveCount(1);
    await ds.selectOption({ label: "e2e_rollout" });
    await expect(page.getByTestId("rollout-pill")).toContainText("corrected (1)");
    await page.locator('[data-testid="episode-item"][data-index="0"]').click();
    await expect(page.getByTestId("intervention-bar")).toHaveCount(1);

    // Export v3.0 and read it with DuckDB: intervention on exactly those rows, the interjection on its row.
    await page.getByRole("link", { name: "Datasets" }).click();
    const row = page.locator('[data-testid="dataset-row"][data-dataset="e2e_rollout"]');
    await expect(row.getByTestId("dataset-episodes")).toHaveText("1");
    const downloading = page.waitForEvent("download");
    await row.getByRole("button", { name: "Download .zip" }).click();
    const download = await downloading;
    await expect(page.getByTestId("export-job")).toHaveAttribute("data-state", "done");
    const dir = mkdtempSync(join(tmpdir(), "studio-rollout-"));
    try {
      const zip = join(dir, "dataset.zip");
      await download.saveAs(zip);
      const root = join(dir, "ds");
      execFileSync("unzip", ["-q", zip, "-d", root]);
      const info = JSON.parse(readFileSync(join(root, "meta/info.json"), "utf8")) as {
        codebase_version: string;
        features: Record<string, unknown>;
      };
      expect(info.codebase_version).toBe("v3.0");
      expect(info.features["intervention"]).toEqual({ dtype: "bool", shape: [1], names: null });
      const db = await (await DuckDBInstance.create()).connect();
      const data = join(root, "data/chunk-000/file-000.parquet");
      const rows = (
        await db.runAndReadAll(`SELECT frame_index AS f, intervention AS i, len(language_events) AS n FROM '${data}' ORDER BY frame_index`)
      ).getRowObjects();
      expect(rows).toHaveLength(rollout.length);
      const on = rows.filter((r) => r["i"] === true).map((r) => Number(r["f"]));
      expect(on).toEqual(Array.from({ length: w!.endFrame - w!.startFrame }, (_, k) => w!.startFrame + k));
      const events = rows.filter((r) => Number(r["n"]) > 0).map((r) => Number(r["f"]));
      expect(events).toEqual([interjections[0]!.frame]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("corrections only: one episode per correction window, with that window's prompt and language; the instruction bar changes the prompt between takes too", async ({
    page,
  }) => {
    const phase = await startRollout(page, "e2e_fixes", "corrections");
    await expect(phase).toHaveAttribute("data-phase", "autonomous", { timeout: 60_000 });
    // No countdown and no take while the policy acts: the recording waits for a correction.
    expect(await page.evaluate(() => window.__studioTest!.recording.getState().phase)).toBe("reset");
    const say = async (text: string) => {
      await page.locator("h1").click();
      await page.keyboard.press("i");
      await page.getByTestId("live-input").fill(text);
      await page.getByTestId("live-input").press("Enter");
      await expect(page.getByTestId("rollout-stats")).toContainText(text);
    };
    /** Each correction's wall time, from the take-over key to the hand-back seen (a take cannot be longer). */
    const windows: number[] = [];
    const correct = async (ms: number, during?: string) => {
      await page.locator("h1").click();
      const from = Date.now();
      await page.keyboard.press("Space");
      await expect(phase).toHaveAttribute("data-phase", "correcting", { timeout: 10_000 });
      await expect(page.getByTestId("rollout-stats")).toContainText("recording this correction", { timeout: 10_000 });
      await page.getByRole("button", { name: "Move the leader" }).click();
      await page.waitForTimeout(ms / 2);
      if (during) await say(during);
      await page.waitForTimeout(ms / 2);
      await page.getByRole("button", { name: "Hold still" }).click();
      await page.locator("h1").click();
      await page.keyboard.press("Space");
      await expect(phase).toHaveAttribute("data-phase", "autonomous", { timeout: 10_000 });
      windows.push(Date.now() - from);
      await expect(page.getByTestId("rollout-stats")).not.toContainText("recording this correction", { timeout: 10_000 });
    };
    const started = Date.now();
    await page.waitForTimeout(1000);
    await correct(2000, "a bit lower");
    await page.waitForTimeout(1000);
    await say("now the red one"); // between takes: the prompt only
    await page.waitForTimeout(1000);
    await correct(1500);
    await page.waitForTimeout(1000);
    await page.getByRole("button", { name: "Stop rollout" }).click();
    const total = Date.now() - started;
    await expect(page.getByTestId("rollout-saved")).toContainText("Saved 2 correction episodes", { timeout: 30_000 });

    const eps = await storedEpisodes(page, "e2e_fixes");
    expect(eps.map((e) => e.task)).toEqual(["reach for the cube", "now the red one"]);
    for (const e of eps) expect(e.interventions).toEqual([{ startFrame: 0, endFrame: e.length }]);
    // Only the corrections were recorded (each take within its window), not the seconds the policy acted.
    const fps = eps[0]!.fps;
    expect(eps[0]!.length).toBeGreaterThan(1.5 * fps);
    expect(eps[1]!.length).toBeGreaterThan(1 * fps);
    eps.forEach((e, k) => expect(e.length).toBeLessThanOrEqual(Math.ceil((windows[k]! / 1000) * fps)));
    expect(eps[0]!.length + eps[1]!.length).toBeLessThan(((total - 3500) / 1000) * fps); // ≥ 3.5 s autonomous left out
    expect(eps[0]!.events.filter((e) => e.kind === "interjection").map((e) => e.text)).toEqual(["a bit lower"]);
    expect(eps[1]!.events).toEqual([]);

    await page.getByRole("link", { name: "Episodes" }).click();
    const ds = page.getByLabel("Dataset", { exact: true });
    await ds.selectOption({ label: "e2e_fixes" });
    await expect(page.getByTestId("rollout-pill")).toHaveCount(2);
    await expect(page.getByTestId("rollout-pill").first()).toContainText("100% corrected");
    await page.locator('[data-testid="episode-item"][data-index="0"]').click();
    await expect(page.getByTestId("intervention-bar")).toHaveCount(1);
    await expect(page.getByTestId("plot-corrected")).toContainText(`${eps[0]!.length} rows`);
  });
});
