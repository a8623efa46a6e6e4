/**
 * Parquet through parquet-wasm + apache-arrow. Columns are built as Arrow `Data` each over
 * its own buffer (reusing one buffer for two columns produced unreadable files), so vectors
 * stay a true `fixed_size_list<float>[n]` in the `ARROW:schema` metadata.
 *
 * The wasm module must be initialised once: in the browser the app passes the URL of
 * `parquet-wasm/esm/parquet_wasm_bg.wasm` (see parquetWasmUrl.ts) to `configureParquetWasm`;
 * in node it is read from node_modules.
 */
import * as arrow from "apache-arrow";
import initWasm, {
  Compression,
  Table as WasmTable,
  WriterPropertiesBuilder,
  readParquet as wasmRead,
  writeParquet as wasmWrite,
} from "parquet-wasm/esm";

type WasmInput = string | URL | ArrayBuffer | Uint8Array | Response;
let wasmInput: WasmInput | undefined;
let ready: Promise<void> | undefined;

/** Where the parquet-wasm binary comes from (browser: its URL). Call before the first export. */
export function configureParquetWasm(input: WasmInput): void {
  wasmInput = input;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === "string";
}

async function nodeWasmBytes(): Promise<Uint8Array> {
  // Variable specifiers keep bundlers from pulling node built-ins into the browser build.
  const fsName = "node:fs/promises";
  const modName = "node:module";
  const fs = (await import(/* @vite-ignore */ fsName)) as { readFile(p: string): Promise<Uint8Array> };
  const mod = (await import(/* @vite-ignore */ modName)) as { createRequire(u: string): { resolve(s: string): string } };
  const req = mod.createRequire(import.meta.url);
  return fs.readFile(req.resolve("parquet-wasm/esm/parquet_wasm_bg.wasm"));
}

function ensureParquet(): Promise<void> {
  ready ??= (async () => {
    if (wasmInput !== undefined) await initWasm({ module_or_path: wasmInput });
    else if (isNode()) await initWasm({ module_or_path: await nodeWasmBytes() });
    else await initWasm();
  })();
  return ready;
}

export type Column = { name: string; data: arrow.Data };

/** fixed_size_list<float>[width] over a fresh copy of `values` (rows × width). */
export function fixedFloatList(values: Float32Array, width: number): arrow.Data {
  const rows = values.length / width;
  const child = arrow.makeData({ type: new arrow.Float32(), length: values.length, data: values.slice() });
  const type = new arrow.FixedSizeList(width, new arrow.Field("item", new arrow.Float32(), true));
  return arrow.makeData({ type, length: rows, nullCount: 0, child });
}

export function float32Col(values: Float32Array): arrow.Data {
  return arrow.makeData({ type: new arrow.Float32(), length: values.length, data: values.slice() });
}

export function float64Col(values: Float64Array | number[]): arrow.Data {
  const v = Float64Array.from(values);
  return arrow.makeData({ type: new arrow.Float64(), length: v.length, data: v });
}

export function int64Col(values: BigInt64Array | number[]): arrow.Data {
  const v = values instanceof BigInt64Array ? values.slice() : BigInt64Array.from(values, (x) => BigInt(x));
  return arrow.makeData({ type: new arrow.Int64(), length: v.length, data: v });
}

export function utf8Col(values: string[]): arrow.Data {
  return arrow.vectorFromArray(values, new arrow.Utf8()).data[0]!;
}

/** Any nested list column (list<string>, list<double>, list<list<list<double>>>…). */
export function nestedCol(values: unknown[], type: arrow.DataType): arrow.Data {
  const v = arrow.vectorFromArray(values as never[], type as never) as arrow.Vector;
  if (v.data.length !== 1) throw new Error(`nested column came out in ${v.data.length} chunks`);
  return v.data[0]!;
}

export function listOf(item: arrow.DataType): arrow.List {
  return new arrow.List(new arrow.Field("item", item, true));
}

export function makeTable(columns: Column[], metadata?: Map<string, string>): arrow.Table {
  const length = columns[0]?.data.length ?? 0;
  for (const c of columns) if (c.data.length !== length) throw new Error(`column ${c.name} has ${c.data.length} rows, expected ${length}`);
  const fields = columns.map((c) => new arrow.Field(c.name, c.data.type, true));
  const schema = new arrow.Schema(fields, metadata ?? new Map());
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length, nullCount: 0, children: columns.map((c) => c.data) });
  return new arrow.Table(schema, [new arrow.RecordBatch(schema, struct)]);
}

/** Concatenates tables with the same schema (one record batch each → one row group per batch). */
export function concatTables(tables: arrow.Table[]): arrow.Table {
  const first = tables[0];
  if (!first) throw new Error("no tables");
  return new arrow.Table(
    first.schema,
    tables.flatMap((t) => t.batches),
  );
}

/** Snappy parquet bytes; `kv` is also written as the file's key-value metadata. */
export async function writeParquet(table: arrow.Table, kv?: Map<string, string>): Promise<Uint8Array> {
  await ensureParquet();
  const wasmTable = WasmTable.fromIPCStream(arrow.tableToIPC(table, "stream"));
  let builder = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).setCreatedBy("robot-studio export");
  if (kv && kv.size > 0) builder = builder.setKeyValueMetadata(kv);
  return wasmWrite(wasmTable, builder.build());
}

export async function readParquet(bytes: Uint8Array): Promise<arrow.Table> {
  await ensureParquet();
  const t = wasmRead(bytes);
  return arrow.tableFromIPC(t.intoIPCStream());
}
