/** Test support: independent readers — DuckDB for parquet, ffprobe for mp4. */
import { execFileSync } from "node:child_process";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

let conn: Promise<DuckDBConnection> | undefined;
function duck(): Promise<DuckDBConnection> {
  conn ??= DuckDBInstance.create(":memory:").then((db) => db.connect());
  return conn;
}

export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const c = await duck();
  const r = await c.runAndReadAll(sql);
  return r.getRowObjectsJson() as Record<string, unknown>[];
}

export async function describe(file: string): Promise<Record<string, string>> {
  const rows = await query(`DESCRIBE SELECT * FROM '${file}'`);
  return Object.fromEntries(rows.map((r) => [String(r["column_name"]), String(r["column_type"])]));
}

export async function kvMetadata(file: string): Promise<Map<string, string>> {
  const rows = await query(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${file}')`);
  return new Map(rows.map((r) => [String(r["k"]), String(r["v"])]));
}

/**
 * lerobot's `language_persistent` entries of each episode of a data parquet (read from its first
 * row), each with `frame`: the episode's first row whose timestamp equals the entry's (exactly,
 * as lerobot matches them; null when none does). Sorted by episode and frame.
 */
export function persistentEntries(data: string): Promise<Record<string, unknown>[]> {
  return query(
    `SELECT episode_index AS e, u.role, u.content, u.style, u.camera, u.tool_calls,
       (SELECT min(frame_index) FROM '${data}' d2 WHERE d2.episode_index = d.episode_index AND d2.timestamp = u.timestamp) AS frame
     FROM (SELECT episode_index, unnest(language_persistent) AS u FROM '${data}' WHERE frame_index = 0) d ORDER BY e, frame`,
  );
}

/** A persistent `subtask` entry as {@link persistentEntries} reads it. */
export const subtaskEntry = (episode: number, content: string, frame: number) => ({
  e: String(episode),
  role: "assistant",
  content,
  style: "subtask",
  camera: null,
  tool_calls: null,
  frame: String(frame),
});

export interface ProbedPacket {
  pts: number;
  key: boolean;
}

export function ffprobePackets(file: string): ProbedPacket[] {
  const out = execFileSync(
    "ffprobe",
    ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "json", file],
    { encoding: "utf8" },
  );
  const j = JSON.parse(out) as { packets: { pts_time: string; flags: string }[] };
  return j.packets.map((p) => ({ pts: Number(p.pts_time), key: p.flags.startsWith("K") }));
}

export function ffprobeStream(file: string): {
  codec: string;
  frames: number;
  width: number;
  height: number;
  pixFmt: string;
  rate: string;
} {
  const out = execFileSync(
    "ffprobe",
    [
      "-v",
      "error",
      "-count_frames",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=codec_name,nb_read_frames,width,height,pix_fmt,r_frame_rate",
      "-of",
      "json",
      file,
    ],
    { encoding: "utf8" },
  );
  const s = (JSON.parse(out) as { streams: Record<string, string | number>[] }).streams[0]!;
  return {
    codec: String(s["codec_name"]),
    frames: Number(s["nb_read_frames"]),
    width: Number(s["width"]),
    height: Number(s["height"]),
    pixFmt: String(s["pix_fmt"]),
    rate: String(s["r_frame_rate"]),
  };
}
