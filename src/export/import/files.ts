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
  /** The file's bytes as a Blob (lazy where the source allows); ImportError if missing. */
  blob(path: string): Promise<Blob>;
}

export async function readBytes(files: DatasetFiles, path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await files.blob(path)).arrayBuffer());
}

export async function readText(files: DatasetFiles, path: string): Promise<string> {
  return new TextDecoder().decode(await readBytes(files, path));
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
  blob(path: string): Promise<Blob> {
    const b = this.map.get(path);
    if (!b) return Promise.reject(missing(path));
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
  async blob(path: string): Promise<Blob> {
    const h = this.handles.get(path);
    if (!h) throw missing(path);
    return h.getFile();
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

  async blob(path: string): Promise<Blob> {
    const e = this.entries.get(path);
    if (!e) throw missing(path);
    const head = new DataView(await this.zip.slice(e.localOffset, e.localOffset + 30).arrayBuffer());
    if (head.byteLength < 30 || head.getUint32(0, true) !== 0x04034b50)
      throw new ImportError(`${path} in the zip is damaged (no local header). Re-create the zip.`, path);
    const start = e.localOffset + 30 + head.getUint16(26, true) + head.getUint16(28, true);
    const raw = this.zip.slice(start, start + e.compressedSize);
    if (raw.size !== e.compressedSize) throw new ImportError(`${path} in the zip is truncated. Re-create or download the zip again.`, path);
    if (e.method === 0) return raw;
    if (e.method === 8) {
      try {
        const out = raw.stream().pipeThrough(new DecompressionStream("deflate-raw"));
        const blob = await new Response(out).blob();
        if (blob.size !== e.size) throw new Error(`${blob.size} bytes instead of ${e.size}`);
        return blob;
      } catch (err) {
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
