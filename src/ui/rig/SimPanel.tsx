import { useState } from "react";
import type { BusEntry } from "../../state/index.ts";
import { useRig } from "../StudioContext.tsx";
import { messageOf } from "../../core/messages.ts";

/** Fault injection for a simulated bus: noisy wire, lost replies, servo errors, the cable pulled. */
export function SimPanel({ bus }: { bus: BusEntry }) {
  const simulate = useRig((s) => s.simulate);
  const [corrupt, setCorrupt] = useState("0");
  const [drop, setDrop] = useState("0");
  const [error, setError] = useState<string | undefined>();
  const [reversed, setReversed] = useState<number>(-1);
  const run = (p: Promise<unknown>) =>
    p.then(
      () => setError(undefined),
      (e: unknown) => setError(messageOf(e)),
    );
  const pct = (s: string) => Math.min(100, Math.max(0, Number(s) || 0)) / 100;

  return (
    <details className="sim-panel">
      <summary>Simulation: inject faults</summary>
      <div className="row">
        <label>
          Corrupt replies %{" "}
          <input
            aria-label="Corrupt replies percent"
            className="num"
            size={4}
            value={corrupt}
            onChange={(e) => setCorrupt(e.target.value)}
          />
        </label>
        <label>
          Dropped replies %{" "}
          <input aria-label="Dropped replies percent" className="num" size={4} value={drop} onChange={(e) => setDrop(e.target.value)} />
        </label>
        <button
          type="button"
          onClick={() => void run(simulate(bus.key, { kind: "faults", faults: { corruptRate: pct(corrupt), dropRate: pct(drop) } }))}
        >
          Apply
        </button>
        <button
          type="button"
          onClick={() =>
            void run(
              simulate(bus.key, {
                kind: "faults",
                faults: { servoError: { id: bus.motors[0]?.id ?? 1, bits: bus.info.protocol === "feetech" ? 0x20 : 0x80 } },
              }),
            )
          }
        >
          Overload motor {bus.motors[0]?.id ?? 1}
        </button>
        <button
          type="button"
          onClick={() => void run(simulate(bus.key, { kind: "faults", faults: { servoError: { id: bus.motors[0]?.id ?? 1, bits: 0 } } }))}
        >
          Clear
        </button>
        {bus.status === "connected" ? (
          <button type="button" className="danger" onClick={() => void run(simulate(bus.key, { kind: "unplug" }))}>
            Unplug USB
          </button>
        ) : (
          <button type="button" onClick={() => void run(simulate(bus.key, { kind: "plug" }))}>
            Plug back in
          </button>
        )}
      </div>
      <div className="row">
        <label>
          Motor mounted reversed{" "}
          <select
            aria-label="Reversed motor"
            value={reversed}
            onChange={(e) => {
              const joint = Number(e.target.value);
              const previous = reversed;
              setReversed(joint);
              void run(
                (previous >= 0 ? simulate(bus.key, { kind: "reverse", joint: previous, reversed: false }) : Promise.resolve()).then(() =>
                  joint >= 0 ? simulate(bus.key, { kind: "reverse", joint, reversed: true }) : undefined,
                ),
              );
            }}
          >
            <option value={-1}>none</option>
            {bus.motors.map((m, i) => (
              <option key={m.id} value={i}>
                motor {m.id}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && <div className="bad">{error}</div>}
    </details>
  );
}
