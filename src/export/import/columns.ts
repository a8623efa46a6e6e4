/** Reading LeRobot parquet files: a table per file, and typed columns that name the file and column when they are not what a dataset must have. */
import * as arrow from "apache-arrow";
import { ImportError } from "../errors.ts";
import { readParquet } from "../parquet.ts";
import { READ_LIMITS, readBytes, type DatasetFiles } from "./files.ts";

export async function parquet(files: DatasetFiles, path: string): Promise<arrow.Table> {
  const bytes = await readBytes(files, path, READ_LIMITS.parquet);
  try {
    return await readParquet(bytes);
  } catch (e) {
    throw new ImportError(
      `${path} is not a readable parquet file (${e instanceof Error ? e.message : String(e)}); it may be truncated. Copy or download the dataset again.`,
      path,
      { cause: e },
    );
  }
}

export function column(t: arrow.Table, name: string, path: string): arrow.Vector {
  const c = t.getChild(name);
  if (!c) throw new ImportError(`${path} has no column "${name}", which a LeRobot dataset must have.`, path);
  return c;
}

export function ints(t: arrow.Table, name: string, path: string): number[] {
  const c = column(t, name, path);
  if (!arrow.DataType.isInt(c.type))
    throw new ImportError(`${path}: column "${name}" is ${String(c.type)}, expected an integer column.`, path);
  const out = new Array<number>(c.length);
  for (let i = 0; i < c.length; i++) out[i] = Number(c.get(i));
  return out;
}

export function floats(t: arrow.Table, name: string, path: string): number[] {
  const c = column(t, name, path);
  if (!arrow.DataType.isFloat(c.type) && !arrow.DataType.isInt(c.type))
    throw new ImportError(`${path}: column "${name}" is ${String(c.type)}, expected numbers.`, path);
  const out = new Array<number>(c.length);
  for (let i = 0; i < c.length; i++) out[i] = Number(c.get(i));
  return out;
}

/** A vector column (fixed_size_list or list of floats, every row `width` long) flattened row-major. */
export function vectors(t: arrow.Table, name: string, width: number, path: string): Float32Array {
  const c = column(t, name, path);
  const wrong = () => new ImportError(`${path}: column "${name}" is ${String(c.type)}, expected ${width} floats per row.`, path);
  if (!(arrow.DataType.isFixedSizeList(c.type) || arrow.DataType.isList(c.type))) throw wrong();
  const child = (c.type as arrow.List | arrow.FixedSizeList).children[0]!.type;
  if (!arrow.DataType.isFloat(child)) throw wrong();
  const out = new Float32Array(c.length * width);
  for (let row = 0; row < c.length; row++) {
    const v = c.get(row) as { length: number; toArray(): ArrayLike<number> } | null;
    if (!v || v.length !== width)
      throw new ImportError(`${path}: row ${row} of "${name}" has ${v ? v.length : "no"} values, expected ${width}.`, path);
    out.set(v.toArray(), row * width);
  }
  return out;
}
