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
