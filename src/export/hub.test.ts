import { beforeAll, describe, expect, it } from "vitest";
import { HubSink, gitBlobOid } from "./hub.ts";
import { MemorySink } from "./sinks.ts";
import { buildSource, demuxMp4, ffmpegAv1, type DemuxedVideo } from "./testing/av1Fixture.ts";
import { FakeHub } from "./testing/fakeHub.ts";
import { exportV3 } from "./v3.ts";

let videos: Record<string, DemuxedVideo>;
beforeAll(async () => {
  videos = { front: await demuxMp4(ffmpegAv1(20)) };
}, 60_000);

const spec = { lengths: [20, 16] };

describe("Hugging Face Hub target (fake Hub)", () => {
  it("creates the dataset repo, uploads every file byte for byte and tags v3.0", async () => {
    const hub = new FakeHub();
    const progress: string[] = [];
    const sink = new HubSink({
      repo: "alice/pick",
      accessToken: "hf_x",
      hubUrl: hub.url,
      fetch: hub.fetch,
      onUpload: (e) => progress.push(e.path),
    });
    await exportV3(buildSource(videos, spec), sink);
    await sink.close();
    const local = new MemorySink();
    await exportV3(buildSource(videos, spec), local);
    const repo = hub.repos.get("alice/pick")!;
    expect([...repo.keys()].sort()).toEqual([...local.files.keys()].sort());
    for (const [p, b] of local.files) expect(Buffer.compare(repo.get(p)!.data, b), p).toBe(0);
    expect(repo.get("videos/observation.images.front/chunk-000/file-000.mp4")!.lfs).toBe(true);
    expect(hub.tags.get("alice/pick")).toEqual(["v3.0"]);
    expect(progress.length).toBeGreaterThan(0);
  });

  it("an upload that fails halfway names the files, and the next run uploads only what is missing", async () => {
    const hub = new FakeHub();
    hub.failCommit = 1;
    const first = new HubSink({ repo: "alice/pick", accessToken: "hf_x", hubUrl: hub.url, fetch: hub.fetch, commitBytes: 1 });
    await expect(exportV3(buildSource(videos, spec), first)).rejects.toThrow(
      /Could not upload on the Hugging Face Hub \(alice\/pick, videos\/observation.images.front/,
    );
    expect(hub.commits).toHaveLength(1);
    expect(hub.tags.get("alice/pick")).toBeUndefined();
    const second = new HubSink({ repo: "alice/pick", accessToken: "hf_x", hubUrl: hub.url, fetch: hub.fetch, commitBytes: 1 });
    await exportV3(buildSource(videos, spec), second);
    await second.close();
    expect(second.skipped).toEqual(["data/chunk-000/file-000.parquet"]);
    expect(second.uploaded).not.toContain("data/chunk-000/file-000.parquet");
    expect(hub.repos.get("alice/pick")!.has("meta/info.json")).toBe(true);
    // Running again changes nothing but the tag.
    const third = new HubSink({ repo: "alice/pick", accessToken: "hf_x", hubUrl: hub.url, fetch: hub.fetch });
    await exportV3(buildSource(videos, spec), third);
    await third.close();
    expect(third.uploaded).toEqual([]);
    expect(hub.tags.get("alice/pick")).toEqual(["v3.0"]);
  });

  it("a rejected token is reported as such", async () => {
    const hub = new FakeHub();
    const malformed = new HubSink({ repo: "alice/pick", accessToken: "", hubUrl: hub.url, fetch: hub.fetch });
    await expect(malformed.open()).rejects.toThrow(/Check that the access token is valid/);
    const refused: typeof fetch = (input, init) =>
      new URL(String(input)).pathname === "/api/repos/create"
        ? Promise.resolve(new Response('{"error":"Invalid credentials"}', { status: 401 }))
        : hub.fetch(input, init);
    const sink = new HubSink({ repo: "alice/pick", accessToken: "hf_revoked", hubUrl: hub.url, fetch: refused });
    await expect(sink.open()).rejects.toThrow(
      /Could not create the dataset repository on the Hugging Face Hub \(alice\/pick\).*Check that the access token is valid/,
    );
  });

  it("gitBlobOid matches git's blob hash", async () => {
    // `printf 'hello\n' | git hash-object --stdin`
    expect(await gitBlobOid(new TextEncoder().encode("hello\n"))).toBe("ce013625030ba8dba906f756967f9e9ca394464a");
  });
});
