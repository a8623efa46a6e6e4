import type { UserUrdf } from "../../state/index.ts";

/**
 * A user's URDF with its meshes, served to urdf-loader from memory: every file gets a blob URL,
 * and mesh references (relative paths, package:// URLs, absolute paths) are resolved to the
 * chosen files by the longest matching path suffix, else by file name.
 */
interface Registered {
  readonly mainUrl: string;
  readonly urls: ReadonlyMap<string, string>;
}

const byKey = new Map<string, Registered>();
const byMainUrl = new Map<string, Registered>();

function normal(p: string): string {
  return p.replace(/\\/g, "/").replace(/^\.?\//, "");
}

/** A URL for the URDF of `key` (e.g. profile id + update time); the same key gives the same URL. */
export function userUrdfUrl(key: string, urdf: UserUrdf): string {
  const known = byKey.get(key);
  if (known) return known.mainUrl;
  const urls = new Map<string, string>();
  for (const f of urdf.files) urls.set(normal(f.path), URL.createObjectURL(new Blob([f.data])));
  const mainUrl = urls.get(normal(urdf.main));
  if (mainUrl === undefined) throw new Error(`The URDF file ${urdf.main} is missing.`);
  const reg = { mainUrl, urls };
  byKey.set(key, reg);
  byMainUrl.set(mainUrl, reg);
  return mainUrl;
}

/** For urdf-loader's LoadingManager: maps a mesh reference of a registered URDF to its blob URL. */
export function userUrdfResolver(mainUrl: string): ((url: string) => string) | undefined {
  const reg = byMainUrl.get(mainUrl);
  if (!reg) return undefined;
  return (url) => {
    if (url === reg.mainUrl || [...reg.urls.values()].includes(url)) return url;
    // Drop a scheme/origin and package name: keep path segments and try the longest suffix.
    const path = decodeURIComponent(
      url
        .replace(/^package:\/\/[^/]*\//, "")
        .replace(/^[a-z]+:(\/\/[^/]*)?\/?/i, "")
        .replace(/^blob:[^/]*\/\/[^/]*\//, ""),
    );
    const parts = normal(path)
      .split("/")
      .filter((s) => s !== "" && s !== "..");
    for (let i = 0; i < parts.length; i++) {
      const tail = parts.slice(i).join("/");
      for (const [p, u] of reg.urls) if (p === tail || p.endsWith(`/${tail}`)) return u;
    }
    return url;
  };
}

/** Builds a UserUrdf from files picked in a folder (webkitRelativePath) or chosen one by one. */
export async function userUrdfFromFiles(files: readonly File[]): Promise<UserUrdf> {
  const withPath = files.map((f) => {
    const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
    // Paths relative to the chosen folder: drop the folder's own name.
    const parts = rel.split("/");
    return { file: f, path: parts.length > 1 ? parts.slice(1).join("/") : rel };
  });
  const urdfs = withPath
    .filter((f) => f.path.toLowerCase().endsWith(".urdf"))
    .sort((a, b) => a.path.split("/").length - b.path.split("/").length);
  const main = urdfs[0];
  if (!main) throw new Error("No .urdf file among the chosen files. Choose the folder that holds the robot's .urdf and its meshes.");
  const out: UserUrdf["files"] = [];
  for (const f of withPath) {
    const lower = f.path.toLowerCase();
    if (lower.endsWith(".urdf") ? f !== main : !/\.(stl|dae|obj|png|jpg|jpeg)$/.test(lower)) continue;
    out.push({ path: f.path, data: await f.file.arrayBuffer() });
  }
  return { main: main.path, files: out };
}
