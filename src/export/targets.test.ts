import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { ZipFiles } from "./import/files.ts";
import { exportToFolder, exportToHub, exportToZip } from "./targets.ts";
import { buildSource, demuxMp4, ffmpegAv1, type DemuxedVideo } from "./testing/av1Fixture.ts";
import { FakeHub } from "./testing/fakeHub.ts";
import { MemoryDirectoryHandle } from "./testing/handles.ts";

let videos: Record<string, DemuxedVideo>;
beforeAll(async () => {
  videos = { front: await demuxMp4(ffmpegAv1(20)) };
}, 60_000);

describe("export targets", () => {
  it("exportToZip: the archive ends with the export and lists every file", async () => {
    const { stream, result } = exportToZip(buildSource(videos, { lengths: [20, 10] }));
    const bytes = await new Response(stream).arrayBuffer();
    const summary = await result;
    const zip = await ZipFiles.open(new Blob([bytes]));
    expect(zip.paths).toEqual(summary.files.map((f) => f.path).sort());
  });

  it("exportToZip: a failing export errors the stream instead of ending it", async () => {
    const { stream, result } = exportToZip(buildSource(videos, { lengths: [20, 10], dropMedia: ["1/front/0"] }));
    const read = new Response(stream).arrayBuffer();
    await expect(result).rejects.toThrow(/Episode ep1, camera "front"/);
    await expect(read).rejects.toThrow();
  });

  it("exportToZip: a reader that cancels the archive ends the export with a clear error", async () => {
    const { stream, result } = exportToZip(buildSource(videos, { lengths: [20, 10] }));
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    await expect(result).rejects.toThrow(/zip archive was not finished/);
  });

  it("exportToZip: cancelling while a write waits for the archive's reader ends the export (no write waits forever)", async () => {
    const abort = new AbortController();
    const { stream, result } = exportToZip(buildSource(videos, { lengths: [20, 10] }), { signal: abort.signal });
    const reader = stream.getReader();
    await reader.read(); // the first entry's header: its file is not consumed yet, so its write waits
    abort.abort();
    await expect(result).rejects.toMatchObject({ name: "ExportAbortedError" });
    const drain = async () => {
      while (!(await reader.read()).done);
    };
    await expect(drain()).rejects.toThrow();
  });

  it("exportToFolder twice: the second run skips every file", async () => {
    const dir = new MemoryDirectoryHandle();
    await exportToFolder(buildSource(videos, { lengths: [20] }), dir);
    const again = await exportToFolder(buildSource(videos, { lengths: [20] }), dir);
    expect(again.skipped.sort()).toEqual(again.files.map((f) => f.path).sort());
  });

  it("exportToHub: v2.1 gets the v2.1 tag", async () => {
    const hub = new FakeHub();
    await exportToHub(
      buildSource(videos, { lengths: [20] }),
      { repo: "bob/old", accessToken: "hf_t", hubUrl: hub.url, fetch: hub.fetch },
      { version: "v2.1" },
    );
    expect(hub.tags.get("bob/old")).toEqual(["v2.1"]);
    expect(hub.repos.get("bob/old")!.has("meta/episodes.jsonl")).toBe(true);
  });

  it("ZipFiles reads zip64 archives (zip -fz)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "z64-"));
    const fixture = fileURLToPath(new URL("./fixtures", import.meta.url));
    execFileSync("zip", ["-q", "-r", "-fz", join(dir, "a.zip"), "other-tools-v3"], { cwd: fixture });
    const zip = await ZipFiles.open(new Blob([readFileSync(join(dir, "a.zip"))]));
    const info = await (await zip.blob("meta/info.json")).text();
    expect(JSON.parse(info)).toMatchObject({ codebase_version: "v3.0" });
    expect(
      Buffer.compare(
        new Uint8Array(await (await zip.blob("meta/tasks.parquet")).arrayBuffer()),
        readFileSync(join(fixture, "other-tools-v3/meta/tasks.parquet")),
      ),
    ).toBe(0);
  });
});
