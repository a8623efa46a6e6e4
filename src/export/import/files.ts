/**
 * Read access to a dataset's files: a folder (File System Access API directory handle), a
 * zip (central-directory reader over a Blob: stored and deflated entries, zip64), or memory.
 * Paths are dataset-relative with "/" separators; a zip holding one top-level folder is
 * opened inside that folder.
 */
import { ImportError } from "../errors.ts";

export interface DatasetFiles {
  /** All file paths, sorted. */
  readonly paths: string[];
  has(path: string): boolean;
  /**
   * The file's bytes as a Blob (lazy where the source allows); ImportError if missing, or if it is
   * larger than `maxBytes` — checked before reading, and a zip entry is never decompressed past it.
   */
  blob(path: string, maxBytes?: number): Promise<Blob>;
}

const MB = 1024 * 1024;

/** What the importer reads into memory at most, per file (docs/storage.md); larger files are refused before they are read. */
export const READ_LIMITS = {
  /** meta/info.json (a few KB in any LeRobot dataset). */
  info: MB,
  /** A .jsonl metadata file (v2.1 episodes, tasks, stats). */
  jsonl: 256 * MB,
  /** A parquet file (data, v3.0 metadata); lerobot writes data files of about 100 MB. */
  parquet: 1024 * MB,
} as const;

/** Entries a zip may list, and the bytes of its central directory. */
const ZIP_MAX_ENTRIES = 1_000_000;
const ZIP_MAX_DIRECTORY = 256 * MB;

export async function readBytes(files: DatasetFiles, path: string, maxBytes: number): Promise<Uint8Array> {
  return new Uint8Array(await (await files.blob(path, maxBytes)).arrayBuffer());
}

export async function readText(files: DatasetFiles, path: string, maxBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBytes(files, path, maxBytes));
}

function tooLarge(path: string, bytes: number | undefined, maxBytes: number): ImportError {
  const size = bytes === undefined ? "larger" : `${(bytes / MB).toFixed(1)} MB`;
  return new ImportError(
    `${path} is ${size} (decompressed), more than the ${(maxBytes / MB).toFixed(0)} MB such a file may have; it was not read. ` +
      "The dataset is damaged or was not written by LeRobot; copy or download it again.",
    path,
  );
}

