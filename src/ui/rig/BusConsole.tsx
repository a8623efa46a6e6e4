import { useEffect, useRef, useState } from "react";
import type { BusEntry, BusStatsInfo } from "../../state/index.ts";
import { useRig, useTelemetry } from "../StudioContext.tsx";
import { MotorTable } from "./MotorTable.tsx";
import { RegisterPanel } from "./RegisterPanel.tsx";
import { SimPanel } from "./SimPanel.tsx";

function useBusStats(bus: BusEntry): BusStatsInfo | undefined {
  const api = useRig((s) => s.api);
  const [stats, setStats] = useState<BusStatsInfo>();
  useEffect(() => {
    if (bus.status !== "connected") return undefined;
    let alive = true;
    const poll = () => {
      api(bus.key)
        .stats(bus.key)
        .then((s) => alive && setStats(s))
        .catch(() => undefined);
    };
    poll();
    const t = setInterval(poll, 1000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [api, bus.key, bus.status]);
  return stats;
}

/**
 * "Wiggle to identify": true while any joint on this bus is moving (a position changed by
 * more than a few steps in the last half second), so two look-alike arms can be told apart.
 */
function useMoving(key: string): boolean {
  const snap = useTelemetry(key);
  const last = useRef<{ positions: Map<number, number>; movedAt: number }>({ positions: new Map(), movedAt: -Infinity });
  if (snap) {
    const prev = last.current.positions;
    let moved = false;
    for (const m of snap.motors) {
      if (!m.ok) continue;
      const before = prev.get(m.id);
      if (before !== undefined && Math.abs(m.position - before) > 6) moved = true;
      prev.set(m.id, m.position);
    }
    if (moved) last.current.movedAt = snap.at;
  }
  return snap !== undefined && snap.at - last.current.movedAt < 500;
}

/** One bus: what answers on it, live, and a register-level console. */
export function BusConsole({ bus }: { bus: BusEntry }) {
  const scan = useRig((s) => s.scan);
  const disconnect = useRig((s) => s.disconnect);
  const stats = useBusStats(bus);
  const moving = useMoving(bus.key);
  const family = bus.info.protocol;
  const allBauds =
    family === "feetech"
      ? [1_000_000, 500_000, 250_000, 128_000, 115_200, 57_600, 38_400]
      : [1_000_000, 57_600, 115_200, 2_000_000, 3_000_000, 4_000_000, 9_600];
  return (
    <section className={`bus-console ${bus.status}`} data-testid={`bus-${bus.key}`}>
      <header>
        <h3>{bus.info.label}</h3>
        <span className="muted">
          {bus.info.protocolLabel} · {bus.info.baudRate.toLocaleString("en-US")} baud · runs{" "}
          {bus.info.host === "worker" ? "in a worker" : "on the page"}
        </span>
        <span className={`pill ${bus.status}`} data-testid="bus-status">
          {bus.status === "connected" ? "connected" : bus.status === "lost" ? "disconnected" : "closed"}
        </span>
        {moving && (
          <span
            className="moving"
            data-testid="bus-moving"
            title="A joint on this bus is moving: wiggle an arm to see which profile it is."
          >
            ● moving
          </span>
        )}
        <span className="spacer" />
        <button type="button" disabled={bus.scanning || bus.status !== "connected"} onClick={() => void scan(bus.key)}>
          Scan
        </button>
        <button type="button" disabled={bus.scanning || bus.status !== "connected"} onClick={() => void scan(bus.key, allBauds)}>
          Scan all baud rates
        </button>
        <button type="button" onClick={() => void disconnect(bus.key)}>
          Disconnect
        </button>
      </header>
      {bus.status === "lost" && (
        <p className="bad">The USB adapter was unplugged. Plug it back in{bus.info.simulated ? " (below)" : " and connect again"}.</p>
      )}
      {bus.lastScan && (
        <p className={bus.lastScan.ok ? "ok" : "warn"} data-testid="scan-note" role="status">
          {bus.lastScan.note}
        </p>
      )}
      <MotorTable bus={bus} />
      {stats && (
        <p className="muted stats" data-testid="bus-stats">
          {stats.transactions} transactions · {stats.timeouts} timeouts · {stats.corrupt} corrupt · {stats.retries} retries ·{" "}
          {stats.statusErrors} refused · {stats.conditions} warnings
          {stats.injectedCorrupt !== undefined && ` · injected: ${stats.injectedCorrupt} corrupted, ${stats.injectedDropped ?? 0} dropped`}
        </p>
      )}
      <RegisterPanel bus={bus} />
      {bus.info.simulated && <SimPanel bus={bus} />}
    </section>
  );
}
