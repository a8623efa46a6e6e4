import type { BusEntry } from "../../state/index.ts";
import { useTelemetry } from "../StudioContext.tsx";

const STALE_MS = 1500;

/** Live registers of every motor found on a bus. A failed read shows as missing, never as a number. */
export function MotorTable({ bus }: { bus: BusEntry }) {
  const snap = useTelemetry(bus.key);
  const stale = snap === undefined || performance.now() - snap.at > STALE_MS || bus.status !== "connected";
  if (bus.motors.length === 0) {
    return <p className="muted">{bus.scanning ? "Scanning…" : "No motors found yet. Scan the bus."}</p>;
  }
  return (
    <table className={`motors ${stale ? "stale" : ""}`} data-testid={`motors-${bus.key}`}>
      <thead>
        <tr>
          <th>ID</th>
          <th>Model</th>
          <th>Baud</th>
          <th className="num">Position</th>
          <th className="num">Goal</th>
          <th>Torque</th>
          <th className="num">Temp °C</th>
          <th className="num">Voltage V</th>
          <th className="num">Load</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {bus.motors.map((m) => {
          const t = snap?.motors.find((x) => x.id === m.id);
          const ok = t?.ok === true ? t : undefined;
          const missing = t !== undefined && !t.ok ? t.error : undefined;
          return (
            <tr key={`${m.id}-${m.baudRate}`} data-testid="motor-row" data-bus={bus.key} data-id={m.id} className={missing ? "bad" : ""}>
              <td className="num">{m.id}</td>
              <td>{m.modelName ?? (m.modelNumber === undefined ? "?" : `model ${m.modelNumber}`)}</td>
              <td className="num">{m.baudRate.toLocaleString("en-US")}</td>
              <td className="num" data-testid="position">
                {ok ? ok.position : "—"}
              </td>
              <td className="num">{ok ? ok.goal : "—"}</td>
              <td>{ok ? (ok.torque ? "on" : "off") : "—"}</td>
              <td className={`num ${ok && ok.temperatureC >= 60 ? "warn" : ""}`} data-testid="temperature">
                {ok ? ok.temperatureC : "—"}
              </td>
              <td className="num" data-testid="voltage">
                {ok ? ok.voltageV.toFixed(1) : "—"}
              </td>
              <td className="num" data-testid="load">
                {ok ? `${ok.load.toFixed(ok.loadUnit === "%" ? 1 : 0)} ${ok.loadUnit}` : "—"}
              </td>
              <td data-testid="motor-status">
                {missing ? (
                  <span className="bad" title={missing.message}>
                    {missing.code === "timeout" ? "no reply" : missing.code === "corrupt" ? "corrupt reply" : missing.code}
                  </span>
                ) : ok && ok.conditions.length > 0 ? (
                  <span className="warn">{ok.conditions.join(", ")}</span>
                ) : ok ? (
                  "ok"
                ) : (
                  "…"
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
