import type { CSSProperties } from "react";
import { useStore } from "zustand";
import type { NoticeSeverity } from "../state/index.ts";

const ICON: Record<NoticeSeverity, string> = { error: "!", warning: "⚠", info: "i", success: "✓" };
import { useRig, useStudio } from "./StudioContext.tsx";

export function StatusStrip() {
  const buses = useRig((s) => s.buses);
  const { problems: store } = useStudio();
  const problems = useStore(store, (s) => s.notices);
  const busy = useRig((s) => s.busy);
  const dismiss = useStore(store, (s) => s.dismiss);
  const motors = buses.reduce((n, b) => n + (b.status === "connected" ? b.motors.length : 0), 0);
  return (
    <footer className="status-strip" data-testid="status-strip">
      <span className="status-item">
        {buses.length === 0 ? "No arm connected" : `${buses.filter((b) => b.status === "connected").length} bus(es) · ${motors} motors`}
      </span>
      {buses
        .filter((b) => b.status === "lost")
        .map((b) => (
          <span key={b.key} className="status-item bad">
            {b.info.label}: disconnected
          </span>
        ))}
      {busy !== undefined && <span className="status-item">{busy}</span>}
      <span className="status-problems">
        {problems.map((p) => (
          <span
            key={p.id}
            className={`problem ${p.severity}${p.fadesAt !== undefined ? " fades" : ""}`}
            // successes and info fade out over their life (the store removes them when it ends)
            style={p.fadesAt !== undefined ? ({ "--life": `${p.fadesAt - p.at}ms` } as CSSProperties) : undefined}
            role={p.severity === "error" || p.severity === "warning" ? "alert" : "status"}
            data-testid="problem"
            data-severity={p.severity}
          >
            <span className="problem-icon" aria-hidden="true">
              {ICON[p.severity]}
            </span>
            {p.message}
            <button type="button" aria-label="Dismiss" onClick={() => dismiss(p.id)}>
              ×
            </button>
          </span>
        ))}
      </span>
    </footer>
  );
}
