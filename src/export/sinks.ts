/**
 * Export targets behind the DatasetSink seam: memory (tests), a zip stream (client-zip,
 * streamed entry by entry, zip64 past 4 GB), and a folder through the File System Access API
 * (resumable: a file already there with the same size is not written again).
 */
import { makeZip } from "client-zip";
import { ExportError } from "./errors.ts";
import type { DatasetSink } from "./layout.ts";

export class MemorySink implements DatasetSink {
  readonly files = new Map<string, Uint8Array>();
  writeFile(path: string, data: Uint8Array): Promise<void> {
    this.files.set(path, data);
    return Promise.resolve();
  }
}

interface QueuedEntry {
  path: string;
  data: Uint8Array;
  consumed: () => void;
  refused: (e: Error) => void;
}

/**
 * Streams a zip archive: `stream` yields the archive bytes as files are written; each
 * `writeFile` resolves once the archive has taken the whole file, so memory holds one file.
 * Someone must read `stream` (a save-file writable, a download) or writes wait — until `abort`,
 * or until the reader cancels the stream: then every pending and later write rejects.
 */
export class ZipSink implements DatasetSink {
  readonly stream: ReadableStream<Uint8Array>;
  private queue: QueuedEntry[] = [];
  /** The entry client-zip is streaming (taken from the queue, not yet consumed). */
  private streaming: QueuedEntry | undefined;
  private wake: (() => void) | undefined;
  private ended = false;
  private failed: Error | undefined;

  constructor(lastModified = new Date()) {
    const entries = async function* (self: ZipSink) {
      for (;;) {
        while (self.queue.length === 0 && !self.ended && self.failed === undefined) {
          await new Promise<void>((r) => (self.wake = r));
        }
        if (self.failed !== undefined) throw self.failed;
        const next = self.queue.shift();
        if (!next) return;
        self.streaming = next;
        yield { name: next.path, input: next.data, lastModified };
        // client-zip asks for the next entry only after it has streamed this one.
        self.streaming = undefined;
        next.consumed();
      }
    };
    const zip = makeZip(entries(this), { buffersAreUTF8: true }).getReader();
    // A pass-through (highWaterMark 0: nothing buffered here) that notices a reader giving up.
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          const chunk = await zip.read();
          if (chunk.done) controller.close();
          else controller.enqueue(chunk.value);
        },
        cancel: (reason) => {
          const why = reason === undefined ? "" : ` (${reason instanceof Error ? reason.message : String(reason)})`;
          this.abort(
            new ExportError(
              `The zip archive was not finished: its download or file was closed before the end${why}. Export again to get a complete archive.`,
            ),
          );
          void zip.cancel(reason).catch(() => undefined);
        },
      },
      { highWaterMark: 0 },
    );
  }

  writeFile(path: string, data: Uint8Array): Promise<void> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    if (this.ended) return Promise.reject(new ExportError("The zip archive is already closed.", { file: path }));
    return new Promise<void>((consumed, refused) => {
      this.queue.push({ path, data, consumed, refused });
      this.wake?.();
    });
  }

  /** Ends the archive (central directory). Call after the export resolved. */
  close(): void {
    this.ended = true;
    this.wake?.();
  }

  /**
   * Fails the stream so a half-written archive is never mistaken for a complete one, and rejects
   * the writes still waiting with `reason` (the first reason given is kept).
   */
  abort(reason: unknown): void {
    if (this.failed !== undefined) return;
    this.failed = reason instanceof Error ? reason : new ExportError(`The zip archive was aborted: ${String(reason)}`);
    const waiting = [...(this.streaming ? [this.streaming] : []), ...this.queue.splice(0)];
    this.streaming = undefined;
    for (const entry of waiting) entry.refused(this.failed);
    this.wake?.();
  }
}

/** The parts of FileSystemDirectoryHandle the folder target uses (a fake implements them in tests). */
export interface DirectoryHandleLike {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirectoryHandleLike>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandleLike>;
}
export interface FileHandleLike {
  getFile(): Promise<{ size: number }>;
  createWritable(): Promise<WritableLike>;
}
export interface WritableLike {
  write(data: Uint8Array<ArrayBuffer>): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
}

/**
 * Writes into a chosen folder. Each file goes through a writable that the browser commits
 * atomically on close, so a file present with the expected size is complete: re-running an
 * interrupted export skips it (`skipped`).
 */
export class FolderSink implements DatasetSink {
  readonly skipped: string[] = [];
  readonly written: string[] = [];
  private readonly root: DirectoryHandleLike;
  private readonly dirs = new Map<string, Promise<DirectoryHandleLike>>();

  constructor(root: DirectoryHandleLike) {
    this.root = root;
  }

  private dir(parts: string[]): Promise<DirectoryHandleLike> {
    const key = parts.join("/");
    let d = this.dirs.get(key);
    if (!d) {
      d =
        parts.length === 0
          ? Promise.resolve(this.root)
          : this.dir(parts.slice(0, -1)).then((p) => p.getDirectoryHandle(parts.at(-1)!, { create: true }));
      this.dirs.set(key, d);
    }
    return d;
  }

  async writeFile(path: string, data: Uint8Array): Promise<void> {
    const parts = path.split("/");
    const name = parts.pop()!;
    try {
      const dir = await this.dir(parts);
      let existing: FileHandleLike | undefined;
      try {
        existing = await dir.getFileHandle(name);
      } catch {
        existing = undefined;
      }
      if (existing && (await existing.getFile()).size === data.byteLength) {
        this.skipped.push(path);
        return;
      }
      const handle = existing ?? (await dir.getFileHandle(name, { create: true }));
      const w = await handle.createWritable();
      try {
        await w.write(data as Uint8Array<ArrayBuffer>);
        await w.close();
      } catch (e) {
        await w.abort(e).catch(() => undefined);
        throw e;
      }
      this.written.push(path);
    } catch (e) {
      throw new ExportError(
        `Could not write ${path} into the chosen folder: ${e instanceof Error ? e.message : String(e)}. Check the folder permission and free space, then export again (finished files are kept).`,
        { file: path },
        { cause: e },
      );
    }
  }
}
