import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { downloadZip, expect, openStudio, test } from "./fixtures.ts";

/** Every file under `dir`, relative, sorted. */
function files(dir: string, base = ""): string[] {
  return readdirSync(join(dir, base), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(dir, join(base, e.name)) : [join(base, e.name)]))
    .sort();
}

test.describe("export", () => {
  test.setTimeout(240_000);

  test("records with the simulated rig, exports LeRobot v3.0 as a zip, and DuckDB and ffprobe agree with it", async ({ page }) => {
    await openStudio(page);
    await page.getByRole("link", { name: "Record" }).click();
    await page.getByLabel("Dataset name").fill("e2e_export");
    await page.getByLabel("Task").fill("Pick the cube");
    await page.getByLabel("Episode seconds").fill("2");
    await page.getByLabel("Reset seconds").fill("1");
    await page.getByLabel("Episodes").fill("2");
    await page.getByRole("button", { name: "Start recording" }).click();
    await expect(page.getByTestId("record-state")).toHaveAttribute("data-phase", "done", { timeout: 90_000 });

    await page.getByRole("link", { name: "Datasets" }).click();
    const row = page.locator('[data-testid="dataset-row"][data-dataset="e2e_export"]');
    await expect(row.getByTestId("dataset-episodes")).toHaveText("2");
    const { dir, zip, root } = await downloadZip(page, "e2e_export", "studio-export-");
    try {
      const all = files(root);
      expect(all).toEqual(
        expect.arrayContaining([
          "README.md",
          "data/chunk-000/file-000.parquet",
          "meta/episodes/chunk-000/file-000.parquet",
          "meta/info.json",
          "meta/stats.json",
          "meta/tasks.parquet",
          "videos/observation.images.front/chunk-000/file-000.mp4",
        ]),
      );
      const info = JSON.parse(readFileSync(join(root, "meta/info.json"), "utf8")) as Record<string, unknown> & {
        features: Record<string, { dtype: string; shape: number[]; info?: Record<string, unknown> }>;
      };
      expect(info["codebase_version"]).toBe("v3.0");
      expect(info["fps"]).toBe(30);
      expect(info["total_episodes"]).toBe(2);
      const total = info["total_frames"] as number;
      expect(total).toBe(2 * 2 * 30); // two 2 s takes at 30 fps: the recorder ends each at exactly 60 rows
      expect(info.features["action"]).toMatchObject({ dtype: "float32", shape: [6] });
      expect(info.features["observation.images.front"]).toMatchObject({ dtype: "video", shape: [480, 640, 3] });

      // DuckDB, not our reader: the data parquet's schema, types and values.
      const db = await (await DuckDBInstance.create()).connect();
      const data = join(root, "data/chunk-000/file-000.parquet");
      const schema = (await db.runAndReadAll(`DESCRIBE SELECT * FROM '${data}'`)).getRowObjects();
      const types = Object.fromEntries(schema.map((r) => [String(r["column_name"]), String(r["column_type"])]));
      // Parquet has no fixed-size list: DuckDB reads the vectors as FLOAT[] (their width is checked below).
      // A take on a busy machine can have rows without a joint reading: then the validity masks are there too.
      const masks = "observation.state_is_valid" in info.features;
      expect(types).toEqual({
        action: "FLOAT[]",
        "observation.state": "FLOAT[]",
        ...(masks ? { "observation.state_is_valid": "FLOAT[]", action_is_valid: "FLOAT[]" } : {}),
        timestamp: "FLOAT",
        frame_index: "BIGINT",
        episode_index: "BIGINT",
        index: "BIGINT",
        task_index: "BIGINT",
      });
      const agg = (
        await db.runAndReadAll(
          `SELECT count(*)::INTEGER AS n, min("index")::INTEGER AS lo, max("index")::INTEGER AS hi,
                  count(DISTINCT episode_index)::INTEGER AS eps,
                  max(abs(timestamp - frame_index / 30.0))::DOUBLE AS drift,
                  min(len(action))::INTEGER AS wmin, max(len("observation.state"))::INTEGER AS wmax
           FROM '${data}'`,
        )
      ).getRowObjects()[0]!;
      expect(agg["n"]).toBe(total);
      expect(agg["lo"]).toBe(0);
      expect(agg["hi"]).toBe(total - 1);
      expect(agg["eps"]).toBe(2);
      expect(Number(agg["drift"])).toBeLessThan(1e-4);
      expect([agg["wmin"], agg["wmax"]]).toEqual([6, 6]);
      const tasks = (await db.runAndReadAll(`SELECT * FROM '${join(root, "meta/tasks.parquet")}'`)).getRowObjects();
      expect(tasks.map((t) => t["task_index"])).toEqual([0n]);
      const episodes = (
        await db.runAndReadAll(
          `SELECT episode_index, length FROM '${join(root, "meta/episodes/chunk-000/file-000.parquet")}' ORDER BY episode_index`,
        )
      ).getRowObjects();
      expect(episodes.map((e) => Number(e["episode_index"]))).toEqual([0, 1]);
      expect(episodes.reduce((n, e) => n + Number(e["length"]), 0)).toBe(total);

      // ffprobe, not our muxer: codec, frame count, and every frame at k / fps.
      const video = join(root, "videos/observation.images.front/chunk-000/file-000.mp4");
      const probe = JSON.parse(
        execFileSync("ffprobe", [
          "-v",
          "error",
          "-select_streams",
          "v:0",
          "-show_entries",
          "stream=codec_name,width,height:packet=pts_time",
          "-of",
          "json",
          video,
        ]).toString(),
      ) as { streams: { codec_name: string; width: number; height: number }[]; packets: { pts_time: string }[] };
      expect(["av1", "h264", "vp9"]).toContain(probe.streams[0]!.codec_name);
      expect(probe.streams[0]!.codec_name).toBe(info.features["observation.images.front"]!.info!["video.codec"]);
      expect(probe.streams[0]).toMatchObject({ width: 640, height: 480 });
      const pts = probe.packets.map((p) => Number(p.pts_time)).sort((a, b) => a - b);
      expect(pts).toHaveLength(total);
      pts.forEach((t, k) => expect(Math.abs(t - k / 30)).toBeLessThan(1e-4));

      // Import it back: a new dataset with the same episodes and frames.
      await page.getByLabel("Import a LeRobot dataset zip").setInputFiles(zip);
      await expect(page.getByTestId("import-status")).toHaveAttribute("data-state", "done", { timeout: 60_000 });
      await expect(page.getByTestId("import-status")).toContainText(`2 episodes, ${total} frames`);
      await expect(page.getByTestId("dataset-row")).toHaveCount(2);

      // A zip that is not a dataset: a clear error, nothing added.
      const junk = join(dir, "photos.zip");
      execFileSync("python3", [
        "-c",
        `import zipfile; z = zipfile.ZipFile(${JSON.stringify(junk)}, "w"); z.writestr("holiday.txt", "sun"); z.close()`,
      ]);
      await page.getByLabel("Import a LeRobot dataset zip").setInputFiles(junk);
      await expect(page.getByTestId("import-status")).toHaveAttribute("data-state", "failed");
      await expect(page.getByTestId("import-status")).toContainText("meta/info.json");
      await expect(page.getByTestId("dataset-row")).toHaveCount(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
