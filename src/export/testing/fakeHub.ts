/**
 * Test support: a fake Hugging Face Hub as a `fetch` function — repo creation, tree listing,
 * preupload, the LFS batch API with basic PUT uploads, ndjson commits and tags.
 */
import { createHash } from "node:crypto";

interface StoredFile {
  data: Uint8Array;
  lfs: boolean;
}

export class FakeHub {
  readonly repos = new Map<string, Map<string, StoredFile>>();
  readonly tags = new Map<string, string[]>();
  readonly commits: string[][] = [];
  private readonly lfsStore = new Map<string, Uint8Array>();
  /** Fail the commit call number n (0-based) with HTTP 500. */
  failCommit: number | undefined;
  private commitCalls = 0;
  readonly url = "https://hub.test";

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? "GET";
    const p = decodeURIComponent(url.pathname);
    const json = (o: unknown, status = 200) => new Response(JSON.stringify(o), { status, headers: { "Content-Type": "application/json" } });
    const body = async (): Promise<Uint8Array> => {
      const b = init?.body;
      if (b instanceof Blob) return new Uint8Array(await b.arrayBuffer());
      if (b instanceof ArrayBuffer) return new Uint8Array(b);
      if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      if (typeof b === "string") return new TextEncoder().encode(b);
      return new Uint8Array();
    };
    if (!init?.headers || !JSON.stringify(init.headers).includes("Bearer")) {
      if (!p.startsWith("/lfs-upload/")) return json({ error: "unauthorized" }, 401);
    }
    let m: RegExpMatchArray | null;
    if (p === "/api/repos/create" && method === "POST") {
      const req = JSON.parse(new TextDecoder().decode(await body())) as { name: string; organization: string; type: string };
      const name = `${req.organization}/${req.name}`;
      if (this.repos.has(name)) return json({ error: "You already created this dataset repo" }, 409);
      this.repos.set(name, new Map());
      return json({ url: `${this.url}/datasets/${name}`, name });
    }
    if ((m = /^\/api\/datasets\/(.+?)\/tree\/main$/.exec(p))) {
      const repo = this.repos.get(m[1]!);
      if (!repo) return json({ error: "not found" }, 404);
      return json(
        [...repo].map(([path, f]) => ({
          type: "file",
          path,
          size: f.data.byteLength,
          oid: gitOid(f.data),
          ...(f.lfs ? { lfs: { oid: sha256(f.data), size: f.data.byteLength, pointerSize: 130 } } : {}),
        })),
      );
    }
    if (/^\/api\/datasets\/(.+?)\/preupload\/main$/.test(p)) {
      const req = JSON.parse(new TextDecoder().decode(await body())) as { files: { path: string }[] };
      return json({ files: req.files.map((f) => ({ path: f.path, uploadMode: /\.(parquet|mp4)$/.test(f.path) ? "lfs" : "regular" })) });
    }
    if (/^\/datasets\/(.+?)\.git\/info\/lfs\/objects\/batch$/.test(p)) {
      const req = JSON.parse(new TextDecoder().decode(await body())) as { objects: { oid: string; size: number }[] };
      return json({
        transfer: "basic",
        objects: req.objects.map((o) => ({
          oid: o.oid,
          size: o.size,
          actions: this.lfsStore.has(o.oid) ? undefined : { upload: { href: `${this.url}/lfs-upload/${o.oid}` } },
        })),
      });
    }
    if ((m = /^\/lfs-upload\/(.+)$/.exec(p)) && method === "PUT") {
      const data = await body();
      if (sha256(data) !== m[1]) return json({ error: "bad sha" }, 400);
      this.lfsStore.set(m[1]!, data);
      return new Response(null, { status: 200 });
    }
    if ((m = /^\/api\/datasets\/(.+?)\/commit\/main$/.exec(p))) {
      const call = this.commitCalls++;
      if (call === this.failCommit) return json({ error: "Internal Error" }, 500);
      const repo = this.repos.get(m[1]!);
      if (!repo) return json({ error: "not found" }, 404);
      const lines = new TextDecoder()
        .decode(await body())
        .split("\n")
        .map((l) => JSON.parse(l) as { key: string; value: Record<string, string> });
      const paths: string[] = [];
      for (const l of lines) {
        if (l.key === "file") {
          repo.set(l.value["path"]!, { data: Uint8Array.from(atob(l.value["content"]!), (c) => c.charCodeAt(0)), lfs: false });
          paths.push(l.value["path"]!);
        } else if (l.key === "lfsFile") {
          const data = this.lfsStore.get(l.value["oid"]!);
          if (!data) return json({ error: `LFS object ${l.value["oid"]} missing` }, 400);
          repo.set(l.value["path"]!, { data, lfs: true });
          paths.push(l.value["path"]!);
        }
      }
      this.commits.push(paths);
      return json({ commitOid: `c${this.commits.length}`, commitUrl: `${this.url}/commit/${this.commits.length}` });
    }
    if ((m = /^\/api\/datasets\/(.+?)\/tag\/(.+)$/.exec(p))) {
      const tags = this.tags.get(m[1]!) ?? [];
      if (method === "DELETE") {
        const i = tags.indexOf(m[2]!);
        if (i < 0) return json({ error: "not found" }, 404);
        tags.splice(i, 1);
        return json({});
      }
      const req = JSON.parse(new TextDecoder().decode(await body())) as { tag: string };
      if (tags.includes(req.tag)) return json({ error: "exists" }, 409);
      tags.push(req.tag);
      this.tags.set(m[1]!, tags);
      return json({});
    }
    return json({ error: `fake hub: no route for ${method} ${p}` }, 404);
  };
}

const sha256 = (d: Uint8Array) => createHash("sha256").update(d).digest("hex");
const gitOid = (d: Uint8Array) => createHash("sha1").update(`blob ${d.byteLength}\0`).update(d).digest("hex");
