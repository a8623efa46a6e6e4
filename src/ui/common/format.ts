/** Numbers and dates as the studio shows them: unambiguous whatever the browser's locale. */

const pad = (n: number) => String(n).padStart(2, "0");

/** "2026-12-01 14:03" in local time (ISO-like: never "12/1/2026"). */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "—";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
