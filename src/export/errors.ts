/**
 * Typed failures of export and import. Every message says what happened, where (file,
 * episode, camera) and what to do; nothing is replaced by a plausible value.
 */

export interface ExportErrorWhere {
  /** Dataset-relative path of the file being written or read, if any. */
  file?: string;
  /** Episode id (export) or episode index (import). */
  episode?: string;
  camera?: string;
}

export class ExportError extends Error {
  override readonly name = "ExportError";
  readonly where: ExportErrorWhere;
  constructor(message: string, where: ExportErrorWhere = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.where = where;
  }
}

/** The user cancelled (AbortSignal). Nothing after the last completed file was claimed as written. */
export class ExportAbortedError extends Error {
  override readonly name = "ExportAbortedError";
  constructor(message = "Export cancelled.") {
    super(message);
  }
}

export class ImportError extends Error {
  override readonly name = "ImportError";
  /** Dataset-relative path of the offending file ("" when the whole input is not a dataset). */
  readonly file: string;
  constructor(message: string, file: string, options?: { cause?: unknown }) {
    super(message, options);
    this.file = file;
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ExportAbortedError();
}
