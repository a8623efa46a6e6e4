/** A figure for the link panels: "—" when unknown, else rounded to 0.1. */
export function fmt(v: number): string {
  return Number.isFinite(v) ? (Math.round(v * 10) / 10).toString() : "—";
}

/** A two-column table of labelled figures. */
export function Figures({ rows, testId }: { rows: readonly (readonly [string, string])[]; testId: string }) {
  return (
    <table className="motors" data-testid={testId}>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k} data-figure={k}>
            <td>{k}</td>
            <td className="num mono">{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The link panel's words for how the packets go (the link's `path`). */
export function pathLabel(path: "direct" | "relay" | undefined): string {
  return path === "relay" ? "relayed by the TURN server" : path === "direct" ? "direct (peer to peer)" : "—";
}
