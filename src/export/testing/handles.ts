/** Test support: DirectoryHandleLike over a real node folder, and an in-memory fake. */
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ReadableDirectoryLike, ReadableFileLike } from "../import/files.ts";
import type { DirectoryHandleLike, FileHandleLike, WritableLike } from "../sinks.ts";

export class NodeDirectoryHandle implements DirectoryHandleLike {
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
  async getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirectoryHandleLike> {
    const p = join(this.path, name);
    if (options?.create) await mkdir(p, { recursive: true });
    else await stat(p);
    return new NodeDirectoryHandle(p);
  }
  async getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandleLike> {
    const p = join(this.path, name);
    if (!options?.create) await stat(p);
    return {
      getFile: async () => ({ size: (await stat(p)).size }),
      createWritable: () => {
        const parts: Uint8Array[] = [];
        const w: WritableLike = {
          write: (d) => {
            parts.push(d.slice());
            return Promise.resolve();
          },
          close: () => writeFile(p, Buffer.concat(parts)),
          abort: () => Promise.resolve(),
        };
        return Promise.resolve(w);
      },
    };
  }
  read(path: string): Promise<Uint8Array> {
    return readFile(join(this.path, path));
  }
}

/** In-memory FileSystemDirectoryHandle stand-in; `failOn` makes a write of that file reject. */
export class MemoryDirectoryHandle implements DirectoryHandleLike {
  readonly files = new Map<string, Uint8Array>();
  readonly writes: string[] = [];
  failOn: string | undefined;
  private readonly prefix: string;
  private readonly root: MemoryDirectoryHandle;
  constructor(prefix = "", root?: MemoryDirectoryHandle) {
    this.prefix = prefix;
    this.root = root ?? this;
  }
  getDirectoryHandle(name: string): Promise<DirectoryHandleLike> {
    return Promise.resolve(new MemoryDirectoryHandle(`${this.prefix}${name}/`, this.root));
  }
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandleLike> {
    const path = `${this.prefix}${name}`;
    const root = this.root;
    if (!options?.create && !root.files.has(path)) return Promise.reject(new DOMException("not found", "NotFoundError"));
    return Promise.resolve({
      getFile: () => Promise.resolve({ size: root.files.get(path)?.byteLength ?? 0 }),
      createWritable: () => {
        const parts: Uint8Array[] = [];
        return Promise.resolve({
          write: (d: Uint8Array) => {
            if (root.failOn === path) return Promise.reject(new Error("disk full"));
            parts.push(d.slice());
            return Promise.resolve();
          },
          close: () => {
            root.files.set(path, Buffer.concat(parts));
            root.writes.push(path);
            return Promise.resolve();
          },
          abort: () => Promise.resolve(),
        });
      },
    });
  }
}

/** A read-only directory handle (entries/getFile) over a node folder, for import tests. */
export function nodeReadableDir(path: string): ReadableDirectoryLike {
  return {
    kind: "directory",
    async *entries(): AsyncIterable<[string, ReadableDirectoryLike | ReadableFileLike]> {
      for (const e of await readdir(path, { withFileTypes: true })) {
        const p = join(path, e.name);
        if (e.isDirectory()) yield [e.name, nodeReadableDir(p)];
        else yield [e.name, { kind: "file", getFile: async () => new Blob([await readFile(p)]) }];
      }
    },
  };
}
