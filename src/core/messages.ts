/** The text to show for an error of any kind (Error or not); a message already says what to do. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "string") return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

/**
 * `text` as a message may echo it: at most `max` characters, the rest replaced by "… (N more
 * characters)". Anything read from a file or a device goes through this before it is shown.
 */
export function clip(text: string, max = 60): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** A value from a file as a message shows it: JSON, clipped (a long string is cut before it is encoded). */
export function echo(value: unknown, max = 60): string {
  if (typeof value === "string") return clip(JSON.stringify(value.length > max ? value.slice(0, max + 1) : value), max + 2);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return clip(text, max);
}

/** At most `max` of `lines`, then one line saying how many were left out. */
export function firstLines(lines: readonly string[], max = 10): string[] {
  if (lines.length <= max) return [...lines];
  return [...lines.slice(0, max), `…and ${lines.length - max} more problems like these.`];
}
