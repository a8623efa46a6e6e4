/** The storage field readers (storage/fields.ts) over a dataset's metadata: a failure becomes an ImportError naming the file. */
import { Invalid } from "../../storage/fields.ts";
import { ImportError } from "../errors.ts";

/** Runs field readers over a record of `file` (`where`: e.g. "line 3"); an Invalid becomes an ImportError. */
export function inFile<T>(file: string, read: () => T, where?: string): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof Invalid) throw new ImportError(`${file}: ${where === undefined ? "" : `${where}: `}${e.message}.`, file);
    throw e;
  }
}
