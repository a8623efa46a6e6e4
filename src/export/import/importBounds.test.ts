/**
 * Bounds on what an import reads (sizes checked before reading, decompression never past what
 * the zip declares) and consistency checks (info.json totals, declared features, 0 episodes):
 * each refused with a message naming the file, nothing handed to the target.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ImportError } from "../errors.ts";
import { exportDataset } from "../exportDataset.ts";
import { MemorySink } from "../sinks.ts";
import { MemoryFiles, READ_LIMITS, ZipFiles } from "./files.ts";
import { importDataset } from "./importDataset.ts";
import { MemoryImportTarget } from "./memoryTarget.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/other-tools-v3", import.meta.url));

function readTree(dir: string, root = dir, out = new Map<string, Uint8Array>()): Map<string, Uint8Array> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) readTree(p, root, out);
    else out.set(relative(root, p).split("\\").join("/"), new Uint8Array(readFileSync(p)));
  }
  return out;
}

const original = readTree(FIXTURE);
const info = JSON.parse(new TextDecoder().decode(original.get("meta/info.json"))) as Record<string, unknown>;
const withInfo = (change: (i: Record<string, unknown>) => Record<string, unknown>) =>
  new Map(original).set("meta/info.json", new TextEncoder().encode(JSON.stringify(change(structuredClone(info)))));

let ids = 0;
async function refused(files: MemoryFiles | ZipFiles, file: string, message: RegExp): Promise<void> {
  const target = new MemoryImportTarget();
  const err = await importDataset(files, target, { newId: () => `id${ids++}`, nowEpochMs: 0 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ImportError);
  expect((err as ImportError).file).toBe(file);
  expect((err as Error).message).toMatch(message);
  expect((err as Error).message.length).toBeLessThan(400);
  expect(target.episodes).toHaveLength(0);
  expect(target.dataset).toBeUndefined();
}

/** A zip of deflated entries; `declared` overrides an entry's stated size (a zip that lies about it). */
function zipOf(entries: { name: string; data: Uint8Array; declared?: number }[]): Blob {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const body = deflateRawSync(e.data);
    const size = e.declared ?? e.data.length;
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(8, 8, true);
    local.setUint32(18, body.length, true);
    local.setUint32(22, size, true);
    local.setUint16(26, name.length, true);
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true);
    cd.setUint16(10, 8, true);
    cd.setUint32(20, body.length, true);
    cd.setUint32(24, size, true);
    cd.setUint16(28, name.length, true);
    cd.setUint32(42, offset, true);
    parts.push(new Uint8Array(local.buffer), name, body);
    central.push(new Uint8Array(cd.buffer), name);
    offset += 30 + name.length + body.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, cdSize, true);
  end.setUint32(16, offset, true);
  return new Blob([...parts, ...central, new Uint8Array(end.buffer)] as BlobPart[]);
}

describe("import bounds", () => {
  it("an info.json larger than its bound is refused before it is decompressed or parsed (not 'not valid JSON')", async () => {
    const big = new Uint8Array(READ_LIMITS.info + 1).fill(0x20);
    const zip = await ZipFiles.open(zipOf([{ name: "meta/info.json", data: big }]));
    await refused(
      zip,
      "meta/info.json",
      /meta\/info\.json is 1\.0 MB \(decompressed\), more than the 1 MB such a file may have; it was not read/,
    );
    // Stated as 3 GB (zip64 not needed to lie): refused from the directory alone.
    const liar = await ZipFiles.open(zipOf([{ name: "meta/info.json", data: new Uint8Array(10), declared: 3_000_000_000 }]));
    await refused(liar, "meta/info.json", /2861\.0 MB \(decompressed\)/);
  });

  it("an entry that inflates past its declared size stops there", async () => {
    const zip = await ZipFiles.open(zipOf([{ name: "meta/info.json", data: new Uint8Array(5_000_000).fill(0x20), declared: 100 }]));
    await refused(zip, "meta/info.json", /inflates past the 100 bytes its directory declares/);
  });

  it("a file of the folder or memory source larger than its bound is refused unread", async () => {
    const files = new MemoryFiles(new Map(original).set("meta/info.json", new Uint8Array(READ_LIMITS.info + 1)));
    await refused(files, "meta/info.json", /more than the 1 MB/);
  });
});

describe("import consistency", () => {
  it("info.json totals that disagree with the episodes are refused, naming both", async () => {
    await refused(
      new MemoryFiles(withInfo((i) => ({ ...i, total_frames: 34 + 5000, total_episodes: 12 }))),
      "meta/info.json",
      /meta\/info\.json says 12 episodes \(meta\/episodes lists 2\) and 5034 frames \(the episodes hold 34\): part of the dataset is missing/,
    );
  });

  it("a feature declared in info.json but absent from the data is named", async () => {
    const features = info["features"] as Record<string, unknown>;
    await refused(
      new MemoryFiles(
        withInfo((i) => ({ ...i, features: { ...features, "observation.velocity": { dtype: "float32", shape: [6], names: null } } })),
      ),
      "data/chunk-000/file-000.parquet",
      /meta\/info\.json declares observation\.velocity, but data\/chunk-000\/file-000\.parquet has no such column/,
    );
  });

  it("a dataset with no episodes is refused with a clear message", async () => {
    const target = new MemoryImportTarget();
    await importDataset(new MemoryFiles(original), target, { newId: () => `id${ids++}`, nowEpochMs: 0 });
    const sink = new MemorySink();
    await exportDataset(target.toSource(), sink, { version: "v2.1" });
    const v21 = new Map(sink.files).set("meta/episodes.jsonl", new Uint8Array());
    await refused(new MemoryFiles(v21), "meta/episodes", /The dataset has no episodes \(its meta\/episodes lists none\)/);
  });

  it("the untouched dataset imports", async () => {
    const target = new MemoryImportTarget();
    const s = await importDataset(new MemoryFiles(original), target, { newId: () => `id${ids++}`, nowEpochMs: 0 });
    expect(s).toMatchObject({ episodes: 2, frames: 34 });
  });
});