/** The stream's bytes, erroring as soon as they pass `maxBytes` (a zip bomb stops there, not at the end of memory). */
function bounded(stream: ReadableStream<Uint8Array>, maxBytes: number, onTooLarge: () => Error): ReadableStream<Uint8Array> {
  let total = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength;
        if (total > maxBytes) controller.error(onTooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
}

function missing(path: string): ImportError {
  return new ImportError(`The dataset has no ${path}. The dataset is incomplete; copy or download it again.`, path);
}

/** Strips a single top-level folder shared by every path (datasets zipped with their folder). */
function rootPrefix(paths: string[]): string {
  if (paths.some((p) => p === "meta/info.json")) return "";
  const withInfo = paths.filter((p) => p.endsWith("/meta/info.json"));
  if (withInfo.length === 1) return withInfo[0]!.slice(0, -"meta/info.json".length);
  return "";
}

export class MemoryFiles implements DatasetFiles {
  readonly paths: string[];
  private readonly map: Map<string, Uint8Array>;
  constructor(map: Map<string, Uint8Array>) {
    this.map = map;
    this.paths = [...map.keys()].sort();
  }
  has(path: string): boolean {
    return this.map.has(path);
  }
  blob(path: string, maxBytes = Infinity): Promise<Blob> {
    const b = this.map.get(path);
    if (!b) return Promise.reject(missing(path));
    if (b.byteLength > maxBytes) return Promise.reject(tooLarge(path, b.byteLength, maxBytes));
    return Promise.resolve(new Blob([b as Uint8Array<ArrayBuffer>]));
  }
}

/** The parts of FileSystemDirectoryHandle used for reading. */
export interface ReadableDirectoryLike {
  entries(): AsyncIterable<[string, ReadableDirectoryLike | ReadableFileLike]>;
  readonly kind: "directory";
}
export interface ReadableFileLike {
  readonly kind: "file";
  getFile(): Promise<Blob>;
}

export class FolderFiles implements DatasetFiles {
  readonly paths: string[];
  private readonly handles: Map<string, ReadableFileLike>;
  private constructor(handles: Map<string, ReadableFileLike>) {
    this.handles = handles;
    this.paths = [...handles.keys()].sort();
  }
  static async open(root: ReadableDirectoryLike): Promise<FolderFiles> {
    const all = new Map<string, ReadableFileLike>();
    const walk = async (dir: ReadableDirectoryLike, prefix: string) => {
      for await (const [name, h] of dir.entries()) {
        if (h.kind === "directory") await walk(h, `${prefix}${name}/`);
        else all.set(`${prefix}${name}`, h);
      }
    };
    await walk(root, "");
    const prefix = rootPrefix([...all.keys()]);
    const handles = new Map<string, ReadableFileLike>();
    for (const [p, h] of all) if (p.startsWith(prefix)) handles.set(p.slice(prefix.length), h);
    return new FolderFiles(handles);
  }
  has(path: string): boolean {
    return this.handles.has(path);
  }
  async blob(path: string, maxBytes = Infinity): Promise<Blob> {
    const h = this.handles.get(path);
    if (!h) throw missing(path);
    const file = await h.getFile();
    if (file.size > maxBytes) throw tooLarge(path, file.size, maxBytes);
    return file;
  }
}

interface ZipEntry {
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Zip archive reader over a Blob (a File from a picker): only the central directory is read up front. */
export class ZipFiles implements DatasetFiles {
  readonly paths: string[];
  private readonly zip: Blob;
  private readonly entries: Map<string, ZipEntry>;
  private constructor(zip: Blob, entries: Map<string, ZipEntry>) {
    this.zip = zip;
    this.entries = entries;
    this.paths = [...entries.keys()].sort();
  }

  static async open(zip: Blob, name = "the zip file"): Promise<ZipFiles> {
    const notZip = (why: string) =>
      new ImportError(`${name} is not a readable zip archive (${why}). Choose the .zip of a LeRobot dataset.`, "");
    const tailLen = Math.min(zip.size, 65_557);
    const tail = new Uint8Array(await zip.slice(zip.size - tailLen).arrayBuffer());
    const tv = new DataView(tail.buffer);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw notZip("no end of central directory");
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    if (cdOffset === 0xffffffff || count === 0xffff || cdSize === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || tv.getUint32(loc, true) !== 0x07064b50) throw notZip("zip64 locator missing");
      const z64Offset = Number(tv.getBigUint64(loc + 8, true));
      const z64 = new DataView(await zip.slice(z64Offset, z64Offset + 56).arrayBuffer());
      if (z64.getUint32(0, true) !== 0x06064b50) throw notZip("zip64 end record missing");
      count = Number(z64.getBigUint64(32, true));
      cdSize = Number(z64.getBigUint64(40, true));
      cdOffset = Number(z64.getBigUint64(48, true));
    }
    if (cdOffset + cdSize > zip.size) throw notZip("truncated");
    if (count > ZIP_MAX_ENTRIES || cdSize > ZIP_MAX_DIRECTORY)
      throw notZip(`it lists ${count} entries in ${(cdSize / MB).toFixed(0)} MB; at most ${ZIP_MAX_ENTRIES} entries are read`);
    const cd = new Uint8Array(await zip.slice(cdOffset, cdOffset + cdSize).arrayBuffer());
    const v = new DataView(cd.buffer);
    const entries = new Map<string, ZipEntry>();
    const dec = new TextDecoder();
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || v.getUint32(p, true) !== 0x02014b50) throw notZip("damaged central directory");
      const method = v.getUint16(p + 10, true);
      let compressedSize = v.getUint32(p + 20, true);
      let size = v.getUint32(p + 24, true);
      const nameLen = v.getUint16(p + 28, true);
      const extraLen = v.getUint16(p + 30, true);
      const commentLen = v.getUint16(p + 32, true);
      let localOffset = v.getUint32(p + 42, true);
      const entryName = dec.decode(cd.subarray(p + 46, p + 46 + nameLen));
      // zip64 extended information extra field
      let e = p + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = v.getUint16(e, true);
        const len = v.getUint16(e + 2, true);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === 0xffffffff) {
            size = Number(v.getBigUint64(q, true));
            q += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = Number(v.getBigUint64(q, true));
            q += 8;
          }
          if (localOffset === 0xffffffff) localOffset = Number(v.getBigUint64(q, true));
        }
        e += 4 + len;
      }
      if (!entryName.endsWith("/")) entries.set(entryName, { method, compressedSize, size, localOffset });
      p = eEnd + commentLen;
    }
    const prefix = rootPrefix([...entries.keys()]);
    const scoped = new Map<string, ZipEntry>();
    for (const [k, en] of entries) if (k.startsWith(prefix)) scoped.set(k.slice(prefix.length), en);
    return new ZipFiles(zip, scoped);
  }

  has(path: string): boolean {
    return this.entries.has(path);
  }

  async blob(path: string, maxBytes = Infinity): Promise<Blob> {
    const e = this.entries.get(path);
    if (!e) throw missing(path);
    if (e.size > maxBytes) throw tooLarge(path, e.size, maxBytes);
    const head = new DataView(await this.zip.slice(e.localOffset, e.localOffset + 30).arrayBuffer());
    if (head.byteLength < 30 || head.getUint32(0, true) !== 0x04034b50)
      throw new ImportError(`${path} in the zip is damaged (no local header). Re-create the zip.`, path);
    const start = e.localOffset + 30 + head.getUint16(26, true) + head.getUint16(28, true);
    const raw = this.zip.slice(start, start + e.compressedSize);
    if (raw.size !== e.compressedSize) throw new ImportError(`${path} in the zip is truncated. Re-create or download the zip again.`, path);
    if (e.method === 0) return raw;
    if (e.method === 8) {
      try {
        // Never past the declared size: an entry that inflates beyond what the directory says stops there.
        const lied = () =>
          new ImportError(
            `${path} in the zip inflates past the ${e.size} bytes its directory declares: the zip is damaged (or built to fill memory). Re-create it.`,
            path,
          );
        const out = bounded(raw.stream().pipeThrough(new DecompressionStream("deflate-raw")), e.size, lied);
        const blob = await new Response(out).blob();
        if (blob.size !== e.size) throw new Error(`${blob.size} bytes instead of ${e.size}`);
        return blob;
      } catch (err) {
        if (err instanceof ImportError) throw err;
        throw new ImportError(`${path} in the zip could not be decompressed: ${err instanceof Error ? err.message : String(err)}.`, path, {
          cause: err,
        });
      }
    }
    throw new ImportError(
      `${path} in the zip uses compression method ${e.method}; only stored and deflated entries are supported. Re-create the zip with standard compression.`,
      path,
    );
  }
}
