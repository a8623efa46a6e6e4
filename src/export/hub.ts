/**
 * Hugging Face Hub target (@huggingface/hub): creates the dataset repo if needed, uploads
 * files in commits of bounded size, then tags the repo with the codebase version ("v3.0"),
 * which lerobot needs to load a dataset from the Hub.
 *
 * Resume: on open, the repo's files are listed; a file already there with the same size and
 * the same content hash (LFS sha256, or the git blob sha1 for small files) is not uploaded
 * again, so re-running an interrupted export only sends what is missing. `fetch` is
 * injectable (tests use a fake Hub).
 */
import { commitIter, createRepo, listFiles, type CommitOperation } from "@huggingface/hub";
import { ExportError } from "./errors.ts";
import type { DatasetSink } from "./layout.ts";

export interface HubSinkOptions {
  /** "namespace/name" */
  repo: string;
  accessToken: string;
  private?: boolean;
  hubUrl?: string;
  fetch?: typeof fetch;
  /** Files are committed once this many bytes are pending (default 64 MB). */
  commitBytes?: number;
  /** Tag created on close (default "v3.0"). */
  tag?: string;
  onUpload?: (e: { path: string; progress: number }) => void;
  signal?: AbortSignal;
}

interface Remote {
  size: number;
  oid?: string;
  lfsOid?: string;
}

const HUB_URL = "https://huggingface.co";

async function hex(algo: "SHA-1" | "SHA-256", data: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest(algo, data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** git's blob id: sha1("blob <size>\0" + content). */
export async function gitBlobOid(data: Uint8Array): Promise<string> {
  const head = new TextEncoder().encode(`blob ${data.byteLength}\0`);
  const all = new Uint8Array(head.length + data.byteLength);
  all.set(head);
  all.set(data, head.length);
  return hex("SHA-1", all);
}

export class HubSink implements DatasetSink {
  readonly skipped: string[] = [];
  readonly uploaded: string[] = [];
  private readonly opts: HubSinkOptions;
  private remote = new Map<string, Remote>();
  private pending: { path: string; data: Uint8Array }[] = [];
  private pendingBytes = 0;
  private opened = false;

  constructor(opts: HubSinkOptions) {
    this.opts = opts;
  }

  private get hubUrl(): string {
    return this.opts.hubUrl ?? HUB_URL;
  }

  private common() {
    const c: { repo: { type: "dataset"; name: string }; accessToken: string; hubUrl: string; fetch?: typeof fetch } = {
      repo: { type: "dataset", name: this.opts.repo },
      accessToken: this.opts.accessToken,
      hubUrl: this.hubUrl,
    };
    if (this.opts.fetch) c.fetch = this.opts.fetch;
    return c;
  }

  /** Creates the repo (if missing) and lists what is already uploaded. */
  async open(): Promise<void> {
    try {
      await createRepo({ ...this.common(), private: this.opts.private ?? false });
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status !== 409) throw this.fail("", "create the dataset repository", e);
    }
    try {
      for await (const f of listFiles({ ...this.common(), recursive: true })) {
        if (f.type !== "file") continue;
        const r: Remote = { size: f.size };
        if (f.oid !== undefined) r.oid = f.oid;
        if (f.lfs) r.lfsOid = f.lfs.oid;
        this.remote.set(f.path, r);
      }
    } catch (e) {
      throw this.fail("", "list the files already in the repository", e);
    }
    this.opened = true;
  }

  private fail(path: string, what: string, e: unknown): ExportError {
    const status = (e as { statusCode?: number }).statusCode;
    const tokenProblem = status === 401 || status === 403 || /token/i.test(e instanceof Error ? e.message : "");
    const hint = tokenProblem
      ? "Check that the access token is valid and has write access."
      : "Check the connection and export again; files already uploaded are skipped.";
    return new ExportError(
      `Could not ${what} on the Hugging Face Hub (${this.opts.repo}${path ? `, ${path}` : ""}): ${e instanceof Error ? e.message : String(e)}. ${hint}`,
      path ? { file: path } : {},
      { cause: e },
    );
  }

  private async alreadyThere(path: string, data: Uint8Array): Promise<boolean> {
    const r = this.remote.get(path);
    if (!r || r.size !== data.byteLength) return false;
    if (r.lfsOid) return (await hex("SHA-256", data)) === r.lfsOid;
    if (r.oid) return (await gitBlobOid(data)) === r.oid;
    return false;
  }

  async writeFile(path: string, data: Uint8Array): Promise<void> {
    if (!this.opened) await this.open();
    if (await this.alreadyThere(path, data)) {
      this.skipped.push(path);
      return;
    }
    this.pending.push({ path, data });
    this.pendingBytes += data.byteLength;
    if (this.pendingBytes >= (this.opts.commitBytes ?? 64 * 1024 * 1024)) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    const operations: CommitOperation[] = batch.map((f) => ({
      operation: "addOrUpdate",
      path: f.path,
      content: new Blob([f.data as Uint8Array<ArrayBuffer>]),
    }));
    try {
      const params = {
        ...this.common(),
        title: `Upload ${batch.length} dataset file(s)`,
        operations,
        ...(this.opts.signal ? { abortSignal: this.opts.signal } : {}),
      };
      const it = commitIter(params);
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        const ev = r.value;
        if (ev.event === "fileProgress" && ev.state === "uploading") this.opts.onUpload?.({ path: ev.path, progress: ev.progress });
      }
    } catch (e) {
      throw this.fail(batch.map((f) => f.path).join(", "), "upload", e);
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.uploaded.push(...batch.map((f) => f.path));
  }

  /** Commits what is pending, then (re)creates the version tag on main. */
  async close(): Promise<void> {
    await this.flush();
    const tag = this.opts.tag ?? "v3.0";
    const f = this.opts.fetch ?? fetch;
    const base = `${this.hubUrl}/api/datasets/${this.opts.repo}/tag`;
    const headers = { Authorization: `Bearer ${this.opts.accessToken}`, "Content-Type": "application/json" };
    try {
      const del = await f(`${base}/${encodeURIComponent(tag)}`, { method: "DELETE", headers });
      if (!del.ok && del.status !== 404) throw new Error(`HTTP ${del.status} deleting the old tag`);
      const res = await f(`${base}/main`, {
        method: "POST",
        headers,
        body: JSON.stringify({ tag, message: `LeRobot codebase version ${tag}` }),
      });
      if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { statusCode: res.status });
    } catch (e) {
      throw this.fail("", `create the ${tag} tag`, e);
    }
  }
}
